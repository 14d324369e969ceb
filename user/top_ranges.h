/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Which ranges get per-range series in /metrics: the top N by recent
 * drops. The counters themselves stay cumulative (they are Prometheus
 * counters); only the choice looks at what changed recently: against a
 * snapshot of the drops taken one to two windows ago, so that a range that
 * dropped a lot last week gives its place to the one dropping now. Without
 * a history (a one-shot `xdpfence metrics`) the drops since the range was
 * created decide. Ties: all-time drops, then packets acted on (tagged,
 * would block, dry-run), then all packets, then the range id. */
#ifndef XF_TOP_RANGES_H
#define XF_TOP_RANGES_H

#include <stdbool.h>
#include <stddef.h>

#include "range_counters.h"

#define XF_TOP_RANGES_WINDOW 300 /* seconds: recent = the last 5 to 10 minutes */

struct xf_drop_sample {
	__u32 range_id;
	__u64 dropped;
};

struct xf_drop_history {
	double window;
	bool started;
	double next_at;		     /* when `next` was taken */
	struct xf_drop_sample *base; /* the drops recent ones are counted from */
	struct xf_drop_sample *next; /* the base to come, taken at next_at */
	size_t nbase, nnext;
};

void xf_drop_history_init(struct xf_drop_history *h, double window_seconds);
void xf_drop_history_free(struct xf_drop_history *h);

/* Order the candidates (totals of ranges in force, sorted by range id)
 * and return how many of the first top_n have any packet; order[] (room
 * for n) gets their indexes, best first. With a history, it is brought up
 * to now (seconds, any monotonic clock) first. Returns -ENOMEM on failure. */
long xf_top_ranges(const struct xf_range_total *totals, size_t n, struct xf_drop_history *h,
		   double now, size_t top_n, size_t *order);

#endif /* XF_TOP_RANGES_H */
