// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The config file: libinih splits it into sections and key = value pairs;
 * this file gives each pair its meaning and checks it. libinih does not
 * pass line numbers to the handler in Debian's build, so the file is read
 * through our own line reader, which counts lines, and which also sees the
 * section headers (libinih does not report a section without keys, and
 * `[interface eth0]` alone is a complete section). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "conffile.h"
#include "duration.h"
#include "registry_options.h"
#include "settings.h"
#include "state.h"

enum section_kind {
	SECTION_NONE,	 /* before the first header */
	SECTION_INVALID, /* a bad header: its keys are not checked again */
	SECTION_DAEMON,
	SECTION_SETTINGS,
	SECTION_ALLOWLIST,
	SECTION_INTERFACE,
	SECTION_SERVICE,
	SECTION_FEED,
};

struct load_ctx {
	struct xf_conf *conf;
	/* the line reader */
	FILE *file;
	const char *text; /* or the text */
	int line;
	bool at_line_start;
	/* the section being read */
	enum section_kind kind;
	size_t index; /* of the interface, service or feed */
	/* the [daemon] and [settings] keys seen, against repeats */
	struct xf_conf_entry *seen;
	size_t n_seen;
	/* a [service] is assembled from three keys, checked at its end */
	struct service_parts {
		char *dst, *port, *protocol;
		int dst_line, port_line, protocol_line;
	} service;
	bool oom;
};

static void problem(struct load_ctx *ctx, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct load_ctx *ctx, int line, const char *fmt, ...)
{
	struct xf_conf *conf = ctx->conf;
	struct xf_conf_problem *grown;
	char *msg;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	grown = n < 0 ? NULL
		      : realloc(conf->problems, (conf->n_problems + 1) * sizeof(*grown));
	if (!grown) {
		if (n >= 0)
			free(msg);
		ctx->oom = true;
		return;
	}
	conf->problems = grown;
	conf->problems[conf->n_problems].line = line;
	conf->problems[conf->n_problems].message = msg;
	conf->n_problems++;
}

/* Grow an array of structs by one zeroed element; NULL when out of memory. */
static void *append(struct load_ctx *ctx, void **array, size_t *n, size_t size)
{
	char *grown = realloc(*array, (*n + 1) * size);

	if (!grown) {
		ctx->oom = true;
		return NULL;
	}
	memset(grown + *n * size, 0, size);
	*array = grown;
	return grown + (*n)++ * size;
}

static int parse_long(const char *v, long long min, long long max, long long *out)
{
	char *end;

	if (!*v || isspace((unsigned char)*v))
		return -EINVAL;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return errno || *end || *out < min || *out > max ? -EINVAL : 0;
}

/* The items of a list value: separated by commas and/or blanks. */
static char *next_item(char **cursor)
{
	char *p = *cursor, *start;

	while (*p && (isspace((unsigned char)*p) || *p == ','))
		p++;
	if (!*p)
		return NULL;
	start = p;
	while (*p && !isspace((unsigned char)*p) && *p != ',')
		p++;
	if (*p)
		*p++ = '\0';
	*cursor = p;
	return start;
}

static bool iface_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (!n || n >= XF_IFNAME_MAX || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (i = 0; i < n; i++)
		if (name[i] == '/' || name[i] == ':' || isspace((unsigned char)name[i]))
			return false;
	return true;
}

/* ---- [feed NAME] ---- */

struct feed_problem {
	struct load_ctx *ctx; /* NULL: not reported */
	const struct xf_conf_feed *feed;
};

static void feed_incoherent(const char *what, void *data)
{
	struct feed_problem *fp = data;

	if (fp->ctx)
		problem(fp->ctx, fp->feed->line, "feed '%s': %s", fp->feed->name, what);
}

/* Build def from the feed's entries; each problem goes to ctx when given. */
static int build_feed_def(struct load_ctx *ctx, const struct xf_conf *conf,
			  const struct xf_conf_feed *feed, struct xf_feed_def *def)
{
	struct feed_problem fp = { .ctx = ctx, .feed = feed };
	char err[512];
	size_t i, k;
	int ret = 0, r;

	xf_feed_def_init(def);
	snprintf(def->name, sizeof(def->name), "%s", feed->name);
	for (i = 0; i < feed->n_entries; i++) {
		const struct xf_conf_entry *e = &feed->entries[i];

		if (!xf_feed_option_repeats(e->key)) {
			for (k = 0; k < i && strcmp(feed->entries[k].key, e->key); k++)
				;
			if (k < i) {
				if (ctx)
					problem(ctx, e->line, "feed '%s': %s is given twice (line %d)",
						feed->name, e->key, feed->entries[k].line);
				ret = -EINVAL;
				continue;
			}
		}
		r = xf_feed_option_set(def, e->key, e->value, conf->dir, err, sizeof(err));
		if (r == -ENOMEM)
			return r;
		if (r) {
			if (ctx)
				problem(ctx, e->line, "feed '%s': %s", feed->name, err);
			ret = -EINVAL;
		}
	}
	if (def->action == XF_ACTION_TAG && !def->tag)
		def->tag = 1; /* as feed add */
	if (feed->incomplete)
		return -EINVAL; /* what is missing was reported: its line was unreadable */
	if (!def->source) {
		feed_incoherent("source = PATH|URL is required", &fp);
		ret = -EINVAL;
	}
	return xf_feed_def_check(def, feed_incoherent, &fp) ? -EINVAL : ret;
}

/* ---- [daemon] ---- */

static int set_string(char **slot, const char *v)
{
	free(*slot);
	*slot = *v ? strdup(v) : NULL;
	return *v && !*slot ? -ENOMEM : 0;
}

/* HOST:PORT where HOST is an IPv4 address, [IPv6] or empty (all). */
static bool listen_address_valid(const char *v)
{
	const char *colon = strrchr(v, ':');
	unsigned char buf[sizeof(struct in6_addr)];
	char host[64];
	long long port;
	size_t hlen;

	if (!colon || parse_long(colon + 1, 1, 65535, &port))
		return false;
	hlen = colon - v;
	if (!hlen)
		return true;
	if (v[0] == '[') {
		if (hlen < 3 || v[hlen - 1] != ']' || hlen - 2 >= sizeof(host))
			return false;
		memcpy(host, v + 1, hlen - 2);
		host[hlen - 2] = '\0';
		return inet_pton(AF_INET6, host, buf) == 1;
	}
	if (hlen >= sizeof(host))
		return false;
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	return inet_pton(AF_INET, host, buf) == 1;
}

static void daemon_key(struct load_ctx *ctx, const char *key, const char *v)
{
	struct xf_conf *conf = ctx->conf;
	long long n;
	int err = 0;

	char **dir = !strcmp(key, "state_dir")	   ? &conf->state_dir
		     : !strcmp(key, "pin_dir")	   ? &conf->pin_dir
		     : !strcmp(key, "runtime_dir") ? &conf->runtime_dir
						   : NULL;

	if (dir) {
		if (v[0] != '/')
			problem(ctx, ctx->line, "%s '%s' is not an absolute path", key, v);
		else
			err = set_string(dir, v);
	} else if (!strcmp(key, "metrics_listen")) {
		if (*v && strcmp(v, "off") && !listen_address_valid(v))
			problem(ctx, ctx->line,
				"metrics_listen '%s' is not ADDRESS:PORT (127.0.0.1:9101, "
				"[::1]:9101, :9101) or off",
				v);
		else
			err = set_string(&conf->metrics_listen, strcmp(v, "off") ? v : "");
	} else if (!strcmp(key, "metrics_top_n")) {
		if (parse_long(v, 0, XF_CONF_MAX_TOP_N, &n))
			problem(ctx, ctx->line, "metrics_top_n '%s' is not 0..%d", v,
				XF_CONF_MAX_TOP_N);
		else
			conf->metrics_top_n = n;
	} else if (!strcmp(key, "events")) {
		if (!strcmp(v, "off") || !*v)
			err = set_string(&conf->events, "");
		else if (!strcmp(v, "syslog") || (!strncmp(v, "file:/", 6) && v[6]))
			err = set_string(&conf->events, v);
		else
			problem(ctx, ctx->line,
				"events '%s' is not file:/ABSOLUTE/PATH, syslog or off", v);
	} else if (!strcmp(key, "events_rate")) {
		if (parse_long(v, 1, 1000000, &n))
			problem(ctx, ctx->line, "events_rate '%s' is not 1..1000000 per second", v);
		else
			conf->events_rate = n;
	} else if (!strcmp(key, "detach_on_stop")) {
		if (xf_parse_bool(v, &conf->detach_on_stop))
			problem(ctx, ctx->line, "detach_on_stop '%s' is not yes or no", v);
	} else if (!strcmp(key, "backend")) {
		conf->backend_set = true;
		if (!strcmp(v, "fast"))
			conf->backend = XF_BACKEND_FAST;
		else if (!strcmp(v, "lpm"))
			conf->backend = XF_BACKEND_LPM;
		else
			problem(ctx, ctx->line, "backend '%s' is not fast or lpm", v);
	} else if (!strcmp(key, "max_ranges")) {
		if (parse_long(v, 1, XF_MAX_RANGES_LIMIT, &n))
			problem(ctx, ctx->line, "max_ranges '%s' is not 1..%u", v,
				XF_MAX_RANGES_LIMIT);
		else
			conf->max_ranges = n;
	} else if (!strcmp(key, "retry_delay")) {
		if (xf_duration_parse(v, &n) || n < 1)
			problem(ctx, ctx->line, "retry_delay '%s' is not a duration of 1s or more", v);
		else
			conf->retry_delay = n;
	} else {
		problem(ctx, ctx->line,
			"[daemon]: unknown key '%s' (state_dir, pin_dir, runtime_dir, "
			"metrics_listen, metrics_top_n, events, events_rate, detach_on_stop, "
			"backend, max_ranges, retry_delay)",
			key);
	}
	if (err)
		ctx->oom = true;
}

/* ---- [settings], [allowlist], [interface], [service] ---- */

static void settings_key(struct load_ctx *ctx, const char *key, const char *v)
{
	struct xf_config scratch = {};
	struct xf_conf_setting *s;
	char name[64];
	size_t i;
	int err;

	/* config set's names; '_' was made of '-' by the key normalisation */
	snprintf(name, sizeof(name), "%s", key);
	for (i = 0; name[i]; i++)
		if (name[i] == '_')
			name[i] = '-';
	err = xf_setting_apply(&scratch, name, v);
	if (err == -ENOENT) {
		problem(ctx, ctx->line, "[settings]: unknown setting '%s' (%s)", key,
			XF_SETTING_NAMES);
		return;
	}
	if (err || strlen(v) >= sizeof(s->value) || strlen(name) >= sizeof(s->key)) {
		problem(ctx, ctx->line, "[settings]: '%s' is not a valid value for %s", v, key);
		return;
	}
	s = append(ctx, (void **)&ctx->conf->settings, &ctx->conf->n_settings, sizeof(*s));
	if (!s)
		return;
	snprintf(s->key, sizeof(s->key), "%s", name);
	snprintf(s->value, sizeof(s->value), "%s", v);
	s->line = ctx->line;
}

static void allowlist_key(struct load_ctx *ctx, const char *key, const char *v)
{
	struct xf_conf *conf = ctx->conf;
	char *copy, *cursor, *item;
	size_t k;

	if (strcmp(key, "cidr")) {
		problem(ctx, ctx->line, "[allowlist]: unknown key '%s' (cidr = CIDR...)", key);
		return;
	}
	cursor = copy = strdup(v);
	if (!copy) {
		ctx->oom = true;
		return;
	}
	while ((item = next_item(&cursor))) {
		struct xf_conf_cidr c = { .line = ctx->line }, *slot;

		if (xf_prefix_parse(item, &c.prefix, NULL)) {
			problem(ctx, ctx->line, "[allowlist]: '%s' is not an address or CIDR", item);
			continue;
		}
		xf_prefix_format(&c.prefix, c.text, sizeof(c.text));
		for (k = 0; k < conf->n_allow && strcmp(conf->allow[k].text, c.text); k++)
			;
		if (k < conf->n_allow) {
			problem(ctx, ctx->line, "[allowlist]: %s is listed twice (line %d)", c.text,
				conf->allow[k].line);
			continue;
		}
		slot = append(ctx, (void **)&conf->allow, &conf->n_allow, sizeof(*slot));
		if (slot)
			*slot = c;
	}
	free(copy);
}

static void interface_key(struct load_ctx *ctx, const char *key, const char *v)
{
	struct xf_conf_iface *iface = &ctx->conf->ifaces[ctx->index];

	if (strcmp(key, "mode")) {
		problem(ctx, ctx->line, "interface %s: unknown key '%s' (mode = native|generic)",
			iface->name, key);
	} else if (!strcmp(v, "native")) {
		iface->mode = XF_MODE_NATIVE;
	} else if (!strcmp(v, "generic")) {
		iface->mode = XF_MODE_GENERIC;
	} else {
		problem(ctx, ctx->line, "interface %s: mode '%s' is not native or generic",
			iface->name, v);
	}
}

static void service_key(struct load_ctx *ctx, const char *key, const char *v)
{
	struct service_parts *p = &ctx->service;
	char **slot;
	int *line;

	if (!strcmp(key, "dst")) {
		slot = &p->dst;
		line = &p->dst_line;
	} else if (!strcmp(key, "port")) {
		slot = &p->port;
		line = &p->port_line;
	} else if (!strcmp(key, "protocol")) {
		slot = &p->protocol;
		line = &p->protocol_line;
	} else {
		problem(ctx, ctx->line,
			"service %s: unknown key '%s' (dst = CIDR, port = N, protocol = tcp|udp)",
			ctx->conf->services[ctx->index].name, key);
		return;
	}
	if (*slot) {
		problem(ctx, ctx->line, "service %s: %s is given twice (line %d)",
			ctx->conf->services[ctx->index].name, key, *line);
		return;
	}
	*slot = strdup(v);
	*line = ctx->line;
	if (!*slot)
		ctx->oom = true;
}

/* The service's keys as one `protect` argument: "[DST][:PORT][/PROTO]",
 * IPv6 in brackets when a port follows. */
static void service_end(struct load_ctx *ctx)
{
	struct service_parts *p = &ctx->service;
	struct xf_conf_service *svc = &ctx->conf->services[ctx->index];
	char dst[XF_PREFIX_STRLEN + 2] = "", port[8] = "", proto[8] = "";
	struct xf_prefix prefix;
	long long n;
	bool ok = true;

	if (p->dst) {
		if (xf_prefix_parse(p->dst, &prefix, NULL)) {
			problem(ctx, p->dst_line, "service %s: dst '%s' is not an address or CIDR",
				svc->name, p->dst);
			ok = false;
		} else {
			char text[XF_PREFIX_STRLEN];

			xf_prefix_format(&prefix, text, sizeof(text));
			snprintf(dst, sizeof(dst),
				 prefix.family == XF_FAMILY_V6 && p->port ? "[%s]" : "%s", text);
		}
	}
	if (p->port) {
		if (parse_long(p->port, 1, 65535, &n)) {
			problem(ctx, p->port_line, "service %s: port '%s' is not 1..65535",
				svc->name, p->port);
			ok = false;
		} else {
			snprintf(port, sizeof(port), ":%lld", n);
		}
	}
	if (p->protocol) {
		if (strcasecmp(p->protocol, "tcp") && strcasecmp(p->protocol, "udp")) {
			problem(ctx, p->protocol_line, "service %s: protocol '%s' is not tcp or udp",
				svc->name, p->protocol);
			ok = false;
		} else {
			snprintf(proto, sizeof(proto), "/%s",
				 strcasecmp(p->protocol, "tcp") ? "udp" : "tcp");
		}
	}
	if (ok && !p->dst && !p->port) {
		problem(ctx, svc->line, "service %s: give dst = CIDR or port = N (or both)",
			svc->name);
		ok = false;
	}
	if (ok)
		snprintf(svc->spec, sizeof(svc->spec), "%s%s%s", dst, port, proto);
	free(p->dst);
	free(p->port);
	free(p->protocol);
	memset(p, 0, sizeof(*p));
}

/* ---- sections ---- */

static void section_end(struct load_ctx *ctx)
{
	if (ctx->kind == SECTION_SERVICE)
		service_end(ctx);
	ctx->kind = SECTION_NONE;
}

/* A named section's name must be new among its kind. */
static bool name_is_new(struct load_ctx *ctx, const char *what, const char *name)
{
	struct xf_conf *conf = ctx->conf;
	int line = 0;
	size_t i;

	if (!strcmp(what, "interface")) {
		for (i = 0; i < conf->n_ifaces && !line; i++)
			if (!strcmp(conf->ifaces[i].name, name))
				line = conf->ifaces[i].line;
	} else if (!strcmp(what, "service")) {
		for (i = 0; i < conf->n_services && !line; i++)
			if (!strcmp(conf->services[i].name, name))
				line = conf->services[i].line;
	} else {
		for (i = 0; i < conf->n_feeds && !line; i++)
			if (!strcmp(conf->feeds[i].name, name))
				line = conf->feeds[i].line;
	}
	if (line)
		problem(ctx, ctx->line, "[%s %s] is declared twice (line %d)", what, name, line);
	return !line;
}

/* A header line: "[kind]" or "[kind NAME]". */
static void section_begin(struct load_ctx *ctx, const char *header)
{
	struct xf_conf *conf = ctx->conf;
	char kind[32] = "", name[64] = "", extra[2] = "";
	int n;

	section_end(ctx);
	ctx->kind = SECTION_INVALID;
	if (strlen(header) >= sizeof(kind) + sizeof(name)) {
		problem(ctx, ctx->line, "[%.40s...]: section name too long", header);
		return;
	}
	n = sscanf(header, "%31s %63s %1s", kind, name, extra);
	if (n <= 0) {
		problem(ctx, ctx->line, "empty section name []");
		return;
	}
	if (n == 3) {
		problem(ctx, ctx->line, "[%s]: a section is [KIND] or [KIND NAME]", header);
		return;
	}
	if (!strcmp(kind, "daemon") || !strcmp(kind, "settings") || !strcmp(kind, "allowlist")) {
		if (n == 2) {
			problem(ctx, ctx->line, "[%s] takes no name", kind);
			return;
		}
		ctx->kind = kind[0] == 'd'   ? SECTION_DAEMON
			    : kind[0] == 's' ? SECTION_SETTINGS
					     : SECTION_ALLOWLIST;
		return;
	}
	if (strcmp(kind, "interface") && strcmp(kind, "service") && strcmp(kind, "feed")) {
		problem(ctx, ctx->line,
			"unknown section [%s] (daemon, settings, allowlist, interface NAME, "
			"service NAME, feed NAME)",
			header);
		return;
	}
	if (n == 1) {
		problem(ctx, ctx->line, "[%s] needs a name: [%s NAME]", kind, kind);
		return;
	}
	if (!name_is_new(ctx, kind, name))
		return;
	if (!strcmp(kind, "interface")) {
		struct xf_conf_iface *iface;

		if (!iface_name_valid(name)) {
			problem(ctx, ctx->line, "[interface %s]: not an interface name", name);
			return;
		}
		iface = append(ctx, (void **)&conf->ifaces, &conf->n_ifaces, sizeof(*iface));
		if (!iface)
			return;
		snprintf(iface->name, sizeof(iface->name), "%.*s", (int)sizeof(iface->name) - 1,
			 name);
		iface->mode = XF_MODE_NATIVE;
		iface->line = ctx->line;
		ctx->index = conf->n_ifaces - 1;
		ctx->kind = SECTION_INTERFACE;
	} else if (!strcmp(kind, "service")) {
		struct xf_conf_service *svc;

		svc = append(ctx, (void **)&conf->services, &conf->n_services, sizeof(*svc));
		if (!svc)
			return;
		snprintf(svc->name, sizeof(svc->name), "%s", name);
		svc->line = ctx->line;
		ctx->index = conf->n_services - 1;
		ctx->kind = SECTION_SERVICE;
	} else {
		struct xf_conf_feed *feed;

		if (!xf_feed_name_valid(name)) {
			problem(ctx, ctx->line,
				"[feed %s]: not a valid feed name (1-31 of a-z 0-9 _ . -, not "
				"'manual')",
				name);
			return;
		}
		feed = append(ctx, (void **)&conf->feeds, &conf->n_feeds, sizeof(*feed));
		if (!feed)
			return;
		snprintf(feed->name, sizeof(feed->name), "%.*s", (int)sizeof(feed->name) - 1, name);
		feed->line = ctx->line;
		ctx->index = conf->n_feeds - 1;
		ctx->kind = SECTION_FEED;
	}
}

static bool add_entry(struct load_ctx *ctx, struct xf_conf_entry **entries, size_t *n,
		      const char *key, const char *value)
{
	struct xf_conf_entry *e = append(ctx, (void **)entries, n, sizeof(*e));

	if (!e)
		return false;
	e->key = strdup(key);
	e->value = strdup(value);
	e->line = ctx->line;
	if (!e->key || !e->value) {
		ctx->oom = true;
		return false;
	}
	return true;
}

/* libinih's handler: one key = value of the current section. */
static int on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *ctx = user;
	char key[64];
	size_t i;

	(void)section; /* the reader tracks sections itself */
	if (ctx->oom)
		return 0;
	if (!*name) {
		problem(ctx, ctx->line, "a value without a key");
		return 1;
	}
	if (!value) {
		problem(ctx, ctx->line, "'%s' is not KEY = VALUE", name);
		return 1;
	}
	if (strlen(name) >= sizeof(key)) {
		problem(ctx, ctx->line, "unknown key '%.40s...'", name);
		return 1;
	}
	for (i = 0; name[i]; i++)
		key[i] = name[i] == '-' ? '_' : tolower((unsigned char)name[i]);
	key[i] = '\0';

	switch (ctx->kind) {
	case SECTION_NONE:
		problem(ctx, ctx->line, "'%s' before any [section]", name);
		break;
	case SECTION_INVALID:
		break;
	case SECTION_DAEMON:
	case SECTION_SETTINGS:
		/* a key of these sections given twice is a mistake (a list is
		 * written on one line or on continuation lines) */
		for (i = 0; i < ctx->n_seen && strcmp(ctx->seen[i].key, key); i++)
			;
		if (i < ctx->n_seen) {
			problem(ctx, ctx->line, "%s is given twice (line %d)", key, ctx->seen[i].line);
			break;
		}
		if (!add_entry(ctx, &ctx->seen, &ctx->n_seen, key, value))
			break;
		if (ctx->kind == SECTION_DAEMON)
			daemon_key(ctx, key, value);
		else
			settings_key(ctx, key, value);
		break;
	case SECTION_ALLOWLIST:
		allowlist_key(ctx, key, value);
		break;
	case SECTION_INTERFACE:
		interface_key(ctx, key, value);
		break;
	case SECTION_SERVICE:
		service_key(ctx, key, value);
		break;
	case SECTION_FEED: {
		struct xf_conf_feed *feed = &ctx->conf->feeds[ctx->index];

		add_entry(ctx, &feed->entries, &feed->n_entries, key, value);
		break;
	}
	}
	return ctx->oom ? 0 : 1;
}

/* The line reader libinih calls (fgets semantics). It counts lines and
 * reads section headers; a header with no closing bracket is reported
 * here (libinih would only give the line of the first such error, and
 * would file the keys that follow under the previous section). */
static char *read_line(char *buf, int size, void *user)
{
	struct load_ctx *ctx = user;
	size_t len;
	char *p;

	if (ctx->file) {
		if (!fgets(buf, size, ctx->file))
			return NULL;
	} else {
		size_t n = strcspn(ctx->text, "\n");

		if (!*ctx->text)
			return NULL;
		n += ctx->text[n] == '\n';
		if (n > (size_t)size - 1)
			n = size - 1;
		memcpy(buf, ctx->text, n);
		buf[n] = '\0';
		ctx->text += n;
	}
	len = strlen(buf);
	if (!ctx->at_line_start) {
		/* the rest of a line too long for libinih's buffer: dropped */
		ctx->at_line_start = len && buf[len - 1] == '\n';
		buf[0] = '\0';
		return buf;
	}
	ctx->line++;
	ctx->at_line_start = len && buf[len - 1] == '\n';
	for (p = buf; isspace((unsigned char)*p); p++)
		;
	if (!ctx->at_line_start && len == (size_t)size - 1) {
		bool comment = *p == '#' || *p == ';';

		buf[0] = '\0';
		if (comment)
			return buf; /* a long comment is still a comment */
		problem(ctx, ctx->line, "line longer than %d characters", size - 3);
		/* nothing of it is taken, and its section's keys are not
		 * checked any further */
		if (ctx->kind == SECTION_FEED)
			ctx->conf->feeds[ctx->index].incomplete = true;
		section_end(ctx);
		ctx->kind = SECTION_INVALID;
		return buf;
	}
	if (*p == '[') {
		char header[128];
		char *end = strchr(p, ']');

		if (!end) {
			problem(ctx, ctx->line, "section header without ']'");
			section_end(ctx);
			ctx->kind = SECTION_INVALID;
			buf[0] = '\0'; /* libinih need not see it */
			return buf;
		}
		snprintf(header, sizeof(header), "%.*s", (int)(end - p - 1), p + 1);
		section_begin(ctx, header);
	}
	return buf;
}

static void set_defaults(struct xf_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->metrics_top_n = XF_CONF_DEFAULT_TOP_N;
	conf->events_rate = XF_CONF_DEFAULT_EVENTS_RATE;
	conf->retry_delay = XF_CONF_DEFAULT_RETRY_DELAY;
}

/* In line order; problems of one line in the order they were found. */
static void sort_by_line(struct xf_conf_problem *p, size_t n)
{
	size_t i, k;

	for (i = 1; i < n; i++) {
		struct xf_conf_problem moving = p[i];

		for (k = i; k > 0 && p[k - 1].line > moving.line; k--)
			p[k] = p[k - 1];
		p[k] = moving;
	}
}

/* After the last line: what needs the whole file. */
static int finish(struct load_ctx *ctx, int ini_ret)
{
	struct xf_conf *conf = ctx->conf;
	struct xf_config settings;
	size_t i;

	section_end(ctx);
	if (ini_ret == -2)
		ctx->oom = true;
	for (i = 0; i < conf->n_feeds && !ctx->oom; i++) {
		if (build_feed_def(ctx, conf, &conf->feeds[i], &conf->feeds[i].def) == -ENOMEM)
			ctx->oom = true;
	}
	/* a tag must fit the mark mask the settings give */
	memset(&settings, 0, sizeof(settings));
	xf_setting_apply(&settings, "mark-mask", xf_setting_default("mark-mask"));
	for (i = 0; i < conf->n_settings; i++)
		if (!strcmp(conf->settings[i].key, "mark-mask"))
			xf_setting_apply(&settings, "mark-mask", conf->settings[i].value);
	for (i = 0; i < conf->n_feeds; i++) {
		const struct xf_feed_def *d = &conf->feeds[i].def;
		__u64 largest = (__u64)settings.mark_mask >> settings.mark_shift;

		if (d->action == XF_ACTION_TAG && d->tag > largest)
			problem(ctx, conf->feeds[i].line,
				"feed '%s': tag %u does not fit mark-mask 0x%08x (largest tag %llu)",
				d->name, d->tag, settings.mark_mask, (unsigned long long)largest);
	}
	for (i = 0; i < ctx->n_seen; i++) {
		free(ctx->seen[i].key);
		free(ctx->seen[i].value);
	}
	free(ctx->seen);
	if (ctx->oom)
		return -ENOMEM;
	sort_by_line(conf->problems, conf->n_problems);
	return 0;
}

static void parse(struct load_ctx *ctx)
{
	int ret;

	/* a line without '=' reaches the handler, which names it */
	ini_allow_no_value = true;
	ctx->at_line_start = true;
	ret = ini_parse_stream(read_line, ctx, on_pair, ctx);
	ctx->oom |= finish(ctx, ret) == -ENOMEM;
}

int xf_conf_load(struct xf_conf *conf, const char *path)
{
	struct load_ctx ctx = { .conf = conf };
	char cwd[PATH_MAX / 2];
	const char *slash;
	int err;

	set_defaults(conf);
	snprintf(conf->path, sizeof(conf->path), "%s", path);
	/* the directory the file is in, as named (not through symlinks: a
	 * file of a Kubernetes ConfigMap is a link into a hidden directory) */
	slash = strrchr(path, '/');
	if (path[0] == '/')
		snprintf(conf->dir, sizeof(conf->dir), "%.*s", (int)(slash - path), path);
	else if (!getcwd(cwd, sizeof(cwd)))
		conf->dir[0] = '\0';
	else if (slash)
		snprintf(conf->dir, sizeof(conf->dir), "%s/%.*s", cwd, (int)(slash - path), path);
	else
		snprintf(conf->dir, sizeof(conf->dir), "%s", cwd);
	ctx.file = fopen(path, "r");
	if (!ctx.file) {
		err = -errno;
		problem(&ctx, 0, "cannot read the file: %s", strerror(-err));
		return err;
	}
	parse(&ctx);
	fclose(ctx.file);
	return ctx.oom ? -ENOMEM : 0;
}

int xf_conf_load_string(struct xf_conf *conf, const char *name, const char *text)
{
	struct load_ctx ctx = { .conf = conf, .text = text };

	set_defaults(conf);
	snprintf(conf->path, sizeof(conf->path), "%s", name);
	if (!getcwd(conf->dir, sizeof(conf->dir)))
		conf->dir[0] = '\0';
	parse(&ctx);
	return ctx.oom ? -ENOMEM : 0;
}

void xf_conf_free(struct xf_conf *conf)
{
	size_t i, k;

	free(conf->state_dir);
	free(conf->pin_dir);
	free(conf->runtime_dir);
	free(conf->metrics_listen);
	free(conf->events);
	free(conf->ifaces);
	free(conf->services);
	free(conf->allow);
	free(conf->settings);
	for (i = 0; i < conf->n_feeds; i++) {
		for (k = 0; k < conf->feeds[i].n_entries; k++) {
			free(conf->feeds[i].entries[k].key);
			free(conf->feeds[i].entries[k].value);
		}
		free(conf->feeds[i].entries);
		xf_feed_def_free(&conf->feeds[i].def);
	}
	free(conf->feeds);
	for (i = 0; i < conf->n_problems; i++)
		free(conf->problems[i].message);
	free(conf->problems);
	memset(conf, 0, sizeof(*conf));
}

int xf_conf_feed_def_copy(const struct xf_conf *conf, const struct xf_conf_feed *feed,
			  struct xf_feed_def *out)
{
	int err = build_feed_def(NULL, conf, feed, out);

	if (err)
		xf_feed_def_free(out);
	return err;
}

char *xf_feed_def_identity(const struct xf_feed_def *def)
{
	struct json_object *o = xf_feed_def_json(def);
	char *text;

	json_object_object_del(o, "id");
	json_object_object_del(o, "status");
	json_object_object_del(o, "etag");
	json_object_object_del(o, "last_modified");
	json_object_object_del(o, "validated_def");
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return text;
}

const struct xf_conf_feed *xf_conf_find_feed(const struct xf_conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->n_feeds; i++)
		if (!strcmp(conf->feeds[i].name, name))
			return &conf->feeds[i];
	return NULL;
}
