// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Commit semantics seen from the data plane: range ids and counters of
 * ranges that stay survive commits that add, remove or change others; a
 * range added again starts from zero; removing a more specific range lets
 * its addresses fall back to the enclosing one; a commit that does not fit
 * leaves the previous rules, ids and counters in force. */
#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>

#include "harness.h"

#define TEST_MAX_RANGES	 1024
#define SMALL_MAX_RANGES 16
#define DST4		 "192.0.2.1"
#define DST6		 "2001:db8:ffff::1"
#define DPORT		 5000
#define TAG_A		 9
#define FEED_OTHER	 5

static const char *dst_for(const char *src)
{
	return strchr(src, ':') ? DST6 : DST4;
}

static void build_from(struct xt_pkt *p, const char *src)
{
	struct xt_flow f = xt_udp_flow(src, dst_for(src), DPORT);

	xt_pkt_build(p, &f);
}

static void check_src(struct xt_env *env, const char *src, const struct xt_expect *e,
		      const char *what)
{
	struct xt_pkt p;

	build_from(&p, src);
	xt_check_packet(env, &p, e, "%s (source %s)", what, src);
}

static void send_n(struct xt_env *env, const char *src, int n, __u32 retval)
{
	struct xt_result r;
	struct xt_pkt p;
	int i;

	build_from(&p, src);
	for (i = 0; i < n; i++) {
		xt_run(env, &p, &r);
		xt_assert_eq(r.retval, retval, "XDP action for source %s", src);
	}
}

static __u64 outcome_packets(struct xt_env *env, __u32 range_id, __u32 outcome)
{
	struct xf_counter c[XF_OUTCOME_MAX];

	xt_range_counters(env, range_id, c);
	return c[outcome].packets;
}

static void test_range_ids_stable(void **state)
{
	struct xt_env *env = xt_env(state);
	__u32 a, b, c, d, e;
	struct xt_txn t;

	xt_txn_begin(env, &t);
	xt_txn_put(&t, "10.0.0.0/8", XF_ACTION_DROP, 0, XF_FEED_MANUAL);
	xt_txn_put(&t, "172.16.0.0/12", XF_ACTION_DROP, 0, XF_FEED_MANUAL);
	xt_txn_put(&t, "2001:db8::/32", XF_ACTION_TAG, TAG_A, FEED_OTHER);
	xt_txn_put(&t, "192.168.0.0/16", XF_ACTION_COUNT, 0, FEED_OTHER);
	assert_int_equal(xt_txn_commit(&t), 0);
	a = xt_range_id(env, "10.0.0.0/8", false, XF_FEED_MANUAL);
	b = xt_range_id(env, "172.16.0.0/12", false, XF_FEED_MANUAL);
	c = xt_range_id(env, "2001:db8::/32", false, FEED_OTHER);
	d = xt_range_id(env, "192.168.0.0/16", false, FEED_OTHER);

	/* remove one, add one, change the action of another */
	xt_txn_begin(env, &t);
	xt_txn_del(&t, "172.16.0.0/12", false, XF_FEED_MANUAL);
	xt_txn_put(&t, "198.18.0.0/15", XF_ACTION_DROP, 0, XF_FEED_MANUAL);
	xt_txn_put(&t, "10.0.0.0/8", XF_ACTION_TAG, TAG_A, XF_FEED_MANUAL);
	assert_int_equal(xt_txn_commit(&t), 0);
	e = xt_range_id(env, "198.18.0.0/15", false, XF_FEED_MANUAL);

	xt_assert_eq(xt_range_id(env, "10.0.0.0/8", false, XF_FEED_MANUAL), a,
		     "id of a range whose action changed");
	xt_assert_eq(xt_range_id(env, "2001:db8::/32", false, FEED_OTHER), c,
		     "id of an untouched range");
	xt_assert_eq(xt_range_id(env, "192.168.0.0/16", false, FEED_OTHER), d,
		     "id of an untouched range");
	xt_assert_eq(xt_range_id(env, "172.16.0.0/12", false, XF_FEED_MANUAL), XT_NO_RANGE,
		     "id of a removed range");
	assert_true(e != XT_NO_RANGE);
	/* an id given up in a commit is not handed to a range it adds */
	assert_true(e != b && e != a && e != c && e != d);

	{
		struct xt_expect tagged = xt_expect_action(XF_ACTION_TAG, a, XF_FEED_MANUAL, TAG_A);
		struct xt_expect dropped = xt_expect_action(XF_ACTION_DROP, e, XF_FEED_MANUAL, 0);
		struct xt_expect clean = xt_expect_action(XF_ACTION_NONE, 0, 0, 0);

		check_src(env, "10.1.1.1", &tagged, "changed range decides with its id");
		check_src(env, "198.19.255.255", &dropped, "added range");
		check_src(env, "172.16.0.1", &clean, "removed range");
	}
}

static void test_counters_survive_commits(void **state)
{
	struct xt_env *env = xt_env(state);
	__u32 a = xt_rule_add(env, "10.0.0.0/8", XF_ACTION_DROP, 0, FEED_OTHER);
	__u32 v6 = xt_rule_add(env, "2001:db8::/32", XF_ACTION_DROP, 0, FEED_OTHER);
	struct xt_expect dropped = xt_expect_action(XF_ACTION_DROP, a, FEED_OTHER, 0);
	struct xt_expect counted = xt_expect_action(XF_ACTION_COUNT, a, FEED_OTHER, 0);
	struct xt_txn t;

	xt_rule_add(env, "172.16.0.0/12", XF_ACTION_DROP, 0, XF_FEED_MANUAL);
	send_n(env, "10.2.3.4", 3, XDP_DROP);
	send_n(env, "2001:db8::1", 2, XDP_DROP);
	xt_assert_eq(outcome_packets(env, a, XF_OUTCOME_DROP), 3, "drops on 10/8");

	xt_txn_begin(env, &t);
	xt_txn_del(&t, "172.16.0.0/12", false, XF_FEED_MANUAL);
	xt_txn_put(&t, "10.99.0.0/16", XF_ACTION_TAG, TAG_A, XF_FEED_MANUAL);
	xt_txn_put(&t, "2001:db8:1::/48", XF_ACTION_DROP, 0, XF_FEED_MANUAL);
	assert_int_equal(xt_txn_commit(&t), 0);
	xt_assert_eq(outcome_packets(env, a, XF_OUTCOME_DROP), 3,
		     "drops on 10/8 after a commit around it");
	xt_assert_eq(outcome_packets(env, v6, XF_OUTCOME_DROP), 2,
		     "drops on 2001:db8::/32 after a commit inside it");
	check_src(env, "10.2.3.4", &dropped, "10/8 keeps counting");
	xt_assert_eq(outcome_packets(env, a, XF_OUTCOME_DROP), 4, "drops on 10/8");

	/* a changed action keeps the id and what it counted so far */
	xt_rule_add(env, "10.0.0.0/8", XF_ACTION_COUNT, 0, FEED_OTHER);
	check_src(env, "10.2.3.4", &counted, "10/8 now counting only");
	xt_assert_eq(outcome_packets(env, a, XF_OUTCOME_DROP), 4, "drops on 10/8 after the change");
	xt_assert_eq(outcome_packets(env, a, XF_OUTCOME_MONITOR), 1, "monitor hits on 10/8");
}

static void assert_zero_counters(struct xt_env *env, __u32 id, const char *what)
{
	struct xf_counter c[XF_OUTCOME_MAX];
	int o;

	xt_range_counters(env, id, c);
	for (o = 0; o < XF_OUTCOME_MAX; o++) {
		xt_assert_eq(c[o].packets, 0, "%s: range %u outcome %d packets", what, id, o);
		xt_assert_eq(c[o].bytes, 0, "%s: range %u outcome %d bytes", what, id, o);
	}
}

static void test_readded_range_starts_at_zero(void **state)
{
	struct xt_env *env = xt_env(state);
	const char *range = "2001:db8:77::/48", *src = "2001:db8:77::7";
	__u32 again, third;
	struct xt_expect e;
	struct xt_txn t;

	xt_rule_add(env, range, XF_ACTION_DROP, 0, XF_FEED_MANUAL);
	send_n(env, src, 5, XDP_DROP);
	xt_rule_remove(env, range, false, XF_FEED_MANUAL);
	again = xt_rule_add(env, range, XF_ACTION_DROP, 0, XF_FEED_MANUAL);
	assert_zero_counters(env, again, "added again in a later commit");
	e = xt_expect_action(XF_ACTION_DROP, again, XF_FEED_MANUAL, 0);
	check_src(env, src, &e, "range added again");

	/* removed and added back in one commit: a new range as well */
	xt_txn_begin(env, &t);
	xt_txn_del(&t, range, false, XF_FEED_MANUAL);
	xt_txn_put(&t, range, XF_ACTION_DROP, 0, XF_FEED_MANUAL);
	assert_int_equal(xt_txn_commit(&t), 0);
	third = xt_range_id(env, range, false, XF_FEED_MANUAL);
	assert_zero_counters(env, third, "removed and added in one commit");
	e = xt_expect_action(XF_ACTION_DROP, third, XF_FEED_MANUAL, 0);
	check_src(env, src, &e, "range removed and added in one commit");
}

/* A range's id, reused by another range later, carries no old counts. */
static void test_reused_id_starts_at_zero(void **state)
{
	struct xt_env *env = xt_env(state);
	__u32 old = xt_rule_add(env, "10.0.0.0/8", XF_ACTION_DROP, 0, XF_FEED_MANUAL);
	__u32 id;

	send_n(env, "10.0.0.1", 4, XDP_DROP);
	xt_rule_remove(env, "10.0.0.0/8", false, XF_FEED_MANUAL);
	id = xt_rule_add(env, "203.0.113.0/24", XF_ACTION_COUNT, 0, XF_FEED_MANUAL);
	if (id != old)
		print_message("note: the freed id %u was not reused (got %u)\n", old, id);
	assert_zero_counters(env, id, "a range added after another was removed");
}

struct nesting {
	const char *outer, *inner, *src;
	__u8 outer_action, inner_action;
};

static void check_fallback(struct xt_env *env, const struct nesting *n)
{
	__u32 outer = xt_rule_add(env, n->outer, n->outer_action, 0, FEED_OTHER);
	__u32 inner = xt_rule_add(env, n->inner, n->inner_action, 0, XF_FEED_MANUAL);
	struct xt_expect by_inner = xt_expect_action(n->inner_action, inner, XF_FEED_MANUAL, 0);
	struct xt_expect by_outer = xt_expect_action(n->outer_action, outer, FEED_OTHER, 0);

	check_src(env, n->src, &by_inner, "inside the more specific range");
	xt_rule_remove(env, n->inner, n->inner_action == XF_ACTION_ALLOW, XF_FEED_MANUAL);
	check_src(env, n->src, &by_outer, "more specific range removed");
}

static void test_removed_specific_falls_back(void **state)
{
	static const struct nesting cases[] = {
	    {"198.51.0.0/16", "198.51.100.0/24", "198.51.100.1", XF_ACTION_COUNT, XF_ACTION_DROP},
	    {"10.0.0.0/8", "10.20.0.0/16", "10.20.30.40", XF_ACTION_DROP, XF_ACTION_ALLOW},
	    {"2001:db8:4000::/48", "2001:db8:4000:100::/56", "2001:db8:4000:1ff::1",
	     XF_ACTION_COUNT, XF_ACTION_DROP},
	    {"2001:db8:5000::/36", "2001:db8:5000::/64", "2001:db8:5000::1", XF_ACTION_DROP,
	     XF_ACTION_ALLOW},
	};
	struct xt_env *env = xt_env(state);
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_fallback(env, &cases[i]);
}

/* ---- capacity ---- */

static struct xt_env small_env;

static int close_small_env(void **state)
{
	(void)state;
	xt_env_close(&small_env);
	return 0;
}

static struct xt_env *open_small_env(void **state)
{
	xt_env(state); /* skips where BPF cannot run */
	/* fill_rules_map() fills the LPM trie behind the store's back */
	xt_backend = XF_BACKEND_LPM;
	if (xt_env_open(&small_env, "commit-small", SMALL_MAX_RANGES))
		fail_msg("cannot create a state with %d ranges", SMALL_MAX_RANGES);
	xt_backend = XF_BACKEND_FAST;
	xt_assert_eq(small_env.st.max_ranges, SMALL_MAX_RANGES, "capacity of the small state");
	return &small_env;
}

/* Ranges in force before the failing commit: 10.N.0.0/16 and
 * 2001:db8:N::/48, actions cycling through drop, tag, count, allow. */
#define NR_BEFORE 10
#define NR_MORE	  (SMALL_MAX_RANGES + 1 - NR_BEFORE)

struct small_range {
	char cidr[48];
	char src[48];
	__u8 action;
	__u32 id;
	struct xf_counter c[XF_OUTCOME_MAX];
};

static void small_range_name(struct small_range *r, int i, bool extra)
{
	int n = (extra ? 100 : 0) + i;

	if (i % 2) {
		snprintf(r->cidr, sizeof(r->cidr), "2001:db8:%d::/48", n);
		snprintf(r->src, sizeof(r->src), "2001:db8:%d::1", n);
	} else {
		snprintf(r->cidr, sizeof(r->cidr), "10.%d.0.0/16", n);
		snprintf(r->src, sizeof(r->src), "10.%d.0.1", n);
	}
	r->action = XF_ACTION_COUNT + i % (XF_ACTION_MAX - XF_ACTION_COUNT);
}

static void fill_small(struct xt_env *env, struct small_range *rs)
{
	struct xt_txn t;
	int i;

	xt_txn_begin(env, &t);
	for (i = 0; i < NR_BEFORE; i++) {
		small_range_name(&rs[i], i, false);
		xt_txn_put(&t, rs[i].cidr, rs[i].action, TAG_A, XF_FEED_MANUAL);
	}
	assert_int_equal(xt_txn_commit(&t), 0);
	for (i = 0; i < NR_BEFORE; i++) {
		rs[i].id =
		    xt_range_id(env, rs[i].cidr, rs[i].action == XF_ACTION_ALLOW, XF_FEED_MANUAL);
		send_n(env, rs[i].src, 1 + i, rs[i].action == XF_ACTION_DROP ? XDP_DROP : XDP_PASS);
		xt_range_counters(env, rs[i].id, rs[i].c);
	}
}

/* Every range still has its id, its counts (from first_counted on), and
 * decides its packets. */
static void check_small_unchanged(struct xt_env *env, struct small_range *rs, int first_counted,
				  const char *what)
{
	struct xf_ruleset now;
	int i, o;

	assert_int_equal(xf_ruleset_read(&env->st, &now), 0);
	xt_assert_eq(now.n, NR_BEFORE, "%s: ranges in force", what);
	xf_ruleset_free(&now);
	for (i = 0; i < NR_BEFORE; i++) {
		struct xf_counter c[XF_OUTCOME_MAX];
		struct xt_expect e =
		    xt_expect_action(rs[i].action, rs[i].id, XF_FEED_MANUAL, TAG_A);

		xt_assert_eq(
		    xt_range_id(env, rs[i].cidr, rs[i].action == XF_ACTION_ALLOW, XF_FEED_MANUAL),
		    rs[i].id, "%s: id of %s", what, rs[i].cidr);
		xt_range_counters(env, rs[i].id, c);
		for (o = 0; o < XF_OUTCOME_MAX && i >= first_counted; o++)
			xt_assert_eq(c[o].packets, rs[i].c[o].packets,
				     "%s: %s (range %u) outcome %d packets", what, rs[i].cidr,
				     rs[i].id, o);
		check_src(env, rs[i].src, &e, what);
	}
}

static void check_extra_clean(struct xt_env *env, struct small_range *extra, int n,
			      const char *what)
{
	struct xt_expect clean = xt_expect_action(XF_ACTION_NONE, 0, 0, 0);
	int i;

	for (i = 0; i < n; i++)
		check_src(env, extra[i].src, &clean, what);
}

static void test_capacity_error_keeps_state(void **state)
{
	struct small_range before[NR_BEFORE], extra[NR_MORE];
	struct xt_env *env = open_small_env(state);
	struct xt_txn t;
	int i;

	fill_small(env, before);
	xt_txn_begin(env, &t);
	for (i = 0; i < NR_MORE; i++) {
		small_range_name(&extra[i], i, true);
		xt_txn_put(&t, extra[i].cidr, XF_ACTION_DROP, 0, XF_FEED_MANUAL);
	}
	xt_assert_eq(xt_txn_commit(&t), -ENOSPC, "commit of %d ranges into %d", NR_BEFORE + NR_MORE,
		     SMALL_MAX_RANGES);
	check_small_unchanged(env, before, 0, "after a commit over capacity");
	check_extra_clean(env, extra, NR_MORE, "range of the refused commit");
}

/* A commit whose result fits is applied even at capacity: the rules map
 * has room for the old and the new set at once while it is applied. */
static void test_replacing_commit_at_capacity(void **state)
{
	struct small_range before[NR_BEFORE], extra[SMALL_MAX_RANGES];
	struct xt_env *env = open_small_env(state);
	int nr_removed = NR_BEFORE / 2, nr_added = SMALL_MAX_RANGES - NR_BEFORE + nr_removed;
	struct xt_txn t;
	int i;

	fill_small(env, before);
	xt_txn_begin(env, &t);
	for (i = 0; i < nr_removed; i++)
		xt_txn_del(&t, before[i].cidr, before[i].action == XF_ACTION_ALLOW, XF_FEED_MANUAL);
	for (i = 0; i < nr_added; i++) {
		small_range_name(&extra[i], i, true);
		xt_txn_put(&t, extra[i].cidr, XF_ACTION_DROP, 0, XF_FEED_MANUAL);
	}
	xt_assert_eq(xt_txn_commit(&t), 0, "replacing %d of %d ranges with %d at capacity %d",
		     nr_removed, NR_BEFORE, nr_added, SMALL_MAX_RANGES);
	for (i = 0; i < nr_added; i++) {
		__u32 id = xt_range_id(env, extra[i].cidr, false, XF_FEED_MANUAL);
		struct xt_expect e = xt_expect_action(XF_ACTION_DROP, id, XF_FEED_MANUAL, 0);

		check_src(env, extra[i].src, &e, "range added at capacity");
	}
}

/* Fill the rules map to the brim behind the rule store's back, so that the
 * next commit's first write fails. Returns how many entries were added. */
static int fill_rules_map(struct xt_env *env)
{
	struct xf_decision d = { .action = XF_ACTION_COUNT };
	struct xf_lpm_key key = {};
	int n = 0;

	key.family = XF_FAMILY_V4;
	key.prefixlen = XF_LPM_FAMILY_BITS + 24;
	key.addr[0] = 172;
	key.addr[1] = 31;
	while (n < 256) {
		key.addr[2] = n;
		if (bpf_map_update_elem(env->st.map_fd[XF_MAP_RULES], &key, &d, BPF_NOEXIST))
			break;
		n++;
	}
	return n;
}

static void drain_rules_map(struct xt_env *env, int n)
{
	struct xf_lpm_key key = {};
	int i;

	key.family = XF_FAMILY_V4;
	key.prefixlen = XF_LPM_FAMILY_BITS + 24;
	key.addr[0] = 172;
	key.addr[1] = 31;
	for (i = 0; i < n; i++) {
		key.addr[2] = i;
		bpf_map_delete_elem(env->st.map_fd[XF_MAP_RULES], &key);
	}
}

/* A commit that fails part-way (here: the rules map is full) rolls back to
 * the previous state: every range in force keeps its id, its decision and
 * its counts, also the ranges whose ids the failed commit took back. */
static void test_failed_commit_rolls_back(void **state)
{
	struct small_range before[NR_BEFORE], extra[SMALL_MAX_RANGES];
	struct xt_env *env = open_small_env(state);
	int nr_removed = NR_BEFORE / 2, nr_added = SMALL_MAX_RANGES - NR_BEFORE + nr_removed;
	struct xt_txn t;
	int i, filled, err;

	fill_small(env, before);
	filled = fill_rules_map(env);
	xt_assert_eq(filled > 0, 1, "rules map filled with %d foreign entries", filled);
	xt_txn_begin(env, &t);
	for (i = 0; i < nr_removed; i++)
		xt_txn_del(&t, before[i].cidr, before[i].action == XF_ACTION_ALLOW, XF_FEED_MANUAL);
	for (i = 0; i < nr_added; i++) {
		small_range_name(&extra[i], i, true);
		xt_txn_put(&t, extra[i].cidr, XF_ACTION_DROP, 0, XF_FEED_MANUAL);
	}
	err = xt_txn_commit(&t);
	drain_rules_map(env, filled);
	xt_assert_eq(err != 0, 1, "commit into a full rules map fails (got %d)", err);
	check_small_unchanged(env, before, 0, "after a failed replacing commit");
	check_extra_clean(env, extra, nr_added, "range of the failed commit");
}

static int group_setup(void **state)
{
	return xt_group_setup(state, "commit", TEST_MAX_RANGES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_range_ids_stable, xt_test_reset),
	    cmocka_unit_test_setup(test_counters_survive_commits, xt_test_reset),
	    cmocka_unit_test_setup(test_readded_range_starts_at_zero, xt_test_reset),
	    cmocka_unit_test_setup(test_reused_id_starts_at_zero, xt_test_reset),
	    cmocka_unit_test_setup(test_removed_specific_falls_back, xt_test_reset),
	    cmocka_unit_test_setup_teardown(test_capacity_error_keeps_state, xt_test_reset,
					    close_small_env),
	    cmocka_unit_test_setup_teardown(test_failed_commit_rolls_back, xt_test_reset,
					    close_small_env),
	    cmocka_unit_test_setup_teardown(test_replacing_commit_at_capacity, xt_test_reset,
					    close_small_env),
	};

	return cmocka_run_group_tests(tests, group_setup, xt_group_teardown);
}
