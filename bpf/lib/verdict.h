/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The exit funnel: every packet leaves through xf_exit(), which records the
 * verdict and its reason, counts it globally and per range, emits sampled
 * events, adds the tag metadata and turns the verdict into an XDP action. */
#ifndef XF_BPF_VERDICT_H
#define XF_BPF_VERDICT_H

#include "counters.h"
#include "events.h"

struct xf_result {
	__u32 verdict; /* enum xf_verdict */
	__u32 reason;  /* enum xf_reason */
	__u32 outcome; /* enum xf_outcome, XF_OUTCOME_MAX when no range decided */
};

/* What a blocklist/allowlist decision means for this packet. */
static __always_inline struct xf_result xf_resolve(const struct xf_config *cfg,
						   const struct xf_decision *d)
{
	switch (d->action) {
	case XF_ACTION_ALLOW:
		return (struct xf_result){ XF_VERDICT_PASS, XF_REASON_ALLOWLIST, XF_OUTCOME_ALLOW };
	case XF_ACTION_DROP:
		if (cfg->dry_run)
			return (struct xf_result){ XF_VERDICT_PASS, XF_REASON_DRY_RUN,
						   XF_OUTCOME_DRY_RUN };
		return (struct xf_result){ XF_VERDICT_DROP, XF_REASON_BLOCK_DROP, XF_OUTCOME_DROP };
	case XF_ACTION_TAG:
		return (struct xf_result){ XF_VERDICT_TAG, XF_REASON_BLOCK_TAG, XF_OUTCOME_TAG };
	case XF_ACTION_COUNT:
		return (struct xf_result){ XF_VERDICT_PASS, XF_REASON_MONITOR, XF_OUTCOME_MONITOR };
	}
	return (struct xf_result){ XF_VERDICT_PASS, XF_REASON_CLEAN, XF_OUTCOME_MAX };
}

/* The verdict for a packet that never reached the lookup. */
static __always_inline struct xf_result xf_unmatched(const struct xf_config *cfg, __u32 reason)
{
	__u32 verdict = XF_VERDICT_PASS;

	if (reason >= XF_REASON_MALFORMED_FIRST && reason <= XF_REASON_MALFORMED_LAST &&
	    cfg->malformed_verdict == XF_VERDICT_DROP)
		verdict = XF_VERDICT_DROP;
	return (struct xf_result){ verdict, reason, XF_OUTCOME_MAX };
}

/* Prepend the tag for the tc companion. Returns false when the driver
 * cannot give us metadata room; the packet then passes untagged. */
static __always_inline bool xf_write_tag(struct xdp_md *ctx, __u32 tag)
{
	struct xf_meta *meta;
	void *data;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)))
		return false;
	meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if ((void *)(meta + 1) > data)
		return false;
	meta->tag = tag;
	meta->magic = XF_META_MAGIC;
	return true;
}

static __always_inline int xf_exit(struct xdp_md *ctx, const struct xf_config *cfg,
				   const struct xf_packet *pkt, const struct xf_decision *d,
				   struct xf_result res, __u64 bytes)
{
	if (res.verdict == XF_VERDICT_TAG && d && !xf_write_tag(ctx, d->tag)) {
		/* passed untagged: for the range it is a "would tag" */
		res.verdict = XF_VERDICT_PASS;
		res.reason = XF_REASON_TAG_NO_META;
		res.outcome = XF_OUTCOME_MONITOR;
	}
	xf_count_global(res.reason, res.verdict, bytes);
	if (d && res.outcome < XF_OUTCOME_MAX) {
		xf_count_range(cfg, d, res.outcome, bytes);
		if (res.outcome != XF_OUTCOME_ALLOW)
			xf_event_emit(cfg, ctx->ingress_ifindex, pkt, d, res.verdict, res.reason);
	}
	return res.verdict == XF_VERDICT_DROP ? XDP_DROP : XDP_PASS;
}

#endif /* XF_BPF_VERDICT_H */
