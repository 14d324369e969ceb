// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Verdicts of the XDP program for each action, both families: the XDP
 * action, the tag metadata, and the global, per-range and per-feed
 * counters; dry-run toggled at run time; precedence between nested ranges. */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "harness.h"

#define TEST_MAX_RANGES 1024
#define FEED_LIST	3 /* a non-manual feed, so per-feed counters are told apart */
#define TAG_BLOCK	0x0badf00d
#define TAG_NESTED	4242
#define DPORT		443

/* Where each case's ranges and sources sit, per family. */
struct plan {
	const char *family;
	const char *dst;
	const char *clean_src;
	const char *drop_range, *drop_src;
	const char *allow_in_drop, *allow_in_drop_src;
	const char *allow_range, *drop_in_allow, *drop_in_allow_src, *allow_only_src;
	const char *tag_range, *tag_src;
	const char *count_range, *count_src;
	/* precedence: a /16 and a /24 inside it, a source in each part */
	const char *outer, *inner, *inner_src, *outer_src;
};

static const struct plan plans[] = {
    {
	.family = "IPv4",
	.dst = "192.0.2.1",
	.clean_src = "203.0.113.9",
	.drop_range = "10.0.0.0/8",
	.drop_src = "10.200.0.1",
	.allow_in_drop = "10.1.2.0/24",
	.allow_in_drop_src = "10.1.2.77",
	.allow_range = "172.16.0.0/16",
	.drop_in_allow = "172.16.5.0/24",
	.drop_in_allow_src = "172.16.5.5",
	.allow_only_src = "172.16.9.9",
	.tag_range = "100.64.0.0/10",
	.tag_src = "100.127.255.255",
	.count_range = "198.18.0.0/15",
	.count_src = "198.18.0.0",
	.outer = "198.51.0.0/16",
	.inner = "198.51.100.0/24",
	.inner_src = "198.51.100.200",
	.outer_src = "198.51.101.1",
    },
    {
	.family = "IPv6",
	.dst = "2001:db8:ffff::1",
	.clean_src = "2001:db8:eeee::9",
	.drop_range = "2001:db8:1000::/36",
	.drop_src = "2001:db8:1fff::1",
	.allow_in_drop = "2001:db8:1234::/48",
	.allow_in_drop_src = "2001:db8:1234:5::77",
	.allow_range = "2001:db8:2000::/48",
	.drop_in_allow = "2001:db8:2000:5::/64",
	.drop_in_allow_src = "2001:db8:2000:5::5",
	.allow_only_src = "2001:db8:2000:9::9",
	.tag_range = "fd00::/8",
	.tag_src = "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	.count_range = "2001:db8:3000::/40",
	.count_src = "2001:db8:3000::",
	.outer = "2001:db8:4000::/48",
	.inner = "2001:db8:4000:100::/56",
	.inner_src = "2001:db8:4000:1ff::1",
	.outer_src = "2001:db8:4000:200::1",
    },
};

#define NR_PLANS (sizeof(plans) / sizeof(plans[0]))

static void check_source(struct xt_env *env, const struct plan *pl, const char *src,
			 const struct xt_expect *e, const char *what)
{
	struct xt_flow f = xt_udp_flow(src, pl->dst, DPORT);
	struct xt_pkt p;

	xt_pkt_build(&p, &f);
	xt_check_packet(env, &p, e, "%s %s (source %s)", pl->family, what, src);
}

static void test_clean_source_passes(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xt_expect e = xt_expect_unmatched(XDP_PASS, XF_REASON_CLEAN, XF_VERDICT_PASS);
	const struct plan *pl;

	for (pl = plans; pl < plans + NR_PLANS; pl++) {
		check_source(env, pl, pl->clean_src, &e, "clean with no rules");
		xt_rule_add(env, pl->drop_range, XF_ACTION_DROP, 0, FEED_LIST);
		check_source(env, pl, pl->clean_src, &e, "clean beside a drop range");
	}
}

static void test_blocked_source_dropped(void **state)
{
	struct xt_env *env = xt_env(state);
	const struct plan *pl;

	for (pl = plans; pl < plans + NR_PLANS; pl++) {
		__u32 id = xt_rule_add(env, pl->drop_range, XF_ACTION_DROP, 0, FEED_LIST);
		struct xt_expect e = xt_expect_action(XF_ACTION_DROP, id, FEED_LIST, 0);

		check_source(env, pl, pl->drop_src, &e, "blocked");
	}
}

static void test_allowlist_inside_blocked_range(void **state)
{
	struct xt_env *env = xt_env(state);
	const struct plan *pl;

	for (pl = plans; pl < plans + NR_PLANS; pl++) {
		__u32 drop = xt_rule_add(env, pl->drop_range, XF_ACTION_DROP, 0, FEED_LIST);
		__u32 allow =
		    xt_rule_add(env, pl->allow_in_drop, XF_ACTION_ALLOW, 0, XF_FEED_MANUAL);
		struct xt_expect allowed =
		    xt_expect_action(XF_ACTION_ALLOW, allow, XF_FEED_MANUAL, 0);
		struct xt_expect dropped = xt_expect_action(XF_ACTION_DROP, drop, FEED_LIST, 0);

		check_source(env, pl, pl->allow_in_drop_src, &allowed, "allowlisted in a block");
		check_source(env, pl, pl->drop_src, &dropped, "blocked beside the allowlist");
	}
}

static void test_block_inside_allowlist(void **state)
{
	struct xt_env *env = xt_env(state);
	const struct plan *pl;

	for (pl = plans; pl < plans + NR_PLANS; pl++) {
		__u32 allow = xt_rule_add(env, pl->allow_range, XF_ACTION_ALLOW, 0, XF_FEED_MANUAL);
		struct xt_expect e = xt_expect_action(XF_ACTION_ALLOW, allow, XF_FEED_MANUAL, 0);

		xt_rule_add(env, pl->drop_in_allow, XF_ACTION_DROP, 0, FEED_LIST);
		/* the allowlist wins even over a more specific drop */
		check_source(env, pl, pl->drop_in_allow_src, &e, "blocked inside an allowlist");
		check_source(env, pl, pl->allow_only_src, &e, "allowlisted");
	}
}

static void test_tagged_source(void **state)
{
	struct xt_env *env = xt_env(state);
	const struct plan *pl;

	for (pl = plans; pl < plans + NR_PLANS; pl++) {
		__u32 id = xt_rule_add(env, pl->tag_range, XF_ACTION_TAG, TAG_BLOCK, FEED_LIST);
		struct xt_expect e = xt_expect_action(XF_ACTION_TAG, id, FEED_LIST, TAG_BLOCK);

		check_source(env, pl, pl->tag_src, &e, "tagged");
	}
}

static void test_counted_source_passes(void **state)
{
	struct xt_env *env = xt_env(state);
	const struct plan *pl;

	for (pl = plans; pl < plans + NR_PLANS; pl++) {
		__u32 id = xt_rule_add(env, pl->count_range, XF_ACTION_COUNT, 0, FEED_LIST);
		struct xt_expect e = xt_expect_action(XF_ACTION_COUNT, id, FEED_LIST, 0);

		check_source(env, pl, pl->count_src, &e, "counted (monitor)");
	}
}

static __u32 prog_id(struct xt_env *env)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(env->prog_fd, &info, &len))
		fail_msg("cannot read the program info: %s", strerror(errno));
	return info.id;
}

static void test_dry_run_toggles_without_reload(void **state)
{
	struct xt_env *env = xt_env(state);
	__u32 id_before = prog_id(env);
	const struct plan *pl;

	for (pl = plans; pl < plans + NR_PLANS; pl++) {
		__u32 id = xt_rule_add(env, pl->drop_range, XF_ACTION_DROP, 0, FEED_LIST);
		__u32 tag = xt_rule_add(env, pl->tag_range, XF_ACTION_TAG, TAG_BLOCK, FEED_LIST);
		struct xt_expect dropped = xt_expect_action(XF_ACTION_DROP, id, FEED_LIST, 0);
		struct xt_expect dry = {
		    .retval = XDP_PASS,
		    .reason = XF_REASON_DRY_RUN,
		    .verdict = XF_VERDICT_PASS,
		    .range_id = id,
		    .outcome = XF_OUTCOME_DRY_RUN,
		    .feed_id = FEED_LIST,
		};
		struct xt_expect tagged =
		    xt_expect_action(XF_ACTION_TAG, tag, FEED_LIST, TAG_BLOCK);

		check_source(env, pl, pl->drop_src, &dropped, "before dry-run");
		xt_config_set(env, dry_run, 1);
		check_source(env, pl, pl->drop_src, &dry, "dry-run on");
		/* dry-run turns drops into passes, nothing else */
		check_source(env, pl, pl->tag_src, &tagged, "tagged in dry-run");
		xt_config_set(env, dry_run, 0);
		check_source(env, pl, pl->drop_src, &dropped, "dry-run off again");
	}
	xt_assert_eq(prog_id(env), id_before, "program id across dry-run changes");
}

/* A stronger action on the enclosing range decides, and counts there. */
static void test_outer_drop_beats_inner_tag(void **state)
{
	struct xt_env *env = xt_env(state);
	const struct plan *pl;

	for (pl = plans; pl < plans + NR_PLANS; pl++) {
		__u32 outer = xt_rule_add(env, pl->outer, XF_ACTION_DROP, 0, FEED_LIST);
		__u32 inner =
		    xt_rule_add(env, pl->inner, XF_ACTION_TAG, TAG_NESTED, XF_FEED_MANUAL);
		struct xt_expect e = xt_expect_action(XF_ACTION_DROP, outer, FEED_LIST, 0);

		assert_true(inner != outer);
		check_source(env, pl, pl->inner_src, &e, "tag /24 inside drop /16");
		check_source(env, pl, pl->outer_src, &e, "drop /16 outside the tag /24");
	}
}

static void test_inner_drop_beats_outer_count(void **state)
{
	struct xt_env *env = xt_env(state);
	const struct plan *pl;

	for (pl = plans; pl < plans + NR_PLANS; pl++) {
		__u32 outer = xt_rule_add(env, pl->outer, XF_ACTION_COUNT, 0, FEED_LIST);
		__u32 inner = xt_rule_add(env, pl->inner, XF_ACTION_DROP, 0, XF_FEED_MANUAL);
		struct xt_expect dropped =
		    xt_expect_action(XF_ACTION_DROP, inner, XF_FEED_MANUAL, 0);
		struct xt_expect counted = xt_expect_action(XF_ACTION_COUNT, outer, FEED_LIST, 0);

		check_source(env, pl, pl->inner_src, &dropped, "drop /24 inside count /16");
		check_source(env, pl, pl->outer_src, &counted, "count /16 outside the drop /24");
	}
}

static int group_setup(void **state)
{
	return xt_group_setup(state, "verdicts", TEST_MAX_RANGES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_clean_source_passes, xt_test_reset),
	    cmocka_unit_test_setup(test_blocked_source_dropped, xt_test_reset),
	    cmocka_unit_test_setup(test_allowlist_inside_blocked_range, xt_test_reset),
	    cmocka_unit_test_setup(test_block_inside_allowlist, xt_test_reset),
	    cmocka_unit_test_setup(test_tagged_source, xt_test_reset),
	    cmocka_unit_test_setup(test_counted_source_passes, xt_test_reset),
	    cmocka_unit_test_setup(test_dry_run_toggles_without_reload, xt_test_reset),
	    cmocka_unit_test_setup(test_outer_drop_beats_inner_tag, xt_test_reset),
	    cmocka_unit_test_setup(test_inner_drop_beats_outer_count, xt_test_reset),
	};

	return cmocka_run_group_tests(tests, group_setup, xt_group_teardown);
}
