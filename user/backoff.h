/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Delays between retries of a failing download: exponential with full
 * jitter, a delay drawn uniformly between 0 and min(cap, base * 2^attempt).
 * The machines of a fleet whose source failed at the same moment then come
 * back spread over the whole interval instead of in lockstep. The generator
 * is seeded from the kernel's random pool once per thread, so processes
 * started together draw different delays. */
#ifndef XF_BACKOFF_H
#define XF_BACKOFF_H

/* attempt: 0 for the delay after the first failure, 1 after the second...
 * base, cap: seconds (a cap below base caps base). 0 when base <= 0. */
double xf_retry_delay_seconds(unsigned attempt, double base, double cap);
/* The upper bound of the delay for attempt: min(cap, base * 2^attempt). */
double xf_retry_ceiling_seconds(unsigned attempt, double base, double cap);

#endif /* XF_BACKOFF_H */
