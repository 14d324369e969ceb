// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The event sink's rate limit (user/rate_limit.c): at most N events in any
 * one second of their timestamps. Checked against a reference that counts,
 * for every admitted event, the admitted ones in the second before it;
 * bursts, steady floods, sparse traffic, events slightly out of order. */
#include <errno.h>

#include "check.h"
#include "rate_limit.h"

#define NS 1000000000ULL

/* Admit a sequence; returns how many were admitted and checks the window
 * property on the admitted timestamps, with a window shorter by the
 * sequence's disorder (events out of order by up to that many ns). */
static size_t run_sequence_disordered(const char *ctx, unsigned max, const unsigned long long *ts,
				      size_t n, unsigned long long disorder)
{
	unsigned long long *admitted = calloc(n ? n : 1, sizeof(*admitted));
	struct xf_rate_limit rl;
	size_t i, j, k = 0;

	check_int(ctx, "init", xf_rate_limit_init(&rl, max), 0);
	for (i = 0; i < n; i++)
		if (xf_rate_limit_admit(&rl, ts[i]))
			admitted[k++] = ts[i];
	/* reference: no admitted event has max others admitted in the second
	 * (ts - 1 s, ts] before it */
	for (i = 0; max && i < k; i++) {
		unsigned in_window = 0;

		for (j = 0; j < k; j++)
			if (admitted[j] <= admitted[i] && admitted[i] - admitted[j] < NS - disorder)
				in_window++;
		check(in_window <= max, "%s: %u events within the second up to %llu ns (max %u)",
		      ctx, in_window, admitted[i], max);
	}
	xf_rate_limit_free(&rl);
	free(admitted);
	return k;
}

static size_t run_sequence(const char *ctx, unsigned max, const unsigned long long *ts, size_t n)
{
	return run_sequence_disordered(ctx, max, ts, n, 0);
}

static void test_rate_limit_burst(void **state)
{
	unsigned long long ts[1000];
	size_t i;

	(void)state;
	check_begin();
	/* 1000 events in 1 ms: the first 10 pass */
	for (i = 0; i < 1000; i++)
		ts[i] = 5 * NS + i * 1000;
	check_int("burst", "admitted", run_sequence("burst", 10, ts, 1000), 10);
	/* no limit: all pass */
	check_int("burst, no limit", "admitted", run_sequence("no limit", 0, ts, 1000), 1000);
	check_end();
}

static void test_rate_limit_steady(void **state)
{
	unsigned long long ts[10000];
	size_t i;

	(void)state;
	check_begin();
	/* 1000 events per second for 10 s at max 50: 50 in each second */
	for (i = 0; i < 10000; i++)
		ts[i] = 1 * NS + i * (NS / 1000);
	check_int("steady", "admitted", run_sequence("steady", 50, ts, 10000), 500);
	/* sparse: 2 per second at max 5, all pass */
	for (i = 0; i < 20; i++)
		ts[i] = i * (NS / 2);
	check_int("sparse", "admitted", run_sequence("sparse", 5, ts, 20), 20);
	check_end();
}

static void test_rate_limit_out_of_order(void **state)
{
	unsigned long long ts[4000];
	size_t i;

	(void)state;
	rnd_seed("test_rate_limit_out_of_order");
	check_begin();
	/* events up to 50 us out of order: within 50 us of the limit, and
	 * the limit still lets through about as many as in order */
	for (i = 0; i < 4000; i++)
		ts[i] = 3 * NS + i * (NS / 1000) - rnd_below(50000);
	check_int("out of order", "admitted",
		  run_sequence_disordered("out of order", 25, ts, 4000, 50000), 100);
	check_end();
}

static void test_rate_limit_bounds(void **state)
{
	struct xf_rate_limit rl;

	(void)state;
	check_begin();
	check_int("bounds", "max + 1", xf_rate_limit_init(&rl, XF_RATE_LIMIT_MAX + 1), -ERANGE);
	check_int("bounds", "max", xf_rate_limit_init(&rl, XF_RATE_LIMIT_MAX), 0);
	xf_rate_limit_free(&rl);
	check_end();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rate_limit_burst),
	    cmocka_unit_test(test_rate_limit_steady),
	    cmocka_unit_test(test_rate_limit_out_of_order),
	    cmocka_unit_test(test_rate_limit_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
