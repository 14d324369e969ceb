// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/backoff.c: retry delays grow exponentially up to the cap, every
 * draw stays within [0, ceiling), draws spread over the whole interval
 * (full jitter, not a fixed delay plus a little noise), and two processes
 * or two threads do not draw the same delays. */
#include <limits.h>
#include <pthread.h>
#include <sys/wait.h>

#include "check.h"
#include "backoff.h"

#define DRAWS 10000

static void test_ceiling(void **state)
{
	static const struct {
		unsigned attempt;
		double base, cap, want;
	} cases[] = {
		{ 0, 1, 30, 1 },
		{ 1, 1, 30, 2 },
		{ 2, 1, 30, 4 },
		{ 4, 1, 30, 16 },
		{ 5, 1, 30, 30 },
		{ 6, 1, 30, 30 },
		{ 100, 1, 30, 30 },
		{ UINT_MAX, 1, 30, 30 },
		{ 3, 0.25, 60, 2 },
		{ 0, 2, 1, 1 }, /* a cap below the base caps the base */
		{ 0, 0, 30, 0 },
		{ 3, -1, 30, 0 },
		{ 3, 1, 0, 0 },
	};
	size_t i;

	(void)state;
	check_begin();
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		double got =
		    xf_retry_ceiling_seconds(cases[i].attempt, cases[i].base, cases[i].cap);

		check(got == cases[i].want, "ceiling(attempt %u, base %g, cap %g): got %g, want %g",
		      cases[i].attempt, cases[i].base, cases[i].cap, got, cases[i].want);
	}
	check_end();
}

/* Every draw lies in [0, ceiling); their mean is half the ceiling, so it
 * doubles from one attempt to the next until the cap holds it. */
static void test_bounds_and_growth(void **state)
{
	double prev_mean = 0;
	unsigned attempt;
	int i;

	(void)state;
	check_begin();
	for (attempt = 0; attempt < 10; attempt++) {
		double ceiling = xf_retry_ceiling_seconds(attempt, 0.5, 100), sum = 0;
		int out_of_bounds = 0;

		for (i = 0; i < DRAWS; i++) {
			double d = xf_retry_delay_seconds(attempt, 0.5, 100);

			out_of_bounds += !(d >= 0 && d < ceiling);
			sum += d;
		}
		check(!out_of_bounds, "attempt %u: %d of %d draws outside [0, %g)", attempt,
		      out_of_bounds, DRAWS, ceiling);
		/* the mean of 10000 uniform draws is within 2 % of c/2 by ~8 sigma */
		check(sum / DRAWS > ceiling * 0.49 && sum / DRAWS < ceiling * 0.51,
		      "attempt %u: mean delay %g, want about %g", attempt, sum / DRAWS,
		      ceiling / 2);
		if (attempt > 0 && ceiling < 100)
			check(sum / DRAWS > prev_mean * 1.9 && sum / DRAWS < prev_mean * 2.1,
			      "attempt %u: mean %g does not double the previous %g", attempt,
			      sum / DRAWS, prev_mean);
		prev_mean = sum / DRAWS;
	}
	/* past the cap: bounded by it, never beyond */
	for (i = 0; i < DRAWS; i++) {
		double d = xf_retry_delay_seconds(40, 0.5, 100);

		check(d >= 0 && d < 100, "attempt 40: %g outside [0, 100)", d);
		if (!(d >= 0 && d < 100))
			break;
	}
	check_end();
}

/* Full jitter: the draws fill [0, ceiling) evenly, the lowest tenth as much
 * as the highest, so a fleet is spread over the whole window. */
static void test_jitter_spread(void **state)
{
	const double ceiling = 8; /* attempt 3, base 1 */
	int buckets[10] = { 0 }, repeats = 0, i;
	double prev = -1;

	(void)state;
	check_begin();
	for (i = 0; i < DRAWS; i++) {
		double d = xf_retry_delay_seconds(3, 1, 60);
		int b = (int)(d / ceiling * 10);

		buckets[b < 0 ? 0 : b > 9 ? 9 : b]++;
		repeats += d == prev;
		prev = d;
	}
	/* each tenth holds 10 % of the draws, +-2 % (about 7 sigma) */
	for (i = 0; i < 10; i++)
		check(buckets[i] > DRAWS * 8 / 100 && buckets[i] < DRAWS * 12 / 100,
		      "delays in [%.1f, %.1f) s: %d of %d, want about %d", i * ceiling / 10,
		      (i + 1) * ceiling / 10, buckets[i], DRAWS, DRAWS / 10);
	check(repeats == 0, "%d draws repeated the one before", repeats);
	check_end();
}

/* Machines restarted together must not retry together: a child process,
 * even forked after the parent drew, draws its own sequence. */
static void test_processes_differ(void **state)
{
	double mine[4], theirs[2][4];
	int fds[2][2], k, same = 0;

	(void)state;
	check_begin();
	for (k = 0; k < 4; k++)
		mine[k] = xf_retry_delay_seconds(20, 1, 1e6);
	for (k = 0; k < 2; k++) {
		pid_t pid;

		assert_int_equal(pipe(fds[k]), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			double d[4];
			int j;

			for (j = 0; j < 4; j++)
				d[j] = xf_retry_delay_seconds(20, 1, 1e6);
			_exit(write(fds[k][1], d, sizeof(d)) == sizeof(d) ? 0 : 1);
		}
		close(fds[k][1]);
		assert_int_equal(read(fds[k][0], theirs[k], sizeof(theirs[k])), sizeof(theirs[k]));
		close(fds[k][0]);
		waitpid(pid, NULL, 0);
	}
	for (k = 0; k < 4; k++)
		same += theirs[0][k] == theirs[1][k] || theirs[0][k] == mine[k] ||
			theirs[1][k] == mine[k];
	check(same == 0, "%d of 4 draws equal between the parent and two children", same);
	check_end();
}

static void *draw_in_thread(void *out)
{
	double *d = out;
	int j;

	for (j = 0; j < 4; j++)
		d[j] = xf_retry_delay_seconds(20, 1, 1e6);
	return NULL;
}

static void test_threads_differ(void **state)
{
	double d[2][4];
	pthread_t t[2];
	int k, same = 0;

	(void)state;
	check_begin();
	for (k = 0; k < 2; k++)
		assert_int_equal(pthread_create(&t[k], NULL, draw_in_thread, d[k]), 0);
	for (k = 0; k < 2; k++)
		pthread_join(t[k], NULL);
	for (k = 0; k < 4; k++)
		same += d[0][k] == d[1][k];
	check(same == 0, "%d of 4 draws equal between two threads", same);
	check_end();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ceiling),	   cmocka_unit_test(test_bounds_and_growth),
	    cmocka_unit_test(test_jitter_spread),  cmocka_unit_test(test_processes_differ),
	    cmocka_unit_test(test_threads_differ),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
