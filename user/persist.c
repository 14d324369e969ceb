// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Persistence of what only bpffs holds: manual ranges, protected services
 * and run-time settings, one file per pinned state in the state directory
 * ("settings-<pin dir name>.json"). Feeds have their own registry and are
 * rebuilt by `feed sync`; this keeps the allowlist, dry-run and the rest
 * from silently vanishing when bpffs is empty after a reboot. A manual range
 * carries its expiry and comment here too (the data plane's record has no
 * room for them); one that expired while the state was gone is not
 * restored. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "addr.h"
#include "cli.h"
#include "log.h"
#include "manual_meta.h"
#include "names.h"
#include "registry.h"
#include "rules.h"

#define XF_SETTINGS_VERSION 2 /* 2: manual ranges' expires and comment */

static int settings_path(const struct xf_cli *cli, const char *pin_dir, char *buf, size_t len)
{
	char copy[256];
	int n;

	snprintf(copy, sizeof(copy), "%s", pin_dir);
	n = snprintf(buf, len, "%s/settings-%s.json",
		     cli->state_dir ? cli->state_dir : xf_registry_default_dir(), basename(copy));
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static struct json_object *config_raw_json(const struct xf_config *c)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "dry_run", json_object_new_int(c->dry_run));
	json_object_object_add(o, "malformed_verdict", json_object_new_int(c->malformed_verdict));
	json_object_object_add(o, "new_conn_only", json_object_new_int(c->new_conn_only));
	json_object_object_add(o, "mark_mask", json_object_new_int64(c->mark_mask));
	json_object_object_add(o, "dscp_enabled", json_object_new_int(c->dscp_enabled));
	json_object_object_add(o, "dscp", json_object_new_int(c->dscp));
	json_object_object_add(o, "event_rate", json_object_new_int64(c->event_rate));
	json_object_object_add(o, "event_sample", json_object_new_int64(c->event_sample));
	return o;
}

static long long field(struct json_object *o, const char *key, long long dflt)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : dflt;
}

static void config_from_json(struct json_object *o, struct xf_config *c)
{
	c->dry_run = field(o, "dry_run", c->dry_run) ? 1 : 0;
	c->malformed_verdict = field(o, "malformed_verdict", c->malformed_verdict) ==
					       XF_VERDICT_DROP
				       ? XF_VERDICT_DROP
				       : XF_VERDICT_PASS;
	c->new_conn_only = field(o, "new_conn_only", c->new_conn_only) ? 1 : 0;
	c->mark_mask = field(o, "mark_mask", c->mark_mask);
	if (c->mark_mask)
		c->mark_shift = __builtin_ctz(c->mark_mask);
	c->dscp_enabled = field(o, "dscp_enabled", c->dscp_enabled) ? 1 : 0;
	c->dscp = field(o, "dscp", c->dscp) & 63;
	c->event_rate = field(o, "event_rate", c->event_rate);
	c->event_sample = field(o, "event_sample", c->event_sample) ?: 1;
}

static struct json_object *manual_json(const struct xf_rule *r,
				       const struct xf_manual_meta_entry *meta)
{
	struct json_object *o = json_object_new_object();
	char text[XF_PREFIX_STRLEN];

	xf_prefix_format(&r->prefix, text, sizeof(text));
	json_object_object_add(o, "range", json_object_new_string(text));
	json_object_object_add(o, "action", json_object_new_string(xf_action_name(r->action)));
	json_object_object_add(o, "tag", json_object_new_int64(r->tag));
	if (meta && meta->expires)
		json_object_object_add(o, "expires", json_object_new_int64(meta->expires));
	if (meta && meta->comment)
		json_object_object_add(o, "comment", json_object_new_string(meta->comment));
	return o;
}

/* One manual entry of the file: its rule (feed manual) and whether it
 * names a usable range. */
static bool manual_from_json(struct json_object *o, struct xf_rule *r)
{
	struct json_object *v;
	const char *action;

	*r = (struct xf_rule){ .feed_id = XF_FEED_MANUAL };
	if (!json_object_object_get_ex(o, "range", &v) ||
	    xf_prefix_parse(json_object_get_string(v), &r->prefix, NULL) ||
	    !json_object_object_get_ex(o, "action", &v))
		return false;
	action = json_object_get_string(v);
	if (!strcmp(action, "allow"))
		r->action = XF_ACTION_ALLOW;
	else if (xf_action_parse(action, &r->action))
		return false;
	r->tag = field(o, "tag", 0);
	return true;
}

int xf_persist_load_meta(const struct xf_cli *cli, const char *pin_dir,
			 struct xf_manual_meta *meta)
{
	struct json_object *root, *list;
	char path[512];
	size_t i;
	int err = 0;

	err = settings_path(cli, pin_dir, path, sizeof(path));
	if (err)
		return err;
	if (access(path, F_OK))
		return 0;
	root = json_object_from_file(path);
	if (!root) {
		xf_warn("settings %s are unreadable (%s): manual ranges have no expiry or comment",
			path, json_util_get_last_err());
		return -EIO;
	}
	if (json_object_object_get_ex(root, "manual", &list)) {
		for (i = 0; !err && i < json_object_array_length(list); i++) {
			struct json_object *o = json_object_array_get_idx(list, i), *v;
			struct xf_rule r;

			if (!manual_from_json(o, &r))
				continue;
			err = xf_manual_meta_set(meta, &r.prefix, r.action == XF_ACTION_ALLOW,
						 field(o, "expires", 0),
						 json_object_object_get_ex(o, "comment", &v)
							 ? json_object_get_string(v)
							 : NULL);
		}
	}
	json_object_put(root);
	return err;
}

void xf_persist_save(const struct xf_cli *cli, const struct xf_state *st)
{
	xf_persist_save_meta(cli, st, NULL);
}

int xf_persist_save_meta(const struct xf_cli *cli, const struct xf_state *st,
			 const struct xf_manual_meta *meta)
{
	struct json_object *root = json_object_new_object(), *list;
	struct xf_manual_meta from_file = {};
	struct xf_ruleset rs = {};
	struct xf_config cfg;
	char path[512], tmp[520], text[XF_PREFIX_STRLEN];
	const char *out;
	size_t i, len;
	int fd = -1, err = 0;
	__u32 k;

	/* without new ones, the expiries and comments stay those on file */
	if (!meta) {
		xf_persist_load_meta(cli, st->pin_dir, &from_file);
		meta = &from_file;
	}
	json_object_object_add(root, "version", json_object_new_int(XF_SETTINGS_VERSION));
	json_object_object_add(root, "pin_dir", json_object_new_string(st->pin_dir));
	if (!xf_config_read(st, &cfg))
		json_object_object_add(root, "config", config_raw_json(&cfg));
	list = json_object_new_array();
	for (k = 0; k < XF_MAX_SERVICES; k++) {
		struct xf_service svc;
		struct json_object *o;
		struct xf_prefix p;

		if (bpf_map_lookup_elem(st->map_fd[XF_MAP_SERVICES], &k, &svc) || !svc.in_use)
			continue;
		o = json_object_new_object();
		if (svc.dst.family && !xf_prefix_from_key(&p, &svc.dst)) {
			xf_prefix_format(&p, text, sizeof(text));
			json_object_object_add(o, "dst", json_object_new_string(text));
		}
		json_object_object_add(o, "port", json_object_new_int(svc.port));
		json_object_object_add(o, "protocol", json_object_new_int(svc.protocol));
		json_object_array_add(list, o);
	}
	json_object_object_add(root, "services", list);
	err = settings_path(cli, st->pin_dir, path, sizeof(path));
	if (err)
		goto report;
	/* an unreadable rule store must not become an empty list on file */
	err = xf_ruleset_read(st, &rs);
	if (err)
		goto report;
	list = json_object_new_array();
	for (i = 0; i < rs.n; i++) {
		const struct xf_rule *r = &rs.rules[i];

		if (r->feed_id != XF_FEED_MANUAL)
			continue;
		json_object_array_add(list, manual_json(r, xf_manual_meta_find(
								   meta, &r->prefix,
								   r->action == XF_ACTION_ALLOW)));
	}
	xf_ruleset_free(&rs);
	json_object_object_add(root, "manual", list);
	out = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(out);

	mkdir(cli->state_dir ? cli->state_dir : xf_registry_default_dir(), 0755);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, out, len) != (ssize_t)len || fsync(fd) || close(fd) ||
	    (fd = -1, rename(tmp, path))) {
		err = errno ? -errno : -EIO;
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
report:
	if (err)
		xf_warn("cannot save the settings to %s: %s (in force now, but not restored after "
			"a reboot)",
			path, strerror(-err));
	json_object_put(root);
	xf_manual_meta_free(&from_file);
	return err;
}

static int restore_manual(struct xf_state *st, struct json_object *list)
{
	struct xf_ruleset old = {}, next = {};
	time_t now = time(NULL);
	size_t i;
	int err;

	err = xf_ruleset_read(st, &old);
	if (!err)
		err = xf_ruleset_copy(&next, &old);
	for (i = 0; !err && i < json_object_array_length(list); i++) {
		struct json_object *o = json_object_array_get_idx(list, i);
		long long expires = field(o, "expires", 0);
		struct xf_rule r;

		if (!manual_from_json(o, &r))
			continue;
		if (expires && expires <= now) {
			char text[XF_PREFIX_STRLEN];

			xf_prefix_format(&r.prefix, text, sizeof(text));
			xf_info("manual range %s (%s) expired while the state was gone: not restored",
				text, xf_action_name(r.action));
			continue;
		}
		err = xf_ruleset_put(&next, &r);
	}
	if (!err)
		err = xf_ruleset_commit(st, &old, &next, NULL);
	xf_ruleset_free(&old);
	xf_ruleset_free(&next);
	return err;
}

static int restore_services(const struct xf_state *st, struct json_object *list)
{
	struct xf_service svcs[XF_MAX_SERVICES] = {};
	size_t i, n = 0;
	__u32 k;

	for (i = 0; i < json_object_array_length(list) && n < XF_MAX_SERVICES; i++) {
		struct json_object *o = json_object_array_get_idx(list, i), *v;
		struct xf_service *s = &svcs[n];
		struct xf_prefix p;

		if (json_object_object_get_ex(o, "dst", &v)) {
			if (xf_prefix_parse(json_object_get_string(v), &p, NULL))
				continue;
			xf_prefix_to_key(&p, &s->dst);
		}
		s->port = field(o, "port", 0);
		s->protocol = field(o, "protocol", 0);
		s->in_use = 1;
		n++;
	}
	for (k = 0; k < XF_MAX_SERVICES; k++)
		if (bpf_map_update_elem(st->map_fd[XF_MAP_SERVICES], &k, &svcs[k], BPF_ANY))
			return -errno;
	return xf_scope_apply(st, svcs);
}

void xf_persist_restore(const struct xf_cli *cli, struct xf_state *st)
{
	struct json_object *root, *v;
	struct xf_config cfg;
	char path[512];
	int err = 0;

	if (settings_path(cli, st->pin_dir, path, sizeof(path)) || access(path, F_OK))
		return;
	root = json_object_from_file(path);
	if (!root) {
		xf_warn("settings %s are unreadable (%s): starting from defaults", path,
			json_util_get_last_err());
		return;
	}
	if (json_object_object_get_ex(root, "config", &v) && !xf_config_read(st, &cfg)) {
		config_from_json(v, &cfg);
		err = xf_config_write(st, &cfg);
	}
	if (!err && json_object_object_get_ex(root, "services", &v))
		err = restore_services(st, v);
	if (!err && json_object_object_get_ex(root, "manual", &v))
		err = restore_manual(st, v);
	if (err)
		xf_warn("restoring the settings from %s: %s", path, strerror(-err));
	else
		xf_info("restored manual ranges, services and settings from %s", path);
	json_object_put(root);
}

void xf_persist_forget(const struct xf_cli *cli, const char *pin_dir)
{
	char path[512];

	if (!settings_path(cli, pin_dir, path, sizeof(path)))
		unlink(path);
}
