// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpfence XDP entry: the packet path lives in lib/filter.h, each concern
 * in its own header under lib/. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/filter.h"

SEC("xdp")
int xdpfence_xdp(struct xdp_md *ctx)
{
	return xf_filter(ctx, NULL);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
