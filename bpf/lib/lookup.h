/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Source-address lookup: the one interface the packet path calls.
 * xf_lookup_source() returns the decision userspace precomputed for the
 * longest prefix containing the address (allowlist and the strongest-action
 * rule are already folded in), or NULL when no range contains it, through
 * the backend the state was made with: the fast one (lookup_fast.h) or the
 * reference BPF_MAP_TYPE_LPM_TRIE here. */
#ifndef XF_BPF_LOOKUP_H
#define XF_BPF_LOOKUP_H

#include "lookup_fast.h"
#include "maps.h"

/* Full-length key for an address: family byte, then the address bytes. */
static __always_inline void xf_lpm_key_from_addr(struct xf_lpm_key *key,
						  const struct xf_addr *addr)
{
	key->prefixlen = XF_LPM_FAMILY_BITS + (addr->family == XF_FAMILY_V4 ? 32 : 128);
	key->family = addr->family;
	__builtin_memcpy(key->addr, addr->addr, XF_ADDR_MAX_BYTES);
}

static __always_inline const struct xf_decision *
xf_lookup_source(const struct xf_config *cfg, const struct xf_addr *src, struct xf_decision *buf)
{
	struct xf_lpm_key key = {};

	if (cfg->backend == XF_BACKEND_FAST)
		return xf_lookup_fast(cfg, src, buf);
	xf_lpm_key_from_addr(&key, src);
	return bpf_map_lookup_elem(&xf_rules, &key);
}

#endif /* XF_BPF_LOOKUP_H */
