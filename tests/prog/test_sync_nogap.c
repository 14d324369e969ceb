// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A large feed sync never opens a gap. Three synthetic list-format feeds
 * (two drop, one count; ~130k prefixes per version: mostly IPv4 /32 and
 * /24, some /16-/23 and /25-/31, IPv6 /48-/128) exist in two versions that
 * share half of their bulk entries and a "staying" set S of ranges whose
 * precedence context changes between the versions: an enclosing range
 * comes or goes, a nested weaker range comes or goes, a more specific range
 * inside comes or goes, the range moves from one feed to another, a second
 * feed names the same prefix; and sources covered in both versions by
 * different prefixes (a range replaced by its enclosing range, or split in
 * two), where the order of additions and removals decides. The versions are applied alternately
 * through the calls `feed sync` makes (xf_sync_prepare, xf_sync_build, xf_ruleset_commit) while
 * sampler threads run the XDP program on sources inside S, round-robin over thousands of addresses
 * of both families (every other sampler over the items whose deciding entry each sync rewrites in
 * place): no packet may pass. Ranges that stay keep their id, and their
 * counters keep counting (exactly the packets sent, where the range decides
 * alone).
 *
 * Why twelve syncs: tried on a copy of the commit with the rewrite of a
 * changed entry done as delete-then-add, the samplers met that microsecond
 * gap 5-26 times in twelve syncs (about once in three syncs); removals
 * before additions are met at once.
 *
 * The detector is checked too: the same samplers must see packets pass
 * when staying entries are deleted and added back by hand, and when a
 * reload removes everything before adding it back.
 *
 * XF_NOGAP_SAMPLERS=N changes the number of sampler threads (default 2). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "harness.h"
#include "registry.h"
#include "sync.h"

#define NOGAP_MAX_RANGES 262144
#define NR_FEEDS	 3
#define FEED_A		 1 /* drop */
#define FEED_B		 2 /* drop */
#define FEED_C		 3 /* count */
/* bulk entries per feed; half stay, half are replaced by the other version */
#define BULK_A		 70000
#define BULK_B		 45000
#define BULK_C		 10000
#define STAY_PERCENT	 50
#define S_BLOCKS_V4	 2800 /* one /16 per staying item: 101.0/16 .. 111.239/16 */
#define S_BLOCKS_V6	 1400 /* one /32 per staying item: 2a0c:0::/32 .. */
#define DEFAULT_SAMPLERS 2
#define MAX_SAMPLERS	 8
#define MIN_ALTERNATIONS 12 /* see the top of the file */
#define MAX_ALTERNATIONS 24
#define TARGET_DURING	 300000 /* packets run while a commit is in progress */
#define MIN_DURING	 100000 /* fewer than this proves nothing */
#define SYNC_BUDGET_S	 20.0	/* for all syncs; the test stays under a minute */
#define DETECT_MIN_S	 0.5
#define DETECT_MAX_S	 5.0
#define MAX_PASSES_SHOWN 5
#define FRAME_MAX	 128
#define DST4		 "192.0.2.1"
#define DST6		 "2001:db8:ffff::1"
#define DPORT		 53

enum { V0 = 1, V1 = 2, BOTH = V0 | V1 };

/* ---- the staying set S ---- */

enum s_feeds {
	S_IN_A,	    /* feed A in both versions */
	S_IN_B,	    /* feed B in both versions */
	S_MOVES,    /* feed A in one version, feed B in the other */
	S_REPLACED, /* feed A in one version, other prefixes in the other */
};

enum s_context {
	CTX_NONE,
	CTX_B,	     /* drop ranges of feed B present in one version only */
	CTX_C,	     /* count ranges of feed C present in one version only */
	CTX_A_SAME,  /* feed A names the same prefix, in one version only */
	CTX_A_OTHER, /* feed A, in the version without the item's range */
};

/* One kind of staying item. Each text is a printf format given the item's
 * block ("101.7" or "2a0c:1f"); index 0 is IPv4, 1 IPv6. */
struct s_kind {
	const char *name;
	const char *range[2]; /* the range that stays (or moves, or is replaced) */
	const char *addr[2];  /* the source sampled */
	enum s_feeds feeds;
	enum s_context ctx;
	const char *ctx_range[2][2]; /* up to two context ranges */
	/* the staying range decides its address in both versions: its
	 * counter must go up by exactly the packets sent there */
	bool decides_alone;
	/* the entry deciding the address is rewritten in place by every
	 * sync: the shortest window a wrong order could open */
	bool rewritten;
};

static const struct s_kind kinds[] = {
    {
	.name = "single address",
	.range = {"%s.1.7/32", "%s:1::7/128"},
	.addr = {"%s.1.7", "%s:1::7"},
	.decides_alone = true,
    },
    {
	.name = "network",
	.range = {"%s.2.0/24", "%s:2::/48"},
	.addr = {"%s.2.55", "%s:2::55"},
	.decides_alone = true,
    },
    {
	.name = "enclosing range comes and goes",
	.range = {"%s.3.0/24", "%s:3::/56"},
	.addr = {"%s.3.9", "%s:3::9"},
	.ctx = CTX_B,
	.ctx_range = {{"%s.0.0/16"}, {"%s::/40"}},
	.decides_alone = true,
    },
    {
	.name = "nested weaker range comes and goes",
	.range = {"%s.4.0/24", "%s:4::/48"},
	.addr = {"%s.4.17", "%s:4:1::1"},
	.ctx = CTX_C,
	.ctx_range = {{"%s.4.16/28"}, {"%s:4:1::/64"}},
	.decides_alone = true,
    },
    {
	.name = "more specific range inside comes and goes",
	.range = {"%s.0.0/16", "%s::/40"},
	.addr = {"%s.5.5", "%s:5::5"},
	.ctx = CTX_B,
	.ctx_range = {{"%s.5.0/24"}, {"%s:5::/64"}},
    },
    {
	.name = "moves between feeds",
	.range = {"%s.6.0/24", "%s:6::/56"},
	.addr = {"%s.6.6", "%s:6::6"},
	.feeds = S_MOVES,
	.rewritten = true,
    },
    {
	.name = "named by two feeds",
	.range = {"%s.7.0/24", "%s:7::/64"},
	.addr = {"%s.7.7", "%s:7::7"},
	.feeds = S_IN_B,
	.ctx = CTX_A_SAME,
	.ctx_range = {{"%s.7.0/24"}, {"%s:7::/64"}},
	.rewritten = true,
    },
    {
	.name = "replaced by its enclosing range",
	.range = {"%s.8.0/24", "%s:8::/48"},
	.addr = {"%s.8.8", "%s:8::8"},
	.feeds = S_REPLACED,
	.ctx = CTX_A_OTHER,
	.ctx_range = {{"%s.0.0/16"}, {"%s::/40"}},
    },
    {
	.name = "split into more specific ranges",
	.range = {"%s.9.0/24", "%s:9::/48"},
	.addr = {"%s.9.200", "%s:9:8000::9"},
	.feeds = S_REPLACED,
	.ctx = CTX_A_OTHER,
	.ctx_range = {{"%s.9.0/25", "%s.9.128/25"}, {"%s:9::/49", "%s:9:8000::/49"}},
    },
};
#define NR_KINDS (sizeof(kinds) / sizeof(kinds[0]))

struct s_item {
	const struct s_kind *kind;
	struct xf_prefix range;
	__u8 anchor_feed; /* feed of the staying rule; 0 when it moves or is replaced */
	int toggled; /* V0 or V1: the version with the context ranges, or with the range in A */
	char addr[48];
	__u32 id; /* range id of the staying rule after the first sync */
	struct xf_counter before[XF_OUTCOME_MAX];
};

struct frame {
	__u8 data[FRAME_MAX];
	__u32 len;
};

/* ---- the fixture ---- */

struct nogap {
	char dir[64];
	char path[NR_FEEDS][2][128];
	struct xf_feed_def defs[NR_FEEDS];
	struct s_item *items;
	struct frame *frames; /* frames[i] has source items[i].addr */
	size_t nr_items;
	__u32 *all;   /* 0 .. nr_items - 1 */
	__u32 *focus; /* the items whose kind is rewritten */
	size_t nr_focus;
	size_t lines[2]; /* entries written per version */
	bool have_files;
};

static struct nogap ng;

static const struct {
	const char *name;
	__u8 id, action;
	size_t bulk;
} feeds[NR_FEEDS] = {
    {"nogap-a", FEED_A, XF_ACTION_DROP, BULK_A},
    {"nogap-b", FEED_B, XF_ACTION_DROP, BULK_B},
    {"nogap-c", FEED_C, XF_ACTION_COUNT, BULK_C},
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static __u64 rng_state = 0x9e3779b97f4a7c15ull;

static __u64 rng(void)
{
	/* xorshift64*: fixed seed, the same feeds on every run */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* First octets of the bulk IPv4 space: global unicast, outside every
 * special-purpose block the rails skip, and outside S (100-127). */
static __u8 bulk_octet(void)
{
	static const __u8 ranges[][2] = {{1, 9},     {11, 99},	 {128, 168}, {173, 191},
					 {193, 197}, {199, 202}, {204, 223}};
	unsigned int total = 0, pick, i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		total += ranges[i][1] - ranges[i][0] + 1;
	pick = rng() % total;
	for (i = 0;; i++) {
		unsigned int n = ranges[i][1] - ranges[i][0] + 1;

		if (pick < n)
			return ranges[i][0] + pick;
		pick -= n;
	}
}

/* 90 % IPv4 (60 % /32, 30 % /24, 7 % /16-/23, 3 % /25-/31), 10 % IPv6
 * under 2400::/12 (/48, /56, /64, /128). */
static void bulk_prefix(struct xf_prefix *p)
{
	unsigned int r = rng() % 1000, i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < XF_ADDR_MAX_BYTES; i++)
		p->addr[i] = rng();
	if (r < 900) {
		p->family = XF_FAMILY_V4;
		p->addr[0] = bulk_octet();
		memset(p->addr + 4, 0, XF_ADDR_MAX_BYTES - 4);
		r = rng() % 100;
		p->len = r < 60 ? 32 : r < 90 ? 24 : r < 97 ? 16 + rng() % 8 : 25 + rng() % 7;
	} else {
		static const __u8 lens6[] = {48, 48, 48, 56, 56, 64, 64, 64, 128, 128};

		p->family = XF_FAMILY_V6;
		p->addr[0] = 0x24;
		p->addr[1] &= 0x0f;
		p->len = lens6[rng() % sizeof(lens6)];
	}
	xf_prefix_mask(p);
}

/* One feed line: bare addresses as FireHOL writes them, CIDRs otherwise,
 * now and then a comment after the entry. */
static void write_prefix(FILE *f, const struct xf_prefix *p, bool comment)
{
	char text[XF_PREFIX_STRLEN];

	xf_prefix_format(p, text, sizeof(text));
	if (p->len == xf_family_bits(p->family))
		*strchr(text, '/') = '\0';
	fprintf(f, "%s%s\n", text, comment ? " # synthetic" : "");
}

static void emit(FILE *files[NR_FEEDS][2], int feed, int versions, const struct xf_prefix *p)
{
	int v;

	for (v = 0; v < 2; v++) {
		if (!(versions & (1 << v)))
			continue;
		write_prefix(files[feed][v], p, rng() % 16 == 0);
		ng.lines[v]++;
	}
}

static int feed_index(__u8 id)
{
	return id - FEED_A;
}

static void emit_text(FILE *files[NR_FEEDS][2], __u8 feed, int versions, const char *fmt,
		      const char *block, struct xf_prefix *out)
{
	char text[XF_PREFIX_STRLEN];
	struct xf_prefix p;

	snprintf(text, sizeof(text), fmt, block);
	p = xt_prefix(text);
	emit(files, feed_index(feed), versions, &p);
	if (out)
		*out = p;
}

/* Staying item number b of its family: its own /16 (IPv4) or /32 (IPv6),
 * so that items never nest in one another or in the bulk. */
static void make_item(FILE *files[NR_FEEDS][2], struct s_item *it, __u8 family, unsigned int b)
{
	const struct s_kind *k = &kinds[b % NR_KINDS];
	int toggled = (b / NR_KINDS) % 2 ? V0 : V1; /* both directions in every sync */
	int fam = family == XF_FAMILY_V4 ? 0 : 1, c;
	const char *range = k->range[fam];
	char block[32];

	if (family == XF_FAMILY_V4)
		snprintf(block, sizeof(block), "%u.%u", 101 + b / 256, b % 256);
	else
		snprintf(block, sizeof(block), "2a0c:%x", b);
	it->kind = k;
	it->toggled = toggled;
	snprintf(it->addr, sizeof(it->addr), k->addr[fam], block);
	switch (k->feeds) {
	case S_IN_A:
		emit_text(files, FEED_A, BOTH, range, block, &it->range);
		it->anchor_feed = FEED_A;
		break;
	case S_IN_B:
		emit_text(files, FEED_B, BOTH, range, block, &it->range);
		it->anchor_feed = FEED_B;
		break;
	case S_MOVES:
		emit_text(files, FEED_A, toggled, range, block, &it->range);
		emit_text(files, FEED_B, BOTH & ~toggled, range, block, NULL);
		break;
	case S_REPLACED:
		emit_text(files, FEED_A, toggled, range, block, &it->range);
		break;
	}
	for (c = 0; c < 2 && k->ctx_range[fam][c]; c++) {
		const char *ctx = k->ctx_range[fam][c];

		switch (k->ctx) {
		case CTX_NONE:
			break;
		case CTX_B:
			emit_text(files, FEED_B, toggled, ctx, block, NULL);
			break;
		case CTX_C:
			emit_text(files, FEED_C, toggled, ctx, block, NULL);
			break;
		case CTX_A_SAME:
			emit_text(files, FEED_A, toggled, ctx, block, NULL);
			break;
		case CTX_A_OTHER:
			emit_text(files, FEED_A, BOTH & ~toggled, ctx, block, NULL);
			break;
		}
	}
}

static void build_frame(struct frame *fr, const char *src)
{
	struct xt_flow f = xt_udp_flow(src, strchr(src, ':') ? DST6 : DST4, DPORT);
	struct xt_pkt p;

	xt_pkt_build(&p, &f);
	assert_true(p.len <= sizeof(fr->data));
	memcpy(fr->data, p.data, p.len);
	fr->len = p.len;
}

static void write_feeds(void)
{
	FILE *files[NR_FEEDS][2];
	size_t n4 = 0, n6 = 0, i, j;
	int f, v;

	for (f = 0; f < NR_FEEDS; f++) {
		for (v = 0; v < 2; v++) {
			snprintf(ng.path[f][v], sizeof(ng.path[f][v]), "%s/%s.v%d.txt", ng.dir,
				 feeds[f].name, v);
			files[f][v] = fopen(ng.path[f][v], "w");
			if (!files[f][v])
				fail_msg("cannot write %s: %s", ng.path[f][v], strerror(errno));
			fprintf(files[f][v], "# %s: synthetic feed, version %d\n#\n", feeds[f].name,
				v);
		}
	}
	/* S interleaves the families, so that a sampler meets both all along */
	ng.nr_items = S_BLOCKS_V4 + S_BLOCKS_V6;
	ng.items = calloc(ng.nr_items, sizeof(*ng.items));
	ng.frames = calloc(ng.nr_items, sizeof(*ng.frames));
	assert_non_null(ng.items);
	assert_non_null(ng.frames);
	ng.all = calloc(ng.nr_items, sizeof(*ng.all));
	ng.focus = calloc(ng.nr_items, sizeof(*ng.focus));
	assert_non_null(ng.all);
	assert_non_null(ng.focus);
	for (i = 0; i < ng.nr_items; i++) {
		bool v6 = n6 < S_BLOCKS_V6 && (n4 == S_BLOCKS_V4 || i % 3 == 2);

		if (v6)
			make_item(files, &ng.items[i], XF_FAMILY_V6, n6++);
		else
			make_item(files, &ng.items[i], XF_FAMILY_V4, n4++);
		build_frame(&ng.frames[i], ng.items[i].addr);
		ng.all[i] = i;
		if (ng.items[i].kind->rewritten)
			ng.focus[ng.nr_focus++] = i;
	}
	for (f = 0; f < NR_FEEDS; f++) {
		for (j = 0; j < feeds[f].bulk; j++) {
			struct xf_prefix p;

			bulk_prefix(&p);
			if (rng() % 100 < STAY_PERCENT) {
				emit(files, f, BOTH, &p);
				continue;
			}
			emit(files, f, V0, &p);
			bulk_prefix(&p);
			emit(files, f, V1, &p);
		}
	}
	for (f = 0; f < NR_FEEDS; f++)
		for (v = 0; v < 2; v++)
			if (fclose(files[f][v]))
				fail_msg("cannot write %s", ng.path[f][v]);
}

static void setup_defs(void)
{
	int f;

	for (f = 0; f < NR_FEEDS; f++) {
		struct xf_feed_def *d = &ng.defs[f];

		xf_feed_def_init(d);
		snprintf(d->name, sizeof(d->name), "%s", feeds[f].name);
		d->id = feeds[f].id;
		d->action = feeds[f].action;
		d->format = XF_FORMAT_LIST;
	}
}

/* ---- syncing a version, as `feed sync` does ---- */

/* Odd while a commit is in progress; samplers read it around every run. */
static atomic_uint window_gen;

static void window_open(void)
{
	atomic_fetch_add(&window_gen, 1);
}

static void window_close(void)
{
	atomic_fetch_add(&window_gen, 1);
}

struct sync_result {
	struct xf_commit_stats cs;
	size_t ranges;
	double prepare_ms, build_ms, commit_ms;
};

static void sync_version(struct xt_env *env, int version, struct sync_result *res)
{
	struct xf_feed_sync fs[NR_FEEDS];
	struct xf_ruleset old, next;
	double t0, t1, t2;
	int f, err;

	memset(res, 0, sizeof(*res));
	assert_int_equal(xf_ruleset_read(&env->st, &old), 0);
	t0 = now_s();
	for (f = 0; f < NR_FEEDS; f++) {
		struct xf_feed_def *d = &ng.defs[f];

		free(d->source);
		d->source = strdup(ng.path[f][version]);
		assert_non_null(d->source);
		xf_sync_prepare(&fs[f], d, xf_ruleset_count_feed(&old, d->id), false);
		if (fs[f].state != XF_SYNC_READY)
			fail_msg("feed '%s' version %d not ready: %s", d->name, version,
				 fs[f].reason);
		/* the fixture is what it means to be: nothing skipped */
		xt_assert_eq(fs[f].parsed.bad, 0, "feed '%s' v%d: bad lines", d->name, version);
		xt_assert_eq(fs[f].rails.special + fs[f].rails.too_short, 0,
			     "feed '%s' v%d: entries the rails dropped", d->name, version);
	}
	t1 = now_s();
	err = xf_sync_build(&old, fs, NR_FEEDS, &next);
	if (err)
		fail_msg("xf_sync_build: %s", strerror(-err));
	t2 = now_s();
	window_open();
	err = xf_ruleset_commit(&env->st, &old, &next, &res->cs);
	window_close();
	res->commit_ms = (now_s() - t2) * 1e3;
	res->prepare_ms = (t1 - t0) * 1e3;
	res->build_ms = (t2 - t1) * 1e3;
	res->ranges = next.n;
	for (f = 0; f < NR_FEEDS; f++)
		xf_feed_sync_free(&fs[f]);
	xf_ruleset_free(&old);
	xf_ruleset_free(&next);
	if (err)
		fail_msg("commit of version %d: %s", version, strerror(-err));
}

/* ---- samplers ---- */

struct sampler {
	pthread_t thread;
	int prog_fd;
	const __u32 *order; /* the items it cycles through */
	size_t n, start;
	atomic_bool *stop;
	__u64 runs, during, passes, errors;
	__u32 *sent; /* per item */
	size_t shown[MAX_PASSES_SHOWN];
	__u32 shown_retval[MAX_PASSES_SHOWN];
	int first_err;
};

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	size_t k = s->start;

	while (!atomic_load_explicit(s->stop, memory_order_relaxed)) {
		__u32 i = s->order[k];
		const struct frame *fr = &ng.frames[i];
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = fr->data, .data_size_in = fr->len,
			    .repeat = 1);
		unsigned int g0, g1;
		int err;

		g0 = atomic_load(&window_gen);
		err = bpf_prog_test_run_opts(s->prog_fd, &opts);
		g1 = atomic_load(&window_gen);
		s->runs++;
		/* read by the main thread while this one runs */
		if ((g0 & 1) || g0 != g1)
			__atomic_fetch_add(&s->during, 1, __ATOMIC_RELAXED);
		if (err) {
			if (!s->errors++)
				s->first_err = errno;
		} else {
			s->sent[i]++;
			if (opts.retval != XDP_DROP) {
				if (s->passes < MAX_PASSES_SHOWN) {
					s->shown[s->passes] = i;
					s->shown_retval[s->passes] = opts.retval;
				}
				__atomic_fetch_add(&s->passes, 1, __ATOMIC_RELAXED);
			}
		}
		if (++k == s->n)
			k = 0;
	}
	return NULL;
}

struct sampling {
	struct sampler s[MAX_SAMPLERS];
	int n;
	atomic_bool stop;
	double started;
	/* totals after sampling_stop() */
	__u64 runs, during, passes, errors;
	__u32 *sent;
	double seconds;
};

static int nr_samplers(void)
{
	const char *e = getenv("XF_NOGAP_SAMPLERS");
	int n = e && *e ? atoi(e) : DEFAULT_SAMPLERS;

	return n < 1 ? 1 : n > MAX_SAMPLERS ? MAX_SAMPLERS : n;
}

static void sampling_start(struct xt_env *env, struct sampling *sm)
{
	int i;

	memset(sm, 0, sizeof(*sm));
	sm->n = nr_samplers();
	atomic_store(&sm->stop, false);
	for (i = 0; i < sm->n; i++) {
		struct sampler *s = &sm->s[i];

		s->prog_fd = env->prog_fd;
		s->stop = &sm->stop;
		/* every other sampler on the rewritten entries, whose window is
		 * the shortest */
		s->order = i % 2 ? ng.focus : ng.all;
		s->n = i % 2 ? ng.nr_focus : ng.nr_items;
		s->start = s->n * (i / 2) / ((sm->n + 1) / 2);
		s->sent = calloc(ng.nr_items, sizeof(*s->sent));
		assert_non_null(s->sent);
		if (pthread_create(&s->thread, NULL, sampler_main, s))
			fail_msg("cannot start sampler %d", i);
	}
	sm->started = now_s();
}

static void sampling_stop(struct sampling *sm)
{
	size_t k;
	int i;

	atomic_store(&sm->stop, true);
	sm->sent = calloc(ng.nr_items, sizeof(*sm->sent));
	for (i = 0; i < sm->n; i++)
		pthread_join(sm->s[i].thread, NULL);
	sm->seconds = now_s() - sm->started;
	for (i = 0; i < sm->n; i++) {
		struct sampler *s = &sm->s[i];

		sm->runs += s->runs;
		sm->during += s->during;
		sm->passes += s->passes;
		sm->errors += s->errors;
		for (k = 0; sm->sent && k < ng.nr_items; k++)
			sm->sent[k] += s->sent[k];
		free(s->sent);
		s->sent = NULL;
	}
	assert_non_null(sm->sent);
}

/* Sum of one field over the samplers, while they run. */
static __u64 sampling_live(const struct sampling *sm, size_t offset)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < sm->n; i++)
		sum += __atomic_load_n((const __u64 *)((const char *)&sm->s[i] + offset),
				       __ATOMIC_RELAXED);
	return sum;
}

static void sampling_free(struct sampling *sm)
{
	free(sm->sent);
	sm->sent = NULL;
}

static void sampling_show_passes(const struct sampling *sm, const char *what)
{
	int i, shown = 0;
	__u64 k;

	for (i = 0; i < sm->n; i++) {
		const struct sampler *s = &sm->s[i];

		for (k = 0; k < s->passes && k < MAX_PASSES_SHOWN && shown < MAX_PASSES_SHOWN;
		     k++, shown++)
			print_message("    %s: source %s (%s) got %s\n", what,
				      ng.items[s->shown[k]].addr, ng.items[s->shown[k]].kind->name,
				      xt_xdp_name(s->shown_retval[k]));
	}
}

/* ---- checks on the state ---- */

static int rule_cmp(const void *pa, const void *pb)
{
	const struct xf_rule *a = pa, *b = pb;

	if (a->feed_id != b->feed_id)
		return a->feed_id < b->feed_id ? -1 : 1;
	if ((a->action == XF_ACTION_ALLOW) != (b->action == XF_ACTION_ALLOW))
		return a->action == XF_ACTION_ALLOW ? 1 : -1;
	return xf_prefix_cmp(&a->prefix, &b->prefix);
}

/* The rules in force, sorted for find_rule(). */
static void read_sorted(struct xt_env *env, struct xf_ruleset *rs)
{
	assert_int_equal(xf_ruleset_read(&env->st, rs), 0);
	qsort(rs->rules, rs->n, sizeof(*rs->rules), rule_cmp);
}

static const struct xf_rule *find_rule(const struct xf_ruleset *rs, __u8 feed,
				       const struct xf_prefix *p)
{
	struct xf_rule key = {.prefix = *p, .feed_id = feed, .action = XF_ACTION_DROP};

	return bsearch(&key, rs->rules, rs->n, sizeof(*rs->rules), rule_cmp);
}

/* Single runs, no threads: every source in S is dropped. */
static void check_all_dropped(struct xt_env *env, const char *what)
{
	struct xt_result r;
	size_t i;

	for (i = 0; i < ng.nr_items; i++) {
		if (xt_run_frame(env, ng.frames[i].data, ng.frames[i].len, 0, &r))
			fail_msg("%s: BPF_PROG_TEST_RUN: %s", what, strerror(-r.err));
		if (r.retval != XDP_DROP)
			fail_msg("%s: source %s (%s) got %s, expected XDP_DROP", what,
				 ng.items[i].addr, ng.items[i].kind->name, xt_xdp_name(r.retval));
	}
}

static void record_anchors(struct xt_env *env)
{
	struct xf_ruleset rs;
	size_t i;

	read_sorted(env, &rs);
	for (i = 0; i < ng.nr_items; i++) {
		struct s_item *it = &ng.items[i];
		const struct xf_rule *r;

		if (!it->anchor_feed)
			continue;
		r = find_rule(&rs, it->anchor_feed, &it->range);
		if (!r)
			fail_msg("staying range of %s (%s) is not in force", it->addr,
				 it->kind->name);
		it->id = r->range_id;
		xt_range_counters(env, it->id, it->before);
	}
	xf_ruleset_free(&rs);
}

/* Ids kept; counters never went back, and where the staying range alone
 * decides its address, they went up by exactly the packets sent. */
static void check_anchors(struct xt_env *env, const struct sampling *sm)
{
	size_t i, exact = 0, counted = 0, want_exact = 0, lost = 0;
	struct xf_ruleset rs;

	read_sorted(env, &rs);
	for (i = 0; i < ng.nr_items; i++) {
		struct s_item *it = &ng.items[i];
		struct xf_counter after[XF_OUTCOME_MAX];
		const struct xf_rule *r;
		int o;

		want_exact += it->kind->decides_alone;
		if (!it->anchor_feed)
			continue;
		r = find_rule(&rs, it->anchor_feed, &it->range);
		if (!r)
			fail_msg("staying range of %s (%s) is gone", it->addr, it->kind->name);
		xt_assert_eq(r->range_id, it->id, "range id of the staying range of %s (%s)",
			     it->addr, it->kind->name);
		xt_range_counters(env, it->id, after);
		/* went back: the range lost its counter way (bounded cache) */
		for (o = 0; o < XF_OUTCOME_MAX; o++)
			if (after[o].packets < it->before[o].packets)
				break;
		if (o < XF_OUTCOME_MAX) {
			lost++;
			continue;
		}
		counted += after[XF_OUTCOME_DROP].packets > it->before[XF_OUTCOME_DROP].packets;
		if (!it->kind->decides_alone)
			continue;
		/* never more than was sent (nothing foreign); fewer only when the
		 * range lost its counter way to busier ranges of its set (the
		 * bounded per-range cache; the feed totals stay exact) */
		if (after[XF_OUTCOME_DROP].packets - it->before[XF_OUTCOME_DROP].packets >
		    sm->sent[i])
			fail_msg("drops counted on range %u (%s, %s) during the syncs: %llu, more "
				 "than the %llu sent",
				 it->id, it->addr, it->kind->name,
				 (unsigned long long)(after[XF_OUTCOME_DROP].packets -
						      it->before[XF_OUTCOME_DROP].packets),
				 (unsigned long long)sm->sent[i]);
		exact += after[XF_OUTCOME_DROP].packets - it->before[XF_OUTCOME_DROP].packets ==
			 sm->sent[i];
	}
	xf_ruleset_free(&rs);
	print_message("  staying ranges: ids kept; %zu of %zu counted on exactly, %zu counted "
		      "on during the syncs, %zu lost their counter way\n",
		      exact, want_exact, counted, lost);
	xt_assert_eq(exact * 10 >= want_exact * 9, 1,
		     "staying ranges counted on exactly: %zu of %zu", exact, want_exact);
	assert_true(exact > 0);
}

/* Ranges that move or are replaced are where the version in force puts
 * them, and only there. */
static void check_version(struct xt_env *env, int version)
{
	struct xf_ruleset rs;
	size_t i, seen = 0;

	read_sorted(env, &rs);
	for (i = 0; i < ng.nr_items; i++) {
		const struct s_item *it = &ng.items[i];
		bool here = it->toggled == (1 << version);

		switch (it->kind->feeds) {
		case S_MOVES:
			if (!find_rule(&rs, here ? FEED_A : FEED_B, &it->range) ||
			    find_rule(&rs, here ? FEED_B : FEED_A, &it->range))
				fail_msg("%s (%s): not in feed %c alone in version %d", it->addr,
					 it->kind->name, here ? 'A' : 'B', version);
			seen++;
			break;
		case S_REPLACED:
			if (!find_rule(&rs, FEED_A, &it->range) != !here)
				fail_msg("%s (%s): range %s in version %d", it->addr,
					 it->kind->name, here ? "missing" : "still there", version);
			seen++;
			break;
		default:
			break;
		}
	}
	xf_ruleset_free(&rs);
	assert_true(seen > 0);
}

/* ---- the tests ---- */

static void test_sync_never_gaps(void **state)
{
	struct xt_env *env = xt_env(state);
	struct sync_result res, first = {};
	double commit_ms = 0, commit_max = 0, start;
	struct sampling sm;
	int alternations = 0;

	sync_version(env, 0, &res);
	print_message("  version 0 in force: %zu ranges (%zu lpm entries), %zu staying items\n",
		      res.ranges, res.cs.added, ng.nr_items);
	check_all_dropped(env, "after the first sync");
	check_version(env, 0);
	record_anchors(env);

	sampling_start(env, &sm);
	start = now_s();
	do {
		sync_version(env, (alternations + 1) % 2, &res);
		if (!alternations)
			first = res;
		commit_ms += res.commit_ms;
		if (res.commit_ms > commit_max)
			commit_max = res.commit_ms;
		alternations++;
	} while (alternations < MAX_ALTERNATIONS && now_s() - start < SYNC_BUDGET_S &&
		 (alternations < MIN_ALTERNATIONS ||
		  sampling_live(&sm, offsetof(struct sampler, during)) < TARGET_DURING));
	sampling_stop(&sm);
	/* a slow machine runs out of time first: one round trip at least */
	assert_true(alternations >= 2);

	print_message("  one sync: %zu ranges; lpm %zu added, %zu changed, %zu removed, %zu "
		      "unchanged; prepare %.0f ms, build %.0f ms, commit %.0f ms\n",
		      first.ranges, first.cs.added, first.cs.changed, first.cs.removed,
		      first.cs.unchanged, first.prepare_ms, first.build_ms, first.commit_ms);
	print_message("  %d syncs alternating the versions, commits %.0f ms in all (longest "
		      "%.0f ms)\n",
		      alternations, commit_ms, commit_max);
	print_message("  %d samplers: %llu packets from S in %.1f s, %llu of them during "
		      "commits; %llu not dropped, %llu run errors\n",
		      sm.n, (unsigned long long)sm.runs, sm.seconds, (unsigned long long)sm.during,
		      (unsigned long long)sm.passes, (unsigned long long)sm.errors);
	if (sm.passes)
		sampling_show_passes(&sm, "gap");
	xt_assert_eq(sm.errors, 0, "BPF_PROG_TEST_RUN errors (first: %s)",
		     strerror(sm.s[0].first_err));
	xt_assert_eq(sm.passes, 0, "packets from staying ranges not dropped during the syncs");
	if (sm.during < MIN_DURING)
		fail_msg("only %llu packets ran during commits (want >= %d): the test proves "
			 "nothing",
			 (unsigned long long)sm.during, MIN_DURING);
	/* half of the bulk was replaced: the commits were large */
	assert_true(first.cs.added > 40000 && first.cs.removed > 40000);
	check_anchors(env, &sm);
	check_version(env, alternations % 2);
	check_all_dropped(env, "after the syncs");
	sampling_free(&sm);
}

/* The effective entries in force, as the commit computed them. */
static void effective_in_force(struct xt_env *env, struct xf_effective **e, size_t *n)
{
	struct xf_ruleset rs;

	assert_int_equal(xf_ruleset_read(&env->st, &rs), 0);
	assert_int_equal(xf_precedence_compute(rs.rules, rs.n, e, n), 0);
	xf_ruleset_free(&rs);
}

static int effective_cmp(const void *pa, const void *pb)
{
	const struct xf_effective *a = pa, *b = pb;

	return xf_prefix_cmp(&a->prefix, &b->prefix);
}

static void lpm_del(struct xt_env *env, const struct xf_effective *e)
{
	struct xf_lpm_key key;

	xf_prefix_to_key(&e->prefix, &key);
	if (bpf_map_delete_elem(env->st.map_fd[XF_MAP_RULES], &key))
		fail_msg("raw delete: %s", strerror(errno));
}

static void lpm_put(struct xt_env *env, const struct xf_effective *e)
{
	struct xf_lpm_key key;

	xf_prefix_to_key(&e->prefix, &key);
	if (bpf_map_update_elem(env->st.map_fd[XF_MAP_RULES], &key, &e->decision, BPF_ANY))
		fail_msg("raw update: %s", strerror(errno));
}

static void report_detector(const struct sampling *sm, const char *what, int rounds)
{
	print_message("  detector, %s: %d rounds, %llu packets in %.1f s (%llu during the "
		      "update), %llu not dropped\n",
		      what, rounds, (unsigned long long)sm->runs, sm->seconds,
		      (unsigned long long)sm->during, (unsigned long long)sm->passes);
	sampling_show_passes(sm, what);
	xt_assert_eq(sm->errors, 0, "%s: BPF_PROG_TEST_RUN errors", what);
	if (!sm->passes)
		fail_msg("%s: the samplers saw no gap where there was one: the detector is blind",
			 what);
}

/* Each staying item's own entry deleted and added back, one at a time,
 * behind the rule store's back: the gap is a few microseconds per entry.
 * (A replaced item's range is only in force in one version.) */
static void test_detector_entry_gap(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xf_effective *e = NULL, **mine;
	struct sync_result res;
	struct sampling sm;
	size_t n = 0, i;
	int rounds = 0;
	double start;

	sync_version(env, 0, &res);
	effective_in_force(env, &e, &n);
	mine = calloc(ng.nr_items, sizeof(*mine));
	assert_non_null(mine);
	for (i = 0; i < ng.nr_items; i++) {
		struct xf_effective key = {.prefix = ng.items[i].range};

		mine[i] = bsearch(&key, e, n, sizeof(*e), effective_cmp);
		if (ng.items[i].kind->feeds != S_REPLACED || ng.items[i].toggled == V0)
			assert_non_null(mine[i]);
	}
	sampling_start(env, &sm);
	start = now_s();
	window_open();
	do {
		for (i = 0; i < ng.nr_items; i++) {
			if (!mine[i])
				continue;
			lpm_del(env, mine[i]);
			lpm_put(env, mine[i]);
		}
		rounds++;
	} while (now_s() - start < DETECT_MIN_S ||
		 (now_s() - start < DETECT_MAX_S &&
		  !sampling_live(&sm, offsetof(struct sampler, passes))));
	window_close();
	sampling_stop(&sm);
	report_detector(&sm, "delete-then-add of each staying entry", rounds);
	check_all_dropped(env, "after the delete-then-add round");
	sampling_free(&sm);
	free(mine);
	free(e);
}

/* A reload in the wrong order: every entry removed, then all added back. */
static void test_detector_reload_gap(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xf_effective *e = NULL;
	struct sync_result res;
	struct sampling sm;
	size_t n = 0, i;

	sync_version(env, 0, &res);
	effective_in_force(env, &e, &n);
	sampling_start(env, &sm);
	window_open();
	for (i = 0; i < n; i++)
		lpm_del(env, &e[i]);
	for (i = 0; i < n; i++)
		lpm_put(env, &e[i]);
	window_close();
	sampling_stop(&sm);
	report_detector(&sm, "removals before additions", 1);
	check_all_dropped(env, "after the reload");
	sampling_free(&sm);
	free(e);
}

static void remove_files(void)
{
	int f, v;

	for (f = 0; f < NR_FEEDS; f++)
		for (v = 0; v < 2; v++)
			if (ng.path[f][v][0])
				unlink(ng.path[f][v]);
	if (ng.dir[0])
		rmdir(ng.dir);
	ng.dir[0] = '\0';
}

/* Interrupted: the feed files go, then the harness's handler unpins. */
static const int cleanup_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
static void (*harness_handler[sizeof(cleanup_sigs) / sizeof(cleanup_sigs[0])])(int);

static void remove_files_on_signal(int sig)
{
	size_t i;

	remove_files();
	for (i = 0; i < sizeof(cleanup_sigs) / sizeof(cleanup_sigs[0]); i++) {
		if (cleanup_sigs[i] != sig)
			continue;
		signal(sig, harness_handler[i]);
		raise(sig);
	}
}

static void register_cleanup(void)
{
	size_t i;

	atexit(remove_files);
	for (i = 0; i < sizeof(cleanup_sigs) / sizeof(cleanup_sigs[0]); i++)
		harness_handler[i] = signal(cleanup_sigs[i], remove_files_on_signal);
}

static int group_setup(void **state)
{
	double t0 = now_s();

	/* a counter way for every range the samplers may hit: the per-range
	 * counts of the focus ranges are checked exactly */
	xt_range_sets = NOGAP_MAX_RANGES / XF_RANGE_WAYS;
	int err = xt_group_setup(state, xt_backend == XF_BACKEND_FAST ? "nogap-fast" : "nogap-lpm",
				 NOGAP_MAX_RANGES);

	if (err)
		return err;
	snprintf(ng.dir, sizeof(ng.dir), "/tmp/xdpfence-nogap-XXXXXX");
	if (!mkdtemp(ng.dir)) {
		print_error("cannot create a temporary directory: %s\n", strerror(errno));
		ng.dir[0] = '\0';
		return -1;
	}
	register_cleanup();
	write_feeds();
	setup_defs();
	ng.have_files = true;
	print_message("  feeds written in %.2f s: %zu entries in version 0, %zu in version 1, "
		      "under %s\n",
		      now_s() - t0, ng.lines[0], ng.lines[1], ng.dir);
	return 0;
}

static int group_teardown(void **state)
{
	int f;

	for (f = 0; f < NR_FEEDS && ng.have_files; f++)
		xf_feed_def_free(&ng.defs[f]);
	remove_files();
	free(ng.items);
	free(ng.frames);
	free(ng.all);
	free(ng.focus);
	return xt_group_teardown(state);
}

static int group_setup_fast(void **state)
{
	xt_backend = XF_BACKEND_FAST;
	return group_setup(state);
}

static int group_setup_lpm(void **state)
{
	xt_backend = XF_BACKEND_LPM;
	return group_setup(state);
}

/* Sync under both backends; the detectors make their gaps with raw writes
 * to the LPM trie, so they run on the reference backend. */
int main(void)
{
	const struct CMUnitTest fast[] = {
	    cmocka_unit_test_setup(test_sync_never_gaps, xt_test_reset),
	};
	const struct CMUnitTest lpm[] = {
	    cmocka_unit_test_setup(test_sync_never_gaps, xt_test_reset),
	    cmocka_unit_test_setup(test_detector_entry_gap, xt_test_reset),
	    cmocka_unit_test_setup(test_detector_reload_gap, xt_test_reset),
	};
	int failed;

	failed = cmocka_run_group_tests_name("fast backend", fast, group_setup_fast,
					     group_teardown);
	failed += cmocka_run_group_tests_name("lpm backend", lpm, group_setup_lpm,
					      group_teardown);
	return failed;
}
