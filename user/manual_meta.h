/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the rule store does not hold about a manual range: when it expires
 * and why it was added. The data plane's range record (struct xf_range)
 * stays as it is; this table lives in userspace and is saved with the
 * manual ranges in the settings file of the state directory
 * (user/persist.c), keyed by prefix and list (allow or block). */
#ifndef XF_MANUAL_META_H
#define XF_MANUAL_META_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "addr.h"

/* Longest comment, in bytes. */
#define XF_COMMENT_MAX 256
/* Longest ttl: ten years keeps every expiry far from the end of time_t. */
#define XF_TTL_MAX_SECONDS (3650LL * 86400)

struct xf_manual_meta_entry {
	struct xf_prefix prefix;
	bool allow;	 /* the allowlist entry of this prefix, not the blocklist one */
	time_t expires;	 /* wall clock, seconds since the epoch; 0: never */
	char *comment;	 /* NULL: none */
};

/* Sorted by prefix, then list: lookups are binary searches. */
struct xf_manual_meta {
	struct xf_manual_meta_entry *entries;
	size_t n;
	size_t cap;
};

void xf_manual_meta_free(struct xf_manual_meta *m);

/* The entry of prefix/list, or NULL. */
const struct xf_manual_meta_entry *xf_manual_meta_find(const struct xf_manual_meta *m,
							const struct xf_prefix *p, bool allow);

/* Record the expiry and comment of prefix/list, replacing what was there;
 * with neither (expires 0, comment NULL or empty) the entry goes. Returns 0
 * or -ENOMEM. */
int xf_manual_meta_set(struct xf_manual_meta *m, const struct xf_prefix *p, bool allow,
		       time_t expires, const char *comment);
void xf_manual_meta_remove(struct xf_manual_meta *m, const struct xf_prefix *p, bool allow);

/* A ttl as `block --ttl` takes it: a duration (user/duration.h: "30s",
 * "15m", "1h", "2d", "1h30m"; a bare number is seconds) from 1 s to
 * XF_TTL_MAX_SECONDS. Returns 0, or -EINVAL with the reason in why. */
int xf_manual_ttl_parse(const char *text, long long *seconds, char *why, size_t why_len);

/* A comment is one line of printable text (UTF-8 allowed, no control
 * characters) of at most XF_COMMENT_MAX bytes: it is shown in tables.
 * Returns 0 or -EINVAL with the reason in why. */
int xf_manual_comment_check(const char *text, char *why, size_t why_len);

#endif /* XF_MANUAL_META_H */
