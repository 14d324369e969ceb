/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Protected-service scope: is this packet addressed to one of the signup
 * services the operator asked us to protect? */
#ifndef XF_BPF_SCOPE_H
#define XF_BPF_SCOPE_H

#include "lookup.h"
#include "parse.h"

static __always_inline __u64 xf_services_of(__u8 protocol, __u8 kind, __u16 port)
{
	struct xf_port_key key = { .protocol = protocol, .kind = kind, .port = port };
	__u64 *bits = bpf_map_lookup_elem(&xf_scope_port, &key);

	return bits ? *bits : 0;
}

static __always_inline bool xf_in_scope(const struct xf_packet *pkt)
{
	struct xf_lpm_key key = {};
	__u64 *dst_services, port_services;

	if (pkt->protocol != IPPROTO_TCP && pkt->protocol != IPPROTO_UDP)
		return false;
	xf_lpm_key_from_addr(&key, &pkt->dst);
	dst_services = bpf_map_lookup_elem(&xf_scope_dst, &key);
	if (!dst_services || !*dst_services)
		return false;
	/* a non-first fragment has no port: the destination and protocol
	 * decide, so a blocked source cannot slip fragments past the filter */
	if (!pkt->has_l4)
		return (*dst_services &
			xf_services_of(pkt->protocol, XF_PORT_KEY_PROTOCOL, 0)) != 0;
	port_services = xf_services_of(pkt->protocol, XF_PORT_KEY_PORT, pkt->dst_port) |
			xf_services_of(pkt->protocol, XF_PORT_KEY_PORT, 0);
	return (*dst_services & port_services) != 0;
}

#endif /* XF_BPF_SCOPE_H */
