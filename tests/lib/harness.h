/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* BPF_PROG_TEST_RUN harness: a private pinned state per test program, the
 * XDP program run on packet fixtures, rules installed through the real
 * control path, and named checks of the verdict, the tag metadata and every
 * counter the packet may touch.
 *
 * A test program uses it like this:
 *   static int group_setup(void **state)
 *   {
 *           return xt_group_setup(state, "verdicts", 1024);
 *   }
 *   ... cmocka_unit_test_setup(test_x, xt_test_reset) ...
 *   cmocka_run_group_tests(tests, group_setup, xt_group_teardown);
 * and each test starts with  struct xt_env *env = xt_env(state);
 * which skips the test where BPF programs cannot be loaded (not root). */
#ifndef XT_HARNESS_H
#define XT_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>

#include <linux/bpf.h> /* XDP_* actions */

#include "packet.h"
#include "rules.h"
#include "state.h"

#define XT_NO_RANGE 0xffffffffu

/* Lookup backend of the states tests create from now on (enum xf_backend;
 * default: the fast one). */
extern __u8 xt_backend;
/* Per-range counter sets of the states tests create (default: room for
 * every range of the tests' rule sets). */
extern __u32 xt_range_sets;

struct xt_env {
	struct xf_state st;
	char pin_dir[64];
	int prog_fd;
	bool opened;
	struct xf_config default_cfg; /* as the state was created */
	const char *skip_reason;      /* set when the environment cannot run the tests */
};

/* cmocka fixtures. max_ranges 0: the default capacity. */
int xt_group_setup(void **state, const char *name, __u32 max_ranges);
int xt_group_teardown(void **state);
/* Per-test: no rules, default config, no protected services. */
int xt_test_reset(void **state);
struct xt_env *xt_env(void **state);

/* Open a further private state (e.g. with a small capacity); closed and
 * unpinned by xt_env_close() or, at the latest, at exit. */
int xt_env_open(struct xt_env *env, const char *name, __u32 max_ranges);
void xt_env_close(struct xt_env *env);

/* One BPF_PROG_TEST_RUN. meta_len bytes of zeroed metadata go in front of
 * the frame (0..32, a multiple of 4); the kernel needs meta_len + len >=
 * ETH_HLEN. */
struct xt_result {
	int err;	     /* bpf_prog_test_run_opts() result */
	__u32 retval;	     /* XDP action */
	__u32 meta_len;	     /* metadata in front of the frame after the run */
	struct xf_meta meta; /* its first 8 bytes when meta_len allows */
	__u32 frame_len;     /* the frame after the metadata */
};
int xt_run_frame(struct xt_env *env, const void *frame, size_t len, __u32 meta_len,
		 struct xt_result *res);
void xt_run(struct xt_env *env, const struct xt_pkt *p, struct xt_result *res);

/* What one packet should do. range_id XT_NO_RANGE: no range counted;
 * tag != 0: the frame carries struct xf_meta with this tag. */
struct xt_expect {
	__u32 retval;
	__u32 reason;
	__u32 verdict;
	__u32 range_id;
	__u32 outcome;
	__u8 feed_id;
	__u32 tag;
};

static inline struct xt_expect xt_expect_unmatched(__u32 retval, __u32 reason, __u32 verdict)
{
	return (struct xt_expect){
	    .retval = retval, .reason = reason, .verdict = verdict, .range_id = XT_NO_RANGE};
}

/* A packet decided by a range with this action (dry-run off); XF_ACTION_NONE:
 * a clean source. */
struct xt_expect xt_expect_action(__u8 action, __u32 range_id, __u8 feed_id, __u32 tag);

/* Run p once and check the XDP action, the metadata, and that exactly
 * the expected global slot, range outcome and feed outcome went up by one
 * packet of p's length while every other counter in view stayed put.
 * The printf-style name says which case failed. */
void xt_check_packet(struct xt_env *env, const struct xt_pkt *p, const struct xt_expect *e,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Counters. */
__u64 xt_global_packets(struct xt_env *env, __u32 reason, __u32 verdict);
void xt_global_counter(struct xt_env *env, __u32 slot, struct xf_counter *c);
void xt_range_counters(struct xt_env *env, __u32 range_id, struct xf_counter *c);
void xt_feed_counters(struct xt_env *env, __u8 feed_id, struct xf_counter *c);

/* Rules through the real control path: read, copy, put/del, commit. */
struct xt_txn {
	struct xt_env *env;
	struct xf_ruleset old;
	struct xf_ruleset next;
};
void xt_txn_begin(struct xt_env *env, struct xt_txn *t);
void xt_txn_put(struct xt_txn *t, const char *cidr, __u8 action, __u32 tag, __u8 feed_id);
void xt_txn_del(struct xt_txn *t, const char *cidr, bool allow, __u8 feed_id);
/* Returns the commit's result and releases the transaction. */
int xt_txn_commit(struct xt_txn *t);
/* One rule in one commit; returns its range id. */
__u32 xt_rule_add(struct xt_env *env, const char *cidr, __u8 action, __u32 tag, __u8 feed_id);
void xt_rule_remove(struct xt_env *env, const char *cidr, bool allow, __u8 feed_id);
/* Range id of a rule in the pinned state, XT_NO_RANGE when absent. */
__u32 xt_range_id(struct xt_env *env, const char *cidr, bool allow, __u8 feed_id);
void xt_rules_clear(struct xt_env *env);

struct xf_prefix xt_prefix(const char *text);

/* Run-time settings. */
void xt_config_get(struct xt_env *env, struct xf_config *cfg);
void xt_config_put(struct xt_env *env, const struct xf_config *cfg);
#define xt_config_set(env, field, value)                                                           \
	do {                                                                                       \
		struct xf_config cfg_;                                                             \
		xt_config_get(env, &cfg_);                                                         \
		cfg_.field = (value);                                                              \
		xt_config_put(env, &cfg_);                                                         \
	} while (0)

/* Run the real CLI on this state ("protect 10.0.0.0/8:443/tcp"): the lock
 * is let go for the duration. Returns the exit status. */
int xt_cli(struct xt_env *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Named equality check: on a mismatch prints what (printf-style), the
 * actual and the expected value, and fails the test. */
#define xt_assert_eq(actual, expected, ...)                                                        \
	xt_check_eq_((long long)(actual), (long long)(expected), __FILE__, __LINE__, __VA_ARGS__)
void xt_check_eq_(long long actual, long long expected, const char *file, int line, const char *fmt,
		  ...) __attribute__((format(printf, 5, 6)));

const char *xt_xdp_name(__u32 retval);

#endif /* XT_HARNESS_H */
