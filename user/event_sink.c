// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "addr.h"
#include "clock.h"
#include "event_sink.h"
#include "log.h"
#include "names.h"

#define POLL_MS 200
/* how often the foreground run looks at --count, --timeout and signals */
#define WAIT_TICK_MS 20

enum sink_kind {
	SINK_STDOUT,
	SINK_FILE,
	SINK_SYSLOG,
};

struct xf_event_sink {
	struct xf_cli cli;
	struct xf_state st;
	bool st_open;
	struct ring_buffer *rb;
	struct xf_rate_limit limit;
	enum sink_kind kind;
	FILE *file;
	unsigned long long count; /* stop writing after this many; 0: never */
	atomic_ullong written, rate_limited, failed;
	pthread_t thread;
	bool threaded;
	atomic_bool stop, thread_done;
	atomic_int thread_err; /* the thread stopped on this error */
};

/* ---------------------------------------------------------------- record */

/* A bpf_ktime_get_ns() timestamp (CLOCK_MONOTONIC) as wall-clock time,
 * ISO 8601 in UTC with microseconds. */
static const char *wall_time(unsigned long long mono_ns, char *buf, size_t len)
{
	struct timespec mono, real;
	long long ns;
	time_t sec;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	ns = (long long)real.tv_sec * 1000000000LL + real.tv_nsec -
	     ((long long)mono.tv_sec * 1000000000LL + mono.tv_nsec - (long long)mono_ns);
	sec = ns / 1000000000LL;
	gmtime_r(&sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06lldZ", ns % 1000000000LL / 1000);
	return buf;
}

static const char *protocol_name(__u8 protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmp6";
	default:
		return "other";
	}
}

struct json_object *xf_event_json(const struct xf_state *st, const struct xf_event *e)
{
	char src[XF_PREFIX_STRLEN], dst[XF_PREFIX_STRLEN], feed[XF_FEED_NAME_MAX + 8];
	char ifname[XF_IFNAME_MAX + 16], when[64];
	struct json_object *o = json_object_new_object();

	xf_addr_format(&e->src, src, sizeof(src));
	xf_addr_format(&e->dst, dst, sizeof(dst));
	xf_iface_name(st, e->ifindex, ifname, sizeof(ifname));
	json_object_object_add(
	    o, "time", json_object_new_string(wall_time(e->timestamp_ns, when, sizeof(when))));
	json_object_object_add(o, "timestamp_ns", json_object_new_uint64(e->timestamp_ns));
	json_object_object_add(o, "interface", json_object_new_string(ifname));
	json_object_object_add(o, "source", json_object_new_string(src));
	json_object_object_add(o, "destination", json_object_new_string(dst));
	json_object_object_add(o, "protocol", json_object_new_string(protocol_name(e->protocol)));
	json_object_object_add(o, "dst_port", json_object_new_int(e->dst_port));
	json_object_object_add(o, "range_id", json_object_new_int64(e->range_id));
	json_object_object_add(
	    o, "feed", json_object_new_string(xf_feed_name(st, e->feed_id, feed, sizeof(feed))));
	json_object_object_add(o, "action", json_object_new_string(xf_action_name(e->action)));
	json_object_object_add(o, "verdict", json_object_new_string(xf_verdict_name(e->verdict)));
	json_object_object_add(o, "reason", json_object_new_string(xf_reason_name(e->reason)));
	return o;
}

/* ---------------------------------------------------------------- sink */

bool xf_event_target_valid(const char *target)
{
	return !strcmp(target, "stdout") || !strcmp(target, "syslog") ||
	       (!strncmp(target, "file:", 5) && target[5]);
}

static void render_event(struct json_object *ev)
{
	printf("%-5s %-40s -> %-40s %-4s port %-5lld range %-8lld %s\n", xf_json_str(ev, "verdict"),
	       xf_json_str(ev, "source"), xf_json_str(ev, "destination"),
	       xf_json_str(ev, "protocol"), xf_json_int(ev, "dst_port"),
	       xf_json_int(ev, "range_id"), xf_json_str(ev, "reason"));
}

/* Write one event; consumes o. */
static void write_event(struct xf_event_sink *s, struct json_object *o)
{
	const char *line;
	bool ok = true;

	if (s->kind == SINK_STDOUT) {
		xf_output(&s->cli, o, render_event);
		atomic_fetch_add(&s->written, 1);
		return;
	}
	line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s->kind == SINK_FILE)
		/* a whole line per event, out at once, so a reader (or a
		 * crash) never sees half of one */
		ok = fprintf(s->file, "%s\n", line) > 0 && !fflush(s->file);
	else
		syslog(LOG_INFO, "%s", line);
	json_object_put(o);
	atomic_fetch_add(ok ? &s->written : &s->failed, 1);
	if (!ok)
		clearerr(s->file);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct xf_event_sink *s = ctx;
	const struct xf_event *e = data;

	/* one poll may hand over more than the count asked for */
	if (size < sizeof(*e) || (s->count && atomic_load(&s->written) >= s->count))
		return 0;
	if (!xf_rate_limit_admit(&s->limit, e->timestamp_ns)) {
		atomic_fetch_add(&s->rate_limited, 1);
		return 0;
	}
	write_event(s, xf_event_json(&s->st, e));
	return 0;
}

static void sink_free(struct xf_event_sink *s)
{
	ring_buffer__free(s->rb);
	if (s->file)
		fclose(s->file);
	if (s->st_open)
		xf_state_close(&s->st);
	xf_rate_limit_free(&s->limit);
	free(s);
}

static int sink_open(const struct xf_cli *cli, const char *target, unsigned max_per_second,
		     struct xf_event_sink **out)
{
	struct xf_state_opts opts = {.pin_dir = cli->pin_dir};
	struct xf_event_sink *s;
	int err;

	*out = NULL;
	if (!target)
		target = "stdout";
	if (!xf_event_target_valid(target)) {
		xf_err("events: output '%s' is none of file:PATH, syslog, stdout", target);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cli = *cli;
	err = xf_rate_limit_init(&s->limit, max_per_second);
	if (err) {
		xf_err("events: rate %u: %s (at most %u per second)", max_per_second,
		       strerror(-err), XF_EVENT_RATE_MAX);
		goto fail;
	}
	if (!strncmp(target, "file:", 5)) {
		s->kind = SINK_FILE;
		s->file = fopen(target + 5, "ae");
		if (!s->file) {
			err = -errno;
			xf_err("events: cannot open '%s' for appending: %s", target + 5,
			       strerror(-err));
			goto fail;
		}
	} else if (!strcmp(target, "syslog")) {
		s->kind = SINK_SYSLOG;
		openlog("xdpfence", LOG_PID, LOG_DAEMON);
	}
	err = xf_state_open(&s->st, &opts);
	if (err) {
		xf_err("events: %s under %s: %s",
		       err == -ENOENT ? "no xdpfence state" : "cannot open the state",
		       cli->pin_dir ? cli->pin_dir : xf_state_default_pin_dir(), strerror(-err));
		goto fail;
	}
	s->st_open = true;
	s->rb = ring_buffer__new(s->st.map_fd[XF_MAP_EVENTS], handle_event, s, NULL);
	if (!s->rb) {
		err = -errno;
		xf_err("events: cannot open the event ring buffer: %s", strerror(-err));
		goto fail;
	}
	*out = s;
	return 0;
fail:
	sink_free(s);
	return err;
}

static void *sink_thread(void *arg)
{
	struct xf_event_sink *s = arg;
	sigset_t all;
	int err;

	/* signals are the business of the thread that started the sink */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!atomic_load(&s->stop)) {
		err = ring_buffer__poll(s->rb, POLL_MS);
		if (err < 0 && err != -EINTR) {
			xf_err("events: reading the ring buffer: %s; the sink stops",
			       strerror(-err));
			atomic_store(&s->thread_err, err);
			break;
		}
	}
	atomic_store(&s->thread_done, true);
	return NULL;
}

static int sink_start(const struct xf_cli *cli, const char *target, unsigned max_per_second,
		      unsigned long long count, struct xf_event_sink **out)
{
	struct xf_event_sink *s;
	int err;

	err = sink_open(cli, target, max_per_second, &s);
	if (err)
		return err;
	s->count = count;
	err = -pthread_create(&s->thread, NULL, sink_thread, s);
	if (err) {
		xf_err("events: cannot start the sink thread: %s", strerror(-err));
		sink_free(s);
		return err;
	}
	s->threaded = true;
	*out = s;
	return 0;
}

int xf_event_sink_start(const struct xf_cli *cli, const char *target, unsigned max_per_second,
			struct xf_event_sink **out)
{
	*out = NULL;
	if (!target || !strcmp(target, "stdout")) {
		xf_err("events: the sink writes to file:PATH or syslog, not stdout");
		return -EINVAL;
	}
	return sink_start(cli, target, max_per_second, 0, out);
}

void xf_event_sink_stats(struct xf_event_sink *s, struct xf_event_sink_stats *out)
{
	out->written = atomic_load(&s->written);
	out->rate_limited = atomic_load(&s->rate_limited);
	out->failed = atomic_load(&s->failed);
}

/* Stop the thread and write what arrived since its last poll. */
static void sink_halt(struct xf_event_sink *s)
{
	atomic_store(&s->stop, true);
	if (s->threaded)
		pthread_join(s->thread, NULL);
	s->threaded = false;
	if (!atomic_load(&s->thread_err))
		ring_buffer__consume(s->rb);
}

void xf_event_sink_stop(struct xf_event_sink *s)
{
	if (!s)
		return;
	sink_halt(s);
	sink_free(s);
}

/* The command runs the daemon's sink (the thread) and waits for it. */
int xf_event_sink_run(const struct xf_cli *cli, const struct xf_event_run *run,
		      struct xf_event_sink_stats *stats)
{
	const struct timespec tick = {.tv_nsec = WAIT_TICK_MS * 1000000L};
	double deadline = xf_now_ms() + run->timeout * 1e3;
	struct xf_event_sink *s;
	int err;

	err = sink_start(cli, run->target, run->max_per_second, run->count, &s);
	if (err)
		return err;
	while (!atomic_load(&s->thread_done)) {
		if (run->count && atomic_load(&s->written) >= run->count)
			break;
		if (run->stop && *run->stop)
			break;
		if (run->timeout && xf_now_ms() >= deadline)
			break;
		nanosleep(&tick, NULL); /* a signal cuts it short: fine */
	}
	sink_halt(s);
	err = atomic_load(&s->thread_err);
	if (stats)
		xf_event_sink_stats(s, stats);
	sink_free(s);
	return err;
}
