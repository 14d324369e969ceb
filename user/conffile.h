/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The daemon's config file: one INI file (libinih) that says what a node
 * runs: where its state lives, which interfaces it filters, the protected
 * services, the allowlist, run-time settings and the feeds with their
 * refresh intervals. Loading checks everything it can without touching the
 * system and collects every problem with its line, so that `config check`
 * and a reload report them all at once.
 *
 *   [daemon]            state_dir, pin_dir, runtime_dir, metrics_listen,
 *                       metrics_top_n, events, events_rate, detach_on_stop,
 *                       backend, max_ranges, retry_delay
 *   [settings]          the keys of `config set` (new_only, malformed, ...)
 *   [allowlist]         cidr = CIDR... (repeated, or a list)
 *   [interface NAME]    mode = native|generic
 *   [service NAME]      dst = CIDR, port = N, protocol = tcp|udp
 *   [feed NAME]         source, format and the options of `feed add`,
 *                       interval, max_age, stale = enforce|withdraw
 */
#ifndef XF_CONFFILE_H
#define XF_CONFFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "registry.h"

#define XF_CONF_DEFAULT_PATH "/etc/xdpfence/xdpfence.conf"
#define XF_CONF_DEFAULT_TOP_N 20
#define XF_CONF_MAX_TOP_N 1000
#define XF_CONF_DEFAULT_EVENTS_RATE 100
#define XF_CONF_DEFAULT_RETRY_DELAY 30 /* seconds: base of the backoff */
#define XF_CONF_SERVICE_SPEC_MAX 128

struct xf_conf_problem {
	int line; /* 0: the file as a whole */
	char *message;
};

/* One key = value line as written (the feed sections keep theirs: a
 * definition is built from them again whenever a copy is needed). */
struct xf_conf_entry {
	char *key; /* normalised: '-' becomes '_' */
	char *value;
	int line;
};

struct xf_conf_iface {
	char name[XF_IFNAME_MAX];
	__u8 mode; /* enum xf_attach_mode */
	int line;
};

struct xf_conf_service {
	char name[64];
	char spec[XF_CONF_SERVICE_SPEC_MAX]; /* as `protect` takes it */
	int line;
};

struct xf_conf_cidr {
	struct xf_prefix prefix;
	char text[XF_PREFIX_STRLEN]; /* normalised */
	int line;
};

struct xf_conf_setting {
	char key[32];	/* as `config set` names it: new-only, mark-mask... */
	char value[64];
	int line;
};

struct xf_conf_feed {
	char name[XF_FEED_NAME_MAX];
	int line;
	struct xf_conf_entry *entries;
	size_t n_entries;
	struct xf_feed_def def; /* built from the entries: no id, no status */
	bool incomplete;	/* a line of the section could not be read */
};

struct xf_conf {
	char path[PATH_MAX];
	char dir[PATH_MAX]; /* relative feed paths are relative to the file */
	/* [daemon]; NULL strings: not set */
	char *state_dir, *pin_dir, *runtime_dir;
	char *metrics_listen; /* HOST:PORT; NULL: no metrics endpoint */
	char *events;	      /* "file:PATH" or "syslog"; NULL: off */
	unsigned int metrics_top_n, events_rate;
	bool detach_on_stop;
	bool backend_set;
	__u8 backend; /* enum xf_backend */
	__u32 max_ranges; /* 0: default */
	long long retry_delay;

	struct xf_conf_iface *ifaces;
	size_t n_ifaces;
	struct xf_conf_service *services;
	size_t n_services;
	struct xf_conf_cidr *allow;
	size_t n_allow;
	struct xf_conf_setting *settings;
	size_t n_settings;
	struct xf_conf_feed *feeds;
	size_t n_feeds;

	struct xf_conf_problem *problems;
	size_t n_problems;
};

/* Read and check a config file. Returns 0 when it was read (problems, if
 * any, are in conf->problems, in line order), -ENOMEM, or another negative
 * errno when the file cannot be read (also recorded as a problem). */
int xf_conf_load(struct xf_conf *conf, const char *path);
/* The same from text; name stands for the file in messages and relative
 * paths are relative to the working directory. */
int xf_conf_load_string(struct xf_conf *conf, const char *name, const char *text);
void xf_conf_free(struct xf_conf *conf);

/* A definition of the feed the caller owns (for the registry). */
int xf_conf_feed_def_copy(const struct xf_conf *conf, const struct xf_conf_feed *feed,
			  struct xf_feed_def *out);
/* The feed's definition, id and status aside, as JSON: equal texts mean
 * the same feed. The caller frees the string. */
char *xf_feed_def_identity(const struct xf_feed_def *def);

const struct xf_conf_feed *xf_conf_find_feed(const struct xf_conf *conf, const char *name);

#endif /* XF_CONFFILE_H */
