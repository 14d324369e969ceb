// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Traffic generator of the live benchmark (tests/bench/live/run.sh) and of
 * tests/e2e/test_trafficgen.sh. One UDP frame template, sent out of a veth
 * with BPF_PROG_RUN in live-frames mode: the XDP program
 * (bpf/xdpfence_trafficgen.bpf.c) gives each frame the next source address
 * of a table loaded from a file and returns XDP_TX, and the kernel transmits
 * it to the veth's peer. No socket, no qdisc, one CPU.
 *
 * Destinations are documentation addresses only (192.0.2.0/24,
 * 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32): anything else is refused.
 *
 *   xdpfence-trafficgen send --dev IFACE --sources FILE --dst-mac MAC [--dst ADDR]
 *                            [--port N] [--count N | --seconds S] [--batch N] [--pace-us N]
 *       FILE: one source address per line, all of one family (at most 2^20); frame i
 *       gets source i mod N. Default destination 192.0.2.1 / 2001:db8:1::1, port 9.
 *       --seconds: as many frames as fit; --count: exactly N frames (with --pace-us,
 *       in test runs of --batch frames with a pause between them, so that a slow
 *       receiver's ring cannot overflow). Prints one JSON object: frames run,
 *       seconds, busy_seconds (inside the test runs), calls, pps (frames / busy).
 *   xdpfence-trafficgen xdp-drop IFACE   attach a bare XDP_DROP (native mode; stays
 *                                        attached after exit: `ip link set IFACE xdp off`)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "trafficgen.h"
#include "xdpfence_trafficgen.skel.h"

#define FRAME_PAYLOAD	 18 /* a 60-byte IPv4 frame, the Ethernet minimum without FCS */
#define SPORT		 40000
#define DEFAULT_PORT	 9 /* discard: nothing listens on the receiver */
#define DEFAULT_BATCH	 64
#define CALIBRATE_FRAMES (1u << 16)    /* the first test run of --seconds mode */
#define RUN_SLICE_S	 1.0	       /* then test runs of about this long */
#define CHUNK_MAX	 0xffffffffull /* the kernel's repeat count is 32 bits */

struct frame {
	__u8 data[128];
	size_t len;
	int family; /* AF_INET or AF_INET6 */
	size_t l3, l4;
};

struct send_opts {
	const char *dev;
	const char *sources;
	const char *dst;
	__u8 dst_mac[ETH_ALEN];
	bool have_dst_mac;
	unsigned int port;
	unsigned long long count;
	double seconds;
	unsigned int batch;
	unsigned int pace_us;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: xdpfence-trafficgen send --dev IFACE --sources FILE --dst-mac MAC"
		   " [--dst ADDR] [--port N]\n"
		   "                            [--count N | --seconds S] [--batch N]"
		   " [--pace-us N]\n"
		   "       xdpfence-trafficgen xdp-drop IFACE\n");
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The hard rule of the benchmarks: traffic goes to documentation space. */
static bool is_documentation(int family, const __u8 *a)
{
	static const __u8 v4[][3] = { { 192, 0, 2 }, { 198, 51, 100 }, { 203, 0, 113 } };
	static const __u8 v6[] = { 0x20, 0x01, 0x0d, 0xb8 };
	size_t i;

	if (family == AF_INET6)
		return !memcmp(a, v6, sizeof(v6));
	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
		if (!memcmp(a, v4[i], sizeof(v4[i])))
			return true;
	return false;
}

static __u32 csum_add(__u32 sum, const void *buf, size_t len)
{
	const __u8 *p = buf;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

/* one's-complement sum folded and inverted, in network order */
static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static int parse_mac(const char *s, __u8 *mac)
{
	unsigned int b[ETH_ALEN];
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) !=
	    ETH_ALEN)
		return -EINVAL;
	for (i = 0; i < ETH_ALEN; i++)
		mac[i] = b[i];
	return 0;
}

static int dev_mac(const char *dev, __u8 *mac)
{
	struct ifreq ifr = {};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
	return err;
}

/* Ethernet + IPv4/IPv6 + UDP, source address left zero (the program and the
 * per-source checksums fill it in). */
static void build_frame(struct frame *f, int family, const __u8 *src_mac, const __u8 *dst_mac,
			const __u8 *dst, unsigned int port)
{
	struct ethhdr *eth = (void *)f->data;
	struct udphdr *udp;
	size_t l4_len = sizeof(*udp) + FRAME_PAYLOAD;

	memset(f, 0, sizeof(*f));
	f->family = family;
	memcpy(eth->h_dest, dst_mac, ETH_ALEN);
	memcpy(eth->h_source, src_mac, ETH_ALEN);
	f->l3 = sizeof(*eth);
	if (family == AF_INET) {
		struct iphdr *ip = (void *)(eth + 1);

		eth->h_proto = htons(ETH_P_IP);
		ip->version = 4;
		ip->ihl = sizeof(*ip) / 4;
		ip->tot_len = htons(sizeof(*ip) + l4_len);
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		memcpy(&ip->daddr, dst, sizeof(ip->daddr));
		udp = (void *)(ip + 1);
	} else {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		eth->h_proto = htons(ETH_P_IPV6);
		ip6->version = 6;
		ip6->payload_len = htons(l4_len);
		ip6->nexthdr = IPPROTO_UDP;
		ip6->hop_limit = 64;
		memcpy(&ip6->daddr, dst, sizeof(ip6->daddr));
		udp = (void *)(ip6 + 1);
	}
	f->l4 = (__u8 *)udp - f->data;
	udp->source = htons(SPORT);
	udp->dest = htons(port);
	udp->len = htons(l4_len);
	f->len = f->l4 + l4_len;
}

/* The checksums the frame has with source address `src`. */
static void source_entry(const struct frame *f, const __u8 *src, struct xf_tgen_src *e)
{
	const struct udphdr *tmpl_udp = (const void *)(f->data + f->l4);
	size_t l4_len = ntohs(tmpl_udp->len);
	struct udphdr udp = *tmpl_udp;
	__u32 sum = 0;
	__u8 pseudo_tail[4] = { 0, 0, 0, IPPROTO_UDP };
	__u16 check;

	memset(e, 0, sizeof(*e));
	udp.check = 0;
	if (f->family == AF_INET) {
		struct iphdr ip = *(const struct iphdr *)(f->data + f->l3);

		memcpy(e->addr, src, 4);
		memcpy(&ip.saddr, src, sizeof(ip.saddr));
		ip.check = 0;
		e->ip_check = csum_fold(csum_add(0, &ip, ip.ihl * 4));
		sum = csum_add(sum, &ip.saddr, sizeof(ip.saddr));
		sum = csum_add(sum, &ip.daddr, sizeof(ip.daddr));
	} else {
		const struct ipv6hdr *ip6 = (const void *)(f->data + f->l3);

		memcpy(e->addr, src, 16);
		sum = csum_add(sum, src, 16);
		sum = csum_add(sum, &ip6->daddr, sizeof(ip6->daddr));
	}
	/* pseudo-header length and protocol, then the UDP header and payload */
	pseudo_tail[0] = l4_len >> 24;
	pseudo_tail[1] = l4_len >> 16;
	sum = csum_add(sum, pseudo_tail, sizeof(pseudo_tail));
	sum += l4_len & 0xffff;
	sum = csum_add(sum, &udp, sizeof(udp));
	sum = csum_add(sum, f->data + f->l4 + sizeof(udp), l4_len - sizeof(udp));
	check = csum_fold(sum);
	e->udp_check = check ? check : 0xffff; /* 0 means "no checksum" in UDP */
}

/* Read FILE into a source table (malloc'd); the first address sets the family. */
static int read_sources(const char *path, const struct frame *tmpl_v4, const struct frame *tmpl_v6,
			struct xf_tgen_src **out, int *family, __u32 *n)
{
	struct xf_tgen_src *tab = NULL;
	size_t cap = 0;
	char line[128];
	int err = 0;
	FILE *f;

	*n = 0;
	*family = 0;
	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		fprintf(stderr, "trafficgen: %s: %s\n", path, strerror(errno));
		return err;
	}
	while (fgets(line, sizeof(line), f)) {
		__u8 a[16];
		int fam;

		line[strcspn(line, " \t\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		fam = strchr(line, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(fam, line, a) != 1) {
			fprintf(stderr, "trafficgen: %s: '%s' is not an address\n", path, line);
			err = -EINVAL;
			goto out;
		}
		if (!*family)
			*family = fam;
		if (fam != *family) {
			fprintf(stderr, "trafficgen: %s: '%s': sources must be of one family\n",
				path, line);
			err = -EINVAL;
			goto out;
		}
		if (*n >= XF_TGEN_MAX_SRCS) {
			fprintf(stderr, "trafficgen: %s: more than %u sources\n", path,
				XF_TGEN_MAX_SRCS);
			err = -E2BIG;
			goto out;
		}
		if (*n == cap) {
			struct xf_tgen_src *t;

			cap = cap ? cap * 2 : 4096;
			t = realloc(tab, cap * sizeof(*tab));
			if (!t) {
				err = -ENOMEM;
				goto out;
			}
			tab = t;
		}
		source_entry(fam == AF_INET ? tmpl_v4 : tmpl_v6, a, &tab[(*n)++]);
	}
	if (!*n) {
		fprintf(stderr, "trafficgen: %s: no source address\n", path);
		err = -ENOENT;
	}
out:
	fclose(f);
	if (err)
		free(tab);
	else
		*out = tab;
	return err;
}

static int fill_sources(struct xdpfence_trafficgen_bpf *skel, const struct xf_tgen_src *tab,
			__u32 n)
{
	int fd = bpf_map__fd(skel->maps.xf_tgen_srcs);
	__u32 i;

	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, &i, &tab[i], BPF_ANY))
			return -errno;
	return 0;
}

static int parse_send_opts(int argc, char **argv, struct send_opts *o)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "sources", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'D' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "port", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 't' },
		{ "batch", required_argument, NULL, 'b' },
		{ "pace-us", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->port = DEFAULT_PORT;
	o->batch = DEFAULT_BATCH;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dev = optarg;
			break;
		case 's':
			o->sources = optarg;
			break;
		case 'D':
			o->dst = optarg;
			break;
		case 'm':
			if (parse_mac(optarg, o->dst_mac)) {
				fprintf(stderr, "trafficgen: '%s' is not a MAC address\n", optarg);
				return -EINVAL;
			}
			o->have_dst_mac = true;
			break;
		case 'p':
			o->port = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			o->count = strtoull(optarg, NULL, 0);
			break;
		case 't':
			o->seconds = strtod(optarg, NULL);
			break;
		case 'b':
			o->batch = strtoul(optarg, NULL, 0);
			break;
		case 'P':
			o->pace_us = strtoul(optarg, NULL, 0);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (!o->dev || !o->sources || !o->have_dst_mac || (!o->count == !(o->seconds > 0)) ||
	    !o->port || o->port > 65535 || !o->batch || optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* Run the generator: `count` frames, or as many as fit in `seconds`.
 * Every test run call sets up and tears down its own page pool, which
 * takes milliseconds (an RCU grace period), so --seconds mode makes few long
 * calls: the first one measures the rate, the next ones last ~RUN_SLICE_S.
 * `busy` is the time spent inside the calls. */
static int run(int prog_fd, const struct frame *f, int ifindex, const struct send_opts *o,
	       unsigned long long *frames, double *busy, unsigned int *calls)
{
	struct xdp_md ctx = { .data_end = f->len, .ingress_ifindex = ifindex };
	double start = now_s(), rate = 0;
	int err = 0;

	*frames = 0;
	*busy = 0;
	*calls = 0;
	for (;;) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->data, .data_size_in = f->len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = o->batch);
		double t0, left_s = o->seconds - (now_s() - start);
		unsigned long long chunk;

		if (o->count) {
			if (*frames >= o->count)
				break;
			chunk = o->count - *frames;
			if (o->pace_us && chunk > o->batch)
				chunk = o->batch;
			if (chunk > CHUNK_MAX)
				chunk = CHUNK_MAX;
		} else {
			if (left_s <= 0)
				break;
			if (left_s > RUN_SLICE_S)
				left_s = RUN_SLICE_S;
			chunk = rate > 0 ? (unsigned long long)(rate * left_s) + o->batch
					 : CALIBRATE_FRAMES;
			if (chunk > CHUNK_MAX)
				chunk = CHUNK_MAX;
		}
		opts.repeat = chunk;
		t0 = now_s();
		if (bpf_prog_test_run_opts(prog_fd, &opts)) {
			err = -errno;
			if (err != -EINTR)
				fprintf(stderr, "trafficgen: test run on %s: %s\n", o->dev,
					strerror(errno));
			break;
		}
		t0 = now_s() - t0;
		*busy += t0;
		(*calls)++;
		*frames += chunk;
		if (t0 > 0)
			rate = chunk / t0;
		if (o->pace_us)
			usleep(o->pace_us);
	}
	return err;
}

static int cmd_send(int argc, char **argv)
{
	struct xdpfence_trafficgen_bpf *skel = NULL;
	struct frame tmpl_v4, tmpl_v6, *tmpl;
	struct xf_tgen_src *tab = NULL;
	__u8 src_mac[ETH_ALEN], dst4[4], dst6[16];
	unsigned long long frames = 0;
	unsigned int calls = 0;
	struct send_opts o;
	double busy = 0, elapsed;
	int ifindex, family, err;
	__u32 nsrcs;

	err = parse_send_opts(argc, argv, &o);
	if (err)
		return 2;
	ifindex = if_nametoindex(o.dev);
	if (!ifindex) {
		fprintf(stderr, "trafficgen: interface '%s': %s\n", o.dev, strerror(errno));
		return 1;
	}
	err = dev_mac(o.dev, src_mac);
	if (err) {
		fprintf(stderr, "trafficgen: interface '%s': no MAC address: %s\n", o.dev,
			strerror(-err));
		return 1;
	}
	inet_pton(AF_INET, "192.0.2.1", dst4);
	inet_pton(AF_INET6, "2001:db8:1::1", dst6);
	if (o.dst) {
		int fam = strchr(o.dst, ':') ? AF_INET6 : AF_INET;

		if (inet_pton(fam, o.dst, fam == AF_INET ? dst4 : dst6) != 1) {
			fprintf(stderr, "trafficgen: '%s' is not an address\n", o.dst);
			return 2;
		}
		if (!is_documentation(fam, fam == AF_INET ? dst4 : dst6)) {
			fprintf(stderr,
				"trafficgen: destination %s refused: only documentation "
				"addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, "
				"2001:db8::/32)\n",
				o.dst);
			return 2;
		}
	}
	build_frame(&tmpl_v4, AF_INET, src_mac, o.dst_mac, dst4, o.port);
	build_frame(&tmpl_v6, AF_INET6, src_mac, o.dst_mac, dst6, o.port);

	err = read_sources(o.sources, &tmpl_v4, &tmpl_v6, &tab, &family, &nsrcs);
	if (err)
		return 1;
	if (o.dst && (strchr(o.dst, ':') ? AF_INET6 : AF_INET) != family) {
		fprintf(stderr, "trafficgen: destination %s and the sources differ in family\n",
			o.dst);
		err = -EINVAL;
		goto out;
	}
	skel = xdpfence_trafficgen_bpf__open();
	if (!skel) {
		err = -errno;
		fprintf(stderr, "trafficgen: cannot open the BPF object: %s\n", strerror(-err));
		goto out;
	}
	skel->rodata->xf_tgen_nsrcs = nsrcs;
	bpf_map__set_max_entries(skel->maps.xf_tgen_srcs, nsrcs);
	err = xdpfence_trafficgen_bpf__load(skel);
	if (err) {
		fprintf(stderr, "trafficgen: cannot load the BPF programs: %s\n", strerror(-err));
		goto out;
	}
	err = fill_sources(skel, tab, nsrcs);
	if (err) {
		fprintf(stderr, "trafficgen: source table: %s\n", strerror(-err));
		goto out;
	}
	tmpl = family == AF_INET ? &tmpl_v4 : &tmpl_v6;
	elapsed = now_s();
	err =
	    run(bpf_program__fd(skel->progs.xf_tgen_tx), tmpl, ifindex, &o, &frames, &busy, &calls);
	elapsed = now_s() - elapsed;
	if (err == -EINTR)
		err = 0; /* interrupted: report what ran */
	printf("{\"frames\": %llu, \"seconds\": %.6f, \"busy_seconds\": %.6f, \"calls\": %u, "
	       "\"pps\": %.0f, \"sources\": %u, \"family\": \"%s\", \"frame_bytes\": %zu}\n",
	       frames, elapsed, busy, calls, busy > 0 ? frames / busy : 0.0, nsrcs,
	       family == AF_INET ? "v4" : "v6", tmpl->len);
out:
	xdpfence_trafficgen_bpf__destroy(skel);
	free(tab);
	return err ? 1 : 0;
}

static int cmd_xdp_drop(int argc, char **argv)
{
	struct xdpfence_trafficgen_bpf *skel;
	int ifindex, err;

	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "trafficgen: interface '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	skel = xdpfence_trafficgen_bpf__open();
	if (!skel) {
		fprintf(stderr, "trafficgen: cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	/* the generator's table is not needed here */
	bpf_map__set_max_entries(skel->maps.xf_tgen_srcs, 1);
	bpf_program__set_autoload(skel->progs.xf_tgen_tx, false);
	err = xdpfence_trafficgen_bpf__load(skel);
	if (err) {
		fprintf(stderr, "trafficgen: cannot load the BPF programs: %s\n", strerror(-err));
		goto out;
	}
	/* netlink attachment: it holds the program after this process exits */
	err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.xf_tgen_drop),
			     XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (err)
		fprintf(stderr, "trafficgen: attach XDP_DROP to %s (native): %s\n", argv[1],
			strerror(-err));
out:
	xdpfence_trafficgen_bpf__destroy(skel);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	libbpf_set_print(libbpf_print);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "send"))
		return cmd_send(argc - 1, argv + 1);
	if (!strcmp(argv[1], "xdp-drop"))
		return cmd_xdp_drop(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
