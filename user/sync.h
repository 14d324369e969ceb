/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Feed sync: fetch and parse each feed, apply the rails, and build the new
 * rule set in which each synced feed's ranges replace its old ones. Ranges
 * that stay keep their range id (and so their counters); the commit
 * (rules.h) then applies only the difference, additions first. A feed that
 * fails or is refused keeps its previous ranges in force. */
#ifndef XF_SYNC_H
#define XF_SYNC_H

#include <stdbool.h>

#include "fetch.h"
#include "registry.h"
#include "rules.h"

enum xf_sync_state {
	XF_SYNC_PENDING,
	XF_SYNC_READY,	 /* parsed, passes the rails: will be applied */
	XF_SYNC_REFUSED, /* a rail refused it: previous version stays */
	XF_SYNC_FAILED,	 /* fetch or parse error: previous version stays */
	XF_SYNC_APPLIED,
	XF_SYNC_NOT_MODIFIED, /* the source says the version in force is current */
};

struct xf_feed_sync {
	struct xf_feed_def *def;
	enum xf_sync_state state;
	char reason[512];
	struct xf_feed_result parsed;
	struct xf_rails_counts rails;
	bool content_changed;
	char hash[XF_FEED_HASH_LEN + 1];
	size_t before; /* ranges of this feed in force before the sync */
	size_t added, removed, changed, unchanged;
	double prepare_ms; /* fetch + parse + rails */
	bool from_last_good; /* the source failed: the saved last good version */
	bool withdrawn;	     /* the source failed past max_age: ranges withdrawn */
	/* the download: validators of the new version (stored only once it is
	 * applied), how many attempts it took, the final HTTP status */
	char *etag, *last_modified;
	unsigned int attempts;
	long http_status;
};

/* Fetch, parse and check one feed. force: apply an update a rail refused
 * (shrink, share of bad lines); a truncated download is never applied.
 * While the feed has ranges in force (before > 0) the request is
 * conditional on the stored validators: a 304 makes it NOT_MODIFIED, with
 * nothing parsed and nothing to commit. With nothing in force (a new feed,
 * after a reboot) the whole version is downloaded. */
void xf_sync_prepare(struct xf_feed_sync *fs, struct xf_feed_def *def, size_t before,
		     bool force);
/* Parse only (feed check): same steps without the shrink rail. */
int xf_sync_parse_source(const char *source, const struct xf_feed_options *o,
			 const struct xf_rails *rails, long timeout, struct xf_feed_result *r,
			 struct xf_rails_counts *rc, char *hash, char *err, size_t errlen);
/* The same with every download option (feed check with a feed's options). */
int xf_sync_fetch_and_parse(const char *source, const struct xf_fetch_opts *fo,
			    const struct xf_feed_options *o, const struct xf_rails *rails,
			    struct xf_feed_result *r, struct xf_rails_counts *rc, char *hash,
			    char *err, size_t errlen);
/* The download options a feed's definition asks for (no validators). */
void xf_sync_fetch_opts(const struct xf_feed_def *def, struct xf_fetch_opts *fo);

/* A FAILED or REFUSED fs whose feed is stale now (past max_age) under the
 * withdraw policy becomes READY with no entries: its ranges go. Returns
 * whether it did. */
bool xf_sync_withdraw_if_stale(struct xf_feed_sync *fs, long long now);
/* After the commit: record how the sync of fs->def went in its registry
 * status (result, time, entries, content hash, last error), keep an
 * applied version as the last good one and its validators for the next
 * conditional request. commit_ms: the commit's share for this feed. */
void xf_sync_record(const char *state_dir, struct xf_feed_sync *fs, double commit_ms);

/* next = old with the ranges of every READY feed replaced by its parsed
 * entries; fills the per-feed added/removed/changed/unchanged. */
int xf_sync_build(const struct xf_ruleset *old, struct xf_feed_sync *feeds, size_t n,
		  struct xf_ruleset *next);
/* Same, for a feed that goes: next = old without feed_id's ranges. */
int xf_sync_without_feed(const struct xf_ruleset *old, __u8 feed_id, struct xf_ruleset *next,
			 size_t *removed);

size_t xf_ruleset_count_feed(const struct xf_ruleset *rs, __u8 feed_id);

/* Blocklist ranges that contain allowlisted ones: calls report(block,
 * allow, ctx) for each pair, at most limit times; returns the total. */
size_t xf_sync_allowlist_conflicts(const struct xf_ruleset *rs, size_t limit,
				   void (*report)(const struct xf_rule *block,
						  const struct xf_rule *allow, void *ctx),
				   void *ctx);

/* The last good version of each feed is kept in the state directory
 * (feeds/NAME.last), so that a feed whose source fails right after a
 * reboot, with nothing of it in force, still has its last good version
 * applied. */
int xf_sync_save_last_good(const char *state_dir, const struct xf_feed_sync *fs);
void xf_sync_forget_last_good(const char *state_dir, const char *name);
/* A FAILED or REFUSED fs becomes READY with the saved version, if any. */
bool xf_sync_use_last_good(const char *state_dir, struct xf_feed_sync *fs);

void xf_feed_sync_free(struct xf_feed_sync *fs);

#endif /* XF_SYNC_H */
