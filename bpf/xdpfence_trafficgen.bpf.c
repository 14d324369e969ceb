// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Traffic generator for the live benchmark and its e2e test, never part of
 * the filter. Run with BPF_PROG_RUN in live-frames mode
 * (BPF_F_TEST_XDP_LIVE_FRAMES) on one frame template, xf_tgen_tx gives each
 * frame the next source address of xf_tgen_srcs (round robin, with the
 * checksums the loader computed for it) and returns XDP_TX: the kernel then
 * transmits it out of the interface named in the test run's context, so a
 * veth sends it to its peer.
 *   xf_tgen_tx    the generator
 *   xf_tgen_drop  a bare XDP_DROP: the receiver-side baseline of the bench
 * The template is Ethernet + IPv4 (any IHL) or IPv6 + UDP. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "trafficgen.h"

#define ETH_P_IP     0x0800
#define ETH_P_IPV6   0x86DD
#define IPV4_MIN_IHL 5

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xf_tgen_src);
	__uint(max_entries, XF_TGEN_MAX_SRCS); /* set at load */
} xf_tgen_srcs SEC(".maps");

/* Position in xf_tgen_srcs. One array slot, not per-CPU: the loader's
 * successive test runs may land on different CPUs, and frame i must get
 * source i mod n. It has one writer at a time (the loader runs one test run
 * after the other, each on one CPU), so no atomics are needed. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} xf_tgen_cursor SEC(".maps");

const volatile __u32 xf_tgen_nsrcs = 1; /* set before load */

static __always_inline const struct xf_tgen_src *next_source(void)
{
	__u32 zero = 0, idx;
	__u32 *pos;

	pos = bpf_map_lookup_elem(&xf_tgen_cursor, &zero);
	if (!pos)
		return NULL;
	idx = *pos;
	*pos = idx + 1 < xf_tgen_nsrcs ? idx + 1 : 0;
	return bpf_map_lookup_elem(&xf_tgen_srcs, &idx);
}

SEC("xdp")
int xf_tgen_tx(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	const struct xf_tgen_src *src;
	struct ethhdr *eth = data;
	struct udphdr *udp;

	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	src = next_source();
	if (!src)
		return XDP_ABORTED;

	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->ihl < IPV4_MIN_IHL)
			return XDP_ABORTED;
		udp = (void *)ip + ip->ihl * 4;
		if ((void *)(udp + 1) > data_end)
			return XDP_ABORTED;
		__builtin_memcpy(&ip->saddr, src->addr, sizeof(ip->saddr));
		ip->check = src->ip_check;
		udp->check = src->udp_check;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		udp = (void *)(ip6 + 1);
		if ((void *)(udp + 1) > data_end)
			return XDP_ABORTED;
		__builtin_memcpy(&ip6->saddr, src->addr, sizeof(ip6->saddr));
		udp->check = src->udp_check;
	} else {
		return XDP_ABORTED;
	}
	/* each branch writes the UDP checksum itself: the verifier must see
	 * the bounds check on the same pointer as the write */
	return XDP_TX;
}

SEC("xdp")
int xf_tgen_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
