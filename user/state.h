/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The pinned state under one bpffs directory: maps, programs, XDP links.
 * Opening it creates it on first use (load the BPF objects, pin everything)
 * and takes the directory lock when asked, so the CLI and the daemon
 * cannot race. */
#ifndef XF_STATE_H
#define XF_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "xdpfence_abi.h"

#define XF_DEFAULT_PIN_DIR "/sys/fs/bpf/xdpfence"
#define XF_DEFAULT_MAX_RANGES 262144
#define XF_MAX_RANGES_LIMIT ((1u << 22) - 1) /* bound of --max-ranges: ids + 1 fit 23 bits */
#define XF_PROG_XDP_PIN "prog_xdp"
#define XF_PROG_TC_PIN "prog_tc"
#define XF_LINKS_DIR "links"

/* Default run-time settings written when the state is created. */
#define XF_DEFAULT_MARK_MASK 0x00ff0000u
#define XF_DEFAULT_EVENT_RATE 100
#define XF_DEFAULT_EVENT_SAMPLE 1

enum xf_map_id {
	XF_MAP_RULES,
	XF_MAP_CONFIG,
	XF_MAP_GLOBAL_STATS,
	XF_MAP_RANGE_STATS,
	XF_MAP_FEED_STATS,
	XF_MAP_SCOPE_DST,
	XF_MAP_SCOPE_PORT,
	XF_MAP_EVENTS,
	XF_MAP_EVENT_LIMIT,
	XF_MAP_RANGES,
	XF_MAP_FEEDS,
	XF_MAP_SERVICES,
	XF_MAP_IFACES,
	XF_MAP_V4_SLOTS,
	XF_MAP_V4_BITMAP,
	XF_MAP_V6_BUCKETS,
	XF_MAP_V6_SHORT,
	XF_MAP_EXACT,
	XF_MAP_V6_FILTER,
	XF_MAP_COUNT,
};

struct xf_state {
	char pin_dir[256];
	int dir_fd;
	bool locked;
	bool created; /* this open created the state (first use, or after a reboot) */
	int map_fd[XF_MAP_COUNT];
	__u32 max_ranges; /* capacity in ranges */
	__u32 max_ids;	  /* range ids 0..max_ids-1: twice the capacity */
	int nr_cpus;
	/* the range records, mapped from the BPF_F_MMAPABLE array */
	struct xf_range *ranges;
	size_t ranges_len;
	__u8 backend; /* enum xf_backend */
	__u32 range_sets; /* per-range counter sets (struct xf_range_set) */
	/* fast backend: the /24 table and its bitmap, mapped (NULL with the
	 * reference backend) */
	__u32 *v4_slots;
	__u64 *v4_bitmap;
	__u64 *v6_filter;
};

struct xf_state_opts {
	const char *pin_dir;  /* NULL: XF_DEFAULT_PIN_DIR */
	__u32 max_ranges;     /* used only when creating; 0: default */
	__u8 backend;	      /* used only when creating: enum xf_backend */
	__u32 range_sets;     /* used only when creating: power of two; 0: default */
	bool create;	      /* create the state when it does not exist */
	bool lock;	      /* hold the exclusive lock until close */
};

/* Returns 0, -ENOENT when the state does not exist and create is false,
 * or another negative errno (with a message already logged). */
int xf_state_open(struct xf_state *st, const struct xf_state_opts *opts);
void xf_state_close(struct xf_state *st);
/* Unpin everything under pin_dir (links are detached by their owners
 * first). Returns 0 or negative errno. */
int xf_state_destroy(const char *pin_dir);
const char *xf_state_default_pin_dir(void);

int xf_config_read(const struct xf_state *st, struct xf_config *cfg);
int xf_config_write(const struct xf_state *st, const struct xf_config *cfg);

/* Sum a per-CPU array slot of struct xf_counter / xf_range_counters. */
int xf_percpu_read_counters(const struct xf_state *st, enum xf_map_id map, __u32 index,
			    struct xf_counter *sum, size_t nr_counters);
int xf_percpu_zero(const struct xf_state *st, enum xf_map_id map, __u32 index,
		   size_t value_size);

const char *xf_map_name(enum xf_map_id id);

#endif /* XF_STATE_H */
