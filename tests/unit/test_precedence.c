// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/precedence.c: the per-prefix decisions the data plane looks up.
 * Named cases for each rule of precedence, then a randomized comparison of
 * "longest effective prefix" against a brute-force scan over every rule. */
#include <errno.h>

#include "check.h"
#include "names.h"
#include "precedence.h"

#define NONE XF_ACTION_NONE
#define COUNT XF_ACTION_COUNT
#define TAG XF_ACTION_TAG
#define DROP XF_ACTION_DROP
#define ALLOW XF_ACTION_ALLOW

struct rule_spec {
	const char *prefix;
	__u8 action;
	__u8 feed_id;
	__u32 range_id;
	__u32 tag;
};

/* The decision expected for one output prefix. */
struct want_spec {
	const char *prefix;
	__u8 action;
	__u8 feed_id;
	__u32 range_id;
	__u32 tag;
};

struct prec_case {
	const struct rule_spec *rules;
	size_t n_rules;
	const struct want_spec *want; /* in xf_prefix_cmp order */
	size_t n_want;
};

#define PREC_CASE(name, r, w)                                                         \
	static const struct prec_case name = { .rules = r, .n_rules = ARRAY_SIZE(r), \
					       .want = w, .n_want = ARRAY_SIZE(w) }

static struct xf_prefix parsed(const char *text)
{
	struct xf_prefix p;

	if (xf_prefix_parse(text, &p, NULL))
		fail_msg("test table: '%s' is not a prefix", text);
	return p;
}

/* Output invariants that hold for any input: sorted strictly by
 * xf_prefix_cmp (so one entry per prefix), exactly the input's distinct
 * prefixes, and each decision made by a rule that contains the prefix. */
static void check_output_shape(const char *ctx, const struct xf_rule *rules, size_t n,
			       const struct xf_effective *eff, size_t eff_n)
{
	size_t i, j, distinct = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (ref_prefix_same(&rules[i].prefix, &rules[j].prefix))
				break;
		distinct += j == i;
	}
	check(eff_n == distinct, "%s: %zu output entries, want %zu (distinct prefixes)", ctx, eff_n,
	      distinct);
	for (i = 0; i + 1 < eff_n; i++)
		check(xf_prefix_cmp(&eff[i].prefix, &eff[i + 1].prefix) < 0,
		      "%s: output[%zu] %s not before output[%zu] %s", ctx, i,
		      pfx_text(&eff[i].prefix).s, i + 1, pfx_text(&eff[i + 1].prefix).s);
	for (i = 0; i < eff_n; i++) {
		bool named = false, decider_ok = false;

		for (j = 0; j < n; j++) {
			named |= ref_prefix_same(&rules[j].prefix, &eff[i].prefix);
			decider_ok |= rules[j].range_id == eff[i].decision.range_id &&
				      ref_contains(&rules[j].prefix, &eff[i].prefix);
		}
		check(named, "%s: output %s is not a prefix of any rule", ctx,
		      pfx_text(&eff[i].prefix).s);
		check(decider_ok, "%s: output %s decided by range %u, which does not contain it", ctx,
		      pfx_text(&eff[i].prefix).s, eff[i].decision.range_id);
	}
}

static void check_case_order(const struct prec_case *c, const size_t *order, const char *how)
{
	struct xf_rule *rules = calloc(c->n_rules ? c->n_rules : 1, sizeof(*rules)), *copy;
	struct xf_effective *eff;
	size_t i, eff_n;
	char ctx[64];
	int err;

	assert_non_null(rules);
	for (i = 0; i < c->n_rules; i++) {
		const struct rule_spec *s = &c->rules[order[i]];

		rules[i] = (struct xf_rule){ .prefix = parsed(s->prefix),
					     .range_id = s->range_id,
					     .tag = s->tag,
					     .action = s->action,
					     .feed_id = s->feed_id };
	}
	copy = malloc(c->n_rules ? c->n_rules * sizeof(*rules) : 1);
	assert_non_null(copy);
	memcpy(copy, rules, c->n_rules * sizeof(*rules));

	snprintf(ctx, sizeof(ctx), "input %s", how);
	err = xf_precedence_compute(rules, c->n_rules, &eff, &eff_n);
	check_int(ctx, "return", err, 0);
	if (err)
		goto out;
	check(!memcmp(copy, rules, c->n_rules * sizeof(*rules)), "%s: input modified", ctx);
	check_output_shape(ctx, rules, c->n_rules, eff, eff_n);
	check_int(ctx, "entries", eff_n, c->n_want);
	for (i = 0; i < c->n_want && i < eff_n; i++) {
		const struct want_spec *w = &c->want[i];
		const struct xf_decision *d = &eff[i].decision;
		struct xf_prefix wp = parsed(w->prefix);

		check(ref_prefix_same(&eff[i].prefix, &wp), "%s: entry %zu: got %s, want %s", ctx,
		      i, pfx_text(&eff[i].prefix).s, pfx_text(&wp).s);
		check(d->action == w->action && d->range_id == w->range_id && d->tag == w->tag &&
			      d->feed_id == w->feed_id,
		      "%s: %s: got %s range %u tag %u feed %u, want %s range %u tag %u feed %u",
		      ctx, w->prefix, xf_action_name(d->action), d->range_id, d->tag, d->feed_id,
		      xf_action_name(w->action), w->range_id, w->tag, w->feed_id);
		check(d->pad[0] == 0 && d->pad[1] == 0, "%s: %s: decision padding not zero", ctx,
		      w->prefix);
	}
	free(eff);
out:
	free(copy);
	free(rules);
}

/* The answer must not depend on input order: run the table forward,
 * reversed and in a few shuffles. */
static void run_case(void **state)
{
	const struct prec_case *c = *state;
	size_t order[64], i, k;
	int s;

	assert_true(c->n_rules <= ARRAY_SIZE(order));
	check_begin();
	for (i = 0; i < c->n_rules; i++)
		order[i] = i;
	check_case_order(c, order, "as written");
	for (i = 0; i < c->n_rules; i++)
		order[i] = c->n_rules - 1 - i;
	check_case_order(c, order, "reversed");
	rnd_state = 0x5eed;
	for (s = 0; s < 8; s++) {
		char how[32];

		for (i = c->n_rules; i > 1; i--) {
			size_t t;

			k = rnd_below((unsigned int)i);
			t = order[i - 1];
			order[i - 1] = order[k];
			order[k] = t;
		}
		snprintf(how, sizeof(how), "shuffle %d", s);
		check_case_order(c, order, how);
	}
	check_end();
}

static void test_empty(void **state)
{
	struct xf_effective *eff = (void *)0x1;
	size_t eff_n = 42;
	int err;

	(void)state;
	err = xf_precedence_compute(NULL, 0, &eff, &eff_n);
	if (err || eff || eff_n)
		fail_msg("empty input: got err %d out %p n %zu, want 0, NULL, 0", err, (void *)eff,
			 eff_n);
}

static const struct rule_spec one_rule_r[] = {
	{ "192.0.2.0/24", DROP, .feed_id = 3, .range_id = 7, .tag = 99 },
};
static const struct want_spec one_rule_w[] = {
	{ "192.0.2.0/24", DROP, .feed_id = 3, .range_id = 7, .tag = 99 },
};
PREC_CASE(one_rule, one_rule_r, one_rule_w);

/* the same prefix from two feeds, equal action: the lower feed id */
static const struct rule_spec dup_equal_r[] = {
	{ "198.51.100.0/24", DROP, .feed_id = 2, .range_id = 1, .tag = 21 },
	{ "198.51.100.0/24", DROP, .feed_id = 1, .range_id = 2, .tag = 12 },
};
static const struct want_spec dup_equal_w[] = {
	{ "198.51.100.0/24", DROP, .feed_id = 1, .range_id = 2, .tag = 12 },
};
PREC_CASE(duplicate_prefix_equal_action, dup_equal_r, dup_equal_w);

/* the same prefix from two feeds, different action: the stronger */
static const struct rule_spec dup_stronger_r[] = {
	{ "198.51.100.0/24", TAG, .feed_id = 1, .range_id = 1, .tag = 11 },
	{ "198.51.100.0/24", DROP, .feed_id = 2, .range_id = 2, .tag = 22 },
	{ "198.51.100.0/24", COUNT, .feed_id = 0, .range_id = 3, .tag = 33 },
};
static const struct want_spec dup_stronger_w[] = {
	{ "198.51.100.0/24", DROP, .feed_id = 2, .range_id = 2, .tag = 22 },
};
PREC_CASE(duplicate_prefix_stronger_action, dup_stronger_r, dup_stronger_w);

/* the same prefix, feed and action twice: the lower range id */
static const struct rule_spec dup_range_r[] = {
	{ "2001:db8::/32", TAG, .feed_id = 4, .range_id = 9, .tag = 1 },
	{ "2001:db8::/32", TAG, .feed_id = 4, .range_id = 5, .tag = 2 },
};
static const struct want_spec dup_range_w[] = {
	{ "2001:db8::/32", TAG, .feed_id = 4, .range_id = 5, .tag = 2 },
};
PREC_CASE(duplicate_prefix_same_feed, dup_range_r, dup_range_w);

/* /8 count > /16 drop > /24 tag > /32 allow */
static const struct rule_spec chain_r[] = {
	{ "10.0.0.0/8", COUNT, .feed_id = 1, .range_id = 1, .tag = 1 },
	{ "10.1.0.0/16", DROP, .feed_id = 1, .range_id = 2, .tag = 2 },
	{ "10.1.2.0/24", TAG, .feed_id = 1, .range_id = 3, .tag = 3 },
	{ "10.1.2.3/32", ALLOW, .feed_id = 0, .range_id = 4, .tag = 4 },
};
static const struct want_spec chain_w[] = {
	{ "10.0.0.0/8", COUNT, .feed_id = 1, .range_id = 1, .tag = 1 },
	{ "10.1.0.0/16", DROP, .feed_id = 1, .range_id = 2, .tag = 2 },
	{ "10.1.2.0/24", DROP, .feed_id = 1, .range_id = 2, .tag = 2 },
	{ "10.1.2.3/32", ALLOW, .feed_id = 0, .range_id = 4, .tag = 4 },
};
PREC_CASE(nested_chain, chain_r, chain_w);

/* a weaker middle level must not hide the stronger ancestor */
static const struct rule_spec weak_middle_r[] = {
	{ "10.0.0.0/8", DROP, .feed_id = 1, .range_id = 1, .tag = 1 },
	{ "10.1.0.0/16", COUNT, .feed_id = 1, .range_id = 2, .tag = 2 },
	{ "10.1.2.0/24", COUNT, .feed_id = 1, .range_id = 3, .tag = 3 },
	{ "10.1.2.128/25", TAG, .feed_id = 1, .range_id = 4, .tag = 4 },
};
static const struct want_spec weak_middle_w[] = {
	{ "10.0.0.0/8", DROP, .feed_id = 1, .range_id = 1, .tag = 1 },
	{ "10.1.0.0/16", DROP, .feed_id = 1, .range_id = 1, .tag = 1 },
	{ "10.1.2.0/24", DROP, .feed_id = 1, .range_id = 1, .tag = 1 },
	{ "10.1.2.128/25", DROP, .feed_id = 1, .range_id = 1, .tag = 1 },
};
PREC_CASE(weaker_middle_keeps_ancestor, weak_middle_r, weak_middle_w);

/* siblings under a count: neither leaks into the other or its children */
static const struct rule_spec siblings_r[] = {
	{ "10.1.0.0/16", COUNT, .feed_id = 1, .range_id = 1, .tag = 1 },
	{ "10.1.1.0/24", DROP, .feed_id = 1, .range_id = 2, .tag = 2 },
	{ "10.1.2.0/24", TAG, .feed_id = 1, .range_id = 3, .tag = 3 },
	{ "10.1.2.5/32", COUNT, .feed_id = 1, .range_id = 4, .tag = 4 },
	{ "10.1.3.0/24", COUNT, .feed_id = 1, .range_id = 5, .tag = 5 },
};
static const struct want_spec siblings_w[] = {
	{ "10.1.0.0/16", COUNT, .feed_id = 1, .range_id = 1, .tag = 1 },
	{ "10.1.1.0/24", DROP, .feed_id = 1, .range_id = 2, .tag = 2 },
	{ "10.1.2.0/24", TAG, .feed_id = 1, .range_id = 3, .tag = 3 },
	{ "10.1.2.5/32", TAG, .feed_id = 1, .range_id = 3, .tag = 3 },
	{ "10.1.3.0/24", COUNT, .feed_id = 1, .range_id = 5, .tag = 5 },
};
PREC_CASE(siblings_do_not_leak, siblings_r, siblings_w);

/* back up a deep branch, then down another: the stack must unwind */
static const struct rule_spec unwind_r[] = {
	{ "10.0.0.0/8", COUNT, .feed_id = 1, .range_id = 1 },
	{ "10.1.0.0/16", DROP, .feed_id = 1, .range_id = 2 },
	{ "10.1.1.0/24", COUNT, .feed_id = 1, .range_id = 3 },
	{ "10.1.1.1/32", COUNT, .feed_id = 1, .range_id = 4 },
	{ "10.2.0.0/16", COUNT, .feed_id = 1, .range_id = 5 },
	{ "10.2.1.0/24", COUNT, .feed_id = 1, .range_id = 6 },
	{ "11.0.0.0/8", COUNT, .feed_id = 1, .range_id = 7 },
};
static const struct want_spec unwind_w[] = {
	{ "10.0.0.0/8", COUNT, .feed_id = 1, .range_id = 1 },
	{ "10.1.0.0/16", DROP, .feed_id = 1, .range_id = 2 },
	{ "10.1.1.0/24", DROP, .feed_id = 1, .range_id = 2 },
	{ "10.1.1.1/32", DROP, .feed_id = 1, .range_id = 2 },
	{ "10.2.0.0/16", COUNT, .feed_id = 1, .range_id = 5 },
	{ "10.2.1.0/24", COUNT, .feed_id = 1, .range_id = 6 },
	{ "11.0.0.0/8", COUNT, .feed_id = 1, .range_id = 7 },
};
PREC_CASE(branch_unwinds, unwind_r, unwind_w);

/* both families in one set, including v6 bytes that equal a v4 prefix */
static const struct rule_spec families_r[] = {
	{ "0.0.0.0/0", DROP, .feed_id = 1, .range_id = 1, .tag = 1 },
	{ "::/0", COUNT, .feed_id = 1, .range_id = 2, .tag = 2 },
	{ "192.0.2.0/24", COUNT, .feed_id = 1, .range_id = 3, .tag = 3 },
	{ "c000:200::/24", TAG, .feed_id = 1, .range_id = 4, .tag = 4 },
	{ "2001:db8::/32", TAG, .feed_id = 1, .range_id = 5, .tag = 5 },
	{ "2001:db8::1/128", COUNT, .feed_id = 1, .range_id = 6, .tag = 6 },
};
static const struct want_spec families_w[] = {
	{ "0.0.0.0/0", DROP, .feed_id = 1, .range_id = 1, .tag = 1 },
	{ "192.0.2.0/24", DROP, .feed_id = 1, .range_id = 1, .tag = 1 },
	{ "::/0", COUNT, .feed_id = 1, .range_id = 2, .tag = 2 },
	{ "2001:db8::/32", TAG, .feed_id = 1, .range_id = 5, .tag = 5 },
	{ "2001:db8::1/128", TAG, .feed_id = 1, .range_id = 5, .tag = 5 },
	{ "c000:200::/24", TAG, .feed_id = 1, .range_id = 4, .tag = 4 },
};
PREC_CASE(families_do_not_interfere, families_r, families_w);

static const struct rule_spec allow_in_drop_r[] = {
	{ "203.0.113.0/24", DROP, .feed_id = 2, .range_id = 1, .tag = 1 },
	{ "203.0.113.64/26", ALLOW, .feed_id = 0, .range_id = 2, .tag = 0 },
	{ "203.0.113.64/28", DROP, .feed_id = 3, .range_id = 3, .tag = 3 },
};
static const struct want_spec allow_in_drop_w[] = {
	{ "203.0.113.0/24", DROP, .feed_id = 2, .range_id = 1, .tag = 1 },
	{ "203.0.113.64/26", ALLOW, .feed_id = 0, .range_id = 2, .tag = 0 },
	{ "203.0.113.64/28", ALLOW, .feed_id = 0, .range_id = 2, .tag = 0 },
};
PREC_CASE(allow_inside_drop, allow_in_drop_r, allow_in_drop_w);

static const struct rule_spec drop_in_allow_r[] = {
	{ "2001:db8::/32", ALLOW, .feed_id = 0, .range_id = 10, .tag = 0 },
	{ "2001:db8:bad::/48", DROP, .feed_id = 1, .range_id = 11, .tag = 7 },
	{ "2001:db8:bad::1/128", TAG, .feed_id = 1, .range_id = 12, .tag = 8 },
	{ "2001:db9::/32", DROP, .feed_id = 1, .range_id = 13, .tag = 9 },
};
static const struct want_spec drop_in_allow_w[] = {
	{ "2001:db8::/32", ALLOW, .feed_id = 0, .range_id = 10, .tag = 0 },
	{ "2001:db8:bad::/48", ALLOW, .feed_id = 0, .range_id = 10, .tag = 0 },
	{ "2001:db8:bad::1/128", ALLOW, .feed_id = 0, .range_id = 10, .tag = 0 },
	{ "2001:db9::/32", DROP, .feed_id = 1, .range_id = 13, .tag = 9 },
};
PREC_CASE(drop_inside_allow, drop_in_allow_r, drop_in_allow_w);

/* equal action along a chain: the most specific decides, whatever its
 * feed; the deciding rule's range, tag and feed are carried */
static const struct rule_spec equal_nested_r[] = {
	{ "10.0.0.0/8", TAG, .feed_id = 1, .range_id = 100, .tag = 0xaaaa },
	{ "10.0.0.0/8", TAG, .feed_id = 9, .range_id = 1, .tag = 0xbbbb },
	{ "10.20.0.0/16", TAG, .feed_id = 7, .range_id = 200, .tag = 0xcccc },
	{ "10.20.30.0/24", COUNT, .feed_id = 0, .range_id = 300, .tag = 0xdddd },
	{ "10.21.0.0/16", COUNT, .feed_id = 0, .range_id = 400, .tag = 0xeeee },
};
static const struct want_spec equal_nested_w[] = {
	{ "10.0.0.0/8", TAG, .feed_id = 1, .range_id = 100, .tag = 0xaaaa },
	{ "10.20.0.0/16", TAG, .feed_id = 7, .range_id = 200, .tag = 0xcccc },
	{ "10.20.30.0/24", TAG, .feed_id = 7, .range_id = 200, .tag = 0xcccc },
	{ "10.21.0.0/16", TAG, .feed_id = 1, .range_id = 100, .tag = 0xaaaa },
};
PREC_CASE(fields_of_decider_carried, equal_nested_r, equal_nested_w);

/* The brute force the computation must agree with: among the rules that
 * contain the address, allow wins; else the highest action; then the
 * longest prefix, the lower feed id, the lower range id. */
static bool beats(const struct xf_rule *a, const struct xf_rule *b)
{
	if ((a->action == ALLOW) != (b->action == ALLOW))
		return a->action == ALLOW;
	if (a->action != b->action)
		return a->action > b->action;
	if (a->prefix.len != b->prefix.len)
		return a->prefix.len > b->prefix.len;
	if (a->feed_id != b->feed_id)
		return a->feed_id < b->feed_id;
	return a->range_id < b->range_id;
}

static const struct xf_rule *brute_force(const struct xf_rule *rules, size_t n,
					 const struct xf_addr *a)
{
	const struct xf_rule *best = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if (ref_contains_addr(&rules[i].prefix, a) && (!best || beats(&rules[i], best)))
			best = &rules[i];
	return best;
}

/* What the data plane does with the output: the longest prefix. */
static const struct xf_effective *longest_match(const struct xf_effective *eff, size_t n,
						const struct xf_addr *a)
{
	const struct xf_effective *best = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if (ref_contains_addr(&eff[i].prefix, a) && (!best || eff[i].prefix.len > best->prefix.len))
			best = &eff[i];
	return best;
}

/* Random rules around a few base addresses per family so that they nest
 * deeply, share prefixes and have siblings; some prefixes named twice. */
static void random_rules(struct xf_rule *rules, size_t n)
{
	struct xf_prefix bases[6];
	__u32 *ids = calloc(n, sizeof(*ids));
	size_t i, k;

	assert_non_null(ids);
	for (i = 0; i < ARRAY_SIZE(bases); i++) {
		bases[i].family = i < 4 ? XF_FAMILY_V4 : XF_FAMILY_V6;
		rnd_bytes(bases[i].addr, sizeof(bases[i].addr));
		ref_mask(bases[i].addr, ref_family_bits(bases[i].family));
	}
	/* unique range ids in random order: no correlation with anything */
	for (i = 0; i < n; i++)
		ids[i] = (__u32)i + 1;
	for (i = n; i > 1; i--) {
		__u32 t = ids[i - 1];

		k = rnd_below((unsigned int)i);
		ids[i - 1] = ids[k];
		ids[k] = t;
	}
	for (i = 0; i < n; i++) {
		struct xf_rule *r = &rules[i];
		unsigned int pick = rnd_below(100), bits, cut, b;

		memset(r, 0, sizeof(*r));
		if (i && pick < 15) {
			r->prefix = rules[rnd_below((unsigned int)i)].prefix;
		} else {
			r->prefix = bases[rnd_below(ARRAY_SIZE(bases))];
			bits = ref_family_bits(r->prefix.family);
			/* keep the base's bits up to cut, randomize the rest */
			cut = rnd_below(bits + 1);
			for (b = cut; b < bits; b++)
				ref_set_bit(r->prefix.addr, b, rnd_below(2));
			r->prefix.len = (__u8)rnd_below(bits + 1);
			ref_mask(r->prefix.addr, r->prefix.len);
		}
		pick = rnd_below(100);
		r->action = pick < 10 ? ALLOW : pick < 40 ? DROP : pick < 70 ? TAG : COUNT;
		r->feed_id = (__u8)rnd_below(4);
		r->range_id = ids[i];
		r->tag = (__u32)rnd();
	}
	free(ids);
}

/* An address to probe: inside a rule, at its edges, just outside, or
 * anywhere near the bases. */
static void random_addr(const struct xf_rule *rules, size_t n, struct xf_addr *a)
{
	const struct xf_prefix *p = &rules[rnd_below((unsigned int)n)].prefix;
	unsigned int pick = rnd_below(100), bits = ref_family_bits(p->family), b;
	int i;

	memset(a, 0, sizeof(*a));
	a->family = p->family;
	memcpy(a->addr, p->addr, sizeof(a->addr));
	if (pick < 45) { /* inside */
		for (b = p->len; b < bits; b++)
			ref_set_bit(a->addr, b, rnd_below(2));
	} else if (pick < 60) { /* first address: already */
	} else if (pick < 75) { /* last address */
		for (b = p->len; b < bits; b++)
			ref_set_bit(a->addr, b, 1);
	} else if (pick < 85) { /* just before the first */
		for (i = (int)bits / 8 - 1; i >= 0; i--)
			if (a->addr[i]-- != 0)
				break;
	} else if (pick < 95) { /* just after the last */
		for (b = p->len; b < bits; b++)
			ref_set_bit(a->addr, b, 1);
		for (i = (int)bits / 8 - 1; i >= 0; i--)
			if (a->addr[i]++ != 0xff)
				break;
	} else { /* near: flip a random bit */
		b = rnd_below(bits);
		ref_set_bit(a->addr, b, !ref_bit(a->addr, b));
	}
}

static void test_random_against_brute_force(void **state)
{
	const unsigned int rounds = 60, probes = 4000;
	struct xf_rule *rules;
	unsigned int round, i, mismatches = 0;
	/* coverage, printed so a weak generator shows: probes that matched,
	 * and that were decided by a rule other than the longest match */
	unsigned long matched = 0, by_ancestor = 0, total = 0;
	__u64 seed;

	(void)state;
	seed = rnd_seed("random_against_brute_force");
	check_begin();
	rules = calloc(400, sizeof(*rules));
	assert_non_null(rules);
	for (round = 0; round < rounds && !mismatches; round++) {
		size_t n = 100 + rnd_below(301), eff_n;
		struct xf_effective *eff;
		char ctx[96];
		int err;

		random_rules(rules, n);
		snprintf(ctx, sizeof(ctx), "seed %llu round %u (%zu rules)",
			 (unsigned long long)seed, round, n);
		err = xf_precedence_compute(rules, n, &eff, &eff_n);
		check_int(ctx, "return", err, 0);
		if (err)
			break;
		check_output_shape(ctx, rules, n, eff, eff_n);
		for (i = 0; i < probes; i++) {
			const struct xf_rule *want;
			const struct xf_effective *got;
			struct xf_addr a;

			random_addr(rules, n, &a);
			want = brute_force(rules, n, &a);
			got = longest_match(eff, eff_n, &a);
			total++;
			matched += want != NULL;
			by_ancestor += want && got && !ref_prefix_same(&want->prefix, &got->prefix);
			if (!want && !got)
				continue;
			if (want && got && got->decision.action == want->action &&
			    got->decision.range_id == want->range_id &&
			    got->decision.tag == want->tag && got->decision.feed_id == want->feed_id)
				continue;
			mismatches++;
			if (mismatches > 10)
				continue;
			check(false,
			      "%s: %s: longest match %s gives %s range %u tag %u feed %u, brute force gives %s range %u tag %u feed %u (rule %s)",
			      ctx, addr_text(&a).s, got ? pfx_text(&got->prefix).s : "none",
			      got ? xf_action_name(got->decision.action) : "-",
			      got ? got->decision.range_id : 0, got ? got->decision.tag : 0,
			      got ? got->decision.feed_id : 0,
			      want ? xf_action_name(want->action) : "-", want ? want->range_id : 0,
			      want ? want->tag : 0, want ? want->feed_id : 0,
			      want ? pfx_text(&want->prefix).s : "none");
		}
		free(eff);
	}
	free(rules);
	print_message("%lu probes, %lu matched a rule, %lu decided by a shorter prefix\n", total,
		      matched, by_ancestor);
	check(mismatches == 0, "%u mismatching probes", mismatches);
	check_end();
}

#define CASE(c) { .name = #c, .test_func = run_case, .initial_state = (void *)&c }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		CASE(one_rule),
		CASE(duplicate_prefix_equal_action),
		CASE(duplicate_prefix_stronger_action),
		CASE(duplicate_prefix_same_feed),
		CASE(nested_chain),
		CASE(weaker_middle_keeps_ancestor),
		CASE(siblings_do_not_leak),
		CASE(branch_unwinds),
		CASE(families_do_not_interfere),
		CASE(allow_inside_drop),
		CASE(drop_inside_allow),
		CASE(fields_of_decider_carried),
		cmocka_unit_test(test_random_against_brute_force),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
