/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The daemon (`xdpfence run`), in three parts: daemon.c runs it (start,
 * the loop, reload, stop), daemon_apply.c puts a configuration in force,
 * refresh_schedule.c decides when each feed is refreshed. Everything the
 * daemon changes goes through the CLI's own commands (attach, protect,
 * allow, config set, feed add/remove/sync), so the two cannot drift and
 * each change takes the state lock only while it is made. */
#ifndef XF_DAEMON_H
#define XF_DAEMON_H

#include <limits.h>
#include <stdbool.h>

#include "cli.h"
#include "conffile.h"
#include "refresh_schedule.h"

struct xf_daemon {
	const struct xf_cli *given; /* the global options of the command line */
	struct xf_cli cli;	    /* what the commands run with: quiet, the config's dirs */
	/* the directories cli names, fixed for the daemon's life (the metrics
	 * and event threads keep a copy of cli) */
	char pin_dir[256], state_dir[256]; /* the sizes xf_state and xf_registry take */
	const char *config_path;
	struct xf_conf conf; /* the configuration in force */
	bool detach_on_stop; /* --detach-on-stop */
	int signal_fd;
	int lock_fd;
	char pid_file[PATH_MAX];
	char applied_file[PATH_MAX]; /* what the last run applied (daemon_apply.c) */
	struct xf_refresh_schedule feeds;
	struct xf_metrics_server *metrics;
	struct xf_event_sink *events;
};

/* One command of the CLI with its arguments, run as `xdpfence ARGS` would
 * be on the daemon's options (its output is not printed; its errors reach
 * the log). The strings must live until it runs. */
struct xf_command {
	const char **argv;
	int argc, cap;
	bool out_of_memory;
};

void xf_command_init(struct xf_command *c, const char *name);
void xf_command_arg(struct xf_command *c, const char *arg);
/* Run it and empty it; returns the command's exit code. */
int xf_command_run(struct xf_command *c, struct xf_cli *cli, xf_cmd_fn fn);
void xf_command_free(struct xf_command *c);

/* What a configuration puts in force, by name (interfaces, services,
 * allowlist, settings, feeds): kept between runs in d->applied_file. */
struct json_object *xf_daemon_applied_json(const struct xf_conf *conf);
/* Put d->conf in force; remove what `old` (the previous configuration, or
 * the record of the last run; NULL: none) has and d->conf has not. Feeds
 * that are new or whose definition changed are synced at the next turn. */
void xf_daemon_apply(struct xf_daemon *d, struct json_object *old);
/* Detach the configured interfaces (detach on stop). */
void xf_daemon_detach(struct xf_daemon *d);

#endif /* XF_DAEMON_H */
