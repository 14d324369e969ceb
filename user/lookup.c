// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lookup IP: explain the decision for a source address: allowlisted or
 * not, the deciding range with its action and tag, every other range that
 * contains the address, and their counters. The answer is computed from
 * the rule store and checked against what the kernel's map says. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "addr.h"
#include "cli.h"
#include "fib.h"
#include "names.h"
#include "range_counters.h"
#include "rules.h"

const char *xf_feed_name(const struct xf_state *st, __u8 feed_id, char *buf, size_t len)
{
	struct xf_feed feed;
	__u32 id = feed_id;

	if (bpf_map_lookup_elem(st->map_fd[XF_MAP_FEEDS], &id, &feed) || !feed.in_use)
		snprintf(buf, len, "feed-%u", feed_id);
	else
		snprintf(buf, len, "%.*s", (int)sizeof(feed.name), feed.name);
	return buf;
}

struct json_object *xf_outcomes_json(const struct xf_counter *c)
{
	struct json_object *o = json_object_new_object();
	int i;

	for (i = 0; i < XF_OUTCOME_MAX; i++)
		json_object_object_add(o, xf_outcome_name(i), xf_json_counter(&c[i]));
	return o;
}

static int by_specificity(const void *pa, const void *pb)
{
	const struct xf_rule *a = pa, *b = pb;

	return (int)b->prefix.len - (int)a->prefix.len;
}

static struct json_object *range_json(const struct xf_state *st, const struct xf_rule *r,
				      bool deciding)
{
	struct xf_counter counters[XF_OUTCOME_MAX];
	struct json_object *o = json_object_new_object();
	char text[XF_PREFIX_STRLEN], feed[XF_FEED_NAME_MAX + 8];

	xf_prefix_format(&r->prefix, text, sizeof(text));
	json_object_object_add(o, "range", json_object_new_string(text));
	json_object_object_add(o, "range_id", json_object_new_int64(r->range_id));
	json_object_object_add(o, "action", json_object_new_string(xf_action_name(r->action)));
	if (r->action == XF_ACTION_TAG)
		json_object_object_add(o, "tag", json_object_new_int64(r->tag));
	json_object_object_add(o, "feed",
			       json_object_new_string(xf_feed_name(st, r->feed_id, feed, sizeof(feed))));
	json_object_object_add(o, "deciding", json_object_new_boolean(deciding));
	if (!xf_range_counters_read(st, r->range_id, counters))
		json_object_object_add(o, "counters", xf_outcomes_json(counters));
	return o;
}

static void render_lookup(struct json_object *result)
{
	struct json_object *ranges, *decision, *kernel;
	size_t i;

	printf("address:     %s\n", xf_json_str(result, "address"));
	json_object_object_get_ex(result, "decision", &decision);
	json_object_object_get_ex(result, "kernel", &kernel);
	printf("allowlisted: %s\n", xf_json_str(result, "allowlisted"));
	if (decision) {
		printf("decision:    %s by %s (range %lld, feed %s", xf_json_str(decision, "action"),
		       xf_json_str(decision, "range"), xf_json_int(decision, "range_id"),
		       xf_json_str(decision, "feed"));
		if (!strcmp(xf_json_str(decision, "action"), "tag"))
			printf(", tag %lld", xf_json_int(decision, "tag"));
		printf(")\n");
	} else {
		printf("decision:    pass (no range contains it)\n");
	}
	printf("kernel map:  %s%s\n", kernel ? xf_json_str(kernel, "action") : "no match",
	       strcmp(xf_json_str(result, "consistent"), "true") ? "  ** DIFFERS **" : "");
	json_object_object_get_ex(result, "ranges", &ranges);
	if (!json_object_array_length(ranges))
		return;
	printf("\n%-3s %-43s %-6s %-10s %-10s %12s %12s\n", "", "RANGE", "ACTION", "FEED", "RANGE-ID",
	       "PACKETS", "BYTES");
	for (i = 0; i < json_object_array_length(ranges); i++) {
		struct json_object *r = json_object_array_get_idx(ranges, i), *cnt;
		unsigned long long pk = 0, by = 0;

		if (json_object_object_get_ex(r, "counters", &cnt)) {
			json_object_object_foreach(cnt, name, c)
			{
				(void)name;
				pk += xf_json_int(c, "packets");
				by += xf_json_int(c, "bytes");
			}
		}
		printf("%-3s %-43s %-6s %-10s %-10lld %12llu %12llu\n",
		       strcmp(xf_json_str(r, "deciding"), "true") ? "" : "=>",
		       xf_json_str(r, "range"), xf_json_str(r, "action"), xf_json_str(r, "feed"),
		       xf_json_int(r, "range_id"), pk, by);
	}
}

int xf_cmd_lookup(struct xf_cli *cli, int argc, char **argv)
{
	struct json_object *result, *list, *decision = NULL, *kernel = NULL;
	struct xf_rule *matches = NULL, *decider = NULL;
	struct xf_ruleset rs = {};
	struct xf_decision kd;
	struct xf_addr addr;
	struct xf_state st;
	size_t i, n = 0;
	bool allowlisted = false, kernel_hit, consistent;
	char text[XF_PREFIX_STRLEN];
	int err;

	if (argc != 2)
		return xf_usage_error(cli, "lookup", "lookup: give exactly one address");
	if (xf_addr_parse(argv[1], &addr))
		return xf_fail(cli, "lookup: '%s' is not an IPv4/IPv6 address", argv[1]);
	if (xf_cli_open_state(cli, &st, false))
		return 1;
	err = xf_ruleset_read(&st, &rs);
	if (!err && rs.n && !(matches = calloc(rs.n, sizeof(*matches))))
		err = -ENOMEM;
	if (err) {
		xf_state_close(&st);
		xf_ruleset_free(&rs);
		return xf_fail(cli, "lookup: cannot read the rules: %s", strerror(-err));
	}
	for (i = 0; i < rs.n; i++)
		if (xf_prefix_contains_addr(&rs.rules[i].prefix, &addr))
			matches[n++] = rs.rules[i];
	qsort(matches, n, sizeof(*matches), by_specificity);
	for (i = 0; i < n; i++) {
		if (!decider || xf_rule_strength_cmp(&matches[i], decider) > 0)
			decider = &matches[i];
		allowlisted |= matches[i].action == XF_ACTION_ALLOW;
	}

	kernel_hit = xf_kernel_decision(&st, &addr, &kd) == 1;
	consistent = decider ? kernel_hit && kd.range_id == decider->range_id &&
				       kd.action == decider->action
			     : !kernel_hit;

	result = json_object_new_object();
	xf_addr_format(&addr, text, sizeof(text));
	json_object_object_add(result, "address", json_object_new_string(text));
	json_object_object_add(result, "allowlisted", json_object_new_boolean(allowlisted));
	if (decider) {
		decision = range_json(&st, decider, true);
		json_object_object_del(decision, "counters");
		json_object_object_del(decision, "deciding");
	}
	json_object_object_add(result, "decision", decision);
	if (kernel_hit) {
		kernel = json_object_new_object();
		json_object_object_add(kernel, "action",
				       json_object_new_string(xf_action_name(kd.action)));
		json_object_object_add(kernel, "range_id", json_object_new_int64(kd.range_id));
	}
	json_object_object_add(result, "kernel", kernel);
	json_object_object_add(result, "consistent", json_object_new_boolean(consistent));
	list = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(list, range_json(&st, &matches[i], &matches[i] == decider));
	json_object_object_add(result, "ranges", list);

	free(matches);
	xf_ruleset_free(&rs);
	xf_state_close(&st);
	return xf_output(cli, result, render_lookup);
}
