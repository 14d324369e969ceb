// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fetch.h"
#include "clock.h"
#include "log.h"
#include "sync.h"

static void sha256_hex(const void *data, size_t len, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	out[0] = '\0';
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL))
		return;
	for (i = 0; i < mdlen && i * 2 < XF_FEED_HASH_LEN; i++)
		sprintf(out + i * 2, "%02x", md[i]);
}

void xf_sync_fetch_opts(const struct xf_feed_def *def, struct xf_fetch_opts *fo)
{
	memset(fo, 0, sizeof(*fo));
	fo->timeout_seconds = def->timeout;
	fo->connect_timeout_seconds = def->connect_timeout;
	fo->max_bytes = def->max_size;
	fo->retries = def->retries;
	fo->ca_file = def->ca_file;
}

static int parse_body(const char *source, const char *data, size_t len,
		      const struct xf_feed_options *o, const struct xf_rails *rails,
		      struct xf_feed_result *r, struct xf_rails_counts *rc, char *err, size_t errlen)
{
	int ret = xf_feed_parse_buffer(source, data, len, o, r);

	if (ret) {
		snprintf(err, errlen, "%s", r->refuse_reason[0] ? r->refuse_reason : strerror(-ret));
		return ret;
	}
	if (rails) {
		ret = xf_rails_apply(r, rails, rc);
		if (ret)
			snprintf(err, errlen, "invalid rails: %s", strerror(-ret));
	}
	return ret;
}

int xf_sync_fetch_and_parse(const char *source, const struct xf_fetch_opts *fo,
			    const struct xf_feed_options *o, const struct xf_rails *rails,
			    struct xf_feed_result *r, struct xf_rails_counts *rc, char *hash,
			    char *err, size_t errlen)
{
	size_t len;
	char *data;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = xf_fetch(source, fo, &data, &len, err, errlen);
	if (ret)
		return ret;
	if (hash)
		sha256_hex(data, len, hash);
	ret = parse_body(source, data, len, o, rails, r, rc, err, errlen);
	free(data);
	return ret;
}

int xf_sync_parse_source(const char *source, const struct xf_feed_options *o,
			 const struct xf_rails *rails, long timeout, struct xf_feed_result *r,
			 struct xf_rails_counts *rc, char *hash, char *err, size_t errlen)
{
	struct xf_fetch_opts fo = { .timeout_seconds = timeout };

	return xf_sync_fetch_and_parse(source, &fo, o, rails, r, rc, hash, err, errlen);
}

/* Download def's source, conditionally while the feed has ranges in force,
 * and parse what came. 0 with fs->not_modified-like state left to the
 * caller through *not_modified. */
static int fetch_feed(struct xf_feed_sync *fs, const struct xf_feed_options *o,
		      bool *not_modified)
{
	struct xf_feed_def *def = fs->def;
	struct xf_fetch_result res;
	struct xf_fetch_opts fo;
	char what[XF_FEED_NAME_MAX + 8];
	int ret;

	xf_sync_fetch_opts(def, &fo);
	snprintf(what, sizeof(what), "feed '%s'", def->name);
	fo.what = what;
	if (fs->before) {
		fo.etag = xf_feed_def_etag(def);
		fo.last_modified = xf_feed_def_last_modified(def);
	}
	memset(&fs->parsed, 0, sizeof(fs->parsed));
	ret = xf_fetch_source(def->source, &fo, &res, fs->reason, sizeof(fs->reason));
	fs->attempts = res.attempts;
	fs->http_status = res.http_status;
	*not_modified = false;
	if (ret)
		return ret;
	fs->etag = res.etag;
	fs->last_modified = res.last_modified;
	res.etag = res.last_modified = NULL;
	if (res.not_modified) {
		*not_modified = true;
		xf_fetch_result_free(&res);
		return 0;
	}
	sha256_hex(res.data, res.len, fs->hash);
	ret = parse_body(def->source, res.data, res.len, o, &def->rails, &fs->parsed, &fs->rails,
			 fs->reason, sizeof(fs->reason));
	xf_fetch_result_free(&res);
	return ret;
}

void xf_sync_prepare(struct xf_feed_sync *fs, struct xf_feed_def *def, size_t before, bool force)
{
	struct xf_feed_options o;
	double start = xf_now_ms();
	bool not_modified;
	size_t floor_entries;
	int ret;

	memset(fs, 0, sizeof(*fs));
	fs->def = def;
	fs->before = before;
	xf_feed_def_options(def, &o);
	ret = fetch_feed(fs, &o, &not_modified);
	fs->prepare_ms = xf_now_ms() - start;
	if (not_modified) {
		fs->state = XF_SYNC_NOT_MODIFIED;
		snprintf(fs->hash, sizeof(fs->hash), "%s", def->status.content_hash);
		snprintf(fs->reason, sizeof(fs->reason),
			 "not modified (HTTP %ld): the version in force is current", fs->http_status);
		return;
	}
	fs->content_changed = strcmp(fs->hash, def->status.content_hash) != 0;
	if (ret) {
		fs->state = XF_SYNC_FAILED;
		return;
	}
	if (fs->parsed.refused) {
		/* --force overrides the share of bad lines, and only that: a
		 * file that is truncated, corrupt or unreadable as a whole is
		 * never what the feed meant */
		bool forceable = !fs->parsed.truncated && fs->parsed.bad > 0 && fs->parsed.n > 0;

		if (!forceable || !force) {
			fs->state = XF_SYNC_REFUSED;
			snprintf(fs->reason, sizeof(fs->reason), "%s%s", fs->parsed.refuse_reason,
				 forceable ? " (--force applies it)" : "");
			return;
		}
		xf_warn("feed '%s': applying a refused update (--force): %s", def->name,
			fs->parsed.refuse_reason);
	}
	/* a feed that loses more than max_shrink percent, or everything, is
	 * more likely a broken download than a cleanup; with nothing in force
	 * (after a reboot) the registry remembers the last size */
	if (!before)
		before = def->status.entries;
	floor_entries = before - before * def->max_shrink / 100;
	if (before && (fs->parsed.n == 0 || fs->parsed.n < floor_entries) && !def->allow_shrink) {
		if (!force) {
			fs->state = XF_SYNC_REFUSED;
			snprintf(fs->reason, sizeof(fs->reason),
				 "the new version has %zu entries where %zu are in force (more than "
				 "%u%% fewer): not applied; 'feed sync --force %s' applies it",
				 fs->parsed.n, before, def->max_shrink, def->name);
			return;
		}
		xf_warn("feed '%s': applying a shrink from %zu to %zu entries (--force)", def->name,
			before, fs->parsed.n);
	}
	fs->state = XF_SYNC_READY;
}

size_t xf_ruleset_count_feed(const struct xf_ruleset *rs, __u8 feed_id)
{
	size_t i, n = 0;

	for (i = 0; i < rs->n; i++)
		n += rs->rules[i].feed_id == feed_id;
	return n;
}

static int by_prefix(const void *pa, const void *pb)
{
	const struct xf_rule *a = *(const struct xf_rule *const *)pa;
	const struct xf_rule *b = *(const struct xf_rule *const *)pb;

	return xf_prefix_cmp(&a->prefix, &b->prefix);
}

/* Merge one feed's old ranges (sorted) with its parsed entries (sorted):
 * the same prefix keeps its range id. */
static int merge_feed(struct xf_feed_sync *fs, const struct xf_rule **old, size_t old_n,
		      struct xf_ruleset *next)
{
	const struct xf_feed_def *d = fs->def;
	size_t i = 0, j = 0;
	int err = 0;

	while (!err && (i < old_n || j < fs->parsed.n)) {
		int c = i == old_n	   ? 1
			: j == fs->parsed.n ? -1
					    : xf_prefix_cmp(&old[i]->prefix, &fs->parsed.entries[j].prefix);
		struct xf_rule r = {
			.action = d->action,
			.tag = d->action == XF_ACTION_TAG ? d->tag : 0,
			.feed_id = d->id,
			.range_id = XF_RANGE_ID_NONE,
		};

		if (c < 0) {
			fs->removed++;
			i++;
			continue;
		}
		r.prefix = fs->parsed.entries[j].prefix;
		if (c == 0) {
			r.range_id = old[i]->range_id;
			if (old[i]->action != r.action || old[i]->tag != r.tag)
				fs->changed++;
			else
				fs->unchanged++;
			i++;
		} else {
			fs->added++;
		}
		j++;
		err = xf_ruleset_push(next, &r);
	}
	return err;
}

int xf_sync_build(const struct xf_ruleset *old, struct xf_feed_sync *feeds, size_t n,
		  struct xf_ruleset *next)
{
	const struct xf_rule **own = NULL;
	bool replaced[XF_MAX_FEEDS] = { false };
	size_t i, k, own_n;
	int err = 0;

	memset(next, 0, sizeof(*next));
	for (k = 0; k < n; k++)
		if (feeds[k].state == XF_SYNC_READY)
			replaced[feeds[k].def->id] = true;
	for (i = 0; i < old->n && !err; i++)
		if (!replaced[old->rules[i].feed_id] || old->rules[i].action == XF_ACTION_ALLOW)
			err = xf_ruleset_push(next, &old->rules[i]);
	own = calloc(old->n ? old->n : 1, sizeof(*own));
	if (!own)
		err = -ENOMEM;
	for (k = 0; k < n && !err; k++) {
		if (feeds[k].state != XF_SYNC_READY)
			continue;
		for (i = 0, own_n = 0; i < old->n; i++)
			if (old->rules[i].feed_id == feeds[k].def->id &&
			    old->rules[i].action != XF_ACTION_ALLOW)
				own[own_n++] = &old->rules[i];
		qsort(own, own_n, sizeof(*own), by_prefix);
		err = merge_feed(&feeds[k], own, own_n, next);
	}
	free(own);
	if (err)
		xf_ruleset_free(next);
	return err;
}

int xf_sync_without_feed(const struct xf_ruleset *old, __u8 feed_id, struct xf_ruleset *next,
			 size_t *removed)
{
	size_t i;
	int err = 0;

	memset(next, 0, sizeof(*next));
	*removed = 0;
	for (i = 0; i < old->n && !err; i++) {
		if (old->rules[i].feed_id == feed_id)
			(*removed)++;
		else
			err = xf_ruleset_push(next, &old->rules[i]);
	}
	if (err)
		xf_ruleset_free(next);
	return err;
}

size_t xf_sync_allowlist_conflicts(const struct xf_ruleset *rs, size_t limit,
				   void (*report)(const struct xf_rule *block,
						  const struct xf_rule *allow, void *ctx),
				   void *ctx)
{
	const struct xf_rule **sorted, **stack;
	size_t i, k, depth = 0, total = 0;

	if (!rs->n)
		return 0;
	sorted = calloc(rs->n, sizeof(*sorted));
	stack = calloc(rs->n, sizeof(*stack));
	if (!sorted || !stack)
		goto out;
	for (i = 0; i < rs->n; i++)
		sorted[i] = &rs->rules[i];
	qsort(sorted, rs->n, sizeof(*sorted), by_prefix);
	for (i = 0; i < rs->n; i++) {
		const struct xf_rule *r = sorted[i];

		while (depth && !xf_prefix_contains(&stack[depth - 1]->prefix, &r->prefix))
			depth--;
		if (r->action == XF_ACTION_ALLOW) {
			for (k = 0; k < depth; k++) {
				if (stack[k]->action == XF_ACTION_ALLOW)
					continue;
				if (total++ < limit)
					report(stack[k], r, ctx);
			}
		}
		stack[depth++] = r;
	}
out:
	free(sorted);
	free(stack);
	return total;
}

static int last_good_path(const char *state_dir, const char *name, char *buf, size_t len,
			  bool make_dir)
{
	int n = snprintf(buf, len, "%s/feeds", state_dir);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (make_dir && mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	n = snprintf(buf, len, "%s/feeds/%s.last", state_dir, name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int xf_sync_save_last_good(const char *state_dir, const struct xf_feed_sync *fs)
{
	char path[512], tmp[520], text[XF_PREFIX_STRLEN];
	FILE *f;
	size_t i;
	int err;

	err = last_good_path(state_dir, fs->def->name, path, sizeof(path), true);
	if (err)
		return err;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "# xdpfence: last good version of feed '%s' (sha256 %s), %zu entries\n",
		fs->def->name, fs->hash, fs->parsed.n);
	for (i = 0; i < fs->parsed.n; i++) {
		xf_prefix_format(&fs->parsed.entries[i].prefix, text, sizeof(text));
		fprintf(f, "%s\n", text);
	}
	if (fflush(f) || fsync(fileno(f)) || ferror(f)) {
		err = -errno;
		fclose(f);
		unlink(tmp);
		return err ? err : -EIO;
	}
	fclose(f);
	if (rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
	}
	return err;
}

void xf_sync_forget_last_good(const char *state_dir, const char *name)
{
	char path[512];

	if (!last_good_path(state_dir, name, path, sizeof(path), false))
		unlink(path);
}

bool xf_sync_use_last_good(const char *state_dir, struct xf_feed_sync *fs)
{
	struct xf_feed_options o;
	struct xf_feed_result r;
	char path[512];
	size_t len;

	if (last_good_path(state_dir, fs->def->name, path, sizeof(path), false) ||
	    access(path, R_OK))
		return false;
	/* entries there passed the rails when they were applied */
	xf_feed_options_init(&o, XF_FORMAT_LIST);
	o.name = fs->def->name;
	o.max_bad_share = 0;
	if (xf_feed_parse_file(path, &o, &r) || r.refused) {
		xf_warn("feed '%s': the saved last good version %s is unusable: %s", fs->def->name,
			path, r.refuse_reason);
		xf_feed_result_free(&r);
		return false;
	}
	xf_feed_result_free(&fs->parsed);
	fs->parsed = r;
	len = strlen(fs->reason);
	snprintf(fs->reason + len, sizeof(fs->reason) - len,
		 "; nothing of it was in force: the last good version (%zu entries) is applied "
		 "from %s",
		 r.n, path);
	fs->state = XF_SYNC_READY;
	fs->from_last_good = true;
	return true;
}

bool xf_sync_withdraw_if_stale(struct xf_feed_sync *fs, long long now)
{
	const struct xf_feed_def *def = fs->def;
	size_t len;

	if ((fs->state != XF_SYNC_FAILED && fs->state != XF_SYNC_REFUSED) ||
	    def->stale_policy != XF_STALE_WITHDRAW || !xf_feed_is_stale(def, now))
		return false;
	/* READY with nothing: the build replaces its ranges by none, past
	 * the shrink rail, which guards against bad sources, not this */
	xf_feed_result_free(&fs->parsed);
	memset(&fs->parsed, 0, sizeof(fs->parsed));
	len = strlen(fs->reason);
	snprintf(fs->reason + len, sizeof(fs->reason) - len,
		 "; stale (no success for more than %llds) under the withdraw policy: its ranges "
		 "are withdrawn",
		 (long long)def->max_age);
	fs->state = XF_SYNC_READY;
	fs->withdrawn = true;
	return true;
}

void xf_sync_record(const char *state_dir, struct xf_feed_sync *fs, double commit_ms)
{
	struct xf_feed_def *d = fs->def;
	struct xf_feed_status *st = &d->status;

	st->sync_duration = (fs->prepare_ms + commit_ms) / 1e3;
	switch (fs->state) {
	case XF_SYNC_NOT_MODIFIED:
		/* the source confirmed the version in force: as fresh as a new one */
		st->last_result = XF_RESULT_NOT_MODIFIED;
		st->last_success = st->last_attempt;
		xf_feed_status_set_error(st, NULL);
		return;
	case XF_SYNC_APPLIED:
		break;
	case XF_SYNC_REFUSED:
		st->last_result = XF_RESULT_REFUSED;
		xf_feed_status_set_error(st, fs->reason);
		return;
	default:
		st->last_result = XF_RESULT_FAILED;
		xf_feed_status_set_error(st, fs->reason);
		return;
	}
	if (fs->withdrawn) {
		/* nothing in force: the next sync downloads in full, and a
		 * version then smaller than before is not measured against it */
		st->last_result = XF_RESULT_WITHDRAWN;
		st->entries = st->v4 = st->v6 = 0;
		xf_feed_def_set_validators(d, NULL, NULL);
		xf_feed_status_set_error(st, fs->reason);
		return;
	}
	if (fs->from_last_good) {
		/* the source's failure is the error, whatever was applied */
		st->last_result = XF_RESULT_LAST_GOOD;
		xf_feed_status_set_error(st, fs->reason);
		return;
	}
	if (xf_sync_save_last_good(state_dir, fs))
		xf_warn("feed '%s': cannot save the last good version under %s", d->name, state_dir);
	st->last_result = XF_RESULT_APPLIED;
	st->entries = fs->parsed.n;
	st->v4 = fs->parsed.v4;
	st->v6 = fs->parsed.v6;
	st->last_success = st->last_attempt;
	snprintf(st->content_hash, sizeof(st->content_hash), "%s", fs->hash);
	xf_feed_def_set_validators(d, fs->etag, fs->last_modified);
	xf_feed_status_set_error(st, NULL);
}

void xf_feed_sync_free(struct xf_feed_sync *fs)
{
	xf_feed_result_free(&fs->parsed);
	free(fs->etag);
	free(fs->last_modified);
	fs->etag = fs->last_modified = NULL;
}
