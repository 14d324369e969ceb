// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* events: the sampled drop/tag events from the ring buffer, one per line
 * (a JSON object per line with -j), on stdout or, with --output, as JSON
 * lines appended to a file or sent to syslog; at most --rate per second of
 * traffic; until --count events were written, --timeout seconds passed or
 * SIGINT/SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "event_sink.h"

static volatile sig_atomic_t stop_requested;

static void request_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int xf_cmd_events(struct xf_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"count", required_argument, NULL, 'c'},
	    {"timeout", required_argument, NULL, 't'},
	    {"output", required_argument, NULL, 'o'},
	    {"rate", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	/* no SA_RESTART: the signal ends the wait in the ring buffer's poll */
	struct sigaction stop = {.sa_handler = request_stop};
	struct xf_event_run run = {.stop = &stop_requested};
	struct xf_event_sink_stats stats = {};
	unsigned long rate;
	long count;
	char *end;
	int c, err;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:t:o:r:", opts, NULL)) != -1) {
		if (c == 'c') {
			count = strtol(optarg, &end, 10);
			if (*end || count < 0 || !*optarg)
				return xf_usage_error(cli, "events", "events: bad --count '%s'",
						      optarg);
			run.count = count;
		} else if (c == 't') {
			run.timeout = strtod(optarg, &end);
			if (*end || run.timeout < 0 || !*optarg)
				return xf_usage_error(cli, "events", "events: bad --timeout '%s'",
						      optarg);
		} else if (c == 'o') {
			if (!xf_event_target_valid(optarg))
				return xf_usage_error(cli, "events",
						      "events: --output '%s' is none of file:PATH, "
						      "syslog, stdout",
						      optarg);
			run.target = optarg;
		} else if (c == 'r') {
			rate = strtoul(optarg, &end, 10);
			if (*end || !*optarg || *optarg == '-' || rate > XF_EVENT_RATE_MAX)
				return xf_usage_error(
				    cli, "events",
				    "events: --rate '%s' is not a number of events "
				    "per second from 0 (no limit) to %d",
				    optarg, XF_EVENT_RATE_MAX);
			run.max_per_second = rate;
		} else {
			return xf_usage_error(cli, "events", "events: unknown option '%s'",
					      argv[optind - 1]);
		}
	}
	if (optind < argc)
		return xf_usage_error(cli, "events", "events: unexpected argument '%s'",
				      argv[optind]);
	stop_requested = 0;
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	err = xf_event_sink_run(cli, &run, &stats);
	if (err) /* the message is out; -j wants it on stdout too */
		return cli->json ? xf_fail(cli, "events: %s: %s",
					   run.target ? run.target : "stdout", strerror(-err))
				 : 1;
	if (stats.rate_limited || stats.failed)
		fprintf(stderr,
			"%s: events: %llu written, %llu over --rate, %llu not taken by %s\n",
			cli->prog, stats.written, stats.rate_limited, stats.failed,
			run.target ? run.target : "stdout");
	return 0;
}
