// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The /metrics endpoint: libmicrohttpd with its own polling thread; each
 * GET /metrics renders a fresh exposition (xf_metrics_render). */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "exposition.h"
#include "log.h"
#include "metrics.h"
#include "top_ranges.h"

#define XF_METRICS_PATH	       "/metrics"
#define XF_METRICS_CONNECTIONS 16
#define XF_METRICS_TIMEOUT_SEC 10

struct xf_metrics_server {
	struct MHD_Daemon *daemon;
	struct xf_cli cli; /* its directories: copies owned by the server */
	char *pin_dir, *state_dir;
	struct xf_drop_history history; /* for the top ranges by recent drops */
	unsigned top_n;
	unsigned port;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, char *body,
			     size_t len, const char *content_type, bool owned)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(
	    len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	static char not_found[] = "404 not found: the metrics are at " XF_METRICS_PATH "\n";
	static char not_allowed[] = "405 method not allowed: GET " XF_METRICS_PATH "\n";
	static char failed[] = "500 cannot render the metrics (see the xdpfence log)\n";
	struct xf_metrics_server *s = cls;
	char *text;
	size_t len;
	int err;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	if (strcmp(url, XF_METRICS_PATH))
		return reply(conn, MHD_HTTP_NOT_FOUND, not_found, strlen(not_found),
			     "text/plain; charset=utf-8", false);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, not_allowed, strlen(not_allowed),
			     "text/plain; charset=utf-8", false);
	/* one polling thread: the history is never used by two at once */
	err = xf_metrics_render_recent(&s->cli, s->top_n, &s->history, &text, &len);
	if (err) {
		xf_err("metrics: cannot render the exposition: %s", strerror(-err));
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, failed, strlen(failed),
			     "text/plain; charset=utf-8", false);
	}
	return reply(conn, MHD_HTTP_OK, text, len, XF_EXPO_CONTENT_TYPE, true);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	xf_warn("metrics server: %s", msg);
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT" (every address, IPv6 and IPv4).
 * HOST is an address, or localhost: never a name to look up in the DNS. */
static int resolve_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len,
			  bool *any)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_NUMERICHOST};
	char host[256];
	const char *colon = strrchr(listen, ':'), *port;
	struct addrinfo *ai;
	size_t hlen;
	int rc;

	if (!colon || !colon[1])
		return -EINVAL;
	port = colon + 1;
	hlen = colon - listen;
	if (hlen >= 2 && listen[0] == '[' && listen[hlen - 1] == ']') {
		listen++;
		hlen -= 2;
	} else if (memchr(listen, ':', hlen)) {
		return -EINVAL; /* an IPv6 address needs its brackets */
	}
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, listen, hlen);
	host[hlen] = '\0';
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	*any = !hlen;
	hints.ai_family = hlen ? AF_UNSPEC : AF_INET6;
	rc = getaddrinfo(hlen ? host : NULL, port, &hints, &ai);
	if (rc)
		return rc == EAI_SYSTEM ? -errno : -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static void server_free(struct xf_metrics_server *s)
{
	xf_drop_history_free(&s->history);
	free(s->pin_dir);
	free(s->state_dir);
	free(s);
}

int xf_metrics_start(const struct xf_cli *cli, const char *listen, unsigned top_n,
		     struct xf_metrics_server **out)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	struct xf_metrics_server *s;
	struct sockaddr_storage ss;
	socklen_t sslen;
	bool any;
	int err;

	*out = NULL;
	err = resolve_listen(listen, &ss, &sslen, &any);
	if (err) {
		xf_err("metrics: cannot listen on '%s': %s (ADDRESS:PORT, [IPV6]:PORT or :PORT)",
		       listen, err == -EINVAL ? "not an address and port" : strerror(-err));
		return err;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	/* the caller's strings may go before the server does (a daemon
	 * reloading its config): keep copies */
	s->cli = *cli;
	xf_drop_history_init(&s->history, XF_TOP_RANGES_WINDOW);
	s->pin_dir = cli->pin_dir ? strdup(cli->pin_dir) : NULL;
	s->state_dir = cli->state_dir ? strdup(cli->state_dir) : NULL;
	s->cli.pin_dir = s->pin_dir;
	s->cli.state_dir = s->state_dir;
	if ((cli->pin_dir && !s->pin_dir) || (cli->state_dir && !s->state_dir)) {
		server_free(s);
		return -ENOMEM;
	}
	s->top_n = top_n;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* an unspecified IPv6 address (":PORT") takes IPv4 too */
	if (any)
		flags |= MHD_USE_DUAL_STACK;
	errno = 0;
	/* the logger first, so that no option's message bypasses it */
	s->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, handle_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)XF_METRICS_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)XF_METRICS_TIMEOUT_SEC, MHD_OPTION_END);
	if (!s->daemon) {
		err = errno ? -errno : -EADDRINUSE;
		xf_err("metrics: cannot listen on %s: %s", listen, strerror(-err));
		server_free(s);
		return err;
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	*out = s;
	return 0;
}

unsigned xf_metrics_port(const struct xf_metrics_server *s)
{
	return s->port;
}

void xf_metrics_stop(struct xf_metrics_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);
	server_free(s);
}
