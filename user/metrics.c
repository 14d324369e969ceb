// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* metrics: one read of the pinned state and the feed registry rendered as
 * Prometheus families, and the command that prints them or serves them.
 * Counters are read where the data plane keeps them (global, per-feed, the
 * per-range counter cache); feed freshness comes from the registry; map
 * fill from the range store's count of ranges in use, the /24 bitmap and
 * the small arrays, never from walking big maps key by key. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "addr.h"
#include "clock.h"
#include "exposition.h"
#include "feed_parse.h"
#include "log.h"
#include "manual_meta.h"
#include "metrics.h"
#include "names.h"
#include "range_counters.h"
#include "registry.h"
#include "top_ranges.h"

/* One pass over the range store: ranges in use (allowlist included), and
 * per feed the blocklist ranges in force. */
struct range_census {
	size_t in_use;
	size_t per_feed[XF_MAX_FEEDS];
};

static void take_census(const struct xf_state *st, struct range_census *c)
{
	__u32 id;

	memset(c, 0, sizeof(*c));
	for (id = 0; id < st->max_ids; id++) {
		const struct xf_range *r = &st->ranges[id];

		if (!(r->flags & XF_RANGE_IN_USE))
			continue;
		c->in_use++;
		if (r->action != XF_ACTION_ALLOW)
			c->per_feed[r->feed_id]++;
	}
}

static void global_families(struct xf_expo *e, const struct xf_state *st)
{
	struct xf_counter slots[XF_GLOBAL_SLOTS];
	__u32 reason, verdict, i;
	int pass;

	for (i = 0; i < XF_GLOBAL_SLOTS; i++)
		if (xf_percpu_read_counters(st, XF_MAP_GLOBAL_STATS, i, &slots[i], 1))
			memset(&slots[i], 0, sizeof(slots[i]));
	for (pass = 0; pass < 2; pass++) {
		const char *name = pass ? "xdpfence_bytes_total" : "xdpfence_packets_total";

		xf_expo_family(e, name, XF_METRIC_COUNTER,
			       pass ? "Bytes (whole frames) seen by the XDP program, by verdict "
				      "and reason."
				    : "Packets seen by the XDP program, by verdict and reason.");
		for (reason = 0; reason < XF_REASON_MAX; reason++)
			for (verdict = 0; verdict < XF_VERDICT_MAX; verdict++) {
				const struct xf_counter *c =
				    &slots[XF_GLOBAL_INDEX(reason, verdict)];

				xf_expo_u64(e, name,
					    XF_LABELS({"verdict", xf_verdict_name(verdict)},
						      {"reason", xf_reason_name(reason)}),
					    pass ? c->bytes : c->packets);
			}
	}
}

/* The feeds the data plane knows (the manual one included), by id. */
static int applied_feeds(const struct xf_state *st, struct xf_feed *feeds)
{
	__u32 id;
	int n = 0;

	for (id = 0; id < XF_MAX_FEEDS; id++) {
		if (bpf_map_lookup_elem(st->map_fd[XF_MAP_FEEDS], &id, &feeds[id]))
			memset(&feeds[id], 0, sizeof(feeds[id]));
		n += !!feeds[id].in_use;
	}
	return n;
}

static void feed_counter_families(struct xf_expo *e, const struct xf_state *st,
				  const struct xf_feed *feeds)
{
	struct xf_counter(*c)[XF_OUTCOME_MAX] = calloc(XF_MAX_FEEDS, sizeof(*c));
	__u32 id, o;
	int pass;

	if (!c)
		return;
	for (id = 0; id < XF_MAX_FEEDS; id++)
		if (!feeds[id].in_use ||
		    xf_percpu_read_counters(st, XF_MAP_FEED_STATS, id, c[id], XF_OUTCOME_MAX))
			memset(c[id], 0, sizeof(c[id]));
	for (pass = 0; pass < 2; pass++) {
		const char *name =
		    pass ? "xdpfence_feed_bytes_total" : "xdpfence_feed_packets_total";

		xf_expo_family(e, name, XF_METRIC_COUNTER,
			       pass ? "Bytes decided by a range of the feed, by outcome."
				    : "Packets decided by a range of the feed, by outcome "
				      "(would_block: action count; dry_run_passed: a drop "
				      "passed by dry-run).");
		for (id = 0; id < XF_MAX_FEEDS; id++) {
			char feed[XF_FEED_NAME_MAX + 1];

			if (!feeds[id].in_use)
				continue;
			snprintf(feed, sizeof(feed), "%.*s", XF_FEED_NAME_MAX, feeds[id].name);
			for (o = 0; o < XF_OUTCOME_MAX; o++)
				xf_expo_u64(
				    e, name,
				    XF_LABELS({"feed", feed}, {"outcome", xf_outcome_name(o)}),
				    pass ? c[id][o].bytes : c[id][o].packets);
		}
	}
	free(c);
}

/* Ranges in force per feed: every feed the data plane knows, and the
 * registry's feeds that have none applied (yet, or withdrawn). */
static void feed_entries_family(struct xf_expo *e, const struct xf_feed *feeds,
				const struct range_census *census, const struct xf_registry *reg)
{
	size_t i;
	__u32 id;

	xf_expo_family(e, "xdpfence_feed_entries", XF_METRIC_GAUGE,
		       "Blocklist ranges of the feed in force.");
	for (id = 0; id < XF_MAX_FEEDS; id++) {
		char feed[XF_FEED_NAME_MAX + 1];

		if (!feeds || !feeds[id].in_use)
			continue;
		snprintf(feed, sizeof(feed), "%.*s", XF_FEED_NAME_MAX, feeds[id].name);
		xf_expo_u64(e, "xdpfence_feed_entries", XF_LABELS({"feed", feed}),
			    census->per_feed[id]);
	}
	for (i = 0; i < reg->n; i++) {
		const struct xf_feed_def *d = &reg->feeds[i];

		if (feeds && feeds[d->id].in_use &&
		    !strncmp(feeds[d->id].name, d->name, XF_FEED_NAME_MAX))
			continue;
		xf_expo_u64(e, "xdpfence_feed_entries", XF_LABELS({"feed", d->name}), 0);
	}
}

/* A feed counts as up when its last sync brought the version in force or
 * confirmed it (registries from before last_result: no error standing). */
static bool feed_up(const struct xf_feed_status *s)
{
	if (s->last_result == XF_RESULT_NONE)
		return s->last_attempt > 0 && !s->last_error;
	return s->last_result == XF_RESULT_APPLIED || s->last_result == XF_RESULT_NOT_MODIFIED;
}

static __u64 non_negative(long long v)
{
	return v > 0 ? (__u64)v : 0;
}

/* The registry's view of each feed: how it is configured, when it was
 * fetched, how the last sync ended, how old the version in force is. */
static void feed_status_families(struct xf_expo *e, const struct xf_registry *reg, time_t now)
{
	size_t i;

	xf_expo_family(e, "xdpfence_feed_info", XF_METRIC_GAUGE,
		       "1 for each registered feed, with its format, action and what becomes "
		       "of it when stale (enforce: stays in force, withdraw: withdrawn).");
	for (i = 0; i < reg->n; i++) {
		const struct xf_feed_def *d = &reg->feeds[i];

		xf_expo_u64(e, "xdpfence_feed_info",
			    XF_LABELS({"feed", d->name}, {"format", xf_feed_format_name(d->format)},
				      {"action", xf_action_name(d->action)},
				      {"stale_policy", xf_stale_policy_name(d->stale_policy)}),
			    1);
	}
	xf_expo_family(e, "xdpfence_feed_last_success_timestamp_seconds", XF_METRIC_GAUGE,
		       "When the feed was last fetched and applied, or confirmed unchanged "
		       "(304), unix time; 0: never.");
	for (i = 0; i < reg->n; i++)
		xf_expo_u64(e, "xdpfence_feed_last_success_timestamp_seconds",
			    XF_LABELS({"feed", reg->feeds[i].name}),
			    non_negative(reg->feeds[i].status.last_success));
	xf_expo_family(e, "xdpfence_feed_last_attempt_timestamp_seconds", XF_METRIC_GAUGE,
		       "When a sync of the feed was last tried, unix time; 0: never.");
	for (i = 0; i < reg->n; i++)
		xf_expo_u64(e, "xdpfence_feed_last_attempt_timestamp_seconds",
			    XF_LABELS({"feed", reg->feeds[i].name}),
			    non_negative(reg->feeds[i].status.last_attempt));
	xf_expo_family(e, "xdpfence_feed_up", XF_METRIC_GAUGE,
		       "1 when the last sync of the feed applied a version or confirmed the one "
		       "in force, 0 when it failed, was refused or never ran.");
	for (i = 0; i < reg->n; i++)
		xf_expo_u64(e, "xdpfence_feed_up", XF_LABELS({"feed", reg->feeds[i].name}),
			    feed_up(&reg->feeds[i].status));
	xf_expo_family(e, "xdpfence_feed_last_result_info", XF_METRIC_GAUGE,
		       "1 with how the feed's last sync ended: applied, not-modified, failed, "
		       "refused, last-good (the saved copy applied), withdrawn.");
	for (i = 0; i < reg->n; i++) {
		const struct xf_feed_status *s = &reg->feeds[i].status;

		if (s->last_result == XF_RESULT_NONE)
			continue;
		xf_expo_u64(e, "xdpfence_feed_last_result_info",
			    XF_LABELS({"feed", reg->feeds[i].name},
				      {"result", xf_sync_result_name(s->last_result)}),
			    1);
	}
	xf_expo_family(e, "xdpfence_feed_last_error_info", XF_METRIC_GAUGE,
		       "1 while the feed's last sync failed, with the error in a label.");
	for (i = 0; i < reg->n; i++) {
		const struct xf_feed_status *s = &reg->feeds[i].status;
		char error[256];

		if (!s->last_error)
			continue;
		/* bounded: a label, not a log */
		snprintf(error, sizeof(error), "%s", s->last_error);
		xf_expo_u64(e, "xdpfence_feed_last_error_info",
			    XF_LABELS({"feed", reg->feeds[i].name}, {"error", error}), 1);
	}
	xf_expo_family(e, "xdpfence_feed_sync_duration_seconds", XF_METRIC_GAUGE,
		       "How long the feed's last sync took (fetch, parse, apply).");
	for (i = 0; i < reg->n; i++)
		xf_expo_double(e, "xdpfence_feed_sync_duration_seconds",
			       XF_LABELS({"feed", reg->feeds[i].name}),
			       reg->feeds[i].status.sync_duration);
	xf_expo_family(e, "xdpfence_feed_age_seconds", XF_METRIC_GAUGE,
		       "Seconds since the feed's last successful sync (absent: never).");
	for (i = 0; i < reg->n; i++) {
		long long age = xf_feed_age(&reg->feeds[i], now);

		if (age >= 0)
			xf_expo_u64(e, "xdpfence_feed_age_seconds",
				    XF_LABELS({"feed", reg->feeds[i].name}), age);
	}
	xf_expo_family(e, "xdpfence_feed_max_age_seconds", XF_METRIC_GAUGE,
		       "The age past which the feed is stale; 0: it never is.");
	for (i = 0; i < reg->n; i++)
		xf_expo_u64(e, "xdpfence_feed_max_age_seconds",
			    XF_LABELS({"feed", reg->feeds[i].name}),
			    non_negative(reg->feeds[i].max_age));
	xf_expo_family(e, "xdpfence_feed_stale", XF_METRIC_GAUGE,
		       "1 while the feed is older than its max age (or never synced and has one).");
	for (i = 0; i < reg->n; i++)
		xf_expo_u64(e, "xdpfence_feed_stale", XF_LABELS({"feed", reg->feeds[i].name}),
			    xf_feed_is_stale(&reg->feeds[i], now));
	xf_expo_family(e, "xdpfence_feed_interval_seconds", XF_METRIC_GAUGE,
		       "Seconds between the daemon's refreshes of the feed; 0: manual.");
	for (i = 0; i < reg->n; i++)
		xf_expo_u64(e, "xdpfence_feed_interval_seconds",
			    XF_LABELS({"feed", reg->feeds[i].name}),
			    non_negative(reg->feeds[i].interval));
}

static size_t bitmap_population(const struct xf_state *st)
{
	size_t i, n = 0;

	for (i = 0; st->v4_bitmap && i < XF_V4_SLOTS / 64; i++)
		n += __builtin_popcountll(st->v4_bitmap[i]);
	return n;
}

/* Fill of the maps that can run full: entries as counted without walking
 * a big map key by key (the range store counts its ranges; the /24 table
 * its bitmap), against the capacity that limits them. */
static void map_families(struct xf_expo *e, const struct xf_state *st,
			 const struct range_census *census, size_t feeds_in_use, size_t hot_ranges)
{
	struct {
		enum xf_map_id id;
		__u64 entries, capacity;
	} fill[6];
	struct xf_service svc;
	struct xf_iface rec;
	size_t services = 0, ifaces = 0, n = 0, k;
	__u32 i;

	for (i = 0; i < XF_MAX_SERVICES; i++)
		if (!bpf_map_lookup_elem(st->map_fd[XF_MAP_SERVICES], &i, &svc) && svc.in_use)
			services++;
	for (i = 0; i < XF_MAX_IFACES; i++)
		if (!bpf_map_lookup_elem(st->map_fd[XF_MAP_IFACES], &i, &rec) && rec.in_use)
			ifaces++;
	/* the range store: against what a commit accepts, not the id space */
	fill[n++] = (typeof(fill[0])){XF_MAP_RANGES, census->in_use, st->max_ranges};
	/* the per-range counter cache: ranges holding a way, of the ways each
	 * CPU has */
	fill[n++] = (typeof(fill[0])){XF_MAP_RANGE_STATS, hot_ranges,
				      (__u64)st->range_sets * XF_RANGE_WAYS};
	fill[n++] = (typeof(fill[0])){XF_MAP_FEEDS, feeds_in_use, XF_MAX_FEEDS};
	fill[n++] = (typeof(fill[0])){XF_MAP_SERVICES, services, XF_MAX_SERVICES};
	fill[n++] = (typeof(fill[0])){XF_MAP_IFACES, ifaces, XF_MAX_IFACES};
	if (st->backend == XF_BACKEND_FAST)
		fill[n++] = (typeof(fill[0])){XF_MAP_V4_SLOTS, bitmap_population(st), XF_V4_SLOTS};

	xf_expo_family(e, "xdpfence_map_entries", XF_METRIC_GAUGE,
		       "Entries in use: xf_ranges counts ranges (allowlist included), "
		       "xf_range_stats ranges holding a per-range counter (on any CPU), "
		       "xf_v4_slots the /24 slots holding a range.");
	for (k = 0; k < n; k++)
		xf_expo_u64(e, "xdpfence_map_entries", XF_LABELS({"map", xf_map_name(fill[k].id)}),
			    fill[k].entries);
	xf_expo_family(e, "xdpfence_map_capacity", XF_METRIC_GAUGE,
		       "Entries the map can hold: xf_ranges in ranges (--max-ranges), "
		       "xf_range_stats in per-range counters per CPU, xf_v4_slots in /24 slots.");
	for (k = 0; k < n; k++)
		xf_expo_u64(e, "xdpfence_map_capacity", XF_LABELS({"map", xf_map_name(fill[k].id)}),
			    fill[k].capacity);
}

static void interface_family(struct xf_expo *e, const struct xf_state *st)
{
	char seen[XF_MAX_IFACES][XF_IFNAME_MAX + 16];
	size_t nseen = 0, k;
	struct xf_iface rec;
	__u32 slot;

	xf_expo_family(e, "xdpfence_interface_attached", XF_METRIC_GAUGE,
		       "1 for each interface the filter is attached to, with its XDP mode.");
	for (slot = 0; slot < XF_MAX_IFACES; slot++) {
		char key[XF_IFNAME_MAX + 16], name[XF_IFNAME_MAX + 1];
		const char *mode;

		if (bpf_map_lookup_elem(st->map_fd[XF_MAP_IFACES], &slot, &rec) || !rec.in_use)
			continue;
		snprintf(name, sizeof(name), "%.*s", XF_IFNAME_MAX, rec.name);
		mode = xf_mode_name(rec.mode);
		/* the same name in two namespaces is one series */
		snprintf(key, sizeof(key), "%s/%s", name, mode);
		for (k = 0; k < nseen && strcmp(seen[k], key); k++)
			;
		if (k < nseen)
			continue;
		snprintf(seen[nseen++], sizeof(seen[0]), "%s", key);
		xf_expo_u64(e, "xdpfence_interface_attached",
			    XF_LABELS({"interface", name}, {"mode", mode}), 1);
	}
}

/* The per-range counters of the top_n ranges in force by recent drops
 * (user/top_ranges.h): bounded cardinality whatever the number of ranges. */
static void top_range_families(struct xf_expo *e, const struct xf_state *st,
			       const struct xf_range_total *hot, size_t nhot, unsigned top_n,
			       struct xf_drop_history *history)
{
	struct xf_range_total *cand = calloc(nhot ? nhot : 1, sizeof(*cand));
	size_t *order = calloc(nhot ? nhot : 1, sizeof(*order));
	size_t n = 0, i;
	long ntop = 0;
	int pass, o;

	if (cand && order) {
		/* ranges in force only: an id may hold a removed range's counts */
		for (i = 0; i < nhot; i++)
			if (hot[i].range_id < st->max_ids &&
			    (st->ranges[hot[i].range_id].flags & XF_RANGE_IN_USE))
				cand[n++] = hot[i];
		ntop = xf_top_ranges(cand, n, history, xf_now_ms() / 1e3, top_n, order);
	}
	if (ntop < 0)
		xf_warn("metrics: cannot rank the ranges: %s", strerror((int)-ntop));
	for (pass = 0; pass < 2; pass++) {
		const char *name =
		    pass ? "xdpfence_top_range_bytes_total" : "xdpfence_top_range_packets_total";

		xf_expo_family(e, name, XF_METRIC_COUNTER,
			       pass ? "Bytes of the top ranges by recent drops, by outcome."
				    : "Packets of the top ranges by recent drops, by outcome (only "
				      "the top N ranges appear; the counts are since the range "
				      "was created).");
		for (i = 0; i < (size_t)(ntop > 0 ? ntop : 0); i++) {
			const struct xf_range_total *t = &cand[order[i]];
			const struct xf_range *rec = &st->ranges[t->range_id];
			char range[XF_PREFIX_STRLEN], feed[XF_FEED_NAME_MAX + 8];
			struct xf_prefix p;

			if (xf_prefix_from_key(&p, &rec->key))
				continue;
			xf_prefix_format(&p, range, sizeof(range));
			xf_feed_name(st, rec->feed_id, feed, sizeof(feed));
			for (o = 0; o < XF_OUTCOME_MAX; o++) {
				const struct xf_counter *c = &t->outcome[o];

				xf_expo_u64(e, name,
					    XF_LABELS({"range", range}, {"feed", feed},
						      {"action", xf_action_name(rec->action)},
						      {"outcome", xf_outcome_name(o)}),
					    pass ? c->bytes : c->packets);
			}
		}
	}
	free(order);
	free(cand);
}

/* Manual ranges with an expiry (block/allow --ttl): how many wait for it,
 * and the earliest. */
static void manual_expiry_families(struct xf_expo *e, const struct xf_cli *cli,
				   const struct xf_state *st, time_t now)
{
	struct xf_manual_meta meta = {};
	size_t pending[2] = {}, i;
	time_t next = 0;

	if (xf_persist_load_meta(cli, st->pin_dir, &meta))
		return;
	for (i = 0; i < meta.n; i++) {
		const struct xf_manual_meta_entry *m = &meta.entries[i];

		if (m->expires <= now)
			continue;
		pending[m->allow]++;
		if (!next || m->expires < next)
			next = m->expires;
	}
	xf_manual_meta_free(&meta);
	xf_expo_family(e, "xdpfence_manual_ranges_expiring", XF_METRIC_GAUGE,
		       "Manual ranges with an expiry still ahead (block/allow --ttl), by list.");
	xf_expo_u64(e, "xdpfence_manual_ranges_expiring", XF_LABELS({"list", "block"}), pending[0]);
	xf_expo_u64(e, "xdpfence_manual_ranges_expiring", XF_LABELS({"list", "allow"}), pending[1]);
	xf_expo_family(e, "xdpfence_manual_range_next_expiry_timestamp_seconds", XF_METRIC_GAUGE,
		       "When the next manual range expires, unix time; 0: none pending.");
	xf_expo_u64(e, "xdpfence_manual_range_next_expiry_timestamp_seconds", XF_NO_LABELS,
		    next > 0 ? (__u64)next : 0);
}

/* What per-range counters miss: packets of ranges that held no counter
 * (the cache was full), counts of ranges pushed out of it. */
static void unattributed_families(struct xf_expo *e, const struct xf_state *st)
{
	struct xf_counter c[XF_OUTCOME_MAX];
	int pass, o;

	if (xf_range_counters_unattributed(st, c))
		return;
	for (pass = 0; pass < 2; pass++) {
		const char *name = pass ? "xdpfence_range_unattributed_bytes_total"
					: "xdpfence_range_unattributed_packets_total";

		xf_expo_family(e, name, XF_METRIC_COUNTER,
			       pass
				   ? "Bytes of ranges that held no per-range counter, by outcome."
				   : "Packets of ranges that held no per-range counter (the cache "
				     "was full, or the range was pushed out), by outcome: with the "
				     "per-range counts they make the per-feed totals.");
		for (o = 0; o < XF_OUTCOME_MAX; o++)
			xf_expo_u64(e, name, XF_LABELS({"outcome", xf_outcome_name(o)}),
				    pass ? c[o].bytes : c[o].packets);
	}
}

static void settings_families(struct xf_expo *e, const struct xf_state *st)
{
	struct xf_event_limiter *lim = calloc(st->nr_cpus, sizeof(*lim));
	struct xf_config cfg = {};
	__u64 suppressed = 0;
	__u32 zero = 0;
	int cpu;

	xf_config_read(st, &cfg);
	xf_expo_family(e, "xdpfence_dry_run", XF_METRIC_GAUGE,
		       "1 while dry-run turns every drop into a counted pass.");
	xf_expo_u64(e, "xdpfence_dry_run", XF_NO_LABELS, cfg.dry_run);
	if (lim && !bpf_map_lookup_elem(st->map_fd[XF_MAP_EVENT_LIMIT], &zero, lim))
		for (cpu = 0; cpu < st->nr_cpus; cpu++)
			suppressed += lim[cpu].suppressed;
	free(lim);
	xf_expo_family(e, "xdpfence_events_suppressed_total", XF_METRIC_COUNTER,
		       "Drop/tag events not sent by the data plane because of its rate limit "
		       "(config set event-rate).");
	xf_expo_u64(e, "xdpfence_events_suppressed_total", XF_NO_LABELS, suppressed);
}

static void state_families(struct xf_expo *e, const struct xf_cli *cli, const struct xf_state *st,
			   const struct xf_registry *reg, unsigned top_n,
			   struct xf_drop_history *history, time_t now)
{
	struct xf_feed *feeds = calloc(XF_MAX_FEEDS, sizeof(*feeds));
	struct range_census *census = calloc(1, sizeof(*census));
	struct xf_range_total *hot = NULL;
	size_t nhot = 0;
	int nfeeds;

	if (!feeds || !census) {
		free(feeds);
		free(census);
		return;
	}
	take_census(st, census);
	nfeeds = applied_feeds(st, feeds);
	if (xf_range_counters_collect(st, &hot, &nhot))
		xf_warn("metrics: cannot read the per-range counters");

	global_families(e, st);
	feed_counter_families(e, st, feeds);
	feed_entries_family(e, feeds, census, reg);
	feed_status_families(e, reg, now);
	map_families(e, st, census, nfeeds, nhot);
	interface_family(e, st);
	top_range_families(e, st, hot, nhot, top_n, history);
	unattributed_families(e, st);
	manual_expiry_families(e, cli, st, now);
	settings_families(e, st);
	free(hot);
	free(census);
	free(feeds);
}

int xf_metrics_render_recent(const struct xf_cli *cli, unsigned top_n,
			     struct xf_drop_history *history, char **text, size_t *len)
{
	struct xf_state_opts opts = {.pin_dir = cli->pin_dir};
	struct xf_registry reg = {.lock_fd = -1};
	struct xf_state st;
	bool have_reg, have_state;
	struct xf_expo e;
	int err;

	err = xf_expo_open(&e);
	if (err)
		return err;
	err = xf_registry_open(&reg, cli->state_dir, false);
	have_reg = !err;
	if (err)
		xf_warn("metrics: cannot read the feed registry in %s: %s",
			cli->state_dir ? cli->state_dir : xf_registry_default_dir(),
			strerror(-err));
	err = xf_state_open(&st, &opts);
	have_state = !err;
	if (err && err != -ENOENT)
		xf_warn("metrics: cannot open the state under %s: %s",
			cli->pin_dir ? cli->pin_dir : xf_state_default_pin_dir(), strerror(-err));

	xf_expo_family(&e, "xdpfence_state_loaded", XF_METRIC_GAUGE,
		       "1 when the pinned xdpfence state could be read.");
	xf_expo_u64(&e, "xdpfence_state_loaded", XF_NO_LABELS, have_state);
	if (have_state) {
		state_families(&e, cli, &st, have_reg ? &reg : &(struct xf_registry){}, top_n,
			       history, time(NULL));
		xf_state_close(&st);
	} else if (have_reg) {
		feed_entries_family(&e, NULL, NULL, &reg);
		feed_status_families(&e, &reg, time(NULL));
	}
	if (have_reg)
		xf_registry_close(&reg);
	return xf_expo_finish(&e, text, len);
}

int xf_metrics_render(const struct xf_cli *cli, unsigned top_n, char **text, size_t *len)
{
	return xf_metrics_render_recent(cli, top_n, NULL, text, len);
}

static void render_listening(struct json_object *result)
{
	printf("serving http://%s/metrics until SIGTERM\n", xf_json_str(result, "listen"));
}

/* metrics: print one exposition, or serve them until SIGTERM/SIGINT. */
int xf_cmd_metrics(struct xf_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"top", required_argument, NULL, 't'},
	    {"listen", required_argument, NULL, 'l'},
	    {NULL, 0, NULL, 0},
	};
	struct xf_metrics_server *server;
	unsigned long top = XF_METRICS_DEFAULT_TOP;
	struct json_object *result;
	const char *listen = NULL;
	sigset_t stop_signals;
	char *end, *text, where[300];
	size_t len;
	int c, err, sig;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "t:l:", opts, NULL)) != -1) {
		if (c == 't') {
			top = strtoul(optarg, &end, 10);
			if (*end || !*optarg || *optarg == '-' || top > XF_METRICS_MAX_TOP)
				return xf_usage_error(
				    cli, "metrics",
				    "metrics: --top '%s' is not a count from 0 to %d", optarg,
				    XF_METRICS_MAX_TOP);
		} else if (c == 'l') {
			listen = optarg;
		} else {
			return xf_usage_error(cli, "metrics", "metrics: unknown option '%s'",
					      argv[optind - 1]);
		}
	}
	if (optind < argc)
		return xf_usage_error(cli, "metrics", "metrics: unexpected argument '%s'",
				      argv[optind]);
	if (!listen) {
		err = xf_metrics_render(cli, top, &text, &len);
		if (err)
			return xf_fail(cli, "metrics: %s", strerror(-err));
		fwrite(text, 1, len, stdout);
		fflush(stdout);
		free(text);
		return 0;
	}
	/* blocked before the server's thread starts, so it inherits the mask
	 * and the signals reach sigwait below */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	err = xf_metrics_start(cli, listen, top, &server);
	if (err) /* the message is out; -j wants it on stdout too */
		return cli->json
			   ? xf_fail(cli, "metrics: cannot serve on %s: %s", listen, strerror(-err))
			   : 1;
	/* the port asked for may have been 0: say which one it is */
	snprintf(where, sizeof(where), "%.*s:%u", (int)(strrchr(listen, ':') - listen), listen,
		 xf_metrics_port(server));
	result = json_object_new_object();
	json_object_object_add(result, "listen", json_object_new_string(where));
	json_object_object_add(result, "port", json_object_new_int(xf_metrics_port(server)));
	xf_output(cli, result, render_listening);
	while (sigwait(&stop_signals, &sig))
		;
	xf_metrics_stop(server);
	return 0;
}
