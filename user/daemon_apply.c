// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Putting a configuration in force. Each part is compared with what is in
 * force now (attachments, the allowlist, the settings, the registry) and
 * only what differs is changed, through the CLI's commands; what the
 * previous configuration had and this one has not is removed. */
#include <errno.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bpf/bpf.h>

#include "daemon.h"
#include "log.h"
#include "names.h"
#include "registry.h"
#include "rules.h"
#include "settings.h"

/* ---- what is in force now ---- */

static __u64 current_netns_ino(void)
{
	struct stat sb;

	return stat("/proc/self/ns/net", &sb) ? 0 : sb.st_ino;
}

static int open_state(const struct xf_daemon *d, struct xf_state *st)
{
	struct xf_state_opts opts = { .pin_dir = d->cli.pin_dir };

	return xf_state_open(st, &opts);
}

/* The attachment record of the interface called name in our namespace.
 * Returns 0, -ENOENT (not attached) or another negative errno. */
static int find_attachment(const struct xf_daemon *d, const char *name, struct xf_iface *out)
{
	__u64 netns = current_netns_ino();
	__u32 ifindex = if_nametoindex(name), slot;
	struct xf_state st;
	int err;

	if (!ifindex)
		return -ENOENT;
	err = open_state(d, &st);
	if (err)
		return err;
	err = -ENOENT;
	for (slot = 0; slot < XF_MAX_IFACES && err; slot++)
		if (!bpf_map_lookup_elem(st.map_fd[XF_MAP_IFACES], &slot, out) && out->in_use &&
		    out->netns_ino == netns && out->ifindex == ifindex)
			err = 0;
	xf_state_close(&st);
	return err;
}

/* Is each of the n prefixes in the manual allowlist? */
static int allow_present(const struct xf_daemon *d, const struct xf_prefix *p, size_t n,
			 bool *present)
{
	struct xf_ruleset rs;
	struct xf_state st;
	size_t i;
	int err;

	memset(present, 0, n * sizeof(*present));
	err = open_state(d, &st);
	if (err)
		return err == -ENOENT ? 0 : err;
	err = xf_ruleset_read(&st, &rs);
	xf_state_close(&st);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		present[i] = xf_ruleset_find(&rs, XF_FEED_MANUAL, &p[i], true) >= 0;
	xf_ruleset_free(&rs);
	return 0;
}

static int read_settings(const struct xf_daemon *d, struct xf_config *cfg)
{
	struct xf_state st;
	int err = open_state(d, &st);

	if (err)
		return err;
	err = xf_config_read(&st, cfg);
	xf_state_close(&st);
	return err;
}

/* ---- the record of what was applied ---- */

static void add_names(struct json_object *o, const char *what, const void *items, size_t n,
		      size_t stride, size_t name_offset)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(
			a, json_object_new_string((const char *)items + i * stride + name_offset));
	json_object_object_add(o, what, a);
}

struct json_object *xf_daemon_applied_json(const struct xf_conf *conf)
{
	struct json_object *o = json_object_new_object();

#define NAMES(what, array, n, field)                                                   \
	add_names(o, what, conf->array, conf->n, sizeof(*conf->array),                 \
		  offsetof(__typeof__(*conf->array), field))
	NAMES("interfaces", ifaces, n_ifaces, name);
	NAMES("services", services, n_services, spec);
	NAMES("allowlist", allow, n_allow, text);
	NAMES("settings", settings, n_settings, key);
	NAMES("feeds", feeds, n_feeds, name);
#undef NAMES
	return o;
}

/* The names of one part of an applied record; NULL when none. */
static struct json_object *names_of(struct json_object *applied, const char *what)
{
	struct json_object *a;

	if (!applied || !json_object_object_get_ex(applied, what, &a) ||
	    !json_object_is_type(a, json_type_array))
		return NULL;
	return a;
}

static size_t names_count(struct json_object *names)
{
	return names ? json_object_array_length(names) : 0;
}

static const char *name_at(struct json_object *names, size_t i)
{
	return json_object_get_string(json_object_array_get_idx(names, i));
}

static void save_applied(const struct xf_daemon *d)
{
	struct json_object *o = xf_daemon_applied_json(&d->conf);
	char tmp[PATH_MAX + 8];

	snprintf(tmp, sizeof(tmp), "%s.new", d->applied_file);
	if (json_object_to_file_ext(tmp, o, JSON_C_TO_STRING_PRETTY) || rename(tmp, d->applied_file))
		xf_warn("cannot save %s: %s", d->applied_file, strerror(errno));
	json_object_put(o);
}

/* ---- interfaces, services, allowlist, settings ---- */

static const struct xf_conf_iface *conf_iface(const struct xf_conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->n_ifaces; i++)
		if (!strcmp(conf->ifaces[i].name, name))
			return &conf->ifaces[i];
	return NULL;
}

static int detach(struct xf_daemon *d, const char *name)
{
	struct xf_command c;

	xf_command_init(&c, "detach");
	xf_command_arg(&c, name);
	return xf_command_run(&c, &d->cli, xf_cmd_detach);
}

static void apply_interfaces(struct xf_daemon *d, struct json_object *old)
{
	struct json_object *names = names_of(old, "interfaces");
	struct xf_iface rec;
	struct xf_command c;
	size_t i;

	for (i = 0; i < names_count(names); i++) {
		const char *name = name_at(names, i);

		if (!conf_iface(&d->conf, name) && !find_attachment(d, name, &rec) &&
		    !detach(d, name))
			xf_info("interface %s: detached (no longer in the config)", name);
	}
	for (i = 0; i < d->conf.n_ifaces; i++) {
		const struct xf_conf_iface *want = &d->conf.ifaces[i];
		int err = find_attachment(d, want->name, &rec);

		if (!err && rec.mode == want->mode)
			continue;
		if (!err) {
			/* the mode belongs to the attachment: a new one is made,
			 * and the interface is unfiltered in between */
			xf_warn("interface %s: %s mode wanted, attached in %s mode: re-attaching",
				want->name, xf_mode_name(want->mode), xf_mode_name(rec.mode));
			if (detach(d, want->name))
				continue;
		}
		if (!if_nametoindex(want->name)) {
			xf_err("interface %s (%s:%d): no such interface: not filtered", want->name,
			       d->conf.path, want->line);
			continue;
		}
		xf_command_init(&c, "attach");
		xf_command_arg(&c, want->name);
		xf_command_arg(&c, "--mode");
		xf_command_arg(&c, xf_mode_name(want->mode));
		if (!xf_command_run(&c, &d->cli, xf_cmd_attach))
			xf_info("interface %s: attached (%s mode)", want->name,
				xf_mode_name(want->mode));
	}
}

static bool conf_has_service(const struct xf_conf *conf, const char *spec)
{
	size_t i;

	for (i = 0; i < conf->n_services; i++)
		if (!strcmp(conf->services[i].spec, spec))
			return true;
	return false;
}

static void apply_services(struct xf_daemon *d, struct json_object *old)
{
	struct json_object *names = names_of(old, "services");
	struct xf_command c;
	size_t i;

	for (i = 0; i < names_count(names); i++) {
		const char *spec = name_at(names, i);

		if (conf_has_service(&d->conf, spec))
			continue;
		xf_command_init(&c, "unprotect");
		xf_command_arg(&c, spec);
		if (!xf_command_run(&c, &d->cli, xf_cmd_unprotect))
			xf_info("service %s: no longer protected (not in the config)", spec);
	}
	if (!d->conf.n_services)
		return;
	/* protect leaves the services in force alone and writes only new ones */
	xf_command_init(&c, "protect");
	for (i = 0; i < d->conf.n_services; i++)
		xf_command_arg(&c, d->conf.services[i].spec);
	if (xf_command_run(&c, &d->cli, xf_cmd_protect))
		xf_err("protected services: not applied (see above)");
}

static bool conf_has_allow(const struct xf_conf *conf, const char *text)
{
	size_t i;

	for (i = 0; i < conf->n_allow; i++)
		if (!strcmp(conf->allow[i].text, text))
			return true;
	return false;
}

static void apply_allowlist(struct xf_daemon *d, struct json_object *old)
{
	struct json_object *names = names_of(old, "allowlist");
	size_t i, n_old = names_count(names), n = d->conf.n_allow + n_old;
	struct xf_prefix *p = calloc(n + 1, sizeof(*p));
	bool *present = calloc(n + 1, sizeof(*present));
	struct xf_command add, del;

	xf_command_init(&add, "allow");
	xf_command_init(&del, "unallow");
	if (!p || !present) {
		xf_err("allowlist: out of memory");
		goto out;
	}
	/* the config's prefixes, then the old ones */
	for (i = 0; i < d->conf.n_allow; i++)
		p[i] = d->conf.allow[i].prefix;
	for (i = 0; i < n_old; i++)
		if (xf_prefix_parse(name_at(names, i), &p[d->conf.n_allow + i], NULL))
			memset(&p[d->conf.n_allow + i], 0, sizeof(*p));
	if (allow_present(d, p, n, present)) {
		xf_err("allowlist: cannot read the rules in force");
		goto out;
	}
	for (i = 0; i < d->conf.n_allow; i++)
		if (!present[i])
			xf_command_arg(&add, d->conf.allow[i].text);
	for (i = 0; i < n_old; i++)
		if (present[d->conf.n_allow + i] && !conf_has_allow(&d->conf, name_at(names, i)))
			xf_command_arg(&del, name_at(names, i));
	if (add.argc > 1 || del.argc > 1)
		xf_info("allowlist: %d added, %d removed", add.argc - 1, del.argc - 1);
	if (add.argc > 1 && xf_command_run(&add, &d->cli, xf_cmd_allow))
		xf_err("allowlist: the new entries are not applied (see above)");
	if (del.argc > 1 && xf_command_run(&del, &d->cli, xf_cmd_unallow))
		xf_err("allowlist: the entries that left the config are still in force");
out:
	xf_command_free(&add);
	xf_command_free(&del);
	free(p);
	free(present);
}

/* Set key to value unless it has it already. */
static void apply_setting(struct xf_daemon *d, const struct xf_config *now, const char *key,
			  const char *value)
{
	struct xf_config want = *now;
	struct xf_command c;

	if (xf_setting_apply(&want, key, value) || !memcmp(&want, now, sizeof(want)))
		return;
	xf_command_init(&c, "config");
	xf_command_arg(&c, "set");
	xf_command_arg(&c, key);
	xf_command_arg(&c, value);
	if (!xf_command_run(&c, &d->cli, xf_cmd_config))
		xf_info("setting %s: %s", key, value);
}

static const struct xf_conf_setting *conf_setting(const struct xf_conf *conf, const char *key)
{
	size_t i;

	for (i = 0; i < conf->n_settings; i++)
		if (!strcmp(conf->settings[i].key, key))
			return &conf->settings[i];
	return NULL;
}

static void apply_settings(struct xf_daemon *d, struct json_object *old)
{
	struct json_object *names = names_of(old, "settings");
	struct xf_config now;
	size_t i;

	if (read_settings(d, &now)) {
		xf_err("settings: cannot read the settings in force");
		return;
	}
	/* a setting that left the config goes back to its default */
	for (i = 0; i < names_count(names); i++) {
		const char *key = name_at(names, i);

		if (!conf_setting(&d->conf, key) && xf_setting_default(key))
			apply_setting(d, &now, key, xf_setting_default(key));
	}
	for (i = 0; i < d->conf.n_settings; i++)
		apply_setting(d, &now, d->conf.settings[i].key, d->conf.settings[i].value);
}

/* ---- feeds ---- */

/* The registry entry takes the config's definition; its id, its status and
 * the validators of the version in force stay (they are tied to the
 * definition they were stored with: after a change that matters for
 * parsing the next download is a full one). */
static void replace_definition(struct xf_feed_def *entry, struct xf_feed_def *def)
{
	def->id = entry->id;
	def->status = entry->status;
	def->etag = entry->etag;
	def->last_modified = entry->last_modified;
	memcpy(def->validated_def, entry->validated_def, sizeof(def->validated_def));
	memset(&entry->status, 0, sizeof(entry->status));
	entry->etag = entry->last_modified = NULL;
	xf_feed_def_free(entry);
	*entry = *def;
	memset(def, 0, sizeof(*def));
}

static bool same_definition(const struct xf_feed_def *a, const struct xf_feed_def *b)
{
	char *x = xf_feed_def_identity(a), *y = xf_feed_def_identity(b);
	bool same = x && y && !strcmp(x, y);

	free(x);
	free(y);
	return same;
}

/* One feed of the config into the registry: added, changed or left. */
static void register_feed(struct xf_daemon *d, struct xf_registry *reg,
			  const struct xf_conf_feed *f)
{
	struct xf_feed_def def, *entry = xf_registry_find(reg, f->name);
	char before[XF_FEED_HASH_LEN + 1], after[XF_FEED_HASH_LEN + 1];
	int err;

	if (xf_conf_feed_def_copy(&d->conf, f, &def)) {
		xf_err("feed '%s': out of memory", f->name);
		return;
	}
	if (!entry) {
		err = xf_registry_add(reg, &def);
		if (err) {
			xf_err("feed '%s': cannot register it: %s", f->name,
			       err == -ENOSPC ? "the registry is full" : strerror(-err));
			xf_feed_def_free(&def);
			return;
		}
		xf_info("feed '%s': added (%s, %s)", f->name, f->def.source,
			xf_action_name(f->def.action));
		xf_refresh_schedule_request(&d->feeds, f->name);
		return;
	}
	if (same_definition(entry, &def)) {
		xf_feed_def_free(&def);
		return;
	}
	xf_feed_def_fingerprint(entry, before);
	xf_feed_def_fingerprint(&def, after);
	replace_definition(entry, &def);
	if (strcmp(before, after)) {
		xf_info("feed '%s': definition changed: synced again", f->name);
		xf_refresh_schedule_request(&d->feeds, f->name);
	} else {
		xf_info("feed '%s': schedule or download options changed", f->name);
	}
}

static void apply_feeds(struct xf_daemon *d, struct json_object *old)
{
	struct json_object *names = names_of(old, "feeds");
	struct xf_registry reg;
	struct xf_command c;
	size_t i;
	int err;

	err = xf_registry_open(&reg, d->cli.state_dir, true);
	if (err) {
		xf_err("feeds: cannot open the registry: %s", strerror(-err));
		return;
	}
	for (i = 0; i < d->conf.n_feeds; i++)
		register_feed(d, &reg, &d->conf.feeds[i]);
	xf_registry_save(&reg);
	/* `feed remove` takes the registry lock itself: ours goes first */
	xf_registry_close(&reg);
	if (xf_registry_open(&reg, d->cli.state_dir, false))
		return;
	for (i = 0; i < names_count(names); i++) {
		const char *name = name_at(names, i);

		if (xf_conf_find_feed(&d->conf, name) || !xf_registry_find(&reg, name))
			continue;
		xf_command_init(&c, "feed");
		xf_command_arg(&c, "remove");
		xf_command_arg(&c, name);
		if (!xf_command_run(&c, &d->cli, xf_cmd_feed))
			xf_info("feed '%s': removed (no longer in the config), its ranges withdrawn",
				name);
	}
	xf_registry_close(&reg);
}

void xf_daemon_apply(struct xf_daemon *d, struct json_object *old)
{
	apply_settings(d, old);
	apply_allowlist(d, old);
	apply_services(d, old);
	apply_feeds(d, old);
	/* the filter goes on last, with everything else in place */
	apply_interfaces(d, old);
	save_applied(d);
}

void xf_daemon_detach(struct xf_daemon *d)
{
	struct xf_iface rec;
	struct xf_command c;
	size_t i;

	xf_command_init(&c, "detach");
	for (i = 0; i < d->conf.n_ifaces; i++)
		if (!find_attachment(d, d->conf.ifaces[i].name, &rec))
			xf_command_arg(&c, d->conf.ifaces[i].name);
	if (c.argc > 1 && !xf_command_run(&c, &d->cli, xf_cmd_detach))
		xf_info("detached from the configured interfaces (detach on stop)");
	xf_command_free(&c);
}
