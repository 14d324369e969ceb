// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "top_ranges.h"

void xf_drop_history_init(struct xf_drop_history *h, double window_seconds)
{
	memset(h, 0, sizeof(*h));
	h->window = window_seconds;
}

void xf_drop_history_free(struct xf_drop_history *h)
{
	free(h->base);
	free(h->next);
	memset(h, 0, sizeof(*h));
}

static struct xf_drop_sample *snapshot(const struct xf_range_total *totals, size_t n)
{
	struct xf_drop_sample *s = calloc(n ? n : 1, sizeof(*s));
	size_t i;

	for (i = 0; s && i < n; i++) {
		s[i].range_id = totals[i].range_id;
		s[i].dropped = totals[i].outcome[XF_OUTCOME_DROP].packets;
	}
	return s;
}

/* The base moves up one window at a time: it is always between one and
 * two windows old (younger only in the first window). */
static int history_advance(struct xf_drop_history *h, const struct xf_range_total *totals,
			   size_t n, double now)
{
	struct xf_drop_sample *s;

	if (h->started && now - h->next_at < h->window)
		return 0;
	s = snapshot(totals, n);
	if (!s)
		return -ENOMEM;
	if (!h->started) {
		h->base = snapshot(totals, n);
		if (!h->base) {
			free(s);
			return -ENOMEM;
		}
		h->nbase = n;
		h->started = true;
	} else {
		free(h->base);
		h->base = h->next;
		h->nbase = h->nnext;
	}
	h->next = s;
	h->nnext = n;
	h->next_at = now;
	return 0;
}

static __u64 base_drops(const struct xf_drop_history *h, __u32 range_id)
{
	size_t lo = 0, hi = h->nbase;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->base[mid].range_id == range_id)
			return h->base[mid].dropped;
		if (h->base[mid].range_id < range_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

struct ranked {
	size_t index;
	__u32 range_id;
	__u64 recent, dropped, acted, all;
};

static int by_rank(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	if (a->recent != b->recent)
		return a->recent < b->recent ? 1 : -1;
	if (a->dropped != b->dropped)
		return a->dropped < b->dropped ? 1 : -1;
	if (a->acted != b->acted)
		return a->acted < b->acted ? 1 : -1;
	if (a->all != b->all)
		return a->all < b->all ? 1 : -1;
	return a->range_id < b->range_id ? -1 : a->range_id > b->range_id;
}

long xf_top_ranges(const struct xf_range_total *totals, size_t n, struct xf_drop_history *h,
		   double now, size_t top_n, size_t *order)
{
	struct ranked *r = calloc(n ? n : 1, sizeof(*r));
	size_t i, k = 0;
	int o;

	if (!r || (h && history_advance(h, totals, n, now))) {
		free(r);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct ranked *x = &r[k];

		x->index = i;
		x->range_id = totals[i].range_id;
		for (o = 0; o < XF_OUTCOME_MAX; o++) {
			x->all += totals[i].outcome[o].packets;
			if (o != XF_OUTCOME_ALLOW)
				x->acted += totals[i].outcome[o].packets;
		}
		x->dropped = totals[i].outcome[XF_OUTCOME_DROP].packets;
		x->recent = x->dropped;
		if (h) {
			__u64 then = base_drops(h, x->range_id);

			/* fewer than then: the id went to a new range since */
			x->recent = x->dropped >= then ? x->dropped - then : x->dropped;
		}
		k += x->all > 0;
	}
	qsort(r, k, sizeof(*r), by_rank);
	if (k > top_n)
		k = top_n;
	for (i = 0; i < k; i++)
		order[i] = r[i].index;
	free(r);
	return (long)k;
}
