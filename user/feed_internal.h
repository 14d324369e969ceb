/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by the per-format feed parsers (user/feed_*.c): the parse context,
 * line iteration over the in-memory input, and the one place that turns a
 * piece of text into entries, counts it and warns about it. Not an API. */
#ifndef XF_FEED_INTERNAL_H
#define XF_FEED_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "feed_parse.h"

/* Text inside the input buffer: never NUL-terminated, may contain NULs. */
struct xf_span {
	const char *p;
	size_t n;
};

struct xf_feed_ctx {
	const struct xf_feed_options *o;
	struct xf_feed_result *r;
	const char *data; /* whole input: inflated, UTF-8 BOM removed */
	size_t len;
};

/* Lines end at '\n'; the '\r' of CRLF and a last line without '\n' are
 * handled. Lines are slices of the input, so any length works. */
struct xf_line_iter {
	const char *p, *end;
	unsigned int lineno; /* of the line last returned, 1-based */
};

void xf_line_iter_init(struct xf_line_iter *it, const struct xf_feed_ctx *c);
bool xf_line_next(struct xf_line_iter *it, struct xf_span *line);
/* Offset of the next line's first byte. */
size_t xf_line_offset(const struct xf_line_iter *it, const struct xf_feed_ctx *c);

static inline bool xf_is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

struct xf_span xf_span_trim(struct xf_span s);
bool xf_span_eq(struct xf_span s, const char *text);
bool xf_span_eq_nocase(struct xf_span s, const char *text);
/* Strict unsigned decimal (digits only, fits in *out). */
int xf_span_to_ulong(struct xf_span s, unsigned long max, unsigned long *out);
/* Strict decimal with an optional '-'. */
int xf_span_to_long(struct xf_span s, long *out);

/* One data record, written as an address, a CIDR or an inclusive range
 * "a-b" (spaces around '-' allowed). Adds its entries and counts it as
 * parsed, or counts it as bad and warns. Returns 0 or -ENOMEM. */
int xf_feed_take(struct xf_feed_ctx *c, struct xf_span text, unsigned int line);
/* The same for a range given as two fields; whole is quoted in messages. */
int xf_feed_take_range(struct xf_feed_ctx *c, struct xf_span start, struct xf_span end,
		       struct xf_span whole, unsigned int line);
/* Count a bad record and warn: "feed 'x': file:line: <message>". */
void xf_feed_bad(struct xf_feed_ctx *c, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void xf_feed_warn(struct xf_feed_ctx *c, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void xf_feed_result_warn(struct xf_feed_result *r, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Refuse the whole file (the first reason is kept). */
void xf_feed_refuse(struct xf_feed_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Quote input text for a message: 'text', non-printable bytes as \xNN,
 * cut at a readable length with "...". */
#define XF_QUOTE_LEN 128
const char *xf_quote(struct xf_span s, char buf[XF_QUOTE_LEN]);

/* Every format parser: 0 or a negative errno; content problems are
 * counted, warned about or refused through the helpers above. */
int xf_feed_parse_list(struct xf_feed_ctx *c);
int xf_feed_parse_spamhaus(struct xf_feed_ctx *c);
int xf_feed_parse_json(struct xf_feed_ctx *c);
int xf_feed_parse_csv(struct xf_feed_ctx *c);
int xf_feed_parse_ranges(struct xf_feed_ctx *c);
int xf_feed_parse_tor(struct xf_feed_ctx *c);

#endif /* XF_FEED_INTERNAL_H */
