/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The ABI shared by the BPF data plane and the xdpfence control plane:
 * map keys and values, verdicts, reasons, counters and events.
 * Fixed-width fields, explicit padding, sizes asserted at compile time.
 */
#ifndef XDPFENCE_ABI_H
#define XDPFENCE_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define XF_FAMILY_V4 4
#define XF_FAMILY_V6 6

/* Prefix lengths inside an xf_lpm_key count the family byte first:
 * an IPv4 /24 is stored as prefixlen 8 + 24. Both families live in one
 * trie and one family can never match the other's entries. */
#define XF_LPM_FAMILY_BITS 8
#define XF_ADDR_MAX_BYTES 16

/* Source (or destination) address as the data plane sees it. IPv4 uses the
 * first 4 bytes of addr, the rest is zero. */
struct xf_addr {
	__u8 family;
	__u8 addr[XF_ADDR_MAX_BYTES];
};

/* Key of every address-keyed LPM trie (rules, scope). */
struct xf_lpm_key {
	__u32 prefixlen; /* XF_LPM_FAMILY_BITS + prefix length */
	__u8 family;
	__u8 addr[XF_ADDR_MAX_BYTES];
	__u8 pad[3]; /* beyond any prefixlen, never compared; keep zero */
};

/* Actions, ordered by strength: where ranges nest, the strongest wins.
 * ALLOW is strongest of all: an allowlisted address always passes. */
enum xf_action {
	XF_ACTION_NONE = 0,
	XF_ACTION_COUNT = 1, /* monitor: pass, count as "would drop/tag" */
	XF_ACTION_TAG = 2,   /* pass with a tag in XDP metadata */
	XF_ACTION_DROP = 3,
	XF_ACTION_ALLOW = 4,
	XF_ACTION_MAX,
};

/* Value of the rules trie: the decision userspace precomputed for the
 * addresses whose longest match is this prefix. */
struct xf_decision {
	__u32 range_id; /* the range that decided: counters go there */
	__u32 tag;
	__u8 action; /* enum xf_action */
	__u8 feed_id;
	__u8 pad[2];
};

/* What the packet path did. */
enum xf_verdict {
	XF_VERDICT_PASS = 0,
	XF_VERDICT_DROP = 1,
	XF_VERDICT_TAG = 2, /* passed, carrying a tag */
	XF_VERDICT_MAX,
};

/* Why. Names for these live in userspace only (user/names.c). */
enum xf_reason {
	XF_REASON_CLEAN = 0,	     /* no range matched */
	XF_REASON_ALLOWLIST,	     /* allowlist hit */
	XF_REASON_BLOCK_DROP,	     /* range with action drop */
	XF_REASON_BLOCK_TAG,	     /* range with action tag */
	XF_REASON_MONITOR,	     /* range with action count */
	XF_REASON_DRY_RUN,	     /* drop turned into a pass by dry-run */
	XF_REASON_TAG_NO_META,	     /* tag wanted, metadata could not be added */
	XF_REASON_NON_IP,	     /* not IPv4/IPv6 */
	XF_REASON_OUT_OF_SCOPE,	     /* not addressed to a protected service */
	XF_REASON_ESTABLISHED,	     /* not a new connection, new-only mode */
	XF_REASON_TRUNC_ETH,	     /* shorter than an Ethernet header */
	XF_REASON_TRUNC_VLAN,	     /* VLAN tag cut short */
	XF_REASON_VLAN_TOO_DEEP,     /* more than two VLAN tags */
	XF_REASON_TRUNC_IP4,	     /* IPv4 header cut short */
	XF_REASON_BAD_IP4_VERSION,   /* version field is not 4 */
	XF_REASON_BAD_IP4_IHL,	     /* ihl < 5 */
	XF_REASON_BAD_IP4_LEN,	     /* total length < header or > frame */
	XF_REASON_TRUNC_IP6,	     /* IPv6 header cut short */
	XF_REASON_BAD_IP6_VERSION,   /* version field is not 6 */
	XF_REASON_BAD_IP6_LEN,	     /* payload length > frame */
	XF_REASON_TRUNC_IP6_EXT,     /* extension header cut short */
	XF_REASON_IP6_EXT_TOO_DEEP,  /* extension chain longer than we walk */
	XF_REASON_TRUNC_L4,	     /* TCP/UDP header cut short */
	XF_REASON_MAX,
};

/* First and last reason of the malformed group: their verdict is the
 * configurable xf_config.malformed_verdict. */
#define XF_REASON_MALFORMED_FIRST XF_REASON_TRUNC_ETH
#define XF_REASON_MALFORMED_LAST XF_REASON_TRUNC_L4

/* Per-range outcomes: one counter pair each. */
enum xf_outcome {
	XF_OUTCOME_ALLOW = 0,
	XF_OUTCOME_DROP,
	XF_OUTCOME_TAG,
	XF_OUTCOME_MONITOR, /* action count: would drop / would tag */
	XF_OUTCOME_DRY_RUN, /* action drop, passed because of dry-run */
	XF_OUTCOME_MAX,
};

struct xf_counter {
	__u64 packets;
	__u64 bytes;
};

/* Value of the per-range and per-feed counters. */
struct xf_range_counters {
	struct xf_counter outcome[XF_OUTCOME_MAX];
};

/* Per-range counters: a per-CPU, 4-way set-associative cache of the ranges
 * that see traffic. A range always maps to the same set (xf_range_set_of);
 * a way is taken over only when its credit (hits earned, less one for each
 * packet of a range without a way in the set; capped) runs out,
 * so a flood spread over a million ranges does not push out the ranges
 * that carry the traffic. Packets not attributed to a range, and the
 * counts of a range pushed out, go to the extra set at index `sets`
 * (way 0), so ranges + that set = the per-feed totals. Memory:
 * (sets + 1) * sizeof(struct xf_range_set) * CPUs, whatever the number of
 * ranges. Per-feed and global counters are exact per-CPU arrays. */
#define XF_RANGE_WAYS 4
#define XF_RANGE_CREDIT_MAX 32
#define XF_DEFAULT_RANGE_SETS 4096 /* 16384 ranges per CPU, 1.4 MiB */
struct xf_range_set {
	__u32 ref[XF_RANGE_WAYS];    /* range id + 1, 0: free */
	__u32 credit[XF_RANGE_WAYS]; /* recent hits, capped at XF_RANGE_CREDIT_MAX */
	struct xf_range_counters way[XF_RANGE_WAYS];
};

/* The set of a range id; sets is a power of two. */
static inline __u32 xf_range_set_of(__u32 range_id, __u32 set_mask)
{
	__u32 h = range_id * 0x9e3779b1u;

	return (h ^ (h >> 16)) & set_mask;
}

/* Global counters: a per-CPU array indexed by XF_GLOBAL_INDEX(). */
#define XF_GLOBAL_INDEX(reason, verdict) ((reason) * XF_VERDICT_MAX + (verdict))
#define XF_GLOBAL_SLOTS (XF_REASON_MAX * XF_VERDICT_MAX)

/* Source lookup backends. FAST (the default): IPv4 through a table of
 * 2^24 slots, one per /24, holding the deciding range (or, for a /24 with
 * longer prefixes, their lengths and the fallback) and a bitmap of the
 * slots in use; IPv6 through a hash of the /32s in use holding the lengths
 * present below them; both then probe an exact-prefix hash only for the
 * lengths present. LPM: the kernel's LPM trie, kept as the reference. */
enum xf_backend {
	XF_BACKEND_FAST = 0,
	XF_BACKEND_LPM = 1,
};

/* Fast backend, IPv4 slot of the /24 table (host byte order index = the
 * address's top 24 bits). 0: no range. Without XF_SLOT_LONG: the deciding
 * range id + 1. With it: bits 23..30 say which lengths 25..32 exist inside
 * the /24 (bit 23 + len - 25), bits 0..22 the fallback range id + 1 (0:
 * none) for addresses none of them contains. */
#define XF_V4_SLOTS (1u << 24)
/* The table's array elements: 16 slots (one cache line) each, so the
 * mapped table is a plain array of slots (array elements are padded to
 * 8 bytes, a lone __u32 value would not be). */
#define XF_SLOTS_PER_LINE 16
struct xf_v4_slot_line {
	__u32 slot[XF_SLOTS_PER_LINE];
};
#define XF_SLOT_LONG (1u << 31)
#define XF_SLOT_LENS_SHIFT 23
#define XF_SLOT_REF_MASK ((1u << 23) - 1)

/* Fast backend, IPv6: prefixes up to /32 live in a small LPM trie (feeds
 * list few of them), longer ones in the exact hash, with a bucket per /32
 * that holds any: the lengths present and the fallback. */
#define XF_V6_BUCKET_LEN 32
/* The IPv6 filter: bit xf_v6_filter_bit(top 32 bits) is set for every /32
 * that holds a bucket or lies in a prefix of /16../32, so clean traffic is
 * answered from a 2 MiB bitmap; prefixes shorter than /16 set
 * xf_config.v6_wide instead (then the short trie is always asked). */
#define XF_V6_FILTER_BITS (1u << 24)
static inline __u32 xf_v6_filter_bit(__u32 top32_host)
{
	__u32 h = top32_host * 0x9e3779b1u;

	return (h ^ (h >> 15)) >> 8;
}
#define XF_V6_FILTER_MIN_LEN 16

struct xf_v6_short_key {
	__u32 prefixlen;
	__u8 addr[4];
};
struct xf_v6_bucket {
	__u32 fallback; /* range id + 1 of the longest prefix <= /32 covering it */
	__u32 lens[3];	/* bit (len - 33): a prefix of that length lies inside */
};

/* Key of the exact-prefix hash (IPv4 /25../32, IPv6 /33../128): the
 * masked address. */
struct xf_exact_key {
	__u8 family;
	__u8 len;
	__u8 pad[2];
	__u8 addr[XF_ADDR_MAX_BYTES];
};

/* Run-time settings: one entry of the config array map, read by the
 * XDP and the tc program, written by userspace. */
struct xf_config {
	__u8 dry_run;		/* 1: every drop becomes a counted pass */
	__u8 malformed_verdict; /* XF_VERDICT_PASS or XF_VERDICT_DROP */
	__u8 scope_enabled;	/* 1: only protected services are filtered */
	__u8 new_conn_only;	/* 1: act on TCP SYN (no ACK) and UDP only */
	__u32 mark_mask;	/* tc: skb->mark bits owned by xdpfence */
	__u8 mark_shift;	/* tc: tag << shift lands in mark_mask */
	__u8 dscp_enabled;	/* tc: rewrite DSCP of tagged packets */
	__u8 dscp;		/* tc: DSCP value (0..63) */
	__u8 backend;		/* enum xf_backend, fixed when the state is made */
	__u32 event_rate;	/* events per second per CPU, 0 = none */
	__u32 event_sample;	/* one event per N matching packets (>= 1) */
	__u32 range_set_mask;	/* per-range counter sets - 1 (fixed at creation) */
	__u32 v6_wide;		/* fast backend: IPv6 prefixes shorter than /16 exist */
};

/* XDP metadata in front of a tagged packet, read by the tc companion. */
#define XF_META_MAGIC 0x58464d54 /* "XFMT" */
struct xf_meta {
	__u32 tag;
	__u32 magic;
};

/* Protected services: the scope trie maps a destination prefix to the set
 * of services (bit i = service i) whose prefix contains it; the port hash
 * maps {protocol, port} to the services listening there (port 0 = any). */
#define XF_MAX_SERVICES 64
enum xf_port_key_kind {
	XF_PORT_KEY_PORT = 0,	  /* services on {protocol, port}; port 0 = any port */
	XF_PORT_KEY_PROTOCOL = 1, /* all services of the protocol (for fragments) */
};
struct xf_port_key {
	__u8 protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 kind;     /* enum xf_port_key_kind */
	__u16 port;    /* host byte order; 0 with XF_PORT_KEY_PROTOCOL */
};

/* Sampled drop/tag events through the ring buffer. */
struct xf_event {
	__u64 timestamp_ns; /* bpf_ktime_get_ns() */
	struct xf_addr src;
	struct xf_addr dst;
	__u8 protocol;
	__u8 action;  /* enum xf_action of the deciding range */
	__u8 verdict; /* enum xf_verdict */
	__u8 reason;  /* enum xf_reason */
	__u8 pad0[2];
	__u32 range_id;
	__u32 ifindex;
	__u16 dst_port; /* host byte order */
	__u8 feed_id;
	__u8 pad1[5];
};

/* Per-CPU event rate limiter state. */
struct xf_event_limiter {
	__u64 window_start_ns;
	__u32 sent_in_window;
	__u32 sample_countdown;
	__u64 suppressed; /* events not sent because of the rate limit */
};

/* Userspace-only records kept in pinned maps so every CLI invocation sees
 * one state. The data plane never reads them. */
enum xf_range_flags {
	XF_RANGE_IN_USE = 1 << 0,
};

struct xf_range {
	struct xf_lpm_key key;
	__u32 tag;
	__u8 action; /* enum xf_action as configured (not precomputed) */
	__u8 feed_id;
	__u8 flags;
	__u8 pad;
};

#define XF_FEED_NAME_MAX 32
#define XF_MAX_FEEDS 256
#define XF_FEED_MANUAL 0
struct xf_feed {
	char name[XF_FEED_NAME_MAX];
	__u8 in_use;
	__u8 pad[7];
};

struct xf_service {
	struct xf_lpm_key dst;
	__u16 port;
	__u8 protocol; /* 0 = TCP and UDP */
	__u8 in_use;
};

#define XF_IFNAME_MAX 16
#define XF_MAX_IFACES 64
enum xf_attach_mode {
	XF_MODE_NATIVE = 1,
	XF_MODE_GENERIC = 2,
};
struct xf_iface {
	char name[XF_IFNAME_MAX];
	__u32 ifindex;
	__u8 mode; /* enum xf_attach_mode */
	__u8 in_use;
	__u8 tc_attached;
	__u8 pad;
	__u64 netns_ino;
	__u64 attached_at; /* unix seconds */
};

_Static_assert(sizeof(struct xf_addr) == 17, "xf_addr size");
_Static_assert(sizeof(struct xf_lpm_key) == 24, "xf_lpm_key size");
_Static_assert(sizeof(struct xf_decision) == 12, "xf_decision size");
_Static_assert(sizeof(struct xf_config) == 28, "xf_config size");
_Static_assert(sizeof(struct xf_meta) == 8, "xf_meta size");
_Static_assert(sizeof(struct xf_event) == 64, "xf_event size");
_Static_assert(sizeof(struct xf_range) == 32, "xf_range size");
_Static_assert(sizeof(struct xf_range_counters) == 80, "xf_range_counters size");
_Static_assert(sizeof(struct xf_feed) == 40, "xf_feed size");
_Static_assert(sizeof(struct xf_service) == 28, "xf_service size");
_Static_assert(sizeof(struct xf_iface) == 40, "xf_iface size");

#endif /* XDPFENCE_ABI_H */
