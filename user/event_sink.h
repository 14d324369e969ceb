/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Where the sampled drop/tag events go once they leave the ring buffer:
 * one JSON object per event, the same on stdout (`events -j`), in a file
 * and in syslog (which journald reads too), at most N per second of
 * traffic. xf_event_sink_start runs a thread that reads the ring buffer
 * and writes JSON lines to a file (appending) or to syslog; the `events`
 * command runs the same sink and waits for it (xf_event_sink_run).
 *
 * The ring buffer has one consumer position: two readers at once (the
 * daemon's sink and `xdpfence events`, say) share the events between them. */
#ifndef XF_EVENT_SINK_H
#define XF_EVENT_SINK_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "cli.h"
#include "rate_limit.h"

/* Bound of max_per_second (0: no limit). */
#define XF_EVENT_RATE_MAX XF_RATE_LIMIT_MAX

struct xf_event_sink;

struct xf_event_sink_stats {
	unsigned long long written;	 /* events written */
	unsigned long long rate_limited; /* events over max_per_second, not written */
	unsigned long long failed;	 /* lines the file or syslog did not take */
};

/* target: "file:PATH" or "syslog". max_per_second: 0 = unlimited. The
 * state must exist. Returns 0 or negative errno (message logged). */
int xf_event_sink_start(const struct xf_cli *cli, const char *target, unsigned max_per_second,
			struct xf_event_sink **out);
void xf_event_sink_stats(struct xf_event_sink *s, struct xf_event_sink_stats *out);
/* Writes what the ring buffer still holds, stops the thread, closes the
 * target and frees s (NULL is fine). */
void xf_event_sink_stop(struct xf_event_sink *s);

struct xf_event_run {
	const char *target;	     /* NULL or "stdout": stdout (text, or JSON with -j) */
	unsigned max_per_second;     /* 0: no limit */
	unsigned long long count;    /* stop after this many written; 0: no limit */
	double timeout;		     /* seconds; 0: none */
	volatile sig_atomic_t *stop; /* set (by a signal handler) to stop; may be NULL */
};

/* The same sink, stdout allowed, until count, timeout or *stop.
 * Returns 0 or negative errno (message logged); stats may be NULL. */
int xf_event_sink_run(const struct xf_cli *cli, const struct xf_event_run *run,
		      struct xf_event_sink_stats *stats);

/* "file:PATH", "syslog" or "stdout"? */
bool xf_event_target_valid(const char *target);

/* One event as a JSON object: the packet's wall-clock time and monotonic
 * timestamp, interface, addresses, protocol, port, range, feed, action,
 * verdict, reason. */
struct json_object *xf_event_json(const struct xf_state *st, const struct xf_event *e);

#endif /* XF_EVENT_SINK_H */
