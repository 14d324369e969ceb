// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Lookup benchmark on BPF_PROG_TEST_RUN: ns/packet of the real packet path
 * for growing rule sets, as ratios to a bare XDP_DROP and to a parse-only
 * program measured in the same run. Figures, never a pass/fail.
 *
 * Rules are committed through the real control path into a private pinned
 * state; the bench-only programs (bpf/xdpfence_bench.bpf.c) reuse its maps.
 * Hot: one repeated packet. Cold: the source address comes from an array
 * map, a different one each packet (the bench-only build does that; a real
 * packet carries its own). Durations are the kernel-reported averages: an
 * XDP test run pays a fixed setup cost per call that wall time would add.
 *
 * Both backends run in the same process, each on its own state: the fast
 * one (the default) and the LPM trie (the reference). Besides the size
 * ladder: the target set (1M IPv4 + 100k IPv6 loaded together:
 * full load, a 10k-entry change, release) and the real feeds loaded
 * together. Every figure also goes to build/bench-lookup.json.
 *
 * Usage: bench_lookup [--quick]   (--quick: the small sizes only; other
 * options, meant for other benchmarks, are ignored) */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "feed_parse.h"
#include "fib.h"
#include "log.h"
#include "packet.h"
#include "rules.h"
#include "state.h"
#include "xdpfence_bench.skel.h"

#define COLD_ADDRS (1u << 20)
#define HOT_REPEAT 2000000
#define COLD_REPEAT COLD_ADDRS
#define ROUNDS 5

struct size_case {
	const char *name;
	__u8 family;
	size_t ranges;
};

static const struct size_case cases[] = {
	{ "IPv4 10k", XF_FAMILY_V4, 10000 },	{ "IPv4 100k", XF_FAMILY_V4, 100000 },
	{ "IPv4 1M", XF_FAMILY_V4, 1000000 },	{ "IPv4 2M", XF_FAMILY_V4, 2000000 },
	{ "IPv6 100k", XF_FAMILY_V6, 100000 }, { "IPv6 500k", XF_FAMILY_V6, 500000 },
};

static __u64 rng_state = 0x9e3779b97f4a7c15ULL;
static volatile size_t sink_value; /* keeps the memory chase from being optimised away */
static char pin_dir[64];
static FILE *json_out;
static bool json_first = true;
static const char *backend_name = "fast";

/* an interrupted run leaves no pinned state behind */
static void on_signal(int sig)
{
	xf_state_destroy(pin_dir);
	signal(sig, SIG_DFL);
	raise(sig);
}

static __u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A realistic length mix (BASELINES.md): IPv4 60 % /32, 33 % /24, 5 % /16-/23,
 * 2 % /25-/31; IPv6 mostly /128, /64, /56, /48, inside 2001::/16..200f::/16. */
static void random_prefix(__u8 family, struct xf_prefix *p)
{
	unsigned int roll = rng() % 100, i;

	memset(p, 0, sizeof(*p));
	p->family = family;
	for (i = 0; i < (family == XF_FAMILY_V4 ? 4 : 16); i += 8) {
		__u64 r = rng();

		memcpy(p->addr + i, &r, family == XF_FAMILY_V4 ? 4 : 8);
	}
	if (family == XF_FAMILY_V4) {
		p->addr[0] = 1 + p->addr[0] % 254;
		p->len = roll < 60 ? 32 : roll < 93 ? 24 : roll < 98 ? 16 + rng() % 8 : 25 + rng() % 7;
	} else {
		p->addr[0] = 0x20;
		p->addr[1] = 0x01 + p->addr[1] % 0x0f; /* 2001::/16 .. 200f::/16, never 20ff */
		p->len = roll < 50 ? 128 : roll < 75 ? 64 : roll < 90 ? 56 : 48;
	}
	xf_prefix_mask(p);
}

static void addr_inside(const struct xf_prefix *p, struct xf_addr *a)
{
	unsigned int bytes = p->family == XF_FAMILY_V4 ? 4 : 16, i;

	a->family = p->family;
	memset(a->addr, 0, sizeof(a->addr));
	for (i = 0; i < bytes; i++) {
		__u8 r = rng();

		if (i * 8 >= p->len)
			a->addr[i] = r;
		else if (i * 8 + 8 > p->len)
			a->addr[i] = p->addr[i] | (r & (0xff >> (p->len - i * 8)));
		else
			a->addr[i] = p->addr[i];
	}
}

/* A random address of the generated space that no range contains: clean
 * traffic spread like real traffic, asked of the kernel's tables. */
static void addr_outside(const struct xf_state *st, __u8 family, struct xf_addr *a)
{
	struct xf_decision d;
	struct xf_prefix p;

	do {
		__u64 r = rng(), q = rng();

		/* the first bytes as the ranges have them, the rest random */
		random_prefix(family, &p);
		p.len = family == XF_FAMILY_V4 ? 32 : 128;
		memcpy(p.addr + (family == XF_FAMILY_V4 ? 1 : 2), &r, family == XF_FAMILY_V4 ? 3 : 8);
		if (family == XF_FAMILY_V6)
			memcpy(p.addr + 10, &q, 6);
		a->family = family;
		memcpy(a->addr, p.addr, sizeof(a->addr));
	} while (xf_kernel_decision(st, a, &d) != 0);
}

static int rule_prefix_cmp(const void *a, const void *b)
{
	return xf_prefix_cmp(&((const struct xf_rule *)a)->prefix,
			     &((const struct xf_rule *)b)->prefix);
}

static int add_random(struct xf_ruleset *rs, __u8 family, size_t n)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		struct xf_rule r = { .action = XF_ACTION_DROP, .range_id = XF_RANGE_ID_NONE };

		random_prefix(family, &r.prefix);
		err = xf_ruleset_push(rs, &r);
		if (err)
			return err;
	}
	return 0;
}

/* Commit rs (from nothing) and time it. Random prefixes may repeat: the
 * store keeps one rule per prefix, as feed sync does. */
static int commit_timed(struct xf_state *st, struct xf_ruleset *rs, double *ms)
{
	struct xf_ruleset empty = {};
	size_t i, out = 0;
	int err;

	qsort(rs->rules, rs->n, sizeof(*rs->rules), rule_prefix_cmp);
	for (i = 0; i < rs->n; i++)
		if (!out || xf_prefix_cmp(&rs->rules[out - 1].prefix, &rs->rules[i].prefix))
			rs->rules[out++] = rs->rules[i];
	rs->n = out;
	*ms = now_ms();
	err = xf_ruleset_commit(st, &empty, rs, NULL);
	*ms = now_ms() - *ms;
	return err;
}

static int load_rules(struct xf_state *st, const struct size_case *c, struct xf_ruleset *rs,
		      double *ms)
{
	int err;

	memset(rs, 0, sizeof(*rs));
	err = add_random(rs, c->family, c->ranges);
	return err ? err : commit_timed(st, rs, ms);
}

static int unload_rules(struct xf_state *st, struct xf_ruleset *rs)
{
	struct xf_ruleset empty = {};
	int err = xf_ruleset_commit(st, rs, &empty, NULL);

	xf_ruleset_free(rs);
	return err;
}

/* Median ns/packet of ROUNDS test runs. */
static double run_prog(int prog_fd, const struct xt_pkt *pkt, int repeat, int *retval)
{
	double samples[ROUNDS], t;
	int i, j;

	for (i = 0; i < ROUNDS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt->data, .data_size_in = pkt->len,
			    .repeat = repeat);

		if (bpf_prog_test_run_opts(prog_fd, &opts))
			return -1;
		*retval = opts.retval;
		samples[i] = opts.duration;
	}
	for (i = 1; i < ROUNDS; i++)
		for (j = i; j > 0 && samples[j] < samples[j - 1]; j--) {
			t = samples[j];
			samples[j] = samples[j - 1];
			samples[j - 1] = t;
		}
	return samples[ROUNDS / 2];
}

static void build_packet(struct xt_pkt *pkt, const struct xf_addr *src)
{
	struct xt_flow fl = { .src = *src, .protocol = IPPROTO_UDP, .dport = 443 };

	fl.dst.family = src->family;
	if (src->family == XF_FAMILY_V4) {
		fl.dst.addr[0] = 192;
		fl.dst.addr[2] = 2;
		fl.dst.addr[3] = 1;
	} else {
		fl.dst.addr[0] = 0x20;
		fl.dst.addr[1] = 0x01;
		fl.dst.addr[2] = 0x0d;
		fl.dst.addr[3] = 0xb8;
		fl.dst.addr[15] = 1;
	}
	xt_pkt_build(pkt, &fl);
}

/* Cold traffic: COLD_ADDRS sources in the array map, inside random ranges
 * of rs (hit; only ranges of the family) or in no range (miss). */
static int fill_cold(int map_fd, const struct xf_state *st, const struct xf_ruleset *rs,
		     __u8 family, bool hit)
{
	struct xf_addr a;
	__u32 i;

	for (i = 0; i < COLD_ADDRS; i++) {
		if (hit) {
			const struct xf_rule *r;

			do
				r = &rs->rules[rng() % rs->n];
			while (r->prefix.family != family);
			addr_inside(&r->prefix, &a);
		} else {
			addr_outside(st, family, &a);
		}
		if (bpf_map_update_elem(map_fd, &i, &a, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int open_bench(struct xf_state *st, struct xdpfence_bench_bpf **out)
{
	struct xdpfence_bench_bpf *skel = xdpfence_bench_bpf__open();
	struct bpf_map *map;
	int i, err;

	if (!skel)
		return -errno;
	/* the bench programs run on the state's maps */
	bpf_object__for_each_map(map, skel->obj) {
		for (i = 0; i < XF_MAP_COUNT; i++) {
			if (strcmp(bpf_map__name(map), xf_map_name(i)))
				continue;
			err = bpf_map__reuse_fd(map, st->map_fd[i]);
			if (err)
				goto fail;
		}
	}
	skel->rodata->xf_bench_naddrs = COLD_ADDRS;
	bpf_map__set_max_entries(skel->maps.xf_bench_addrs, COLD_ADDRS);
	err = xdpfence_bench_bpf__load(skel);
	if (err)
		goto fail;
	*out = skel;
	return 0;
fail:
	xdpfence_bench_bpf__destroy(skel);
	return err;
}

struct baseline {
	double drop, parse;
};

static void emit(const char *scenario, __u8 family, size_t n_ranges, const char *traffic,
		 const char *kind, double ns, const struct baseline *b)
{
	printf("  %-6s %-4s %-4s %8.1f ns  %6.2fx drop  %6.2fx parse\n", traffic, kind,
	       family == XF_FAMILY_V4 ? "v4" : "v6", ns, ns / b->drop, ns / b->parse);
	if (!json_out)
		return;
	fprintf(json_out,
		"%s\n  {\"scenario\": \"%s\", \"backend\": \"%s\", \"family\": \"%s\", "
		"\"n_ranges\": %zu, \"traffic\": \"%s\", \"kind\": \"%s\", \"ns_per_pkt\": %.1f, "
		"\"ratio_to_drop\": %.2f, \"ratio_to_parse\": %.2f, \"drop_ns\": %.1f, "
		"\"parse_ns\": %.1f, \"source\": \"%s\"}",
		json_first ? "" : ",", scenario, backend_name, family == XF_FAMILY_V4 ? "v4" : "v6",
		n_ranges, traffic, kind, ns, ns / b->drop, ns / b->parse, b->drop, b->parse,
		!strcmp(traffic, "cold") ? "address array map (bench-only build)" : "packet");
	json_first = false;
}

static void emit_figure(const char *scenario, const char *what, double value, const char *unit)
{
	printf("  %-44s %10.1f %s\n", what, value, unit);
	if (!json_out)
		return;
	fprintf(json_out,
		"%s\n  {\"scenario\": \"%s\", \"backend\": \"%s\", \"measure\": \"%s\", "
		"\"value\": %.3f, \"unit\": \"%s\"}",
		json_first ? "" : ",", scenario, backend_name, what, value, unit);
	json_first = false;
}

static void measure_baseline(struct xdpfence_bench_bpf *skel, const struct xt_pkt *pkt,
			     struct baseline *b)
{
	int rv;

	b->drop = run_prog(bpf_program__fd(skel->progs.xf_bench_drop), pkt, HOT_REPEAT, &rv);
	b->parse = run_prog(bpf_program__fd(skel->progs.xf_bench_parse), pkt, HOT_REPEAT, &rv);
	printf("  baseline: bare XDP_DROP %.1f ns, parse only %.1f ns (%.2fx drop)\n", b->drop,
	       b->parse, b->parse / b->drop);
}

/* Hot and cold, hit and miss, for one family of the rules in force. */
static void measure_family(struct xdpfence_bench_bpf *skel, const struct xf_state *st,
			   const struct xf_ruleset *rs, __u8 family, const char *scenario,
			   size_t n_ranges)
{
	int cold_fd = bpf_map__fd(skel->maps.xf_bench_addrs), rv;
	int hot_fd = bpf_program__fd(skel->progs.xf_bench_filter);
	int cold_prog = bpf_program__fd(skel->progs.xf_bench_filter_cold);
	struct xt_pkt hit_pkt, miss_pkt;
	struct baseline b;
	struct xf_addr a;
	size_t i;

	for (i = 0; i < rs->n && rs->rules[i].prefix.family != family; i++)
		;
	if (i == rs->n)
		return;
	addr_inside(&rs->rules[i].prefix, &a);
	build_packet(&hit_pkt, &a);
	addr_outside(st, family, &a);
	build_packet(&miss_pkt, &a);
	measure_baseline(skel, &hit_pkt, &b);
	emit(scenario, family, n_ranges, "hot", "hit", run_prog(hot_fd, &hit_pkt, HOT_REPEAT, &rv),
	     &b);
	emit(scenario, family, n_ranges, "hot", "miss",
	     run_prog(hot_fd, &miss_pkt, HOT_REPEAT, &rv), &b);
	if (!fill_cold(cold_fd, st, rs, family, true))
		emit(scenario, family, n_ranges, "cold", "hit",
		     run_prog(cold_prog, &hit_pkt, COLD_REPEAT, &rv), &b);
	if (!fill_cold(cold_fd, st, rs, family, false))
		emit(scenario, family, n_ranges, "cold", "miss",
		     run_prog(cold_prog, &miss_pkt, COLD_REPEAT, &rv), &b);
}

/* The kernel's own account of each map's memory (fdinfo memlock). */
static void print_memory(const struct xf_state *st, const char *scenario)
{
	double total = 0;
	int i;

	printf("  map memory (kernel fdinfo memlock):");
	for (i = 0; i < XF_MAP_COUNT; i++) {
		char path[64], line[128];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", st->map_fd[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned long long bytes;

			if (sscanf(line, "memlock: %llu", &bytes) == 1) {
				if (bytes >= (1 << 20))
					printf(" %s %.1f MiB;", xf_map_name(i), bytes / 1048576.0);
				total += bytes;
			}
		}
		fclose(f);
	}
	printf("\n");
	emit_figure(scenario, "all maps, MiB", total / 1048576.0, "MiB");
}

/* The target set: 1M IPv4 + 100k IPv6 together. */
static int bench_target_set(struct xdpfence_bench_bpf *skel, struct xf_state *st)
{
	const char *scenario = "1M v4 + 100k v6";
	struct xf_ruleset rs = {}, next = {};
	size_t i, n;
	double ms;
	int err;

	printf("\n%s ranges, %s backend\n", scenario, backend_name);
	err = add_random(&rs, XF_FAMILY_V4, 1000000);
	if (!err)
		err = add_random(&rs, XF_FAMILY_V6, 100000);
	if (!err)
		err = commit_timed(st, &rs, &ms);
	if (err)
		goto out;
	n = rs.n;
	emit_figure(scenario, "full load through the control path, ms", ms, "ms");
	print_memory(st, scenario);
	measure_family(skel, st, &rs, XF_FAMILY_V4, scenario, n);
	measure_family(skel, st, &rs, XF_FAMILY_V6, scenario, n);

	/* a 10k-entry change: 5k ranges out, 5k new ones in */
	err = xf_ruleset_copy(&next, &rs);
	if (err)
		goto out;
	for (i = 0; i < 5000; i++) {
		size_t victim = rng() % next.n;

		next.n--;
		next.rules[victim] = next.rules[next.n];
	}
	for (i = 0; i < 5000 && !err; i++) {
		struct xf_rule r = { .action = XF_ACTION_DROP, .range_id = XF_RANGE_ID_NONE };

		r.prefix.family = XF_FAMILY_V4;
		r.prefix.len = 32;
		r.prefix.addr[0] = 255; /* 255/8: no random range lives there */
		r.prefix.addr[1] = i >> 8;
		r.prefix.addr[2] = i & 0xff;
		r.prefix.addr[3] = 1;
		err = xf_ruleset_push(&next, &r);
	}
	if (err)
		goto out;
	ms = now_ms();
	err = xf_ruleset_commit(st, &rs, &next, NULL);
	ms = now_ms() - ms;
	if (err)
		goto out;
	emit_figure(scenario, "10k-entry change (5k out, 5k in), ms", ms, "ms");
	ms = now_ms();
	err = unload_rules(st, &next);
	ms = now_ms() - ms;
	if (!err)
		emit_figure(scenario, "release of the whole set, ms", ms, "ms");
out:
	if (err)
		fprintf(stderr, "bench: %s: %s\n", scenario, strerror(-err));
	xf_ruleset_free(&rs);
	xf_ruleset_free(&next);
	return err;
}

/* The real feeds of ../shared/feeds loaded together (one feed id each). */
static const char *const real_feeds[] = {
	"SIXwishlist__blocklist-ipsets/firehol_anonymous.netset",
	"SIXwishlist__blocklist-ipsets/firehol_level1.netset",
	"stamparm__ipsum/ipsum.txt",
	"X4BNet__lists_vpn/output/datacenter/ipv4.txt",
	"X4BNet__lists_vpn/output/datacenter/ipv6.txt",
	"X4BNet__lists_vpn/output/vpn/ipv4.txt",
};

static int bench_real_feeds(struct xdpfence_bench_bpf *skel, struct xf_state *st)
{
	const char *dir = getenv("XF_FEEDS_DIR"), *scenario = "real feeds";
	struct xf_ruleset rs = {};
	size_t f, i, files = 0;
	double ms;
	int err = 0;

	if (!dir)
		dir = "../shared/feeds";
	for (f = 0; f < sizeof(real_feeds) / sizeof(real_feeds[0]) && !err; f++) {
		struct xf_feed_options o;
		struct xf_feed_result r;
		char path[4096];
		FILE *fp;
		char *data;
		long len;

		snprintf(path, sizeof(path), "%s/%s", dir, real_feeds[f]);
		fp = fopen(path, "rb");
		if (!fp)
			continue;
		fseek(fp, 0, SEEK_END);
		len = ftell(fp);
		rewind(fp);
		data = malloc(len + 1);
		if (!data || fread(data, 1, len, fp) != (size_t)len) {
			free(data);
			fclose(fp);
			continue;
		}
		fclose(fp);
		xf_feed_options_init(&o, XF_FORMAT_LIST);
		if (!xf_feed_parse_buffer(path, data, len, &o, &r)) {
			for (i = 0; i < r.n && !err; i++) {
				struct xf_rule rule = { .action = XF_ACTION_DROP,
							.range_id = XF_RANGE_ID_NONE,
							.feed_id = 1 + f };

				rule.prefix = r.entries[i].prefix;
				err = xf_ruleset_push(&rs, &rule);
			}
			files++;
		}
		xf_feed_result_free(&r);
		free(data);
	}
	if (!files) {
		printf("\nreal feeds: none found under %s (XF_FEEDS_DIR)\n", dir);
		return 0;
	}
	printf("\n%s: %zu files under %s, %zu (feed, prefix) rules, %s backend\n", scenario,
	       files, dir, rs.n, backend_name);
	ms = now_ms();
	if (!err)
		err = xf_ruleset_commit(st, &(struct xf_ruleset){}, &rs, NULL);
	ms = now_ms() - ms;
	if (!err) {
		emit_figure(scenario, "load through the control path, ms", ms, "ms");
		measure_family(skel, st, &rs, XF_FAMILY_V4, scenario, rs.n);
		measure_family(skel, st, &rs, XF_FAMILY_V6, scenario, rs.n);
		err = unload_rules(st, &rs);
	} else {
		xf_ruleset_free(&rs);
	}
	return err;
}

/* XF_BENCH_ONLY=TEXT: only the scenarios and backends whose name holds
 * TEXT (e.g. "1M v4", "real", "lpm") */
static bool wanted(const char *name)
{
	const char *only = getenv("XF_BENCH_ONLY");

	return !only || !*only || strstr(name, only) || strstr(backend_name, only);
}

static int bench_backend(__u8 backend, bool quick)
{
	struct xf_state_opts opts = { .create = true, .lock = true, .max_ranges = 2200000 };
	struct xdpfence_bench_bpf *skel = NULL;
	struct xf_state st;
	size_t k;
	int err;

	backend_name = backend == XF_BACKEND_FAST ? "fast" : "lpm";
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/xdpfence-bench-%s-%d", backend_name,
		 getpid());
	opts.pin_dir = pin_dir;
	opts.backend = backend;
	if (quick)
		opts.max_ranges = 500000; /* the real feeds hold about 431k rules */
	err = xf_state_open(&st, &opts);
	if (err) {
		fprintf(stderr, "bench: cannot create the state: %s\n", strerror(-err));
		return err;
	}
	err = open_bench(&st, &skel);
	if (err) {
		fprintf(stderr, "bench: cannot load the bench programs: %s\n", strerror(-err));
		goto out;
	}
	printf("\n========== backend: %s ==========\n",
	       backend == XF_BACKEND_FAST ? "fast (/24 table + exact hash; IPv6 /32 buckets)"
					  : "lpm (BPF_MAP_TYPE_LPM_TRIE, the reference)");
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct size_case *c = &cases[k];
		struct xf_ruleset rs;
		double load_ms;

		if ((quick && c->ranges > 100000) || !wanted(c->name))
			continue;
		err = load_rules(&st, c, &rs, &load_ms);
		if (err) {
			fprintf(stderr, "bench: %s: cannot load the rules: %s\n", c->name,
				strerror(-err));
			xf_ruleset_free(&rs);
			goto out;
		}
		printf("\n%s ranges (%zu distinct; load through the control path: %.0f ms)\n",
		       c->name, rs.n, load_ms);
		measure_family(skel, &st, &rs, c->family, c->name, c->ranges);
		err = unload_rules(&st, &rs);
		if (err)
			goto out;
	}
	if (!quick && wanted("1M v4 + 100k v6"))
		err = bench_target_set(skel, &st);
	if (!err && wanted("real feeds") && bench_real_feeds(skel, &st))
		printf("real feeds: not measured (see the error above)\n");
out:
	xdpfence_bench_bpf__destroy(skel);
	xf_state_close(&st);
	xf_state_destroy(pin_dir);
	return err;
}

/* What one cache-missing memory access costs on this machine: a chain of
 * dependent loads through a buffer much larger than the last-level cache,
 * with 4 KiB pages (as the kernel's vmalloc-ed BPF maps have) and with
 * transparent huge pages. The figure a cold lookup is made of. */
static double chase_ns(size_t bytes, bool huge)
{
	size_t lines = bytes / 64, i, steps = 4000000, at = 0;
	size_t *buf = NULL, *perm;
	double t;

	if (posix_memalign((void **)&buf, 2 << 20, bytes))
		return -1;
	perm = malloc(lines * sizeof(*perm));
	if (!perm) {
		free(buf);
		return -1;
	}
	madvise(buf, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	/* one random cycle through every cache line of the buffer */
	for (i = 0; i < lines; i++)
		perm[i] = i;
	for (i = lines - 1; i > 0; i--) {
		size_t j = rng() % (i + 1), tmp = perm[i];

		perm[i] = perm[j];
		perm[j] = tmp;
	}
	for (i = 0; i < lines; i++)
		buf[perm[i] * 8] = perm[(i + 1) % lines] * 8;
	free(perm);
	t = now_ms();
	for (i = 0; i < steps; i++)
		at = buf[at];
	t = now_ms() - t;
	sink_value = at;
	free(buf);
	return t * 1e6 / steps;
}

static void print_memory_latency(void)
{
	double small = chase_ns(256 << 20, false), huge = chase_ns(256 << 20, true);

	printf("memory: a dependent random load in 256 MiB costs %.0f ns with 4 KiB pages "
	       "(as vmalloc-ed BPF maps are mapped) and %.0f ns with huge pages\n",
	       small, huge);
	backend_name = "none";
	emit_figure("machine", "random load, 4 KiB pages, ns", small, "ns");
	emit_figure("machine", "random load, huge pages, ns", huge, "ns");
}

/* build/bench-lookup.json, next to the build tree this binary is in. */
static FILE *open_json(void)
{
	char exe[4096], path[4200];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *cut;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	cut = strstr(exe, "/tests/bench/");
	if (!cut)
		return NULL;
	*cut = '\0';
	snprintf(path, sizeof(path), "%s/bench-lookup.json", exe);
	printf("figures also written to %s\n", path);
	return fopen(path, "w");
}

int main(int argc, char **argv)
{
	bool quick = false;
	int a, err;

	for (a = 1; a < argc; a++)
		quick |= !strcmp(argv[a], "--quick");
	xf_log_init_libbpf();
	if (getenv("XF_BENCH_VERBOSE")) /* the control path's phase timings */
		xf_log_set_level(XF_LOG_DEBUG);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("xdpfence lookup benchmark: BPF_PROG_TEST_RUN, kernel-reported ns/packet, median "
	       "of %d runs; ratios against a bare XDP_DROP and a parse-only program measured "
	       "in the same run, just before\n",
	       ROUNDS);
	printf("hot = one repeated packet; cold = a different source each packet, taken from an "
	       "array map of %u addresses by the bench-only build; per-range counting on\n",
	       COLD_ADDRS);
	json_out = open_json();
	if (json_out)
		fprintf(json_out, "[");
	print_memory_latency();
	err = bench_backend(XF_BACKEND_FAST, quick);
	if (!err)
		err = bench_backend(XF_BACKEND_LPM, quick);
	if (json_out) {
		fprintf(json_out, "\n]\n");
		fclose(json_out);
	}
	return err ? 1 : 0;
}
