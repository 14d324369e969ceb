/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Run-time settings, shared by the XDP program and the tc companion (the
 * companion reuses the XDP object's pinned map before it loads). */
#ifndef XF_BPF_CONFIG_MAP_H
#define XF_BPF_CONFIG_MAP_H

#include "xdpfence_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xf_config);
	__uint(max_entries, 1);
} xf_config_map SEC(".maps");

static __always_inline struct xf_config *xf_config_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&xf_config_map, &zero);
}

#endif /* XF_BPF_CONFIG_MAP_H */
