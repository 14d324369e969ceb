/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Bounds-checked packet parsing shared by the XDP and tc programs.
 * Every helper checks that its header fits before reading it, advances the
 * cursor past it, and returns XF_PARSE_OK or the reason the packet is not
 * a well-formed IP packet. Nothing here loops without a fixed bound. */
#ifndef XF_BPF_PARSE_H
#define XF_BPF_PARSE_H

#include "xdpfence_abi.h"
#include "compiler.h"

#define XF_PARSE_OK XF_REASON_CLEAN

struct xf_cursor {
	void *pos;
	void *end;   /* end of the frame: what the verifier checks against */
	void *limit; /* end of the IP datagram once known (<= end): headers past
		      * it are trailer bytes, not part of the packet */
};

static __always_inline void xf_cursor_init(struct xf_cursor *c, void *data, void *data_end)
{
	c->pos = data;
	c->end = data_end;
	c->limit = data_end;
}

/* What the rest of the pipeline needs to know about a packet. */
struct xf_packet {
	struct xf_addr src;
	struct xf_addr dst;
	__u8 protocol;	 /* L4 protocol (after IPv6 extension headers) */
	__u8 has_l4;	 /* 0 for non-first fragments: no L4 header */
	__u8 is_new;	 /* TCP SYN without ACK, or not TCP */
	__u8 ip_tos;	 /* IPv4 TOS or IPv6 traffic class */
	__u16 dst_port;	 /* host byte order, 0 without L4 */
	__u16 l3_offset; /* from the start of the frame */
};

/* Does [pos, pos + len) lie inside the packet? */
#define xf_fits(c, ptr, len)                                                                       \
	((void *)(ptr) + (len) <= (c)->end && (void *)(ptr) + (len) <= (c)->limit)

static __always_inline int xf_parse_eth(struct xf_cursor *c, __u16 *eth_proto)
{
	struct ethhdr *eth = c->pos;
	struct vlan_hdr *vlan;
	__u16 proto;
	int i;

	if (!xf_fits(c, eth, sizeof(*eth)))
		return XF_REASON_TRUNC_ETH;
	proto = bpf_ntohs(eth->h_proto);
	c->pos = eth + 1;

#pragma unroll
	for (i = 0; i < XF_VLAN_MAX_DEPTH; i++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		vlan = c->pos;
		if (!xf_fits(c, vlan, sizeof(*vlan)))
			return XF_REASON_TRUNC_VLAN;
		proto = bpf_ntohs(vlan->h_vlan_encapsulated_proto);
		c->pos = vlan + 1;
	}
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD)
		return XF_REASON_VLAN_TOO_DEEP;

	*eth_proto = proto;
	return XF_PARSE_OK;
}

static __always_inline int xf_parse_ipv4(struct xf_cursor *c, struct xf_packet *pkt)
{
	struct iphdr *iph = c->pos;
	__u32 hdr_len, tot_len;
	__u8 version_ihl;

	if (!xf_fits(c, iph, sizeof(*iph)))
		return XF_REASON_TRUNC_IP4;
	/* version and ihl share the first byte; read it whole rather than
	 * through bitfields whose order depends on endianness */
	version_ihl = *(__u8 *)iph;
	if (version_ihl >> 4 != 4)
		return XF_REASON_BAD_IP4_VERSION;
	hdr_len = (version_ihl & 0x0f) * 4;
	if (hdr_len < sizeof(*iph))
		return XF_REASON_BAD_IP4_IHL;
	if (!xf_fits(c, iph, hdr_len))
		return XF_REASON_TRUNC_IP4;
	tot_len = bpf_ntohs(iph->tot_len);
	if (tot_len < hdr_len || !xf_fits(c, iph, tot_len))
		return XF_REASON_BAD_IP4_LEN;
	c->limit = (void *)iph + tot_len;

	pkt->src.family = XF_FAMILY_V4;
	pkt->dst.family = XF_FAMILY_V4;
	__builtin_memcpy(pkt->src.addr, &iph->saddr, 4);
	__builtin_memcpy(pkt->dst.addr, &iph->daddr, 4);
	pkt->protocol = iph->protocol;
	pkt->ip_tos = iph->tos;
	/* a non-first fragment carries no L4 header, only payload */
	pkt->has_l4 = !(bpf_ntohs(iph->frag_off) & IP_OFFSET);
	c->pos = (void *)iph + hdr_len;
	return XF_PARSE_OK;
}

/* Walk at most XF_IPV6_EXT_MAX extension headers to the L4 protocol. */
static __always_inline int xf_parse_ipv6(struct xf_cursor *c, struct xf_packet *pkt)
{
	struct ipv6hdr *ip6h = c->pos;
	struct ipv6_opt_hdr *opt;
	struct frag_hdr *frag;
	__u8 nexthdr;
	__u32 len;
	int i;

	if (!xf_fits(c, ip6h, sizeof(*ip6h)))
		return XF_REASON_TRUNC_IP6;
	if (*(__u8 *)ip6h >> 4 != 6)
		return XF_REASON_BAD_IP6_VERSION;
	if (!xf_fits(c, ip6h + 1, bpf_ntohs(ip6h->payload_len)))
		return XF_REASON_BAD_IP6_LEN;
	c->limit = (void *)(ip6h + 1) + bpf_ntohs(ip6h->payload_len);

	pkt->src.family = XF_FAMILY_V6;
	pkt->dst.family = XF_FAMILY_V6;
	__builtin_memcpy(pkt->src.addr, &ip6h->saddr, 16);
	__builtin_memcpy(pkt->dst.addr, &ip6h->daddr, 16);
	pkt->ip_tos = (bpf_ntohs(*(__be16 *)ip6h) >> 4) & 0xff;
	pkt->has_l4 = 1;
	nexthdr = ip6h->nexthdr;
	c->pos = ip6h + 1;

#pragma unroll
	for (i = 0; i < XF_IPV6_EXT_MAX; i++) {
		switch (nexthdr) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_AH:
			opt = c->pos;
			if (!xf_fits(c, opt, sizeof(*opt)))
				return XF_REASON_TRUNC_IP6_EXT;
			/* AH counts 4-byte units minus 2, the others 8-byte
			 * units minus 1 (RFC 4302, RFC 8200) */
			if (nexthdr == IPPROTO_AH)
				len = ((__u32)opt->hdrlen + 2) * 4;
			else
				len = ((__u32)opt->hdrlen + 1) * 8;
			if (!xf_fits(c, opt, len))
				return XF_REASON_TRUNC_IP6_EXT;
			nexthdr = opt->nexthdr;
			c->pos = (void *)opt + len;
			break;
		case IPPROTO_FRAGMENT:
			frag = c->pos;
			if (!xf_fits(c, frag, sizeof(*frag)))
				return XF_REASON_TRUNC_IP6_EXT;
			nexthdr = frag->nexthdr;
			c->pos = frag + 1;
			if (bpf_ntohs(frag->frag_off) & XF_IP6_FRAG_OFFSET_MASK) {
				pkt->has_l4 = 0;
				pkt->protocol = nexthdr;
				return XF_PARSE_OK;
			}
			break;
		default:
			pkt->protocol = nexthdr;
			return XF_PARSE_OK;
		}
	}
	/* still inside the chain after the last header we walk */
	switch (nexthdr) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_FRAGMENT:
		return XF_REASON_IP6_EXT_TOO_DEEP;
	}
	pkt->protocol = nexthdr;
	return XF_PARSE_OK;
}

static __always_inline int xf_parse_l4(struct xf_cursor *c, struct xf_packet *pkt)
{
	struct tcphdr *tcp;
	struct udphdr *udp;
	__u8 flags;

	pkt->is_new = 1;
	if (!pkt->has_l4) {
		/* a TCP fragment belongs to a connection already under way */
		if (pkt->protocol == IPPROTO_TCP)
			pkt->is_new = 0;
		return XF_PARSE_OK;
	}
	switch (pkt->protocol) {
	case IPPROTO_TCP:
		tcp = c->pos;
		if (!xf_fits(c, tcp, sizeof(*tcp)))
			return XF_REASON_TRUNC_L4;
		pkt->dst_port = bpf_ntohs(tcp->dest);
		/* the flags byte follows the data offset (RFC 9293); read it
		 * whole instead of through endian-dependent bitfields */
		flags = *((__u8 *)tcp + XF_TCP_FLAGS_OFFSET);
		pkt->is_new = (flags & XF_TCP_SYN) && !(flags & XF_TCP_ACK);
		break;
	case IPPROTO_UDP:
		udp = c->pos;
		if (!xf_fits(c, udp, sizeof(*udp)))
			return XF_REASON_TRUNC_L4;
		pkt->dst_port = bpf_ntohs(udp->dest);
		break;
	}
	return XF_PARSE_OK;
}

/* Parse a frame from its Ethernet header to L4. On XF_PARSE_OK, pkt
 * describes an IPv4 or IPv6 packet; otherwise the return value is the
 * reason (XF_REASON_NON_IP or a malformed reason). */
static __always_inline int xf_parse_packet(struct xf_cursor *c, void *frame_start,
					   struct xf_packet *pkt)
{
	__u16 eth_proto;
	int ret;

	ret = xf_parse_eth(c, &eth_proto);
	if (ret != XF_PARSE_OK)
		return ret;
	pkt->l3_offset = c->pos - frame_start;
	if (eth_proto == ETH_P_IP)
		ret = xf_parse_ipv4(c, pkt);
	else if (eth_proto == ETH_P_IPV6)
		ret = xf_parse_ipv6(c, pkt);
	else
		return XF_REASON_NON_IP;
	if (ret != XF_PARSE_OK)
		return ret;
	return xf_parse_l4(c, pkt);
}

#endif /* XF_BPF_PARSE_H */
