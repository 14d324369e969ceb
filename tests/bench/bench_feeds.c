// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Feed benchmark: figures only, no pass/fail on timing.
 *
 * 1. Parse throughput of real feeds (list format): lines/s and MB/s, the
 *    median of several parses of the file in memory, against a plain
 *    newline count (memchr) over the same buffer.
 * 2. Sync into the live maps of a private pinned state, through the calls
 *    `feed sync` makes (xf_sync_prepare, xf_sync_build, xf_ruleset_commit):
 *    the initial load of all feeds together, then a version in which 5 % of
 *    each feed's entries are replaced. Baseline: the same number of raw
 *    bpf_map_update_elem() calls into a fresh LPM trie of the same layout.
 *    Also the time of xf_ruleset_read + precedence on the loaded set, and
 *    the peak RSS.
 * Every figure is the median of several runs: the machine is noisy.
 *
 * Usage: bench_feeds [-r RUNS] [-p PARSES] [-d FEEDS_DIR]
 * The feeds are looked up in -d, $XF_FEEDS_DIR, else ../shared/feeds next
 * to the repository (found by git from the current directory or from this
 * program's). Needs root (BPF maps). */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "feed_parse.h"
#include "feed_rails.h"
#include "log.h"
#include "precedence.h"
#include "registry.h"
#include "rules.h"
#include "state.h"
#include "sync.h"

#define BENCH_MAX_RANGES (1u << 20)
#define BENCH_PIN_PREFIX "/sys/fs/bpf/xdpfence-bench-"
#define DEFAULT_RUNS	 5
#define DEFAULT_PARSES	 5
#define MAX_RUNS	 15
#define CHANGE_EVERY	 20 /* one entry in 20 replaced: 5 % */
#define MAX_DRAWS	 10000
#define NR_FEEDS	 (sizeof(feeds) / sizeof(feeds[0]))

static const struct {
	const char *name;
	const char *path; /* under the feeds directory */
} feeds[] = {
    {"firehol_anonymous", "SIXwishlist__blocklist-ipsets/firehol_anonymous.netset"},
    {"ipsum", "stamparm__ipsum/ipsum.txt"},
    {"x4b-dc-v4", "X4BNet__lists_vpn/output/datacenter/ipv4.txt"},
    {"x4b-dc-v6", "X4BNet__lists_vpn/output/datacenter/ipv6.txt"},
};

static char pin_dir[64];
static char tmp_dir[64];
static char changed_path[NR_FEEDS][PATH_MAX];

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int dbl_cmp(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return a < b ? -1 : a > b;
}

/* Median of n figures (sorts them). */
static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- cleanup: no pins, no temporary files left behind ---- */

static void cleanup(void)
{
	size_t i;

	if (pin_dir[0])
		xf_state_destroy(pin_dir);
	pin_dir[0] = '\0';
	for (i = 0; i < NR_FEEDS; i++)
		if (changed_path[i][0])
			unlink(changed_path[i]);
	if (tmp_dir[0])
		rmdir(tmp_dir);
	tmp_dir[0] = '\0';
}

static void cleanup_on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- finding and reading the feeds ---- */

static void git_top(const char *cmd, char *top, size_t len)
{
	FILE *p = popen(cmd, "r");

	top[0] = '\0';
	if (!p)
		return;
	if (!fgets(top, (int)len, p))
		top[0] = '\0';
	pclose(p);
	top[strcspn(top, "\n")] = '\0';
}

static int feeds_dir(const char *arg, char *dir, size_t len)
{
	char top[PATH_MAX], self[PATH_MAX], cmd[PATH_MAX + 64];
	const char *env = getenv("XF_FEEDS_DIR");
	struct stat sb;
	ssize_t n;

	if (arg || (env && *env)) {
		snprintf(dir, len, "%s", arg ? arg : env);
		return 0;
	}
	git_top("git rev-parse --show-toplevel 2>/dev/null", top, sizeof(top));
	if (!top[0]) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n > 0) {
			self[n] = '\0';
			snprintf(cmd, sizeof(cmd),
				 "cd '%s' && git rev-parse --show-toplevel 2>/dev/null",
				 dirname(self));
			git_top(cmd, top, sizeof(top));
		}
	}
	if (!top[0])
		return -ENOENT;
	if (snprintf(dir, len, "%s/../shared/feeds", top) >= (int)len)
		return -ENAMETOOLONG;
	return stat(dir, &sb) ? -errno : 0;
}

static int read_file(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;

	*data = NULL;
	if (!f)
		return -errno;
	if (fstat(fileno(f), &sb) || !(*data = malloc(sb.st_size + 1))) {
		fclose(f);
		return -ENOMEM;
	}
	*len = fread(*data, 1, sb.st_size, f);
	(*data)[*len] = '\0';
	fclose(f);
	return *len == (size_t)sb.st_size ? 0 : -EIO;
}

/* ---- 1. parse throughput ---- */

static volatile size_t sink; /* keeps the baseline loop from being optimised away */

static size_t count_lines(const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	size_t n = 0;

	while (p < end && (p = memchr(p, '\n', end - p))) {
		n++;
		p++;
	}
	return n;
}

static void bench_parse(const char *dir, int reps)
{
	double total_mb = 0, total_parse = 0, total_nl = 0;
	size_t total_lines = 0, i;
	int k;

	printf("parse throughput (list format, in memory; median of %d parses)\n", reps);
	printf("%-18s %7s %8s %8s %9s %9s %7s %10s %6s\n", "feed", "MB", "lines", "entries",
	       "parse ms", "Mlines/s", "MB/s", "memchr ms", "ratio");
	for (i = 0; i < NR_FEEDS; i++) {
		double parse_ms[MAX_RUNS * 2], nl_ms[MAX_RUNS * 2], pm, nm, mb;
		struct xf_feed_options o;
		struct xf_feed_result r;
		char path[PATH_MAX];
		size_t len = 0, lines = 0, entries = 0;
		char *data = NULL;
		int err;

		if (snprintf(path, sizeof(path), "%s/%s", dir, feeds[i].path) >= (int)sizeof(path))
			err = -ENAMETOOLONG;
		else
			err = read_file(path, &data, &len);
		if (err) {
			printf("%-18s cannot read %s: %s\n", feeds[i].name, path, strerror(-err));
			continue;
		}
		xf_feed_options_init(&o, XF_FORMAT_LIST);
		o.name = feeds[i].name;
		for (k = 0; k < reps; k++) {
			double t0 = now_ms();

			err = xf_feed_parse_buffer(feeds[i].path, data, len, &o, &r);
			parse_ms[k] = now_ms() - t0;
			lines = r.lines;
			entries = r.accepted;
			xf_feed_result_free(&r);
			if (err)
				break;
			t0 = now_ms();
			sink = count_lines(data, len);
			nl_ms[k] = now_ms() - t0;
		}
		free(data);
		if (err) {
			printf("%-18s parse error: %s\n", feeds[i].name, strerror(-err));
			continue;
		}
		pm = median(parse_ms, reps);
		nm = median(nl_ms, reps);
		mb = len / 1e6;
		printf("%-18s %7.2f %8zu %8zu %9.1f %9.2f %7.1f %10.3f %5.0fx\n", feeds[i].name, mb,
		       lines, entries, pm, lines / pm / 1e3, mb / (pm / 1e3), nm, pm / nm);
		total_mb += mb;
		total_lines += lines;
		total_parse += pm;
		total_nl += nm;
	}
	if (total_parse > 0)
		printf("%-18s %7.2f %8zu %8s %9.1f %9.2f %7.1f %10.3f %5.0fx\n", "all", total_mb,
		       total_lines, "", total_parse, total_lines / total_parse / 1e3,
		       total_mb / (total_parse / 1e3), total_nl, total_parse / total_nl);
	printf("(ratio: parse time / newline-count time over the same buffer)\n\n");
}

/* ---- 2. sync into the live maps ---- */

static __u64 rng_state = 0x5deece66dull;

static __u64 rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct xf_feed_entry *a = pa, *b = pb;

	return xf_prefix_cmp(&a->prefix, &b->prefix);
}

/* A prefix of p's family and length that the feed does not have and the
 * rails would not skip. */
static int fresh_prefix(const struct xf_feed_result *r, const struct xf_prefix *p,
			struct xf_prefix *out)
{
	int draw, i;

	for (draw = 0; draw < MAX_DRAWS; draw++) {
		struct xf_feed_entry key = {};

		*out = *p;
		for (i = 0; i < (p->family == XF_FAMILY_V4 ? 4 : XF_ADDR_MAX_BYTES); i++)
			out->addr[i] = rng();
		xf_prefix_mask(out);
		key.prefix = *out;
		if (xf_special_overlap(out) ||
		    bsearch(&key, r->entries, r->n, sizeof(*r->entries), entry_cmp))
			continue;
		return 0;
	}
	return -ENOSPC;
}

/* The feed as accepted, with one entry in CHANGE_EVERY replaced, written
 * to a list file. Returns the number replaced or a negative errno. */
static long write_changed(const struct xf_feed_def *def, const char *out_path)
{
	struct xf_feed_options o;
	struct xf_rails_counts rc;
	struct xf_feed_result r;
	char err[512], text[XF_PREFIX_STRLEN];
	long replaced = 0;
	size_t i;
	FILE *f;
	int ret;

	xf_feed_def_options(def, &o);
	ret = xf_sync_parse_source(def->source, &o, &def->rails, def->timeout, &r, &rc, NULL, err,
				   sizeof(err));
	if (ret) {
		fprintf(stderr, "bench: %s: %s\n", def->name, err);
		xf_feed_result_free(&r);
		return ret;
	}
	f = fopen(out_path, "w");
	if (!f) {
		ret = -errno;
		xf_feed_result_free(&r);
		return ret;
	}
	fprintf(f, "# %s with one entry in %d replaced\n", def->name, CHANGE_EVERY);
	for (i = 0; i < r.n; i++) {
		struct xf_prefix p = r.entries[i].prefix;

		if (i % CHANGE_EVERY == CHANGE_EVERY / 2 &&
		    !fresh_prefix(&r, &r.entries[i].prefix, &p))
			replaced++;
		xf_prefix_format(&p, text, sizeof(text));
		fprintf(f, "%s\n", text);
	}
	xf_feed_result_free(&r);
	return fclose(f) ? -EIO : replaced;
}

struct sync_figures {
	double prepare_ms, build_ms, commit_ms;
	double raw_ms; /* baseline */
	size_t ranges, ops;
	struct xf_commit_stats cs;
};

/* One `feed sync` of every feed, from its current source. */
static int sync_all(struct xf_state *st, struct xf_feed_def *defs, struct sync_figures *fig)
{
	struct xf_feed_sync fs[NR_FEEDS];
	struct xf_ruleset old, next;
	double t0, t1, t2;
	size_t i, n = 0;
	int err;

	memset(fig, 0, sizeof(*fig));
	err = xf_ruleset_read(st, &old);
	if (err)
		return err;
	t0 = now_ms();
	for (i = 0; i < NR_FEEDS; i++, n++) {
		xf_sync_prepare(&fs[i], &defs[i], xf_ruleset_count_feed(&old, defs[i].id), false);
		if (fs[i].state != XF_SYNC_READY) {
			fprintf(stderr, "bench: feed '%s' not applied: %s\n", defs[i].name,
				fs[i].reason);
			err = -EINVAL;
			n++;
			goto out;
		}
	}
	t1 = now_ms();
	err = xf_sync_build(&old, fs, NR_FEEDS, &next);
	if (err)
		goto out;
	t2 = now_ms();
	err = xf_ruleset_commit(st, &old, &next, &fig->cs);
	fig->commit_ms = now_ms() - t2;
	fig->prepare_ms = t1 - t0;
	fig->build_ms = t2 - t1;
	fig->ranges = next.n;
	fig->ops = fig->cs.added + fig->cs.changed + fig->cs.removed;
	xf_ruleset_free(&next);
out:
	for (i = 0; i < n; i++)
		xf_feed_sync_free(&fs[i]);
	xf_ruleset_free(&old);
	return err;
}

static int clear_all(struct xf_state *st)
{
	struct xf_ruleset old, next = {};
	int err = xf_ruleset_read(st, &old);

	if (!err)
		err = xf_ruleset_commit(st, &old, &next, NULL);
	xf_ruleset_free(&old);
	return err;
}

/* The loaded set read back and its precedence computed; *e is kept for
 * the baseline. */
static int read_and_precedence(struct xf_state *st, struct xf_effective **e, size_t *n, double *ms)
{
	struct xf_ruleset rs;
	double t0 = now_ms();
	int err = xf_ruleset_read(st, &rs);

	if (!err)
		err = xf_precedence_compute(rs.rules, rs.n, e, n);
	*ms = now_ms() - t0;
	xf_ruleset_free(&rs);
	return err;
}

/* Baseline: ops raw updates into a fresh LPM trie of the rules map's
 * layout, keys taken from the effective set (cycled if ops > n). */
static int raw_lpm_fill(const struct xf_effective *e, size_t n, size_t ops, double *ms)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_NO_PREALLOC);
	struct xf_lpm_key key;
	double t0;
	size_t i;
	int fd, err = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "xf_bench_lpm", sizeof(struct xf_lpm_key),
			    sizeof(struct xf_decision), 2 * BENCH_MAX_RANGES, &mo);
	if (fd < 0)
		return -errno;
	t0 = now_ms();
	for (i = 0; i < ops && n && !err; i++) {
		xf_prefix_to_key(&e[i % n].prefix, &key);
		if (bpf_map_update_elem(fd, &key, &e[i % n].decision, BPF_ANY))
			err = -errno;
	}
	*ms = now_ms() - t0;
	close(fd);
	return err;
}

/* Second baseline for a change: the commit's own map operations (updates
 * of new and changed entries, then deletes) as raw calls on a trie that
 * holds the old set, without the bookkeeping around them. */
static int raw_lpm_diff(const struct xf_effective *old_e, size_t old_n,
			const struct xf_effective *new_e, size_t new_n, double *ms)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_NO_PREALLOC);
	struct xf_lpm_key key;
	size_t i, j;
	double t0;
	int fd, err = 0, c;

	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "xf_bench_lpm", sizeof(struct xf_lpm_key),
			    sizeof(struct xf_decision), 2 * BENCH_MAX_RANGES, &mo);
	if (fd < 0)
		return -errno;
	for (i = 0; i < old_n && !err; i++) {
		xf_prefix_to_key(&old_e[i].prefix, &key);
		if (bpf_map_update_elem(fd, &key, &old_e[i].decision, BPF_ANY))
			err = -errno;
	}
	t0 = now_ms();
	for (i = 0, j = 0; j < new_n && !err; j++) {
		c = 1;
		while (i < old_n && (c = xf_prefix_cmp(&old_e[i].prefix, &new_e[j].prefix)) < 0)
			i++;
		if (i < old_n && c == 0 &&
		    !memcmp(&old_e[i].decision, &new_e[j].decision, sizeof(new_e[j].decision)))
			continue;
		xf_prefix_to_key(&new_e[j].prefix, &key);
		if (bpf_map_update_elem(fd, &key, &new_e[j].decision, BPF_ANY))
			err = -errno;
	}
	for (i = 0, j = 0; i < old_n && !err; i++) {
		c = 1;
		while (j < new_n && (c = xf_prefix_cmp(&new_e[j].prefix, &old_e[i].prefix)) < 0)
			j++;
		if (j < new_n && c == 0)
			continue;
		xf_prefix_to_key(&old_e[i].prefix, &key);
		if (bpf_map_delete_elem(fd, &key))
			err = -errno;
	}
	*ms = now_ms() - t0;
	close(fd);
	return err;
}

struct run_figures {
	struct sync_figures initial, change;
	double read_prec_ms;
	double raw_diff_ms; /* the change's map operations on a loaded trie */
	size_t effective;
};

static int bench_run(struct xf_state *st, struct xf_feed_def *defs, char *const *orig,
		     struct run_figures *rf)
{
	struct xf_effective *e = NULL, *e2 = NULL;
	size_t i, n = 0, n2 = 0;
	int err;

	err = clear_all(st);
	for (i = 0; i < NR_FEEDS && !err; i++) {
		free(defs[i].source);
		defs[i].source = strdup(orig[i]);
	}
	if (!err)
		err = sync_all(st, defs, &rf->initial);
	if (!err)
		err = read_and_precedence(st, &e, &n, &rf->read_prec_ms);
	rf->effective = n;
	if (!err)
		err = raw_lpm_fill(e, n, rf->initial.ops, &rf->initial.raw_ms);
	for (i = 0; i < NR_FEEDS && !err; i++) {
		free(defs[i].source);
		defs[i].source = strdup(changed_path[i]);
	}
	if (!err)
		err = sync_all(st, defs, &rf->change);
	if (!err)
		err = read_and_precedence(st, &e2, &n2, &(double){0});
	if (!err)
		err = raw_lpm_fill(e2, n2, rf->change.ops, &rf->change.raw_ms);
	if (!err)
		err = raw_lpm_diff(e, n, e2, n2, &rf->raw_diff_ms);
	free(e);
	free(e2);
	return err;
}

#define PICK(field)                                                                                \
	({                                                                                         \
		double v_[MAX_RUNS];                                                               \
		int k_;                                                                            \
		for (k_ = 0; k_ < runs; k_++)                                                      \
			v_[k_] = (field);                                                          \
		median(v_, runs);                                                                  \
	})

static void print_sync_row(const char *what, const struct run_figures *rf, int runs, bool change)
{
#define F(k) (change ? rf[k].change : rf[k].initial)
	double prep = PICK(F(k_).prepare_ms), build = PICK(F(k_).build_ms);
	double commit = PICK(F(k_).commit_ms), raw = PICK(F(k_).raw_ms);
	double total = PICK(F(k_).prepare_ms + F(k_).build_ms + F(k_).commit_ms);
	double cmin = 1e300, cmax = 0;
	const struct sync_figures *f0 = change ? &rf[0].change : &rf[0].initial;
	char spread[32];
	int k;

	for (k = 0; k < runs; k++) {
		cmin = F(k).commit_ms < cmin ? F(k).commit_ms : cmin;
		cmax = F(k).commit_ms > cmax ? F(k).commit_ms : cmax;
	}
	snprintf(spread, sizeof(spread), "%.0f-%.0f", cmin, cmax);
	printf("%-13s %7zu %7zu %8.0f %6.0f %7.0f %-11s %7.0f %8.0f %9.0f %7.0f %5.2fx\n", what,
	       f0->ranges, f0->ops, prep, build, commit, spread, total,
	       f0->ranges / (total / 1e3) / 1e3, f0->ops / (commit / 1e3) / 1e3, raw, commit / raw);
#undef F
}

static int bench_sync(const char *dir, int runs)
{
	struct xf_state_opts so = {.max_ranges = BENCH_MAX_RANGES, .create = true, .lock = true};
	struct run_figures rf[MAX_RUNS];
	struct xf_feed_def defs[NR_FEEDS];
	char *orig[NR_FEEDS] = {};
	struct xf_state st = {};
	struct rusage ru;
	size_t i;
	long replaced[NR_FEEDS];
	int k, err = 0;

	snprintf(pin_dir, sizeof(pin_dir), BENCH_PIN_PREFIX "%d", (int)getpid());
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/xdpfence-bench-XXXXXX");
	if (!mkdtemp(tmp_dir)) {
		tmp_dir[0] = '\0';
		return -errno;
	}
	for (i = 0; i < NR_FEEDS; i++) {
		xf_feed_def_init(&defs[i]);
		snprintf(defs[i].name, sizeof(defs[i].name), "%s", feeds[i].name);
		defs[i].id = i + 1;
		if (asprintf(&orig[i], "%s/%s", dir, feeds[i].path) < 0)
			return -ENOMEM;
		defs[i].source = strdup(orig[i]);
		snprintf(changed_path[i], sizeof(changed_path[i]), "%s/%s.txt", tmp_dir,
			 feeds[i].name);
		replaced[i] = write_changed(&defs[i], changed_path[i]);
		if (replaced[i] < 0) {
			err = replaced[i];
			goto out;
		}
	}
	so.pin_dir = pin_dir;
	xf_state_destroy(pin_dir);
	err = xf_state_open(&st, &so);
	if (err)
		goto out;
	for (k = 0; k < runs && !err; k++)
		err = bench_run(&st, defs, orig, &rf[k]);
	if (err) {
		fprintf(stderr, "bench: sync run %d: %s\n", k, strerror(-err));
		goto out;
	}

	printf("sync into the live maps: %zu feeds together, private state with max-ranges %u, "
	       "%d CPUs; median of %d runs\n",
	       NR_FEEDS, st.max_ranges, st.nr_cpus, runs);
	printf("%-13s %7s %7s %8s %6s %7s %-11s %7s %8s %9s %7s %6s\n", "step", "ranges", "lpm ops",
	       "prep ms", "build", "commit", "(min-max)", "total", "k ent/s", "k ops/s", "raw ms",
	       "c/raw");
	print_sync_row("initial load", rf, runs, false);
	print_sync_row("5% change", rf, runs, true);
	printf("%-13s %7zu %7s %8s %6s %7s %-11s %7.0f\n", "read+preced.", rf[0].effective, "", "",
	       "", "", "", PICK(rf[k_].read_prec_ms));
	printf("5%% change: replaced");
	for (i = 0; i < NR_FEEDS; i++)
		printf(" %s %ld", feeds[i].name, replaced[i]);
	printf("; lpm %zu added, %zu changed, %zu removed, %zu unchanged\n", rf[0].change.cs.added,
	       rf[0].change.cs.changed, rf[0].change.cs.removed, rf[0].change.cs.unchanged);
	printf("5%% change as raw map operations on a trie holding the old set: %.0f ms; "
	       "commit / that = %.2fx\n",
	       PICK(rf[k_].raw_diff_ms), PICK(rf[k_].change.commit_ms / rf[k_].raw_diff_ms));
	printf("(prep = fetch + parse + rails + hash of all feeds; total = prep + build + "
	       "commit; k ent/s = ranges / total;\n k ops/s = lpm ops / commit; raw = the same "
	       "number of bpf_map_update_elem() into a fresh LPM trie; c/raw = commit / raw)\n");
	err = clear_all(&st);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS %.1f MiB\n", ru.ru_maxrss / 1024.0);
out:
	xf_state_close(&st);
	for (i = 0; i < NR_FEEDS; i++) {
		free(orig[i]);
		xf_feed_def_free(&defs[i]);
	}
	cleanup();
	return err;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_feeds [--quick] [-r RUNS] [-p PARSES] [-d FEEDS_DIR]\n");
}

int main(int argc, char **argv)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
	int runs = DEFAULT_RUNS, parses = DEFAULT_PARSES, c, err;
	const char *dir_arg = NULL;
	char dir[PATH_MAX];
	size_t i;

	/* run-bench.sh gives every benchmark the same XF_BENCH_ARGS: --quick
	 * (meant for the lookup and live benchmarks) means fewer runs here */
	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			runs = 1;
			parses = 1;
			memmove(&argv[i], &argv[i + 1], (argc - i) * sizeof(*argv));
			argc--;
			i--;
		}
	}
	while ((c = getopt(argc, argv, "r:p:d:h")) != -1) {
		switch (c) {
		case 'r':
			runs = atoi(optarg);
			break;
		case 'p':
			parses = atoi(optarg);
			break;
		case 'd':
			dir_arg = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS || parses < 1 || parses > MAX_RUNS * 2) {
		fprintf(stderr, "bench: runs 1..%d, parses 1..%d\n", MAX_RUNS, MAX_RUNS * 2);
		return 2;
	}
	err = feeds_dir(dir_arg, dir, sizeof(dir));
	if (err) {
		fprintf(stderr, "bench: no feeds directory (-d or XF_FEEDS_DIR): %s\n",
			strerror(-err));
		return 1;
	}
	atexit(cleanup);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], cleanup_on_signal);
	xf_log_init_libbpf();
	printf("feeds under %s\n\n", dir);
	bench_parse(dir, parses);
	if (geteuid()) {
		fprintf(stderr, "bench: the sync benchmark needs root (BPF maps): skipped\n");
		return 1;
	}
	err = bench_sync(dir, runs);
	if (err) {
		fprintf(stderr, "bench: sync: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
