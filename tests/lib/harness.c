// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "harness.h"
#include "log.h"
#include "names.h"
#include "range_counters.h"

#define XT_BPFFS	   "/sys/fs/bpf"
#define XT_PIN_PREFIX	   "xdpfence-prog-" /* then the test's name and pid */
#define XT_MAX_OPEN_ENVS   8
#define XT_META_MAX	   32 /* the kernel's limit on XDP metadata */
#define XT_SNAP_MAX_FEEDS  16
#define XT_SNAP_MAX_RANGES 64

/* States still pinned, removed at exit or on a fatal signal when a test
 * program ends before its group teardown. */
static struct xt_env *open_envs[XT_MAX_OPEN_ENVS];

static void destroy_leftovers(void)
{
	int i;

	for (i = 0; i < XT_MAX_OPEN_ENVS; i++)
		if (open_envs[i])
			xt_env_close(open_envs[i]);
}

/* Interrupted (^C, a timeout's SIGTERM, a closed pipe): unpin, then die of the signal.
 * Unlinking pins here is not async-signal-safe in theory; the program is
 * single-threaded and about to end, and leftovers would be worse. */
static void destroy_on_signal(int sig)
{
	destroy_leftovers();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void register_cleanup(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
	static bool registered;
	size_t i;

	if (registered)
		return;
	atexit(destroy_leftovers);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], destroy_on_signal);
	registered = true;
}

static void track_env(struct xt_env *env, bool open)
{
	int i;

	register_cleanup();
	for (i = 0; i < XT_MAX_OPEN_ENVS; i++) {
		if (open && !open_envs[i]) {
			open_envs[i] = env;
			return;
		}
		if (!open && open_envs[i] == env)
			open_envs[i] = NULL;
	}
}

void xt_check_eq_(long long actual, long long expected, const char *file, int line, const char *fmt,
		  ...)
{
	char what[512];
	va_list ap;

	if (actual == expected)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	print_error("%s: got %lld (0x%llx), expected %lld (0x%llx)\n", what, actual,
		    (unsigned long long)actual, expected, (unsigned long long)expected);
	_fail(file, line);
}

const char *xt_xdp_name(__u32 retval)
{
	switch (retval) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	}
	return "XDP_?";
}

/* ---- state lifecycle ---- */

__u8 xt_backend = XF_BACKEND_FAST;
__u32 xt_range_sets = 16384;

int xt_env_open(struct xt_env *env, const char *name, __u32 max_ranges)
{
	/* room for every range of the tests' rule sets to hold a counter way
	 * (the differential test compares every range's counters exactly) */
	struct xf_state_opts opts = {
		.max_ranges = max_ranges, .backend = xt_backend, .range_sets = xt_range_sets,
		.create = true, .lock = true
	};
	char path[PATH_MAX];
	int err;

	memset(&env->st, 0, sizeof(env->st));
	env->prog_fd = -1;
	snprintf(env->pin_dir, sizeof(env->pin_dir), XT_BPFFS "/" XT_PIN_PREFIX "%s-%d", name,
		 (int)getpid());
	opts.pin_dir = env->pin_dir;
	/* a previous run with this pid that died hard */
	xf_state_destroy(env->pin_dir);
	err = xf_state_open(&env->st, &opts);
	if (err) {
		print_error("cannot create the state under %s: %s\n", env->pin_dir, strerror(-err));
		xf_state_destroy(env->pin_dir);
		return err;
	}
	env->opened = true;
	track_env(env, true);
	snprintf(path, sizeof(path), "%s/%s", env->pin_dir, XF_PROG_XDP_PIN);
	env->prog_fd = bpf_obj_get(path);
	err = env->prog_fd < 0 ? -errno : xf_config_read(&env->st, &env->default_cfg);
	if (err) {
		print_error("state under %s: %s\n", env->pin_dir, strerror(-err));
		xt_env_close(env);
	}
	return err;
}

void xt_env_close(struct xt_env *env)
{
	if (!env->opened)
		return;
	if (env->prog_fd >= 0)
		close(env->prog_fd);
	env->prog_fd = -1;
	xf_state_close(&env->st);
	xf_state_destroy(env->pin_dir);
	env->opened = false;
	track_env(env, false);
}

/* A missing bpffs is not one: the state code mounts it. */
static const char *environment_problem(void)
{
	if (geteuid() != 0)
		return "BPF_PROG_TEST_RUN tests need root";
	return NULL;
}

/* Is pid a live process (not gone, not a zombie waiting to be reaped)? */
static bool pid_running(long pid)
{
	char path[64], state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return kill(pid, 0) == 0 || errno != ESRCH;
	/* "pid (comm) state ...": the state follows the last ')' */
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state != 'Z' && state != 'X';
}

/* States of test programs killed outright (SIGKILL) are named after a
 * pid that no longer runs: remove them. */
static void remove_stale_states(void)
{
	char path[PATH_MAX];
	struct dirent *ent;
	DIR *d = opendir(XT_BPFFS);

	if (!d)
		return;
	while ((ent = readdir(d))) {
		const char *dash = strrchr(ent->d_name, '-');
		char *end;
		long pid;

		if (strncmp(ent->d_name, XT_PIN_PREFIX, strlen(XT_PIN_PREFIX)) || !dash)
			continue;
		pid = strtol(dash + 1, &end, 10);
		if (*end || pid <= 0 || pid_running(pid))
			continue;
		snprintf(path, sizeof(path), XT_BPFFS "/%s", ent->d_name);
		xf_state_destroy(path);
	}
	closedir(d);
}

int xt_group_setup(void **state, const char *name, __u32 max_ranges)
{
	struct xt_env *env = calloc(1, sizeof(*env));

	*state = env;
	if (!env)
		return -1;
	env->prog_fd = -1;
	xf_log_init_libbpf();
	env->skip_reason = environment_problem();
	if (env->skip_reason)
		return 0;
	remove_stale_states();
	return xt_env_open(env, name, max_ranges) ? -1 : 0;
}

int xt_group_teardown(void **state)
{
	struct xt_env *env = *state;

	if (env) {
		xt_env_close(env);
		free(env);
	}
	*state = NULL;
	return 0;
}

struct xt_env *xt_env(void **state)
{
	struct xt_env *env = *state;

	if (env->skip_reason) {
		print_message("skipped: %s\n", env->skip_reason);
		skip();
	}
	return env;
}

static void clear_map(int fd, size_t key_size)
{
	__u8 key[64];

	assert_true(key_size <= sizeof(key));
	while (!bpf_map_get_next_key(fd, NULL, key))
		if (bpf_map_delete_elem(fd, key))
			fail_msg("cannot empty a map: %s", strerror(errno));
}

static void clear_scope(struct xt_env *env)
{
	struct xf_service none = {};
	__u32 i;

	for (i = 0; i < XF_MAX_SERVICES; i++)
		bpf_map_update_elem(env->st.map_fd[XF_MAP_SERVICES], &i, &none, BPF_ANY);
	clear_map(env->st.map_fd[XF_MAP_SCOPE_DST], sizeof(struct xf_lpm_key));
	clear_map(env->st.map_fd[XF_MAP_SCOPE_PORT], sizeof(struct xf_port_key));
}

int xt_test_reset(void **state)
{
	struct xt_env *env = *state;

	if (env->skip_reason || !env->opened)
		return 0;
	xt_rules_clear(env);
	clear_scope(env);
	xt_config_put(env, &env->default_cfg);
	return 0;
}

/* ---- running the program ---- */

int xt_run_frame(struct xt_env *env, const void *frame, size_t len, __u32 meta_len,
		 struct xt_result *res)
{
	__u8 in[XT_META_MAX + XT_PKT_MAX], out[XT_META_MAX + XT_PKT_MAX + XT_META_MAX];
	struct xdp_md ctx_in = {}, ctx_out = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_out = out,
		    .data_size_in = meta_len + len, .data_size_out = sizeof(out), .ctx_in = &ctx_in,
		    .ctx_size_in = sizeof(ctx_in), .ctx_out = &ctx_out,
		    .ctx_size_out = sizeof(ctx_out), .repeat = 1);

	assert_true(meta_len <= XT_META_MAX && len <= XT_PKT_MAX);
	memset(res, 0, sizeof(*res));
	memset(in, 0, meta_len);
	memcpy(in + meta_len, frame, len);
	/* the kernel takes metadata only in front of the data: data_meta 0 */
	ctx_in.data = meta_len;
	ctx_in.data_end = meta_len + len;
	res->err = bpf_prog_test_run_opts(env->prog_fd, &opts) ? -errno : 0;
	if (res->err)
		return res->err;
	res->retval = opts.retval;
	/* data_out starts at data_meta; ctx_out.data is the metadata length */
	res->meta_len = ctx_out.data;
	res->frame_len = ctx_out.data_end - ctx_out.data;
	if (res->meta_len >= sizeof(res->meta))
		memcpy(&res->meta, out, sizeof(res->meta));
	return 0;
}

void xt_run(struct xt_env *env, const struct xt_pkt *p, struct xt_result *res)
{
	if (xt_run_frame(env, p->data, p->len, 0, res))
		fail_msg("BPF_PROG_TEST_RUN on a %zu-byte frame: %s", p->len, strerror(-res->err));
}

/* ---- counters ---- */

static void read_counters(struct xt_env *env, enum xf_map_id map, __u32 index, struct xf_counter *c,
			  size_t n)
{
	int err = xf_percpu_read_counters(&env->st, map, index, c, n);

	if (err)
		fail_msg("cannot read %s[%u]: %s", xf_map_name(map), index, strerror(-err));
}

__u64 xt_global_packets(struct xt_env *env, __u32 reason, __u32 verdict)
{
	struct xf_counter c;

	read_counters(env, XF_MAP_GLOBAL_STATS, XF_GLOBAL_INDEX(reason, verdict), &c, 1);
	return c.packets;
}

void xt_global_counter(struct xt_env *env, __u32 slot, struct xf_counter *c)
{
	read_counters(env, XF_MAP_GLOBAL_STATS, slot, c, 1);
}

void xt_range_counters(struct xt_env *env, __u32 range_id, struct xf_counter *c)
{
	int err = xf_range_counters_read(&env->st, range_id, c);

	if (err)
		fail_msg("cannot read the counters of range %u: %s", range_id, strerror(-err));
}

void xt_feed_counters(struct xt_env *env, __u8 feed_id, struct xf_counter *c)
{
	read_counters(env, XF_MAP_FEED_STATS, feed_id, c, XF_OUTCOME_MAX);
}

/* Every counter a packet could touch given the rules in force. */
struct xt_snapshot {
	struct xf_counter global[XF_GLOBAL_SLOTS];
	__u32 nr_ranges;
	__u32 range_id[XT_SNAP_MAX_RANGES];
	struct xf_counter range[XT_SNAP_MAX_RANGES][XF_OUTCOME_MAX];
	__u32 nr_feeds;
	__u8 feed_id[XT_SNAP_MAX_FEEDS];
	struct xf_counter feed[XT_SNAP_MAX_FEEDS][XF_OUTCOME_MAX];
};

static void snap_add_range(struct xt_snapshot *s, __u32 id)
{
	__u32 i;

	for (i = 0; i < s->nr_ranges; i++)
		if (s->range_id[i] == id)
			return;
	if (s->nr_ranges == XT_SNAP_MAX_RANGES)
		fail_msg("more than %d ranges in force: too many to watch", XT_SNAP_MAX_RANGES);
	s->range_id[s->nr_ranges++] = id;
}

static void snap_add_feed(struct xt_snapshot *s, __u8 id)
{
	__u32 i;

	for (i = 0; i < s->nr_feeds; i++)
		if (s->feed_id[i] == id)
			return;
	if (s->nr_feeds == XT_SNAP_MAX_FEEDS)
		fail_msg("more than %d feeds in force: too many to watch", XT_SNAP_MAX_FEEDS);
	s->feed_id[s->nr_feeds++] = id;
}

/* Which ranges and feeds to watch: those in force, and the expected ones. */
static void snapshot_scope(struct xt_env *env, const struct xt_expect *e, struct xt_snapshot *s)
{
	__u32 id;

	s->nr_ranges = s->nr_feeds = 0;
	for (id = 0; id < env->st.max_ids; id++) {
		if (!(env->st.ranges[id].flags & XF_RANGE_IN_USE))
			continue;
		snap_add_range(s, id);
		snap_add_feed(s, env->st.ranges[id].feed_id);
	}
	if (e->range_id != XT_NO_RANGE) {
		snap_add_range(s, e->range_id);
		snap_add_feed(s, e->feed_id);
	}
}

static void snapshot_take(struct xt_env *env, struct xt_snapshot *s)
{
	__u32 i;

	for (i = 0; i < XF_GLOBAL_SLOTS; i++)
		xt_global_counter(env, i, &s->global[i]);
	for (i = 0; i < s->nr_ranges; i++)
		xt_range_counters(env, s->range_id[i], s->range[i]);
	for (i = 0; i < s->nr_feeds; i++)
		xt_feed_counters(env, s->feed_id[i], s->feed[i]);
}

/* Compare one counter's movement with what was expected of it. */
static int counter_moved(const struct xf_counter *before, const struct xf_counter *after,
			 bool expected, size_t len, const char *what, const char *name)
{
	__u64 dp = after->packets - before->packets, db = after->bytes - before->bytes;
	__u64 want_p = expected ? 1 : 0, want_b = expected ? len : 0;

	if (dp == want_p && db == want_b)
		return 0;
	print_error("%s: counter %s moved by %llu packets / %llu bytes, expected %llu / %llu\n",
		    what, name, (unsigned long long)dp, (unsigned long long)db,
		    (unsigned long long)want_p, (unsigned long long)want_b);
	return 1;
}

static int compare_global(const struct xt_snapshot *b, const struct xt_snapshot *a,
			  const struct xt_expect *e, size_t len, const char *what)
{
	__u32 want = XF_GLOBAL_INDEX(e->reason, e->verdict), i;
	char name[96];
	int bad = 0;

	for (i = 0; i < XF_GLOBAL_SLOTS; i++) {
		snprintf(name, sizeof(name), "global[%s/%s]", xf_reason_name(i / XF_VERDICT_MAX),
			 xf_verdict_name(i % XF_VERDICT_MAX));
		bad += counter_moved(&b->global[i], &a->global[i], i == want, len, what, name);
	}
	return bad;
}

static int compare_ranges(const struct xt_snapshot *b, const struct xt_snapshot *a,
			  const struct xt_expect *e, size_t len, const char *what)
{
	char name[96];
	__u32 i, o;
	int bad = 0;

	for (i = 0; i < a->nr_ranges; i++) {
		for (o = 0; o < XF_OUTCOME_MAX; o++) {
			bool want = a->range_id[i] == e->range_id && o == e->outcome;

			snprintf(name, sizeof(name), "range[%u].%s", a->range_id[i],
				 xf_outcome_name(o));
			bad +=
			    counter_moved(&b->range[i][o], &a->range[i][o], want, len, what, name);
		}
	}
	for (i = 0; i < a->nr_feeds; i++) {
		for (o = 0; o < XF_OUTCOME_MAX; o++) {
			bool want = e->range_id != XT_NO_RANGE && a->feed_id[i] == e->feed_id &&
				    o == e->outcome;

			snprintf(name, sizeof(name), "feed[%u].%s", a->feed_id[i],
				 xf_outcome_name(o));
			bad += counter_moved(&b->feed[i][o], &a->feed[i][o], want, len, what, name);
		}
	}
	return bad;
}

static void check_meta(const struct xt_result *r, const struct xt_expect *e, size_t len,
		       const char *what)
{
	if (!e->tag) {
		xt_assert_eq(r->meta_len, 0, "%s: metadata length", what);
		xt_assert_eq(r->frame_len, len, "%s: frame length", what);
		return;
	}
	xt_assert_eq(r->meta_len, sizeof(struct xf_meta), "%s: metadata length", what);
	xt_assert_eq(r->meta.magic, XF_META_MAGIC, "%s: metadata magic", what);
	xt_assert_eq(r->meta.tag, e->tag, "%s: metadata tag", what);
	xt_assert_eq(r->frame_len, len, "%s: frame length after the metadata", what);
}

static void check_frame(struct xt_env *env, const void *frame, size_t len,
			const struct xt_expect *e, const char *what)
{
	static struct xt_snapshot before, after;
	struct xt_result r;
	int bad;

	snapshot_scope(env, e, &before);
	snapshot_take(env, &before);
	if (xt_run_frame(env, frame, len, 0, &r))
		fail_msg("%s: BPF_PROG_TEST_RUN on %zu bytes: %s", what, len, strerror(-r.err));
	after.nr_ranges = before.nr_ranges;
	memcpy(after.range_id, before.range_id, sizeof(before.range_id));
	after.nr_feeds = before.nr_feeds;
	memcpy(after.feed_id, before.feed_id, sizeof(before.feed_id));
	snapshot_take(env, &after);

	if (r.retval != e->retval) {
		print_error("%s: XDP action %s, expected %s\n", what, xt_xdp_name(r.retval),
			    xt_xdp_name(e->retval));
		fail();
	}
	bad = compare_global(&before, &after, e, len, what);
	bad += compare_ranges(&before, &after, e, len, what);
	if (bad)
		fail_msg("%s: expected %s/%s%s%s", what, xf_reason_name(e->reason),
			 xf_verdict_name(e->verdict),
			 e->range_id != XT_NO_RANGE ? " on range " : "",
			 e->range_id != XT_NO_RANGE ? xf_outcome_name(e->outcome) : "");
	check_meta(&r, e, len, what);
}

void xt_check_packet(struct xt_env *env, const struct xt_pkt *p, const struct xt_expect *e,
		     const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	check_frame(env, p->data, p->len, e, what);
}

struct xt_expect xt_expect_action(__u8 action, __u32 range_id, __u8 feed_id, __u32 tag)
{
	struct xt_expect e = {.retval = XDP_PASS,
			      .verdict = XF_VERDICT_PASS,
			      .range_id = range_id,
			      .feed_id = feed_id};

	switch (action) {
	case XF_ACTION_ALLOW:
		e.reason = XF_REASON_ALLOWLIST;
		e.outcome = XF_OUTCOME_ALLOW;
		break;
	case XF_ACTION_DROP:
		e.retval = XDP_DROP;
		e.verdict = XF_VERDICT_DROP;
		e.reason = XF_REASON_BLOCK_DROP;
		e.outcome = XF_OUTCOME_DROP;
		break;
	case XF_ACTION_TAG:
		e.verdict = XF_VERDICT_TAG;
		e.reason = XF_REASON_BLOCK_TAG;
		e.outcome = XF_OUTCOME_TAG;
		e.tag = tag;
		break;
	case XF_ACTION_COUNT:
		e.reason = XF_REASON_MONITOR;
		e.outcome = XF_OUTCOME_MONITOR;
		break;
	default:
		e = xt_expect_unmatched(XDP_PASS, XF_REASON_CLEAN, XF_VERDICT_PASS);
	}
	return e;
}

/* ---- rules ---- */

struct xf_prefix xt_prefix(const char *text)
{
	struct xf_prefix p;
	unsigned int flags;

	if (xf_prefix_parse(text, &p, &flags) || (flags & XF_PARSE_HOST_BITS))
		fail_msg("'%s' is not a prefix without host bits", text);
	return p;
}

void xt_txn_begin(struct xt_env *env, struct xt_txn *t)
{
	int err;

	memset(t, 0, sizeof(*t));
	t->env = env;
	err = xf_ruleset_read(&env->st, &t->old);
	if (!err)
		err = xf_ruleset_copy(&t->next, &t->old);
	if (err)
		fail_msg("cannot read the rules: %s", strerror(-err));
}

void xt_txn_put(struct xt_txn *t, const char *cidr, __u8 action, __u32 tag, __u8 feed_id)
{
	struct xf_rule r = {
	    .prefix = xt_prefix(cidr),
	    .action = action,
	    .tag = tag,
	    .feed_id = feed_id,
	};
	int err = xf_ruleset_put(&t->next, &r);

	if (err)
		fail_msg("cannot add %s: %s", cidr, strerror(-err));
}

void xt_txn_del(struct xt_txn *t, const char *cidr, bool allow, __u8 feed_id)
{
	struct xf_prefix p = xt_prefix(cidr);
	int err = xf_ruleset_del(&t->next, feed_id, &p, allow);

	if (err)
		fail_msg("cannot remove %s: %s", cidr, strerror(-err));
}

int xt_txn_commit(struct xt_txn *t)
{
	int err = xf_ruleset_commit(&t->env->st, &t->old, &t->next, NULL);

	xf_ruleset_free(&t->old);
	xf_ruleset_free(&t->next);
	return err;
}

static void txn_commit_or_fail(struct xt_txn *t)
{
	int err = xt_txn_commit(t);

	if (err)
		fail_msg("commit failed: %s", strerror(-err));
}

__u32 xt_rule_add(struct xt_env *env, const char *cidr, __u8 action, __u32 tag, __u8 feed_id)
{
	struct xt_txn t;
	__u32 id;

	xt_txn_begin(env, &t);
	xt_txn_put(&t, cidr, action, tag, feed_id);
	txn_commit_or_fail(&t);
	id = xt_range_id(env, cidr, action == XF_ACTION_ALLOW, feed_id);
	if (id == XT_NO_RANGE)
		fail_msg("%s is not in the state after its commit", cidr);
	return id;
}

void xt_rule_remove(struct xt_env *env, const char *cidr, bool allow, __u8 feed_id)
{
	struct xt_txn t;

	xt_txn_begin(env, &t);
	xt_txn_del(&t, cidr, allow, feed_id);
	txn_commit_or_fail(&t);
}

__u32 xt_range_id(struct xt_env *env, const char *cidr, bool allow, __u8 feed_id)
{
	struct xf_prefix p = xt_prefix(cidr);
	struct xf_ruleset rs;
	__u32 id = XT_NO_RANGE;
	long i;

	if (xf_ruleset_read(&env->st, &rs))
		fail_msg("cannot read the rules");
	i = xf_ruleset_find(&rs, feed_id, &p, allow);
	if (i >= 0)
		id = rs.rules[i].range_id;
	xf_ruleset_free(&rs);
	return id;
}

void xt_rules_clear(struct xt_env *env)
{
	struct xt_txn t;

	xt_txn_begin(env, &t);
	t.next.n = 0;
	txn_commit_or_fail(&t);
}

/* ---- settings and the CLI ---- */

void xt_config_get(struct xt_env *env, struct xf_config *cfg)
{
	int err = xf_config_read(&env->st, cfg);

	if (err)
		fail_msg("cannot read the config: %s", strerror(-err));
}

void xt_config_put(struct xt_env *env, const struct xf_config *cfg)
{
	int err = xf_config_write(&env->st, cfg);

	if (err)
		fail_msg("cannot write the config: %s", strerror(-err));
}

/* $XDPFENCE, else the binary `make` puts next to build/tests/. */
static void cli_path(char *buf, size_t len)
{
	const char *env = getenv("XDPFENCE");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		fail_msg("cannot find the test binary: %s", strerror(errno));
	self[n] = '\0';
	/* build/tests/prog/test_x -> build/xdpfence */
	snprintf(buf, len, "%s/../../xdpfence", dirname(self));
}

int xt_cli(struct xt_env *env, const char *fmt, ...)
{
	char args[512], bin[PATH_MAX], cmd[PATH_MAX + 1024], state_dir[64];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	cli_path(bin, sizeof(bin));
	if (access(bin, X_OK))
		fail_msg("no xdpfence binary at %s (run make, or set XDPFENCE)", bin);
	/* the CLI saves its settings to a state directory: a private one,
	 * gone after the call, so no test leaves files behind */
	snprintf(state_dir, sizeof(state_dir), "/tmp/xdpfence-prog-state.XXXXXX");
	if (!mkdtemp(state_dir))
		fail_msg("cannot create a state directory: %s", strerror(errno));
	snprintf(cmd, sizeof(cmd), "'%s' --pin-dir '%s' --state-dir '%s' %s >/dev/null", bin,
		 env->pin_dir, state_dir, args);
	/* the CLI takes the directory lock this process holds */
	flock(env->st.dir_fd, LOCK_UN);
	status = system(cmd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", state_dir);
	if (flock(env->st.dir_fd, LOCK_EX))
		fail_msg("cannot lock %s again: %s", env->pin_dir, strerror(errno));
	if (status < 0 || !WIFEXITED(status))
		fail_msg("'%s' did not run to completion", cmd);
	return WEXITSTATUS(status);
}
