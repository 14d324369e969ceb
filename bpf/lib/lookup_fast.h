/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The fast source lookup (XF_BACKEND_FAST, see enum xf_backend): a cost
 * that does not grow with the number of ranges.
 *   IPv4: bitmap bit of the /24 (2 MiB, cache-resident), then its slot;
 *         a slot with longer prefixes names their lengths: one exact-hash
 *         probe per length present, longest first, else the fallback.
 *   IPv6: a 2 MiB filter bitmap of the /32s in use answers clean traffic;
 *         then the /32's bucket names the lengths present below it: one probe
 *         each, longest first, else the bucket's fallback; without a
 *         bucket, the small trie of prefixes up to /32.
 * Slots, buckets and the short trie answer range ids + 1 (0: no range),
 * and the range record gives the action, tag and feed; the exact hash
 * holds the whole decision. Userspace has folded the precedence rules in, so
 * the longest match decides, as in the LPM trie. */
#ifndef XF_BPF_LOOKUP_FAST_H
#define XF_BPF_LOOKUP_FAST_H

#include "maps.h"

/* Index of the highest set bit of x (x != 0). */
static __always_inline __u32 xf_fls(__u32 x)
{
	__u32 r = 0;

	if (x & 0xffff0000) {
		x >>= 16;
		r += 16;
	}
	if (x & 0xff00) {
		x >>= 8;
		r += 8;
	}
	if (x & 0xf0) {
		x >>= 4;
		r += 4;
	}
	if (x & 0xc) {
		x >>= 2;
		r += 2;
	}
	if (x & 0x2)
		r += 1;
	return r;
}

/* One exact-hash probe: the address words (network byte order) and the
 * family and length in; the decision out (the hash holds the whole
 * decision, so a hit needs no range record). */
struct xf_probe {
	__u32 w[4];
	__u32 family_len; /* family << 8 | len */
	struct xf_decision out;
};

/* A ref no range id + 1 reaches: the decision is in the probe. */
#define XF_REF_EXACT 0xffffffffu

/* Probe the exact hash for the prefix of length len containing the
 * address. Returns 1 with p->out set, or 0. A global function: the
 * verifier checks it once, not once per length of every caller's loop. */
__noinline int xf_exact_probe(struct xf_probe *p)
{
	struct xf_exact_key key = {};
	struct xf_decision *d;
	__u32 w[4], len;
	int k;

	if (!p)
		return 0;
	len = p->family_len & 0xff;
	key.family = p->family_len >> 8;
	key.len = len;
	for (k = 0; k < 4; k++) {
		__u32 first = k * 32;

		w[k] = p->w[k];
		if (len >= first + 32)
			continue;
		if (len <= first)
			w[k] = 0;
		else
			w[k] &= bpf_htonl(~0u << (32 - (len - first)));
	}
	__builtin_memcpy(key.addr, w, sizeof(w));
	d = bpf_map_lookup_elem(&xf_exact, &key);
	if (!d)
		return 0;
	p->out = *d;
	return 1;
}

/* Probe the lengths base + bit for every bit set in lens, longest first.
 * Returns XF_REF_EXACT (decision in p->out) or 0. */
static __always_inline __u32 xf_probe_lengths(__u8 family, struct xf_probe *p, __u32 lens,
					      __u32 base)
{
	__u32 bit;
	int i;

	for (i = 0; i < 32 && lens; i++) {
		bit = xf_fls(lens);
		lens &= ~(1u << bit);
		p->family_len = (__u32)family << 8 | (base + bit);
		if (xf_exact_probe(p))
			return XF_REF_EXACT;
	}
	return 0;
}

static __always_inline __u32 xf_fast_ref_v4(struct xf_probe *p)
{
	const __u32 *w = p->w;
	__u32 index = bpf_ntohl(w[0]) >> 8, word = index / 64, line = index / XF_SLOTS_PER_LINE;
	struct xf_v4_slot_line *slots;
	__u32 slot, ref;
	__u64 *bits;

	bits = bpf_map_lookup_elem(&xf_v4_bitmap, &word);
	if (!bits || !(*bits & (1ULL << (index % 64))))
		return 0;
	slots = bpf_map_lookup_elem(&xf_v4_slots, &line);
	if (!slots)
		return 0;
	slot = *(volatile __u32 *)&slots->slot[index % XF_SLOTS_PER_LINE];
	if (!(slot & XF_SLOT_LONG))
		return slot;
	ref = xf_probe_lengths(XF_FAMILY_V4, p, (slot >> XF_SLOT_LENS_SHIFT) & 0xff, 25);
	return ref ? ref : slot & XF_SLOT_REF_MASK;
}

static __always_inline __u32 xf_fast_ref_v6(const struct xf_config *cfg, struct xf_probe *p)
{
	const __u32 *w = p->w;
	struct xf_v6_short_key key = { .prefixlen = 32 };
	__u32 bit = xf_v6_filter_bit(bpf_ntohl(w[0])), word = bit / 64;
	struct xf_v6_bucket *bucket;
	__u32 ref, *id;
	__u64 *bits;
	int k;

	bits = bpf_map_lookup_elem(&xf_v6_filter, &word);
	if (!cfg->v6_wide && (!bits || !(*bits & (1ULL << (bit % 64)))))
		return 0;
	bucket = bpf_map_lookup_elem(&xf_v6_buckets, &w[0]);
	if (bucket) {
		for (k = 2; k >= 0; k--) {
			ref = xf_probe_lengths(XF_FAMILY_V6, p, bucket->lens[k], 33 + 32 * k);
			if (ref)
				return ref;
		}
		return bucket->fallback;
	}
	__builtin_memcpy(key.addr, &w[0], sizeof(key.addr));
	id = bpf_map_lookup_elem(&xf_v6_short, &key);
	return id ? *id + 1 : 0;
}

static __always_inline const struct xf_decision *xf_lookup_fast(const struct xf_config *cfg,
								 const struct xf_addr *src,
								 struct xf_decision *buf)
{
	struct xf_probe probe = {};
	const struct xf_range *rec;
	__u32 ref, id;

	__builtin_memcpy(probe.w, src->addr, sizeof(probe.w));
	ref = src->family == XF_FAMILY_V4 ? xf_fast_ref_v4(&probe) : xf_fast_ref_v6(cfg, &probe);
	if (ref == XF_REF_EXACT) {
		*buf = probe.out;
		return buf;
	}
	if (!ref)
		return NULL;
	id = ref - 1;
	rec = bpf_map_lookup_elem(&xf_ranges, &id);
	if (!rec)
		return NULL;
	buf->range_id = id;
	buf->tag = rec->tag;
	buf->action = rec->action;
	buf->feed_id = rec->feed_id;
	return buf;
}

#endif /* XF_BPF_LOOKUP_FAST_H */
