/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Protocol constants the BPF side needs; vmlinux.h has types, not macros. */
#ifndef XF_BPF_COMPILER_H
#define XF_BPF_COMPILER_H

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8

#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF

/* IPv6 extension headers (the uapi names them as macros vmlinux.h lacks) */
#define IPPROTO_HOPOPTS 0
#define IPPROTO_ROUTING 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_DSTOPTS 60

#define XF_IP6_FRAG_OFFSET_MASK 0xFFF8

#define XF_VLAN_MAX_DEPTH 2   /* 802.1ad outer + 802.1Q inner */
#define XF_IPV6_EXT_MAX 8     /* extension headers walked before giving up */

#define XF_TCP_FLAGS_OFFSET 13
#define XF_TCP_SYN 0x02
#define XF_TCP_ACK 0x10

#define TC_ACT_OK 0

#endif /* XF_BPF_COMPILER_H */
