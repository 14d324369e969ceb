// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpfence tc ingress companion: turns the tag the XDP program left in the
 * packet metadata into skb->mark (only the bits of config.mark_mask, so other
 * users of the mark keep theirs) and optionally rewrites the DSCP, so that
 * nftables, the stack or a load balancer can steer tagged clients. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/parse.h"
#include "lib/config_map.h"

#define XF_DSCP_SHIFT 2
#define XF_ECN_MASK 0x03

/* IPv4: the TOS byte is covered by the header checksum, which works on
 * 16-bit words; TOS is the second byte of the first word. */
static __always_inline void xf_set_dscp_v4(struct __sk_buff *skb, __u32 l3_off, __u8 dscp)
{
	__be16 old_word, new_word;
	__u8 *bytes = (__u8 *)&new_word;

	if (bpf_skb_load_bytes(skb, l3_off, &old_word, sizeof(old_word)))
		return;
	new_word = old_word;
	if (bytes[0] >> 4 != 4)
		return;
	bytes[1] = (dscp << XF_DSCP_SHIFT) | (bytes[1] & XF_ECN_MASK);
	if (new_word == old_word)
		return;
	if (bpf_l3_csum_replace(skb, l3_off + offsetof(struct iphdr, check), old_word,
				new_word, sizeof(new_word)))
		return;
	bpf_skb_store_bytes(skb, l3_off, &new_word, sizeof(new_word), 0);
}

/* IPv6: the traffic class straddles the first two bytes; no checksum. */
static __always_inline void xf_set_dscp_v6(struct __sk_buff *skb, __u32 l3_off, __u8 dscp)
{
	__be16 word;
	__u16 host;

	if (bpf_skb_load_bytes(skb, l3_off, &word, sizeof(word)))
		return;
	host = bpf_ntohs(word);
	if (host >> 12 != 6)
		return;
	host = (host & 0xF03F) | ((__u16)dscp << (4 + XF_DSCP_SHIFT));
	word = bpf_htons(host);
	bpf_skb_store_bytes(skb, l3_off, &word, sizeof(word), 0);
}

/* Only the link-layer headers are parsed in place; the IP header is read
 * and written through the skb helpers, which also work where the skb is
 * not linear (GRO-merged packets, whose total length runs past the linear
 * data and would fail a full parse). */
static __always_inline void xf_rewrite_dscp(struct __sk_buff *skb, __u8 dscp)
{
	void *data = (void *)(long)skb->data;
	struct xf_cursor cursor;
	__u16 proto;

	xf_cursor_init(&cursor, data, (void *)(long)skb->data_end);
	if (xf_parse_eth(&cursor, &proto) != XF_PARSE_OK)
		return;
	if (proto == ETH_P_IP)
		xf_set_dscp_v4(skb, cursor.pos - data, dscp);
	else if (proto == ETH_P_IPV6)
		xf_set_dscp_v6(skb, cursor.pos - data, dscp);
}

SEC("tc")
int xdpfence_tc(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	struct xf_meta *meta = (void *)(long)skb->data_meta;
	struct xf_config *cfg;
	__u32 tag;

	if ((void *)(meta + 1) > data || meta->magic != XF_META_MAGIC)
		return TC_ACT_OK;
	tag = meta->tag;
	cfg = xf_config_get();
	if (!cfg)
		return TC_ACT_OK;
	skb->mark = (skb->mark & ~cfg->mark_mask) | ((tag << cfg->mark_shift) & cfg->mark_mask);
	if (cfg->dscp_enabled)
		xf_rewrite_dscp(skb, cfg->dscp);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
