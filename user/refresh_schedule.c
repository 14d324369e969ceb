// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "clock.h"
#include "daemon.h"
#include "duration.h"
#include "refresh_schedule.h"
#include "log.h"
#include "registry.h"

/* A feed whose refresh is overdue when the daemon starts is fetched within
 * this, at a random point. */
#define OVERDUE_SPREAD_SECONDS 60.0
/* The shortest wait after a failure. */
#define MIN_RETRY_SECONDS 1.0

struct xf_feed_timer {
	char name[XF_FEED_NAME_MAX];
	__u8 id;
	double next_due;	/* monotonic seconds; 0: not scheduled */
	unsigned int failures;	/* in a row */
	bool stale;		/* as last reported */
	bool in_registry;	/* seen in the last read of the registry */
	bool syncing;		/* in the sync running now */
	char content_hash[XF_FEED_HASH_LEN + 1]; /* of the version last reported */
};

static double now_seconds(void)
{
	return xf_now_ms() / 1000;
}

static struct xf_feed_timer *timer_of(struct xf_refresh_schedule *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->timers[i].name, name))
			return &s->timers[i];
	return NULL;
}

static bool take_request(struct xf_refresh_schedule *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_requested; i++) {
		if (strcmp(s->requested[i], name))
			continue;
		free(s->requested[i]);
		s->requested[i] = s->requested[--s->n_requested];
		return true;
	}
	return false;
}

void xf_refresh_schedule_request(struct xf_refresh_schedule *s, const char *name)
{
	char **grown;
	size_t i;

	for (i = 0; i < s->n_requested; i++)
		if (!strcmp(s->requested[i], name))
			return;
	grown = realloc(s->requested, (s->n_requested + 1) * sizeof(*grown));
	if (grown)
		s->requested = grown;
	if (!grown || !(grown[s->n_requested] = strdup(name))) {
		xf_err("feed '%s': out of memory", name);
		return;
	}
	s->n_requested++;
}

/* When a feed seen for the first time is refreshed: now if its ranges
 * cannot be in force (the maps are new, it never synced); else at a random
 * point before its next refresh is due. */
static double first_due(const struct xf_refresh_schedule *s, const struct xf_feed_def *def,
			double now, long long wall)
{
	long long due_wall = def->status.last_attempt + def->interval;
	double spread;

	if (s->maps_new || def->status.last_result == XF_RESULT_NONE)
		return now;
	if (!def->interval)
		return 0;
	spread = due_wall > wall ? due_wall - wall : OVERDUE_SPREAD_SECONDS;
	if (spread > def->interval)
		spread = def->interval;
	/* full jitter at attempt 0 is a uniform draw from [0, spread] */
	return now + xf_retry_delay_seconds(0, spread, spread);
}

/* Feeds added to the registry (by the config or `feed add`) get a timer,
 * removed ones lose theirs, requested ones are due now. */
static void follow_registry(struct xf_refresh_schedule *s, const struct xf_registry *reg,
			    double now, long long wall)
{
	size_t i, k;

	for (i = 0; i < s->n; i++)
		s->timers[i].in_registry = false;
	for (i = 0; i < reg->n; i++) {
		const struct xf_feed_def *def = &reg->feeds[i];
		struct xf_feed_timer *t = timer_of(s, def->name);

		if (!t) {
			struct xf_feed_timer *grown;

			grown = realloc(s->timers, (s->n + 1) * sizeof(*grown));
			if (!grown)
				continue;
			s->timers = grown;
			t = &s->timers[s->n++];
			t->name[0] = '\0';
		} else if (t->id != def->id) {
			t->name[0] = '\0'; /* removed and added again: a new feed */
		}
		if (!t->name[0]) {
			memset(t, 0, sizeof(*t));
			snprintf(t->name, sizeof(t->name), "%s", def->name);
			t->id = def->id;
			t->next_due = first_due(s, def, now, wall);
			snprintf(t->content_hash, sizeof(t->content_hash), "%s",
				 def->status.content_hash);
		}
		if (take_request(s, def->name))
			t->next_due = now;
		t->in_registry = true;
	}
	for (i = k = 0; i < s->n; i++)
		if (s->timers[i].in_registry)
			s->timers[k++] = s->timers[i];
	s->n = k;
	s->maps_new = false;
}

/* After a sync that started at wall-clock second `started`: log how the
 * feed's went, and when the next one is. A status older than the sync
 * means the sync stopped before the feed (its error is in the log). */
static void after_sync(struct xf_refresh_schedule *s, struct xf_feed_timer *t,
		       const struct xf_feed_def *def, double now, long long started)
{
	bool ran = def->status.last_attempt >= started;
	enum xf_sync_result result = ran ? def->status.last_result : XF_RESULT_FAILED;
	const char *error = !ran			 ? "the sync did not get to it (see above)"
			    : def->status.last_error ? def->status.last_error
						 : "?";
	double delay;

	if (result == XF_RESULT_APPLIED || result == XF_RESULT_NOT_MODIFIED) {
		if (strcmp(t->content_hash, def->status.content_hash))
			xf_info("feed '%s': applied, %zu entries (%zu IPv4, %zu IPv6) in %.2f s",
				def->name, def->status.entries, def->status.v4, def->status.v6,
				def->status.sync_duration);
		else
			xf_debug("feed '%s': %s, unchanged", def->name, xf_sync_result_name(result));
		snprintf(t->content_hash, sizeof(t->content_hash), "%s", def->status.content_hash);
		t->failures = 0;
		t->next_due = def->interval ? now + def->interval : 0;
		return;
	}
	t->failures++;
	if (!def->interval) {
		xf_err("feed '%s': %s: %s (no interval: not retried)", def->name,
		       xf_sync_result_name(result), error);
		t->next_due = 0;
		return;
	}
	delay = xf_retry_delay_seconds(t->failures - 1, s->retry_delay, def->interval);
	if (delay < MIN_RETRY_SECONDS)
		delay = MIN_RETRY_SECONDS;
	t->next_due = now + delay;
	xf_err("feed '%s': %s: %s; %u failure(s) in a row, next attempt in %.0f s", def->name,
	       xf_sync_result_name(result), error, t->failures, delay);
}

/* Sync the feeds that are due, all in one `feed sync` (one commit).
 * Returns whether it ran. */
static bool sync_due(struct xf_refresh_schedule *s, struct xf_cli *cli, double now)
{
	long long started = time(NULL);
	struct xf_command c;
	struct xf_registry reg;
	size_t i, k;
	int first;

	xf_command_init(&c, "feed");
	xf_command_arg(&c, "sync");
	first = c.argc;
	for (i = 0; i < s->n; i++) {
		struct xf_feed_timer *t = &s->timers[i];

		t->syncing = t->next_due && t->next_due <= now;
		if (t->syncing)
			xf_command_arg(&c, t->name);
	}
	if (c.argc == first) {
		xf_command_free(&c);
		return false;
	}
	/* the names stay in the timers, which the sync does not touch */
	xf_command_run(&c, cli, xf_cmd_feed);
	xf_command_free(&c);
	if (xf_registry_open(&reg, cli->state_dir, false))
		return true;
	now = now_seconds();
	for (i = 0; i < s->n; i++) {
		struct xf_feed_timer *t = &s->timers[i];

		if (!t->syncing)
			continue;
		for (k = 0; k < reg.n && strcmp(reg.feeds[k].name, t->name); k++)
			;
		if (k < reg.n)
			after_sync(s, t, &reg.feeds[k], now, started);
	}
	xf_registry_close(&reg);
	return true;
}

/* Report the feeds that turn stale or fresh. A stale feed under the
 * withdraw policy is synced at once: if its source still fails, the sync
 * withdraws its ranges. */
static void report_staleness(struct xf_refresh_schedule *s, const struct xf_registry *reg,
			     double now, long long wall)
{
	size_t i;

	for (i = 0; i < reg->n; i++) {
		const struct xf_feed_def *def = &reg->feeds[i];
		struct xf_feed_timer *t = timer_of(s, def->name);
		bool stale = xf_feed_is_stale(def, wall);
		long long age = xf_feed_age(def, wall);
		char a[32], m[32];

		if (!t || stale == t->stale)
			continue;
		t->stale = stale;
		xf_duration_format(age, a, sizeof(a));
		xf_duration_format(def->max_age, m, sizeof(m));
		if (!stale) {
			xf_info("feed '%s': fresh again (last success %s ago)", def->name, a);
			continue;
		}
		xf_warn("feed '%s': stale: %s%s%s, max_age %s; %s", def->name,
			age < 0 ? "it never synced" : "last success ", age < 0 ? "" : a,
			age < 0 ? "" : " ago", m,
			def->stale_policy == XF_STALE_WITHDRAW
				? "its ranges are withdrawn until a sync succeeds"
				: "its ranges stay in force (stale = enforce)");
		if (def->stale_policy == XF_STALE_WITHDRAW && def->status.entries)
			t->next_due = now;
	}
}

void xf_refresh_schedule_turn(struct xf_refresh_schedule *s, struct xf_cli *cli)
{
	struct xf_registry reg;
	double now = now_seconds();
	bool synced;

	if (xf_registry_open(&reg, cli->state_dir, false))
		return;
	follow_registry(s, &reg, now, time(NULL));
	synced = sync_due(s, cli, now);
	/* staleness after the sync: a feed that syncs now is not reported
	 * stale just before */
	if (synced) {
		xf_registry_close(&reg);
		if (xf_registry_open(&reg, cli->state_dir, false))
			return;
	}
	report_staleness(s, &reg, now_seconds(), time(NULL));
	xf_registry_close(&reg);
}

double xf_refresh_schedule_next(const struct xf_refresh_schedule *s, double now, double tick)
{
	double when = now + tick;
	size_t i;

	if (s->n_requested)
		return now;
	for (i = 0; i < s->n; i++)
		if (s->timers[i].next_due && s->timers[i].next_due < when)
			when = s->timers[i].next_due;
	return when;
}

void xf_refresh_schedule_free(struct xf_refresh_schedule *s)
{
	size_t i;

	for (i = 0; i < s->n_requested; i++)
		free(s->requested[i]);
	free(s->requested);
	free(s->timers);
	s->requested = NULL;
	s->timers = NULL;
	s->n = s->n_requested = 0;
}
