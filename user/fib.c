// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "clock.h"
#include "fib.h"
#include "log.h"

#define WRITE_BATCH 8192

/* The longest single kernel call of the current apply: batches keep each
 * under a few ms, so releasing a million entries never holds a CPU long. */
static double longest_call_ms;

/* How one family is cut into buckets. */
struct family_geom {
	__u8 family;
	__u8 bucket_len; /* bits of a bucket key */
	bool spread;	 /* prefixes up to bucket_len are spread over their buckets
			  * (IPv4); else they live in the short trie (IPv6) */
};

static const struct family_geom geom_v4 = { XF_FAMILY_V4, 24, true };
static const struct family_geom geom_v6 = { XF_FAMILY_V6, XF_V6_BUCKET_LEN, false };

struct bucket {
	__u32 key;	/* top bucket_len bits of the address, host order */
	__u32 fallback; /* range id + 1, 0: none */
	__u32 lens[3];	/* bit (len - bucket_len - 1): a longer prefix inside */
};

struct bucket_set {
	struct bucket *b;
	size_t n, cap;
};

static __u32 top32(const __u8 *addr)
{
	return (__u32)addr[0] << 24 | (__u32)addr[1] << 16 | (__u32)addr[2] << 8 | addr[3];
}

static size_t bucket_lower_bound(const struct bucket_set *s, __u32 key)
{
	size_t lo = 0, hi = s->n;

	/* buckets are appended in key order: look at the end first */
	if (!s->n || s->b[s->n - 1].key < key)
		return s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->b[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int bucket_append(struct bucket_set *s, __u32 key, __u32 fallback, size_t count)
{
	size_t k;

	if (s->n + count > s->cap) {
		size_t cap = s->cap ? s->cap : 1024;
		struct bucket *grown;

		while (cap < s->n + count)
			cap *= 2;
		grown = realloc(s->b, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		s->b = grown;
		s->cap = cap;
	}
	for (k = 0; k < count; k++)
		s->b[s->n++] = (struct bucket){ .key = key + (__u32)k, .fallback = fallback };
	return 0;
}

/* The buckets of one family of a sorted effective set: for each bucket
 * that a spread prefix covers or a longer prefix lies in, the longest
 * prefix up to bucket_len covering it and the longer lengths inside.
 * Prefixes nest or
 * are disjoint and come sorted by address, then length, so a prefix comes
 * after all its ancestors: painting in order leaves each bucket with its
 * longest covering prefix, and a bucket is only ever created past all
 * existing ones (anything earlier that reaches into a prefix's span
 * contains it, and then already made every bucket of the span). */
static int build_buckets(const struct xf_effective *e, size_t n, const struct family_geom *g,
			 struct bucket_set *out)
{
	const struct xf_effective *stack[XF_ADDR_MAX_BYTES * 8 + 1];
	size_t i, depth = 0, pos, k;
	int err;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		const struct xf_prefix *p = &e[i].prefix;
		__u32 key = top32(p->addr) >> (32 - g->bucket_len);
		__u32 ref = e[i].decision.range_id + 1;

		if (p->family != g->family)
			continue;
		while (depth && !xf_prefix_contains(&stack[depth - 1]->prefix, p))
			depth--;
		if (p->len <= g->bucket_len) {
			stack[depth++] = &e[i];
			if (!g->spread)
				continue;
			size_t count = (size_t)1 << (g->bucket_len - p->len);

			pos = bucket_lower_bound(out, key);
			if (pos == out->n) {
				err = bucket_append(out, key, ref, count);
				if (err)
					return err;
				continue;
			}
			for (k = 0; k < count; k++) {
				if (pos + k >= out->n || out->b[pos + k].key != key + k)
					return -EINVAL; /* input not sorted or not nested */
				out->b[pos + k].fallback = ref;
			}
			continue;
		}
		pos = bucket_lower_bound(out, key);
		if (pos == out->n) {
			err = bucket_append(out, key, depth ? stack[depth - 1]->decision.range_id + 1 : 0,
					    1);
			if (err)
				return err;
		} else if (out->b[pos].key != key) {
			return -EINVAL;
		}
		k = p->len - g->bucket_len - 1;
		out->b[pos].lens[k / 32] |= 1u << (k % 32);
	}
	return 0;
}

static __u32 v4_slot_value(const struct bucket *b)
{
	return b->lens[0] ? XF_SLOT_LONG | b->lens[0] << XF_SLOT_LENS_SHIFT | b->fallback
			  : b->fallback;
}

static bool bucket_same(const struct bucket *a, const struct bucket *b)
{
	return a->fallback == b->fallback && !memcmp(a->lens, b->lens, sizeof(a->lens));
}

/* Calls fn(old, new) for every bucket key where the two sets differ
 * (old or new NULL where the key is only in the other). */
static int diff_buckets(const struct bucket_set *old, const struct bucket_set *new,
			int (*fn)(void *ctx, const struct bucket *o, const struct bucket *n),
			void *ctx)
{
	size_t i = 0, j = 0;
	int err = 0;

	while (!err && (i < old->n || j < new->n)) {
		if (j == new->n || (i < old->n && old->b[i].key < new->b[j].key)) {
			err = fn(ctx, &old->b[i++], NULL);
		} else if (i == old->n || new->b[j].key < old->b[i].key) {
			err = fn(ctx, NULL, &new->b[j++]);
		} else {
			if (!bucket_same(&old->b[i], &new->b[j]))
				err = fn(ctx, &old->b[i], &new->b[j]);
			i++;
			j++;
		}
	}
	return err;
}

/* ---- batched hash writes ---- */

struct batch {
	int fd;
	bool delete;
	size_t key_size, value_size, n;
	void *keys, *values;
	size_t *done;
};

static int batch_init(struct batch *b, int fd, bool delete, size_t key_size, size_t value_size,
		      size_t *done)
{
	*b = (struct batch){ .fd = fd, .delete = delete, .key_size = key_size,
			     .value_size = value_size, .done = done };
	b->keys = malloc(WRITE_BATCH * key_size);
	b->values = malloc(WRITE_BATCH * (value_size ? value_size : 1));
	return b->keys && b->values ? 0 : -ENOMEM;
}

static int batch_flush(struct batch *b)
{
	size_t at = 0;

	while (at < b->n) {
		__u32 count = b->n - at;
		char *keys = (char *)b->keys + at * b->key_size;
		int ret;

		double t0 = xf_now_ms();

		if (b->delete)
			ret = bpf_map_delete_batch(b->fd, keys, &count, NULL);
		else
			ret = bpf_map_update_batch(b->fd, keys,
						   (char *)b->values + at * b->value_size, &count,
						   NULL);
		if (xf_now_ms() - t0 > longest_call_ms)
			longest_call_ms = xf_now_ms() - t0;
		at += count;
		if (b->done)
			*b->done += count;
		if (!ret)
			break;
		if (b->delete && errno == ENOENT) {
			at++; /* already gone (a rollback after a partial apply) */
			continue;
		}
		if (!count && (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP ||
			       errno == 524 /* ENOTSUPP */)) {
			/* a map without batch operations (the LPM trie): one by one */
			if (b->delete)
				ret = bpf_map_delete_elem(b->fd, keys);
			else
				ret = bpf_map_update_elem(
					b->fd, keys, (char *)b->values + at * b->value_size, BPF_ANY);
			if (ret && !(b->delete && errno == ENOENT)) {
				b->n = 0;
				return -errno;
			}
			at++;
			if (b->done && !ret)
				++*b->done;
			continue;
		}
		b->n = 0;
		return -errno;
	}
	b->n = 0;
	return 0;
}

static int batch_add(struct batch *b, const void *key, const void *value)
{
	memcpy((char *)b->keys + b->n * b->key_size, key, b->key_size);
	if (value)
		memcpy((char *)b->values + b->n * b->value_size, value, b->value_size);
	if (++b->n < WRITE_BATCH)
		return 0;
	return batch_flush(b);
}

static void batch_free(struct batch *b)
{
	free(b->keys);
	free(b->values);
}

/* ---- entries by prefix: the exact hash and the IPv6 short trie ---- */

enum entry_map {
	ENTRY_EXACT,	/* IPv4 /25../32, IPv6 /33../128 */
	ENTRY_V6_SHORT, /* IPv6 up to /32 */
};

static void exact_key(const struct xf_prefix *p, struct xf_exact_key *key)
{
	struct xf_prefix masked = *p;

	xf_prefix_mask(&masked);
	memset(key, 0, sizeof(*key));
	key->family = masked.family;
	key->len = masked.len;
	memcpy(key->addr, masked.addr, sizeof(key->addr));
}

static void short_key(const struct xf_prefix *p, struct xf_v6_short_key *key)
{
	struct xf_prefix masked = *p;

	xf_prefix_mask(&masked);
	key->prefixlen = masked.len;
	memcpy(key->addr, masked.addr, sizeof(key->addr));
}

static bool in_entry_map(enum entry_map m, const struct xf_prefix *p)
{
	if (m == ENTRY_V6_SHORT)
		return p->family == XF_FAMILY_V6 && p->len <= XF_V6_BUCKET_LEN;
	return p->len > (p->family == XF_FAMILY_V4 ? geom_v4.bucket_len : geom_v6.bucket_len);
}

/* The exact hash holds the whole decision, the short trie the range id.
 * d NULL: a deletion. */
static int entry_add(struct batch *b, enum entry_map m, const struct xf_prefix *p,
		     const struct xf_decision *d)
{
	struct xf_exact_key ek;
	struct xf_v6_short_key sk;

	if (m == ENTRY_EXACT) {
		exact_key(p, &ek);
		return batch_add(b, &ek, d);
	}
	short_key(p, &sk);
	return batch_add(b, &sk, d ? &d->range_id : NULL);
}

/* Write (writing) or delete (!writing) the entries of map m where old and
 * new differ. */
static int entry_phase(const struct xf_state *st, enum entry_map m,
		       const struct xf_effective *old_e, size_t old_n,
		       const struct xf_effective *new_e, size_t new_n, bool writing, size_t *done)
{
	struct batch b;
	size_t i = 0, j = 0;
	int err;

	err = batch_init(&b, st->map_fd[m == ENTRY_EXACT ? XF_MAP_EXACT : XF_MAP_V6_SHORT],
			 !writing,
			 m == ENTRY_EXACT ? sizeof(struct xf_exact_key)
					  : sizeof(struct xf_v6_short_key),
			 m == ENTRY_EXACT ? sizeof(struct xf_decision) : sizeof(__u32), done);
	while (!err && (i < old_n || j < new_n)) {
		const struct xf_effective *o = NULL, *n = NULL;
		int c;

		if (i < old_n && !in_entry_map(m, &old_e[i].prefix)) {
			i++;
			continue;
		}
		if (j < new_n && !in_entry_map(m, &new_e[j].prefix)) {
			j++;
			continue;
		}
		c = i == old_n ? 1 : j == new_n ? -1 : xf_prefix_cmp(&old_e[i].prefix, &new_e[j].prefix);
		if (c <= 0)
			o = &old_e[i++];
		if (c >= 0)
			n = &new_e[j++];
		if (writing && n && (!o || memcmp(&o->decision, &n->decision, sizeof(n->decision))))
			err = entry_add(&b, m, &n->prefix, &n->decision);
		else if (!writing && o && !n)
			err = entry_add(&b, m, &o->prefix, NULL);
	}
	if (!err)
		err = batch_flush(&b);
	batch_free(&b);
	return err;
}

/* ---- IPv4 slots ---- */

struct v4_ctx {
	const struct xf_state *st;
	bool writing; /* phase 1: new and changed slots; phase 2: removed ones */
	struct xf_fib_stats *stats;
};

static void bitmap_set(__u64 *bitmap, __u32 index, bool on)
{
	__u64 word = __atomic_load_n(&bitmap[index / 64], __ATOMIC_RELAXED);
	__u64 bit = 1ULL << (index % 64);

	__atomic_store_n(&bitmap[index / 64], on ? word | bit : word & ~bit, __ATOMIC_RELEASE);
}

static int v4_slot(void *ctx, const struct bucket *o, const struct bucket *n)
{
	struct v4_ctx *c = ctx;
	__u32 *slots = c->st->v4_slots;

	if (c->writing && n) {
		if (!o) /* the bit first: a set bit over an empty slot is a miss */
			bitmap_set(c->st->v4_bitmap, n->key, true);
		__atomic_store_n(&slots[n->key], v4_slot_value(n), __ATOMIC_RELEASE);
		c->stats->slots_written++;
	} else if (!c->writing && !n) {
		__atomic_store_n(&slots[o->key], 0, __ATOMIC_RELEASE);
		bitmap_set(c->st->v4_bitmap, o->key, false);
		c->stats->slots_written++;
	}
	return 0;
}

/* ---- IPv6 buckets ---- */

struct v6_ctx {
	struct batch *batch;
	bool writing;
};

static int v6_bucket(void *ctx, const struct bucket *o, const struct bucket *n)
{
	struct v6_ctx *c = ctx;
	struct xf_v6_bucket value;
	__u32 key;

	if (c->writing && n) {
		key = htonl(n->key);
		value.fallback = n->fallback;
		memcpy(value.lens, n->lens, sizeof(value.lens));
		return batch_add(c->batch, &key, &value);
	}
	if (!c->writing && !n) {
		key = htonl(o->key);
		return batch_add(c->batch, &key, NULL);
	}
	return 0;
}

static int v6_phase(const struct xf_state *st, const struct bucket_set *old,
		    const struct bucket_set *new, bool writing, struct xf_fib_stats *stats)
{
	struct v6_ctx c = { .writing = writing };
	struct batch b;
	int err;

	err = batch_init(&b, st->map_fd[XF_MAP_V6_BUCKETS], !writing, sizeof(__u32),
			 sizeof(struct xf_v6_bucket), &stats->buckets_written);
	c.batch = &b;
	if (!err)
		err = diff_buckets(old, new, v6_bucket, &c);
	if (!err)
		err = batch_flush(&b);
	batch_free(&b);
	return err;
}

/* ---- the IPv6 filter bitmap ---- */

#define FILTER_WORDS (XF_V6_FILTER_BITS / 64)

/* The filter bits of a set, and whether it has prefixes shorter than
 * XF_V6_FILTER_MIN_LEN (which the filter does not cover). */
static __u64 *build_v6_filter(const struct xf_effective *e, size_t n, bool *wide)
{
	__u64 *bits = calloc(FILTER_WORDS, sizeof(*bits));
	size_t i;

	*wide = false;
	if (!bits)
		return NULL;
	for (i = 0; i < n; i++) {
		const struct xf_prefix *p = &e[i].prefix;
		__u32 top = top32(p->addr), k, count;

		if (p->family != XF_FAMILY_V6)
			continue;
		if (p->len < XF_V6_FILTER_MIN_LEN) {
			*wide = true;
			continue;
		}
		count = p->len >= XF_V6_BUCKET_LEN ? 1 : 1u << (XF_V6_BUCKET_LEN - p->len);
		for (k = 0; k < count; k++) {
			__u32 bit = xf_v6_filter_bit(top + k);

			bits[bit / 64] |= 1ULL << (bit % 64);
		}
	}
	return bits;
}

/* Has the set an IPv6 prefix the filter does not cover? */
static bool has_wide_v6(const struct xf_effective *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (e[i].prefix.family == XF_FAMILY_V6 && e[i].prefix.len < XF_V6_FILTER_MIN_LEN)
			return true;
	return false;
}

static int set_v6_wide(const struct xf_state *st, bool wide)
{
	struct xf_config cfg;
	int err = xf_config_read(st, &cfg);

	if (err || cfg.v6_wide == wide)
		return err;
	cfg.v6_wide = wide;
	return xf_config_write(st, &cfg);
}

/* Before the new entries: the union of old and new (more bits only ever
 * cost a lookup); after the old ones are gone: exactly the new bits. */
static int apply_v6_filter(const struct xf_state *st, const __u64 *bits, bool wide, bool adding,
			   bool old_wide)
{
	size_t w;

	if (adding && (wide || old_wide)) {
		int err = set_v6_wide(st, true);

		if (err)
			return err;
	}
	for (w = 0; w < FILTER_WORDS; w++) {
		__u64 live = __atomic_load_n(&st->v6_filter[w], __ATOMIC_RELAXED);
		__u64 want = adding ? live | bits[w] : bits[w];

		if (live != want)
			__atomic_store_n(&st->v6_filter[w], want, __ATOMIC_RELEASE);
	}
	return adding ? 0 : set_v6_wide(st, wide);
}

int xf_fib_apply(const struct xf_state *st, const struct xf_effective *old_e, size_t old_n,
		 const struct xf_effective *new_e, size_t new_n, struct xf_fib_stats *stats)
{
	struct bucket_set old4 = {}, new4 = {}, old6 = {}, new6 = {};
	struct xf_fib_stats local = {};
	struct v4_ctx c4 = { .st = st, .stats = &local };
	bool old_wide = false, new_wide = false;
	__u64 *filter = NULL;
	int err;

	if (!st->v4_slots || !st->v4_bitmap || !st->v6_filter)
		return -EINVAL;
	longest_call_ms = 0;
	filter = build_v6_filter(new_e, new_n, &new_wide);
	old_wide = has_wide_v6(old_e, old_n);
	if (!filter) {
		err = -ENOMEM;
		goto cleanup;
	}
	if ((err = build_buckets(old_e, old_n, &geom_v4, &old4)) ||
	    (err = build_buckets(new_e, new_n, &geom_v4, &new4)) ||
	    (err = build_buckets(old_e, old_n, &geom_v6, &old6)) ||
	    (err = build_buckets(new_e, new_n, &geom_v6, &new6)))
		goto cleanup;

	/* 1. everything the new set adds or changes: filter bits and exact
	 *    entries first, then the buckets and slots that lead to them */
	err = apply_v6_filter(st, filter, new_wide, true, old_wide);
	if (!err)
		err = entry_phase(st, ENTRY_EXACT, old_e, old_n, new_e, new_n, true, &local.exact_written);
	if (!err)
		err = entry_phase(st, ENTRY_V6_SHORT, old_e, old_n, new_e, new_n, true,
				  &local.exact_written);
	if (!err)
		err = v6_phase(st, &old6, &new6, true, &local);
	c4.writing = true;
	if (!err)
		err = diff_buckets(&old4, &new4, v4_slot, &c4);
	/* 2. what only the old set had: slots and buckets, then entries */
	c4.writing = false;
	if (!err)
		err = diff_buckets(&old4, &new4, v4_slot, &c4);
	if (!err)
		err = v6_phase(st, &old6, &new6, false, &local);
	if (!err)
		err = entry_phase(st, ENTRY_V6_SHORT, old_e, old_n, new_e, new_n, false,
				  &local.exact_deleted);
	if (!err)
		err = entry_phase(st, ENTRY_EXACT, old_e, old_n, new_e, new_n, false,
				  &local.exact_deleted);
	if (!err)
		err = apply_v6_filter(st, filter, new_wide, false, old_wide);
	xf_debug("lookup tables: %zu slots, %zu buckets, %zu entries written, %zu deleted; "
		 "longest kernel call %.1f ms",
		 local.slots_written, local.buckets_written, local.exact_written,
		 local.exact_deleted, longest_call_ms);
	if (stats)
		*stats = local;
cleanup:
	free(filter);
	free(old4.b);
	free(new4.b);
	free(old6.b);
	free(new6.b);
	return err;
}

/* ---- reading back ---- */

static __u32 probe_lengths(const struct xf_state *st, const struct xf_addr *a, __u32 lens,
			   unsigned int base)
{
	int bit;

	for (bit = 31; bit >= 0; bit--) {
		struct xf_prefix p;
		struct xf_exact_key key;
		struct xf_decision d;

		if (!(lens & (1u << bit)))
			continue;
		xf_prefix_from_addr(&p, a);
		p.len = base + bit;
		exact_key(&p, &key);
		if (!bpf_map_lookup_elem(st->map_fd[XF_MAP_EXACT], &key, &d))
			return d.range_id + 1;
	}
	return 0;
}

int xf_fib_lookup(const struct xf_state *st, const struct xf_addr *a, struct xf_decision *out)
{
	__u32 ref = 0;
	int k;

	if (!st->v4_slots || !st->v4_bitmap || !st->v6_filter)
		return -EINVAL;
	if (a->family == XF_FAMILY_V4) {
		__u32 index = top32(a->addr) >> 8;
		__u32 slot = __atomic_load_n(&st->v4_slots[index], __ATOMIC_ACQUIRE);

		if (!(st->v4_bitmap[index / 64] & (1ULL << (index % 64))))
			slot = 0;
		ref = slot;
		if (slot & XF_SLOT_LONG) {
			ref = probe_lengths(st, a, (slot >> XF_SLOT_LENS_SHIFT) & 0xff, 25);
			if (!ref)
				ref = slot & XF_SLOT_REF_MASK;
		}
	} else {
		__u32 key, bit = xf_v6_filter_bit(top32(a->addr));
		struct xf_config cfg = {};
		struct xf_v6_bucket b;

		memcpy(&key, a->addr, sizeof(key));
		xf_config_read(st, &cfg);
		if (!cfg.v6_wide && !(st->v6_filter[bit / 64] & (1ULL << (bit % 64)))) {
			/* the filter answers: no range */
		} else if (!bpf_map_lookup_elem(st->map_fd[XF_MAP_V6_BUCKETS], &key, &b)) {
			for (k = 2; k >= 0 && !ref; k--)
				ref = probe_lengths(st, a, b.lens[k], 33 + 32 * k);
			if (!ref)
				ref = b.fallback;
		} else {
			struct xf_v6_short_key sk = { .prefixlen = XF_V6_BUCKET_LEN };
			__u32 id;

			memcpy(sk.addr, a->addr, sizeof(sk.addr));
			if (!bpf_map_lookup_elem(st->map_fd[XF_MAP_V6_SHORT], &sk, &id))
				ref = id + 1;
		}
	}
	if (!ref)
		return 0;
	if (ref - 1 >= st->max_ids)
		return -EINVAL;
	*out = (struct xf_decision){
		.range_id = ref - 1,
		.tag = st->ranges[ref - 1].tag,
		.action = st->ranges[ref - 1].action,
		.feed_id = st->ranges[ref - 1].feed_id,
	};
	return 1;
}

int xf_kernel_decision(const struct xf_state *st, const struct xf_addr *a, struct xf_decision *out)
{
	struct xf_lpm_key key;
	struct xf_prefix full;

	if (st->backend == XF_BACKEND_FAST)
		return xf_fib_lookup(st, a, out);
	xf_prefix_from_addr(&full, a);
	xf_prefix_to_key(&full, &key);
	if (bpf_map_lookup_elem(st->map_fd[XF_MAP_RULES], &key, out))
		return errno == ENOENT ? 0 : -errno;
	return 1;
}

/* ---- decoding the tables into prefixes (ranges --kernel) ---- */

struct entry_list {
	struct xf_effective *e;
	size_t n, cap;
};

static int list_push(const struct xf_state *st, struct entry_list *l, const struct xf_prefix *p,
		     __u32 id)
{
	struct xf_effective *e;

	if (id >= st->max_ids)
		return 0; /* a corrupt entry: not a range */
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		struct xf_effective *grown = realloc(l->e, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		l->e = grown;
		l->cap = cap;
	}
	e = &l->e[l->n++];
	e->prefix = *p;
	e->decision = (struct xf_decision){
		.range_id = id,
		.tag = st->ranges[id].tag,
		.action = st->ranges[id].action,
		.feed_id = st->ranges[id].feed_id,
	};
	return 0;
}

/* A run of /24 slots [first, end) with one fallback, as the fewest CIDR
 * blocks. */
static int push_run(const struct xf_state *st, struct entry_list *l, __u32 first, __u32 end,
		    __u32 ref)
{
	while (first < end) {
		unsigned int bits = first ? __builtin_ctz(first) : 24;
		struct xf_prefix p = { .family = XF_FAMILY_V4 };
		__u32 addr;
		int err;

		if (bits > 24)
			bits = 24;
		while ((1u << bits) > end - first)
			bits--;
		addr = first << 8;
		p.len = 24 - bits;
		p.addr[0] = addr >> 24;
		p.addr[1] = addr >> 16;
		p.addr[2] = addr >> 8;
		err = list_push(st, l, &p, ref - 1);
		if (err)
			return err;
		first += 1u << bits;
	}
	return 0;
}

static __u32 slot_ref(const struct xf_state *st, __u32 index)
{
	__u32 slot;

	if (!(st->v4_bitmap[index / 64] & (1ULL << (index % 64))))
		return 0;
	slot = st->v4_slots[index];
	return slot & XF_SLOT_LONG ? slot & XF_SLOT_REF_MASK : slot;
}

static int decode_slots(const struct xf_state *st, struct entry_list *l)
{
	__u32 index = 0, start = 0, cur = 0, ref;
	int err;

	while (index < XF_V4_SLOTS) {
		if (!cur && index % 64 == 0 && !st->v4_bitmap[index / 64]) {
			index += 64;
			continue;
		}
		ref = slot_ref(st, index);
		if (ref != cur) {
			if (cur && (err = push_run(st, l, start, index, cur)))
				return err;
			cur = ref;
			start = index;
		}
		index++;
	}
	return cur ? push_run(st, l, start, XF_V4_SLOTS, cur) : 0;
}

/* Every key of a map with its __u32 value, by get_next_key. */
static int decode_map(const struct xf_state *st, struct entry_list *l, enum xf_map_id map,
		      size_t key_size, int (*to_prefix)(const void *key, struct xf_prefix *p))
{
	char key[64], next[64];
	/* a range id, or a decision that starts with one */
	union {
		__u32 id;
		struct xf_decision d;
	} value;
	void *prev = NULL;
	struct xf_prefix p;
	int err;

	while (!bpf_map_get_next_key(st->map_fd[map], prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(st->map_fd[map], key, &value) || to_prefix(key, &p))
			continue;
		err = list_push(st, l, &p, value.id);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

static int exact_to_prefix(const void *key, struct xf_prefix *p)
{
	const struct xf_exact_key *k = key;

	if (k->family != XF_FAMILY_V4 && k->family != XF_FAMILY_V6)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->family = k->family;
	p->len = k->len;
	memcpy(p->addr, k->addr, sizeof(p->addr));
	return 0;
}

static int short_to_prefix(const void *key, struct xf_prefix *p)
{
	const struct xf_v6_short_key *k = key;

	if (k->prefixlen > XF_V6_BUCKET_LEN)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->family = XF_FAMILY_V6;
	p->len = k->prefixlen;
	memcpy(p->addr, k->addr, sizeof(k->addr));
	return 0;
}

static int by_prefix(const void *a, const void *b)
{
	return xf_prefix_cmp(&((const struct xf_effective *)a)->prefix,
			     &((const struct xf_effective *)b)->prefix);
}

int xf_fib_entries(const struct xf_state *st, struct xf_effective **out, size_t *n)
{
	struct entry_list l = {};
	int err;

	*out = NULL;
	*n = 0;
	if (!st->v4_slots || !st->v4_bitmap)
		return -EINVAL;
	err = decode_slots(st, &l);
	if (!err)
		err = decode_map(st, &l, XF_MAP_EXACT, sizeof(struct xf_exact_key), exact_to_prefix);
	if (!err)
		err = decode_map(st, &l, XF_MAP_V6_SHORT, sizeof(struct xf_v6_short_key),
				 short_to_prefix);
	if (err) {
		free(l.e);
		return err;
	}
	if (l.n)
		qsort(l.e, l.n, sizeof(*l.e), by_prefix);
	*out = l.e;
	*n = l.n;
	return 0;
}
