// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The per-range counter cache (struct xf_range_set): far more ranges see
 * traffic than it has ways. A range that carries the traffic keeps its way
 * and counts exactly; what no range holds lands in the unattributed set,
 * so ranges + unattributed = the feed's exact total. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "range_counters.h"

#define TEST_MAX_RANGES 1024
#define SMALL_SETS	4 /* 16 ways per CPU */
#define NR_COLD		400
#define ROUNDS		4000
#define FEED		2

static void send_from(struct xt_env *env, const char *src)
{
	struct xt_flow fl = xt_udp_flow(src, "192.0.2.1", 53);
	struct xt_result res;
	struct xt_pkt pkt;

	xt_pkt_build(&pkt, &fl);
	xt_run(env, &pkt, &res);
	xt_assert_eq(res.retval, XDP_DROP, "packet from %s dropped", src);
}

static void test_hot_range_survives_a_spread_flood(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xf_counter hot[XF_OUTCOME_MAX], rest[XF_OUTCOME_MAX], feed[XF_OUTCOME_MAX];
	struct xf_range_total *totals;
	unsigned long long ranged = 0;
	char cidr[32], src[32];
	struct xt_txn t;
	__u32 hot_id;
	size_t n, i;
	int r;

	xt_txn_begin(env, &t);
	xt_txn_put(&t, "198.51.100.0/24", XF_ACTION_DROP, 0, FEED);
	for (i = 0; i < NR_COLD; i++) {
		snprintf(cidr, sizeof(cidr), "10.%zu.%zu.0/24", i / 256, i % 256);
		xt_txn_put(&t, cidr, XF_ACTION_DROP, 0, FEED);
	}
	xt_assert_eq(xt_txn_commit(&t), 0, "commit of %d ranges", NR_COLD + 1);
	hot_id = xt_range_id(env, "198.51.100.0/24", false, FEED);

	/* the hot range every other packet, a different cold one between */
	for (r = 0; r < ROUNDS; r++) {
		send_from(env, "198.51.100.7");
		snprintf(src, sizeof(src), "10.%d.%d.1", (r % NR_COLD) / 256, (r % NR_COLD) % 256);
		send_from(env, src);
	}

	xt_range_counters(env, hot_id, hot);
	xt_assert_eq(hot[XF_OUTCOME_DROP].packets, ROUNDS, "the hot range counts every packet");
	xt_assert_eq(xf_range_counters_unattributed(&env->st, rest), 0, "read the unattributed set");
	xt_assert_eq(rest[XF_OUTCOME_DROP].packets > 0, 1,
		     "%d ranges overflow %d ways: some packets unattributed", NR_COLD + 1,
		     SMALL_SETS * XF_RANGE_WAYS);
	xt_assert_eq(xf_range_counters_collect(&env->st, &totals, &n), 0, "collect the ranges");
	for (i = 0; i < n; i++)
		ranged += totals[i].outcome[XF_OUTCOME_DROP].packets;
	free(totals);
	xt_feed_counters(env, FEED, feed);
	print_message("%d packets: hot range %llu, %zu ranges hold %llu, unattributed %llu, feed "
		      "%llu\n",
		      2 * ROUNDS, (unsigned long long)hot[XF_OUTCOME_DROP].packets, n, ranged,
		      (unsigned long long)rest[XF_OUTCOME_DROP].packets,
		      (unsigned long long)feed[XF_OUTCOME_DROP].packets);
	xt_assert_eq(feed[XF_OUTCOME_DROP].packets, 2 * ROUNDS, "the feed total is exact");
	xt_assert_eq(ranged + rest[XF_OUTCOME_DROP].packets, feed[XF_OUTCOME_DROP].packets,
		     "ranges + unattributed = the feed total");
}

static int group_setup(void **state)
{
	xt_range_sets = SMALL_SETS;
	return xt_group_setup(state, "range-counters", TEST_MAX_RANGES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_hot_range_survives_a_spread_flood, xt_test_reset),
	};

	return cmocka_run_group_tests(tests, group_setup, xt_group_teardown);
}
