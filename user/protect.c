// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* protect / unprotect: the optional scope. With no protected service the
 * filter looks at all traffic; with some, only at packets addressed to them
 * (destination prefix, protocol, port), everything else passes counted. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bpf/bpf.h>

#include "addr.h"
#include "cli.h"
#include "log.h"

/* "[DST-CIDR][:PORT][/tcp|udp]"; IPv6 with a port goes in brackets:
 * "[2001:db8::/32]:443/tcp". */
static int parse_service(const char *spec, struct xf_service *svc)
{
	char buf[128], *cidr, *port = NULL, *end;
	size_t n = strlen(spec);
	unsigned long v;

	memset(svc, 0, sizeof(*svc));
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, spec, n + 1);
	if (n > 4 && !strcasecmp(buf + n - 4, "/tcp")) {
		svc->protocol = IPPROTO_TCP;
		buf[n - 4] = '\0';
	} else if (n > 4 && !strcasecmp(buf + n - 4, "/udp")) {
		svc->protocol = IPPROTO_UDP;
		buf[n - 4] = '\0';
	}
	cidr = buf;
	if (buf[0] == '[') {
		end = strchr(buf, ']');
		if (!end)
			return -EINVAL;
		*end = '\0';
		cidr = buf + 1;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1])
			return -EINVAL;
	} else if (buf[0] == ':' || strchr(buf, '.')) {
		/* IPv4 (or no address): the last ':' starts the port */
		end = strrchr(buf, ':');
		if (end) {
			*end = '\0';
			port = end + 1;
		}
	}
	if (port) {
		if (!*port || *port == '-' || *port == '+')
			return -EINVAL;
		errno = 0;
		v = strtoul(port, &end, 10);
		if (errno || *end || v == 0 || v > 65535)
			return -EINVAL;
		svc->port = v;
	}
	if (*cidr) {
		struct xf_prefix p;

		if (xf_prefix_parse(cidr, &p, NULL))
			return -EINVAL;
		xf_prefix_to_key(&p, &svc->dst);
	}
	if (!*cidr && !port && !svc->protocol)
		return -EINVAL;
	svc->in_use = 1;
	return 0;
}

static void format_service(const struct xf_service *svc, char *buf, size_t len)
{
	char dst[XF_PREFIX_STRLEN] = "*";
	struct xf_prefix p;
	int n;

	if (svc->dst.family && !xf_prefix_from_key(&p, &svc->dst))
		xf_prefix_format(&p, dst, sizeof(dst));
	n = snprintf(buf, len, svc->dst.family == XF_FAMILY_V6 ? "[%s]" : "%s", dst);
	if (svc->port)
		n += snprintf(buf + n, len - n, ":%u", svc->port);
	else
		n += snprintf(buf + n, len - n, ":*");
	snprintf(buf + n, len - n, "/%s",
		 svc->protocol == IPPROTO_TCP	? "tcp"
		 : svc->protocol == IPPROTO_UDP ? "udp"
						: "tcp+udp");
}

static bool service_equal(const struct xf_service *a, const struct xf_service *b)
{
	return !memcmp(&a->dst, &b->dst, sizeof(a->dst)) && a->port == b->port &&
	       a->protocol == b->protocol;
}

/* A service's destination prefixes: its own, or both /0 when it names none. */
static int service_prefixes(const struct xf_service *svc, struct xf_prefix out[2])
{
	if (svc->dst.family) {
		xf_prefix_from_key(&out[0], &svc->dst);
		return 1;
	}
	memset(out, 0, 2 * sizeof(*out));
	out[0].family = XF_FAMILY_V4;
	out[1].family = XF_FAMILY_V6;
	return 2;
}

struct scope_entry {
	struct xf_lpm_key key;
	__u64 bits;
};

int xf_scope_apply(const struct xf_state *st, const struct xf_service *svcs)
{
	struct scope_entry dst[2 * XF_MAX_SERVICES];
	struct {
		struct xf_port_key key;
		__u64 bits;
	} ports[4 * XF_MAX_SERVICES];
	int ndst = 0, nports = 0, i, j, k, active = 0;
	struct xf_config cfg;
	int err;

	for (i = 0; i < XF_MAX_SERVICES; i++) {
		struct xf_prefix pre[2];
		__u8 protos[2];
		int np, nproto;

		if (!svcs[i].in_use)
			continue;
		active++;
		np = service_prefixes(&svcs[i], pre);
		for (k = 0; k < np; k++) {
			struct xf_lpm_key key;

			xf_prefix_to_key(&pre[k], &key);
			for (j = 0; j < ndst && memcmp(&dst[j].key, &key, sizeof(key)); j++)
				;
			if (j == ndst)
				dst[ndst++] = (struct scope_entry){ key, 0 };
		}
		nproto = 0;
		if (svcs[i].protocol != IPPROTO_UDP)
			protos[nproto++] = IPPROTO_TCP;
		if (svcs[i].protocol != IPPROTO_TCP)
			protos[nproto++] = IPPROTO_UDP;
		for (k = 0; k < nproto; k++) {
			struct xf_port_key keys[2] = {
				{ .protocol = protos[k], .kind = XF_PORT_KEY_PORT,
				  .port = svcs[i].port },
				{ .protocol = protos[k], .kind = XF_PORT_KEY_PROTOCOL },
			};
			int q;

			for (q = 0; q < 2; q++) {
				for (j = 0; j < nports &&
					    memcmp(&ports[j].key, &keys[q], sizeof(keys[q]));
				     j++)
					;
				if (j == nports) {
					ports[nports].key = keys[q];
					ports[nports++].bits = 0;
				}
				ports[j].bits |= 1ULL << i;
			}
		}
	}
	/* a destination entry covers every service whose prefix contains it,
	 * since the trie answers with the longest match only */
	for (j = 0; j < ndst; j++) {
		struct xf_prefix at;

		xf_prefix_from_key(&at, &dst[j].key);
		for (i = 0; i < XF_MAX_SERVICES; i++) {
			struct xf_prefix pre[2];
			int np;

			if (!svcs[i].in_use)
				continue;
			np = service_prefixes(&svcs[i], pre);
			for (k = 0; k < np; k++)
				if (xf_prefix_contains(&pre[k], &at))
					dst[j].bits |= 1ULL << i;
		}
	}

	err = xf_config_read(st, &cfg);
	if (err)
		return err;
	if (!active && cfg.scope_enabled) {
		cfg.scope_enabled = 0;
		if ((err = xf_config_write(st, &cfg)))
			return err;
	}
	for (j = 0; j < ndst; j++)
		if (bpf_map_update_elem(st->map_fd[XF_MAP_SCOPE_DST], &dst[j].key, &dst[j].bits,
					BPF_ANY))
			return -errno;
	for (j = 0; j < nports; j++)
		if (bpf_map_update_elem(st->map_fd[XF_MAP_SCOPE_PORT], &ports[j].key,
					&ports[j].bits, BPF_ANY))
			return -errno;

	/* stale entries: everything not written above */
	{
		struct xf_lpm_key key, next;
		struct xf_port_key pkey, pnext;
		void *prev = NULL;

		while (!bpf_map_get_next_key(st->map_fd[XF_MAP_SCOPE_DST], prev, &next)) {
			for (j = 0; j < ndst && memcmp(&dst[j].key, &next, sizeof(next)); j++)
				;
			key = next;
			prev = &key;
			if (j == ndst && !bpf_map_delete_elem(st->map_fd[XF_MAP_SCOPE_DST], &key))
				prev = NULL; /* restart: the iteration order changed */
		}
		prev = NULL;
		while (!bpf_map_get_next_key(st->map_fd[XF_MAP_SCOPE_PORT], prev, &pnext)) {
			for (j = 0; j < nports && memcmp(&ports[j].key, &pnext, sizeof(pnext)); j++)
				;
			pkey = pnext;
			prev = &pkey;
			if (j == nports && !bpf_map_delete_elem(st->map_fd[XF_MAP_SCOPE_PORT], &pkey))
				prev = NULL;
		}
	}
	if (active && !cfg.scope_enabled) {
		cfg.scope_enabled = 1;
		if ((err = xf_config_write(st, &cfg)))
			return err;
	}
	return 0;
}

static int read_services(const struct xf_state *st, struct xf_service *svcs)
{
	__u32 i;

	for (i = 0; i < XF_MAX_SERVICES; i++)
		if (bpf_map_lookup_elem(st->map_fd[XF_MAP_SERVICES], &i, &svcs[i]))
			return -errno;
	return 0;
}

static int write_services(const struct xf_state *st, const struct xf_service *svcs)
{
	__u32 i;

	for (i = 0; i < XF_MAX_SERVICES; i++)
		if (bpf_map_update_elem(st->map_fd[XF_MAP_SERVICES], &i, &svcs[i], BPF_ANY))
			return -errno;
	return 0;
}

static void render_services(struct json_object *result)
{
	struct json_object *list;
	size_t i;

	json_object_object_get_ex(result, "services", &list);
	if (!json_object_array_length(list))
		puts("no protected services: all traffic is filtered");
	for (i = 0; i < json_object_array_length(list); i++)
		puts(json_object_get_string(json_object_array_get_idx(list, i)));
}

/* add: true for protect, false for unprotect; all: unprotect --all. */
static int change_services(struct xf_cli *cli, const char *cmd, bool add, bool all, int argc,
			   char **argv)
{
	struct xf_service svcs[XF_MAX_SERVICES], before[XF_MAX_SERVICES], parsed;
	struct json_object *result, *list;
	struct xf_state st;
	int i, j, err;

	/* validate everything before touching the state */
	for (i = 0; i < argc; i++)
		if (parse_service(argv[i], &parsed))
			return xf_fail(cli,
				       "%s: '%s' is not a service ([DST-CIDR][:PORT][/tcp|udp], "
				       "IPv6 in brackets)",
				       cmd, argv[i]);
	if (xf_cli_open_state(cli, &st, argc > 0 || all))
		return 1;
	err = read_services(&st, svcs);
	if (err)
		goto fail;
	memcpy(before, svcs, sizeof(svcs));
	for (i = 0; i < argc; i++) {
		parse_service(argv[i], &parsed);
		for (j = 0; j < XF_MAX_SERVICES && !(svcs[j].in_use && service_equal(&svcs[j], &parsed));
		     j++)
			;
		if (add && j == XF_MAX_SERVICES) {
			for (j = 0; j < XF_MAX_SERVICES && svcs[j].in_use; j++)
				;
			if (j == XF_MAX_SERVICES) {
				xf_state_close(&st);
				return xf_fail(cli, "%s: at most %d services can be protected", cmd,
					       XF_MAX_SERVICES);
			}
			svcs[j] = parsed;
		} else if (!add) {
			if (j == XF_MAX_SERVICES) {
				xf_state_close(&st);
				return xf_fail(cli, "%s: '%s' is not a protected service", cmd,
					       argv[i]);
			}
			memset(&svcs[j], 0, sizeof(svcs[j]));
		}
	}
	if (all)
		memset(svcs, 0, sizeof(svcs));
	if (memcmp(before, svcs, sizeof(svcs))) {
		err = write_services(&st, svcs);
		if (!err)
			err = xf_scope_apply(&st, svcs);
		if (err) {
			/* put the previous scope back */
			write_services(&st, before);
			xf_scope_apply(&st, before);
			goto fail;
		}
		xf_persist_save(cli, &st);
	}
	result = json_object_new_object();
	list = json_object_new_array();
	for (i = 0; i < XF_MAX_SERVICES; i++) {
		char text[128];

		if (!svcs[i].in_use)
			continue;
		format_service(&svcs[i], text, sizeof(text));
		json_object_array_add(list, json_object_new_string(text));
	}
	json_object_object_add(result, "services", list);
	xf_state_close(&st);
	return xf_output(cli, result, render_services);
fail:
	xf_state_close(&st);
	return xf_fail(cli, "%s: %s", cmd, strerror(-err));
}

int xf_cmd_protect(struct xf_cli *cli, int argc, char **argv)
{
	return change_services(cli, "protect", true, false, argc - 1, argv + 1);
}

int xf_cmd_unprotect(struct xf_cli *cli, int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--all"))
		return change_services(cli, "unprotect", false, true, 0, NULL);
	if (argc < 2)
		return xf_usage_error(cli, "unprotect", "unprotect: name services or give --all");
	return change_services(cli, "unprotect", false, false, argc - 1, argv + 1);
}
