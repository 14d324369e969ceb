// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ranges: list the ranges in force, as the rule store has them, or with
 * --kernel as the data plane's rules map holds them (one entry per distinct
 * prefix, with the decision precedence gave it). Manual ranges show their
 * expiry and comment (user/manual_meta.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "addr.h"
#include "cli.h"
#include "duration.h"
#include "fib.h"
#include "manual_meta.h"
#include "names.h"
#include "rules.h"

static void render_ranges(struct json_object *result)
{
	struct json_object *list;
	size_t i;

	json_object_object_get_ex(result, "ranges", &list);
	printf("%-43s %-6s %-5s %-16s %-8s %-10s %s\n", "RANGE", "ACTION", "TAG", "FEED",
	       "RANGE-ID", "EXPIRES-IN", "COMMENT");
	for (i = 0; i < json_object_array_length(list); i++) {
		struct json_object *r = json_object_array_get_idx(list, i), *v;
		char left[32] = "-";

		if (json_object_object_get_ex(r, "expires_in", &v) && v)
			xf_duration_format(json_object_get_int64(v), left, sizeof(left));
		printf("%-43s %-6s %-5s %-16s %-8lld %-10s %s\n", xf_json_str(r, "range"),
		       xf_json_str(r, "action"), xf_json_str(r, "tag"), xf_json_str(r, "feed"),
		       xf_json_int(r, "range_id"), left,
		       json_object_object_get_ex(r, "comment", &v) ? json_object_get_string(v) : "");
	}
	printf("%zu ranges\n", json_object_array_length(list));
}

/* A manual range's expiry (absolute, and what is left of it: 0 once it
 * passed, until `expire` removes the range) and comment. */
static void add_manual_meta(struct json_object *o, const struct xf_manual_meta_entry *e,
			    time_t now)
{
	if (e->expires) {
		json_object_object_add(o, "expires", json_object_new_int64(e->expires));
		json_object_object_add(o, "expires_in",
				       json_object_new_int64(e->expires > now ? e->expires - now : 0));
	}
	if (e->comment)
		json_object_object_add(o, "comment", json_object_new_string(e->comment));
}

static struct json_object *range_entry(const struct xf_state *st, const struct xf_prefix *p,
				       __u8 action, __u32 tag, __u8 feed_id, __u32 range_id)
{
	struct json_object *o = json_object_new_object();
	char text[XF_PREFIX_STRLEN], feed[XF_FEED_NAME_MAX + 8];

	xf_prefix_format(p, text, sizeof(text));
	json_object_object_add(o, "range", json_object_new_string(text));
	json_object_object_add(o, "action", json_object_new_string(xf_action_name(action)));
	json_object_object_add(o, "tag", action == XF_ACTION_TAG ? json_object_new_int64(tag)
								 : NULL);
	json_object_object_add(o, "feed",
			       json_object_new_string(xf_feed_name(st, feed_id, feed, sizeof(feed))));
	json_object_object_add(o, "range_id", json_object_new_int64(range_id));
	return o;
}

static int by_prefix(const void *pa, const void *pb)
{
	return xf_prefix_cmp(&((const struct xf_rule *)pa)->prefix,
			     &((const struct xf_rule *)pb)->prefix);
}

int xf_cmd_ranges(struct xf_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", no_argument, NULL, 'k' },
		{ "feed", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *result, *list;
	const char *feed_filter = NULL;
	struct xf_manual_meta meta = {};
	struct xf_ruleset rs = {};
	time_t now = time(NULL);
	bool kernel = false;
	struct xf_state st;
	char feed[XF_FEED_NAME_MAX + 8];
	size_t i;
	int c, err;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "kf:", opts, NULL)) != -1) {
		if (c == 'k')
			kernel = true;
		else if (c == 'f')
			feed_filter = optarg;
		else
			return xf_usage_error(cli, "ranges", "ranges: unknown option '%s'",
					      argv[optind - 1]);
	}
	if (optind < argc)
		return xf_usage_error(cli, "ranges", "ranges: unexpected argument '%s'", argv[optind]);
	if (xf_cli_open_state(cli, &st, false))
		return 1;
	list = json_object_new_array();
	if (kernel && st.backend == XF_BACKEND_FAST) {
		struct xf_effective *e;
		size_t n, k;

		err = xf_fib_entries(&st, &e, &n);
		if (err)
			goto fail;
		for (k = 0; k < n && !err; k++) {
			struct xf_rule r = {
				.prefix = e[k].prefix,
				.range_id = e[k].decision.range_id,
				.tag = e[k].decision.tag,
				.action = e[k].decision.action,
				.feed_id = e[k].decision.feed_id,
			};

			err = xf_ruleset_push(&rs, &r);
		}
		free(e);
		if (err)
			goto fail;
	} else if (kernel) {
		struct xf_lpm_key key, next;
		struct xf_decision d;
		void *prev = NULL;

		/* the trie hands keys out in its own order; sort for output */
		while (!bpf_map_get_next_key(st.map_fd[XF_MAP_RULES], prev, &next)) {
			struct xf_rule r = {};

			key = next;
			prev = &key;
			if (bpf_map_lookup_elem(st.map_fd[XF_MAP_RULES], &key, &d) ||
			    xf_prefix_from_key(&r.prefix, &key))
				continue;
			r.action = d.action;
			r.tag = d.tag;
			r.feed_id = d.feed_id;
			r.range_id = d.range_id;
			if (xf_ruleset_push(&rs, &r)) {
				err = -ENOMEM;
				goto fail;
			}
		}
	} else {
		err = xf_ruleset_read(&st, &rs);
		if (err)
			goto fail;
	}
	if (feed_filter && strcmp(feed_filter, "manual")) {
		struct xf_feed f;
		__u32 id;

		for (id = 0; id < XF_MAX_FEEDS; id++)
			if (!bpf_map_lookup_elem(st.map_fd[XF_MAP_FEEDS], &id, &f) && f.in_use &&
			    !strncmp(f.name, feed_filter, sizeof(f.name)))
				break;
		if (id == XF_MAX_FEEDS) {
			json_object_put(list);
			xf_ruleset_free(&rs);
			xf_state_close(&st);
			return xf_fail(cli, "ranges: no feed named '%s' is applied", feed_filter);
		}
	}
	/* the settings file is replaced whole (rename): readable without the lock */
	xf_persist_load_meta(cli, st.pin_dir, &meta);
	qsort(rs.rules, rs.n, sizeof(*rs.rules), by_prefix);
	for (i = 0; i < rs.n; i++) {
		const struct xf_rule *r = &rs.rules[i];
		const struct xf_manual_meta_entry *e;
		struct json_object *o;

		if (feed_filter && strcmp(feed_filter, xf_feed_name(&st, r->feed_id, feed,
								     sizeof(feed))))
			continue;
		o = range_entry(&st, &r->prefix, r->action, r->tag, r->feed_id, r->range_id);
		e = r->feed_id == XF_FEED_MANUAL
			    ? xf_manual_meta_find(&meta, &r->prefix, r->action == XF_ACTION_ALLOW)
			    : NULL;
		if (e)
			add_manual_meta(o, e, now);
		json_object_array_add(list, o);
	}
	xf_manual_meta_free(&meta);
	result = json_object_new_object();
	json_object_object_add(result, "source",
			       json_object_new_string(!kernel			      ? "rule store"
						      : st.backend == XF_BACKEND_FAST ? "kernel lookup tables"
										      : "kernel rules map"));
	json_object_object_add(result, "ranges", list);
	xf_ruleset_free(&rs);
	xf_state_close(&st);
	return xf_output(cli, result, render_ranges);
fail:
	json_object_put(list);
	xf_ruleset_free(&rs);
	xf_state_close(&st);
	return xf_fail(cli, "ranges: %s", strerror(-err));
}
