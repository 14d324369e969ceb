/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Per-range counters: the xf_range_stats LRU hash holds one entry per
 * range and CPU for the ranges that see traffic. Reading one range looks
 * up its entry on every CPU; reading many walks the (bounded) hash once. */
#ifndef XF_RANGE_COUNTERS_H
#define XF_RANGE_COUNTERS_H

#include <stddef.h>

#include "state.h"

struct xf_range_total {
	__u32 range_id;
	struct xf_counter outcome[XF_OUTCOME_MAX];
};

/* Sum over CPUs of one range's counters (zero when it saw no traffic). */
int xf_range_counters_read(const struct xf_state *st, __u32 range_id,
			   struct xf_counter sum[XF_OUTCOME_MAX]);

/* Every range with counters, summed over CPUs, sorted by range id.
 * *out is malloc'ed (NULL when *n == 0). */
int xf_range_counters_collect(const struct xf_state *st, struct xf_range_total **out, size_t *n);
/* The total of range_id in a collected array, or NULL. */
const struct xf_range_total *xf_range_totals_find(const struct xf_range_total *totals, size_t n,
						  __u32 range_id);

/* Drop the counters of every range id i with forget[i] set (forget has
 * st->max_ids entries): ids about to be given to new ranges start at zero. */
int xf_range_counters_forget(const struct xf_state *st, const __u8 *forget);

#endif /* XF_RANGE_COUNTERS_H */
