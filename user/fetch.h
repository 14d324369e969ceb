/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Fetch a feed's bytes from its source: a local path, file://, http:// or
 * https:// (libcurl). The whole body or an error naming the source and the
 * cause: a failed download never yields a partial feed. */
#ifndef XF_FETCH_H
#define XF_FETCH_H

#include <stddef.h>

#define XF_FETCH_DEFAULT_TIMEOUT 60		     /* seconds */
#define XF_FETCH_DEFAULT_MAX_BYTES (512UL << 20) /* 512 MiB */

struct xf_fetch_opts {
	long timeout_seconds; /* 0: default */
	size_t max_bytes;     /* 0: default */
};

/* On success *data is malloc'ed (NUL-terminated, not counted in *len). */
int xf_fetch(const char *source, const struct xf_fetch_opts *opts, char **data, size_t *len,
	     char *errbuf, size_t errlen);
/* Does the source name a URL (as opposed to a local path)? */
int xf_source_is_url(const char *source);

#endif /* XF_FETCH_H */
