// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "backoff.h"
#include "clock.h"
#include "fetch.h"
#include "log.h"
#include "version.h"

/* "If-None-Match: " + the longest validator a registry keeps, with room */
#define XF_FETCH_HEADER_MAX 1024

struct buffer {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
	int overflow;
};

static int buffer_append(struct buffer *b, const void *src, size_t n)
{
	if (b->len + n > b->max) {
		b->overflow = 1;
		return -EFBIG;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		char *grown;

		while (cap < b->len + n + 1)
			cap *= 2;
		grown = realloc(b->data, cap);
		if (!grown)
			return -ENOMEM;
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, src, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	return buffer_append(userdata, ptr, size * nmemb) ? 0 : size * nmemb;
}

int xf_source_is_url(const char *source)
{
	return !strncmp(source, "http://", 7) || !strncmp(source, "https://", 8) ||
	       !strncmp(source, "file://", 7);
}

static int fetch_file(const char *path, struct buffer *b, char *errbuf, size_t errlen)
{
	char chunk[65536];
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return err;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		err = buffer_append(b, chunk, n);
		if (err) {
			if (err == -EFBIG)
				snprintf(errbuf, errlen,
					 "%s: larger than the size limit of %zu bytes: refused", path,
					 b->max);
			else
				snprintf(errbuf, errlen, "%s: %s", path, strerror(-err));
			break;
		}
	}
	if (n < 0 && !err) {
		err = -errno;
		snprintf(errbuf, errlen, "%s: read: %s", path, strerror(errno));
	}
	close(fd);
	return err;
}

/* ---- http(s) ---- */

/* libcurl calls this during a transfer: a non-zero return aborts it */
static int on_progress(void *cancel, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return *(const volatile sig_atomic_t *)cancel != 0;
}

static bool cancelled(const struct xf_fetch_opts *opts)
{
	return opts->cancel && *opts->cancel;
}

/* The value of a header of the final response (after redirects), or NULL. */
static char *final_header(CURL *curl, const char *name)
{
	struct curl_header *h;

	if (curl_easy_header(curl, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h->value ||
	    !h->value[0])
		return NULL;
	return strdup(h->value);
}

/* Failures worth another attempt: the network or the server's state now,
 * not the request or the content. */
static bool transient_curl_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static struct curl_slist *conditional_headers(const struct xf_fetch_opts *opts)
{
	struct curl_slist *list = NULL, *grown;
	char line[XF_FETCH_HEADER_MAX];

	if (opts->etag && snprintf(line, sizeof(line), "If-None-Match: %s", opts->etag) <
				  (int)sizeof(line)) {
		if (!(grown = curl_slist_append(list, line)))
			goto fail;
		list = grown;
	}
	if (opts->last_modified && snprintf(line, sizeof(line), "If-Modified-Since: %s",
					    opts->last_modified) < (int)sizeof(line)) {
		if (!(grown = curl_slist_append(list, line)))
			goto fail;
		list = grown;
	}
	return list;
fail:
	curl_slist_free_all(list);
	return NULL;
}

/* One attempt. *transient says whether another one could fare better.
 * curl_err: the handle's CURLOPT_ERRORBUFFER. */
static int fetch_url_once(CURL *curl, const char *url, const struct xf_fetch_opts *opts,
			  bool conditional, struct buffer *b, struct xf_fetch_result *res,
			  char *curl_err, bool *transient, char *errbuf, size_t errlen)
{
	bool http = strncmp(url, "file://", 7) != 0;
	long status = 0;
	CURLcode rc;

	*transient = false;
	curl_err[0] = '\0';
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	res->http_status = status;
	if (rc == CURLE_ABORTED_BY_CALLBACK && cancelled(opts)) {
		snprintf(errbuf, errlen, "%s: cancelled", url);
		return -ECANCELED;
	}
	/* an error status is the cause, whatever became of its body */
	if (http && status >= 400) {
		*transient = status >= 500;
		snprintf(errbuf, errlen, "%s: HTTP status %ld", url, status);
		return -EIO;
	}
	if (b->overflow || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(errbuf, errlen, "%s: larger than the size limit of %zu bytes: refused", url,
			 b->max);
		return -EFBIG;
	}
	if (rc == CURLE_TOO_MANY_REDIRECTS) {
		snprintf(errbuf, errlen, "%s: more than %d redirects: refused", url,
			 XF_FETCH_MAX_REDIRECTS);
		return -ELOOP;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		/* the total timeout and the stall limit end the same way */
		*transient = true;
		snprintf(errbuf, errlen, "%s: timed out (%s)", url,
			 curl_err[0] ? curl_err : curl_easy_strerror(rc));
		return -ETIMEDOUT;
	}
	if (rc != CURLE_OK) {
		*transient = transient_curl_error(rc);
		snprintf(errbuf, errlen, "%s: %s", url, curl_err[0] ? curl_err : curl_easy_strerror(rc));
		return -EIO;
	}
	if (!http)
		return 0;
	if (status == 304 && conditional) {
		res->not_modified = true;
	} else if (status < 200 || status >= 300) {
		/* a redirect not followed (no Location), a 1xx, a stray 304 */
		snprintf(errbuf, errlen, "%s: HTTP status %ld%s", url, status,
			 status == 304 ? " to a request that was not conditional" : "");
		return -EIO;
	}
	res->etag = final_header(curl, "ETag");
	res->last_modified = final_header(curl, "Last-Modified");
	return 0;
}

/* Wait seconds, in slices so that a cancel is seen; false if cancelled. */
static bool wait_unless_cancelled(double seconds, const struct xf_fetch_opts *opts)
{
	double deadline = xf_now_ms() + seconds * 1e3, left;

	while (!cancelled(opts) && (left = deadline - xf_now_ms()) > 0) {
		struct timespec ts;

		if (left > 100)
			left = 100;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e6);
		nanosleep(&ts, NULL);
	}
	return !cancelled(opts);
}

static int fetch_url(const char *url, const struct xf_fetch_opts *opts, struct buffer *b,
		     struct xf_fetch_result *res, char *errbuf, size_t errlen)
{
	long timeout = opts->timeout_seconds ? opts->timeout_seconds : XF_FETCH_DEFAULT_TIMEOUT;
	long connect = opts->connect_timeout_seconds ? opts->connect_timeout_seconds
						     : XF_FETCH_DEFAULT_CONNECT_TIMEOUT;
	bool https = !strncmp(url, "https://", 8), transient = false;
	struct curl_slist *headers = conditional_headers(opts);
	char curl_err[CURL_ERROR_SIZE];
	bool conditional = headers != NULL;
	unsigned int attempt;
	CURL *curl;
	int err;

	if ((opts->etag || opts->last_modified) && !headers) {
		snprintf(errbuf, errlen, "%s: cannot build the conditional request", url);
		return -ENOMEM;
	}
	curl = curl_easy_init();
	if (!curl) {
		curl_slist_free_all(headers);
		snprintf(errbuf, errlen, "%s: cannot initialise libcurl", url);
		return -ENOMEM;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "xdpfence/" XF_VERSION);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https,file");
	/* a redirect may lead from http to https, never from https to http,
	 * and never to a local file */
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(curl, CURLOPT_MAXREDIRS, (long)XF_FETCH_MAX_REDIRECTS);
	/* TLS is verified, always; a private origin brings its own CA */
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (opts->ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, opts->ca_file);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, connect < timeout ? connect : timeout);
	/* a server that stalls mid-body: under 1 byte/s for the timeout (at
	 * most 30 s) ends the download instead of waiting for the total */
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, timeout < 30 ? timeout : 30L);
	/* a size the server announces is refused before the body comes; the
	 * body itself is counted decoded (a small gzip can unpack huge) */
	curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)b->max);
	/* feeds are often served compressed on the wire: accept what libcurl
	 * can decode; a gzip file body is detected later by its magic */
	curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
	if (opts->cancel) {
		curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(curl, CURLOPT_XFERINFODATA, opts->cancel);
		curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	}

	for (attempt = 0;; attempt++) {
		double delay;

		b->len = 0;
		b->overflow = 0;
		xf_fetch_result_free(res);
		res->attempts = attempt + 1;
		err = fetch_url_once(curl, url, opts, conditional, b, res, curl_err, &transient,
				     errbuf, errlen);
		if (!err || !transient || attempt >= opts->retries)
			break;
		delay = xf_retry_delay_seconds(attempt, XF_FETCH_RETRY_BASE, XF_FETCH_RETRY_CAP);
		xf_warn("%s%s%s (attempt %u of %u): retrying in %.2f s", opts->what ? opts->what : "",
			opts->what ? ": " : "", errbuf, attempt + 1, opts->retries + 1, delay);
		if (!wait_unless_cancelled(delay, opts)) {
			snprintf(errbuf, errlen, "%s: cancelled", url);
			err = -ECANCELED;
			break;
		}
	}
	if (err && res->attempts > 1) {
		size_t n = strlen(errbuf);

		snprintf(errbuf + n, errlen - n, " (%u attempts)", res->attempts);
	}
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	return err;
}

void xf_fetch_result_free(struct xf_fetch_result *res)
{
	free(res->data);
	free(res->etag);
	free(res->last_modified);
	memset(res, 0, sizeof(*res));
}

int xf_fetch_source(const char *source, const struct xf_fetch_opts *opts,
		    struct xf_fetch_result *res, char *errbuf, size_t errlen)
{
	static const struct xf_fetch_opts defaults;
	struct buffer b = { 0 };
	int err;

	if (!opts)
		opts = &defaults;
	b.max = opts->max_bytes ? opts->max_bytes : XF_FETCH_DEFAULT_MAX_BYTES;
	memset(res, 0, sizeof(*res));
	errbuf[0] = '\0';
	if (xf_source_is_url(source)) {
		err = fetch_url(source, opts, &b, res, errbuf, errlen);
	} else {
		res->attempts = 1;
		err = fetch_file(source, &b, errbuf, errlen);
	}
	if (!err && !b.data && !res->not_modified)
		err = buffer_append(&b, "", 0); /* an empty body is a valid feed */
	if (err || res->not_modified) {
		free(b.data);
		b.data = NULL;
		b.len = 0;
	}
	if (err) {
		xf_fetch_result_free(res);
		return err;
	}
	res->data = b.data;
	res->len = b.len;
	return 0;
}

int xf_fetch(const char *source, const struct xf_fetch_opts *opts, char **data, size_t *len,
	     char *errbuf, size_t errlen)
{
	struct xf_fetch_opts plain = { 0 };
	struct xf_fetch_result res;
	int err;

	if (opts)
		plain = *opts;
	plain.etag = plain.last_modified = NULL; /* a body, never "not modified" */
	*data = NULL;
	*len = 0;
	err = xf_fetch_source(source, &plain, &res, errbuf, errlen);
	if (err)
		return err;
	*data = res.data;
	*len = res.len;
	res.data = NULL;
	xf_fetch_result_free(&res);
	return 0;
}
