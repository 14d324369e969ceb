/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Counter updates. Every counter is per-CPU (per-CPU arrays, or per-range
 * entries keyed by CPU): XDP runs in softirq with one packet at a time per
 * CPU, so plain increments are race-free. */
#ifndef XF_BPF_COUNTERS_H
#define XF_BPF_COUNTERS_H

#include "maps.h"

static __always_inline void xf_count(struct xf_counter *c, __u64 bytes)
{
	c->packets++;
	c->bytes += bytes;
}

static __always_inline void xf_count_global(__u32 reason, __u32 verdict, __u64 bytes)
{
	__u32 idx = XF_GLOBAL_INDEX(reason, verdict);
	struct xf_counter *c = bpf_map_lookup_elem(&xf_global_stats, &idx);

	if (c)
		xf_count(c, bytes);
}

static __always_inline void xf_count_range(const struct xf_decision *d, __u32 outcome,
					   __u64 bytes)
{
	struct xf_range_counter_key key = {
		.range_id = d->range_id,
		.cpu = bpf_get_smp_processor_id(),
	};
	struct xf_range_counters *rc;
	__u32 feed = d->feed_id;

	if (outcome >= XF_OUTCOME_MAX)
		return;
	rc = bpf_map_lookup_elem(&xf_range_stats, &key);
	if (rc) {
		xf_count(&rc->outcome[outcome], bytes);
	} else {
		/* first packet of this range on this CPU (or since eviction) */
		struct xf_range_counters first = {};

		xf_count(&first.outcome[outcome], bytes);
		bpf_map_update_elem(&xf_range_stats, &key, &first, BPF_NOEXIST);
	}
	rc = bpf_map_lookup_elem(&xf_feed_stats, &feed);
	if (rc)
		xf_count(&rc->outcome[outcome], bytes);
}

#endif /* XF_BPF_COUNTERS_H */
