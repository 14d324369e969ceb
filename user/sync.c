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

int xf_sync_parse_source(const char *source, const struct xf_feed_options *o,
			 const struct xf_rails *rails, long timeout, struct xf_feed_result *r,
			 struct xf_rails_counts *rc, char *hash, char *err, size_t errlen)
{
	struct xf_fetch_opts fo = { .timeout_seconds = timeout };
	size_t len;
	char *data;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = xf_fetch(source, &fo, &data, &len, err, errlen);
	if (ret)
		return ret;
	if (hash)
		sha256_hex(data, len, hash);
	ret = xf_feed_parse_buffer(source, data, len, o, r);
	free(data);
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

void xf_sync_prepare(struct xf_feed_sync *fs, struct xf_feed_def *def, size_t before, bool force)
{
	struct xf_feed_options o;
	double start = xf_now_ms();
	size_t floor_entries;
	int ret;

	memset(fs, 0, sizeof(*fs));
	fs->def = def;
	fs->before = before;
	xf_feed_def_options(def, &o);
	ret = xf_sync_parse_source(def->source, &o, &def->rails, def->timeout, &fs->parsed,
				   &fs->rails, fs->hash, fs->reason, sizeof(fs->reason));
	fs->prepare_ms = xf_now_ms() - start;
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

void xf_feed_sync_free(struct xf_feed_sync *fs)
{
	xf_feed_result_free(&fs->parsed);
}
