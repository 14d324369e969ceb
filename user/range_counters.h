/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Per-range counters: the xf_range_stats per-CPU array of struct
 * xf_range_set, a set-associative cache of the ranges that see traffic (see
 * include/xdpfence_abi.h). Reading one range looks at its set on every
 * CPU; reading them all walks the (bounded) array once. */
#ifndef XF_RANGE_COUNTERS_H
#define XF_RANGE_COUNTERS_H

#include <stddef.h>

#include "state.h"

struct xf_range_total {
	__u32 range_id;
	struct xf_counter outcome[XF_OUTCOME_MAX];
};

/* Sum over CPUs of one range's counters (zero when it holds no way). */
int xf_range_counters_read(const struct xf_state *st, __u32 range_id,
			   struct xf_counter sum[XF_OUTCOME_MAX]);

/* What no range holds: packets not attributed to a range while the sets
 * were full, and the counts of ranges pushed out of them. */
int xf_range_counters_unattributed(const struct xf_state *st, struct xf_counter sum[XF_OUTCOME_MAX]);

/* Every range with counters, summed over CPUs, sorted by range id.
 * *out is malloc'ed (NULL when *n == 0). */
int xf_range_counters_collect(const struct xf_state *st, struct xf_range_total **out, size_t *n);
/* The total of range_id in a collected array, or NULL. */
const struct xf_range_total *xf_range_totals_find(const struct xf_range_total *totals, size_t n,
						  __u32 range_id);

/* Mark in held (st->max_ids entries) every range id a counter way holds. */
int xf_range_counters_held(const struct xf_state *st, __u8 *held);

/* Drop the counters of every range id i with forget[i] set (forget has
 * st->max_ids entries): ids about to be given to new ranges start at zero.
 * Rewrites whole sets on every CPU: a packet counted on another way of the
 * set meanwhile can be lost, so commits give out held ids only when no
 * other is free. */
int xf_range_counters_forget(const struct xf_state *st, const __u8 *forget);

#endif /* XF_RANGE_COUNTERS_H */
