// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The parser, through the XDP program: VLAN stacks, IPv4 options and
 * fragments, IPv6 extension chains, every truncation point, bad header
 * fields, non-IP frames, and the configurable verdict for malformed ones.
 * A source in a drop range tells "parsed to the end" (dropped on that
 * range) from every malformed reason (passed or dropped, no range). */
#include <errno.h>
#include <string.h>

#include <netinet/in.h> /* before the uapi headers: libc-compat */
#include <linux/if_arp.h>

#include "harness.h"

#define TEST_MAX_RANGES 1024
#define DPORT		8080
#define FRAG_OFFSET	185 /* 8-byte units: 1480 bytes, a typical second fragment */
#define FRAG_PAYLOAD	8   /* fewer bytes than a TCP header: must not be parsed */
#define SHORT_PAYLOAD	4   /* fewer bytes than a UDP header */
#define ETH_PADDING	6
#define TPID_QINQ	ETH_P_8021AD
#define TPID_DOT1Q	ETH_P_8021Q
#define HOPOPTS_LEN	16
#define ROUTING_LEN	24
#define DSTOPTS_LEN	8
#define AH_LEN		24 /* 12 fixed bytes + a 96-bit ICV */
#define IP4_OPT_WORDS	2
#define IP4_MAX_IHL	15 /* 4 bits of 4-byte words */
#define IP6_EXT_WALKED	8  /* XF_IPV6_EXT_MAX, bpf/lib/compiler.h */

struct family {
	const char *name;
	__u8 family;
	const char *src; /* inside range */
	const char *clean_src;
	const char *dst;
	const char *range;
	__u8 icmp;
};

static const struct family families[] = {
    {"IPv4", XF_FAMILY_V4, "10.9.8.7", "192.0.2.200", "192.0.2.1", "10.0.0.0/8", IPPROTO_ICMP},
    {"IPv6", XF_FAMILY_V6, "2001:db8:9::7", "2001:db8:ffff::200", "2001:db8:ffff::1",
     "2001:db8::/40", IPPROTO_ICMPV6},
};

#define NR_FAMILIES (sizeof(families) / sizeof(families[0]))

/* Range ids of the families' drop ranges, set by block_sources(). */
static __u32 range_ids[NR_FAMILIES];

static void block_sources(struct xt_env *env)
{
	size_t i;

	for (i = 0; i < NR_FAMILIES; i++)
		range_ids[i] =
		    xt_rule_add(env, families[i].range, XF_ACTION_DROP, 0, XF_FEED_MANUAL);
}

static struct xt_expect expect_dropped(const struct family *f)
{
	return xt_expect_action(XF_ACTION_DROP, range_ids[f - families], XF_FEED_MANUAL, 0);
}

static struct xt_expect expect_passed(__u32 reason)
{
	return xt_expect_unmatched(XDP_PASS, reason, XF_VERDICT_PASS);
}

static struct xt_flow flow_of(const struct family *f, __u8 protocol, __u8 tcp_flags)
{
	struct xt_flow fl = {
	    .src = xt_addr(f->src),
	    .dst = xt_addr(f->dst),
	    .protocol = protocol,
	    .dport = DPORT,
	    .tcp_flags = tcp_flags,
	};

	return fl;
}

/* Ethernet and IP header of f, nothing after. */
static void start_ip(struct xt_pkt *p, const struct family *f)
{
	struct xf_addr src = xt_addr(f->src), dst = xt_addr(f->dst);

	xt_pkt_init(p);
	xt_pkt_eth(p);
	xt_pkt_ip(p, &src, &dst);
}

/* ---- VLAN ---- */

static void check_vlans(struct xt_env *env, const __u16 *tpids, int n, bool too_deep,
			const char *what)
{
	const struct family *f;

	for (f = families; f < families + NR_FAMILIES; f++) {
		struct xt_flow fl = flow_of(f, IPPROTO_UDP, 0);
		struct xt_expect e =
		    too_deep ? expect_passed(XF_REASON_VLAN_TOO_DEEP) : expect_dropped(f);
		struct xt_pkt p;

		xt_pkt_build_vlan(&p, &fl, tpids, n);
		xt_check_packet(env, &p, &e, "%s %s", f->name, what);
	}
}

static void test_vlan_single_tag(void **state)
{
	static const __u16 tpids[] = {TPID_DOT1Q};
	struct xt_env *env = xt_env(state);

	block_sources(env);
	check_vlans(env, tpids, 1, false, "802.1Q");
}

static void test_vlan_qinq(void **state)
{
	static const __u16 qinq[] = {TPID_QINQ, TPID_DOT1Q};
	static const __u16 double_dot1q[] = {TPID_DOT1Q, TPID_DOT1Q};
	struct xt_env *env = xt_env(state);

	block_sources(env);
	check_vlans(env, qinq, 2, false, "QinQ 802.1ad + 802.1Q");
	check_vlans(env, double_dot1q, 2, false, "two 802.1Q tags");
}

static void test_vlan_three_tags_too_deep(void **state)
{
	static const __u16 three[] = {TPID_QINQ, TPID_DOT1Q, TPID_DOT1Q};
	struct xt_env *env = xt_env(state);

	block_sources(env);
	check_vlans(env, three, 3, true, "three VLAN tags");
}

/* ---- IPv4 options and fragments ---- */

/* With new-only on, a SYN is dropped and an ACK passes as established:
 * proof that the TCP header was found where it is. */
static void check_syn_and_ack(struct xt_env *env, const struct family *f,
			      void (*build)(struct xt_pkt *, const struct family *, __u8, int),
			      int arg, const char *what)
{
	struct xt_expect dropped = expect_dropped(f);
	struct xt_expect established = expect_passed(XF_REASON_ESTABLISHED);
	struct xt_pkt p;

	build(&p, f, XT_TCP_SYN, arg);
	xt_check_packet(env, &p, &dropped, "%s %s, TCP SYN", f->name, what);
	build(&p, f, XT_TCP_ACK, arg);
	xt_check_packet(env, &p, &established, "%s %s, TCP ACK", f->name, what);
}

static void build_ip4_options(struct xt_pkt *p, const struct family *f, __u8 flags, int ihl)
{
	start_ip(p, f);
	xt_pkt_ip4_options(p, ihl - sizeof(struct iphdr) / 4);
	xt_pkt_tcp(p, DPORT, flags);
	xt_pkt_payload(p, XT_PAYLOAD_DEFAULT);
	xt_pkt_finish(p);
}

static void test_ip4_options(void **state)
{
	struct xt_env *env = xt_env(state);
	const struct family *v4 = &families[0];
	char what[32];
	int ihl;

	block_sources(env);
	xt_config_set(env, new_conn_only, 1);
	for (ihl = sizeof(struct iphdr) / 4; ihl <= IP4_MAX_IHL; ihl++) {
		snprintf(what, sizeof(what), "ihl %d", ihl);
		check_syn_and_ack(env, v4, build_ip4_options, ihl, what);
	}
}

static void build_first_fragment(struct xt_pkt *p, const struct family *f, __u8 flags, int unused)
{
	(void)unused;
	start_ip(p, f);
	xt_pkt_frag(p, 0, true);
	xt_pkt_tcp(p, DPORT, flags);
	xt_pkt_payload(p, XT_PAYLOAD_DEFAULT);
	xt_pkt_finish(p);
}

/* A later fragment: payload only, shorter than the L4 header it lacks. */
static void build_later_fragment(struct xt_pkt *p, const struct family *f, __u8 protocol, bool more)
{
	start_ip(p, f);
	xt_pkt_frag(p, FRAG_OFFSET, more);
	xt_pkt_ip_proto(p, protocol);
	xt_pkt_payload(p, protocol == IPPROTO_TCP ? FRAG_PAYLOAD : SHORT_PAYLOAD);
	xt_pkt_finish(p);
}

static void check_fragments(struct xt_env *env, const struct family *f)
{
	struct xt_expect dropped = expect_dropped(f);
	struct xt_expect established = expect_passed(XF_REASON_ESTABLISHED);
	struct xt_pkt p;

	xt_config_set(env, new_conn_only, 0);
	build_later_fragment(&p, f, IPPROTO_TCP, true);
	xt_check_packet(env, &p, &dropped, "%s middle TCP fragment", f->name);
	build_later_fragment(&p, f, IPPROTO_TCP, false);
	xt_check_packet(env, &p, &dropped, "%s last TCP fragment", f->name);
	build_later_fragment(&p, f, IPPROTO_UDP, false);
	xt_check_packet(env, &p, &dropped, "%s last UDP fragment, 4 bytes", f->name);

	xt_config_set(env, new_conn_only, 1);
	check_syn_and_ack(env, f, build_first_fragment, 0, "first fragment");
	/* a later TCP fragment belongs to a connection under way */
	build_later_fragment(&p, f, IPPROTO_TCP, true);
	xt_check_packet(env, &p, &established, "%s later TCP fragment, new-only", f->name);
	build_later_fragment(&p, f, IPPROTO_UDP, true);
	xt_check_packet(env, &p, &dropped, "%s later UDP fragment, new-only", f->name);
}

static void test_fragments(void **state)
{
	struct xt_env *env = xt_env(state);
	const struct family *f;

	block_sources(env);
	for (f = families; f < families + NR_FAMILIES; f++)
		check_fragments(env, f);
}

/* ---- IPv6 extension headers ---- */

struct ext {
	__u8 type;
	size_t len; /* fragment: ignored */
};

static const struct ext hopopts = {IPPROTO_HOPOPTS, HOPOPTS_LEN};
static const struct ext routing = {IPPROTO_ROUTING, ROUTING_LEN};
static const struct ext dstopts = {IPPROTO_DSTOPTS, DSTOPTS_LEN};
static const struct ext ah = {IPPROTO_AH, AH_LEN};
static const struct ext frag_first = {IPPROTO_FRAGMENT, 0};

static void append_ext(struct xt_pkt *p, const struct ext *x)
{
	if (x->type == IPPROTO_FRAGMENT)
		xt_pkt_ip6_frag(p, 0, true);
	else
		xt_pkt_ip6_ext(p, x->type, x->len);
}

/* Chains are passed through a global: check_syn_and_ack takes an int. */
static const struct ext *const *chain_exts;

static void build_ext_chain(struct xt_pkt *p, const struct family *f, __u8 flags, int n)
{
	int i;

	start_ip(p, f);
	for (i = 0; i < n; i++)
		append_ext(p, chain_exts[i]);
	xt_pkt_tcp(p, DPORT, flags);
	xt_pkt_payload(p, XT_PAYLOAD_DEFAULT);
	xt_pkt_finish(p);
}

static void test_ip6_each_extension(void **state)
{
	static const struct ext *const each[] = {&hopopts, &routing, &dstopts, &ah, &frag_first};
	static const char *const names[] = {"hop-by-hop", "routing", "destination options", "AH",
					    "first fragment"};
	struct xt_env *env = xt_env(state);
	size_t i;

	block_sources(env);
	xt_config_set(env, new_conn_only, 1);
	for (i = 0; i < sizeof(each) / sizeof(each[0]); i++) {
		chain_exts = &each[i];
		check_syn_and_ack(env, &families[1], build_ext_chain, 1, names[i]);
	}
}

/* Eight headers are walked; a ninth is one too many. */
static void test_ip6_extension_chain_limit(void **state)
{
	static const struct ext *const chain[] = {&hopopts, &dstopts, &routing, &frag_first, &ah,
						  &dstopts, &routing, &dstopts, &dstopts};
	struct xt_env *env = xt_env(state);
	struct xt_expect too_deep = expect_passed(XF_REASON_IP6_EXT_TOO_DEEP);
	struct xt_pkt p;
	char what[48];
	int n;

	_Static_assert(sizeof(chain) / sizeof(chain[0]) == IP6_EXT_WALKED + 1, "limit + 1 headers");
	block_sources(env);
	xt_config_set(env, new_conn_only, 1);
	chain_exts = chain;
	for (n = 2; n <= IP6_EXT_WALKED; n++) {
		snprintf(what, sizeof(what), "chain of %d extension headers", n);
		check_syn_and_ack(env, &families[1], build_ext_chain, n, what);
	}
	build_ext_chain(&p, &families[1], XT_TCP_SYN, IP6_EXT_WALKED + 1);
	xt_check_packet(env, &p, &too_deep, "IPv6 chain of %d extension headers",
			IP6_EXT_WALKED + 1);
}

/* The eighth header may be a later fragment: the walk ends there. */
static void test_ip6_later_fragment_at_chain_end(void **state)
{
	static const struct ext *const seven[] = {&hopopts, &dstopts, &routing, &ah,
						  &dstopts, &routing, &dstopts};

	_Static_assert(sizeof(seven) / sizeof(seven[0]) == IP6_EXT_WALKED - 1, "limit - 1");
	const struct family *v6 = &families[1];
	struct xt_env *env = xt_env(state);
	struct xt_expect e;
	struct xt_pkt p;
	size_t i;

	block_sources(env);
	e = expect_dropped(v6);
	start_ip(&p, v6);
	for (i = 0; i < sizeof(seven) / sizeof(seven[0]); i++)
		append_ext(&p, seven[i]);
	xt_pkt_ip6_frag(&p, FRAG_OFFSET, false);
	xt_pkt_ip_proto(&p, IPPROTO_TCP);
	xt_pkt_payload(&p, FRAG_PAYLOAD);
	xt_pkt_finish(&p);
	xt_check_packet(env, &p, &e, "IPv6 later fragment as the 8th extension header");
}

/* ---- truncation ---- */

/* Fixtures with a header of every kind the parser walks. */
static void build_v4_qinq_options_tcp(struct xt_pkt *p)
{
	struct xt_flow fl = flow_of(&families[0], IPPROTO_TCP, XT_TCP_SYN);

	xt_pkt_init(p);
	xt_pkt_eth(p);
	xt_pkt_vlan(p, TPID_QINQ, 10);
	xt_pkt_vlan(p, TPID_DOT1Q, 20);
	xt_pkt_ip(p, &fl.src, &fl.dst);
	xt_pkt_ip4_options(p, IP4_OPT_WORDS);
	xt_pkt_tcp(p, DPORT, XT_TCP_SYN);
	xt_pkt_payload(p, XT_PAYLOAD_DEFAULT);
	xt_pkt_finish(p);
}

static void build_v4_udp(struct xt_pkt *p)
{
	struct xt_flow fl = flow_of(&families[0], IPPROTO_UDP, 0);

	xt_pkt_build(p, &fl);
}

static void build_v6_vlan_ext_udp(struct xt_pkt *p)
{
	struct xt_flow fl = flow_of(&families[1], IPPROTO_UDP, 0);

	xt_pkt_init(p);
	xt_pkt_eth(p);
	xt_pkt_vlan(p, TPID_DOT1Q, 30);
	xt_pkt_ip(p, &fl.src, &fl.dst);
	append_ext(p, &hopopts);
	append_ext(p, &frag_first);
	append_ext(p, &ah);
	append_ext(p, &routing);
	xt_pkt_udp(p, DPORT);
	xt_pkt_payload(p, XT_PAYLOAD_DEFAULT);
	xt_pkt_finish(p);
}

static void build_v6_tcp(struct xt_pkt *p)
{
	struct xt_flow fl = flow_of(&families[1], IPPROTO_TCP, XT_TCP_SYN);

	xt_pkt_build(p, &fl);
}

struct fixture {
	const char *name;
	void (*build)(struct xt_pkt *p);
	const struct family *family;
};

static const struct fixture fixtures[] = {
    {"IPv4 QinQ + options + TCP", build_v4_qinq_options_tcp, &families[0]},
    {"IPv4 UDP", build_v4_udp, &families[0]},
    {"IPv6 802.1Q + ext chain + UDP", build_v6_vlan_ext_udp, &families[1]},
    {"IPv6 TCP", build_v6_tcp, &families[1]},
};

/* What a frame cut inside layer l is. fixed: the IP length fields agree
 * with the cut, so the cut header itself is met. */
static struct xt_expect expect_cut(const struct family *f, const struct xt_layer *l, bool fixed)
{
	__u32 bad_len = f->family == XF_FAMILY_V4 ? XF_REASON_BAD_IP4_LEN : XF_REASON_BAD_IP6_LEN;

	if (!l)
		return expect_dropped(f);
	switch (l->kind) {
	case XT_LAYER_ETH:
		return expect_passed(XF_REASON_TRUNC_ETH);
	case XT_LAYER_VLAN:
		return expect_passed(XF_REASON_TRUNC_VLAN);
	case XT_LAYER_IP4:
		return expect_passed(XF_REASON_TRUNC_IP4);
	case XT_LAYER_IP6:
		return expect_passed(XF_REASON_TRUNC_IP6);
	case XT_LAYER_IP6_EXT:
		return expect_passed(fixed ? XF_REASON_TRUNC_IP6_EXT : bad_len);
	case XT_LAYER_L4:
		return expect_passed(fixed ? XF_REASON_TRUNC_L4 : bad_len);
	case XT_LAYER_PAYLOAD:
		return fixed ? expect_dropped(f) : expect_passed(bad_len);
	case XT_LAYER_L2_OTHER:
		break;
	}
	fail_msg("fixture has a layer the parser does not walk");
	return expect_dropped(f);
}

static void check_every_cut(struct xt_env *env, const struct fixture *fx, bool fixed)
{
	struct xt_pkt full, p;
	size_t len;

	fx->build(&full);
	for (len = ETH_HLEN; len <= full.len; len++) {
		struct xt_expect e = expect_cut(fx->family, xt_pkt_layer_at(&full, len), fixed);

		p = full;
		xt_pkt_truncate(&p, len, fixed);
		xt_check_packet(env, &p, &e, "%s cut to %zu of %zu bytes%s", fx->name, len,
				full.len, fixed ? ", lengths fixed" : "");
	}
}

static void test_truncation_every_length(void **state)
{
	struct xt_env *env = xt_env(state);
	size_t i;

	block_sources(env);
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
		check_every_cut(env, &fixtures[i], false);
}

static void test_truncation_with_consistent_lengths(void **state)
{
	struct xt_env *env = xt_env(state);
	size_t i;

	block_sources(env);
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
		check_every_cut(env, &fixtures[i], true);
}

static __u64 global_total(struct xt_env *env)
{
	__u64 sum = 0;
	__u32 r, v;

	for (r = 0; r < XF_REASON_MAX; r++)
		for (v = 0; v < XF_VERDICT_MAX; v++)
			sum += xt_global_packets(env, r, v);
	return sum;
}

/* The kernel's test_run wants an Ethernet header's worth of packet data
 * (metadata in front does not count): trunc-eth cannot be reached here.
 * Check that it refuses, and that the shortest frames it takes work. */
static void test_shortest_frames(void **state)
{
	static const struct {
		__u16 ethertype;
		__u32 reason;
	} bare[] = {
	    {ETH_P_IP, XF_REASON_TRUNC_IP4},	{ETH_P_IPV6, XF_REASON_TRUNC_IP6},
	    {TPID_DOT1Q, XF_REASON_TRUNC_VLAN}, {TPID_QINQ, XF_REASON_TRUNC_VLAN},
	    {ETH_P_ARP, XF_REASON_NON_IP},
	};
	struct xt_env *env = xt_env(state);
	__u8 zeros[ETH_HLEN] = {};
	__u64 before = global_total(env);
	struct xt_result r;
	struct xt_pkt p;
	size_t len, i;
	__u32 meta;

	for (len = 0; len < ETH_HLEN; len++) {
		for (meta = 0; meta <= 16; meta += 8) {
			xt_run_frame(env, zeros, len, meta, &r);
			xt_assert_eq(r.err, -EINVAL, "test_run of %zu bytes after %u of metadata",
				     len, meta);
		}
	}
	xt_assert_eq(global_total(env), before, "packets counted for refused runs");

	for (i = 0; i < sizeof(bare) / sizeof(bare[0]); i++) {
		struct xt_expect e = expect_passed(bare[i].reason);

		xt_pkt_init(&p);
		xt_pkt_eth(&p);
		xt_pkt_l2_other(&p, bare[i].ethertype, 0);
		xt_check_packet(env, &p, &e, "bare Ethernet header, EtherType 0x%04x",
				bare[i].ethertype);
	}
}

/* ---- bad header fields ---- */

/* A well-formed IPv4 UDP frame from the blocked source with one field
 * changed by edit(p, arg). */
static void check_ip4_field(struct xt_env *env, void (*edit)(struct xt_pkt *, int), int arg,
			    const struct xt_expect *e, const char *what)
{
	struct xt_pkt p;

	build_v4_udp(&p);
	edit(&p, arg);
	xt_check_packet(env, &p, e, "IPv4 %s %d", what, arg);
}

static void set_ip4_version(struct xt_pkt *p, int v)
{
	xt_pkt_ip4(p)->version = v;
}

static void set_ip4_ihl(struct xt_pkt *p, int ihl)
{
	xt_pkt_ip4(p)->ihl = ihl;
}

static void set_ip4_tot_len(struct xt_pkt *p, int len)
{
	xt_pkt_ip4(p)->tot_len = htons(len);
}

static void pad_frame(struct xt_pkt *p, int n)
{
	memset(p->data + p->len, 0, n);
	p->len += n;
}

/* Frame bytes from the IPv4 header on. */
static int ip4_frame_len(void)
{
	struct xt_pkt p;

	build_v4_udp(&p);
	return p.len - p.l3_at;
}

static void test_bad_ip4_fields(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xt_expect bad_version = expect_passed(XF_REASON_BAD_IP4_VERSION);
	struct xt_expect bad_ihl = expect_passed(XF_REASON_BAD_IP4_IHL);
	struct xt_expect bad_len = expect_passed(XF_REASON_BAD_IP4_LEN);
	struct xt_expect dropped;
	int frame = ip4_frame_len(), v, ihl;

	block_sources(env);
	dropped = expect_dropped(&families[0]);
	for (v = 0; v < 16; v++)
		if (v != 4)
			check_ip4_field(env, set_ip4_version, v, &bad_version, "version");
	for (ihl = 0; ihl < 5; ihl++)
		check_ip4_field(env, set_ip4_ihl, ihl, &bad_ihl, "ihl");
	check_ip4_field(env, set_ip4_tot_len, 0, &bad_len, "tot_len");
	check_ip4_field(env, set_ip4_tot_len, sizeof(struct iphdr) - 1, &bad_len, "tot_len");
	check_ip4_field(env, set_ip4_tot_len, frame + 1, &bad_len, "tot_len");
	check_ip4_field(env, set_ip4_tot_len, 0xffff, &bad_len, "tot_len");
	/* Ethernet padding after the datagram is legal */
	check_ip4_field(env, pad_frame, ETH_PADDING, &dropped, "padded by");
	{
		/* options: a tot_len that covers 20 bytes but not the header */
		struct xt_pkt p;
		int ihl = IP4_MAX_IHL;

		build_ip4_options(&p, &families[0], XT_TCP_SYN, ihl);
		xt_pkt_ip4(&p)->tot_len = htons(ihl * 4 - 1);
		xt_check_packet(env, &p, &bad_len, "IPv4 ihl %d, tot_len %d", ihl, ihl * 4 - 1);
	}
	{
		/* an IPv6 header behind an IPv4 EtherType */
		struct xt_flow fl = flow_of(&families[1], IPPROTO_UDP, 0);
		struct xt_pkt p;

		xt_pkt_build(&p, &fl);
		((struct ethhdr *)p.data)->h_proto = htons(ETH_P_IP);
		xt_check_packet(env, &p, &bad_version, "IPv6 header with EtherType IPv4");
	}
}

static void test_bad_ip6_fields(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xt_flow fl = flow_of(&families[1], IPPROTO_UDP, 0);
	struct xt_expect bad_len = expect_passed(XF_REASON_BAD_IP6_LEN);
	struct xt_expect bad_version = expect_passed(XF_REASON_BAD_IP6_VERSION);
	struct xt_expect dropped;
	struct xt_pkt p;
	__u16 payload;
	int v;

	block_sources(env);
	dropped = expect_dropped(&families[1]);
	for (v = 0; v < 16; v++) {
		if (v == 6)
			continue;
		xt_pkt_build(&p, &fl);
		xt_pkt_ip6(&p)->version = v;
		xt_check_packet(env, &p, &bad_version, "IPv6 version %d", v);
	}
	xt_pkt_build(&p, &fl);
	payload = ntohs(xt_pkt_ip6(&p)->payload_len);
	xt_pkt_ip6(&p)->payload_len = htons(payload + 1);
	xt_check_packet(env, &p, &bad_len, "IPv6 payload_len one beyond the frame");
	xt_pkt_ip6(&p)->payload_len = htons(0xffff);
	xt_check_packet(env, &p, &bad_len, "IPv6 payload_len 65535");
	xt_pkt_build(&p, &fl);
	pad_frame(&p, ETH_PADDING);
	xt_check_packet(env, &p, &dropped, "IPv6 with Ethernet padding");
}

/* The length fields end the packet: a TCP/UDP header in the bytes after
 * the datagram (Ethernet padding, a trailer) is not the packet's. */
static void test_headers_beyond_datagram(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xt_expect trunc_l4 = expect_passed(XF_REASON_TRUNC_L4);
	struct xt_flow fl = flow_of(&families[1], IPPROTO_UDP, 0);
	struct xt_pkt p;

	block_sources(env);
	build_v4_udp(&p);
	xt_pkt_ip4(&p)->tot_len = htons(xt_pkt_ip4(&p)->ihl * 4);
	xt_check_packet(env, &p, &trunc_l4, "IPv4 datagram ending before its UDP header");
	xt_pkt_build(&p, &fl);
	xt_pkt_ip6(&p)->payload_len = htons(sizeof(struct udphdr) - 1);
	xt_check_packet(env, &p, &trunc_l4, "IPv6 payload ending inside its UDP header");
}

/* ---- non-IP, other protocols ---- */

static void build_arp(struct xt_pkt *p, int nr_vlans)
{
	struct arphdr *arp;
	int i;

	xt_pkt_init(p);
	xt_pkt_eth(p);
	for (i = 0; i < nr_vlans; i++)
		xt_pkt_vlan(p, i ? TPID_DOT1Q : TPID_QINQ, 40 + i);
	/* header plus two MAC/IPv4 pairs */
	arp = xt_pkt_l2_other(p, ETH_P_ARP, sizeof(*arp) + 2 * (ETH_ALEN + 4));
	arp->ar_hrd = htons(ARPHRD_ETHER);
	arp->ar_pro = htons(ETH_P_IP);
	arp->ar_hln = ETH_ALEN;
	arp->ar_pln = 4;
	arp->ar_op = htons(ARPOP_REQUEST);
}

static void test_non_ip_passes(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xt_expect e = expect_passed(XF_REASON_NON_IP);
	struct xt_pkt p;
	int vlans;

	block_sources(env);
	for (vlans = 0; vlans <= 2; vlans++) {
		build_arp(&p, vlans);
		xt_check_packet(env, &p, &e, "ARP behind %d VLAN tags", vlans);
	}
	/* non-IP is not malformed: a drop verdict for malformed frames
	 * leaves it alone */
	xt_config_set(env, malformed_verdict, XF_VERDICT_DROP);
	build_arp(&p, 0);
	xt_check_packet(env, &p, &e, "ARP with malformed verdict drop");
}

static void test_other_l4_protocol(void **state)
{
	struct xt_env *env = xt_env(state);
	const struct family *f;

	block_sources(env);
	for (f = families; f < families + NR_FAMILIES; f++) {
		struct xt_expect e = expect_dropped(f);
		struct xt_pkt p;

		start_ip(&p, f);
		xt_pkt_ip_proto(&p, f->icmp);
		xt_pkt_payload(&p, SHORT_PAYLOAD);
		xt_pkt_finish(&p);
		xt_check_packet(env, &p, &e, "%s ICMP with %d bytes", f->name, SHORT_PAYLOAD);
	}
}

/* ---- malformed verdict ---- */

struct malformed_case {
	const char *name;
	const struct fixture *fixture;
	enum xt_layer_kind cut_in; /* cut halfway through the first such layer */
	bool fixed;
	__u32 reason;
};

static void cut_inside(struct xt_pkt *p, enum xt_layer_kind kind, bool fixed)
{
	int i;

	for (i = 0; i < p->nr_layers; i++) {
		const struct xt_layer *l = &p->layers[i];

		if (l->kind == kind) {
			xt_pkt_truncate(p, l->start + (l->end - l->start) / 2, fixed);
			return;
		}
	}
	fail_msg("fixture has no layer of kind %d", kind);
}

static void check_malformed(struct xt_env *env, __u32 verdict)
{
	static const struct malformed_case cases[] = {
	    {"IPv4 cut in the IP header", &fixtures[1], XT_LAYER_IP4, false, XF_REASON_TRUNC_IP4},
	    {"IPv4 cut in the payload", &fixtures[1], XT_LAYER_PAYLOAD, false,
	     XF_REASON_BAD_IP4_LEN},
	    {"IPv4 cut in TCP", &fixtures[0], XT_LAYER_L4, true, XF_REASON_TRUNC_L4},
	    {"IPv6 cut in the IP header", &fixtures[3], XT_LAYER_IP6, false, XF_REASON_TRUNC_IP6},
	    {"IPv6 cut in an extension", &fixtures[2], XT_LAYER_IP6_EXT, true,
	     XF_REASON_TRUNC_IP6_EXT},
	    {"IPv6 cut in the payload", &fixtures[3], XT_LAYER_PAYLOAD, false,
	     XF_REASON_BAD_IP6_LEN},
	    {"VLAN tag cut", &fixtures[0], XT_LAYER_VLAN, false, XF_REASON_TRUNC_VLAN},
	};
	__u32 retval = verdict == XF_VERDICT_DROP ? XDP_DROP : XDP_PASS;
	static const __u16 three[] = {TPID_QINQ, TPID_DOT1Q, TPID_DOT1Q};
	struct xt_flow clean = flow_of(&families[0], IPPROTO_UDP, 0);
	struct xt_expect e;
	struct xt_pkt p;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct malformed_case *c = &cases[i];

		c->fixture->build(&p);
		cut_inside(&p, c->cut_in, c->fixed);
		e = xt_expect_unmatched(retval, c->reason, verdict);
		xt_check_packet(env, &p, &e, "%s, malformed verdict %u", c->name, verdict);
	}
	e = xt_expect_unmatched(retval, XF_REASON_VLAN_TOO_DEEP, verdict);
	xt_pkt_build_vlan(&p, &clean, three, 3);
	xt_check_packet(env, &p, &e, "three VLAN tags, malformed verdict %u", verdict);

	/* well-formed traffic is not affected */
	clean.src = xt_addr(families[0].clean_src);
	xt_pkt_build(&p, &clean);
	e = expect_passed(XF_REASON_CLEAN);
	xt_check_packet(env, &p, &e, "clean IPv4, malformed verdict %u", verdict);
}

static void test_malformed_verdict(void **state)
{
	struct xt_env *env = xt_env(state);

	block_sources(env);
	check_malformed(env, XF_VERDICT_PASS);
	xt_config_set(env, malformed_verdict, XF_VERDICT_DROP);
	check_malformed(env, XF_VERDICT_DROP);
	xt_config_set(env, malformed_verdict, XF_VERDICT_PASS);
	check_malformed(env, XF_VERDICT_PASS);
}

static int group_setup(void **state)
{
	return xt_group_setup(state, "parsing", TEST_MAX_RANGES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_vlan_single_tag, xt_test_reset),
	    cmocka_unit_test_setup(test_vlan_qinq, xt_test_reset),
	    cmocka_unit_test_setup(test_vlan_three_tags_too_deep, xt_test_reset),
	    cmocka_unit_test_setup(test_ip4_options, xt_test_reset),
	    cmocka_unit_test_setup(test_fragments, xt_test_reset),
	    cmocka_unit_test_setup(test_ip6_each_extension, xt_test_reset),
	    cmocka_unit_test_setup(test_ip6_extension_chain_limit, xt_test_reset),
	    cmocka_unit_test_setup(test_ip6_later_fragment_at_chain_end, xt_test_reset),
	    cmocka_unit_test_setup(test_truncation_every_length, xt_test_reset),
	    cmocka_unit_test_setup(test_truncation_with_consistent_lengths, xt_test_reset),
	    cmocka_unit_test_setup(test_shortest_frames, xt_test_reset),
	    cmocka_unit_test_setup(test_bad_ip4_fields, xt_test_reset),
	    cmocka_unit_test_setup(test_bad_ip6_fields, xt_test_reset),
	    cmocka_unit_test_setup(test_headers_beyond_datagram, xt_test_reset),
	    cmocka_unit_test_setup(test_non_ip_passes, xt_test_reset),
	    cmocka_unit_test_setup(test_other_l4_protocol, xt_test_reset),
	    cmocka_unit_test_setup(test_malformed_verdict, xt_test_reset),
	};

	return cmocka_run_group_tests(tests, group_setup, xt_group_teardown);
}
