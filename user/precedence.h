/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The precedence rules, computed once in userspace so the packet path does
 * one lookup: for every prefix that some rule names, the decision for the
 * addresses whose longest match it is.
 *   - the allowlist always wins (ALLOW is the strongest action);
 *   - otherwise, among all ranges containing the address, the strongest
 *     action wins (drop > tag > count), even over a more specific range;
 *   - among equally strong ranges the most specific decides; for the same
 *     prefix named twice, the lower feed id, then the lower range id.
 * The deciding range's id goes into the decision, so counters go there. */
#ifndef XF_PRECEDENCE_H
#define XF_PRECEDENCE_H

#include <stddef.h>

#include "addr.h"

struct xf_rule {
	struct xf_prefix prefix;
	__u32 range_id;
	__u32 tag;
	__u8 action; /* enum xf_action */
	__u8 feed_id;
};

struct xf_effective {
	struct xf_prefix prefix;
	struct xf_decision decision;
};

/* Sorted by xf_prefix_cmp, one entry per distinct prefix. *out is
 * malloc'ed (NULL when n == 0). Returns 0 or -ENOMEM. */
int xf_precedence_compute(const struct xf_rule *rules, size_t n, struct xf_effective **out,
			  size_t *out_n);

/* Is rule a stronger than rule b when both contain an address? Used by the
 * computation above and by `lookup` to explain the answer. */
int xf_rule_strength_cmp(const struct xf_rule *a, const struct xf_rule *b);

#endif /* XF_PRECEDENCE_H */
