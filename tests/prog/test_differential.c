// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Differential test: thousands of random, nested rules of every action in
 * both families, installed through the real commit path, then at least
 * 100000 source addresses (biased toward prefix edges) run through the XDP
 * program and compared with a plain scan of the rules written here:
 * the allowlist wins; else the strongest action (drop > tag > count);
 * then the longest prefix, the lower feed id, the lower range id.
 * Compared per packet: the XDP action, the tag metadata, and that the
 * deciding range's counter for the outcome went up by exactly one (the
 * global clean counter for no match); at the end, every range, feed and
 * global counter against the totals expected.
 *
 * XF_DIFF_SEED=N replays a run; XF_DIFF_PACKETS=N changes its length. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fib.h"
#include "harness.h"

#define DIFF_MAX_RANGES 8192
#define MIN_RULES	2000
#define MAX_RULES	5000
/* so that the rules after the additions stay within MAX_RULES */
#define MAX_INITIAL_RULES    (MAX_RULES * 100 / (100 + ADD_PERCENT))
#define MIN_PACKETS	     100000
#define DEFAULT_PACKETS	     200000
#define NR_FEEDS	     4
#define TAG_BASE	     1000
#define NR_BATCHES	     3	/* the rules arrive in this many commits */
#define REMOVE_PERCENT	     10 /* then one commit removes this share ... */
#define CHANGE_PERCENT	     5	/* ... changes the action of this share ... */
#define ADD_PERCENT	     5	/* ... and adds this many more */
#define CHILD_PERCENT	     60 /* new rules nested inside an existing one */
#define SAME_PREFIX_PERCENT  8	/* new rules naming an existing prefix again */
#define CHILD_MAX_EXTRA_BITS 12
#define MAX_MISMATCHES_SHOWN 10
#define DPORT		     53
#define DST4		     "192.0.2.1"
#define DST6		     "2001:db8:ffff::1"

/* Addresses as 128-bit numbers (IPv4 in the top 32 bits) so one scan and
 * one edge calculation serve both families. */
struct u128 {
	__u64 hi, lo;
};

struct gen_rule {
	struct xf_prefix prefix;
	struct u128 net, mask;
	__u8 action;
	__u8 feed_id;
	__u32 tag;
	__u32 range_id;
	bool live;
};

struct rule_set {
	struct gen_rule *r;
	size_t n, cap;
};

/* What the reference says, and what the program did. */
struct answer {
	const struct gen_rule *rule; /* NULL: clean */
	__u32 retval;
	__u32 tag; /* 0: no metadata */
};

struct expected_counts {
	struct xf_counter (*range)[XF_OUTCOME_MAX]; /* indexed by range id */
	struct xf_counter global[XF_GLOBAL_SLOTS];
	struct xf_counter feed[NR_FEEDS][XF_OUTCOME_MAX];
};

struct diff_stats {
	size_t packets;
	size_t by_outcome[XF_OUTCOME_MAX];
	size_t clean;
	size_t mismatches;
};

/* ---- random numbers (xorshift64*: same sequence everywhere) ---- */

static __u64 rng_state;

static __u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static __u64 rnd_below(__u64 n)
{
	return n ? rnd() % n : 0;
}

static bool rnd_percent(unsigned int p)
{
	return rnd_below(100) < p;
}

static __u64 env_u64(const char *name, __u64 fallback)
{
	const char *v = getenv(name);
	char *end;
	__u64 x;

	if (!v || !*v)
		return fallback;
	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno || *end)
		fail_msg("%s='%s' is not a number", name, v);
	return x;
}

/* ---- 128-bit address arithmetic ---- */

static void u128_to_bytes(struct u128 x, __u8 *b)
{
	int i;

	for (i = 0; i < 8; i++) {
		b[i] = x.hi >> (56 - 8 * i);
		b[8 + i] = x.lo >> (56 - 8 * i);
	}
}

static struct u128 u128_mask(unsigned int len)
{
	struct u128 m;

	m.hi = len == 0 ? 0 : len >= 64 ? ~0ULL : ~0ULL << (64 - len);
	m.lo = len <= 64 ? 0 : len >= 128 ? ~0ULL : ~0ULL << (128 - len);
	return m;
}

static struct u128 u128_and(struct u128 a, struct u128 b)
{
	return (struct u128){a.hi & b.hi, a.lo & b.lo};
}

static struct u128 u128_or_not(struct u128 a, struct u128 m)
{
	return (struct u128){a.hi | ~m.hi, a.lo | ~m.lo};
}

/* The family's address space: IPv4 is the top 32 bits. */
static struct u128 family_space(__u8 family)
{
	return u128_mask(xf_family_bits(family));
}

/* x + delta (delta -1, 0 or 1) within the family, wrapping. */
static struct u128 u128_step(struct u128 x, int delta, __u8 family)
{
	__u64 unit_lo = family == XF_FAMILY_V4 ? 0 : 1;
	__u64 unit_hi = family == XF_FAMILY_V4 ? 1ULL << 32 : 0;
	struct u128 r = x;

	if (delta > 0) {
		r.lo += unit_lo;
		r.hi += unit_hi + (unit_lo && r.lo == 0);
	} else if (delta < 0) {
		r.hi -= unit_hi + (unit_lo && x.lo == 0);
		r.lo -= unit_lo;
	}
	return u128_and(r, family_space(family));
}

static struct u128 u128_random(__u8 family)
{
	struct u128 x = {rnd(), rnd()};

	return u128_and(x, family_space(family));
}

/* A random address inside r, and r's last address. */
static struct u128 u128_inside(const struct gen_rule *r)
{
	struct u128 x = u128_random(r->prefix.family);

	return (struct u128){r->net.hi | (x.hi & ~r->mask.hi), r->net.lo | (x.lo & ~r->mask.lo)};
}

static struct u128 u128_last(const struct gen_rule *r)
{
	return u128_and(u128_or_not(r->net, r->mask), family_space(r->prefix.family));
}

static bool u128_in(struct u128 addr, const struct gen_rule *r)
{
	return ((addr.hi ^ r->net.hi) & r->mask.hi) == 0 &&
	       ((addr.lo ^ r->net.lo) & r->mask.lo) == 0;
}

static struct xf_addr addr_of(struct u128 x, __u8 family)
{
	struct xf_addr a = {.family = family};
	__u8 bytes[16];

	u128_to_bytes(x, bytes);
	memcpy(a.addr, bytes, xf_family_bits(family) / 8);
	return a;
}

/* ---- rule generation ---- */

static void rule_set_prefix(struct gen_rule *r, __u8 family, struct u128 addr, unsigned int len)
{
	__u8 bytes[16];

	r->mask = u128_mask(len);
	r->net = u128_and(addr, r->mask);
	memset(&r->prefix, 0, sizeof(r->prefix));
	r->prefix.family = family;
	r->prefix.len = len;
	u128_to_bytes(r->net, bytes);
	memcpy(r->prefix.addr, bytes, xf_family_bits(family) / 8);
}

static bool same_rule(const struct gen_rule *a, const struct gen_rule *b)
{
	return a->prefix.family == b->prefix.family && a->prefix.len == b->prefix.len &&
	       a->net.hi == b->net.hi && a->net.lo == b->net.lo && a->feed_id == b->feed_id &&
	       (a->action == XF_ACTION_ALLOW) == (b->action == XF_ACTION_ALLOW);
}

static bool rule_exists(const struct rule_set *rs, const struct gen_rule *r)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (rs->r[i].live && same_rule(&rs->r[i], r))
			return true;
	return false;
}

/* A top-level length: mostly the sizes blocklists use, some host routes,
 * rarely a very short prefix (a few of those cover much of the space). */
/* No IPv6 prefix shorter than /16: the fast backend then answers clean
 * IPv6 traffic from its filter bitmap alone (with one, it asks its trie). */
static bool narrow_v6;

static unsigned int random_top_len(__u8 family)
{
	unsigned int bits = xf_family_bits(family), roll = rnd_below(1000);

	if (roll < 50)
		return bits;
	if (roll < 53 && !(narrow_v6 && family == XF_FAMILY_V6))
		return 1 + rnd_below(7);
	return family == XF_FAMILY_V4 ? 8 + rnd_below(17) : 16 + rnd_below(49);
}

/* Distinct tags for every tag range, old or new. */
static __u32 next_tag = TAG_BASE;

static __u8 random_block_action(void)
{
	static const __u8 block[] = {XF_ACTION_COUNT, XF_ACTION_TAG, XF_ACTION_DROP};

	return block[rnd_below(sizeof(block))];
}

static __u8 random_action(void)
{
	unsigned int roll = rnd_below(100);

	return roll < 15   ? XF_ACTION_ALLOW
	       : roll < 45 ? XF_ACTION_DROP
	       : roll < 75 ? XF_ACTION_TAG
			   : XF_ACTION_COUNT;
}

/* A prefix inside a live rule of the family, the prefix of one (for
 * another feed or kind: the feed decides ties), or a fresh one. */
static void random_prefix(const struct rule_set *rs, struct gen_rule *r, __u8 family)
{
	unsigned int bits = xf_family_bits(family);
	size_t tries;

	if (rs->n && rnd_percent(SAME_PREFIX_PERCENT)) {
		const struct gen_rule *other = &rs->r[rnd_below(rs->n)];

		if (other->live && other->prefix.family == family) {
			rule_set_prefix(r, family, other->net, other->prefix.len);
			return;
		}
	}

	for (tries = 0; rs->n && rnd_percent(CHILD_PERCENT) && tries < 8; tries++) {
		const struct gen_rule *parent = &rs->r[rnd_below(rs->n)];
		unsigned int len;

		if (!parent->live || parent->prefix.family != family || parent->prefix.len >= bits)
			continue;
		len = parent->prefix.len + 1 +
		      rnd_below(CHILD_MAX_EXTRA_BITS < bits - parent->prefix.len
				    ? CHILD_MAX_EXTRA_BITS
				    : bits - parent->prefix.len);
		rule_set_prefix(r, family, u128_inside(parent), len);
		return;
	}
	rule_set_prefix(r, family, u128_random(family), random_top_len(family));
}

static void rule_set_add(struct rule_set *rs, const struct gen_rule *r)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 1024;
		rs->r = realloc(rs->r, rs->cap * sizeof(*rs->r));
		assert_non_null(rs->r);
	}
	rs->r[rs->n++] = *r;
}

static void generate_rules(struct rule_set *rs, size_t n)
{
	size_t target = rs->n + n;

	while (rs->n < target) {
		struct gen_rule r = {.live = true, .range_id = XT_NO_RANGE};

		random_prefix(rs, &r, rs->n % 2 ? XF_FAMILY_V6 : XF_FAMILY_V4);
		r.action = random_action();
		r.feed_id = rnd_below(NR_FEEDS);
		r.tag = r.action == XF_ACTION_TAG ? next_tag++ : 0;
		if (!rule_exists(rs, &r))
			rule_set_add(rs, &r);
	}
}

/* ---- installing through the control path ---- */

static void txn_put_rule(struct xt_txn *t, const struct gen_rule *g)
{
	struct xf_rule r = {
	    .prefix = g->prefix,
	    .action = g->action,
	    .tag = g->tag,
	    .feed_id = g->feed_id,
	};

	assert_int_equal(xf_ruleset_put(&t->next, &r), 0);
}

static void commit_rules(struct xt_env *env, const struct rule_set *rs, size_t from, size_t to)
{
	struct xt_txn t;
	size_t i;

	xt_txn_begin(env, &t);
	for (i = from; i < to; i++)
		txn_put_rule(&t, &rs->r[i]);
	xt_assert_eq(xt_txn_commit(&t), 0, "commit of rules %zu..%zu", from, to);
}

/* One commit that removes some rules, changes the action of others
 * (keeping their kind) and adds new ones. */
static void commit_changes(struct xt_env *env, struct rule_set *rs)
{
	size_t n = rs->n, i, added_from;
	struct xt_txn t;

	xt_txn_begin(env, &t);
	for (i = 0; i < n; i++) {
		struct gen_rule *g = &rs->r[i];

		if (rnd_percent(REMOVE_PERCENT)) {
			g->live = false;
			assert_int_equal(xf_ruleset_del(&t.next, g->feed_id, &g->prefix,
							g->action == XF_ACTION_ALLOW),
					 0);
		} else if (g->action != XF_ACTION_ALLOW && rnd_percent(CHANGE_PERCENT)) {
			g->action = random_block_action();
			g->tag = g->action == XF_ACTION_TAG ? next_tag++ : 0;
			txn_put_rule(&t, g);
		}
	}
	added_from = rs->n;
	generate_rules(rs, n * ADD_PERCENT / 100);
	for (i = added_from; i < rs->n; i++)
		txn_put_rule(&t, &rs->r[i]);
	xt_assert_eq(xt_txn_commit(&t), 0, "commit of removals, changes and additions");
}

/* Learn the range ids the commits gave, and check the records say what
 * was asked. */
static void learn_range_ids(struct xt_env *env, struct rule_set *rs)
{
	struct xf_ruleset state;
	size_t i, live = 0;

	assert_int_equal(xf_ruleset_read(&env->st, &state), 0);
	for (i = 0; i < rs->n; i++) {
		struct gen_rule *g = &rs->r[i];
		const struct xf_rule *r;
		long at;

		if (!g->live)
			continue;
		live++;
		at = xf_ruleset_find(&state, g->feed_id, &g->prefix, g->action == XF_ACTION_ALLOW);
		if (at < 0)
			fail_msg("generated rule %zu is not in the state", i);
		r = &state.rules[at];
		xt_assert_eq(r->action, g->action, "action of rule %zu in the state", i);
		xt_assert_eq(r->tag, g->tag, "tag of rule %zu in the state", i);
		g->range_id = r->range_id;
	}
	xt_assert_eq(state.n, live, "rules in the state");
	xf_ruleset_free(&state);
}

/* ---- the reference: a plain scan ---- */

/* Does candidate c beat the best so far? */
static bool beats(const struct gen_rule *c, const struct gen_rule *best)
{
	if (!best)
		return true;
	if (c->action != best->action) /* ALLOW is the highest of all */
		return c->action > best->action;
	if (c->prefix.len != best->prefix.len)
		return c->prefix.len > best->prefix.len;
	if (c->feed_id != best->feed_id)
		return c->feed_id < best->feed_id;
	return c->range_id < best->range_id;
}

static struct answer reference(const struct rule_set *rs, struct u128 addr, __u8 family)
{
	const struct gen_rule *best = NULL;
	struct answer a = {.retval = XDP_PASS};
	size_t i;

	for (i = 0; i < rs->n; i++) {
		const struct gen_rule *r = &rs->r[i];

		if (r->live && r->prefix.family == family && u128_in(addr, r) && beats(r, best))
			best = r;
	}
	a.rule = best;
	if (best && best->action == XF_ACTION_DROP)
		a.retval = XDP_DROP;
	if (best && best->action == XF_ACTION_TAG)
		a.tag = best->tag;
	return a;
}

static __u32 outcome_of(__u8 action)
{
	switch (action) {
	case XF_ACTION_ALLOW:
		return XF_OUTCOME_ALLOW;
	case XF_ACTION_DROP:
		return XF_OUTCOME_DROP;
	case XF_ACTION_TAG:
		return XF_OUTCOME_TAG;
	}
	return XF_OUTCOME_MONITOR;
}

static __u32 global_slot_of(const struct answer *a)
{
	if (!a->rule)
		return XF_GLOBAL_INDEX(XF_REASON_CLEAN, XF_VERDICT_PASS);
	switch (a->rule->action) {
	case XF_ACTION_ALLOW:
		return XF_GLOBAL_INDEX(XF_REASON_ALLOWLIST, XF_VERDICT_PASS);
	case XF_ACTION_DROP:
		return XF_GLOBAL_INDEX(XF_REASON_BLOCK_DROP, XF_VERDICT_DROP);
	case XF_ACTION_TAG:
		return XF_GLOBAL_INDEX(XF_REASON_BLOCK_TAG, XF_VERDICT_TAG);
	}
	return XF_GLOBAL_INDEX(XF_REASON_MONITOR, XF_VERDICT_PASS);
}

/* ---- addresses to try ---- */

/* A random live rule of the family (rules alternate families). */
static const struct gen_rule *random_rule(const struct rule_set *rs, __u8 family)
{
	for (;;) {
		const struct gen_rule *r = &rs->r[rnd_below(rs->n)];

		if (r->live && r->prefix.family == family)
			return r;
	}
}

/* Prefix edges (first/last address, one either side), addresses inside a
 * prefix, and uniform ones. */
static struct u128 sample_address(const struct rule_set *rs, __u8 family)
{
	unsigned int roll = rnd_below(100);
	const struct gen_rule *r;
	struct u128 x;

	if (roll < 15)
		return u128_random(family);
	r = random_rule(rs, family);
	if (roll < 30)
		return u128_inside(r);
	x = roll < 65 ? r->net : u128_last(r);
	return u128_step(x, (int)rnd_below(3) - 1, family);
}

/* ---- running and comparing ---- */

static void describe_rule(const struct gen_rule *r, char *buf, size_t len)
{
	char text[XF_PREFIX_STRLEN];

	if (!r) {
		snprintf(buf, len, "clean (no range)");
		return;
	}
	xf_prefix_format(&r->prefix, text, sizeof(text));
	snprintf(buf, len, "%s on %s range %u feed %u tag %u",
		 r->action == XF_ACTION_ALLOW  ? "allow"
		 : r->action == XF_ACTION_DROP ? "drop"
		 : r->action == XF_ACTION_TAG  ? "tag"
					       : "count",
		 text, r->range_id, r->feed_id, r->tag);
}

/* What the backend's maps hold for the address: for the report only. */
static void describe_lpm(struct xt_env *env, const struct xf_addr *a, char *buf, size_t len)
{
	struct xf_decision d;

	if (xf_kernel_decision(&env->st, a, &d) != 1)
		snprintf(buf, len, "no entry");
	else
		snprintf(buf, len, "action %u range %u feed %u tag %u", d.action, d.range_id,
			 d.feed_id, d.tag);
}

static void report_mismatch(struct xt_env *env, const struct xf_addr *a, const struct answer *want,
			    const struct xt_result *got, const char *why, struct diff_stats *st)
{
	char addr[INET6_ADDRSTRLEN], expected[160], lpm[96];

	if (++st->mismatches > MAX_MISMATCHES_SHOWN)
		return;
	xf_addr_format(a, addr, sizeof(addr));
	describe_rule(want->rule, expected, sizeof(expected));
	describe_lpm(env, a, lpm, sizeof(lpm));
	print_error("MISMATCH %s: %s\n  expected: %s, %s%s\n  actual:   %s, metadata %u bytes "
		    "tag %u magic 0x%x; rules map for the address: %s\n",
		    addr, why, expected, xt_xdp_name(want->retval), want->tag ? " + tag" : "",
		    xt_xdp_name(got->retval), got->meta_len, got->meta.tag, got->meta.magic, lpm);
}

static bool meta_matches(const struct answer *want, const struct xt_result *got)
{
	if (!want->tag)
		return got->meta_len == 0;
	return got->meta_len == sizeof(struct xf_meta) && got->meta.magic == XF_META_MAGIC &&
	       got->meta.tag == want->tag;
}

static void count_expected(struct expected_counts *ex, const struct answer *a, size_t len)
{
	struct xf_counter *c = &ex->global[global_slot_of(a)];

	c->packets++;
	c->bytes += len;
	if (!a->rule)
		return;
	c = &ex->range[a->rule->range_id][outcome_of(a->rule->action)];
	c->packets++;
	c->bytes += len;
	c = &ex->feed[a->rule->feed_id][outcome_of(a->rule->action)];
	c->packets++;
	c->bytes += len;
}

/* The one counter this packet must have moved, now. */
static struct xf_counter counter_now(struct xt_env *env, const struct answer *a)
{
	struct xf_counter c[XF_OUTCOME_MAX];

	if (!a->rule) {
		xt_global_counter(env, global_slot_of(a), c);
		return c[0];
	}
	xt_range_counters(env, a->rule->range_id, c);
	return c[outcome_of(a->rule->action)];
}

static struct xf_counter *counter_expected(struct expected_counts *ex, const struct answer *a)
{
	if (!a->rule)
		return &ex->global[global_slot_of(a)];
	return &ex->range[a->rule->range_id][outcome_of(a->rule->action)];
}

static void compare_one(struct xt_env *env, const struct rule_set *rs, __u8 family,
			struct expected_counts *ex, struct diff_stats *st)
{
	struct u128 x = sample_address(rs, family);
	struct xf_addr src = addr_of(x, family);
	struct answer want = reference(rs, x, family);
	struct xt_flow f = {
	    .src = src,
	    .dst = xt_addr(family == XF_FAMILY_V4 ? DST4 : DST6),
	    .protocol = IPPROTO_UDP,
	    .dport = DPORT,
	};
	struct xf_counter now, *then;
	struct xt_result got;
	struct xt_pkt p;

	xt_pkt_build(&p, &f);
	xt_run(env, &p, &got);
	count_expected(ex, &want, p.len);
	st->packets++;
	if (want.rule)
		st->by_outcome[outcome_of(want.rule->action)]++;
	else
		st->clean++;

	if (got.retval != want.retval) {
		report_mismatch(env, &src, &want, &got, "XDP action", st);
		return;
	}
	if (!meta_matches(&want, &got)) {
		report_mismatch(env, &src, &want, &got, "tag metadata", st);
		return;
	}
	now = counter_now(env, &want);
	then = counter_expected(ex, &want);
	if (now.packets != then->packets || now.bytes != then->bytes) {
		report_mismatch(env, &src, &want, &got, "counter of the deciding range", st);
		*then = now; /* report one miss once */
	}
}

/* Counters as they are before the first packet. */
static void baseline(struct xt_env *env, const struct rule_set *rs, struct expected_counts *ex)
{
	size_t i;
	__u32 f;

	for (i = 0; i < XF_GLOBAL_SLOTS; i++)
		xt_global_counter(env, i, &ex->global[i]);
	for (f = 0; f < NR_FEEDS; f++)
		xt_feed_counters(env, f, ex->feed[f]);
	for (i = 0; i < rs->n; i++)
		if (rs->r[i].live)
			xt_range_counters(env, rs->r[i].range_id, ex->range[rs->r[i].range_id]);
}

static int compare_counter_block(const struct xf_counter *got, const struct xf_counter *want,
				 size_t n, const char *what, __u32 index)
{
	size_t o;
	int bad = 0;

	for (o = 0; o < n; o++) {
		if (got[o].packets == want[o].packets && got[o].bytes == want[o].bytes)
			continue;
		if (bad++ < MAX_MISMATCHES_SHOWN)
			print_error("%s %u slot %zu: %" PRIu64 " packets / %" PRIu64
				    " bytes, expected %" PRIu64 " / %" PRIu64 "\n",
				    what, index, o, (uint64_t)got[o].packets,
				    (uint64_t)got[o].bytes, (uint64_t)want[o].packets,
				    (uint64_t)want[o].bytes);
	}
	return bad;
}

/* Nothing counted anywhere it should not have. */
static int final_sweep(struct xt_env *env, const struct rule_set *rs,
		       const struct expected_counts *ex)
{
	struct xf_counter c[XF_OUTCOME_MAX];
	int bad = 0;
	size_t i;
	__u32 f;

	for (i = 0; i < XF_GLOBAL_SLOTS; i++) {
		xt_global_counter(env, i, c);
		bad += compare_counter_block(c, &ex->global[i], 1, "global slot", i);
	}
	for (f = 0; f < NR_FEEDS; f++) {
		xt_feed_counters(env, f, c);
		bad += compare_counter_block(c, ex->feed[f], XF_OUTCOME_MAX, "feed", f);
	}
	for (i = 0; i < rs->n; i++) {
		__u32 id = rs->r[i].range_id;

		if (!rs->r[i].live)
			continue;
		xt_range_counters(env, id, c);
		bad += compare_counter_block(c, ex->range[id], XF_OUTCOME_MAX, "range", id);
	}
	return bad;
}

static void print_rule_mix(const struct rule_set *rs)
{
	size_t by_action[XF_ACTION_MAX] = {}, by_family[2] = {}, nested = 0, i, j;

	for (i = 0; i < rs->n; i++) {
		if (!rs->r[i].live)
			continue;
		by_action[rs->r[i].action]++;
		by_family[rs->r[i].prefix.family == XF_FAMILY_V6]++;
	}
	/* rules inside another live rule (a sample is enough) */
	for (i = 0; i < rs->n && i < 500; i++)
		for (j = 0; j < rs->n; j++)
			if (i != j && rs->r[i].live && rs->r[j].live &&
			    rs->r[j].prefix.family == rs->r[i].prefix.family &&
			    rs->r[j].prefix.len < rs->r[i].prefix.len &&
			    u128_in(rs->r[i].net, &rs->r[j])) {
				nested++;
				break;
			}
	print_message("rules: %zu IPv4 + %zu IPv6; allow %zu, drop %zu, tag %zu, count %zu; "
		      "%zu of the first 500 nested in another\n",
		      by_family[0], by_family[1], by_action[XF_ACTION_ALLOW],
		      by_action[XF_ACTION_DROP], by_action[XF_ACTION_TAG],
		      by_action[XF_ACTION_COUNT], nested);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void install_random_rules(struct xt_env *env, struct rule_set *rs)
{
	size_t n = MIN_RULES + rnd_below(MAX_INITIAL_RULES - MIN_RULES + 1);
	size_t b;

	generate_rules(rs, n);
	for (b = 0; b < NR_BATCHES; b++)
		commit_rules(env, rs, n * b / NR_BATCHES, n * (b + 1) / NR_BATCHES);
	commit_changes(env, rs);
	learn_range_ids(env, rs);
	print_rule_mix(rs);
}

static void test_random_rules_against_plain_scan(void **state)
{
	struct xt_env *env = xt_env(state);
	__u64 seed = env_u64("XF_DIFF_SEED", (__u64)time(NULL) ^ ((__u64)getpid() << 32));
	size_t packets = env_u64("XF_DIFF_PACKETS", DEFAULT_PACKETS), i;
	struct expected_counts ex = {};
	struct diff_stats st = {};
	struct rule_set rs = {};
	double t0 = now_seconds(), t1;
	int bad;

	print_message("seed %llu (XF_DIFF_SEED=%llu replays this run)\n", (unsigned long long)seed,
		      (unsigned long long)seed);
	if (packets < MIN_PACKETS)
		fail_msg("XF_DIFF_PACKETS=%zu: at least %d packets are compared", packets,
			 MIN_PACKETS);
	rng_state = seed ? seed : 1;
	ex.range = calloc(env->st.max_ids, sizeof(*ex.range));
	assert_non_null(ex.range);

	install_random_rules(env, &rs);
	baseline(env, &rs, &ex);
	t1 = now_seconds();
	for (i = 0; i < packets; i++)
		compare_one(env, &rs, i % 2 ? XF_FAMILY_V6 : XF_FAMILY_V4, &ex, &st);
	bad = final_sweep(env, &rs, &ex);

	print_message("compared %zu packets (%zu clean, allow %zu, drop %zu, tag %zu, count %zu) "
		      "in %.1f s; setup %.1f s; %zu mismatches, %d counter slots off\n",
		      st.packets, st.clean, st.by_outcome[XF_OUTCOME_ALLOW],
		      st.by_outcome[XF_OUTCOME_DROP], st.by_outcome[XF_OUTCOME_TAG],
		      st.by_outcome[XF_OUTCOME_MONITOR], now_seconds() - t1, t1 - t0, st.mismatches,
		      bad);
	free(ex.range);
	free(rs.r);
	xt_assert_eq(st.mismatches, 0, "packets that differ from the reference (seed %llu)",
		     (unsigned long long)seed);
	xt_assert_eq(bad, 0, "counter slots that differ at the end (seed %llu)",
		     (unsigned long long)seed);
}

static int group_setup_fast(void **state)
{
	xt_backend = XF_BACKEND_FAST;
	return xt_group_setup(state, "diff-fast", DIFF_MAX_RANGES);
}

static int group_setup_fast_narrow(void **state)
{
	xt_backend = XF_BACKEND_FAST;
	narrow_v6 = true;
	return xt_group_setup(state, "diff-fast-narrow", DIFF_MAX_RANGES);
}

static int group_teardown_narrow(void **state)
{
	narrow_v6 = false;
	return xt_group_teardown(state);
}

static int group_setup_lpm(void **state)
{
	xt_backend = XF_BACKEND_LPM;
	return xt_group_setup(state, "diff-lpm", DIFF_MAX_RANGES);
}

/* The same random rules and packets against both backends: each must
 * agree with the plain scan packet for packet. */
int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_random_rules_against_plain_scan, xt_test_reset),
	};
	int failed;

	failed = cmocka_run_group_tests_name("fast backend", tests, group_setup_fast,
					     xt_group_teardown);
	failed += cmocka_run_group_tests_name("fast backend, no IPv6 prefix under /16", tests,
					      group_setup_fast_narrow, group_teardown_narrow);
	failed += cmocka_run_group_tests_name("lpm backend", tests, group_setup_lpm,
					      xt_group_teardown);
	return failed;
}
