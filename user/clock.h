/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Monotonic time for durations the CLI reports and waits on. */
#ifndef XF_CLOCK_H
#define XF_CLOCK_H

#include <time.h>

static inline double xf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#endif /* XF_CLOCK_H */
