/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Packet fixtures for BPF_PROG_TEST_RUN: a frame is built layer by layer
 * from the uapi header structs. Each appender fills in the previous
 * layer's "next protocol" field (EtherType or IP protocol / next header),
 * so no test computes an offset by hand. xt_pkt_finish() sets the length
 * fields from what was appended; a test that wants them wrong changes them
 * afterwards through xt_pkt_ip4() / xt_pkt_ip6(). */
#ifndef XT_PACKET_H
#define XT_PACKET_H

#include <stdbool.h>
#include <stddef.h>

#include <netinet/in.h> /* before <linux/ipv6.h>: libc-compat sorts in6_addr */
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "xdpfence_abi.h"

#define XT_PKT_MAX	   1024
#define XT_PAYLOAD_DEFAULT 16

/* 802.1Q / 802.1ad tag after the MAC addresses (the uapi has no struct) */
struct xt_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

#define XT_TCP_SYN 0x02
#define XT_TCP_ACK 0x10

/* What each stretch of a fixture is, so truncation tests know which
 * header a cut falls into. */
enum xt_layer_kind {
	XT_LAYER_ETH,
	XT_LAYER_VLAN,
	XT_LAYER_L2_OTHER,
	XT_LAYER_IP4, /* with its options */
	XT_LAYER_IP6,
	XT_LAYER_IP6_EXT,
	XT_LAYER_L4,
	XT_LAYER_PAYLOAD,
};

struct xt_layer {
	enum xt_layer_kind kind;
	size_t start;
	size_t end;
};

#define XT_MAX_LAYERS 24

struct xt_pkt {
	__u8 data[XT_PKT_MAX];
	size_t len;
	struct xt_layer layers[XT_MAX_LAYERS];
	int nr_layers;
	int ethertype_at; /* offset of the __be16 the next L2/L3 layer fills */
	int nexthdr_at;	  /* offset of the __u8 the next IP-level layer fills */
	int l3_at;	  /* offset of the IP header, -1 before one */
	__u8 family;	  /* XF_FAMILY_V4/V6 once an IP header is there */
	int l4_at;	  /* offset of the UDP header (length fix-up), -1 */
};

/* A well-formed flow: the common case, built in one call. */
struct xt_flow {
	struct xf_addr src;
	struct xf_addr dst;
	__u8 protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	__u16 dport;
	__u8 tcp_flags; /* XT_TCP_SYN | XT_TCP_ACK, TCP only */
};

void xt_pkt_init(struct xt_pkt *p);
struct ethhdr *xt_pkt_eth(struct xt_pkt *p);
struct xt_vlan_hdr *xt_pkt_vlan(struct xt_pkt *p, __u16 tpid, __u16 vid);
/* Any EtherType with an opaque body of len bytes (ARP, LLDP ...). */
void *xt_pkt_l2_other(struct xt_pkt *p, __u16 ethertype, size_t len);
/* IPv4 or IPv6 header, by the family of src (dst must match). */
void *xt_pkt_ip(struct xt_pkt *p, const struct xf_addr *src, const struct xf_addr *dst);
/* Grow the IPv4 header by words 4-byte words of options (ihl 5 + words);
 * must follow xt_pkt_ip() directly. */
void xt_pkt_ip4_options(struct xt_pkt *p, unsigned int words);
/* offset in 8-byte units; sets the IPv4 fragment fields. */
void xt_pkt_ip4_frag(struct xt_pkt *p, __u16 offset, bool more);
/* IPv6 extension header: HOPOPTS, ROUTING, DSTOPTS (len a multiple of 8,
 * >= 8) or AH (len a multiple of 4, >= 12). */
void *xt_pkt_ip6_ext(struct xt_pkt *p, __u8 type, size_t len);
void *xt_pkt_ip6_frag(struct xt_pkt *p, __u16 offset, bool more);
/* Mark the packet a fragment, either family: the IPv4 fragment fields, or
 * an IPv6 fragment header appended here. */
void xt_pkt_frag(struct xt_pkt *p, __u16 offset, bool more);
/* An L4 protocol without a header the filter reads (ICMP, GRE ...). */
void xt_pkt_ip_proto(struct xt_pkt *p, __u8 protocol);
struct tcphdr *xt_pkt_tcp(struct xt_pkt *p, __u16 dport, __u8 flags);
struct udphdr *xt_pkt_udp(struct xt_pkt *p, __u16 dport);
void xt_pkt_payload(struct xt_pkt *p, size_t len);
/* IPv4 tot_len, IPv6 payload_len and UDP len from the final length. */
void xt_pkt_finish(struct xt_pkt *p);

/* The layer a frame cut to len bytes ends inside (or right before),
 * NULL when len covers the whole fixture. */
const struct xt_layer *xt_pkt_layer_at(const struct xt_pkt *p, size_t len);
/* Cut the fixture to len bytes. fix_lengths: make the IP (and UDP) length
 * fields agree with the cut, so the parser meets the cut header rather
 * than a length beyond the frame. */
void xt_pkt_truncate(struct xt_pkt *p, size_t len, bool fix_lengths);

/* eth + IP + L4 + XT_PAYLOAD_DEFAULT bytes, finished; vlans tags from
 * tpids[0..nr_vlans). */
void xt_pkt_build(struct xt_pkt *p, const struct xt_flow *f);
void xt_pkt_build_vlan(struct xt_pkt *p, const struct xt_flow *f, const __u16 *tpids, int nr_vlans);

struct iphdr *xt_pkt_ip4(struct xt_pkt *p);
struct ipv6hdr *xt_pkt_ip6(struct xt_pkt *p);

/* Strict text to address/prefix (fails the test on a typo). */
struct xf_addr xt_addr(const char *text);
struct xt_flow xt_udp_flow(const char *src, const char *dst, __u16 dport);
struct xt_flow xt_tcp_flow(const char *src, const char *dst, __u16 dport, __u8 flags);

#endif /* XT_PACKET_H */
