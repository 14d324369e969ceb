/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Prometheus metrics: every scrape opens the pinned state read-only (no
 * lock, so a scrape never waits on a sync) and the feed registry, and
 * renders the counters, feed freshness, map fill, attachments and the
 * per-range counters of the top N ranges by recent drops in the text
 * exposition format. xf_metrics_start serves them on GET /metrics from a thread of
 * libmicrohttpd's. */
#ifndef XF_METRICS_H
#define XF_METRICS_H

#include <stddef.h>

#include "cli.h"

#define XF_METRICS_DEFAULT_TOP 20
/* per-range series: 10 per range (packets and bytes of 5 outcomes) */
#define XF_METRICS_MAX_TOP 1000

struct xf_metrics_server;

/* Render one exposition: *text is malloc'ed (NUL-terminated), *len its
 * length. Returns 0 or negative errno; a missing state is not an error
 * (xdpfence_state_loaded says 0). */
int xf_metrics_render(const struct xf_cli *cli, unsigned top_n, char **text, size_t *len);
/* The same, with the top ranges chosen by their drops since a snapshot
 * that history keeps (user/top_ranges.h) rather than since they were
 * created; history is brought up to date. The server uses this. */
struct xf_drop_history;
int xf_metrics_render_recent(const struct xf_cli *cli, unsigned top_n,
			     struct xf_drop_history *history, char **text, size_t *len);

/* Serve GET /metrics on listen ("HOST:PORT", "[V6]:PORT" or ":PORT" for
 * every address; port 0 picks a free one). Everything else is 404 (405
 * for other methods). Returns 0 or negative errno (message logged). */
int xf_metrics_start(const struct xf_cli *cli, const char *listen, unsigned top_n,
		     struct xf_metrics_server **out);
/* The port the server listens on (useful after port 0). */
unsigned xf_metrics_port(const struct xf_metrics_server *s);
/* Stops serving and frees s (NULL is fine). */
void xf_metrics_stop(struct xf_metrics_server *s);

#endif /* XF_METRICS_H */
