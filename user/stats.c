// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* stats: global counters by verdict and reason, per-range counters (top N
 * by packets), per-feed totals. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "addr.h"
#include "cli.h"
#include "log.h"
#include "names.h"
#include "range_counters.h"
#include "rules.h"

#define XF_DEFAULT_TOP 20

struct range_total {
	const struct xf_rule *rule;
	struct xf_counter outcome[XF_OUTCOME_MAX];
	__u64 packets;
};

static int by_packets(const void *pa, const void *pb)
{
	const struct range_total *a = pa, *b = pb;

	if (a->packets != b->packets)
		return a->packets < b->packets ? 1 : -1;
	return a->rule->range_id < b->rule->range_id ? -1 : 1;
}

static struct json_object *global_json(const struct xf_state *st)
{
	struct xf_counter by_verdict[XF_VERDICT_MAX] = {};
	struct json_object *o = json_object_new_object(), *verdicts, *reasons;
	__u32 reason, verdict;

	reasons = json_object_new_array();
	for (reason = 0; reason < XF_REASON_MAX; reason++) {
		for (verdict = 0; verdict < XF_VERDICT_MAX; verdict++) {
			struct xf_counter c;
			struct json_object *r;

			if (xf_percpu_read_counters(st, XF_MAP_GLOBAL_STATS,
						    XF_GLOBAL_INDEX(reason, verdict), &c, 1) ||
			    !c.packets)
				continue;
			by_verdict[verdict].packets += c.packets;
			by_verdict[verdict].bytes += c.bytes;
			r = json_object_new_object();
			json_object_object_add(r, "reason",
					       json_object_new_string(xf_reason_name(reason)));
			json_object_object_add(r, "verdict",
					       json_object_new_string(xf_verdict_name(verdict)));
			json_object_object_add(r, "packets", json_object_new_uint64(c.packets));
			json_object_object_add(r, "bytes", json_object_new_uint64(c.bytes));
			json_object_object_add(r, "description", json_object_new_string(
									 xf_reason_description(reason)));
			json_object_array_add(reasons, r);
		}
	}
	verdicts = json_object_new_object();
	for (verdict = 0; verdict < XF_VERDICT_MAX; verdict++)
		json_object_object_add(verdicts, xf_verdict_name(verdict),
				       xf_json_counter(&by_verdict[verdict]));
	json_object_object_add(o, "by_verdict", verdicts);
	json_object_object_add(o, "by_reason", reasons);
	return o;
}

static struct json_object *ranges_json(const struct xf_state *st, const struct xf_ruleset *rs,
				       size_t top)
{
	struct json_object *list = json_object_new_array();
	struct range_total *totals;
	size_t i, j, shown;

	struct xf_range_total *hot = NULL;
	size_t nhot = 0;

	totals = calloc(rs->n ? rs->n : 1, sizeof(*totals));
	if (!totals)
		return list;
	if (xf_range_counters_collect(st, &hot, &nhot))
		xf_warn("cannot read the per-range counters");
	for (i = 0; i < rs->n; i++) {
		const struct xf_range_total *t = xf_range_totals_find(hot, nhot,
									  rs->rules[i].range_id);

		totals[i].rule = &rs->rules[i];
		if (t)
			memcpy(totals[i].outcome, t->outcome, sizeof(t->outcome));
		for (j = 0; j < XF_OUTCOME_MAX; j++)
			totals[i].packets += totals[i].outcome[j].packets;
	}
	free(hot);
	qsort(totals, rs->n, sizeof(*totals), by_packets);
	shown = top && top < rs->n ? top : rs->n;
	for (i = 0; i < shown; i++) {
		const struct xf_rule *r = totals[i].rule;
		struct json_object *o = json_object_new_object();
		char text[XF_PREFIX_STRLEN], feed[XF_FEED_NAME_MAX + 8];

		xf_prefix_format(&r->prefix, text, sizeof(text));
		json_object_object_add(o, "range", json_object_new_string(text));
		json_object_object_add(o, "range_id", json_object_new_int64(r->range_id));
		json_object_object_add(o, "action",
				       json_object_new_string(xf_action_name(r->action)));
		if (r->action == XF_ACTION_TAG)
			json_object_object_add(o, "tag", json_object_new_int64(r->tag));
		json_object_object_add(o, "feed", json_object_new_string(xf_feed_name(
								  st, r->feed_id, feed, sizeof(feed))));
		json_object_object_add(o, "packets", json_object_new_uint64(totals[i].packets));
		json_object_object_add(o, "counters", xf_outcomes_json(totals[i].outcome));
		json_object_array_add(list, o);
	}
	free(totals);
	return list;
}

static struct json_object *feeds_json(const struct xf_state *st)
{
	struct json_object *list = json_object_new_array();
	__u32 id;

	for (id = 0; id < XF_MAX_FEEDS; id++) {
		struct xf_counter c[XF_OUTCOME_MAX];
		struct json_object *o;
		struct xf_feed feed;

		if (bpf_map_lookup_elem(st->map_fd[XF_MAP_FEEDS], &id, &feed) || !feed.in_use)
			continue;
		if (xf_percpu_read_counters(st, XF_MAP_FEED_STATS, id, c, XF_OUTCOME_MAX))
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "feed", json_object_new_string(feed.name));
		json_object_object_add(o, "feed_id", json_object_new_int64(id));
		json_object_object_add(o, "counters", xf_outcomes_json(c));
		json_object_array_add(list, o);
	}
	return list;
}

static void print_outcomes_row(const char *first, struct json_object *counters)
{
	int i;

	printf("%s", first);
	for (i = 0; i < XF_OUTCOME_MAX; i++) {
		struct json_object *c;

		json_object_object_get_ex(counters, xf_outcome_name(i), &c);
		printf(" %14lld", xf_json_int(c, "packets"));
	}
	putchar('\n');
}

static void print_outcomes_header(const char *first)
{
	int i;

	printf("%s", first);
	for (i = 0; i < XF_OUTCOME_MAX; i++)
		printf(" %14s", xf_outcome_name(i));
	putchar('\n');
}

static void render_stats(struct json_object *result)
{
	struct json_object *global, *verdicts, *reasons, *ranges, *feeds, *unattributed;
	char first[128];
	size_t i;

	json_object_object_get_ex(result, "global", &global);
	json_object_object_get_ex(global, "by_verdict", &verdicts);
	json_object_object_get_ex(global, "by_reason", &reasons);
	printf("%-8s %14s %16s\n", "VERDICT", "PACKETS", "BYTES");
	json_object_object_foreach(verdicts, name, c)
		printf("%-8s %14lld %16lld\n", name, xf_json_int(c, "packets"),
		       xf_json_int(c, "bytes"));

	printf("\n%-18s %-8s %14s %16s  %s\n", "REASON", "VERDICT", "PACKETS", "BYTES",
	       "MEANING");
	for (i = 0; i < json_object_array_length(reasons); i++) {
		struct json_object *r = json_object_array_get_idx(reasons, i);

		printf("%-18s %-8s %14lld %16lld  %s\n", xf_json_str(r, "reason"),
		       xf_json_str(r, "verdict"), xf_json_int(r, "packets"), xf_json_int(r, "bytes"),
		       xf_json_str(r, "description"));
	}

	json_object_object_get_ex(result, "ranges", &ranges);
	printf("\nper range (packets, top %lld of %lld by packets):\n", xf_json_int(result, "top"),
	       xf_json_int(result, "ranges_total"));
	snprintf(first, sizeof(first), "%-43s %-6s %-10s", "RANGE", "ACTION", "FEED");
	print_outcomes_header(first);
	for (i = 0; i < json_object_array_length(ranges); i++) {
		struct json_object *r = json_object_array_get_idx(ranges, i), *c;

		json_object_object_get_ex(r, "counters", &c);
		snprintf(first, sizeof(first), "%-43s %-6s %-10s", xf_json_str(r, "range"),
			 xf_json_str(r, "action"), xf_json_str(r, "feed"));
		print_outcomes_row(first, c);
	}
	if (json_object_object_get_ex(result, "unattributed", &unattributed)) {
		snprintf(first, sizeof(first), "%-61s", "(no range: counter sets full)");
		print_outcomes_row(first, unattributed);
	}

	json_object_object_get_ex(result, "feeds", &feeds);
	printf("\nper feed (packets):\n");
	snprintf(first, sizeof(first), "%-20s", "FEED");
	print_outcomes_header(first);
	for (i = 0; i < json_object_array_length(feeds); i++) {
		struct json_object *f = json_object_array_get_idx(feeds, i), *c;

		json_object_object_get_ex(f, "counters", &c);
		snprintf(first, sizeof(first), "%-20s", xf_json_str(f, "feed"));
		print_outcomes_row(first, c);
	}
}

int xf_cmd_stats(struct xf_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "top", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *result;
	struct xf_ruleset rs;
	struct xf_counter unattributed[XF_OUTCOME_MAX];
	struct xf_state st;
	long top = XF_DEFAULT_TOP;
	char *end;
	int c, err;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c != 't')
			return xf_usage_error(cli, "stats", "stats: unknown option '%s'",
					      argv[optind - 1]);
		top = strtol(optarg, &end, 10);
		if (*end || top < 0 || !*optarg)
			return xf_usage_error(cli, "stats",
					      "stats: --top '%s' is not a count (0 = all)", optarg);
	}
	if (optind < argc)
		return xf_usage_error(cli, "stats", "stats: unexpected argument '%s'", argv[optind]);
	if (xf_cli_open_state(cli, &st, false))
		return 1;
	err = xf_ruleset_read(&st, &rs);
	if (err) {
		xf_state_close(&st);
		return xf_fail(cli, "stats: cannot read the rules: %s", strerror(-err));
	}
	result = json_object_new_object();
	json_object_object_add(result, "global", global_json(&st));
	json_object_object_add(result, "top", json_object_new_int64(top));
	json_object_object_add(result, "ranges_total", json_object_new_uint64(rs.n));
	json_object_object_add(result, "ranges", ranges_json(&st, &rs, top));
	/* per-range counts the counter sets could not hold (see xf_range_set) */
	if (!xf_range_counters_unattributed(&st, unattributed))
		json_object_object_add(result, "unattributed", xf_outcomes_json(unattributed));
	json_object_object_add(result, "feeds", feeds_json(&st));
	xf_ruleset_free(&rs);
	xf_state_close(&st);
	return xf_output(cli, result, render_stats);
}
