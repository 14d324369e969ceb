// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <dirent.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "log.h"
#include "state.h"
#include "xdpfence.skel.h"
#include "xdpfence_tc.skel.h"

#define XF_BPFFS_ROOT "/sys/fs/bpf"

static const char *const map_names[XF_MAP_COUNT] = {
	[XF_MAP_RULES] = "xf_rules",
	[XF_MAP_CONFIG] = "xf_config_map",
	[XF_MAP_GLOBAL_STATS] = "xf_global_stats",
	[XF_MAP_RANGE_STATS] = "xf_range_stats",
	[XF_MAP_FEED_STATS] = "xf_feed_stats",
	[XF_MAP_SCOPE_DST] = "xf_scope_dst",
	[XF_MAP_SCOPE_PORT] = "xf_scope_port",
	[XF_MAP_EVENTS] = "xf_events",
	[XF_MAP_EVENT_LIMIT] = "xf_event_limit",
	[XF_MAP_RANGES] = "xf_ranges",
	[XF_MAP_FEEDS] = "xf_feeds",
	[XF_MAP_SERVICES] = "xf_services",
	[XF_MAP_IFACES] = "xf_ifaces",
	[XF_MAP_V4_SLOTS] = "xf_v4_slots",
	[XF_MAP_V4_BITMAP] = "xf_v4_bitmap",
	[XF_MAP_V6_BUCKETS] = "xf_v6_buckets",
	[XF_MAP_V6_SHORT] = "xf_v6_short",
	[XF_MAP_EXACT] = "xf_exact",
	[XF_MAP_V6_FILTER] = "xf_v6_filter",
};

#define V4_SLOTS_BYTES ((size_t)XF_V4_SLOTS * sizeof(__u32))
#define V4_BITMAP_BYTES ((size_t)XF_V4_SLOTS / 8)
#define V6_FILTER_BYTES ((size_t)XF_V6_FILTER_BITS / 8)

const char *xf_map_name(enum xf_map_id id)
{
	return id < XF_MAP_COUNT ? map_names[id] : "?";
}

const char *xf_state_default_pin_dir(void)
{
	const char *env = getenv("XDPFENCE_PIN_DIR");

	return env && *env ? env : XF_DEFAULT_PIN_DIR;
}

static int pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void init_fds(struct xf_state *st)
{
	int i;

	st->dir_fd = -1;
	for (i = 0; i < XF_MAP_COUNT; i++)
		st->map_fd[i] = -1;
}

void xf_state_close(struct xf_state *st)
{
	int i;

	if (st->ranges && st->ranges != MAP_FAILED)
		munmap(st->ranges, st->ranges_len);
	st->ranges = NULL;
	if (st->v4_slots)
		munmap(st->v4_slots, V4_SLOTS_BYTES);
	if (st->v4_bitmap)
		munmap(st->v4_bitmap, V4_BITMAP_BYTES);
	if (st->v6_filter)
		munmap(st->v6_filter, V6_FILTER_BYTES);
	st->v4_slots = NULL;
	st->v4_bitmap = NULL;
	st->v6_filter = NULL;
	for (i = 0; i < XF_MAP_COUNT; i++) {
		if (st->map_fd[i] >= 0)
			close(st->map_fd[i]);
		st->map_fd[i] = -1;
	}
	if (st->dir_fd >= 0)
		close(st->dir_fd); /* releases the flock */
	st->dir_fd = -1;
}

static int check_bpffs(const char *dir)
{
	char parent[PATH_MAX];
	struct statfs fs;
	char *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (statfs(parent, &fs)) {
		xf_err("pin directory '%s': %s", parent, strerror(errno));
		return -errno;
	}
	/* the usual place, not mounted yet (minimal systems): mount it, as
	 * xdp-tools and bpftool do */
	if (fs.f_type != BPF_FS_MAGIC && !strcmp(parent, XF_BPFFS_ROOT)) {
		if (mount("bpf", XF_BPFFS_ROOT, "bpf", 0, "mode=0700"))
			xf_warn("cannot mount bpffs at %s: %s", XF_BPFFS_ROOT, strerror(errno));
		else if (!statfs(parent, &fs))
			xf_info("mounted bpffs at %s", XF_BPFFS_ROOT);
	}
	if (fs.f_type != BPF_FS_MAGIC) {
		xf_err("pin directory '%s' is not on a bpf filesystem (mount -t bpf bpf %s)",
		       parent, parent);
		return -EINVAL;
	}
	return 0;
}

static void write_default_config(int config_fd, __u8 backend, __u32 range_sets)
{
	struct xf_config cfg = {
		.backend = backend,
		.range_set_mask = range_sets - 1,
		.malformed_verdict = XF_VERDICT_PASS,
		.mark_mask = XF_DEFAULT_MARK_MASK,
		.mark_shift = __builtin_ctz(XF_DEFAULT_MARK_MASK),
		.event_rate = XF_DEFAULT_EVENT_RATE,
		.event_sample = XF_DEFAULT_EVENT_SAMPLE,
	};
	__u32 zero = 0;

	bpf_map_update_elem(config_fd, &zero, &cfg, BPF_ANY);
}

static void write_manual_feed(int feeds_fd)
{
	struct xf_feed feed = { .name = "manual", .in_use = 1 };
	__u32 id = XF_FEED_MANUAL;

	bpf_map_update_elem(feeds_fd, &id, &feed, BPF_ANY);
}

/* Load both BPF objects and pin their maps and programs. On failure
 * nothing stays pinned. */
static int create_state(const char *dir, __u32 max_ranges, __u8 backend, __u32 range_sets)
{
	bool fast = backend == XF_BACKEND_FAST;
	struct xdpfence_tc_bpf *tc = NULL;
	struct xdpfence_bpf *skel = NULL;
	struct bpf_map *map;
	char path[PATH_MAX];
	int err;

	skel = xdpfence_bpf__open();
	if (!skel) {
		err = -errno;
		xf_err("cannot open the XDP object: %s", strerror(-err));
		goto cleanup;
	}
	if (!max_ranges)
		max_ranges = XF_DEFAULT_MAX_RANGES;
	/* a commit writes additions before removals, so the trie briefly
	 * holds the old and the new set: room for both (no prealloc, so
	 * the headroom costs nothing until used) */
	bpf_map__set_max_entries(skel->maps.xf_rules, fast ? 1 : 2 * max_ranges);
	/* the fast backend's maps: full size only when it is the one used */
	bpf_map__set_max_entries(skel->maps.xf_v4_slots,
				 fast ? XF_V4_SLOTS / XF_SLOTS_PER_LINE : 1);
	bpf_map__set_max_entries(skel->maps.xf_v4_bitmap, fast ? XF_V4_SLOTS / 64 : 1);
	bpf_map__set_max_entries(skel->maps.xf_v6_filter, fast ? XF_V6_FILTER_BITS / 64 : 1);
	bpf_map__set_max_entries(skel->maps.xf_exact, fast ? 2 * max_ranges : 1);
	/* at most one bucket per range, old and new set together during a
	 * commit (a hash's bucket array costs 8-16 B per max entry, rounded
	 * up to a power of two, even when empty: see README, Memory) */
	bpf_map__set_max_entries(skel->maps.xf_v6_buckets, fast ? 2 * max_ranges : 1);
	bpf_map__set_max_entries(skel->maps.xf_v6_short, fast ? 2 * max_ranges : 1);
	/* twice the ids: a commit gives new ranges ids that neither the old
	 * nor the new set uses, so no packet in flight is ever counted on a
	 * range that took over an id */
	bpf_map__set_max_entries(skel->maps.xf_ranges, 2 * max_ranges);
	if (!range_sets || (range_sets & (range_sets - 1)))
		range_sets = XF_DEFAULT_RANGE_SETS;
	/* the sets, and one for what no range holds */
	bpf_map__set_max_entries(skel->maps.xf_range_stats, range_sets + 1);
	err = xdpfence_bpf__load(skel);
	if (err) {
		xf_err("cannot load the XDP program: %s (run with -vv for the verifier log)",
		       strerror(-err));
		goto cleanup;
	}

	tc = xdpfence_tc_bpf__open();
	if (!tc) {
		err = -errno;
		xf_err("cannot open the tc object: %s", strerror(-err));
		goto cleanup;
	}
	err = bpf_map__reuse_fd(tc->maps.xf_config_map, bpf_map__fd(skel->maps.xf_config_map));
	if (!err)
		err = xdpfence_tc_bpf__load(tc);
	if (err) {
		xf_err("cannot load the tc companion: %s", strerror(-err));
		goto cleanup;
	}

	write_default_config(bpf_map__fd(skel->maps.xf_config_map), backend, range_sets);
	write_manual_feed(bpf_map__fd(skel->maps.xf_feeds));

	bpf_object__for_each_map(map, skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		if ((err = pin_path(path, sizeof(path), dir, bpf_map__name(map))) ||
		    (err = bpf_map__pin(map, path))) {
			xf_err("cannot pin map %s at %s: %s", bpf_map__name(map), path,
			       strerror(-err));
			goto cleanup;
		}
	}
	if ((err = pin_path(path, sizeof(path), dir, XF_PROG_XDP_PIN)) ||
	    (err = bpf_program__pin(skel->progs.xdpfence_xdp, path)) ||
	    (err = pin_path(path, sizeof(path), dir, XF_PROG_TC_PIN)) ||
	    (err = bpf_program__pin(tc->progs.xdpfence_tc, path))) {
		xf_err("cannot pin programs under %s: %s", dir, strerror(-err));
		goto cleanup;
	}
	xf_info("created state under %s (max %u ranges, %s backend)", dir, max_ranges,
		fast ? "fast" : "lpm");
cleanup:
	if (err)
		xf_state_destroy(dir);
	xdpfence_tc_bpf__destroy(tc);
	xdpfence_bpf__destroy(skel);
	return err;
}

/* The backend comes from the config; with the fast one, map its tables. */
static int map_fast_tables(struct xf_state *st)
{
	struct xf_config cfg;
	void *p;
	int err;

	err = xf_config_read(st, &cfg);
	if (err)
		return err;
	st->backend = cfg.backend;
	st->range_sets = cfg.range_set_mask + 1;
	if (st->backend != XF_BACKEND_FAST)
		return 0;
	p = mmap(NULL, V4_SLOTS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		 st->map_fd[XF_MAP_V4_SLOTS], 0);
	if (p == MAP_FAILED)
		return -errno;
	st->v4_slots = p;
	p = mmap(NULL, V4_BITMAP_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		 st->map_fd[XF_MAP_V4_BITMAP], 0);
	if (p == MAP_FAILED)
		return -errno;
	st->v4_bitmap = p;
	p = mmap(NULL, V6_FILTER_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		 st->map_fd[XF_MAP_V6_FILTER], 0);
	if (p == MAP_FAILED)
		return -errno;
	st->v6_filter = p;
	return 0;
}

static int open_maps(struct xf_state *st)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	char path[PATH_MAX];
	long page;
	int i, err;

	for (i = 0; i < XF_MAP_COUNT; i++) {
		if ((err = pin_path(path, sizeof(path), st->pin_dir, map_names[i])))
			return err;
		st->map_fd[i] = bpf_obj_get(path);
		if (st->map_fd[i] < 0)
			return -errno;
	}
	err = bpf_obj_get_info_by_fd(st->map_fd[XF_MAP_RANGES], &info, &info_len);
	if (err)
		return err;
	if (info.max_entries < 2)
		return -EINVAL;
	st->max_ids = info.max_entries;
	st->max_ranges = info.max_entries / 2;
	page = sysconf(_SC_PAGESIZE);
	st->ranges_len = ((size_t)info.max_entries * sizeof(struct xf_range) + page - 1) /
			 page * page;
	st->ranges = mmap(NULL, st->ranges_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			  st->map_fd[XF_MAP_RANGES], 0);
	if (st->ranges == MAP_FAILED) {
		st->ranges = NULL;
		return -errno;
	}
	return map_fast_tables(st);
}

/* A directory on another device than its parent is a mount point. */
static bool is_mount_root(const char *dir)
{
	char parent[PATH_MAX];
	struct stat a, b;

	if (snprintf(parent, sizeof(parent), "%s/..", dir) >= (int)sizeof(parent) ||
	    stat(dir, &a) || stat(parent, &b))
		return false;
	return a.st_dev != b.st_dev || a.st_ino == b.st_ino;
}

/* Open the pin directory and, when asked, lock it. A purge may remove the
 * directory while we wait for the lock: then the lock we got belongs to a
 * directory nobody else will lock again, so open the new one and retry. */
static int open_locked(struct xf_state *st, const char *dir, bool lock, bool create)
{
	struct stat held, now;
	int tries, err;

	for (tries = 0; tries < 8; tries++) {
		st->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (st->dir_fd < 0)
			return errno == ENOENT ? -ENOENT : -errno;
		if (!lock)
			return 0;
		if (flock(st->dir_fd, LOCK_EX)) {
			err = -errno;
			xf_err("cannot lock %s: %s", dir, strerror(errno));
			close(st->dir_fd);
			st->dir_fd = -1;
			return err;
		}
		if (!fstat(st->dir_fd, &held) && !stat(dir, &now) && held.st_dev == now.st_dev &&
		    held.st_ino == now.st_ino) {
			st->locked = true;
			return 0;
		}
		close(st->dir_fd);
		st->dir_fd = -1;
		if (create && mkdir(dir, 0700) && errno != EEXIST)
			return -errno;
	}
	xf_err("cannot lock %s: it keeps being replaced", dir);
	return -EBUSY;
}

int xf_state_open(struct xf_state *st, const struct xf_state_opts *opts)
{
	const char *dir = opts->pin_dir ? opts->pin_dir : xf_state_default_pin_dir();
	char path[PATH_MAX];
	int err;

	memset(st, 0, sizeof(*st));
	init_fds(st);
	st->nr_cpus = libbpf_num_possible_cpus();
	if (st->nr_cpus <= 0)
		return -EINVAL;
	if (snprintf(st->pin_dir, sizeof(st->pin_dir), "%s", dir) >= (int)sizeof(st->pin_dir))
		return -ENAMETOOLONG;

	if (opts->create) {
		err = check_bpffs(dir);
		if (err)
			return err;
		if (mkdir(dir, 0700) && errno != EEXIST) {
			err = -errno;
			xf_err("cannot create pin directory %s: %s", dir, strerror(errno));
			return err;
		}
	}
	if (is_mount_root(dir)) {
		xf_err("pin directory %s is the root of a bpf filesystem: give xdpfence a "
		       "directory of its own (the default is %s)",
		       dir, XF_DEFAULT_PIN_DIR);
		return -EINVAL;
	}
	err = open_locked(st, dir, opts->lock || opts->create, opts->create);
	if (err)
		return err;

	if (pin_path(path, sizeof(path), dir, XF_PROG_XDP_PIN) == 0 && access(path, F_OK)) {
		if (!opts->create) {
			err = -ENOENT;
			goto fail;
		}
		err = create_state(dir, opts->max_ranges, opts->backend, opts->range_sets);
		if (err)
			goto fail;
		st->created = true;
	}
	err = open_maps(st);
	if (err) {
		xf_err("state under %s is incomplete or from another version (%s); "
		       "'xdpfence purge' removes it",
		       dir, strerror(-err));
		goto fail;
	}
	if (st->locked && !opts->lock) {
		flock(st->dir_fd, LOCK_UN);
		st->locked = false;
	}
	return 0;
fail:
	xf_state_close(st);
	return err;
}

/* Remove only what xdpfence pins, never anything else a directory holds:
 * the maps by name, the two programs, our link pins. */
int xf_state_destroy(const char *pin_dir)
{
	char path[PATH_MAX], links[PATH_MAX];
	struct dirent *ent;
	int i, err = 0;
	DIR *d;

	for (i = 0; i < XF_MAP_COUNT; i++)
		if (!pin_path(path, sizeof(path), pin_dir, map_names[i]) && unlink(path) &&
		    errno != ENOENT)
			err = -errno;
	if (!pin_path(path, sizeof(path), pin_dir, XF_PROG_XDP_PIN) && unlink(path) &&
	    errno != ENOENT)
		err = -errno;
	if (!pin_path(path, sizeof(path), pin_dir, XF_PROG_TC_PIN) && unlink(path) &&
	    errno != ENOENT)
		err = -errno;
	if (!pin_path(links, sizeof(links), pin_dir, XF_LINKS_DIR) && (d = opendir(links))) {
		while ((ent = readdir(d))) {
			unsigned long long netns;
			unsigned int ifindex;
			char tail;

			/* our link pins are named NETNS-IFINDEX */
			if (sscanf(ent->d_name, "%llu-%u%c", &netns, &ifindex, &tail) != 2 ||
			    pin_path(path, sizeof(path), links, ent->d_name))
				continue;
			if (unlink(path) && errno != ENOENT)
				err = -errno;
		}
		closedir(d);
		rmdir(links);
	}
	/* a directory that still holds something else stays */
	if (rmdir(pin_dir) && errno != ENOENT && errno != ENOTEMPTY)
		err = -errno;
	return err;
}

int xf_config_read(const struct xf_state *st, struct xf_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(st->map_fd[XF_MAP_CONFIG], &zero, cfg) ? -errno : 0;
}

int xf_config_write(const struct xf_state *st, const struct xf_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_update_elem(st->map_fd[XF_MAP_CONFIG], &zero, cfg, BPF_ANY) ? -errno : 0;
}

int xf_percpu_read_counters(const struct xf_state *st, enum xf_map_id map, __u32 index,
			    struct xf_counter *sum, size_t nr_counters)
{
	struct xf_counter *values;
	size_t cpu, i;
	int err = 0;

	/* per-CPU values are laid out 8-byte aligned, one block per CPU */
	values = calloc((size_t)st->nr_cpus * nr_counters, sizeof(*values));
	if (!values)
		return -ENOMEM;
	memset(sum, 0, nr_counters * sizeof(*sum));
	if (bpf_map_lookup_elem(st->map_fd[map], &index, values)) {
		err = -errno;
		goto cleanup;
	}
	for (cpu = 0; cpu < (size_t)st->nr_cpus; cpu++) {
		for (i = 0; i < nr_counters; i++) {
			sum[i].packets += values[cpu * nr_counters + i].packets;
			sum[i].bytes += values[cpu * nr_counters + i].bytes;
		}
	}
cleanup:
	free(values);
	return err;
}

int xf_percpu_zero(const struct xf_state *st, enum xf_map_id map, __u32 index, size_t value_size)
{
	size_t stride = (value_size + 7) / 8 * 8;
	void *zeros = calloc(st->nr_cpus, stride);
	int err = 0;

	if (!zeros)
		return -ENOMEM;
	if (bpf_map_update_elem(st->map_fd[map], &index, zeros, BPF_ANY))
		err = -errno;
	free(zeros);
	return err;
}
