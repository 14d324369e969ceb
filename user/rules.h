/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The rule store: every allow/block range with its action, tag, feed and
 * range id, kept in the pinned xf_ranges map. A change is made on a copy
 * (struct xf_ruleset) and committed as a difference: additions and changes
 * land before removals, so an address covered before and after is never
 * uncovered, and ranges that stay keep their id and their counters. */
#ifndef XF_RULES_H
#define XF_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "precedence.h"
#include "state.h"

#define XF_RANGE_ID_NONE 0xffffffffu

struct xf_ruleset {
	struct xf_rule *rules;
	size_t n;
	size_t cap;
};

struct xf_commit_stats {
	size_t added;	  /* lpm entries written that did not exist */
	size_t changed;	  /* lpm entries whose decision changed */
	size_t removed;	  /* lpm entries deleted */
	size_t unchanged; /* lpm entries left alone */
};

int xf_ruleset_read(const struct xf_state *st, struct xf_ruleset *rs);
int xf_ruleset_copy(struct xf_ruleset *dst, const struct xf_ruleset *src);
void xf_ruleset_free(struct xf_ruleset *rs);

/* Append r as it is (range id included). */
int xf_ruleset_push(struct xf_ruleset *rs, const struct xf_rule *r);

/* Insert or update the rule with r's feed, prefix and kind (allow or not).
 * An update keeps the range id; a new rule gets one at commit. */
int xf_ruleset_put(struct xf_ruleset *rs, const struct xf_rule *r);
/* Remove the rule of feed/prefix/kind. -ENOENT when there is none. */
int xf_ruleset_del(struct xf_ruleset *rs, __u8 feed_id, const struct xf_prefix *p, bool allow);
/* Index of the rule of feed/prefix/kind, or -1. */
long xf_ruleset_find(const struct xf_ruleset *rs, __u8 feed_id, const struct xf_prefix *p,
		     bool allow);

/* Make next the state of the data plane, given that old is. Capacity is
 * checked before the first write; a failure part-way rolls back to old.
 * Assigns range ids in next. stats may be NULL. */
int xf_ruleset_commit(struct xf_state *st, const struct xf_ruleset *old, struct xf_ruleset *next,
		      struct xf_commit_stats *stats);

#endif /* XF_RULES_H */
