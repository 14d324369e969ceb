/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Fetch a feed's bytes from its source: a local path, file://, http:// or
 * https:// (libcurl). The whole body or an error naming the source and the
 * cause: a failed download never yields a partial feed.
 *
 * Over HTTP(S): TLS always verified (optionally against a private CA
 * bundle), redirects followed up to XF_FETCH_MAX_REDIRECTS and never from
 * https to anything else, gzip and deflate accepted on the wire, a connect
 * timeout, a total timeout per attempt and a stall limit, a size limit on
 * the decoded body, conditional requests (If-None-Match, If-Modified-Since)
 * whose 304 answer means "the version you have is current", and retries of
 * transient failures (connection, timeout, cut transfer, 5xx; never 4xx)
 * after an exponential delay with full jitter (backoff.h). */
#ifndef XF_FETCH_H
#define XF_FETCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#define XF_FETCH_DEFAULT_TIMEOUT 60		     /* seconds, per attempt */
#define XF_FETCH_DEFAULT_CONNECT_TIMEOUT 15	     /* seconds, at most the timeout */
#define XF_FETCH_DEFAULT_MAX_BYTES (512UL << 20) /* 512 MiB */
#define XF_FETCH_MAX_REDIRECTS 5
#define XF_FETCH_RETRY_BASE 1.0 /* seconds: the first retry waits up to this */
#define XF_FETCH_RETRY_CAP 30.0 /* seconds: no retry waits longer */

struct xf_fetch_opts {
	long timeout_seconds;	      /* a whole attempt; 0: default */
	long connect_timeout_seconds; /* 0: default */
	size_t max_bytes;	      /* decoded body; 0: default */
	unsigned int retries;	      /* further attempts after a transient failure */
	const char *ca_file;	      /* https: trust this bundle, not the system's */
	/* validators of the version the caller has (NULL: none): a 304
	 * answer then sets not_modified and brings no body */
	const char *etag;
	const char *last_modified;
	const char *what; /* "feed 'tor'" in retry messages; NULL: none */
	/* set (by a signal handler, another thread) to abandon the download:
	 * the transfer stops and no further attempt is made */
	const volatile sig_atomic_t *cancel;
};

struct xf_fetch_result {
	char *data; /* malloc'ed, NUL-terminated (not counted in len); NULL if not_modified */
	size_t len;
	bool not_modified; /* 304 to a conditional request */
	char *etag;	   /* the server's validators for this body, NULL when absent */
	char *last_modified;
	long http_status;     /* of the final response; 0 for files */
	unsigned int attempts; /* 1 + retries made */
};

/* Fetch with every option above; on failure res holds nothing. */
int xf_fetch_source(const char *source, const struct xf_fetch_opts *opts,
		    struct xf_fetch_result *res, char *errbuf, size_t errlen);
void xf_fetch_result_free(struct xf_fetch_result *res);

/* The plain form: no validators, so a body or an error. On success *data
 * is malloc'ed (NUL-terminated, not counted in *len). */
int xf_fetch(const char *source, const struct xf_fetch_opts *opts, char **data, size_t *len,
	     char *errbuf, size_t errlen);
/* Does the source name a URL (as opposed to a local path)? */
int xf_source_is_url(const char *source);

#endif /* XF_FETCH_H */
