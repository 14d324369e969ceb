// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* events: print the sampled drop/tag events from the ring buffer, one per
 * line (a JSON object per line with -j), until --count events arrived or
 * --timeout seconds passed. */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "addr.h"
#include "clock.h"
#include "cli.h"
#include "names.h"

struct events_ctx {
	struct xf_cli *cli;
	const struct xf_state *st;
	long seen;
	long wanted;
};

static void render_event(struct json_object *ev)
{
	printf("%-5s %-40s -> %-40s %-4s port %-5lld range %-8lld %s\n",
	       xf_json_str(ev, "verdict"), xf_json_str(ev, "source"),
	       xf_json_str(ev, "destination"), xf_json_str(ev, "protocol"),
	       xf_json_int(ev, "dst_port"), xf_json_int(ev, "range_id"), xf_json_str(ev, "reason"));
}

static int handle_event(void *data, void *raw, size_t size)
{
	struct events_ctx *ctx = data;
	const struct xf_event *e = raw;
	struct json_object *o;
	char src[XF_PREFIX_STRLEN], dst[XF_PREFIX_STRLEN], feed[XF_FEED_NAME_MAX + 8];
	char ifname[XF_IFNAME_MAX + 16];
	const char *proto;

	/* one poll may hand over more than --count asked for */
	if (size < sizeof(*e) || (ctx->wanted && ctx->seen >= ctx->wanted))
		return 0;
	xf_addr_format(&e->src, src, sizeof(src));
	xf_addr_format(&e->dst, dst, sizeof(dst));
	proto = e->protocol == IPPROTO_TCP    ? "tcp"
		: e->protocol == IPPROTO_UDP  ? "udp"
		: e->protocol == IPPROTO_ICMP ? "icmp"
		: e->protocol == IPPROTO_ICMPV6 ? "icmp6"
						: "other";
	xf_iface_name(ctx->st, e->ifindex, ifname, sizeof(ifname));
	o = json_object_new_object();
	json_object_object_add(o, "timestamp_ns", json_object_new_uint64(e->timestamp_ns));
	json_object_object_add(o, "interface", json_object_new_string(ifname));
	json_object_object_add(o, "source", json_object_new_string(src));
	json_object_object_add(o, "destination", json_object_new_string(dst));
	json_object_object_add(o, "protocol", json_object_new_string(proto));
	json_object_object_add(o, "dst_port", json_object_new_int(e->dst_port));
	json_object_object_add(o, "range_id", json_object_new_int64(e->range_id));
	json_object_object_add(o, "feed", json_object_new_string(
						  xf_feed_name(ctx->st, e->feed_id, feed, sizeof(feed))));
	json_object_object_add(o, "action", json_object_new_string(xf_action_name(e->action)));
	json_object_object_add(o, "verdict", json_object_new_string(xf_verdict_name(e->verdict)));
	json_object_object_add(o, "reason", json_object_new_string(xf_reason_name(e->reason)));
	xf_output(ctx->cli, o, render_event);
	ctx->seen++;
	return 0;
}

int xf_cmd_events(struct xf_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct events_ctx ctx = { .cli = cli, .wanted = 0 };
	struct ring_buffer *rb = NULL;
	double timeout = 0, deadline;
	struct xf_state st;
	char *end;
	int c, err = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:t:", opts, NULL)) != -1) {
		if (c == 'c') {
			ctx.wanted = strtol(optarg, &end, 10);
			if (*end || ctx.wanted < 0 || !*optarg)
				return xf_usage_error(cli, "events", "events: bad --count '%s'",
						      optarg);
		} else if (c == 't') {
			timeout = strtod(optarg, &end);
			if (*end || timeout < 0 || !*optarg)
				return xf_usage_error(cli, "events", "events: bad --timeout '%s'",
						      optarg);
		} else {
			return xf_usage_error(cli, "events", "events: unknown option '%s'",
					      argv[optind - 1]);
		}
	}
	if (xf_cli_open_state(cli, &st, false))
		return 1;
	ctx.st = &st;
	rb = ring_buffer__new(st.map_fd[XF_MAP_EVENTS], handle_event, &ctx, NULL);
	if (!rb) {
		err = -errno;
		xf_state_close(&st);
		return xf_fail(cli, "events: cannot open the event ring buffer: %s", strerror(-err));
	}
	deadline = xf_now_ms() / 1e3 + timeout;
	while (!ctx.wanted || ctx.seen < ctx.wanted) {
		double left = deadline - xf_now_ms() / 1e3;
		int wait_ms = timeout ? (left > 0.2 ? 200 : (int)(left * 1000)) : 200;

		if (timeout && left <= 0)
			break;
		err = ring_buffer__poll(rb, wait_ms > 0 ? wait_ms : 0);
		if (err == -EINTR) {
			err = 0;
			break;
		}
		if (err < 0)
			break;
		err = 0;
	}
	ring_buffer__free(rb);
	xf_state_close(&st);
	if (err)
		return xf_fail(cli, "events: %s", strerror(-err));
	return 0;
}
