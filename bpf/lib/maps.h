/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Every map of the data plane. Sizes marked "set at load" are defaults that
 * userspace overrides with bpf_map__set_max_entries() before loading. */
#ifndef XF_BPF_MAPS_H
#define XF_BPF_MAPS_H

#include "xdpfence_abi.h"
#include "config_map.h"

#define XF_DEFAULT_MAX_RANGES 262144
#define XF_EVENTS_BYTES (256 * 1024)

/* Source prefix -> precomputed decision (reference lookup backend). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xf_lpm_key);
	__type(value, struct xf_decision);
	__uint(max_entries, XF_DEFAULT_MAX_RANGES); /* set at load */
} xf_rules SEC(".maps");

/* Fast backend (enum xf_backend): sized to 1 entry when the state uses
 * the reference backend. The /24 table and its bitmap are mmap-able:
 * userspace writes slots in place, each an atomic 4- or 8-byte store. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xf_v4_slot_line);
	__uint(max_entries, XF_V4_SLOTS / XF_SLOTS_PER_LINE); /* set at load */
} xf_v4_slots SEC(".maps");

/* bit i: slot i is not 0. 2 MiB, so a clean address is usually answered
 * from the CPU cache without touching the 64 MiB table. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, XF_V4_SLOTS / 64); /* set at load */
} xf_v4_bitmap SEC(".maps");

/* IPv6 filter bitmap (see xf_v6_filter_bit), mmap-able */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, XF_V6_FILTER_BITS / 64); /* set at load */
} xf_v6_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32); /* the top 32 bits, as in the packet */
	__type(value, struct xf_v6_bucket);
	__uint(max_entries, XF_DEFAULT_MAX_RANGES); /* set at load */
} xf_v6_buckets SEC(".maps");

/* IPv6 prefixes up to /32 -> range id */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xf_v6_short_key);
	__type(value, __u32);
	__uint(max_entries, XF_DEFAULT_MAX_RANGES); /* set at load */
} xf_v6_short SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xf_exact_key);
	__type(value, struct xf_decision);
	__uint(max_entries, XF_DEFAULT_MAX_RANGES); /* set at load */
} xf_exact SEC(".maps");

/* Per-CPU: XDP runs in softirq, one packet at a time per CPU, so counter
 * updates need no atomics. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xf_counter);
	__uint(max_entries, XF_GLOBAL_SLOTS);
} xf_global_stats SEC(".maps");

/* Per-range counters: the set-associative cache of struct xf_range_set,
 * plus one set for what no range holds. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xf_range_set);
	__uint(max_entries, XF_DEFAULT_RANGE_SETS + 1); /* set at load */
} xf_range_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xf_range_counters);
	__uint(max_entries, XF_MAX_FEEDS);
} xf_feed_stats SEC(".maps");

/* Destination prefix -> bitmap of protected services containing it. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xf_lpm_key);
	__type(value, __u64);
	__uint(max_entries, 4 * XF_MAX_SERVICES);
} xf_scope_dst SEC(".maps");

/* {protocol, port} -> bitmap of protected services listening there. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct xf_port_key);
	__type(value, __u64);
	__uint(max_entries, 4 * XF_MAX_SERVICES);
} xf_scope_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XF_EVENTS_BYTES);
} xf_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xf_event_limiter);
	__uint(max_entries, 1);
} xf_event_limit SEC(".maps");

/* The range records by id: written by userspace, read by the fast
 * backend for the deciding range's action, tag and feed. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xf_range);
	__uint(max_entries, XF_DEFAULT_MAX_RANGES); /* set at load */
} xf_ranges SEC(".maps");

/* Userspace-only state, pinned with the rest so every CLI invocation and
 * the daemon share one view. The programs never touch these. */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xf_feed);
	__uint(max_entries, XF_MAX_FEEDS);
} xf_feeds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xf_service);
	__uint(max_entries, XF_MAX_SERVICES);
} xf_services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xf_iface);
	__uint(max_entries, XF_MAX_IFACES);
} xf_ifaces SEC(".maps");

#endif /* XF_BPF_MAPS_H */
