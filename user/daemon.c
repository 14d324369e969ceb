// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* run: xdpfence as a service. It applies its config file, then loops:
 * feeds refreshed on their intervals (refresh_schedule.c), manual ranges
 * removed when their --ttl runs out, staleness reported. SIGHUP reloads
 * the config (a broken one is refused whole) and applies only what
 * changed; SIGTERM and SIGINT stop it and leave the filter attached and
 * the maps pinned, so that a restart lets no packet through. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "daemon.h"
#include "event_sink.h"
#include "log.h"
#include "manual_meta.h"
#include "metrics.h"
#include "registry.h"
#include "ttl.h"

/* The longest the loop sleeps: feeds added by the CLI, feeds crossing
 * their max_age and ranges blocked with a ttl are seen within it. */
#define TICK_SECONDS 1.0
#define PID_FILE_NAME "xdpfence.pid"

/* ---- commands of the CLI ---- */

void xf_command_init(struct xf_command *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	xf_command_arg(c, name);
}

void xf_command_arg(struct xf_command *c, const char *arg)
{
	if (c->argc + 2 > c->cap) {
		int cap = c->cap ? 2 * c->cap : 8;
		const char **grown = realloc(c->argv, cap * sizeof(*grown));

		if (!grown) {
			c->out_of_memory = true;
			return;
		}
		c->argv = grown;
		c->cap = cap;
	}
	c->argv[c->argc++] = arg;
	c->argv[c->argc] = NULL;
}

void xf_command_free(struct xf_command *c)
{
	free(c->argv);
	memset(c, 0, sizeof(*c));
}

int xf_command_run(struct xf_command *c, struct xf_cli *cli, xf_cmd_fn fn)
{
	int ret = 1;

	if (c->out_of_memory || !c->argc)
		xf_err("%s: out of memory", c->argc ? c->argv[0] : "command");
	else
		/* getopt reorders the pointers, never the strings */
		ret = fn(cli, c->argc, (char **)c->argv);
	xf_command_free(c);
	return ret;
}

/* ---- manual ranges with an expiry ---- */

static const char *pin_dir(const struct xf_daemon *d)
{
	return d->pin_dir;
}

/* Remove the manual ranges whose --ttl ran out. The expiries are read from
 * the settings file every turn (a range blocked with a ttl while the daemon
 * runs is seen at once); the state is locked only when one is due. */
static void expire_manual_ranges(struct xf_daemon *d)
{
	struct xf_manual_meta meta = {};
	time_t now = time(NULL);
	bool due = false;
	size_t i;
	int n;

	if (xf_persist_load_meta(&d->cli, pin_dir(d), &meta))
		return;
	for (i = 0; i < meta.n && !due; i++)
		due = meta.entries[i].expires && meta.entries[i].expires <= now;
	xf_manual_meta_free(&meta);
	if (!due)
		return;
	n = xf_ttl_expire(&d->cli, now, NULL);
	if (n < 0)
		xf_err("expiry of manual ranges: %s", strerror(-n));
}

/* ---- metrics and events ---- */

static void start_metrics(struct xf_daemon *d)
{
	if (!d->conf.metrics_listen)
		return;
	if (!xf_metrics_start(&d->cli, d->conf.metrics_listen, d->conf.metrics_top_n,
			      &d->metrics))
		xf_info("metrics: serving http://%s/metrics (top %u ranges)",
			d->conf.metrics_listen, d->conf.metrics_top_n);
}

static void start_events(struct xf_daemon *d)
{
	if (!d->conf.events)
		return;
	if (!xf_event_sink_start(&d->cli, d->conf.events, d->conf.events_rate, &d->events))
		xf_info("events: to %s, at most %u per second", d->conf.events,
			d->conf.events_rate);
}

static void stop_events(struct xf_daemon *d)
{
	struct xf_event_sink_stats stats;

	if (!d->events)
		return;
	xf_event_sink_stats(d->events, &stats);
	xf_event_sink_stop(d->events);
	d->events = NULL;
	xf_info("events: %llu written, %llu over the rate, %llu failed", stats.written,
		stats.rate_limited, stats.failed);
}

static bool same_text(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* After a reload: restart what the new config changed. */
static void restart_services(struct xf_daemon *d, const struct xf_conf *was)
{
	if (!same_text(was->metrics_listen, d->conf.metrics_listen) ||
	    was->metrics_top_n != d->conf.metrics_top_n) {
		xf_metrics_stop(d->metrics);
		d->metrics = NULL;
		start_metrics(d);
	}
	if (!same_text(was->events, d->conf.events) || was->events_rate != d->conf.events_rate) {
		stop_events(d);
		start_events(d);
	}
}

/* ---- the configuration ---- */

/* --pin-dir, --state-dir and --max-ranges on the command line win over the
 * file, which wins over the environment and the defaults; backend = in the
 * file wins over --backend. */
static void effective_cli(struct xf_daemon *d)
{
	const char *pin = d->given->pin_dir ?: d->conf.pin_dir ?: xf_state_default_pin_dir();
	const char *state = d->given->state_dir ?: d->conf.state_dir ?: xf_registry_default_dir();

	/* set once: a reload keeps them (keep_restart_settings) */
	if (!d->pin_dir[0])
		snprintf(d->pin_dir, sizeof(d->pin_dir), "%s", pin);
	if (!d->state_dir[0])
		snprintf(d->state_dir, sizeof(d->state_dir), "%s", state);
	d->cli = *d->given;
	d->cli.quiet = true;
	d->cli.json = d->cli.pretty = false;
	d->cli.pin_dir = d->pin_dir;
	d->cli.state_dir = d->state_dir;
	if (!d->cli.max_ranges)
		d->cli.max_ranges = d->conf.max_ranges;
	if (d->conf.backend_set)
		d->cli.backend = d->conf.backend;
	d->feeds.retry_delay = d->conf.retry_delay;
}

/* Log every problem of the file with its line; true when there is one. */
static bool report_problems(const struct xf_conf *conf)
{
	size_t i;

	for (i = 0; i < conf->n_problems; i++)
		xf_err("%s:%d: %s", conf->path, conf->problems[i].line, conf->problems[i].message);
	return conf->n_problems > 0;
}

/* What only a restart can change keeps its running value on a reload. */
static void keep_restart_settings(const struct xf_conf *running, struct xf_conf *next)
{
	static const struct {
		const char *key;
		size_t offset;
	} dirs[] = {
		{ "state_dir", offsetof(struct xf_conf, state_dir) },
		{ "pin_dir", offsetof(struct xf_conf, pin_dir) },
		{ "runtime_dir", offsetof(struct xf_conf, runtime_dir) },
	};
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *const *was = (char *const *)((const char *)running + dirs[i].offset);
		char **now = (char **)((char *)next + dirs[i].offset);

		if (same_text(*was, *now))
			continue;
		xf_warn("reload: %s changes at the next start; '%s' stays", dirs[i].key,
			*was ? *was : "(default)");
		free(*now);
		*now = *was ? strdup(*was) : NULL;
	}
	if (running->backend_set != next->backend_set || running->backend != next->backend ||
	    running->max_ranges != next->max_ranges)
		xf_warn("reload: backend and max_ranges are fixed when the state is created");
	next->backend_set = running->backend_set;
	next->backend = running->backend;
	next->max_ranges = running->max_ranges;
}

static void reload(struct xf_daemon *d)
{
	struct xf_conf next, was;
	struct json_object *old;
	int err;

	xf_info("reload: reading %s", d->config_path);
	err = xf_conf_load(&next, d->config_path);
	if (err || report_problems(&next)) {
		xf_err("reload: %s has %zu problem(s): the running configuration stays",
		       d->config_path, next.n_problems);
		xf_conf_free(&next);
		return;
	}
	keep_restart_settings(&d->conf, &next);
	old = xf_daemon_applied_json(&d->conf);
	was = d->conf;
	d->conf = next;
	effective_cli(d);
	xf_daemon_apply(d, old);
	json_object_put(old);
	restart_services(d, &was);
	xf_conf_free(&was);
	xf_info("reload: done");
}

/* ---- start and stop ---- */

/* One daemon per pinned state: a lock file in the state directory, named
 * after the pin directory, beside the record of what it applied. */
static int claim_state(struct xf_daemon *d)
{
	const char *state_dir = d->state_dir;
	char path[PATH_MAX], pin[PATH_MAX];

	snprintf(pin, sizeof(pin), "%s", pin_dir(d));
	if (mkdir(state_dir, 0755) && errno != EEXIST) {
		xf_err("state directory %s: %s", state_dir, strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/daemon-%s.lock", state_dir, basename(pin));
	snprintf(d->applied_file, sizeof(d->applied_file), "%s/daemon-%s.json", state_dir,
		 basename(pin));
	d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lock_fd < 0) {
		xf_err("cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB)) {
		xf_err("another 'xdpfence run' manages %s (it holds %s)", pin_dir(d), path);
		return -EBUSY;
	}
	return 0;
}

/* runtime_dir, or the RuntimeDirectory= systemd gives the service. */
static void write_pid_file(struct xf_daemon *d)
{
	const char *dir = d->conf.runtime_dir ? d->conf.runtime_dir : getenv("RUNTIME_DIRECTORY");
	FILE *f;

	if (!dir || !*dir)
		return;
	snprintf(d->pid_file, sizeof(d->pid_file), "%s/%s", dir, PID_FILE_NAME);
	f = fopen(d->pid_file, "w");
	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
		xf_warn("cannot write the pid file %s: %s", d->pid_file, strerror(errno));
		d->pid_file[0] = '\0';
	}
}

static int setup_signals(struct xf_daemon *d)
{
	sigset_t set;

	/* blocked before any thread starts, so that every thread leaves them
	 * to the loop */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return d->signal_fd < 0 ? -errno : 0;
}

/* Open the state, creating it on the first run or after a reboot (the
 * saved manual ranges and settings come back then). */
static int open_state(struct xf_daemon *d)
{
	struct xf_state st;

	if (xf_cli_open_state(&d->cli, &st, true))
		return -EIO;
	d->feeds.maps_new = st.created;
	if (st.created)
		xf_info("the pinned state under %s is new: every feed is applied now", st.pin_dir);
	xf_state_close(&st);
	return 0;
}

static int loop(struct xf_daemon *d)
{
	for (;;) {
		struct pollfd pfd = { .fd = d->signal_fd, .events = POLLIN };
		struct signalfd_siginfo si;
		double now, wake;

		expire_manual_ranges(d);
		xf_refresh_schedule_turn(&d->feeds, &d->cli);
		now = xf_now_ms() / 1000;
		wake = xf_refresh_schedule_next(&d->feeds, now, TICK_SECONDS);
		if (poll(&pfd, 1, wake > now ? (int)((wake - now) * 1000) + 1 : 0) < 0 &&
		    errno != EINTR)
			return -errno;
		while (read(d->signal_fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				reload(d);
				continue;
			}
			xf_info("stopping (%s)", strsignal(si.ssi_signo));
			return 0;
		}
	}
}

static void cleanup(struct xf_daemon *d)
{
	stop_events(d);
	xf_metrics_stop(d->metrics);
	if (d->pid_file[0])
		unlink(d->pid_file);
	if (d->signal_fd >= 0)
		close(d->signal_fd);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	xf_refresh_schedule_free(&d->feeds);
	xf_conf_free(&d->conf);
}

int xf_cmd_run(struct xf_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "detach-on-stop", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct xf_daemon d = {
		.given = cli,
		.signal_fd = -1,
		.lock_fd = -1,
		.config_path = XF_CONF_DEFAULT_PATH,
	};
	struct json_object *recorded;
	int c, err, ret = 1;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (c == 'c')
			d.config_path = optarg;
		else if (c == 'd')
			d.detach_on_stop = true;
		else
			return xf_usage_error(cli, "run", "run: unknown or incomplete option '%s'",
					      argv[optind - 1]);
	}
	if (optind != argc)
		return xf_usage_error(cli, "run", "run: unexpected argument '%s'", argv[optind]);
	/* a service says what it does */
	if (xf_log_get_level() < XF_LOG_INFO)
		xf_log_set_level(XF_LOG_INFO);

	err = xf_conf_load(&d.conf, d.config_path);
	if (err || report_problems(&d.conf)) {
		xf_err("%s: %zu problem(s): not started", d.config_path, d.conf.n_problems);
		xf_conf_free(&d.conf);
		return 1;
	}
	effective_cli(&d);
	if (claim_state(&d) || setup_signals(&d) || open_state(&d))
		goto out;
	write_pid_file(&d);
	xf_info("running with %s: pin dir %s, state dir %s; %zu interface(s), %zu feed(s)",
		d.config_path, d.pin_dir, d.state_dir, d.conf.n_ifaces, d.conf.n_feeds);

	/* what the last run applied and the file no longer has goes */
	recorded = json_object_from_file(d.applied_file);
	xf_daemon_apply(&d, recorded);
	json_object_put(recorded);
	start_metrics(&d);
	start_events(&d);

	err = loop(&d);
	if (err)
		xf_err("the main loop failed: %s", strerror(-err));
	if (d.detach_on_stop || d.conf.detach_on_stop)
		xf_daemon_detach(&d);
	else
		xf_info("stopped: the filter stays attached, its maps pinned");
	ret = err ? 1 : 0;
out:
	cleanup(&d);
	return ret;
}
