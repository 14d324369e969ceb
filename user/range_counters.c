// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "range_counters.h"

/* The per-CPU values of one set: nr_cpus consecutive sets (the value size
 * is a multiple of 8, so there is no padding between CPUs). */
static struct xf_range_set *read_set(const struct xf_state *st, __u32 index, int *err)
{
	struct xf_range_set *sets = calloc(st->nr_cpus, sizeof(*sets));

	*err = 0;
	if (!sets) {
		*err = -ENOMEM;
		return NULL;
	}
	if (bpf_map_lookup_elem(st->map_fd[XF_MAP_RANGE_STATS], &index, sets)) {
		*err = -errno;
		free(sets);
		return NULL;
	}
	return sets;
}

static void add_counters(struct xf_counter *sum, const struct xf_range_counters *c)
{
	int i;

	for (i = 0; i < XF_OUTCOME_MAX; i++) {
		sum[i].packets += c->outcome[i].packets;
		sum[i].bytes += c->outcome[i].bytes;
	}
}

int xf_range_counters_read(const struct xf_state *st, __u32 range_id,
			   struct xf_counter sum[XF_OUTCOME_MAX])
{
	struct xf_range_set *sets;
	int cpu, w, err;

	memset(sum, 0, XF_OUTCOME_MAX * sizeof(*sum));
	sets = read_set(st, xf_range_set_of(range_id, st->range_sets - 1), &err);
	if (!sets)
		return err;
	for (cpu = 0; cpu < st->nr_cpus; cpu++)
		for (w = 0; w < XF_RANGE_WAYS; w++)
			if (sets[cpu].ref[w] == range_id + 1)
				add_counters(sum, &sets[cpu].way[w]);
	free(sets);
	return 0;
}

int xf_range_counters_unattributed(const struct xf_state *st, struct xf_counter sum[XF_OUTCOME_MAX])
{
	struct xf_range_set *sets;
	int cpu, err;

	memset(sum, 0, XF_OUTCOME_MAX * sizeof(*sum));
	sets = read_set(st, st->range_sets, &err);
	if (!sets)
		return err;
	for (cpu = 0; cpu < st->nr_cpus; cpu++)
		add_counters(sum, &sets[cpu].way[0]);
	free(sets);
	return 0;
}

static int by_range_id(const void *a, const void *b)
{
	const struct xf_range_total *x = a, *y = b;

	return x->range_id < y->range_id ? -1 : x->range_id > y->range_id;
}

int xf_range_counters_collect(const struct xf_state *st, struct xf_range_total **out, size_t *n)
{
	struct xf_range_total *totals = NULL;
	size_t count = 0, cap = 0, i, merged = 0;
	__u32 index;
	int cpu, w, err = 0;

	*out = NULL;
	*n = 0;
	for (index = 0; index < st->range_sets && !err; index++) {
		struct xf_range_set *sets = read_set(st, index, &err);

		if (!sets)
			break;
		for (cpu = 0; cpu < st->nr_cpus && !err; cpu++) {
			for (w = 0; w < XF_RANGE_WAYS; w++) {
				if (!sets[cpu].ref[w])
					continue;
				if (count == cap) {
					size_t grown_cap = cap ? cap * 2 : 1024;
					struct xf_range_total *grown =
						realloc(totals, grown_cap * sizeof(*grown));

					if (!grown) {
						err = -ENOMEM;
						break;
					}
					totals = grown;
					cap = grown_cap;
				}
				memset(&totals[count], 0, sizeof(totals[count]));
				totals[count].range_id = sets[cpu].ref[w] - 1;
				add_counters(totals[count].outcome, &sets[cpu].way[w]);
				count++;
			}
		}
		free(sets);
	}
	if (err) {
		free(totals);
		return err;
	}
	/* one way per CPU of a range: sum them */
	if (count)
		qsort(totals, count, sizeof(*totals), by_range_id);
	for (i = 0; i < count; i++) {
		if (merged && totals[merged - 1].range_id == totals[i].range_id) {
			for (w = 0; w < XF_OUTCOME_MAX; w++) {
				totals[merged - 1].outcome[w].packets += totals[i].outcome[w].packets;
				totals[merged - 1].outcome[w].bytes += totals[i].outcome[w].bytes;
			}
			continue;
		}
		totals[merged++] = totals[i];
	}
	*out = totals;
	*n = merged;
	return 0;
}

const struct xf_range_total *xf_range_totals_find(const struct xf_range_total *totals, size_t n,
						  __u32 range_id)
{
	struct xf_range_total key = { .range_id = range_id };

	return n ? bsearch(&key, totals, n, sizeof(*totals), by_range_id) : NULL;
}

int xf_range_counters_forget(const struct xf_state *st, const __u8 *forget)
{
	__u8 *visit = calloc(st->range_sets, 1);
	__u32 index, id;
	int cpu, w, err = 0;

	if (!visit)
		return -ENOMEM;
	/* only the sets the ids map to */
	for (id = 0; id < st->max_ids; id++)
		if (forget[id])
			visit[xf_range_set_of(id, st->range_sets - 1)] = 1;
	for (index = 0; index < st->range_sets && !err; index++) {
		struct xf_range_set *sets;
		bool changed = false;

		if (!visit[index])
			continue;
		sets = read_set(st, index, &err);
		if (!sets)
			break;
		for (cpu = 0; cpu < st->nr_cpus; cpu++) {
			for (w = 0; w < XF_RANGE_WAYS; w++) {
				__u32 ref = sets[cpu].ref[w];

				if (!ref || ref - 1 >= st->max_ids || !forget[ref - 1])
					continue;
				sets[cpu].ref[w] = 0;
				sets[cpu].credit[w] = 0;
				memset(&sets[cpu].way[w], 0, sizeof(sets[cpu].way[w]));
				changed = true;
			}
		}
		/* a write covers every CPU: packets counted between the read
		 * and the write on other ways of this set are lost, which
		 * only a commit that reuses ids ever risks */
		if (changed &&
		    bpf_map_update_elem(st->map_fd[XF_MAP_RANGE_STATS], &index, sets, BPF_ANY))
			err = -errno;
		free(sets);
	}
	free(visit);
	return err;
}

int xf_range_counters_held(const struct xf_state *st, __u8 *held)
{
	__u32 index;
	int cpu, w, err = 0;

	for (index = 0; index < st->range_sets && !err; index++) {
		struct xf_range_set *sets = read_set(st, index, &err);

		if (!sets)
			break;
		for (cpu = 0; cpu < st->nr_cpus; cpu++)
			for (w = 0; w < XF_RANGE_WAYS; w++)
				if (sets[cpu].ref[w] && sets[cpu].ref[w] - 1 < st->max_ids)
					held[sets[cpu].ref[w] - 1] = 1;
		free(sets);
	}
	return err;
}
