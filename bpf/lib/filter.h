/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The whole packet path: parse, scope, look up the source, leave through
 * the exit funnel. Shared by the XDP entry program and the bench-only build
 * (bpf/xdpfence_bench.bpf.c), which may give the source address from a map
 * instead of the packet to measure cache-cold lookups. */
#ifndef XF_BPF_FILTER_H
#define XF_BPF_FILTER_H

#include "parse.h"
#include "lookup.h"
#include "scope.h"
#include "verdict.h"

static __always_inline int xf_filter(struct xdp_md *ctx, const struct xf_addr *src_override)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xf_cursor cursor;
	const struct xf_decision *decision;
	struct xf_decision decision_buf;
	struct xf_packet pkt = {};
	struct xf_config *cfg;
	__u64 bytes = data_end - data;
	int ret;

	cfg = xf_config_get();
	if (!cfg)
		return XDP_PASS;

	xf_cursor_init(&cursor, data, data_end);
	ret = xf_parse_packet(&cursor, data, &pkt);
	if (ret != XF_PARSE_OK)
		return xf_exit(ctx, cfg, &pkt, NULL, xf_unmatched(cfg, ret), bytes);
	if (src_override)
		pkt.src = *src_override;
	if (cfg->scope_enabled && !xf_in_scope(&pkt))
		return xf_exit(ctx, cfg, &pkt, NULL, xf_unmatched(cfg, XF_REASON_OUT_OF_SCOPE),
			       bytes);

	decision = xf_lookup_source(cfg, &pkt.src, &decision_buf);
	if (!decision)
		return xf_exit(ctx, cfg, &pkt, NULL, xf_unmatched(cfg, XF_REASON_CLEAN), bytes);
	if (cfg->new_conn_only && !pkt.is_new && decision->action != XF_ACTION_ALLOW)
		return xf_exit(ctx, cfg, &pkt, NULL, xf_unmatched(cfg, XF_REASON_ESTABLISHED),
			       bytes);
	return xf_exit(ctx, cfg, &pkt, decision, xf_resolve(cfg, decision), bytes);
}

#endif /* XF_BPF_FILTER_H */
