// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Counters during a commit that reuses range ids: when a commit removes
 * ranges and adds others and free ids run short, the added ranges take the
 * removed ones' ids. Packets still hitting a removed range while the commit
 * runs must not be counted on the range that takes its id. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "harness.h"

#define CAPACITY 4096
#define NR_RANGES 4000
#define NR_REPLACED 2000
#define ROUNDS 3

struct sender {
	struct xt_env *env;
	atomic_bool stop;
	atomic_ulong sent;
};

static void range_cidr(char *buf, size_t len, int i, bool replacement)
{
	snprintf(buf, len, "%d.%d.%d.0/24", replacement ? 11 : 10, i / 256, i % 256);
}

/* Sends to the ranges the commit removes, round robin, until stopped. */
static void *send_to_removed(void *data)
{
	struct sender *s = data;
	struct xt_pkt pkt;
	struct xt_flow fl = { .protocol = IPPROTO_UDP, .dport = 53 };
	int i = 0;

	fl.src.family = fl.dst.family = XF_FAMILY_V4;
	fl.dst.addr[0] = 192;
	fl.dst.addr[2] = 2;
	fl.dst.addr[3] = 1;
	while (!atomic_load(&s->stop)) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);

		fl.src.addr[0] = 10;
		fl.src.addr[1] = i / 256;
		fl.src.addr[2] = i % 256;
		fl.src.addr[3] = 7;
		xt_pkt_build(&pkt, &fl);
		opts.data_in = pkt.data;
		opts.data_size_in = pkt.len;
		if (!bpf_prog_test_run_opts(s->env->prog_fd, &opts))
			atomic_fetch_add(&s->sent, 1);
		i = (i + 1) % NR_REPLACED;
	}
	return NULL;
}

static void commit_set(struct xt_env *env, bool replaced)
{
	char cidr[32];
	struct xt_txn t;
	int i;

	xt_txn_begin(env, &t);
	for (i = 0; i < NR_REPLACED; i++) {
		range_cidr(cidr, sizeof(cidr), i, !replaced);
		xt_txn_del(&t, cidr, false, XF_FEED_MANUAL);
		range_cidr(cidr, sizeof(cidr), i, replaced);
		xt_txn_put(&t, cidr, XF_ACTION_DROP, 0, XF_FEED_MANUAL);
	}
	xt_assert_eq(xt_txn_commit(&t), 0, "commit %s the replaced ranges",
		     replaced ? "to" : "back from");
}

static void test_reused_ids_count_nothing_foreign(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xt_txn t;
	char cidr[32];
	int i, round;

	xt_txn_begin(env, &t);
	for (i = 0; i < NR_RANGES; i++) {
		range_cidr(cidr, sizeof(cidr), i, false);
		xt_txn_put(&t, cidr, XF_ACTION_DROP, 0, XF_FEED_MANUAL);
	}
	xt_assert_eq(xt_txn_commit(&t), 0, "commit of %d ranges", NR_RANGES);

	for (round = 0; round < ROUNDS; round++) {
		struct sender s = { .env = env };
		unsigned long reused = 0, foreign = 0;
		pthread_t thread;

		atomic_init(&s.stop, false);
		atomic_init(&s.sent, 0);
		xt_assert_eq(pthread_create(&thread, NULL, send_to_removed, &s), 0, "sender");
		while (atomic_load(&s.sent) < 1000)
			;
		commit_set(env, true);
		atomic_store(&s.stop, true);
		pthread_join(thread, NULL);

		for (i = 0; i < NR_REPLACED; i++) {
			struct xf_counter c[XF_OUTCOME_MAX];
			__u32 id;
			int o;

			range_cidr(cidr, sizeof(cidr), i, true);
			id = xt_range_id(env, cidr, false, XF_FEED_MANUAL);
			reused += id < NR_RANGES;
			xt_range_counters(env, id, c);
			for (o = 0; o < XF_OUTCOME_MAX; o++)
				foreign += c[o].packets;
		}
		print_message("round %d: %lu packets to removed ranges during the commit, %lu of "
			      "%d added ranges on reused ids, %lu packets counted on them\n",
			      round, atomic_load(&s.sent), reused, NR_REPLACED, foreign);
		xt_assert_eq(reused > NR_REPLACED / 2, 1, "the commit reused ids (%lu)", reused);
		xt_assert_eq(foreign, 0, "packets counted on added ranges nobody sent to");
		commit_set(env, false);
	}
}

static int group_setup(void **state)
{
	return xt_group_setup(state, "counting", CAPACITY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reused_ids_count_nothing_foreign, xt_test_reset),
	};

	return cmocka_run_group_tests(tests, group_setup, xt_group_teardown);
}
