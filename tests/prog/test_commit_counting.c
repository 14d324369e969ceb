// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Commits that remove ranges and add others while packets flow. Packets
 * still hitting a removed range while the commit runs must not be counted
 * on a range the commit adds (added ranges never take an id the old set
 * uses), a range given an id an earlier generation used starts from zero,
 * and an address covered before and after must never pass. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "harness.h"
#include "range_counters.h"

#define CAPACITY 4096
#define NR_RANGES 4000
#define NR_REPLACED 2000
#define ROUNDS 3

struct sender {
	struct xt_env *env;
	atomic_bool stop;
	atomic_ulong sent;
	atomic_ulong passed; /* verdicts other than XDP_DROP */
	void (*source)(int i, __u8 *addr);
};

static void range_cidr(char *buf, size_t len, int i, bool replacement)
{
	snprintf(buf, len, "%d.%d.%d.0/24", replacement ? 11 : 10, i / 256, i % 256);
}

/* Source of the i-th packet: inside the ranges the commit removes, or
 * inside the replaced /24s (and so their /23s). */
static void removed_source(int i, __u8 *addr)
{
	addr[0] = 10;
	addr[1] = i / 256;
	addr[2] = i % 256;
	addr[3] = 7;
}

static void covered_source(int i, __u8 *addr)
{
	addr[0] = 10;
	addr[1] = i / 128;
	addr[2] = (i % 128) * 2;
	addr[3] = 9;
}

/* Sends round robin over NR_REPLACED sources until stopped, counting what
 * was sent and what was not dropped. */
static void *send_until_stopped(void *data)
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

		s->source(i, fl.src.addr);
		xt_pkt_build(&pkt, &fl);
		opts.data_in = pkt.data;
		opts.data_size_in = pkt.len;
		if (!bpf_prog_test_run_opts(s->env->prog_fd, &opts)) {
			atomic_fetch_add(&s->sent, 1);
			if (opts.retval != XDP_DROP)
				atomic_fetch_add(&s->passed, 1);
		}
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

static bool id_in(__u32 id, const __u32 *ids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* Sum of all counters of the ranges i < NR_REPLACED of one set, and their
 * ids. */
static unsigned long set_packets(struct xt_env *env, bool replacement, __u32 *ids)
{
	unsigned long packets = 0;
	char cidr[32];
	int i, o;

	for (i = 0; i < NR_REPLACED; i++) {
		struct xf_counter c[XF_OUTCOME_MAX];

		range_cidr(cidr, sizeof(cidr), i, replacement);
		ids[i] = xt_range_id(env, cidr, false, XF_FEED_MANUAL);
		xt_range_counters(env, ids[i], c);
		for (o = 0; o < XF_OUTCOME_MAX; o++)
			packets += c[o].packets;
	}
	return packets;
}

static void test_reused_ids_count_nothing_foreign(void **state)
{
	static __u32 removed_ids[NR_REPLACED], ids[NR_REPLACED];
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
		struct sender s = { .env = env, .source = removed_source };
		unsigned long taken = 0, foreign, counted, reused = 0, inherited;
		pthread_t thread;
		__u8 *held;

		set_packets(env, false, removed_ids);
		atomic_init(&s.stop, false);
		atomic_init(&s.sent, 0);
		atomic_init(&s.passed, 0);
		xt_assert_eq(pthread_create(&thread, NULL, send_until_stopped, &s), 0, "sender");
		while (atomic_load(&s.sent) < 1000)
			;
		commit_set(env, true);
		atomic_store(&s.stop, true);
		pthread_join(thread, NULL);
		/* the removed ranges' records are gone, their counters not yet */
		counted = 0;
		for (i = 0; i < NR_REPLACED; i++) {
			struct xf_counter c[XF_OUTCOME_MAX];
			int o;

			xt_range_counters(env, removed_ids[i], c);
			for (o = 0; o < XF_OUTCOME_MAX; o++)
				counted += c[o].packets;
		}
		foreign = set_packets(env, true, ids);
		for (i = 0; i < NR_REPLACED; i++)
			taken += id_in(ids[i], removed_ids, NR_REPLACED);
		print_message("round %d: %lu packets to removed ranges during the commit, "
			      "%lu counted on them; %lu of %d added ranges on a removed range's "
			      "id, %lu packets counted on the added ranges\n",
			      round, atomic_load(&s.sent), counted, taken, NR_REPLACED, foreign);
		xt_assert_eq(counted > 0, 1, "the removed ranges counted packets");
		xt_assert_eq(taken, 0, "added ranges took ids of ranges the commit removed");
		xt_assert_eq(foreign, 0, "packets counted on added ranges nobody sent to");

		/* back: the restored ranges take ids no counter way holds while
		 * there are any (round 0), then ids ways still count for ranges of
		 * earlier generations (the ids run out from round 1): those start
		 * from zero all the same */
		held = calloc(env->st.max_ids, 1);
		assert_non_null(held);
		xt_assert_eq(xf_range_counters_held(&env->st, held), 0, "read the held ids");
		commit_set(env, false);
		inherited = set_packets(env, false, ids);
		for (i = 0; i < NR_REPLACED; i++)
			reused += held[ids[i]];
		free(held);
		print_message("round %d: %lu of %d restored ranges on ids a counter way held, "
			      "%lu packets inherited\n",
			      round, reused, NR_REPLACED, inherited);
		if (round == 0)
			xt_assert_eq(reused, 0, "held ids are left alone while others are free");
		else
			xt_assert_eq(reused > NR_REPLACED / 2, 1, "restored ranges reuse held ids");
		xt_assert_eq(inherited, 0, "restored ranges start from zero");
	}
}

/* Near capacity, each removed /24 is replaced by the /23 that contains it,
 * a new range that takes a removed range's id: addresses in the /24s are
 * covered before and after, and must be dropped all through the commit. */
static void test_reused_ids_never_uncover(void **state)
{
	struct xt_env *env = xt_env(state);
	struct sender s = { .env = env, .source = covered_source };
	pthread_t thread;
	struct xt_txn t;
	char cidr[32];
	int i, round;

	xt_txn_begin(env, &t);
	for (i = 0; i < NR_RANGES; i++) {
		/* the first NR_REPLACED at even third octets, so their /23s are
		 * disjoint; the rest elsewhere */
		if (i < NR_REPLACED)
			snprintf(cidr, sizeof(cidr), "10.%d.%d.0/24", i / 128, (i % 128) * 2);
		else
			snprintf(cidr, sizeof(cidr), "12.%d.%d.0/24", i / 256, i % 256);
		xt_txn_put(&t, cidr, XF_ACTION_DROP, 0, XF_FEED_MANUAL);
	}
	xt_assert_eq(xt_txn_commit(&t), 0, "commit of %d ranges", NR_RANGES);

	atomic_init(&s.stop, false);
	atomic_init(&s.sent, 0);
	atomic_init(&s.passed, 0);
	xt_assert_eq(pthread_create(&thread, NULL, send_until_stopped, &s), 0, "sender");
	while (atomic_load(&s.sent) < 1000)
		;
	for (round = 0; round < 2 * ROUNDS; round++) {
		bool to_23 = !(round % 2);

		xt_txn_begin(env, &t);
		for (i = 0; i < NR_REPLACED; i++) {
			snprintf(cidr, sizeof(cidr), "10.%d.%d.0/%d", i / 128, (i % 128) * 2,
				 to_23 ? 24 : 23);
			xt_txn_del(&t, cidr, false, XF_FEED_MANUAL);
			snprintf(cidr, sizeof(cidr), "10.%d.%d.0/%d", i / 128, (i % 128) * 2,
				 to_23 ? 23 : 24);
			xt_txn_put(&t, cidr, XF_ACTION_DROP, 0, XF_FEED_MANUAL);
		}
		if (xt_txn_commit(&t))
			break;
	}
	atomic_store(&s.stop, true);
	pthread_join(thread, NULL);
	print_message("%d commits replacing %d /24s by their /23 and back at capacity %d: %lu "
		      "packets to covered addresses, %lu not dropped\n",
		      round, NR_REPLACED, CAPACITY, atomic_load(&s.sent), atomic_load(&s.passed));
	xt_assert_eq(round, 2 * ROUNDS, "every commit went through");
	xt_assert_eq(atomic_load(&s.passed), 0, "covered addresses passed during the commits");
}

static int group_setup(void **state)
{
	return xt_group_setup(state, "counting", CAPACITY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reused_ids_count_nothing_foreign, xt_test_reset),
		cmocka_unit_test_setup(test_reused_ids_never_uncover, xt_test_reset),
	};

	return cmocka_run_group_tests(tests, group_setup, xt_group_teardown);
}
