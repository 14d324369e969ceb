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

/* Counts on the range's way in its set; a range without one ages the
 * set's ways and takes over one whose credit has run out; otherwise the
 * packet goes to the unattributed set. */
static __always_inline void xf_count_range_way(const struct xf_config *cfg,
					       const struct xf_decision *d, __u32 outcome,
					       __u64 bytes)
{
	__u32 ref = d->range_id + 1, idx = xf_range_set_of(d->range_id, cfg->range_set_mask);
	__u32 extra = cfg->range_set_mask + 1, w, victim = 0;
	struct xf_range_set *set, *rest;

	set = bpf_map_lookup_elem(&xf_range_stats, &idx);
	if (!set)
		return;
	for (w = 0; w < XF_RANGE_WAYS; w++)
		if (set->ref[w] == ref)
			break;
	if (w < XF_RANGE_WAYS) {
		if (set->credit[w] < XF_RANGE_CREDIT_MAX)
			set->credit[w]++;
		xf_count(&set->way[w].outcome[outcome], bytes);
		return;
	}
	rest = bpf_map_lookup_elem(&xf_range_stats, &extra);
	for (w = 0; w < XF_RANGE_WAYS; w++)
		if (!set->ref[w])
			break;
	if (w < XF_RANGE_WAYS) {
		victim = w; /* a free way */
		goto take;
	}
	/* a full set: a range without a way ages every way of it; ways that
	 * carry traffic earn their credit back, ways of ranges gone quiet (or
	 * removed) run out and are taken over */
	for (w = 0; w < XF_RANGE_WAYS; w++)
		if (set->credit[w])
			set->credit[w]--;
	for (w = 1; w < XF_RANGE_WAYS; w++)
		if (set->credit[w] < set->credit[victim])
			victim = w;
	if (set->credit[victim]) {
		if (rest)
			xf_count(&rest->way[0].outcome[outcome], bytes);
		return;
	}
	if (set->ref[victim] && rest) {
		/* the counts of the range pushed out stay in the totals */
		for (w = 0; w < XF_OUTCOME_MAX; w++) {
			rest->way[0].outcome[w].packets += set->way[victim].outcome[w].packets;
			rest->way[0].outcome[w].bytes += set->way[victim].outcome[w].bytes;
		}
	}
take:
	set->ref[victim] = ref;
	set->credit[victim] = 1;
	__builtin_memset(&set->way[victim], 0, sizeof(set->way[victim]));
	xf_count(&set->way[victim].outcome[outcome], bytes);
}

static __always_inline void xf_count_range(const struct xf_config *cfg,
					   const struct xf_decision *d, __u32 outcome, __u64 bytes)
{
	struct xf_range_counters *rc;
	__u32 feed = d->feed_id;

	if (outcome >= XF_OUTCOME_MAX)
		return;
	xf_count_range_way(cfg, d, outcome, bytes);
	rc = bpf_map_lookup_elem(&xf_feed_stats, &feed);
	if (rc)
		xf_count(&rc->outcome[outcome], bytes);
}

#endif /* XF_BPF_COUNTERS_H */
