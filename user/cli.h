/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What every command receives, the command table, and the output layer:
 * a command builds one json-c result; -j prints it as JSON, otherwise the
 * command's text renderer prints a table from the same object, so the two
 * forms cannot drift. Errors take the same road. */
#ifndef XF_CLI_H
#define XF_CLI_H

#include <stdbool.h>

#include <json-c/json.h>

#include "state.h"

struct xf_cli {
	const char *pin_dir; /* NULL: default */
	__u32 max_ranges;    /* capacity when the state is created; 0: default */
	__u8 backend;	     /* lookup backend when the state is created (enum xf_backend) */
	const char *state_dir; /* feed registry directory; NULL: default */
	bool json;
	bool pretty;
	bool quiet; /* results are not printed (the daemon logs its own lines) */
	const char *prog; /* "xdpfence" */
};

typedef int (*xf_cmd_fn)(struct xf_cli *cli, int argc, char **argv);
typedef void (*xf_text_renderer)(struct json_object *result);

struct xf_cmd {
	const char *name;
	xf_cmd_fn fn;
	const char *usage;
	const char *summary;
};

/* Print the result (consumed) as JSON or through render. Returns 0. */
int xf_output(const struct xf_cli *cli, struct json_object *result, xf_text_renderer render);
/* Report a failure: stderr as text, or {"error": "..."} on stdout with -j.
 * Returns the exit code for the command (1). */
int xf_fail(const struct xf_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error for a command: message and its usage line. Returns 2. */
int xf_usage_error(const struct xf_cli *cli, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Open the state for a command: mutating commands create and lock it. */
int xf_cli_open_state(const struct xf_cli *cli, struct xf_state *st, bool mutate);

/* json helpers */
struct json_object *xf_json_counter(const struct xf_counter *c);
const char *xf_json_str(struct json_object *obj, const char *key);
long long xf_json_int(struct json_object *obj, const char *key);

/* Settings as JSON, shared by `status` and `config`. */
struct json_object *xf_config_json(const struct xf_config *cfg, size_t services);

/* A feed's name ("manual", or "feed-N" when unknown). */
const char *xf_feed_name(const struct xf_state *st, __u8 feed_id, char *buf, size_t len);
/* Per-outcome counters as {"dropped": {"packets": .., "bytes": ..}, ...}. */
struct json_object *xf_outcomes_json(const struct xf_counter *c);

/* The name of the attached interface with this ifindex (from the
 * attachment records, whatever namespace the reader is in). */
const char *xf_iface_name(const struct xf_state *st, __u32 ifindex, char *buf, size_t len);

/* Write the scope maps for the XF_MAX_SERVICES services in svcs: new and
 * changed entries first, stale ones last, then switch the scope on or off. */
int xf_scope_apply(const struct xf_state *st, const struct xf_service *svcs);

/* Operator settings that live only in bpffs (manual ranges, protected
 * services, run-time settings) are saved to the state directory after every
 * change and restored when the pinned state is created anew, e.g. after a
 * reboot. Failures are warnings: the change is in force either way. */
void xf_persist_save(const struct xf_cli *cli, const struct xf_state *st);
void xf_persist_restore(const struct xf_cli *cli, struct xf_state *st);
void xf_persist_forget(const struct xf_cli *cli, const char *pin_dir);
/* The same save with these expiries and comments of the manual ranges
 * (NULL: those on file stay); returns 0 or a negative errno (warned too). */
struct xf_manual_meta;
int xf_persist_save_meta(const struct xf_cli *cli, const struct xf_state *st,
			 const struct xf_manual_meta *meta);
/* Add the expiries and comments on file for the state of pin_dir to meta
 * (no file: none). Returns 0 or a negative errno. */
int xf_persist_load_meta(const struct xf_cli *cli, const char *pin_dir,
			 struct xf_manual_meta *meta);

/* Command entry points, one file per noun. */
int xf_cmd_attach(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_detach(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_status(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_purge(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_block(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_unblock(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_allow(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_unallow(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_expire(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_protect(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_unprotect(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_dry_run(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_config(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_lookup(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_stats(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_events(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_metrics(struct xf_cli *cli, int argc, char **argv);

int xf_cmd_feed(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_ranges(struct xf_cli *cli, int argc, char **argv);
int xf_cmd_run(struct xf_cli *cli, int argc, char **argv);

extern const struct xf_cmd xf_commands[];
/* Exact name, else a unique prefix, in a NULL-terminated table. */
const struct xf_cmd *xf_cmd_find_in(const struct xf_cmd *table, const char *name,
				    const struct xf_cmd **ambiguous_with);
const struct xf_cmd *xf_cmd_find(const char *name, const struct xf_cmd **ambiguous_with);

#endif /* XF_CLI_H */
