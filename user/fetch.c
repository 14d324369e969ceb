// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "fetch.h"

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
			snprintf(errbuf, errlen, "%s: %s", path,
				 err == -EFBIG ? "larger than the size limit" : strerror(-err));
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

static int fetch_url(const char *url, long timeout, struct buffer *b, char *errbuf,
		     size_t errlen)
{
	char curl_err[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode rc;
	CURL *curl;
	int err = 0;

	curl = curl_easy_init();
	if (!curl) {
		snprintf(errbuf, errlen, "%s: cannot initialise libcurl", url);
		return -ENOMEM;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeout < 15 ? timeout : 15L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	/* a server that stalls mid-body: under 1 byte/s for the timeout (at
	 * most 30 s) ends the download instead of waiting for the total */
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, timeout < 30 ? timeout : 30L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "xdpfence/0.1");
	/* feeds are often served compressed on the wire: accept what libcurl
	 * can decode; a gzip file body is detected later by its magic */
	curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https,file");

	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		err = b->overflow ? -EFBIG : -EIO;
		snprintf(errbuf, errlen, "%s: %s", url,
			 b->overflow ? "larger than the size limit"
				     : (curl_err[0] ? curl_err : curl_easy_strerror(rc)));
	} else if (strncmp(url, "file://", 7) && (status < 200 || status >= 300)) {
		err = -EIO;
		snprintf(errbuf, errlen, "%s: HTTP status %ld", url, status);
	}
	curl_easy_cleanup(curl);
	return err;
}

int xf_fetch(const char *source, const struct xf_fetch_opts *opts, char **data, size_t *len,
	     char *errbuf, size_t errlen)
{
	struct buffer b = {
		.max = opts && opts->max_bytes ? opts->max_bytes : XF_FETCH_DEFAULT_MAX_BYTES,
	};
	long timeout = opts && opts->timeout_seconds ? opts->timeout_seconds
						     : XF_FETCH_DEFAULT_TIMEOUT;
	int err;

	*data = NULL;
	*len = 0;
	errbuf[0] = '\0';
	if (xf_source_is_url(source))
		err = fetch_url(source, timeout, &b, errbuf, errlen);
	else
		err = fetch_file(source, &b, errbuf, errlen);
	if (!err && !b.data)
		err = buffer_append(&b, "", 0); /* an empty body is a valid feed */
	if (err) {
		free(b.data);
		return err;
	}
	*data = b.data;
	*len = b.len;
	return 0;
}
