/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* IPv4/IPv6 addresses and prefixes: strict parsing, formatting, containment,
 * conversion to and from the data plane's LPM keys. One code path for both
 * families: a family only changes the address width. */
#ifndef XF_ADDR_H
#define XF_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "xdpfence_abi.h"

/* Longest text of a prefix: a full IPv6 address plus "/128". */
#define XF_PREFIX_STRLEN 64

struct xf_prefix {
	__u8 family; /* XF_FAMILY_V4 or XF_FAMILY_V6 */
	__u8 len;    /* prefix length in bits */
	__u8 addr[XF_ADDR_MAX_BYTES];
};

enum xf_parse_flags {
	XF_PARSE_HOST_BITS = 1 << 0, /* out: host bits were set and cleared */
	XF_PARSE_MAPPED = 1 << 1,    /* out: IPv4-mapped/embedded IPv6 became IPv4 */
};

static inline unsigned int xf_family_bits(__u8 family)
{
	return family == XF_FAMILY_V4 ? 32 : 128;
}

/* "a.b.c.d", "a.b.c.d/n", "x::y", "x::y/n". Strict: no octal, no shortened
 * IPv4, no leading zeros, no signs or spaces, length within the family.
 * IPv4-mapped (::ffff:a.b.c.d) and IPv4-embedded (::a.b.c.d) IPv6 written
 * with a dotted quad become IPv4 with the length adjusted. Host bits are
 * cleared. Returns 0 or -EINVAL; *flags (may be NULL) says what changed. */
int xf_prefix_parse(const char *text, struct xf_prefix *out, unsigned int *flags);
/* An address: a prefix of full length, no "/n" allowed. */
int xf_addr_parse(const char *text, struct xf_addr *out);

/* "192.0.2.0/24"; always with the length. IPv6 never prints a dotted quad,
 * so the text parses back to the same family. */
void xf_prefix_format(const struct xf_prefix *p, char *buf, size_t len);
void xf_addr_format(const struct xf_addr *a, char *buf, size_t len);

void xf_prefix_mask(struct xf_prefix *p);
bool xf_prefix_contains(const struct xf_prefix *outer, const struct xf_prefix *inner);
bool xf_prefix_contains_addr(const struct xf_prefix *p, const struct xf_addr *a);
bool xf_prefix_equal(const struct xf_prefix *a, const struct xf_prefix *b);
/* Order: family, address bytes, length (so ancestors sort first). */
int xf_prefix_cmp(const struct xf_prefix *a, const struct xf_prefix *b);
/* The full-length prefix of an address. */
void xf_prefix_from_addr(struct xf_prefix *p, const struct xf_addr *a);

void xf_prefix_to_key(const struct xf_prefix *p, struct xf_lpm_key *key);
int xf_prefix_from_key(struct xf_prefix *p, const struct xf_lpm_key *key);

#endif /* XF_ADDR_H */
