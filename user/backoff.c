// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdint.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"

/* splitmix64: a counter run through a mixer; plenty for spreading delays,
 * and a thread's state is its own (the daemon retries from threads) */
static __thread uint64_t jitter_state;
static __thread pid_t jitter_seeded_by; /* a forked child seeds its own */

static uint64_t jitter_next(void)
{
	uint64_t z;

	if (jitter_seeded_by != getpid()) {
		struct timespec ts;

		if (getrandom(&jitter_state, sizeof(jitter_state), GRND_NONBLOCK) !=
		    sizeof(jitter_state)) {
			/* no entropy yet (early boot): still differ per process */
			clock_gettime(CLOCK_REALTIME, &ts);
			jitter_state = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
				       ((uint64_t)getpid() << 16) ^ (uintptr_t)&jitter_state;
		}
		jitter_seeded_by = getpid();
	}
	z = (jitter_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double xf_retry_ceiling_seconds(unsigned attempt, double base, double cap)
{
	double ceiling = base;

	if (!(base > 0) || !(cap > 0))
		return 0;
	/* doubling stops at the cap: no overflow for any attempt */
	while (attempt-- && ceiling < cap)
		ceiling *= 2;
	return ceiling < cap ? ceiling : cap;
}

double xf_retry_delay_seconds(unsigned attempt, double base, double cap)
{
	/* 53 random bits: a uniform double in [0, 1) */
	double unit = (double)(jitter_next() >> 11) * 0x1.0p-53;

	return unit * xf_retry_ceiling_seconds(attempt, base, cap);
}
