/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Safety rails between a parsed feed and the maps, separate from parsing
 * so `feed check` can show both views:
 *   - /0 is refused always, whatever else is allowed;
 *   - a prefix shorter than the feed's minimum (default /8 IPv4, /19 IPv6)
 *     is refused;
 *   - a prefix that overlaps special-purpose space (private, loopback,
 *     link-local, multicast, CGNAT, documentation, reserved, ...: the IANA
 *     special-purpose registries, see feed_rails.c) is skipped unless
 *     allow_special. Overlap works both ways: 10.1.2.0/24 lies inside
 *     10/8, and FireHOL's 224.0.0.0/3 contains multicast and 240/4. A
 *     prefix that contains special space is skipped whole, not carved up:
 *     the feed meant the whole prefix, and what reaches the maps must be
 *     what the feed meant or nothing.
 * Each dropped entry is warned about with the feed's file:line. */
#ifndef XF_FEED_RAILS_H
#define XF_FEED_RAILS_H

#include <stdbool.h>

#include "feed_parse.h"

#define XF_RAILS_MIN_PREFIX4 8
#define XF_RAILS_MIN_PREFIX6 19

struct xf_rails {
	unsigned int min_prefix4;
	unsigned int min_prefix6;
	bool allow_special;
};

struct xf_rails_counts {
	size_t zero_length; /* /0: refused */
	size_t too_short;   /* shorter than the minimum: refused */
	size_t special;	    /* overlapping special-purpose space: skipped */
	size_t kept;
};

void xf_rails_init(struct xf_rails *rails);

/* Drop what the rails refuse from r->entries (order kept), update r->n,
 * accepted, v4 and v6, add the warnings. c may be NULL. Returns 0 or
 * -EINVAL for a minimum past the family's length. */
int xf_rails_apply(struct xf_feed_result *r, const struct xf_rails *rails,
		   struct xf_rails_counts *c);

/* The special-purpose block p overlaps, as "10.0.0.0/8 (private-use, RFC
 * 1918)", or NULL. */
const char *xf_special_overlap(const struct xf_prefix *p);

#endif /* XF_FEED_RAILS_H */
