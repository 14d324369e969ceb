// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "precedence.h"

/* > 0 when a beats b for an address both contain. Ties in action go to the
 * more specific prefix, then to the lower feed id and range id, so the
 * result never depends on input order. */
int xf_rule_strength_cmp(const struct xf_rule *a, const struct xf_rule *b)
{
	if (a->action != b->action)
		return a->action > b->action ? 1 : -1;
	if (a->prefix.len != b->prefix.len)
		return a->prefix.len > b->prefix.len ? 1 : -1;
	if (a->feed_id != b->feed_id)
		return a->feed_id < b->feed_id ? 1 : -1;
	if (a->range_id != b->range_id)
		return a->range_id < b->range_id ? 1 : -1;
	return 0;
}

/* Ancestors before descendants; for one prefix, the strongest rule first. */
static int rule_order(const void *pa, const void *pb)
{
	const struct xf_rule *a = *(const struct xf_rule *const *)pa;
	const struct xf_rule *b = *(const struct xf_rule *const *)pb;
	int c = xf_prefix_cmp(&a->prefix, &b->prefix);

	return c ? c : -xf_rule_strength_cmp(a, b);
}

/* One enclosing prefix and the rule that decides for it. */
struct nest_level {
	const struct xf_prefix *prefix;
	const struct xf_rule *decider;
};

int xf_precedence_compute(const struct xf_rule *rules, size_t n, struct xf_effective **out,
			  size_t *out_n)
{
	const struct xf_rule **sorted = NULL;
	struct nest_level *stack = NULL;
	struct xf_effective *eff = NULL;
	size_t i, depth = 0, count = 0;
	int err = 0;

	*out = NULL;
	*out_n = 0;
	if (!n)
		return 0;
	sorted = calloc(n, sizeof(*sorted));
	stack = calloc(n, sizeof(*stack));
	eff = calloc(n, sizeof(*eff));
	if (!sorted || !stack || !eff) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < n; i++)
		sorted[i] = &rules[i];
	qsort(sorted, n, sizeof(*sorted), rule_order);

	for (i = 0; i < n; i++) {
		const struct xf_rule *r = sorted[i], *decider = r;

		/* the same prefix again: its strongest rule came first */
		if (count && xf_prefix_equal(&eff[count - 1].prefix, &r->prefix))
			continue;
		while (depth && !xf_prefix_contains(stack[depth - 1].prefix, &r->prefix))
			depth--;
		if (depth && xf_rule_strength_cmp(stack[depth - 1].decider, r) > 0)
			decider = stack[depth - 1].decider;
		/* keep the decider, not r: a weaker r must not shadow a
		 * stronger ancestor for r's own descendants */
		stack[depth++] = (struct nest_level){ &r->prefix, decider };

		eff[count].prefix = r->prefix;
		eff[count].decision = (struct xf_decision){
			.range_id = decider->range_id,
			.tag = decider->tag,
			.action = decider->action,
			.feed_id = decider->feed_id,
		};
		count++;
	}
	*out = eff;
	*out_n = count;
	eff = NULL;
cleanup:
	free(sorted);
	free(stack);
	free(eff);
	return err;
}
