/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by the live traffic generator's XDP program
 * (bpf/xdpfence_trafficgen.bpf.c) and its loader (trafficgen.c): one entry
 * of the source table. The loader computes each source's checksums for the
 * frame template, so the program only copies bytes and every frame it sends
 * carries a valid IPv4 header checksum and UDP checksum. */
#ifndef XF_TRAFFICGEN_H
#define XF_TRAFFICGEN_H

/* 2^20 sources: enough for cold lookups on every table size */
#define XF_TGEN_MAX_SRCS (1u << 20)

struct xf_tgen_src {
	__u8 addr[16];	 /* IPv4 in the first 4 bytes, network order */
	__u16 ip_check;	 /* IPv4 header checksum as on the wire (unused for IPv6) */
	__u16 udp_check; /* UDP checksum as on the wire */
};

_Static_assert(sizeof(struct xf_tgen_src) == 20, "xf_tgen_src layout");

#endif /* XF_TRAFFICGEN_H */
