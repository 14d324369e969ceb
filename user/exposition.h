/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The Prometheus text exposition format (version 0.0.4), written into a
 * growing buffer: a family header (HELP and TYPE) and then its samples,
 * label values and help text escaped as the format requires. A write error
 * sticks and is reported once, by xf_expo_finish. */
#ifndef XF_EXPOSITION_H
#define XF_EXPOSITION_H

#include <stddef.h>
#include <stdio.h>

#include <linux/types.h>

#define XF_EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct xf_label {
	const char *name;
	const char *value;
};

struct xf_expo {
	FILE *out;
	char *text;
	size_t len;
};

enum xf_metric_type {
	XF_METRIC_COUNTER,
	XF_METRIC_GAUGE,
};

int xf_expo_open(struct xf_expo *e);
/* Close the buffer: *text (malloc'ed, NUL-terminated) and *len. Returns 0
 * or -ENOMEM; on failure nothing is handed over. */
int xf_expo_finish(struct xf_expo *e, char **text, size_t *len);
/* Throw the buffer away (a failed render). */
void xf_expo_discard(struct xf_expo *e);

/* Start a family: every sample of it must follow before the next one. */
void xf_expo_family(struct xf_expo *e, const char *name, enum xf_metric_type type,
		    const char *help);
/* One sample; labels may be NULL when nlabels is 0. */
void xf_expo_u64(struct xf_expo *e, const char *name, const struct xf_label *labels, size_t nlabels,
		 __u64 value);
void xf_expo_double(struct xf_expo *e, const char *name, const struct xf_label *labels,
		    size_t nlabels, double value);

/* Labels as a compound literal and their count, for the two calls above:
 * xf_expo_u64(e, "x_total", XF_LABELS({ "feed", name }, { "outcome", o }), v) */
#define XF_LABELS(...)                                                                             \
	((const struct xf_label[]){__VA_ARGS__}),                                                  \
	    (sizeof((const struct xf_label[]){__VA_ARGS__}) / sizeof(struct xf_label))
#define XF_NO_LABELS NULL, 0

#endif /* XF_EXPOSITION_H */
