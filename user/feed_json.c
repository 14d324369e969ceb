// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Format "json": any JSON document; the feed's config names what to
 * extract with one or more jq programs (libjq), the way operators already
 * write it: '.prefixes[].ip_prefix', '.ipv6_prefixes[].ipv6_prefix',
 * '.[] | keys[]'. Every string a program yields is one record (address,
 * CIDR or range); null and other non-string results are skipped and
 * counted. A document that does not parse, or a program that fails on it
 * (say '.prefixes[]' on a file without "prefixes"), refuses the file: the
 * schema is not what the config expects. jq knows no line numbers, so
 * messages name the file only. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <jq.h>

#include "feed_internal.h"

struct jq_msg {
	char text[160];
};

static void msg_set(struct jq_msg *m, jv msg)
{
	jv s;

	if (m->text[0]) {
		jv_free(msg);
		return;
	}
	if (jv_get_kind(msg) == JV_KIND_STRING) {
		snprintf(m->text, sizeof(m->text), "%s", jv_string_value(msg));
		jv_free(msg);
		return;
	}
	s = jv_dump_string(msg, 0);
	snprintf(m->text, sizeof(m->text), "%s", jv_string_value(s));
	jv_free(s);
}

/* libjq hands compile errors here instead of printing them */
static void on_error(void *data, jv msg)
{
	msg_set(data, msg);
}

static int run(struct xf_feed_ctx *c, jq_state *jq, const char *program, jv doc)
{
	struct jq_msg m = {};
	jv v;
	int err = 0;

	jq_start(jq, doc, 0);
	while (jv_is_valid(v = jq_next(jq))) {
		if (jv_get_kind(v) == JV_KIND_STRING) {
			struct xf_span s = { jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)) };

			err = xf_feed_take(c, s, 0);
		} else {
			c->r->null_or_non_string++;
		}
		jv_free(v);
		if (err)
			return err;
	}
	if (jv_invalid_has_msg(jv_copy(v))) {
		msg_set(&m, jv_invalid_get_msg(v));
		xf_feed_refuse(c, "select '%s' fails on this document: %s", program, m.text);
		return 0;
	}
	jv_free(v);
	return 0;
}

int xf_feed_parse_json(struct xf_feed_ctx *c)
{
	jq_state *jq[XF_FEED_MAX_SELECT] = {};
	struct jq_msg m[XF_FEED_MAX_SELECT] = {};
	size_t i, n = c->o->nselect;
	jv doc = jv_invalid();
	int err = 0;

	/* a program that does not compile is the config's fault: -EINVAL */
	for (i = 0; i < n; i++) {
		jq[i] = jq_init();
		if (!jq[i]) {
			err = -ENOMEM;
			goto out;
		}
		jq_set_error_cb(jq[i], on_error, &m[i]);
		if (!c->o->select[i] || !jq_compile(jq[i], c->o->select[i])) {
			xf_feed_refuse(c, "select '%s' is not a jq program: %s",
				       c->o->select[i] ? c->o->select[i] : "(null)", m[i].text);
			err = -EINVAL;
			goto out;
		}
	}
	if (c->len > INT_MAX) {
		err = -EFBIG;
		goto out;
	}
	doc = jv_parse_sized(c->data, (int)c->len);
	if (!jv_is_valid(doc)) {
		struct jq_msg pm = {};

		if (jv_invalid_has_msg(jv_copy(doc)))
			msg_set(&pm, jv_invalid_get_msg(jv_copy(doc)));
		xf_feed_refuse(c, "not a JSON document: %s", pm.text[0] ? pm.text : "empty");
		goto out;
	}
	for (i = 0; i < n && !c->r->refused; i++) {
		err = run(c, jq[i], c->o->select[i], jv_copy(doc));
		if (err)
			goto out;
	}
out:
	jv_free(doc);
	for (i = 0; i < n; i++)
		if (jq[i])
			jq_teardown(&jq[i]);
	return err;
}
