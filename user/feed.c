// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* feed add / remove / list / show / sync / check: the feed registry and
 * its application to the live maps. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli.h"
#include "duration.h"
#include "fetch.h"
#include "clock.h"
#include "log.h"
#include "names.h"
#include "registry.h"
#include "registry_options.h"
#include "sync.h"

#define XF_SYNC_WARNINGS_SHOWN 20
#define XF_CONFLICTS_SHOWN 20

enum feed_opt {
	OPT_SOURCE = 256,
	OPT_FORMAT,
	OPT_ACTION,
	OPT_TAG,
	OPT_CATEGORY,
	OPT_MIN_PREFIX4,
	OPT_MIN_PREFIX6,
	OPT_ALLOW_SPECIAL,
	OPT_MAX_SHRINK,
	OPT_ALLOW_SHRINK,
	OPT_SELECT,
	OPT_COLUMN,
	OPT_WHERE,
	OPT_MIN_SCORE,
	OPT_ASN,
	OPT_FORCE,
	OPT_TIMEOUT,
	OPT_CONNECT_TIMEOUT,
	OPT_MAX_SIZE,
	OPT_RETRIES,
	OPT_CA_FILE,
	OPT_INTERVAL,
	OPT_MAX_AGE,
	OPT_STALE,
};

static const struct option feed_options[] = {
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "action", required_argument, NULL, OPT_ACTION },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "category", required_argument, NULL, OPT_CATEGORY },
	{ "min-prefix4", required_argument, NULL, OPT_MIN_PREFIX4 },
	{ "min-prefix6", required_argument, NULL, OPT_MIN_PREFIX6 },
	{ "allow-special", no_argument, NULL, OPT_ALLOW_SPECIAL },
	{ "max-shrink", required_argument, NULL, OPT_MAX_SHRINK },
	{ "allow-shrink", no_argument, NULL, OPT_ALLOW_SHRINK },
	{ "select", required_argument, NULL, OPT_SELECT },
	{ "column", required_argument, NULL, OPT_COLUMN },
	{ "where", required_argument, NULL, OPT_WHERE },
	{ "min-score", required_argument, NULL, OPT_MIN_SCORE },
	{ "asn", required_argument, NULL, OPT_ASN },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	{ "stale", required_argument, NULL, OPT_STALE },
	{ NULL, 0, NULL, 0 },
};

/* One option of feed add / feed check into def (registry_options.h
 * parses the values, as for the daemon's config file). Returns 0 or an
 * exit code. */
static int take_feed_option(struct xf_cli *cli, const char *cmd, int c, const char *arg,
			    struct xf_feed_def *d, bool *force)
{
	const struct option *o;
	char err[512];
	int ret;

	if (c == OPT_FORCE) {
		if (!force)
			return xf_usage_error(cli, "feed", "%s: --force only applies to feed sync",
					      cmd);
		*force = true;
		return 0;
	}
	for (o = feed_options; o->name && o->val != c; o++)
		;
	if (!o->name)
		return xf_usage_error(cli, "feed", "%s: unknown option", cmd);
	ret = xf_feed_option_set(d, o->name, arg, NULL, err, sizeof(err));
	if (ret == -ENOMEM)
		return xf_fail(cli, "%s: out of memory", cmd);
	if (ret)
		return xf_usage_error(cli, "feed", "%s: --%s", cmd, err);
	return 0;
}

struct incoherence {
	struct xf_cli *cli;
	const char *cmd;
	int ret;
};

static void report_incoherence(const char *problem, void *data)
{
	struct incoherence *ctx = data;

	if (!ctx->ret)
		ctx->ret = xf_usage_error(ctx->cli, "feed", "%s: %s", ctx->cmd, problem);
}

/* Options that the format ignores are a mistake worth saying. */
static int check_format_options(struct xf_cli *cli, const char *cmd, const struct xf_feed_def *d)
{
	struct incoherence ctx = { .cli = cli, .cmd = cmd };

	xf_feed_def_check(d, report_incoherence, &ctx);
	return ctx.ret;
}

/* getopt over argv into def; returns 0 or an exit code. */
static int parse_feed_args(struct xf_cli *cli, const char *cmd, int argc, char **argv,
			   struct xf_feed_def *d, bool *force, int *first_arg)
{
	int c, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", feed_options, NULL)) != -1) {
		if (c == '?' || c == ':')
			return xf_usage_error(cli, "feed", "%s: unknown or incomplete option '%s'",
					      cmd, argv[optind - 1]);
		ret = take_feed_option(cli, cmd, c, optarg, d, force);
		if (ret)
			return ret;
	}
	*first_arg = optind;
	return 0;
}

static int open_registry(struct xf_cli *cli, struct xf_registry *reg, bool lock)
{
	int err = xf_registry_open(reg, cli->state_dir, lock);

	if (err)
		xf_fail(cli, "cannot open the feed registry under %s: %s",
			cli->state_dir ? cli->state_dir : xf_registry_default_dir(), strerror(-err));
	return err;
}

/* Make the data plane's feed table say this feed's name. */
static void register_feed_name(const struct xf_state *st, const struct xf_feed_def *d)
{
	struct xf_feed feed = { .in_use = 1 };
	__u32 id = d->id;

	snprintf(feed.name, sizeof(feed.name), "%s", d->name);
	bpf_map_update_elem(st->map_fd[XF_MAP_FEEDS], &id, &feed, BPF_ANY);
}

/* ---- add / remove / list / show ---- */

static void render_added(struct json_object *result)
{
	printf("added feed '%s' (id %lld, %s, %s): apply it with 'xdpfence feed sync %s'\n",
	       xf_json_str(result, "name"), xf_json_int(result, "id"), xf_json_str(result, "format"),
	       xf_json_str(result, "action"), xf_json_str(result, "name"));
}

static int feed_add(struct xf_cli *cli, int argc, char **argv)
{
	struct xf_registry reg;
	struct xf_feed_def def;
	struct json_object *result;
	int first, ret, err;

	xf_feed_def_init(&def);
	ret = parse_feed_args(cli, "feed add", argc, argv, &def, NULL, &first);
	if (ret)
		goto out;
	if (argc - first != 1) {
		ret = xf_usage_error(cli, "feed", "feed add: give exactly one feed NAME");
		goto out;
	}
	if (!xf_feed_name_valid(argv[first])) {
		ret = xf_fail(cli, "feed add: '%s' is not a valid feed name (1-31 of a-z 0-9 _ . -)",
			      argv[first]);
		goto out;
	}
	snprintf(def.name, sizeof(def.name), "%s", argv[first]);
	if (!def.source) {
		ret = xf_usage_error(cli, "feed", "feed add: --source PATH|URL is required");
		goto out;
	}
	if (def.action == XF_ACTION_TAG && !def.tag)
		def.tag = 1;
	if (def.action == XF_ACTION_TAG) {
		struct xf_state_opts opts = { .pin_dir = cli->pin_dir };
		struct xf_config cfg;
		struct xf_state st;

		/* the tag becomes mark bits: it must fit the mask in force */
		if (!xf_state_open(&st, &opts)) {
			bool fits = xf_config_read(&st, &cfg) ||
				    def.tag <= ((__u64)cfg.mark_mask >> cfg.mark_shift);

			xf_state_close(&st);
			if (!fits) {
				ret = xf_fail(cli, "feed add: tag %u does not fit mark-mask 0x%08x "
					      "(largest tag %llu)",
					      def.tag, cfg.mark_mask,
					      (unsigned long long)cfg.mark_mask >> cfg.mark_shift);
				goto out;
			}
		}
	}
	ret = check_format_options(cli, "feed add", &def);
	if (ret)
		goto out;
	if (def.max_age && def.interval && def.max_age < def.interval)
		xf_warn("feed add: %s: --max-age is shorter than --interval: the feed will be "
			"reported stale between refreshes",
			argv[first]);
	if (open_registry(cli, &reg, true)) {
		ret = 1;
		goto out;
	}
	err = xf_registry_add(&reg, &def);
	if (!err)
		err = xf_registry_save(&reg);
	if (err) {
		ret = xf_fail(cli, "feed add: %s: %s", argv[first],
			      err == -EEXIST	 ? "a feed of that name exists"
			      : err == -ENOSPC ? "the registry is full"
						 : strerror(-err));
		xf_registry_close(&reg);
		goto out;
	}
	result = xf_feed_def_json(xf_registry_find(&reg, argv[first]));
	xf_registry_close(&reg);
	ret = xf_output(cli, result, render_added);
out:
	xf_feed_def_free(&def);
	return ret;
}

static void render_removed(struct json_object *result)
{
	printf("removed feed '%s': %lld ranges withdrawn\n", xf_json_str(result, "name"),
	       xf_json_int(result, "ranges_removed"));
}

static int feed_remove(struct xf_cli *cli, int argc, char **argv)
{
	struct xf_ruleset old = {}, next = {};
	struct json_object *result;
	struct xf_registry reg;
	struct xf_feed_def *d;
	struct xf_state st;
	size_t removed = 0;
	__u8 id;
	int err;

	if (argc != 2)
		return xf_usage_error(cli, "feed", "feed remove: give exactly one feed NAME");
	if (open_registry(cli, &reg, true))
		return 1;
	d = xf_registry_find(&reg, argv[1]);
	if (!d) {
		xf_registry_close(&reg);
		return xf_fail(cli, "feed remove: no feed named '%s'", argv[1]);
	}
	id = d->id;
	/* withdraw its ranges first: a registry without the feed but maps
	 * with its ranges would be unexplainable. Under the state lock, like
	 * every commit. */
	{
		struct xf_state_opts opts = { .pin_dir = cli->pin_dir, .lock = true };

		err = xf_state_open(&st, &opts);
	}
	if (err && err != -ENOENT) {
		xf_registry_close(&reg);
		return xf_fail(cli, "feed remove: cannot open the state: %s", strerror(-err));
	}
	if (!err) {
		struct xf_feed empty = {};
		__u32 key = id;

		err = xf_ruleset_read(&st, &old);
		if (!err)
			err = xf_sync_without_feed(&old, id, &next, &removed);
		if (!err)
			err = xf_ruleset_commit(&st, &old, &next, NULL);
		if (!err) {
			bpf_map_update_elem(st.map_fd[XF_MAP_FEEDS], &key, &empty, BPF_ANY);
			xf_percpu_zero(&st, XF_MAP_FEED_STATS, key, sizeof(struct xf_range_counters));
		}
		xf_ruleset_free(&old);
		xf_ruleset_free(&next);
		xf_state_close(&st);
		if (err) {
			xf_registry_close(&reg);
			return xf_fail(cli, "feed remove: %s: cannot withdraw its ranges: %s",
				       argv[1], strerror(-err));
		}
	}
	err = xf_registry_remove(&reg, argv[1]);
	if (!err)
		err = xf_registry_save(&reg);
	if (!err)
		xf_sync_forget_last_good(reg.dir, argv[1]);
	xf_registry_close(&reg);
	if (err)
		return xf_fail(cli, "feed remove: %s: %s", argv[1], strerror(-err));
	result = json_object_new_object();
	json_object_object_add(result, "name", json_object_new_string(argv[1]));
	json_object_object_add(result, "ranges_removed", json_object_new_uint64(removed));
	return xf_output(cli, result, render_removed);
}

static void format_time(long long t, char *buf, size_t len)
{
	time_t tt = t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm))
		snprintf(buf, len, "never");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A feed as the registry has it, and how it stands now: its age since the
 * last success and whether that makes it stale. */
static struct json_object *feed_json_now(const struct xf_feed_def *d, long long now)
{
	struct json_object *o = xf_feed_def_json(d);
	long long age = xf_feed_age(d, now);

	json_object_object_add(o, "age", age < 0 ? NULL : json_object_new_int64(age));
	json_object_object_add(o, "stale", json_object_new_boolean(xf_feed_is_stale(d, now)));
	return o;
}

static void format_duration(long long seconds, char *buf, size_t len)
{
	if (seconds <= 0)
		snprintf(buf, len, "-");
	else
		xf_duration_format(seconds, buf, len);
}

static void render_list(struct json_object *result)
{
	struct json_object *feeds;
	size_t i;

	json_object_object_get_ex(result, "feeds", &feeds);
	printf("%-20s %-3s %-13s %-6s %-12s %9s %-8s %-8s %-21s %-12s %-5s %s\n", "FEED", "ID",
	       "FORMAT", "ACTION", "CATEGORY", "ENTRIES", "INTERVAL", "MAX AGE", "LAST SUCCESS",
	       "LAST RESULT", "STALE", "LAST ERROR");
	for (i = 0; i < json_object_array_length(feeds); i++) {
		struct json_object *f = json_object_array_get_idx(feeds, i), *st;
		char when[32], interval[32], max_age[32];

		json_object_object_get_ex(f, "status", &st);
		format_time(xf_json_int(st, "last_success"), when, sizeof(when));
		format_duration(xf_json_int(f, "interval"), interval, sizeof(interval));
		format_duration(xf_json_int(f, "max_age"), max_age, sizeof(max_age));
		printf("%-20s %-3lld %-13s %-6s %-12s %9lld %-8s %-8s %-21s %-12s %-5s %s\n",
		       xf_json_str(f, "name"), xf_json_int(f, "id"), xf_json_str(f, "format"),
		       xf_json_str(f, "action"), xf_json_str(f, "category"),
		       xf_json_int(st, "entries"), interval, max_age, when,
		       xf_json_str(st, "last_result"),
		       json_object_get_boolean(json_object_object_get(f, "stale")) ? "yes" : "no",
		       xf_json_str(st, "last_error"));
	}
	if (!json_object_array_length(feeds))
		puts("(no feeds: add one with 'xdpfence feed add')");
}

static int feed_list(struct xf_cli *cli, int argc, char **argv)
{
	struct json_object *result, *feeds;
	struct xf_registry reg;
	long long now = time(NULL);
	size_t i;

	(void)argv;
	if (argc != 1)
		return xf_usage_error(cli, "feed", "feed list: takes no arguments");
	if (open_registry(cli, &reg, false))
		return 1;
	result = json_object_new_object();
	feeds = json_object_new_array();
	for (i = 0; i < reg.n; i++)
		json_object_array_add(feeds, feed_json_now(&reg.feeds[i], now));
	json_object_object_add(result, "feeds", feeds);
	xf_registry_close(&reg);
	return xf_output(cli, result, render_list);
}

static void render_show(struct json_object *result)
{
	json_object_object_foreach(result, key, val)
	{
		if (json_object_is_type(val, json_type_object)) {
			printf("%s:\n", key);
			json_object_object_foreach(val, k2, v2)
				printf("  %-16s %s\n", k2, v2 ? json_object_get_string(v2) : "-");
		} else {
			printf("%-18s %s\n", key, val ? json_object_get_string(val) : "-");
		}
	}
}

static int feed_show(struct xf_cli *cli, int argc, char **argv)
{
	struct json_object *result;
	struct xf_registry reg;
	struct xf_feed_def *d;
	struct xf_state st;
	struct xf_state_opts opts = { .pin_dir = cli->pin_dir };

	if (argc != 2)
		return xf_usage_error(cli, "feed", "feed show: give exactly one feed NAME");
	if (open_registry(cli, &reg, false))
		return 1;
	d = xf_registry_find(&reg, argv[1]);
	if (!d) {
		xf_registry_close(&reg);
		return xf_fail(cli, "feed show: no feed named '%s'", argv[1]);
	}
	result = feed_json_now(d, time(NULL));
	if (!xf_state_open(&st, &opts)) {
		struct xf_counter c[XF_OUTCOME_MAX];
		struct xf_ruleset rs;

		if (!xf_percpu_read_counters(&st, XF_MAP_FEED_STATS, d->id, c, XF_OUTCOME_MAX))
			json_object_object_add(result, "counters", xf_outcomes_json(c));
		if (!xf_ruleset_read(&st, &rs)) {
			json_object_object_add(result, "ranges_in_force",
					       json_object_new_uint64(xf_ruleset_count_feed(&rs, d->id)));
			xf_ruleset_free(&rs);
		}
		xf_state_close(&st);
	}
	xf_registry_close(&reg);
	return xf_output(cli, result, render_show);
}

/* ---- sync ---- */

static const char *sync_state_name(enum xf_sync_state s)
{
	switch (s) {
	case XF_SYNC_READY:
		return "ready";
	case XF_SYNC_REFUSED:
		return "refused";
	case XF_SYNC_FAILED:
		return "failed";
	case XF_SYNC_APPLIED:
		return "applied";
	case XF_SYNC_NOT_MODIFIED:
		return "not-modified";
	default:
		return "pending";
	}
}

static struct json_object *warnings_json(const struct xf_feed_result *r, size_t limit)
{
	struct json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < r->nwarnings && i < limit; i++)
		json_object_array_add(arr, json_object_new_string(r->warnings[i]));
	return arr;
}

/* Counts by outcome: what parsing and the rails made of the input. */
static struct json_object *counts_json(const struct xf_feed_result *r,
				       const struct xf_rails_counts *rc)
{
	struct json_object *o = json_object_new_object(), *skipped = json_object_new_object();

	json_object_object_add(o, "lines", json_object_new_uint64(r->lines));
	json_object_object_add(o, "parsed", json_object_new_uint64(r->parsed));
	json_object_object_add(o, "accepted", json_object_new_uint64(r->n));
	json_object_object_add(o, "v4", json_object_new_uint64(r->v4));
	json_object_object_add(o, "v6", json_object_new_uint64(r->v6));
	json_object_object_add(skipped, "bad", json_object_new_uint64(r->bad));
	json_object_object_add(skipped, "filtered", json_object_new_uint64(r->filtered));
	json_object_object_add(skipped, "null_or_non_string",
			       json_object_new_uint64(r->null_or_non_string));
	json_object_object_add(skipped, "duplicates", json_object_new_uint64(r->duplicates));
	json_object_object_add(skipped, "zero_length", json_object_new_uint64(rc->zero_length));
	json_object_object_add(skipped, "too_short", json_object_new_uint64(rc->too_short));
	json_object_object_add(skipped, "special", json_object_new_uint64(rc->special));
	json_object_object_add(o, "skipped", skipped);
	json_object_object_add(o, "host_bits_cleared", json_object_new_uint64(r->host_bits));
	json_object_object_add(o, "mapped_to_ipv4", json_object_new_uint64(r->mapped));
	json_object_object_add(o, "zero_padded", json_object_new_uint64(r->zero_padded));
	json_object_object_add(o, "ranges_split", json_object_new_uint64(r->ranges_split));
	json_object_object_add(o, "comments_blank", json_object_new_uint64(r->comments_blank));
	return o;
}

static struct json_object *sync_json(const struct xf_feed_sync *fs)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "feed", json_object_new_string(fs->def->name));
	json_object_object_add(o, "state",
			       json_object_new_string(fs->withdrawn && fs->state == XF_SYNC_APPLIED
							      ? "withdrawn"
							      : sync_state_name(fs->state)));
	json_object_object_add(o, "reason", fs->reason[0] ? json_object_new_string(fs->reason)
							  : NULL);
	json_object_object_add(o, "content_changed", json_object_new_boolean(fs->content_changed));
	json_object_object_add(o, "from_last_good", json_object_new_boolean(fs->from_last_good));
	json_object_object_add(o, "withdrawn", json_object_new_boolean(fs->withdrawn));
	json_object_object_add(o, "attempts", json_object_new_int(fs->attempts));
	json_object_object_add(o, "http_status",
			       fs->http_status ? json_object_new_int64(fs->http_status) : NULL);
	if (fs->state != XF_SYNC_FAILED && fs->state != XF_SYNC_NOT_MODIFIED && !fs->withdrawn)
		json_object_object_add(o, "counts", counts_json(&fs->parsed, &fs->rails));
	json_object_object_add(o, "before", json_object_new_uint64(fs->before));
	json_object_object_add(o, "added", json_object_new_uint64(fs->added));
	json_object_object_add(o, "removed", json_object_new_uint64(fs->removed));
	json_object_object_add(o, "changed", json_object_new_uint64(fs->changed));
	json_object_object_add(o, "unchanged", json_object_new_uint64(fs->unchanged));
	json_object_object_add(o, "prepare_ms", json_object_new_double(fs->prepare_ms));
	json_object_object_add(o, "warnings_total",
			       json_object_new_uint64(fs->parsed.warnings_total));
	json_object_object_add(o, "warnings", warnings_json(&fs->parsed, XF_SYNC_WARNINGS_SHOWN));
	return o;
}

static void render_sync(struct json_object *result)
{
	struct json_object *feeds, *commit, *conflicts;
	size_t i, k;

	json_object_object_get_ex(result, "feeds", &feeds);
	printf("%-20s %-8s %9s %9s %8s %8s %8s %9s %9s %9s\n", "FEED", "STATE", "PARSED",
	       "ACCEPTED", "SKIPPED", "ADDED", "REMOVED", "CHANGED", "UNCHANGED", "MS");
	for (i = 0; i < json_object_array_length(feeds); i++) {
		struct json_object *f = json_object_array_get_idx(feeds, i), *c, *sk, *w;
		long long skipped = 0;

		if (json_object_object_get_ex(f, "counts", &c) &&
		    json_object_object_get_ex(c, "skipped", &sk)) {
			json_object_object_foreach(sk, k2, v2)
			{
				(void)k2;
				skipped += json_object_get_int64(v2);
			}
		} else {
			c = NULL;
		}
		printf("%-20s %-8s %9lld %9lld %8lld %8lld %8lld %9lld %9lld %9.1f\n",
		       xf_json_str(f, "feed"), xf_json_str(f, "state"),
		       c ? xf_json_int(c, "parsed") : 0, c ? xf_json_int(c, "accepted") : 0, skipped,
		       xf_json_int(f, "added"), xf_json_int(f, "removed"), xf_json_int(f, "changed"),
		       xf_json_int(f, "unchanged"),
		       json_object_get_double(json_object_object_get(f, "prepare_ms")));
		if (strcmp(xf_json_str(f, "reason"), "-"))
			printf("  %s\n", xf_json_str(f, "reason"));
		json_object_object_get_ex(f, "warnings", &w);
		for (k = 0; k < json_object_array_length(w); k++)
			printf("  warning: %s\n", json_object_get_string(json_object_array_get_idx(w, k)));
		if (xf_json_int(f, "warnings_total") > (long long)json_object_array_length(w))
			printf("  (%lld warnings in all)\n", xf_json_int(f, "warnings_total"));
	}
	if (json_object_object_get_ex(result, "commit", &commit) && commit)
		printf("rules map: %lld added, %lld changed, %lld removed, %lld unchanged in %.1f ms\n",
		       xf_json_int(commit, "added"), xf_json_int(commit, "changed"),
		       xf_json_int(commit, "removed"), xf_json_int(commit, "unchanged"),
		       json_object_get_double(json_object_object_get(commit, "ms")));
	if (json_object_object_get_ex(result, "allowlist_conflicts", &conflicts)) {
		struct json_object *list;

		json_object_object_get_ex(conflicts, "shown", &list);
		for (k = 0; k < json_object_array_length(list); k++)
			printf("allowlist: %s\n",
			       json_object_get_string(json_object_array_get_idx(list, k)));
		if (xf_json_int(conflicts, "total") > (long long)json_object_array_length(list))
			printf("allowlist: %lld blocklist ranges cover allowlisted ones in all\n",
			       xf_json_int(conflicts, "total"));
	}
}

struct conflict_ctx {
	const struct xf_state *st;
	struct json_object *list;
};

static void report_conflict(const struct xf_rule *block, const struct xf_rule *allow, void *data)
{
	struct conflict_ctx *ctx = data;
	char b[XF_PREFIX_STRLEN], a[XF_PREFIX_STRLEN], feed[XF_FEED_NAME_MAX + 8], msg[256];

	xf_prefix_format(&block->prefix, b, sizeof(b));
	xf_prefix_format(&allow->prefix, a, sizeof(a));
	snprintf(msg, sizeof(msg), "%s (feed '%s', %s) covers allowlisted %s: the allowlist wins", b,
		 xf_feed_name(ctx->st, block->feed_id, feed, sizeof(feed)),
		 xf_action_name(block->action), a);
	json_object_array_add(ctx->list, json_object_new_string(msg));
}

/* Did the feed's source give what is in force now (a new version, or
 * "not modified")? A saved last good version or a withdrawal is not that. */
static bool sync_from_source(const struct xf_feed_sync *fs)
{
	return (fs->state == XF_SYNC_APPLIED && !fs->from_last_good && !fs->withdrawn) ||
	       fs->state == XF_SYNC_NOT_MODIFIED;
}

static int feed_sync(struct xf_cli *cli, int argc, char **argv)
{
	struct xf_ruleset old = {}, next = {};
	struct xf_commit_stats cs = {};
	struct json_object *result, *list, *commit = NULL, *conflicts;
	struct xf_feed_sync *syncs = NULL;
	struct xf_feed_def scratch;
	struct conflict_ctx cctx;
	struct xf_registry reg;
	struct xf_state st;
	bool force = false, any_ready = false, all_ok = true;
	size_t i, n = 0, total;
	int first, ret, err = 0, k, save_err;
	double start, commit_ms = 0;

	xf_feed_def_init(&scratch);
	ret = parse_feed_args(cli, "feed sync", argc, argv, &scratch, &force, &first);
	xf_feed_def_free(&scratch);
	if (ret)
		return ret;
	if (open_registry(cli, &reg, true))
		return 1;
	for (k = first; k < argc; k++) {
		if (!xf_registry_find(&reg, argv[k])) {
			xf_registry_close(&reg);
			return xf_fail(cli, "feed sync: no feed named '%s'", argv[k]);
		}
	}
	if (!reg.n) {
		xf_registry_close(&reg);
		return xf_fail(cli, "feed sync: no feeds registered (feed add)");
	}
	syncs = calloc(reg.n, sizeof(*syncs));
	if (!syncs) {
		xf_registry_close(&reg);
		return xf_fail(cli, "feed sync: out of memory");
	}
	/* Download and parse without the state lock: a slow source must not
	 * hold up an operator's `allow` or `dry-run on`. What is in force per
	 * feed only changes under the registry lock, which we hold. */
	{
		struct xf_state_opts opts = { .pin_dir = cli->pin_dir };

		memset(&st, 0, sizeof(st));
		if (!xf_state_open(&st, &opts)) {
			err = xf_ruleset_read(&st, &old);
			xf_state_close(&st);
			if (err)
				goto fail_unopened;
		}
	}
	for (i = 0; i < reg.n; i++) {
		struct xf_feed_def *d = &reg.feeds[i];
		bool wanted = first == argc;

		for (k = first; k < argc && !wanted; k++)
			wanted = !strcmp(argv[k], d->name);
		if (!wanted)
			continue;
		xf_sync_prepare(&syncs[n], d, xf_ruleset_count_feed(&old, d->id), force);
		d->status.last_attempt = time(NULL);
		/* a rejected feed leaves the last good state in force, also
		 * when a reboot emptied the maps; unless it is stale and its
		 * policy is to withdraw it then */
		if (!xf_sync_withdraw_if_stale(&syncs[n], d->status.last_attempt) &&
		    (syncs[n].state == XF_SYNC_FAILED || syncs[n].state == XF_SYNC_REFUSED) &&
		    !syncs[n].before)
			xf_sync_use_last_good(reg.dir, &syncs[n]);
		any_ready |= syncs[n].state == XF_SYNC_READY;
		n++;
	}

	/* now the commit, under the state lock, on what is in force now */
	xf_ruleset_free(&old);
	if (xf_cli_open_state(cli, &st, true)) {
		ret = 1;
		goto out_unopened;
	}
	err = xf_ruleset_read(&st, &old);
	if (err)
		goto fail;
	for (i = 0; i < reg.n; i++)
		register_feed_name(&st, &reg.feeds[i]);

	if (any_ready) {
		err = xf_sync_build(&old, syncs, n, &next);
		if (err)
			goto fail;
		start = xf_now_ms();
		err = xf_ruleset_commit(&st, &old, &next, &cs);
		commit_ms = xf_now_ms() - start;
		commit = json_object_new_object();
		json_object_object_add(commit, "added", json_object_new_uint64(cs.added));
		json_object_object_add(commit, "changed", json_object_new_uint64(cs.changed));
		json_object_object_add(commit, "removed", json_object_new_uint64(cs.removed));
		json_object_object_add(commit, "unchanged", json_object_new_uint64(cs.unchanged));
		json_object_object_add(commit, "ms", json_object_new_double(commit_ms));
		json_object_object_add(commit, "ranges", json_object_new_uint64(next.n));
		for (i = 0; i < n; i++) {
			if (syncs[i].state != XF_SYNC_READY)
				continue;
			if (err) {
				syncs[i].state = XF_SYNC_FAILED;
				snprintf(syncs[i].reason, sizeof(syncs[i].reason),
					 "the maps could not take the update (%s): previous version "
					 "stays",
					 strerror(-err));
				continue;
			}
			syncs[i].state = XF_SYNC_APPLIED;
		}
	}
	for (i = 0; i < n; i++)
		xf_sync_record(reg.dir, &syncs[i],
			       syncs[i].state == XF_SYNC_APPLIED ? commit_ms : 0);
	save_err = xf_registry_save(&reg);

	result = json_object_new_object();
	list = json_object_new_array();
	for (i = 0; i < n; i++) {
		json_object_array_add(list, sync_json(&syncs[i]));
		all_ok &= sync_from_source(&syncs[i]);
	}
	json_object_object_add(result, "feeds", list);
	json_object_object_add(result, "commit", commit);
	cctx.st = &st;
	cctx.list = json_object_new_array();
	total = xf_sync_allowlist_conflicts(any_ready && !err ? &next : &old, XF_CONFLICTS_SHOWN,
					    report_conflict, &cctx);
	conflicts = json_object_new_object();
	json_object_object_add(conflicts, "total", json_object_new_uint64(total));
	json_object_object_add(conflicts, "shown", cctx.list);
	json_object_object_add(result, "allowlist_conflicts", conflicts);
	if (!all_ok || save_err) {
		char msg[160];
		size_t bad = 0;

		for (i = 0; i < n; i++)
			bad += !sync_from_source(&syncs[i]);
		if (save_err)
			snprintf(msg, sizeof(msg), "the registry could not be saved: %s",
				 strerror(-save_err));
		else
			snprintf(msg, sizeof(msg), "%zu of %zu feeds not applied from their source",
				 bad, n);
		json_object_object_add(result, "error", json_object_new_string(msg));
	}
	xf_output(cli, result, render_sync);
	ret = all_ok && !save_err ? 0 : 1;
	goto out;
fail:
	ret = xf_fail(cli, "feed sync: %s", strerror(-err));
out:
	xf_state_close(&st);
	goto out_unopened;
fail_unopened:
	ret = xf_fail(cli, "feed sync: %s", strerror(-err));
out_unopened:
	for (i = 0; i < n; i++)
		xf_feed_sync_free(&syncs[i]);
	free(syncs);
	xf_ruleset_free(&old);
	xf_ruleset_free(&next);
	xf_registry_close(&reg);
	return ret;
}

/* ---- check ---- */

static void render_check(struct json_object *result)
{
	struct json_object *counts, *skipped, *w;
	size_t k;

	printf("file:     %s (%s)\n", xf_json_str(result, "file"), xf_json_str(result, "format"));
	json_object_object_get_ex(result, "counts", &counts);
	printf("accepted: %lld prefixes (%lld IPv4, %lld IPv6) from %lld records in %lld lines\n",
	       xf_json_int(counts, "accepted"), xf_json_int(counts, "v4"), xf_json_int(counts, "v6"),
	       xf_json_int(counts, "parsed"), xf_json_int(counts, "lines"));
	json_object_object_get_ex(counts, "skipped", &skipped);
	printf("skipped: ");
	json_object_object_foreach(skipped, key, val)
		printf(" %s %lld", key, (long long)json_object_get_int64(val));
	printf("\nnormalised: host bits cleared %lld, mapped to IPv4 %lld, zero-padded %lld, "
	       "ranges split %lld\n",
	       xf_json_int(counts, "host_bits_cleared"), xf_json_int(counts, "mapped_to_ipv4"),
	       xf_json_int(counts, "zero_padded"), xf_json_int(counts, "ranges_split"));
	if (!strcmp(xf_json_str(result, "refused"), "true"))
		printf("REFUSED: %s\n", xf_json_str(result, "reason"));
	json_object_object_get_ex(result, "warnings", &w);
	for (k = 0; k < json_object_array_length(w); k++)
		printf("warning: %s\n", json_object_get_string(json_object_array_get_idx(w, k)));
	if (xf_json_int(result, "warnings_total") > (long long)json_object_array_length(w))
		printf("(%lld warnings in all)\n", xf_json_int(result, "warnings_total"));
}

static int feed_check(struct xf_cli *cli, int argc, char **argv)
{
	char hash[XF_FEED_HASH_LEN + 1] = "", err[512];
	struct xf_rails_counts rc = {};
	struct json_object *result;
	struct xf_feed_options o;
	struct xf_fetch_opts fo;
	struct xf_feed_result r;
	struct xf_feed_def def;
	int first, ret;

	xf_feed_def_init(&def);
	snprintf(def.name, sizeof(def.name), "check");
	ret = parse_feed_args(cli, "feed check", argc, argv, &def, NULL, &first);
	if (!ret && argc - first != 1)
		ret = xf_usage_error(cli, "feed", "feed check: give exactly one FILE or URL");
	if (!ret)
		ret = check_format_options(cli, "feed check", &def);
	if (ret) {
		xf_feed_def_free(&def);
		return ret;
	}
	xf_feed_def_options(&def, &o);
	o.name = NULL; /* messages name the file */
	xf_sync_fetch_opts(&def, &fo);
	if (xf_sync_fetch_and_parse(argv[first], &fo, &o, &def.rails, &r, &rc, hash, err,
				    sizeof(err))) {
		xf_feed_result_free(&r);
		xf_feed_def_free(&def);
		return xf_fail(cli, "feed check: %s", err);
	}
	result = json_object_new_object();
	json_object_object_add(result, "file", json_object_new_string(argv[first]));
	json_object_object_add(result, "format",
			       json_object_new_string(xf_feed_format_name(def.format)));
	json_object_object_add(result, "sha256", json_object_new_string(hash));
	json_object_object_add(result, "refused", json_object_new_boolean(r.refused));
	json_object_object_add(result, "truncated", json_object_new_boolean(r.truncated));
	json_object_object_add(result, "reason",
			       r.refused ? json_object_new_string(r.refuse_reason) : NULL);
	json_object_object_add(result, "counts", counts_json(&r, &rc));
	json_object_object_add(result, "warnings_total", json_object_new_uint64(r.warnings_total));
	json_object_object_add(result, "warnings", warnings_json(&r, XF_FEED_MAX_WARNINGS));
	if (r.refused)
		json_object_object_add(result, "error", json_object_new_string(r.refuse_reason));
	ret = r.refused ? 1 : 0;
	xf_output(cli, result, render_check);
	xf_feed_result_free(&r);
	xf_feed_def_free(&def);
	return ret;
}

/* ---- dispatch ---- */

static const struct xf_cmd feed_verbs[] = {
	{ "add", feed_add, "feed add NAME --source PATH|URL --format F [OPTIONS]", "register a feed" },
	{ "remove", feed_remove, "feed remove NAME", "withdraw a feed's ranges and forget it" },
	{ "list", feed_list, "feed list", "registered feeds and their last sync" },
	{ "show", feed_show, "feed show NAME", "one feed in full, with its counters" },
	{ "sync", feed_sync, "feed sync [NAME...] [--force]", "fetch, parse and apply feeds" },
	{ "check", feed_check, "feed check FILE|URL --format F [OPTIONS]",
	  "parse only: counts, prefixes, warnings; writes nothing" },
	{ NULL, NULL, NULL, NULL },
};

int xf_cmd_feed(struct xf_cli *cli, int argc, char **argv)
{
	const struct xf_cmd *verb, *other;

	if (argc < 2) {
		const struct xf_cmd *v;

		fprintf(stderr, "usage:\n");
		for (v = feed_verbs; v->name; v++)
			fprintf(stderr, "  %s %-50s %s\n", cli->prog, v->usage, v->summary);
		return 2;
	}
	verb = xf_cmd_find_in(feed_verbs, argv[1], &other);
	if (!verb)
		return xf_usage_error(cli, "feed", "feed: %s verb '%s'",
				      other ? "ambiguous" : "unknown", argv[1]);
	return verb->fn(cli, argc - 1, argv + 1);
}
