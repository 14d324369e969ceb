// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "range_counters.h"

#define WALK_BATCH 4096

int xf_range_counters_read(const struct xf_state *st, __u32 range_id,
			   struct xf_counter sum[XF_OUTCOME_MAX])
{
	struct xf_range_counter_key key = { .range_id = range_id };
	struct xf_range_counters value;
	int i;

	memset(sum, 0, XF_OUTCOME_MAX * sizeof(*sum));
	for (key.cpu = 0; key.cpu < (__u32)st->nr_cpus; key.cpu++) {
		if (bpf_map_lookup_elem(st->map_fd[XF_MAP_RANGE_STATS], &key, &value)) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		for (i = 0; i < XF_OUTCOME_MAX; i++) {
			sum[i].packets += value.outcome[i].packets;
			sum[i].bytes += value.outcome[i].bytes;
		}
	}
	return 0;
}

/* Call fn on every entry of the hash, WALK_BATCH at a time. */
static int walk_entries(const struct xf_state *st,
			int (*fn)(void *ctx, const struct xf_range_counter_key *key,
				  const struct xf_range_counters *value),
			void *ctx)
{
	struct xf_range_counter_key *keys = calloc(WALK_BATCH, sizeof(*keys));
	struct xf_range_counters *values = calloc(WALK_BATCH, sizeof(*values));
	__u64 in_batch = 0, out_batch = 0;
	bool first = true, done = false;
	int err = 0;
	__u32 i;

	if (!keys || !values) {
		err = -ENOMEM;
		goto cleanup;
	}
	while (!done && !err) {
		__u32 count = WALK_BATCH;

		if (bpf_map_lookup_batch(st->map_fd[XF_MAP_RANGE_STATS], first ? NULL : &in_batch,
					 &out_batch, keys, values, &count, NULL)) {
			if (errno != ENOENT) {
				err = -errno;
				break;
			}
			done = true; /* the last batch, count may be > 0 */
		}
		first = false;
		in_batch = out_batch;
		for (i = 0; i < count && !err; i++)
			err = fn(ctx, &keys[i], &values[i]);
	}
cleanup:
	free(keys);
	free(values);
	return err;
}

struct collect_ctx {
	struct xf_range_total *totals;
	size_t n, cap;
};

static int collect_one(void *ctx, const struct xf_range_counter_key *key,
		       const struct xf_range_counters *value)
{
	struct collect_ctx *c = ctx;
	struct xf_range_total *t;
	int i;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct xf_range_total *grown = realloc(c->totals, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		c->totals = grown;
		c->cap = cap;
	}
	t = &c->totals[c->n++];
	t->range_id = key->range_id;
	for (i = 0; i < XF_OUTCOME_MAX; i++)
		t->outcome[i] = value->outcome[i];
	return 0;
}

static int by_range_id(const void *a, const void *b)
{
	const struct xf_range_total *x = a, *y = b;

	return x->range_id < y->range_id ? -1 : x->range_id > y->range_id;
}

int xf_range_counters_collect(const struct xf_state *st, struct xf_range_total **out, size_t *n)
{
	struct collect_ctx c = {};
	size_t i, merged = 0;
	int err, k;

	*out = NULL;
	*n = 0;
	err = walk_entries(st, collect_one, &c);
	if (err) {
		free(c.totals);
		return err;
	}
	/* one entry per CPU of a range: sum them */
	qsort(c.totals, c.n, sizeof(*c.totals), by_range_id);
	for (i = 0; i < c.n; i++) {
		if (merged && c.totals[merged - 1].range_id == c.totals[i].range_id) {
			for (k = 0; k < XF_OUTCOME_MAX; k++) {
				c.totals[merged - 1].outcome[k].packets += c.totals[i].outcome[k].packets;
				c.totals[merged - 1].outcome[k].bytes += c.totals[i].outcome[k].bytes;
			}
			continue;
		}
		c.totals[merged++] = c.totals[i];
	}
	*out = c.totals;
	*n = merged;
	return 0;
}

const struct xf_range_total *xf_range_totals_find(const struct xf_range_total *totals, size_t n,
						  __u32 range_id)
{
	struct xf_range_total key = { .range_id = range_id };

	return n ? bsearch(&key, totals, n, sizeof(*totals), by_range_id) : NULL;
}

struct forget_ctx {
	const struct xf_state *st;
	const __u8 *forget;
};

static int forget_one(void *ctx, const struct xf_range_counter_key *key,
		      const struct xf_range_counters *value)
{
	struct forget_ctx *c = ctx;

	(void)value;
	if (key->range_id >= c->st->max_ids || !c->forget[key->range_id])
		return 0;
	if (bpf_map_delete_elem(c->st->map_fd[XF_MAP_RANGE_STATS], key) && errno != ENOENT)
		return -errno;
	return 0;
}

int xf_range_counters_forget(const struct xf_state *st, const __u8 *forget)
{
	struct forget_ctx c = { .st = st, .forget = forget };

	return walk_entries(st, forget_one, &c);
}
