// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Safety rails for parsed feeds: /0, minimum prefix length, special-purpose
 * space (see feed_rails.h for the policy). */
#include <errno.h>

#include "feed_internal.h"
#include "feed_rails.h"

struct special {
	struct xf_prefix p;
	bool outside; /* the special space is everything outside p */
	const char *name;
};

#define V4(a, b, c, d, l, n) { { XF_FAMILY_V4, l, { a, b, c, d } }, false, n }
#define V6(l, n, ...) { { XF_FAMILY_V6, l, { __VA_ARGS__ } }, false, n }

/* From the IANA IPv4 and IPv6 Special-Purpose Address Registries, plus
 * multicast and the IPv6 space outside global unicast (IANA IPv6 Address
 * Space registry). Left out on purpose: blocks that are globally reachable
 * and route to real hosts -- AS112 (192.31.196.0/24, 192.175.48.0/24,
 * 2620:4f:8000::/48), AMT 192.52.193.0/24, and 6to4 2002::/16, whose
 * prefixes each stand for one real IPv4 host a feed may rightly list. A
 * listed block that is mostly unreachable (192.0.0.0/24, 2001::/23) is
 * special as a whole. Specific entries come before the broad ones so a
 * warning names the most telling block. */
static const struct special specials[] = {
	V4(0, 0, 0, 0, 8, "0.0.0.0/8 (\"this network\", RFC 791)"),
	V4(10, 0, 0, 0, 8, "10.0.0.0/8 (private-use, RFC 1918)"),
	V4(100, 64, 0, 0, 10, "100.64.0.0/10 (shared address space, CGNAT, RFC 6598)"),
	V4(127, 0, 0, 0, 8, "127.0.0.0/8 (loopback, RFC 1122)"),
	V4(169, 254, 0, 0, 16, "169.254.0.0/16 (link-local, RFC 3927)"),
	V4(172, 16, 0, 0, 12, "172.16.0.0/12 (private-use, RFC 1918)"),
	V4(192, 0, 0, 0, 24, "192.0.0.0/24 (IETF protocol assignments, RFC 6890)"),
	V4(192, 0, 2, 0, 24, "192.0.2.0/24 (documentation, RFC 5737)"),
	V4(192, 88, 99, 0, 24, "192.88.99.0/24 (deprecated 6to4 relay anycast, RFC 7526)"),
	V4(192, 168, 0, 0, 16, "192.168.0.0/16 (private-use, RFC 1918)"),
	V4(198, 18, 0, 0, 15, "198.18.0.0/15 (benchmarking, RFC 2544)"),
	V4(198, 51, 100, 0, 24, "198.51.100.0/24 (documentation, RFC 5737)"),
	V4(203, 0, 113, 0, 24, "203.0.113.0/24 (documentation, RFC 5737)"),
	V4(224, 0, 0, 0, 4, "224.0.0.0/4 (multicast, RFC 5771)"),
	V4(240, 0, 0, 0, 4, "240.0.0.0/4 (reserved and limited broadcast, RFC 1112, RFC 919)"),

	V6(128, "::1/128 (loopback, RFC 4291)", [15] = 1),
	V6(128, "::/128 (unspecified, RFC 4291)", 0),
	V6(96, "::ffff:0:0/96 (IPv4-mapped, RFC 4291)", [10] = 0xff, [11] = 0xff),
	V6(96, "64:ff9b::/96 (NAT64 well-known prefix, RFC 6052)", 0, 0x64, 0xff, 0x9b),
	V6(48, "64:ff9b:1::/48 (local-use NAT64, RFC 8215)", 0, 0x64, 0xff, 0x9b, 0, 1),
	V6(64, "100::/64 (discard-only, RFC 6666)", 1),
	V6(23, "2001::/23 (IETF protocol assignments, RFC 2928)", 0x20, 0x01),
	V6(32, "2001:db8::/32 (documentation, RFC 3849)", 0x20, 0x01, 0x0d, 0xb8),
	V6(20, "3fff::/20 (documentation, RFC 9637)", 0x3f, 0xff),
	V6(16, "5f00::/16 (SRv6 SIDs, RFC 9602)", 0x5f),
	V6(7, "fc00::/7 (unique local, RFC 4193)", 0xfc),
	V6(10, "fe80::/10 (link-local, RFC 4291)", 0xfe, 0x80),
	V6(10, "fec0::/10 (deprecated site-local, RFC 3879)", 0xfe, 0xc0),
	V6(8, "ff00::/8 (multicast, RFC 4291)", 0xff),
	{ { XF_FAMILY_V6, 3, { 0x20 } }, true,
	  "the space outside 2000::/3 (not global unicast, RFC 4291)" },
};

const char *xf_special_overlap(const struct xf_prefix *p)
{
	size_t i;

	for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		const struct special *s = &specials[i];

		if (s->p.family != p->family)
			continue;
		if (s->outside ? !xf_prefix_contains(&s->p, p)
			       : xf_prefix_contains(&s->p, p) || xf_prefix_contains(p, &s->p))
			return s->name;
	}
	return NULL;
}

void xf_rails_init(struct xf_rails *rails)
{
	rails->min_prefix4 = XF_RAILS_MIN_PREFIX4;
	rails->min_prefix6 = XF_RAILS_MIN_PREFIX6;
	rails->allow_special = false;
}

int xf_rails_apply(struct xf_feed_result *r, const struct xf_rails *rails,
		   struct xf_rails_counts *counts)
{
	struct xf_rails_counts local = {};
	char buf[XF_PREFIX_STRLEN];
	size_t i, out = 0;

	if (rails->min_prefix4 > 32 || rails->min_prefix6 > 128)
		return -EINVAL;
	for (i = 0; i < r->n; i++) {
		const struct xf_feed_entry *e = &r->entries[i];
		unsigned int min = e->prefix.family == XF_FAMILY_V4 ? rails->min_prefix4
								     : rails->min_prefix6;
		const char *special;

		xf_prefix_format(&e->prefix, buf, sizeof(buf));
		if (!e->prefix.len) {
			local.zero_length++;
			xf_feed_result_warn(r, e->line, "%s covers every address: refused", buf);
			continue;
		}
		if (e->prefix.len < min) {
			local.too_short++;
			xf_feed_result_warn(r, e->line,
					    "%s is shorter than the minimum /%u: refused", buf, min);
			continue;
		}
		special = rails->allow_special ? NULL : xf_special_overlap(&e->prefix);
		if (special) {
			local.special++;
			xf_feed_result_warn(r, e->line, "%s overlaps special-purpose %s: skipped",
					    buf, special);
			continue;
		}
		r->entries[out++] = *e;
	}
	r->n = out;
	r->accepted = out;
	r->v4 = r->v6 = 0;
	for (i = 0; i < r->n; i++) {
		if (r->entries[i].prefix.family == XF_FAMILY_V4)
			r->v4++;
		else
			r->v6++;
	}
	local.kept = out;
	if (counts)
		*counts = local;
	return 0;
}
