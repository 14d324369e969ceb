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
 * Usage: bench_lookup [--quick]   (--quick: the small sizes only; other
 * options, meant for other benchmarks, are ignored) */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

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
static char pin_dir[64];

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
 * traffic spread like real traffic, asked of the kernel's rules map. */
static void addr_outside(int rules_fd, __u8 family, struct xf_addr *a)
{
	struct xf_decision d;
	struct xf_lpm_key key;
	struct xf_prefix p;

	do {
		__u64 r = rng(), q = rng();

		/* the first bytes as the ranges have them, the rest random */
		random_prefix(family, &p);
		p.len = family == XF_FAMILY_V4 ? 32 : 128;
		memcpy(p.addr + (family == XF_FAMILY_V4 ? 1 : 2), &r, family == XF_FAMILY_V4 ? 3 : 8);
		if (family == XF_FAMILY_V6)
			memcpy(p.addr + 10, &q, 6);
		xf_prefix_to_key(&p, &key);
	} while (!bpf_map_lookup_elem(rules_fd, &key, &d));
	a->family = family;
	memcpy(a->addr, p.addr, sizeof(a->addr));
}

static int load_rules(struct xf_state *st, const struct size_case *c, struct xf_ruleset *rs,
		      double *ms)
{
	struct xf_ruleset empty = {};
	size_t i;
	int err;

	memset(rs, 0, sizeof(*rs));
	for (i = 0; i < c->ranges; i++) {
		struct xf_rule r = { .action = XF_ACTION_DROP, .range_id = XF_RANGE_ID_NONE };

		random_prefix(c->family, &r.prefix);
		err = xf_ruleset_push(rs, &r);
		if (err)
			return err;
	}
	*ms = now_ms();
	err = xf_ruleset_commit(st, &empty, rs, NULL);
	*ms = now_ms() - *ms;
	return err;
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

static int fill_cold(int map_fd, int rules_fd, const struct xf_ruleset *rs, __u8 family,
		     bool hit)
{
	struct xf_addr a;
	__u32 i;

	for (i = 0; i < COLD_ADDRS; i++) {
		if (hit)
			addr_inside(&rs->rules[rng() % rs->n].prefix, &a);
		else
			addr_outside(rules_fd, family, &a);
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

static void print_row(const char *what, double ns, double drop_ns, double parse_ns)
{
	printf("  %-34s %8.1f ns  %6.2fx drop  %6.2fx parse\n", what, ns, ns / drop_ns,
	       ns / parse_ns);
}

int main(int argc, char **argv)
{
	struct xf_state_opts opts = { .create = true, .lock = true, .max_ranges = 2200000 };
	struct xdpfence_bench_bpf *skel = NULL;
	bool quick = false;
	int a;
	struct xf_state st;
	size_t k;
	int err, rv;

	for (a = 1; a < argc; a++)
		quick |= !strcmp(argv[a], "--quick");
	xf_log_init_libbpf();
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/xdpfence-bench-%d", getpid());
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	opts.pin_dir = pin_dir;
	if (quick)
		opts.max_ranges = 200000;
	err = xf_state_open(&st, &opts);
	if (err) {
		fprintf(stderr, "bench: cannot create the state: %s\n", strerror(-err));
		return 1;
	}
	err = open_bench(&st, &skel);
	if (err) {
		fprintf(stderr, "bench: cannot load the bench programs: %s\n", strerror(-err));
		goto out;
	}
	printf("xdpfence lookup benchmark: BPF_PROG_TEST_RUN, kernel-reported ns/packet, median "
	       "of %d runs\n",
	       ROUNDS);
	printf("backend: LPM trie (reference); cold = a different source each packet, taken "
	       "from an array map of %u addresses by the bench-only build\n",
	       COLD_ADDRS);

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct size_case *c = &cases[k];
		struct xt_pkt hit_pkt, miss_pkt;
		struct xf_ruleset rs;
		struct xf_addr a;
		double load_ms, drop, parse;

		if (quick && c->ranges > 100000)
			continue;
		err = load_rules(&st, c, &rs, &load_ms);
		if (err) {
			fprintf(stderr, "bench: %s: cannot load the rules: %s\n", c->name,
				strerror(-err));
			xf_ruleset_free(&rs);
			goto out;
		}
		addr_inside(&rs.rules[0].prefix, &a);
		build_packet(&hit_pkt, &a);
		addr_outside(st.map_fd[XF_MAP_RULES], c->family, &a);
		build_packet(&miss_pkt, &a);

		drop = run_prog(bpf_program__fd(skel->progs.xf_bench_drop), &hit_pkt, HOT_REPEAT, &rv);
		parse = run_prog(bpf_program__fd(skel->progs.xf_bench_parse), &hit_pkt, HOT_REPEAT,
				 &rv);
		printf("\n%s ranges (load through the control path: %.0f ms, %.0f k ranges/s)\n",
		       c->name, load_ms, c->ranges / load_ms);
		print_row("bare XDP_DROP", drop, drop, parse);
		print_row("parse only", parse, drop, parse);
		print_row("hot hit (one repeated packet)",
			  run_prog(bpf_program__fd(skel->progs.xf_bench_filter), &hit_pkt, HOT_REPEAT,
				   &rv),
			  drop, parse);
		print_row("hot miss",
			  run_prog(bpf_program__fd(skel->progs.xf_bench_filter), &miss_pkt,
				   HOT_REPEAT, &rv),
			  drop, parse);
		if (!fill_cold(bpf_map__fd(skel->maps.xf_bench_addrs), st.map_fd[XF_MAP_RULES], &rs,
			       c->family, true))
			print_row("cold hit (new source each packet)",
				  run_prog(bpf_program__fd(skel->progs.xf_bench_filter_cold),
					   &hit_pkt, COLD_REPEAT, &rv),
				  drop, parse);
		if (!fill_cold(bpf_map__fd(skel->maps.xf_bench_addrs), st.map_fd[XF_MAP_RULES], &rs,
			       c->family, false))
			print_row("cold miss",
				  run_prog(bpf_program__fd(skel->progs.xf_bench_filter_cold),
					   &miss_pkt, COLD_REPEAT, &rv),
				  drop, parse);
		err = unload_rules(&st, &rs);
		if (err)
			goto out;
	}
out:
	xdpfence_bench_bpf__destroy(skel);
	xf_state_close(&st);
	xf_state_destroy(pin_dir);
	return err ? 1 : 0;
}
