// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Protected services and new-only mode: only packets addressed to a
 * protected destination prefix / protocol / port are filtered; the rest
 * passes as out-of-scope even from a blocked source. With new-only on, a
 * blocked source's TCP SYN is dropped while the rest of its TCP traffic
 * passes as established; UDP is always acted on. Services are set by the
 * real CLI (`xdpfence protect`) on the test's pinned state. */
#include <string.h>

#include <bpf/bpf.h>

#include "harness.h"

#define TEST_MAX_RANGES 1024
#define PORT_HTTPS	443
#define PORT_HTTP	80
#define PORT_SSH	22
#define PORT_DNS	53
#define FRAG_OFFSET	185
#define FRAG_PAYLOAD	8
#define SERVICE_BIT(i)	(1ULL << (i))

struct family {
	const char *name;
	const char *blocked_src;
	const char *tagged_src;
	const char *allowed_src;
	const char *clean_src;
	const char *block_range;
	const char *tag_range;
	const char *allow_range;
	/* protected prefix, an address in it, in its upper half, outside */
	const char *service_prefix;
	const char *service_upper_half; /* a nested service: the upper half */
	const char *dst_in;
	const char *dst_in_upper;
	const char *dst_out;
	const char *bracket_open, *bracket_close; /* IPv6 takes [] before a port */
	__u8 icmp;
};

static const struct family families[] = {
    {
	.name = "IPv4",
	.blocked_src = "10.0.0.1",
	.tagged_src = "100.64.0.1",
	.allowed_src = "10.1.0.1",
	.clean_src = "203.0.113.1",
	.block_range = "10.0.0.0/8",
	.tag_range = "100.64.0.0/10",
	.allow_range = "10.1.0.0/16",
	.service_prefix = "192.0.2.0/24",
	.service_upper_half = "192.0.2.128/25",
	.dst_in = "192.0.2.10",
	.dst_in_upper = "192.0.2.200",
	.dst_out = "198.51.100.10",
	.bracket_open = "",
	.bracket_close = "",
	.icmp = IPPROTO_ICMP,
    },
    {
	.name = "IPv6",
	.blocked_src = "2001:db8:bad::1",
	.tagged_src = "fd00::1",
	.allowed_src = "2001:db8:bad:1::1",
	.clean_src = "2001:db8:c1ea::1",
	.block_range = "2001:db8:bad::/48",
	.tag_range = "fd00::/8",
	.allow_range = "2001:db8:bad:1::/64",
	.service_prefix = "2001:db8:5e::/48",
	.service_upper_half = "2001:db8:5e:8000::/49",
	.dst_in = "2001:db8:5e::10",
	.dst_in_upper = "2001:db8:5e:8000::200",
	.dst_out = "2001:db8:ffff::10",
	.bracket_open = "[",
	.bracket_close = "]",
	.icmp = IPPROTO_ICMPV6,
    },
};

#define NR_FAMILIES (sizeof(families) / sizeof(families[0]))
#define TAG_VALUE   7

struct ranges {
	__u32 block[NR_FAMILIES];
	__u32 tag[NR_FAMILIES];
	__u32 allow[NR_FAMILIES];
};

static struct ranges ids;

static void install_rules(struct xt_env *env)
{
	size_t i;

	for (i = 0; i < NR_FAMILIES; i++) {
		ids.block[i] =
		    xt_rule_add(env, families[i].block_range, XF_ACTION_DROP, 0, XF_FEED_MANUAL);
		ids.tag[i] = xt_rule_add(env, families[i].tag_range, XF_ACTION_TAG, TAG_VALUE,
					 XF_FEED_MANUAL);
		ids.allow[i] =
		    xt_rule_add(env, families[i].allow_range, XF_ACTION_ALLOW, 0, XF_FEED_MANUAL);
	}
}

static size_t fam_index(const struct family *f)
{
	return f - families;
}

static struct xt_expect expect_dropped(const struct family *f)
{
	return xt_expect_action(XF_ACTION_DROP, ids.block[fam_index(f)], XF_FEED_MANUAL, 0);
}

static struct xt_expect expect_tagged(const struct family *f)
{
	return xt_expect_action(XF_ACTION_TAG, ids.tag[fam_index(f)], XF_FEED_MANUAL, TAG_VALUE);
}

static struct xt_expect expect_allowed(const struct family *f)
{
	return xt_expect_action(XF_ACTION_ALLOW, ids.allow[fam_index(f)], XF_FEED_MANUAL, 0);
}

static struct xt_expect expect_passed(__u32 reason)
{
	return xt_expect_unmatched(XDP_PASS, reason, XF_VERDICT_PASS);
}

/* One packet: source, destination, protocol, port, TCP flags. */
static void check_flow(struct xt_env *env, const char *src, const char *dst, __u8 protocol,
		       __u16 dport, __u8 flags, const struct xt_expect *e, const char *what)
{
	struct xt_flow fl = {
	    .src = xt_addr(src),
	    .dst = xt_addr(dst),
	    .protocol = protocol,
	    .dport = dport,
	    .tcp_flags = flags,
	};
	struct xt_pkt p;

	xt_pkt_build(&p, &fl);
	xt_check_packet(env, &p, e, "%s -> %s proto %u port %u flags 0x%02x: %s", src, dst,
			protocol, dport, flags, what);
}

static void protect(struct xt_env *env, const char *spec)
{
	xt_assert_eq(xt_cli(env, "protect '%s'", spec), 0, "xdpfence protect %s", spec);
}

/* "[prefix]:port/proto" with the family's brackets. */
static void protect_service(struct xt_env *env, const struct family *f, const char *prefix,
			    int port, const char *proto)
{
	char spec[128];
	int n;

	n = snprintf(spec, sizeof(spec), "%s%s%s", f->bracket_open, prefix, f->bracket_close);
	if (port)
		n += snprintf(spec + n, sizeof(spec) - n, ":%d", port);
	if (proto)
		snprintf(spec + n, sizeof(spec) - n, "/%s", proto);
	protect(env, spec);
}

static void test_service_prefix_protocol_port(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xt_expect oos = expect_passed(XF_REASON_OUT_OF_SCOPE);
	struct xt_expect clean = expect_passed(XF_REASON_CLEAN);
	struct xf_config cfg;
	const struct family *f;

	install_rules(env);
	for (f = families; f < families + NR_FAMILIES; f++)
		protect_service(env, f, f->service_prefix, PORT_HTTPS, "tcp");
	xt_config_get(env, &cfg);
	xt_assert_eq(cfg.scope_enabled, 1, "scope_enabled after protect");

	for (f = families; f < families + NR_FAMILIES; f++) {
		struct xt_expect dropped = expect_dropped(f);
		struct xt_expect tagged = expect_tagged(f);

		check_flow(env, f->blocked_src, f->dst_in, IPPROTO_TCP, PORT_HTTPS, XT_TCP_SYN,
			   &dropped, "protected service");
		check_flow(env, f->tagged_src, f->dst_in, IPPROTO_TCP, PORT_HTTPS, XT_TCP_SYN,
			   &tagged, "protected service, tag range");
		check_flow(env, f->clean_src, f->dst_in, IPPROTO_TCP, PORT_HTTPS, XT_TCP_SYN,
			   &clean, "protected service, clean source");
		check_flow(env, f->blocked_src, f->dst_in, IPPROTO_TCP, PORT_HTTP, XT_TCP_SYN, &oos,
			   "other port");
		check_flow(env, f->blocked_src, f->dst_in, IPPROTO_UDP, PORT_HTTPS, 0, &oos,
			   "other protocol");
		check_flow(env, f->blocked_src, f->dst_out, IPPROTO_TCP, PORT_HTTPS, XT_TCP_SYN,
			   &oos, "other destination");
		check_flow(env, f->blocked_src, f->dst_in, f->icmp, 0, 0, &oos, "ICMP");
	}
}

static void test_service_any_port(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xt_expect oos = expect_passed(XF_REASON_OUT_OF_SCOPE);
	const struct family *f;

	install_rules(env);
	for (f = families; f < families + NR_FAMILIES; f++)
		protect_service(env, f, f->service_prefix, 0, NULL);
	for (f = families; f < families + NR_FAMILIES; f++) {
		struct xt_expect dropped = expect_dropped(f);

		check_flow(env, f->blocked_src, f->dst_in, IPPROTO_TCP, PORT_SSH, XT_TCP_SYN,
			   &dropped, "any port, TCP");
		check_flow(env, f->blocked_src, f->dst_in, IPPROTO_UDP, PORT_DNS, 0, &dropped,
			   "any port, UDP");
		check_flow(env, f->blocked_src, f->dst_out, IPPROTO_UDP, PORT_DNS, 0, &oos,
			   "any port, other destination");
		/* services are TCP/UDP: other protocols are never in scope */
		check_flow(env, f->blocked_src, f->dst_in, f->icmp, 0, 0, &oos, "ICMP");
	}
}

/* A service named by port alone covers every destination of both families. */
static void test_service_port_only(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xt_expect oos = expect_passed(XF_REASON_OUT_OF_SCOPE);
	const struct family *f;

	install_rules(env);
	protect(env, ":53/udp");
	for (f = families; f < families + NR_FAMILIES; f++) {
		struct xt_expect dropped = expect_dropped(f);

		check_flow(env, f->blocked_src, f->dst_out, IPPROTO_UDP, PORT_DNS, 0, &dropped,
			   "port-only service");
		check_flow(env, f->blocked_src, f->dst_in, IPPROTO_UDP, PORT_DNS, 0, &dropped,
			   "port-only service");
		check_flow(env, f->blocked_src, f->dst_out, IPPROTO_TCP, PORT_DNS, XT_TCP_SYN, &oos,
			   "port-only service, other protocol");
		check_flow(env, f->blocked_src, f->dst_out, IPPROTO_UDP, PORT_DNS + 1, 0, &oos,
			   "port-only service, other port");
	}
}

/* Two services on nested prefixes: the trie answers with the longest
 * match, which must still carry the enclosing service. */
static void test_nested_services(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xt_expect oos = expect_passed(XF_REASON_OUT_OF_SCOPE);
	const struct family *f;

	install_rules(env);
	for (f = families; f < families + NR_FAMILIES; f++) {
		protect_service(env, f, f->service_prefix, PORT_HTTPS, "tcp");
		protect_service(env, f, f->service_upper_half, PORT_SSH, "tcp");
	}
	for (f = families; f < families + NR_FAMILIES; f++) {
		struct xt_expect dropped = expect_dropped(f);

		check_flow(env, f->blocked_src, f->dst_in_upper, IPPROTO_TCP, PORT_HTTPS,
			   XT_TCP_SYN, &dropped, "outer service from the inner prefix");
		check_flow(env, f->blocked_src, f->dst_in_upper, IPPROTO_TCP, PORT_SSH, XT_TCP_SYN,
			   &dropped, "inner service");
		check_flow(env, f->blocked_src, f->dst_in, IPPROTO_TCP, PORT_SSH, XT_TCP_SYN, &oos,
			   "inner service's port outside its prefix");
		check_flow(env, f->blocked_src, f->dst_in, IPPROTO_TCP, PORT_HTTPS, XT_TCP_SYN,
			   &dropped, "outer service");
	}
}

/* A later fragment has no port: destination and protocol decide. */
static void test_fragment_in_scope(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xt_expect oos = expect_passed(XF_REASON_OUT_OF_SCOPE);
	const struct family *f;

	install_rules(env);
	for (f = families; f < families + NR_FAMILIES; f++)
		protect_service(env, f, f->service_prefix, PORT_HTTPS, "udp");
	for (f = families; f < families + NR_FAMILIES; f++) {
		struct xf_addr src = xt_addr(f->blocked_src);
		const char *dsts[] = {f->dst_in, f->dst_out};
		struct xt_expect dropped = expect_dropped(f);
		int i;

		for (i = 0; i < 2; i++) {
			struct xf_addr dst = xt_addr(dsts[i]);
			struct xt_pkt p;

			xt_pkt_init(&p);
			xt_pkt_eth(&p);
			xt_pkt_ip(&p, &src, &dst);
			xt_pkt_frag(&p, FRAG_OFFSET, false);
			xt_pkt_ip_proto(&p, IPPROTO_UDP);
			xt_pkt_payload(&p, FRAG_PAYLOAD);
			xt_pkt_finish(&p);
			xt_check_packet(env, &p, i == 0 ? &dropped : &oos,
					"%s later UDP fragment to %s", f->name, dsts[i]);
		}
	}
}

static void test_unprotect_all_filters_everything(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xt_expect oos = expect_passed(XF_REASON_OUT_OF_SCOPE);
	struct xf_config cfg;
	const struct family *f;

	install_rules(env);
	for (f = families; f < families + NR_FAMILIES; f++)
		protect_service(env, f, f->service_prefix, PORT_HTTPS, "tcp");
	f = &families[0];
	check_flow(env, f->blocked_src, f->dst_out, IPPROTO_UDP, PORT_DNS, 0, &oos,
		   "before unprotect");
	xt_assert_eq(xt_cli(env, "unprotect --all"), 0, "xdpfence unprotect --all");
	xt_config_get(env, &cfg);
	xt_assert_eq(cfg.scope_enabled, 0, "scope_enabled after unprotect --all");
	for (f = families; f < families + NR_FAMILIES; f++) {
		struct xt_expect dropped = expect_dropped(f);

		check_flow(env, f->blocked_src, f->dst_out, IPPROTO_UDP, PORT_DNS, 0, &dropped,
			   "no services: all traffic filtered");
	}
}

/* The maps as the ABI describes them, written directly: a packet is in
 * scope when the destination's and the port's service bits meet. */
static void set_scope_maps(struct xt_env *env, const char *prefix, __u64 dst_bits, __u8 protocol,
			   __u16 port, __u64 port_bits)
{
	struct xf_port_key pkey = {.protocol = protocol, .port = port};
	struct xf_prefix pre = xt_prefix(prefix);
	struct xf_lpm_key key;

	xf_prefix_to_key(&pre, &key);
	assert_int_equal(
	    bpf_map_update_elem(env->st.map_fd[XF_MAP_SCOPE_DST], &key, &dst_bits, BPF_ANY), 0);
	assert_int_equal(
	    bpf_map_update_elem(env->st.map_fd[XF_MAP_SCOPE_PORT], &pkey, &port_bits, BPF_ANY), 0);
}

static void test_scope_maps_direct(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xt_expect oos = expect_passed(XF_REASON_OUT_OF_SCOPE);
	const struct family *f = &families[1];
	struct xt_expect dropped;

	install_rules(env);
	dropped = expect_dropped(f);
	xt_config_set(env, scope_enabled, 1);
	/* service 0 on the prefix, any UDP port */
	set_scope_maps(env, f->service_prefix, SERVICE_BIT(0), IPPROTO_UDP, 0, SERVICE_BIT(0));
	check_flow(env, f->blocked_src, f->dst_in, IPPROTO_UDP, PORT_DNS, 0, &dropped,
		   "dst and any-port bits meet");
	/* the port now belongs to another service only */
	set_scope_maps(env, f->service_prefix, SERVICE_BIT(0), IPPROTO_UDP, 0, SERVICE_BIT(1));
	check_flow(env, f->blocked_src, f->dst_in, IPPROTO_UDP, PORT_DNS, 0, &oos,
		   "dst and port bits apart");
	set_scope_maps(env, f->service_prefix, SERVICE_BIT(0), IPPROTO_UDP, PORT_DNS,
		       SERVICE_BIT(0));
	check_flow(env, f->blocked_src, f->dst_in, IPPROTO_UDP, PORT_DNS, 0, &dropped,
		   "exact port bits meet");
	xt_config_set(env, scope_enabled, 0);
	check_flow(env, f->blocked_src, f->dst_out, IPPROTO_UDP, PORT_DNS, 0, &dropped,
		   "scope switched off");
}

/* ---- new-only ---- */

static void check_new_only_family(struct xt_env *env, const struct family *f)
{
	struct xt_expect established = expect_passed(XF_REASON_ESTABLISHED);
	struct xt_expect clean = expect_passed(XF_REASON_CLEAN);
	struct xt_expect dropped = expect_dropped(f);
	struct xt_expect tagged = expect_tagged(f);
	struct xt_expect allowed = expect_allowed(f);

	check_flow(env, f->blocked_src, f->dst_in, IPPROTO_TCP, PORT_HTTPS, XT_TCP_SYN, &dropped,
		   "SYN from a blocked source");
	check_flow(env, f->blocked_src, f->dst_in, IPPROTO_TCP, PORT_HTTPS, XT_TCP_ACK,
		   &established, "ACK from a blocked source");
	check_flow(env, f->blocked_src, f->dst_in, IPPROTO_TCP, PORT_HTTPS, XT_TCP_SYN | XT_TCP_ACK,
		   &established, "SYN-ACK from a blocked source");
	check_flow(env, f->blocked_src, f->dst_in, IPPROTO_TCP, PORT_HTTPS, 0, &established,
		   "TCP without SYN from a blocked source");
	check_flow(env, f->blocked_src, f->dst_in, IPPROTO_UDP, PORT_DNS, 0, &dropped,
		   "UDP from a blocked source");
	check_flow(env, f->tagged_src, f->dst_in, IPPROTO_TCP, PORT_HTTPS, XT_TCP_SYN, &tagged,
		   "SYN from a tag range");
	check_flow(env, f->tagged_src, f->dst_in, IPPROTO_TCP, PORT_HTTPS, XT_TCP_ACK, &established,
		   "ACK from a tag range");
	/* the allowlist is counted whatever the connection state */
	check_flow(env, f->allowed_src, f->dst_in, IPPROTO_TCP, PORT_HTTPS, XT_TCP_ACK, &allowed,
		   "ACK from an allowlisted source");
	check_flow(env, f->clean_src, f->dst_in, IPPROTO_TCP, PORT_HTTPS, XT_TCP_ACK, &clean,
		   "ACK from a clean source");
}

static void test_new_only(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xt_expect established = expect_passed(XF_REASON_ESTABLISHED);
	const struct family *f;

	install_rules(env);
	xt_assert_eq(xt_cli(env, "config set new-only on"), 0, "xdpfence config set new-only on");
	for (f = families; f < families + NR_FAMILIES; f++)
		check_new_only_family(env, f);
	xt_config_set(env, new_conn_only, 0);
	for (f = families; f < families + NR_FAMILIES; f++) {
		struct xt_expect dropped = expect_dropped(f);

		check_flow(env, f->blocked_src, f->dst_in, IPPROTO_TCP, PORT_HTTPS, XT_TCP_ACK,
			   &dropped, "ACK from a blocked source, new-only off");
	}
	xt_config_set(env, new_conn_only, 1);
	f = &families[0];
	check_flow(env, f->blocked_src, f->dst_in, IPPROTO_TCP, PORT_HTTPS, XT_TCP_ACK,
		   &established, "ACK from a blocked source, new-only on again");
}

/* Scope first, then connection state. */
static void test_new_only_with_scope(void **state)
{
	struct xt_env *env = xt_env(state);
	struct xt_expect established = expect_passed(XF_REASON_ESTABLISHED);
	struct xt_expect oos = expect_passed(XF_REASON_OUT_OF_SCOPE);
	const struct family *f;

	install_rules(env);
	for (f = families; f < families + NR_FAMILIES; f++)
		protect_service(env, f, f->service_prefix, PORT_HTTPS, "tcp");
	xt_config_set(env, new_conn_only, 1);
	for (f = families; f < families + NR_FAMILIES; f++) {
		struct xt_expect dropped = expect_dropped(f);

		check_flow(env, f->blocked_src, f->dst_in, IPPROTO_TCP, PORT_HTTPS, XT_TCP_SYN,
			   &dropped, "SYN to a protected service");
		check_flow(env, f->blocked_src, f->dst_in, IPPROTO_TCP, PORT_HTTPS, XT_TCP_ACK,
			   &established, "ACK to a protected service");
		check_flow(env, f->blocked_src, f->dst_out, IPPROTO_TCP, PORT_HTTPS, XT_TCP_SYN,
			   &oos, "SYN elsewhere");
	}
}

static int group_setup(void **state)
{
	return xt_group_setup(state, "scope", TEST_MAX_RANGES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_service_prefix_protocol_port, xt_test_reset),
	    cmocka_unit_test_setup(test_service_any_port, xt_test_reset),
	    cmocka_unit_test_setup(test_service_port_only, xt_test_reset),
	    cmocka_unit_test_setup(test_nested_services, xt_test_reset),
	    cmocka_unit_test_setup(test_fragment_in_scope, xt_test_reset),
	    cmocka_unit_test_setup(test_unprotect_all_filters_everything, xt_test_reset),
	    cmocka_unit_test_setup(test_scope_maps_direct, xt_test_reset),
	    cmocka_unit_test_setup(test_new_only, xt_test_reset),
	    cmocka_unit_test_setup(test_new_only_with_scope, xt_test_reset),
	};

	return cmocka_run_group_tests(tests, group_setup, xt_group_teardown);
}
