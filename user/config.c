// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* dry-run and config: run-time settings in the config map, read by the
 * data plane on every packet, so a change takes effect at once with no
 * reload. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "cli.h"
#include "conffile.h"
#include "log.h"
#include "names.h"
#include "rules.h"
#include "settings.h"

struct json_object *xf_config_json(const struct xf_config *cfg, size_t services)
{
	struct json_object *o = json_object_new_object();
	char mask[16];

	snprintf(mask, sizeof(mask), "0x%08x", cfg->mark_mask);
	json_object_object_add(o, "dry_run", json_object_new_boolean(cfg->dry_run));
	json_object_object_add(o, "malformed",
			       json_object_new_string(xf_verdict_name(cfg->malformed_verdict)));
	json_object_object_add(o, "scope", json_object_new_string(cfg->scope_enabled
									  ? "protected services"
									  : "all traffic"));
	json_object_object_add(o, "services", json_object_new_uint64(services));
	json_object_object_add(o, "new_only", json_object_new_boolean(cfg->new_conn_only));
	json_object_object_add(o, "mark_mask", json_object_new_string(mask));
	if (cfg->dscp_enabled)
		json_object_object_add(o, "dscp", json_object_new_int(cfg->dscp));
	else
		json_object_object_add(o, "dscp", json_object_new_string("off"));
	json_object_object_add(o, "event_rate", json_object_new_int64(cfg->event_rate));
	json_object_object_add(o, "event_sample", json_object_new_int64(cfg->event_sample));
	return o;
}

static void render_config(struct json_object *result)
{
	json_object_object_foreach(result, key, val)
		printf("%-16s %s\n", key, json_object_get_string(val));
}

static size_t count_services(const struct xf_state *st)
{
	struct xf_service svc;
	size_t n = 0;
	__u32 i;

	for (i = 0; i < XF_MAX_SERVICES; i++)
		if (!bpf_map_lookup_elem(st->map_fd[XF_MAP_SERVICES], &i, &svc) && svc.in_use)
			n++;
	return n;
}

/* Apply one KEY VALUE to cfg. Returns 0 or an exit code after reporting. */
static int set_key(struct xf_cli *cli, struct xf_config *cfg, const char *key, const char *value)
{
	int err = xf_setting_apply(cfg, key, value);

	if (err == -ENOENT)
		return xf_usage_error(cli, "config", "config: unknown setting '%s' (%s)", key,
				      XF_SETTING_NAMES);
	if (err)
		return xf_usage_error(cli, "config", "config: '%s' is not a valid value for %s",
				      value, key);
	return 0;
}

/* A narrower mark mask must still hold every tag in force, or different
 * tags would end up as one mark. */
static int check_tags_fit(struct xf_cli *cli, const struct xf_state *st,
			  const struct xf_config *cfg)
{
	__u64 max = (__u64)cfg->mark_mask >> cfg->mark_shift;
	struct xf_ruleset rs;
	size_t i;

	if (xf_ruleset_read(st, &rs))
		return 0;
	for (i = 0; i < rs.n; i++) {
		if (rs.rules[i].action == XF_ACTION_TAG && rs.rules[i].tag > max) {
			char text[XF_PREFIX_STRLEN];
			__u32 tag = rs.rules[i].tag;

			xf_prefix_format(&rs.rules[i].prefix, text, sizeof(text));
			xf_ruleset_free(&rs);
			return xf_fail(cli, "config: mark-mask 0x%08x holds tags up to %llu, but %s "
				       "is tagged %u",
				       cfg->mark_mask, (unsigned long long)max, text, tag);
		}
	}
	xf_ruleset_free(&rs);
	return 0;
}

static int show_or_set(struct xf_cli *cli, const char *key, const char *value)
{
	struct xf_config cfg;
	struct xf_state st;
	int err, ret;

	if (xf_cli_open_state(cli, &st, key != NULL))
		return 1;
	err = xf_config_read(&st, &cfg);
	if (err) {
		xf_state_close(&st);
		return xf_fail(cli, "config: cannot read the settings: %s", strerror(-err));
	}
	if (key) {
		ret = set_key(cli, &cfg, key, value);
		if (ret) {
			xf_state_close(&st);
			return ret;
		}
		ret = check_tags_fit(cli, &st, &cfg);
		if (ret) {
			xf_state_close(&st);
			return ret;
		}
		err = xf_config_write(&st, &cfg);
		if (err) {
			xf_state_close(&st);
			return xf_fail(cli, "config: cannot write the settings: %s",
				       strerror(-err));
		}
		xf_persist_save(cli, &st);
	}
	ret = xf_output(cli, xf_config_json(&cfg, count_services(&st)), render_config);
	xf_state_close(&st);
	return ret;
}

/* ---- config check: the daemon's config file ---- */

static void render_check(struct json_object *result)
{
	struct json_object *problems;
	const char *file = xf_json_str(result, "file");
	size_t i, n;

	json_object_object_get_ex(result, "problems", &problems);
	n = json_object_array_length(problems);
	for (i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(problems, i);

		if (xf_json_int(p, "line"))
			printf("%s:%lld: %s\n", file, xf_json_int(p, "line"),
			       xf_json_str(p, "message"));
		else
			printf("%s: %s\n", file, xf_json_str(p, "message"));
	}
	if (n)
		printf("%s: %zu problem%s\n", file, n, n == 1 ? "" : "s");
	else
		printf("%s: ok: %lld interface(s), %lld service(s), %lld allowlist entr%s, "
		       "%lld setting(s), %lld feed(s)\n",
		       file, xf_json_int(result, "interfaces"), xf_json_int(result, "services"),
		       xf_json_int(result, "allowlist"),
		       xf_json_int(result, "allowlist") == 1 ? "y" : "ies",
		       xf_json_int(result, "settings"), xf_json_int(result, "feeds"));
}

/* Every problem of the file with its line; exit status 1 when there is any. */
static int check_file(struct xf_cli *cli, const char *path)
{
	struct json_object *result, *problems;
	struct xf_conf conf;
	size_t i;
	int err;

	err = xf_conf_load(&conf, path);
	if (err == -ENOMEM) {
		xf_conf_free(&conf);
		return xf_fail(cli, "config check: %s: out of memory", path);
	}
	result = json_object_new_object();
	problems = json_object_new_array();
	for (i = 0; i < conf.n_problems; i++) {
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "line", json_object_new_int(conf.problems[i].line));
		json_object_object_add(p, "message",
				       json_object_new_string(conf.problems[i].message));
		json_object_array_add(problems, p);
	}
	json_object_object_add(result, "file", json_object_new_string(path));
	json_object_object_add(result, "valid", json_object_new_boolean(!conf.n_problems));
	json_object_object_add(result, "problems", problems);
	json_object_object_add(result, "interfaces", json_object_new_uint64(conf.n_ifaces));
	json_object_object_add(result, "services", json_object_new_uint64(conf.n_services));
	json_object_object_add(result, "allowlist", json_object_new_uint64(conf.n_allow));
	json_object_object_add(result, "settings", json_object_new_uint64(conf.n_settings));
	json_object_object_add(result, "feeds", json_object_new_uint64(conf.n_feeds));
	if (conf.n_problems) {
		char msg[64];

		snprintf(msg, sizeof(msg), "%zu problem%s", conf.n_problems,
			 conf.n_problems == 1 ? "" : "s");
		json_object_object_add(result, "error", json_object_new_string(msg));
	}
	i = conf.n_problems;
	xf_conf_free(&conf);
	xf_output(cli, result, render_check);
	return i ? 1 : 0;
}

int xf_cmd_config(struct xf_cli *cli, int argc, char **argv)
{
	if (argc == 1 || (argc == 2 && !strcmp(argv[1], "show")))
		return show_or_set(cli, NULL, NULL);
	if (argc == 4 && !strcmp(argv[1], "set"))
		return show_or_set(cli, argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "check"))
		return check_file(cli, argv[2]);
	return xf_usage_error(cli, "config",
			      "config: expected 'show', 'set KEY VALUE' or 'check FILE'");
}

int xf_cmd_dry_run(struct xf_cli *cli, int argc, char **argv)
{
	struct xf_config scratch = {};

	if (argc == 1)
		return show_or_set(cli, NULL, NULL);
	if (argc != 2 || xf_setting_apply(&scratch, "dry-run", argv[1]))
		return xf_usage_error(cli, "dry-run", "dry-run: expected 'on' or 'off'");
	return show_or_set(cli, "dry-run", argv[1]);
}
