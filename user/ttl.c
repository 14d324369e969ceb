// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Manual ranges with an expiry: `expire` removes those whose time has come,
 * in one commit. The expiry itself is
 * kept with the manual ranges in the settings file (user/persist.c), so it
 * survives restarts and reboots. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "duration.h"
#include "log.h"
#include "manual_meta.h"
#include "names.h"
#include "rules.h"
#include "ttl.h"

static time_t earliest_expiry(const struct xf_manual_meta *meta)
{
	time_t first = 0;
	size_t i;

	for (i = 0; i < meta->n; i++)
		if (meta->entries[i].expires && (!first || meta->entries[i].expires < first))
			first = meta->entries[i].expires;
	return first;
}

static struct json_object *removed_json(const struct xf_rule *r,
					const struct xf_manual_meta_entry *e)
{
	struct json_object *o = json_object_new_object();
	char text[XF_PREFIX_STRLEN];

	xf_prefix_format(&r->prefix, text, sizeof(text));
	json_object_object_add(o, "range", json_object_new_string(text));
	json_object_object_add(o, "action", json_object_new_string(xf_action_name(r->action)));
	if (r->action == XF_ACTION_TAG)
		json_object_object_add(o, "tag", json_object_new_int64(r->tag));
	json_object_object_add(o, "expired_at", json_object_new_int64(e->expires));
	if (e->comment)
		json_object_object_add(o, "comment", json_object_new_string(e->comment));
	return o;
}

/* With the state locked: take the expired manual ranges out of the rule
 * store in one commit, then their expiries off the settings file. Appends
 * what went to removed (NULL: not wanted). */
static int expire_locked(const struct xf_cli *cli, struct xf_state *st, time_t now,
			 time_t *next_due, struct json_object *removed)
{
	struct xf_ruleset old = {}, next = {};
	struct xf_manual_meta meta = {};
	struct json_object *gone = json_object_new_array();
	size_t i, n_due = 0;
	int err, count = 0;

	err = xf_persist_load_meta(cli, st->pin_dir, &meta);
	if (err)
		goto out;
	for (i = 0; i < meta.n; i++)
		if (meta.entries[i].expires && meta.entries[i].expires <= now)
			n_due++;
	if (!n_due)
		goto out;

	err = xf_ruleset_read(st, &old);
	if (!err)
		err = xf_ruleset_copy(&next, &old);
	if (err)
		goto out;
	for (i = meta.n; i-- > 0;) {
		const struct xf_manual_meta_entry *e = &meta.entries[i];
		long idx;

		if (!e->expires || e->expires > now)
			continue;
		/* an expiry left behind by a range that is gone is only forgotten */
		idx = xf_ruleset_find(&next, XF_FEED_MANUAL, &e->prefix, e->allow);
		if (idx >= 0) {
			json_object_array_add(gone, removed_json(&next.rules[idx], e));
			err = xf_ruleset_del(&next, XF_FEED_MANUAL, &e->prefix, e->allow);
			if (err)
				goto out;
			count++;
		}
		xf_manual_meta_remove(&meta, &e->prefix, e->allow);
	}
	if (count) {
		err = xf_ruleset_commit(st, &old, &next, NULL);
		if (err) {
			xf_err("expire: nothing removed: %s", strerror(-err));
			goto out;
		}
	}
	/* A failure to save is warned about: the ranges are gone from the data
	 * plane, and what stays on file carries expiries in the past, which a
	 * restore after a reboot skips. */
	xf_persist_save_meta(cli, st, &meta);
	for (i = 0; i < json_object_array_length(gone); i++) {
		struct json_object *o = json_object_array_get_idx(gone, i), *c = NULL;

		xf_info("manual range %s (%s) expired: removed%s%s", xf_json_str(o, "range"),
			xf_json_str(o, "action"),
			json_object_object_get_ex(o, "comment", &c) ? "; comment: " : "",
			c ? json_object_get_string(c) : "");
		if (removed)
			json_object_array_add(removed, json_object_get(o));
	}
out:
	if (!err && next_due)
		*next_due = earliest_expiry(&meta);
	json_object_put(gone);
	xf_ruleset_free(&old);
	xf_ruleset_free(&next);
	xf_manual_meta_free(&meta);
	return err ?: count;
}

/* The state as it is, never created: expiring needs nothing to exist. */
static int expire_run(const struct xf_cli *cli, time_t now, time_t *next_due,
		      struct json_object *removed)
{
	struct xf_state_opts opts = { .pin_dir = cli->pin_dir, .lock = true };
	struct xf_state st;
	int err;

	if (next_due)
		*next_due = 0;
	err = xf_state_open(&st, &opts);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	err = expire_locked(cli, &st, now, next_due, removed);
	xf_state_close(&st);
	return err;
}

int xf_ttl_expire(const struct xf_cli *cli, time_t now, time_t *next_due)
{
	return expire_run(cli, now, next_due, NULL);
}

static void render_expired(struct json_object *result)
{
	struct json_object *list, *v;
	char left[32];
	size_t i, n;

	json_object_object_get_ex(result, "removed", &list);
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(list, i);

		printf("expired  %-43s %-6s %s\n", xf_json_str(r, "range"), xf_json_str(r, "action"),
		       json_object_object_get_ex(r, "comment", &v) ? json_object_get_string(v) : "");
	}
	printf("%zu manual range%s removed", n, n == 1 ? "" : "s");
	if (json_object_object_get_ex(result, "next_expiry_in", &v) && v) {
		xf_duration_format(json_object_get_int64(v), left, sizeof(left));
		printf("; next expiry in %s", left);
	}
	putchar('\n');
}

int xf_cmd_expire(struct xf_cli *cli, int argc, char **argv)
{
	struct json_object *result, *removed;
	time_t now = time(NULL), next_due;
	int n;

	if (argc > 1)
		return xf_usage_error(cli, "expire", "expire: unexpected argument '%s'", argv[1]);
	removed = json_object_new_array();
	n = expire_run(cli, now, &next_due, removed);
	if (n < 0) {
		json_object_put(removed);
		return xf_fail(cli, "expire: %s", strerror(-n));
	}
	result = json_object_new_object();
	json_object_object_add(result, "removed", removed);
	json_object_object_add(result, "next_expiry",
			       next_due ? json_object_new_int64(next_due) : NULL);
	json_object_object_add(result, "next_expiry_in",
			       next_due ? json_object_new_int64(next_due > now ? next_due - now : 0)
					: NULL);
	return xf_output(cli, result, render_expired);
}
