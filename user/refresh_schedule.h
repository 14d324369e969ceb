/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* When the daemon refreshes each feed of the registry: every `interval`
 * seconds; the first time at a random point before the next refresh is
 * due (the machines of a fleet restarted together spread their
 * downloads); after a failure sooner, with exponential backoff and full
 * jitter (user/backoff.h). It follows the registry, so a feed added with
 * `feed add --interval` while the daemon runs is refreshed too, and it
 * reports the feeds that turn stale (past max_age) and fresh again. */
#ifndef XF_REFRESH_SCHEDULE_H
#define XF_REFRESH_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

struct xf_feed_timer;

struct xf_refresh_schedule {
	struct xf_feed_timer *timers;
	size_t n;
	char **requested; /* names to sync at the next turn */
	size_t n_requested;
	bool maps_new;	    /* the pinned state was just created: every feed is due */
	double retry_delay; /* seconds: the base of the backoff */
};

/* Sync this feed at the next turn (new, or its definition changed). */
void xf_refresh_schedule_request(struct xf_refresh_schedule *s, const char *name);
/* One turn: follow the registry, sync the feeds that are due in one
 * `feed sync` (one commit), log how each went and report staleness. */
void xf_refresh_schedule_turn(struct xf_refresh_schedule *s, struct xf_cli *cli);
/* When the next turn is needed, in the monotonic seconds of
 * xf_now_ms() / 1000: at the latest `tick` after now. */
double xf_refresh_schedule_next(const struct xf_refresh_schedule *s, double now, double tick);
void xf_refresh_schedule_free(struct xf_refresh_schedule *s);

#endif /* XF_REFRESH_SCHEDULE_H */
