// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Format "json": any JSON document; the feed's config names what to
 * extract with one or more jq programs (libjq), the way operators already
 * write it: '.prefixes[].ip_prefix', '.ipv6_prefixes[].ipv6_prefix',
 * '.[] | keys[]'. Every string a program yields is one record (address,
 * CIDR or range); null and other non-string results are skipped and
 * counted. A document that does not parse, or a program that fails on it
 * (say '.prefixes[]' on a file without "prefixes"), refuses the file: the
 * schema is not what the config expects. jq knows no line numbers, so
 * messages about values name the file only.
 *
 * The document is parsed by json-c (in strict mode) and handed to jq as a
 * value: libjq 1.6's own parser leaks on malformed input, which a feed
 * download can be. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <jq.h>
#include <json-c/json.h>

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

/* Far deeper than any feed; bounds the recursion below. */
#define XF_JSON_MAX_DEPTH 64

static jv to_jv(struct json_object *o)
{
	jv v;
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_boolean:
		return jv_bool(json_object_get_boolean(o));
	case json_type_double:
	case json_type_int:
		return jv_number(json_object_get_double(o));
	case json_type_string:
		return jv_string_sized(json_object_get_string(o), json_object_get_string_len(o));
	case json_type_array:
		v = jv_array();
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			v = jv_array_append(v, to_jv(json_object_array_get_idx(o, i)));
		return v;
	case json_type_object:
		v = jv_object();
		json_object_object_foreach(o, key, value)
			v = jv_object_set(v, jv_string(key), to_jv(value));
		return v;
	case json_type_null:
	default:
		return jv_null();
	}
}

/* The document as a jq value; jv_invalid() (and the file refused) when it
 * is not one JSON document. */
static jv parse_document(struct xf_feed_ctx *c)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t end, line = 1, i;
	jv doc = jv_invalid();

	for (i = 0; i < c->len && (xf_is_space(c->data[i]) || c->data[i] == '\n'); i++)
		;
	if (i == c->len) {
		xf_feed_refuse(c, "not a JSON document: empty");
		return doc;
	}
	tok = json_tokener_new_ex(XF_JSON_MAX_DEPTH);
	if (!tok)
		return doc;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	obj = json_tokener_parse_ex(tok, c->data, (int)c->len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	while (end < c->len && (xf_is_space(c->data[end]) || c->data[end] == '\n'))
		end++;
	if (jerr == json_tokener_success && end < c->len)
		jerr = json_tokener_error_parse_unexpected;
	if (jerr == json_tokener_success) {
		doc = to_jv(obj);
	} else {
		for (i = 0; i < end && i < c->len; i++)
			line += c->data[i] == '\n';
		if (jerr == json_tokener_continue)
			xf_feed_refuse(c, "not a JSON document: it ends too early");
		else
			xf_feed_refuse(c, "not a JSON document: line %zu: %s", line,
				       json_tokener_error_desc(jerr));
	}
	json_object_put(obj);
	json_tokener_free(tok);
	return doc;
}

/* libjq 1.6 (Debian 12) leaks a reference to an object's key when an
 * error unwinds through `.[]` over an object with entries left (fixed
 * upstream by jqlang/jq#3069, after 1.7.1) -- whether the error refuses
 * the file or a `try`/`?` in the select catches it. Once the programs are
 * torn down only the document holds its keys, so a key held more than
 * once is such a leak: drop the extra references. XF_JSON_MAX_DEPTH bounds
 * the recursion. v is borrowed. */
static void drop_leaked_keys(jv v)
{
	int i, n;

	if (jv_get_kind(v) == JV_KIND_ARRAY) {
		n = jv_array_length(jv_copy(v));
		for (i = 0; i < n; i++) {
			jv e = jv_array_get(jv_copy(v), i);

			drop_leaked_keys(e);
			jv_free(e);
		}
	} else if (jv_get_kind(v) == JV_KIND_OBJECT) {
		for (i = jv_object_iter(v); jv_object_iter_valid(v, i);
		     i = jv_object_iter_next(v, i)) {
			jv key = jv_object_iter_key(v, i), value = jv_object_iter_value(v, i);

			/* one reference is the object's, one is ours */
			while (jv_get_refcnt(key) > 2)
				jv_free(key);
			jv_free(key);
			drop_leaked_keys(value);
			jv_free(value);
		}
	}
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
	doc = parse_document(c);
	if (!jv_is_valid(doc)) {
		if (!c->r->refused)
			err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n && !c->r->refused; i++) {
		err = run(c, jq[i], c->o->select[i], jv_copy(doc));
		if (err)
			goto out;
	}
out:
	for (i = 0; i < n; i++)
		if (jq[i])
			jq_teardown(&jq[i]);
	if (jv_is_valid(doc))
		drop_leaked_keys(doc);
	jv_free(doc);
	return err;
}
