// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpfence: drop or tag packets from blocklisted source ranges at XDP.
 * main() only parses the global options and dispatches to a command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "registry.h"
#include "version.h"

const struct xf_cmd xf_commands[] = {
	{ "attach", xf_cmd_attach, "attach IFACE... [--mode native|generic]",
	  "attach the filter (XDP + tc companion) to interfaces" },
	{ "detach", xf_cmd_detach, "detach IFACE...|--all", "detach the filter from interfaces" },
	{ "status", xf_cmd_status, "status", "show attachments, modes and settings" },
	{ "block", xf_cmd_block,
	  "block CIDR... [--action drop|tag|count] [--tag N] [--ttl DURATION] [--comment TEXT]",
	  "add or change blocklist ranges (--ttl: removed after DURATION, e.g. 1h30m)" },
	{ "unblock", xf_cmd_unblock, "unblock CIDR...", "remove blocklist ranges" },
	{ "allow", xf_cmd_allow, "allow CIDR... [--ttl DURATION] [--comment TEXT]",
	  "add allowlist ranges (always pass)" },
	{ "unallow", xf_cmd_unallow, "unallow CIDR...", "remove allowlist ranges" },
	{ "expire", xf_cmd_expire, "expire", "remove the manual ranges whose --ttl has run out" },
	{ "protect", xf_cmd_protect, "protect [[DST-CIDR][:PORT][/tcp|udp]...]",
	  "filter only traffic to these services (no argument: list them)" },
	{ "unprotect", xf_cmd_unprotect, "unprotect SERVICE...|--all",
	  "remove protected services (none left: filter everything)" },
	{ "dry-run", xf_cmd_dry_run, "dry-run [on|off]", "turn every drop into a counted pass" },
	{ "config", xf_cmd_config, "config [set KEY VALUE | check FILE]",
	  "show or change settings: new-only, malformed, mark-mask, dscp, event-rate, "
	  "event-sample; check a daemon config file" },
	{ "ranges", xf_cmd_ranges, "ranges [--feed NAME] [--kernel]",
	  "list the ranges in force (--kernel: as the rules map holds them)" },
	{ "lookup", xf_cmd_lookup, "lookup IP", "explain the decision for a source address" },
	{ "stats", xf_cmd_stats, "stats [--top N]", "global, per-range and per-feed counters" },
	{ "feed", xf_cmd_feed, "feed add|remove|list|show|sync|check ...",
	  "threat feeds: register, apply with no gap, explain (xdpfence feed for more)" },
	{ "events", xf_cmd_events,
	  "events [--count N] [--timeout SEC] [--output file:PATH|syslog] [--rate N]",
	  "print sampled drop/tag events, or append them as JSON lines to a file or syslog" },
	{ "run", xf_cmd_run, "run [--config FILE] [--detach-on-stop]",
	  "the daemon: apply the config file, keep feeds fresh, serve metrics (SIGHUP reloads)" },
	{ "metrics", xf_cmd_metrics, "metrics [--top N] [--listen ADDR]",
	  "Prometheus metrics: print them once, or serve GET /metrics on ADDR" },
	{ "purge", xf_cmd_purge, "purge", "detach everywhere and remove all pinned state" },
	{ NULL, NULL, NULL, NULL },
};

/* Exact name, else a unique prefix (bpftool style). */
const struct xf_cmd *xf_cmd_find_in(const struct xf_cmd *table, const char *name,
				    const struct xf_cmd **ambiguous_with)
{
	const struct xf_cmd *found = NULL, *c;
	size_t len = strlen(name);

	if (ambiguous_with)
		*ambiguous_with = NULL;
	for (c = table; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	for (c = table; c->name; c++) {
		if (strncmp(c->name, name, len))
			continue;
		if (found) {
			if (ambiguous_with)
				*ambiguous_with = c;
			return NULL;
		}
		found = c;
	}
	return len ? found : NULL;
}

const struct xf_cmd *xf_cmd_find(const char *name, const struct xf_cmd **ambiguous_with)
{
	return xf_cmd_find_in(xf_commands, name, ambiguous_with);
}

static void usage(FILE *out, const char *prog)
{
	const struct xf_cmd *c;

	fprintf(out,
		"usage: %s [OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"Drop or tag packets from blocklisted source ranges at XDP.\n"
		"\n"
		"Options:\n"
		"  -j, --json          JSON output (errors too)\n"
		"  -p, --pretty        pretty-printed JSON (implies -j)\n"
		"  -v, --verbose       more diagnostics; repeat for libbpf debug output\n"
		"  --pin-dir DIR       bpffs state directory (default %s,\n"
		"                      or $XDPFENCE_PIN_DIR)\n"
		"  --max-ranges N      range capacity, fixed when the state is first created\n"
		"                      (default %u; memory: see README)\n"
		"  --state-dir DIR     feed registry directory (default %s,\n"
		"                      or $XDPFENCE_STATE_DIR)\n"
		"  --backend fast|lpm  source lookup, fixed when the state is first created\n"
		"                      (default fast, or $XDPFENCE_BACKEND; lpm: the kernel's\n"
		"                      LPM trie, kept as the reference)\n"
		"  -h, --help          this help\n"
		"  -V, --version       print the version\n"
		"\n"
		"Commands (any unique prefix works):\n",
		prog, XF_DEFAULT_PIN_DIR, XF_DEFAULT_MAX_RANGES, XF_DEFAULT_STATE_DIR);
	for (c = xf_commands; c->name; c++)
		fprintf(out, "  %-51s  %s\n", c->usage, c->summary); /* 2 spaces: see test_docs.sh */
}

static int parse_backend(struct xf_cli *cli, const char *val)
{
	if (!strcmp(val, "fast"))
		cli->backend = XF_BACKEND_FAST;
	else if (!strcmp(val, "lpm"))
		cli->backend = XF_BACKEND_LPM;
	else {
		fprintf(stderr, "%s: --backend '%s' is neither fast nor lpm\n", cli->prog, val);
		return -1;
	}
	return 0;
}

/* Global options may stand anywhere on the line ("lookup IP -j"); they are
 * taken out and the rest is left for the command. */
static int take_global_options(struct xf_cli *cli, int *argc, char **argv, int *verbosity)
{
	int i, out = 1;

	for (i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			cli->json = true;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
			cli->json = cli->pretty = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			(*verbosity)++;
		} else if (!strcmp(a, "-vv")) {
			*verbosity += 2;
		} else if (!strcmp(a, "--pin-dir")) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "%s: --pin-dir needs a directory\n", cli->prog);
				return -1;
			}
			cli->pin_dir = argv[++i];
		} else if (!strncmp(a, "--pin-dir=", 10)) {
			cli->pin_dir = a + 10;
		} else if (!strncmp(a, "--state-dir=", 12)) {
			cli->state_dir = a + 12;
		} else if (!strcmp(a, "--state-dir")) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "%s: --state-dir needs a directory\n", cli->prog);
				return -1;
			}
			cli->state_dir = argv[++i];
		} else if (!strcmp(a, "--backend") || !strncmp(a, "--backend=", 10)) {
			const char *val = a[9] == '=' ? a + 10 : NULL;

			if (!val && i + 1 >= *argc) {
				fprintf(stderr, "%s: --backend needs fast or lpm\n", cli->prog);
				return -1;
			}
			if (parse_backend(cli, val ? val : argv[++i]))
				return -1;
		} else if (!strcmp(a, "--max-ranges") || !strncmp(a, "--max-ranges=", 13)) {
			const char *val = a[12] == '=' ? a + 13 : NULL;
			char *end;
			unsigned long v;

			if (!val && i + 1 >= *argc) {
				fprintf(stderr, "%s: --max-ranges needs a number\n", cli->prog);
				return -1;
			}
			if (!val)
				val = argv[++i];
			v = strtoul(val, &end, 10);
			if (*end || !*val || *val == '-' || v < 1 || v > XF_MAX_RANGES_LIMIT) {
				fprintf(stderr, "%s: --max-ranges '%s' is not a number from 1 to %u\n",
					cli->prog, val, XF_MAX_RANGES_LIMIT);
				return -1;
			}
			cli->max_ranges = v;
		} else {
			argv[out++] = argv[i];
		}
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

int main(int argc, char **argv)
{
	struct xf_cli cli = { .prog = "xdpfence" };
	const struct xf_cmd *cmd, *other;
	int verbosity = 0;

	if (getenv("XDPFENCE_BACKEND") && *getenv("XDPFENCE_BACKEND") &&
	    parse_backend(&cli, getenv("XDPFENCE_BACKEND")))
		return 2;
	if (take_global_options(&cli, &argc, argv, &verbosity))
		return 2;
	xf_log_set_level(XF_LOG_WARN + verbosity);
	xf_log_init_libbpf();

	if (argc < 2) {
		usage(stderr, cli.prog);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout, cli.prog);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("xdpfence %s\n", XF_VERSION);
		return 0;
	}
	cmd = xf_cmd_find(argv[1], &other);
	if (!cmd) {
		if (other)
			return xf_fail(&cli, "command '%s' is ambiguous (e.g. '%s')", argv[1],
				       other->name) + 1;
		xf_fail(&cli, "unknown command '%s'", argv[1]);
		usage(stderr, cli.prog);
		return 2;
	}
	/* the command sees its own name as argv[0], for getopt */
	return cmd->fn(&cli, argc - 1, argv + 1);
}
