/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Sampled, rate-limited drop/tag events through the ring buffer. Each CPU
 * sends at most config.event_rate events per second, and only one in
 * config.event_sample matching packets; the rest are counted as suppressed. */
#ifndef XF_BPF_EVENTS_H
#define XF_BPF_EVENTS_H

#include "maps.h"
#include "parse.h"

#define XF_NSEC_PER_SEC 1000000000ULL

/* Returns the window clock (non-zero) when an event goes out, else 0. The
 * clock is read only for packets that pass the sampling. */
static __always_inline __u64 xf_event_admit(const struct xf_config *cfg)
{
	__u32 zero = 0;
	struct xf_event_limiter *lim = bpf_map_lookup_elem(&xf_event_limit, &zero);
	__u64 now;

	if (!lim || !cfg->event_rate)
		return 0;
	if (lim->sample_countdown > 1) {
		lim->sample_countdown--;
		return 0;
	}
	lim->sample_countdown = cfg->event_sample ? cfg->event_sample : 1;
	/* the coarse clock (tick resolution) is plenty for a one-second
	 * window and costs a few ns, where the precise one costs tens in a
	 * VM on every matching packet */
	now = bpf_ktime_get_coarse_ns();
	if (now - lim->window_start_ns >= XF_NSEC_PER_SEC) {
		lim->window_start_ns = now;
		lim->sent_in_window = 0;
	}
	if (lim->sent_in_window >= cfg->event_rate) {
		lim->suppressed++;
		return 0;
	}
	lim->sent_in_window++;
	return now;
}

static __always_inline void xf_event_emit(const struct xf_config *cfg, __u32 ifindex,
					  const struct xf_packet *pkt,
					  const struct xf_decision *d, __u32 verdict,
					  __u32 reason)
{
	struct xf_event *ev;

	if (!xf_event_admit(cfg))
		return;
	ev = bpf_ringbuf_reserve(&xf_events, sizeof(*ev), 0);
	if (!ev)
		return;
	ev->timestamp_ns = bpf_ktime_get_ns(); /* precise, for the few that go out */
	ev->src = pkt->src;
	ev->dst = pkt->dst;
	ev->protocol = pkt->protocol;
	ev->dst_port = pkt->dst_port;
	ev->action = d->action;
	ev->verdict = verdict;
	ev->reason = reason;
	ev->range_id = d->range_id;
	ev->feed_id = d->feed_id;
	ev->ifindex = ifindex;
	__builtin_memset(ev->pad0, 0, sizeof(ev->pad0));
	__builtin_memset(ev->pad1, 0, sizeof(ev->pad1));
	bpf_ringbuf_submit(ev, 0);
}

#endif /* XF_BPF_EVENTS_H */
