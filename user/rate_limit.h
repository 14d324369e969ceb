/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* At most max events in any one second of their timestamps: a sliding
 * window over the last max admitted timestamps. Exact (no bucket edges to
 * let 2 * max through), memory max * 8 bytes. */
#ifndef XF_RATE_LIMIT_H
#define XF_RATE_LIMIT_H

#include <stdbool.h>

#define XF_RATE_LIMIT_MAX 1000000

struct xf_rate_limit {
	unsigned max;		  /* 0: no limit */
	unsigned long long *ring; /* admitted timestamps, ns; the oldest at next */
	unsigned next, count;
};

/* Returns 0, -ERANGE (over XF_RATE_LIMIT_MAX) or -ENOMEM. */
int xf_rate_limit_init(struct xf_rate_limit *rl, unsigned max_per_second);
void xf_rate_limit_free(struct xf_rate_limit *rl);
/* Admit one event at timestamp_ns? Always, when max is 0. */
bool xf_rate_limit_admit(struct xf_rate_limit *rl, unsigned long long timestamp_ns);

#endif /* XF_RATE_LIMIT_H */
