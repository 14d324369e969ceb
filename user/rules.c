// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "clock.h"
#include "fib.h"
#include "log.h"
#include "range_counters.h"
#include "rules.h"

static int ruleset_reserve(struct xf_ruleset *rs, size_t need)
{
	struct xf_rule *grown;
	size_t cap;

	if (need <= rs->cap)
		return 0;
	cap = rs->cap ? rs->cap * 2 : 64;
	while (cap < need)
		cap *= 2;
	grown = realloc(rs->rules, cap * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	rs->rules = grown;
	rs->cap = cap;
	return 0;
}

void xf_ruleset_free(struct xf_ruleset *rs)
{
	free(rs->rules);
	memset(rs, 0, sizeof(*rs));
}

int xf_ruleset_read(const struct xf_state *st, struct xf_ruleset *rs)
{
	__u32 id;
	int err;

	memset(rs, 0, sizeof(*rs));
	for (id = 0; id < st->max_ids; id++) {
		const struct xf_range *rec = &st->ranges[id];
		struct xf_rule *r;

		if (!(rec->flags & XF_RANGE_IN_USE))
			continue;
		err = ruleset_reserve(rs, rs->n + 1);
		if (err)
			return err;
		r = &rs->rules[rs->n];
		memset(r, 0, sizeof(*r));
		if (xf_prefix_from_key(&r->prefix, &rec->key)) {
			xf_warn("range %u has a corrupt key; ignored", id);
			continue;
		}
		r->range_id = id;
		r->tag = rec->tag;
		r->action = rec->action;
		r->feed_id = rec->feed_id;
		rs->n++;
	}
	return 0;
}

int xf_ruleset_copy(struct xf_ruleset *dst, const struct xf_ruleset *src)
{
	int err;

	memset(dst, 0, sizeof(*dst));
	err = ruleset_reserve(dst, src->n);
	if (err)
		return err;
	if (src->n)
		memcpy(dst->rules, src->rules, src->n * sizeof(*src->rules));
	dst->n = src->n;
	return 0;
}

int xf_ruleset_push(struct xf_ruleset *rs, const struct xf_rule *r)
{
	int err = ruleset_reserve(rs, rs->n + 1);

	if (err)
		return err;
	rs->rules[rs->n++] = *r;
	return 0;
}

long xf_ruleset_find(const struct xf_ruleset *rs, __u8 feed_id, const struct xf_prefix *p,
		     bool allow)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		const struct xf_rule *r = &rs->rules[i];

		if (r->feed_id == feed_id && (r->action == XF_ACTION_ALLOW) == allow &&
		    xf_prefix_equal(&r->prefix, p))
			return (long)i;
	}
	return -1;
}

int xf_ruleset_put(struct xf_ruleset *rs, const struct xf_rule *r)
{
	long i = xf_ruleset_find(rs, r->feed_id, &r->prefix, r->action == XF_ACTION_ALLOW);
	int err;

	if (i >= 0) {
		rs->rules[i].action = r->action;
		rs->rules[i].tag = r->tag;
		return 0;
	}
	err = ruleset_reserve(rs, rs->n + 1);
	if (err)
		return err;
	rs->rules[rs->n] = *r;
	rs->rules[rs->n].range_id = XF_RANGE_ID_NONE;
	rs->n++;
	return 0;
}

int xf_ruleset_del(struct xf_ruleset *rs, __u8 feed_id, const struct xf_prefix *p, bool allow)
{
	long i = xf_ruleset_find(rs, feed_id, p, allow);

	if (i < 0)
		return -ENOENT;
	rs->rules[i] = rs->rules[rs->n - 1];
	rs->n--;
	return 0;
}

enum fresh_id {
	FRESH_NO = 0,
	FRESH_CLEAN = 1, /* given out now; no counter way holds it */
	FRESH_HELD = 2,	 /* given out now; a way still counts it from an earlier range */
};

/* Give every rule without a range id one that neither old nor next uses:
 * with twice as many ids as ranges there always is one, so a range added
 * in a commit never takes over the id (and the counters) of a range the
 * same commit removes, while packets may still be decided by it. Ids that
 * a counter way still holds (held, from ranges of earlier generations) go
 * last: clearing a way means rewriting its whole set on every CPU, which
 * could lose a packet counted meanwhile on another way. Marks the ids
 * given out in fresh (enum fresh_id). */
static int assign_range_ids(const struct xf_state *st, const struct xf_ruleset *old,
			    struct xf_ruleset *next, const __u8 *held, __u8 *fresh)
{
	__u8 *used = calloc(st->max_ids, 1);
	__u32 cursor;
	size_t i;
	int pass;

	if (!used)
		return -ENOMEM;
	for (i = 0; i < next->n; i++)
		if (next->rules[i].range_id != XF_RANGE_ID_NONE)
			used[next->rules[i].range_id] = 1;
	for (i = 0; i < old->n; i++)
		used[old->rules[i].range_id] = 1;
	for (pass = 0; pass < 2; pass++) {
		cursor = 0;
		for (i = 0; i < next->n; i++) {
			struct xf_rule *r = &next->rules[i];

			if (r->range_id != XF_RANGE_ID_NONE)
				continue;
			while (cursor < st->max_ids &&
			       (used[cursor] || (pass == 0 && held && held[cursor])))
				cursor++;
			if (cursor == st->max_ids)
				break;
			r->range_id = cursor;
			fresh[cursor] = held && held[cursor] ? FRESH_HELD : FRESH_CLEAN;
			used[cursor] = 1;
		}
	}
	free(used);
	for (i = 0; i < next->n; i++)
		if (next->rules[i].range_id == XF_RANGE_ID_NONE)
			return -ENOSPC;
	return 0;
}

static void write_record(struct xf_state *st, const struct xf_rule *r)
{
	struct xf_range *rec = &st->ranges[r->range_id];
	struct xf_range tmp = {
		.tag = r->tag,
		.action = r->action,
		.feed_id = r->feed_id,
		.flags = XF_RANGE_IN_USE,
	};

	xf_prefix_to_key(&r->prefix, &tmp.key);
	*rec = tmp;
}

static void write_records(struct xf_state *st, const struct xf_ruleset *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		write_record(st, &rs->rules[i]);
}

/* Clear the records of ids that are in `from` but not in `keep`. */
static void clear_records(struct xf_state *st, const struct xf_ruleset *from,
			  const struct xf_ruleset *keep)
{
	__u8 *kept = calloc(st->max_ids, 1);
	size_t i;

	if (!kept)
		return;
	for (i = 0; i < keep->n; i++)
		kept[keep->rules[i].range_id] = 1;
	for (i = 0; i < from->n; i++)
		if (!kept[from->rules[i].range_id])
			memset(&st->ranges[from->rules[i].range_id], 0, sizeof(struct xf_range));
	free(kept);
}

static int lpm_write(const struct xf_state *st, const struct xf_effective *e)
{
	struct xf_lpm_key key;

	xf_prefix_to_key(&e->prefix, &key);
	return bpf_map_update_elem(st->map_fd[XF_MAP_RULES], &key, &e->decision, BPF_ANY) ? -errno
											     : 0;
}

static int lpm_delete(const struct xf_state *st, const struct xf_prefix *p)
{
	struct xf_lpm_key key;

	xf_prefix_to_key(p, &key);
	if (bpf_map_delete_elem(st->map_fd[XF_MAP_RULES], &key) && errno != ENOENT)
		return -errno;
	return 0;
}

/* The old decision for each new entry (NULL where the prefix is new):
 * one merge of the two sorted lists. */
static const struct xf_effective **match_old(const struct xf_effective *old_e, size_t old_n,
					     const struct xf_effective *new_e, size_t new_n)
{
	const struct xf_effective **match = calloc(new_n ? new_n : 1, sizeof(*match));
	size_t i = 0, j;

	if (!match)
		return NULL;
	for (j = 0; j < new_n; j++) {
		int c = 1;

		while (i < old_n && (c = xf_prefix_cmp(&old_e[i].prefix, &new_e[j].prefix)) < 0)
			i++;
		if (i < old_n && c == 0)
			match[j] = &old_e[i];
	}
	return match;
}

/* What a commit changes, entry by entry (the fast backend's writes are
 * slots and buckets, so its stats are counted here). */
static void count_changes(size_t old_n, const struct xf_effective *new_e, size_t new_n,
			  const struct xf_effective **match, struct xf_commit_stats *stats)
{
	size_t j, kept = 0;

	for (j = 0; j < new_n; j++) {
		if (!match[j]) {
			stats->added++;
			continue;
		}
		kept++;
		if (memcmp(&match[j]->decision, &new_e[j].decision, sizeof(new_e[j].decision)))
			stats->changed++;
		else
			stats->unchanged++;
	}
	stats->removed += old_n - kept;
}

/* Write every new entry whose decision is not already in force. */
static int write_entries(const struct xf_state *st, const struct xf_effective *new_e,
			 size_t new_n, const struct xf_effective **match,
			 struct xf_commit_stats *stats)
{
	size_t j;
	int err;

	for (j = 0; j < new_n; j++) {
		const struct xf_effective *old = match[j];

		if (old && !memcmp(&old->decision, &new_e[j].decision, sizeof(old->decision))) {
			stats->unchanged++;
			continue;
		}
		err = lpm_write(st, &new_e[j]);
		if (err) {
			char text[XF_PREFIX_STRLEN];

			xf_prefix_format(&new_e[j].prefix, text, sizeof(text));
			xf_err("cannot write %s to the rules map: %s", text,
			       err == -ENOSPC || err == -E2BIG ? "the map is full" : strerror(-err));
			return err;
		}
		if (old)
			stats->changed++;
		else
			stats->added++;
	}
	return 0;
}

static int delete_removed(const struct xf_state *st, const struct xf_effective *old_e,
			  size_t old_n, const struct xf_effective *new_e, size_t new_n,
			  struct xf_commit_stats *stats)
{
	size_t i, j = 0;
	int err;

	for (i = 0; i < old_n; i++) {
		int c = 1;

		while (j < new_n && (c = xf_prefix_cmp(&new_e[j].prefix, &old_e[i].prefix)) < 0)
			j++;
		if (j < new_n && c == 0)
			continue;
		err = lpm_delete(st, &old_e[i].prefix);
		if (err) {
			xf_err("cannot delete a range from the rules map: %s", strerror(-err));
			return err;
		}
		stats->removed++;
	}
	return 0;
}

/* Put the rules map back to old_e whatever phase failed: entries only the
 * new set has go, every old entry is written again. */
static void restore_effective(const struct xf_state *st, const struct xf_effective *old_e,
			      size_t old_n, const struct xf_effective *new_e, size_t new_n,
			      const struct xf_effective **match)
{
	size_t i, j;

	for (i = 0; i < old_n; i++)
		lpm_write(st, &old_e[i]);
	for (j = 0; j < new_n; j++)
		if (!match[j])
			lpm_delete(st, &new_e[j].prefix);
}

int xf_ruleset_commit(struct xf_state *st, const struct xf_ruleset *old, struct xf_ruleset *next,
		      struct xf_commit_stats *stats)
{
	struct xf_effective *old_e = NULL, *new_e = NULL;
	struct xf_commit_stats local = {};
	const struct xf_effective **match = NULL;
	size_t old_n = 0, new_n = 0;
	__u8 *fresh = NULL, *held = NULL;
	double t[6]; /* phase timings, logged at debug level */
	size_t i;
	int err;

	if (next->n > st->max_ranges) {
		xf_err("%zu ranges do not fit: capacity is %u ranges", next->n, st->max_ranges);
		return -ENOSPC;
	}
	t[0] = xf_now_ms();
	fresh = calloc(st->max_ids, 1);
	held = calloc(st->max_ids, 1);
	if (!fresh || !held) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = xf_range_counters_held(st, held);
	if (err) {
		xf_err("cannot read the per-range counters: %s", strerror(-err));
		goto cleanup;
	}
	err = assign_range_ids(st, old, next, held, fresh);
	if (err) {
		xf_err("no free range ids: capacity is %u ranges", st->max_ranges);
		goto cleanup;
	}
	err = xf_precedence_compute(old->rules, old->n, &old_e, &old_n);
	if (!err)
		err = xf_precedence_compute(next->rules, next->n, &new_e, &new_n);
	if (err)
		goto cleanup;

	t[1] = xf_now_ms();
	match = match_old(old_e, old_n, new_e, new_n);
	if (!match) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* The data-plane step, in an order that never uncovers an address
	 * that stays covered and never counts a packet on the wrong range:
	 *  1. counters left on the ids given out now (by ranges that had them
	 *     in an earlier generation) are dropped, and the records of the
	 *     new ranges written, before any entry points at them;
	 *  2. entries added or changed are written;
	 *  3. entries of removed prefixes are deleted.
	 * Only the last step removes anything. A failure puts the old rules
	 * map and records back. */
	for (i = 0; i < st->max_ids; i++)
		held[i] = fresh[i] == FRESH_HELD;
	err = xf_range_counters_forget(st, held);
	if (err) {
		xf_err("cannot reset the counters of new ranges: %s", strerror(-err));
		goto cleanup;
	}
	t[2] = xf_now_ms();
	write_records(st, next);
	t[3] = xf_now_ms();
	if (st->backend == XF_BACKEND_FAST) {
		count_changes(old_n, new_e, new_n, match, &local);
		err = xf_fib_apply(st, old_e, old_n, new_e, new_n, NULL);
		if (err)
			xf_err("cannot write the lookup tables: %s",
			       err == -ENOSPC || err == -E2BIG || err == -ENOMEM
				       ? "a map is full"
				       : strerror(-err));
	} else {
		err = write_entries(st, new_e, new_n, match, &local);
		if (!err)
			err = delete_removed(st, old_e, old_n, new_e, new_n, &local);
	}
	if (err)
		goto rollback;
	t[4] = xf_now_ms();
	clear_records(st, old, next);
	t[5] = xf_now_ms();
	xf_debug("commit of %zu ranges: ids + precedence %.1f ms, counters %.1f ms, records "
		 "%.1f ms, lookup tables %.1f ms, old records %.1f ms",
		 next->n, t[1] - t[0], t[2] - t[1], t[3] - t[2], t[4] - t[3], t[5] - t[4]);
	if (stats)
		*stats = local;
	goto cleanup;
rollback:
	if (st->backend == XF_BACKEND_FAST)
		xf_fib_apply(st, new_e, new_n, old_e, old_n, NULL);
	else
		restore_effective(st, old_e, old_n, new_e, new_n, match);
	clear_records(st, next, old);
	write_records(st, old);
cleanup:
	free(match);
	free(fresh);
	free(held);
	free(old_e);
	free(new_e);
	return err;
}
