/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The fast lookup backend's structures (see enum xf_backend and
 * bpf/lib/lookup_fast.h), built from the effective entries of a rule set
 * and written as a difference against the set in force.
 *
 * One builder serves both families: the address space is cut into
 * buckets (IPv4: the /24 slots, IPv6: the /32s); a prefix no longer than
 * a bucket and at least spread_min long sets the fallback of every bucket
 * it covers, a longer one goes to the exact hash and sets its length's bit
 * in its bucket, a shorter one (IPv6 < /16) goes to the exact hash and the
 * short-length mask. */
#ifndef XF_FIB_H
#define XF_FIB_H

#include <stddef.h>

#include "precedence.h"
#include "state.h"

struct xf_fib_stats {
	size_t slots_written;	/* IPv4 /24 slots */
	size_t buckets_written; /* IPv6 /32 buckets written or deleted */
	size_t exact_written;	/* exact-hash entries written */
	size_t exact_deleted;
};

/* Make the kernel structures hold new_e, given that they hold old_e (both
 * sorted by xf_prefix_cmp, as xf_precedence_compute makes them). Writes
 * everything the new set needs before removing what only the old one had,
 * and every slot goes from its old to its new value in one store, so an
 * address covered before and after is never uncovered. Idempotent: applying
 * old_e back after a failure restores it. stats may be NULL. */
int xf_fib_apply(const struct xf_state *st, const struct xf_effective *old_e, size_t old_n,
		 const struct xf_effective *new_e, size_t new_n, struct xf_fib_stats *stats);

/* What the fast structures answer for an address, read back the way the
 * packet path reads them: 1 and the decision, 0 (no range) or -errno. */
int xf_fib_lookup(const struct xf_state *st, const struct xf_addr *a, struct xf_decision *out);

/* The tables read back as prefixes, sorted: the exact hash and the IPv6
 * short trie entry by entry, the /24 slots as the fewest CIDR blocks with
 * one decision each (so a /16 with a different /24 inside comes back as
 * the blocks around it). *out is malloc'ed. */
int xf_fib_entries(const struct xf_state *st, struct xf_effective **out, size_t *n);

/* What the data plane decides for an address, through whichever backend
 * the state uses: 1 and the decision, 0 (no range) or -errno. */
int xf_kernel_decision(const struct xf_state *st, const struct xf_addr *a, struct xf_decision *out);

#endif /* XF_FIB_H */
