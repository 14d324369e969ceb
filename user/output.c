// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"

int xf_output(const struct xf_cli *cli, struct json_object *result, xf_text_renderer render)
{
	if (cli->quiet) {
		/* the daemon logs its own lines; errors still reach stderr */
		json_object_put(result);
		return 0;
	}
	if (cli->json || !render) {
		int flags = cli->pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
					: JSON_C_TO_STRING_PLAIN;

		puts(json_object_to_json_string_ext(result, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		render(result);
	}
	fflush(stdout);
	json_object_put(result);
	return 0;
}

static void fail_v(const struct xf_cli *cli, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cli->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(msg));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		fflush(stdout);
	}
	xf_err("%s", msg);
}

int xf_fail(const struct xf_cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_v(cli, fmt, ap);
	va_end(ap);
	return 1;
}

int xf_usage_error(const struct xf_cli *cli, const char *cmd, const char *fmt, ...)
{
	const struct xf_cmd *c = xf_cmd_find(cmd, NULL);
	va_list ap;

	va_start(ap, fmt);
	fail_v(cli, fmt, ap);
	va_end(ap);
	if (c)
		fprintf(stderr, "usage: %s %s\n", cli->prog, c->usage);
	return 2;
}

int xf_cli_open_state(const struct xf_cli *cli, struct xf_state *st, bool mutate)
{
	struct xf_state_opts opts = {
		.pin_dir = cli->pin_dir,
		.max_ranges = cli->max_ranges,
		.backend = cli->backend,
		.create = mutate,
		.lock = mutate,
	};
	int err = xf_state_open(st, &opts);

	if (err == -ENOENT)
		xf_fail(cli, "no xdpfence state under %s: nothing attached or configured yet",
			cli->pin_dir ? cli->pin_dir : xf_state_default_pin_dir());
	else if (err)
		xf_fail(cli, "cannot open the xdpfence state under %s: %s",
			cli->pin_dir ? cli->pin_dir : xf_state_default_pin_dir(), strerror(-err));
	else if (st->created)
		xf_persist_restore(cli, st);
	else if (cli->max_ranges && cli->max_ranges != st->max_ranges)
		xf_warn("--max-ranges %u ignored: the state exists with capacity %u "
			"('xdpfence purge' and start again to resize)",
			cli->max_ranges, st->max_ranges);
	return err;
}

struct json_object *xf_json_counter(const struct xf_counter *c)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "packets", json_object_new_uint64(c->packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(c->bytes));
	return o;
}

const char *xf_json_str(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !v)
		return "-";
	return json_object_get_string(v);
}

long long xf_json_int(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	return json_object_get_int64(v);
}
