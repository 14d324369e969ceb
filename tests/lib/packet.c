// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <arpa/inet.h>
#include <netinet/ip6.h>

#include "addr.h"
#include "packet.h"

#define XT_IP4_VERSION	  4
#define XT_IP6_VERSION	  6
#define XT_IP4_MIN_IHL	  (sizeof(struct iphdr) / 4)
#define XT_IP4_MAX_IHL	  15
#define XT_IP_MF	  0x2000
#define XT_IP_DEFAULT_TTL 64
#define XT_TCP_DOFF	  (sizeof(struct tcphdr) / 4)
#define XT_SPORT	  40000
#define XT_OPT_UNIT	  8 /* hop-by-hop, routing, dest opts: 8-byte units */
#define XT_AH_UNIT	  4 /* AH: 4-byte units */

static const __u8 xt_src_mac[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x01};
static const __u8 xt_dst_mac[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x02};

_Static_assert(sizeof(struct xt_vlan_hdr) == 4, "802.1Q tag is 4 bytes");

void xt_pkt_init(struct xt_pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->ethertype_at = -1;
	p->nexthdr_at = -1;
	p->l3_at = -1;
	p->l4_at = -1;
}

/* Room for len more bytes of one layer, zeroed; the test fails on
 * overflow. */
static void *pkt_put(struct xt_pkt *p, size_t len, enum xt_layer_kind kind)
{
	void *at;

	if (p->len + len > sizeof(p->data) || p->nr_layers == XT_MAX_LAYERS)
		fail_msg("packet fixture overflows %zu bytes", sizeof(p->data));
	p->layers[p->nr_layers++] = (struct xt_layer){kind, p->len, p->len + len};
	at = p->data + p->len;
	memset(at, 0, len);
	p->len += len;
	return at;
}

static void set_ethertype(struct xt_pkt *p, __u16 proto)
{
	__be16 v = htons(proto);

	if (p->ethertype_at < 0)
		fail_msg("packet fixture: no L2 header before EtherType 0x%04x", proto);
	memcpy(p->data + p->ethertype_at, &v, sizeof(v));
	p->ethertype_at = -1;
}

static void set_nexthdr(struct xt_pkt *p, __u8 proto)
{
	if (p->nexthdr_at < 0)
		fail_msg("packet fixture: no IP header before protocol %u", proto);
	p->data[p->nexthdr_at] = proto;
	p->nexthdr_at = -1;
}

struct ethhdr *xt_pkt_eth(struct xt_pkt *p)
{
	struct ethhdr *eth = pkt_put(p, sizeof(*eth), XT_LAYER_ETH);

	memcpy(eth->h_dest, xt_dst_mac, ETH_ALEN);
	memcpy(eth->h_source, xt_src_mac, ETH_ALEN);
	p->ethertype_at = (__u8 *)&eth->h_proto - p->data;
	return eth;
}

struct xt_vlan_hdr *xt_pkt_vlan(struct xt_pkt *p, __u16 tpid, __u16 vid)
{
	struct xt_vlan_hdr *vlan;

	set_ethertype(p, tpid);
	vlan = pkt_put(p, sizeof(*vlan), XT_LAYER_VLAN);
	vlan->tci = htons(vid);
	p->ethertype_at = (__u8 *)&vlan->encap_proto - p->data;
	return vlan;
}

void *xt_pkt_l2_other(struct xt_pkt *p, __u16 ethertype, size_t len)
{
	set_ethertype(p, ethertype);
	return pkt_put(p, len, XT_LAYER_L2_OTHER);
}

static void *pkt_ip4(struct xt_pkt *p, const struct xf_addr *src, const struct xf_addr *dst)
{
	struct iphdr *iph;

	set_ethertype(p, ETH_P_IP);
	iph = pkt_put(p, sizeof(*iph), XT_LAYER_IP4);
	iph->version = XT_IP4_VERSION;
	iph->ihl = XT_IP4_MIN_IHL;
	iph->ttl = XT_IP_DEFAULT_TTL;
	memcpy(&iph->saddr, src->addr, sizeof(iph->saddr));
	memcpy(&iph->daddr, dst->addr, sizeof(iph->daddr));
	p->nexthdr_at = &iph->protocol - p->data;
	return iph;
}

static void *pkt_ip6(struct xt_pkt *p, const struct xf_addr *src, const struct xf_addr *dst)
{
	struct ipv6hdr *ip6h;

	set_ethertype(p, ETH_P_IPV6);
	ip6h = pkt_put(p, sizeof(*ip6h), XT_LAYER_IP6);
	ip6h->version = XT_IP6_VERSION;
	ip6h->hop_limit = XT_IP_DEFAULT_TTL;
	memcpy(&ip6h->saddr, src->addr, sizeof(ip6h->saddr));
	memcpy(&ip6h->daddr, dst->addr, sizeof(ip6h->daddr));
	p->nexthdr_at = &ip6h->nexthdr - p->data;
	return ip6h;
}

void *xt_pkt_ip(struct xt_pkt *p, const struct xf_addr *src, const struct xf_addr *dst)
{
	void *hdr;

	if (src->family != dst->family)
		fail_msg("packet fixture: source and destination families differ");
	p->l3_at = p->len;
	p->family = src->family;
	hdr = src->family == XF_FAMILY_V4 ? pkt_ip4(p, src, dst) : pkt_ip6(p, src, dst);
	return hdr;
}

struct iphdr *xt_pkt_ip4(struct xt_pkt *p)
{
	if (p->l3_at < 0 || p->family != XF_FAMILY_V4)
		fail_msg("packet fixture has no IPv4 header");
	return (struct iphdr *)(p->data + p->l3_at);
}

struct ipv6hdr *xt_pkt_ip6(struct xt_pkt *p)
{
	if (p->l3_at < 0 || p->family != XF_FAMILY_V6)
		fail_msg("packet fixture has no IPv6 header");
	return (struct ipv6hdr *)(p->data + p->l3_at);
}

void xt_pkt_ip4_options(struct xt_pkt *p, unsigned int words)
{
	struct iphdr *iph = xt_pkt_ip4(p);

	if (p->len != p->l3_at + iph->ihl * 4u || iph->ihl + words > XT_IP4_MAX_IHL ||
	    p->len + words * 4 > sizeof(p->data))
		fail_msg("packet fixture: IPv4 options must follow the header, ihl <= 15");
	/* zero bytes are End-of-Option-List: valid padding */
	memset(p->data + p->len, 0, words * 4);
	p->len += words * 4;
	p->layers[p->nr_layers - 1].end = p->len;
	iph->ihl += words;
}

void xt_pkt_ip4_frag(struct xt_pkt *p, __u16 offset, bool more)
{
	struct iphdr *iph = xt_pkt_ip4(p);

	iph->frag_off = htons((offset & 0x1fff) | (more ? XT_IP_MF : 0));
}

void *xt_pkt_ip6_ext(struct xt_pkt *p, __u8 type, size_t len)
{
	struct ipv6_opt_hdr *opt;
	size_t unit = type == IPPROTO_AH ? XT_AH_UNIT : XT_OPT_UNIT;
	size_t min = type == IPPROTO_AH ? sizeof(struct ip_auth_hdr) : XT_OPT_UNIT;

	if (len < min || len % unit)
		fail_msg("packet fixture: extension header %u cannot be %zu bytes", type, len);
	set_nexthdr(p, type);
	opt = pkt_put(p, len, XT_LAYER_IP6_EXT);
	/* RFC 4302: AH length in 4-byte units minus 2; RFC 8200: the others
	 * in 8-byte units minus 1 */
	opt->hdrlen = type == IPPROTO_AH ? len / unit - 2 : len / unit - 1;
	p->nexthdr_at = &opt->nexthdr - p->data;
	return opt;
}

void *xt_pkt_ip6_frag(struct xt_pkt *p, __u16 offset, bool more)
{
	struct ip6_frag *frag;

	set_nexthdr(p, IPPROTO_FRAGMENT);
	frag = pkt_put(p, sizeof(*frag), XT_LAYER_IP6_EXT);
	/* the offset sits in the upper 13 bits (RFC 8200 4.5) */
	frag->ip6f_offlg = htons(offset << 3) & IP6F_OFF_MASK;
	if (more)
		frag->ip6f_offlg |= IP6F_MORE_FRAG;
	frag->ip6f_ident = htonl(0x1234);
	p->nexthdr_at = &frag->ip6f_nxt - p->data;
	return frag;
}

void xt_pkt_frag(struct xt_pkt *p, __u16 offset, bool more)
{
	if (p->family == XF_FAMILY_V4)
		xt_pkt_ip4_frag(p, offset, more);
	else
		xt_pkt_ip6_frag(p, offset, more);
}

void xt_pkt_ip_proto(struct xt_pkt *p, __u8 protocol)
{
	set_nexthdr(p, protocol);
}

struct tcphdr *xt_pkt_tcp(struct xt_pkt *p, __u16 dport, __u8 flags)
{
	struct tcphdr *tcp;

	set_nexthdr(p, IPPROTO_TCP);
	tcp = pkt_put(p, sizeof(*tcp), XT_LAYER_L4);
	tcp->source = htons(XT_SPORT);
	tcp->dest = htons(dport);
	tcp->doff = XT_TCP_DOFF;
	tcp->syn = !!(flags & XT_TCP_SYN);
	tcp->ack = !!(flags & XT_TCP_ACK);
	tcp->window = htons(0xffff);
	return tcp;
}

struct udphdr *xt_pkt_udp(struct xt_pkt *p, __u16 dport)
{
	struct udphdr *udp;

	set_nexthdr(p, IPPROTO_UDP);
	p->l4_at = p->len;
	udp = pkt_put(p, sizeof(*udp), XT_LAYER_L4);
	udp->source = htons(XT_SPORT);
	udp->dest = htons(dport);
	return udp;
}

void xt_pkt_payload(struct xt_pkt *p, size_t len)
{
	__u8 *at = pkt_put(p, len, XT_LAYER_PAYLOAD);
	size_t i;

	for (i = 0; i < len; i++)
		at[i] = (__u8)i;
}

void xt_pkt_finish(struct xt_pkt *p)
{
	if (p->l3_at >= 0 && p->family == XF_FAMILY_V4)
		xt_pkt_ip4(p)->tot_len = htons(p->len - p->l3_at);
	else if (p->l3_at >= 0 && p->len >= p->l3_at + sizeof(struct ipv6hdr))
		xt_pkt_ip6(p)->payload_len = htons(p->len - p->l3_at - sizeof(struct ipv6hdr));
	if (p->l4_at >= 0 && p->len >= p->l4_at + sizeof(struct udphdr)) {
		struct udphdr *udp = (struct udphdr *)(p->data + p->l4_at);

		udp->len = htons(p->len - p->l4_at);
	}
}

const struct xt_layer *xt_pkt_layer_at(const struct xt_pkt *p, size_t len)
{
	int i;

	for (i = 0; i < p->nr_layers; i++)
		if (len < p->layers[i].end)
			return &p->layers[i];
	return NULL;
}

void xt_pkt_truncate(struct xt_pkt *p, size_t len, bool fix_lengths)
{
	if (len > p->len)
		fail_msg("cannot cut a %zu-byte fixture to %zu bytes", p->len, len);
	p->len = len;
	/* the length fields live past l3_at; a cut before them leaves
	 * nothing to fix */
	if (fix_lengths && p->l3_at >= 0 && len >= (size_t)p->l3_at)
		xt_pkt_finish(p);
}

static void pkt_l4(struct xt_pkt *p, const struct xt_flow *f)
{
	if (f->protocol == IPPROTO_TCP)
		xt_pkt_tcp(p, f->dport, f->tcp_flags);
	else if (f->protocol == IPPROTO_UDP)
		xt_pkt_udp(p, f->dport);
	else
		xt_pkt_ip_proto(p, f->protocol);
}

void xt_pkt_build_vlan(struct xt_pkt *p, const struct xt_flow *f, const __u16 *tpids, int nr_vlans)
{
	int i;

	xt_pkt_init(p);
	xt_pkt_eth(p);
	for (i = 0; i < nr_vlans; i++)
		xt_pkt_vlan(p, tpids[i], 100 + i);
	xt_pkt_ip(p, &f->src, &f->dst);
	pkt_l4(p, f);
	xt_pkt_payload(p, XT_PAYLOAD_DEFAULT);
	xt_pkt_finish(p);
}

void xt_pkt_build(struct xt_pkt *p, const struct xt_flow *f)
{
	xt_pkt_build_vlan(p, f, NULL, 0);
}

struct xf_addr xt_addr(const char *text)
{
	struct xf_addr a;

	if (xf_addr_parse(text, &a))
		fail_msg("'%s' is not an address", text);
	return a;
}

struct xt_flow xt_udp_flow(const char *src, const char *dst, __u16 dport)
{
	return (struct xt_flow){
	    .src = xt_addr(src),
	    .dst = xt_addr(dst),
	    .protocol = IPPROTO_UDP,
	    .dport = dport,
	};
}

struct xt_flow xt_tcp_flow(const char *src, const char *dst, __u16 dport, __u8 flags)
{
	return (struct xt_flow){
	    .src = xt_addr(src),
	    .dst = xt_addr(dst),
	    .protocol = IPPROTO_TCP,
	    .dport = dport,
	    .tcp_flags = flags,
	};
}
