// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Bench-only build, never attached: the baselines and the real packet path
 * measured with BPF_PROG_TEST_RUN in one run.
 *   xf_bench_drop        a bare XDP_DROP
 *   xf_bench_parse       parse Ethernet..L4, then XDP_DROP
 *   xf_bench_filter      the real path (lib/filter.h), source from the packet:
 *                        one repeated packet, cache-hot
 *   xf_bench_filter_cold the real path with the source taken from
 *                        xf_bench_addrs, a different one each packet
 *                        (round robin), so lookups are cache-cold
 * The maps are the pinned state's (the bench loader reuses them), so the
 * rules under test are committed through the real control path. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/filter.h"

#define XF_BENCH_MAX_ADDRS (1 << 20)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xf_addr);
	__uint(max_entries, XF_BENCH_MAX_ADDRS); /* set at load */
} xf_bench_addrs SEC(".maps");

/* per-CPU position in xf_bench_addrs */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} xf_bench_cursor SEC(".maps");

const volatile __u32 xf_bench_naddrs = 1; /* set before load */

SEC("xdp")
int xf_bench_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp")
int xf_bench_parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	struct xf_packet pkt = {};
	struct xf_cursor cursor;

	xf_cursor_init(&cursor, data, (void *)(long)ctx->data_end);
	return xf_parse_packet(&cursor, data, &pkt) == XF_PARSE_OK ? XDP_DROP : XDP_ABORTED;
}

SEC("xdp")
int xf_bench_filter(struct xdp_md *ctx)
{
	return xf_filter(ctx, NULL);
}

SEC("xdp")
int xf_bench_filter_cold(struct xdp_md *ctx)
{
	const struct xf_addr *src;
	__u32 zero = 0, idx;
	__u32 *pos;

	pos = bpf_map_lookup_elem(&xf_bench_cursor, &zero);
	if (!pos)
		return XDP_ABORTED;
	idx = *pos;
	*pos = idx + 1 < xf_bench_naddrs ? idx + 1 : 0;
	src = bpf_map_lookup_elem(&xf_bench_addrs, &idx);
	if (!src)
		return XDP_ABORTED;
	return xf_filter(ctx, src);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
