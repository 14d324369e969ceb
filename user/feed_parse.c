// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Feed parsing common to every format: reading and inflating the input,
 * dispatch to the format's parser, the result's bookkeeping (entries,
 * counts, warnings, refusal) and the one function that turns the text of a
 * record into entries. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "feed_internal.h"

static const char *const format_names[XF_FORMAT_MAX] = {
	[XF_FORMAT_LIST] = "list",	     [XF_FORMAT_SPAMHAUS_JSON] = "spamhaus-json",
	[XF_FORMAT_JSON] = "json",	     [XF_FORMAT_CSV] = "csv",
	[XF_FORMAT_RANGES] = "ranges",	     [XF_FORMAT_TOR_EXITS] = "tor-exits",
};

static int (*const parsers[XF_FORMAT_MAX])(struct xf_feed_ctx *c) = {
	[XF_FORMAT_LIST] = xf_feed_parse_list,	 [XF_FORMAT_SPAMHAUS_JSON] = xf_feed_parse_spamhaus,
	[XF_FORMAT_JSON] = xf_feed_parse_json,	 [XF_FORMAT_CSV] = xf_feed_parse_csv,
	[XF_FORMAT_RANGES] = xf_feed_parse_ranges, [XF_FORMAT_TOR_EXITS] = xf_feed_parse_tor,
};

int xf_feed_format_parse(const char *name, enum xf_feed_format *out)
{
	int i;

	for (i = 0; i < XF_FORMAT_MAX; i++) {
		if (!strcmp(name, format_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *xf_feed_format_name(enum xf_feed_format format)
{
	return (unsigned int)format < XF_FORMAT_MAX ? format_names[format] : "?";
}

void xf_feed_options_init(struct xf_feed_options *o, enum xf_feed_format format)
{
	memset(o, 0, sizeof(*o));
	o->format = format;
	o->max_bad_share = XF_FEED_MAX_BAD_SHARE;
}

void xf_feed_result_free(struct xf_feed_result *r)
{
	size_t i;

	for (i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	free(r->entries);
	free(r->feed);
	free(r->file);
	memset(r, 0, sizeof(*r));
}

/* ---- messages ---- */

const char *xf_quote(struct xf_span s, char buf[XF_QUOTE_LEN])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	buf[o++] = '\'';
	for (i = 0; i < s.n; i++) {
		unsigned char ch = (unsigned char)s.p[i];

		/* room for an escape, the closing quote, "..." and NUL */
		if (o + 4 + 1 + 3 + 1 > XF_QUOTE_LEN) {
			buf[o++] = '\'';
			memcpy(buf + o, "...", 4);
			return buf;
		}
		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			buf[o++] = (char)ch;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[ch >> 4];
			buf[o++] = hex[ch & 15];
		}
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return buf;
}

static void vwarn(struct xf_feed_result *r, unsigned int line, const char *fmt, va_list ap)
{
	char *msg = NULL, *full = NULL;
	char where[32] = "";
	char **grown;

	r->warnings_total++;
	if (r->nwarnings >= XF_FEED_MAX_WARNINGS)
		return;
	/* best effort: without memory the warning is still counted */
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	if (line)
		snprintf(where, sizeof(where), ":%u", line);
	if (asprintf(&full, "feed '%s': %s%s: %s", r->feed, r->file, where, msg) < 0)
		goto out;
	grown = realloc(r->warnings, (r->nwarnings + 1) * sizeof(*grown));
	if (!grown) {
		free(full);
		goto out;
	}
	r->warnings = grown;
	r->warnings[r->nwarnings++] = full;
out:
	free(msg);
}

void xf_feed_result_warn(struct xf_feed_result *r, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(r, line, fmt, ap);
	va_end(ap);
}

void xf_feed_warn(struct xf_feed_ctx *c, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(c->r, line, fmt, ap);
	va_end(ap);
}

void xf_feed_bad(struct xf_feed_ctx *c, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	c->r->bad++;
	va_start(ap, fmt);
	vwarn(c->r, line, fmt, ap);
	va_end(ap);
}

static void vrefuse(struct xf_feed_result *r, const char *fmt, va_list ap)
{
	int n;

	if (r->refused)
		return;
	r->refused = true;
	n = snprintf(r->refuse_reason, sizeof(r->refuse_reason), "feed '%s': %s: ",
		     r->feed ? r->feed : "?", r->file ? r->file : "?");
	if (n >= 0 && (size_t)n < sizeof(r->refuse_reason))
		vsnprintf(r->refuse_reason + n, sizeof(r->refuse_reason) - n, fmt, ap);
}

void xf_feed_refuse(struct xf_feed_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vrefuse(c->r, fmt, ap);
	va_end(ap);
}

static void refuse_result(struct xf_feed_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void refuse_result(struct xf_feed_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vrefuse(r, fmt, ap);
	va_end(ap);
}

/* ---- lines and spans ---- */

void xf_line_iter_init(struct xf_line_iter *it, const struct xf_feed_ctx *c)
{
	it->p = c->data;
	it->end = c->data + c->len;
	it->lineno = 0;
}

bool xf_line_next(struct xf_line_iter *it, struct xf_span *line)
{
	const char *nl;

	if (it->p >= it->end)
		return false;
	nl = memchr(it->p, '\n', it->end - it->p);
	line->p = it->p;
	line->n = (nl ? nl : it->end) - it->p;
	it->p = nl ? nl + 1 : it->end;
	if (line->n && line->p[line->n - 1] == '\r')
		line->n--;
	it->lineno++;
	return true;
}

size_t xf_line_offset(const struct xf_line_iter *it, const struct xf_feed_ctx *c)
{
	return it->p - c->data;
}

struct xf_span xf_span_trim(struct xf_span s)
{
	while (s.n && xf_is_space(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && xf_is_space(s.p[s.n - 1]))
		s.n--;
	return s;
}

bool xf_span_eq(struct xf_span s, const char *text)
{
	return strlen(text) == s.n && !memcmp(s.p, text, s.n);
}

bool xf_span_eq_nocase(struct xf_span s, const char *text)
{
	return strlen(text) == s.n && !strncasecmp(s.p, text, s.n) && !memchr(s.p, 0, s.n);
}

int xf_span_to_ulong(struct xf_span s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (!s.n)
		return -EINVAL;
	for (i = 0; i < s.n; i++) {
		unsigned int d = (unsigned char)s.p[i] - '0';

		if (d > 9 || v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int xf_span_to_long(struct xf_span s, long *out)
{
	unsigned long v;
	bool neg = s.n && s.p[0] == '-';

	if (neg) {
		s.p++;
		s.n--;
	}
	if (xf_span_to_ulong(s, neg ? (unsigned long)LONG_MAX + 1 : LONG_MAX, &v))
		return -EINVAL;
	*out = neg ? (long)(0 - v) : (long)v;
	return 0;
}

/* ---- entries ---- */

static int add_entry(struct xf_feed_ctx *c, const struct xf_prefix *p, unsigned int line)
{
	struct xf_feed_result *r = c->r;
	struct xf_feed_entry *grown;

	/* a few bytes can expand into many prefixes (a-b ranges): bound the
	 * memory a hostile file can take, well above any real feed */
	if (r->n >= XF_FEED_MAX_ENTRIES)
		return -E2BIG;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;

		grown = realloc(r->entries, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		r->entries = grown;
		r->cap = cap;
	}
	r->entries[r->n].prefix = *p;
	r->entries[r->n].line = line;
	r->n++;
	return 0;
}

#define XF_PARSE_ZERO_PADDED (1u << 16)

/* Zero-padded dotted decimal ("001.002.004.000", optionally "/n"): each
 * octet is one to three decimal digits, leading zeros dropped -- decimal,
 * never octal (inet_aton would read 010 as 8). Anything else is left to
 * the strict parser. Returns true when out holds a rewritten text. */
static bool strip_zero_padding(const char *in, char *out)
{
	bool padded = false;
	int octet;

	for (octet = 0; octet < 4; octet++) {
		const char *start = in;
		size_t n;

		while (*in >= '0' && *in <= '9')
			in++;
		n = in - start;
		if (n == 0 || n > 3)
			return false;
		for (; n > 1 && *start == '0'; start++, n--)
			padded = true;
		memcpy(out, start, n);
		out += n;
		if (octet < 3) {
			if (*in++ != '.')
				return false;
			*out++ = '.';
		}
	}
	if (*in && *in != '/')
		return false;
	strcpy(out, in);
	return padded;
}

static int parse_one(struct xf_span s, bool bare, struct xf_prefix *out, unsigned int *flags)
{
	char buf[XF_PREFIX_STRLEN], fixed[XF_PREFIX_STRLEN];

	/* an address is short: longer text cannot be one */
	if (!s.n || s.n >= sizeof(buf) || memchr(s.p, 0, s.n))
		return -EINVAL;
	memcpy(buf, s.p, s.n);
	buf[s.n] = '\0';
	if (bare && strchr(buf, '/'))
		return -EINVAL;
	if (!xf_prefix_parse(buf, out, flags))
		return 0;
	if (strip_zero_padding(buf, fixed) && !xf_prefix_parse(fixed, out, flags)) {
		*flags |= XF_PARSE_ZERO_PADDED;
		return 0;
	}
	return -EINVAL;
}

static void note_flags(struct xf_feed_ctx *c, unsigned int flags, struct xf_span text,
		       const struct xf_prefix *p, unsigned int line)
{
	char q[XF_QUOTE_LEN], buf[XF_PREFIX_STRLEN];

	if (flags & XF_PARSE_ZERO_PADDED) {
		c->r->zero_padded++;
		xf_feed_warn(c, line, "%s has zero-padded octets: read as decimal",
			     xf_quote(text, q));
	}
	if (flags & XF_PARSE_MAPPED)
		c->r->mapped++;
	if (flags & XF_PARSE_HOST_BITS) {
		c->r->host_bits++;
		xf_prefix_format(p, buf, sizeof(buf));
		xf_feed_warn(c, line, "%s has host bits set: using %s", xf_quote(text, q), buf);
	}
}

/* Both families in one integer: an IPv4 address is its 32 low bits. */
typedef unsigned __int128 xf_u128;

static xf_u128 addr_value(const struct xf_prefix *p)
{
	unsigned int i, bytes = xf_family_bits(p->family) / 8;
	xf_u128 v = 0;

	for (i = 0; i < bytes; i++)
		v = v << 8 | p->addr[i];
	return v;
}

static void addr_store(struct xf_prefix *p, xf_u128 v)
{
	unsigned int i = xf_family_bits(p->family) / 8;

	memset(p->addr, 0, sizeof(p->addr));
	while (i--) {
		p->addr[i] = (__u8)v;
		v >>= 8;
	}
}

/* The k low bits set; k may be 128. */
static xf_u128 low_bits(unsigned int k)
{
	return k >= 128 ? ~(xf_u128)0 : ((xf_u128)1 << k) - 1;
}

/* The minimal CIDR set of [start, end]: at each step the largest block
 * that is aligned at start and does not pass end. */
static int add_range(struct xf_feed_ctx *c, __u8 family, xf_u128 start, xf_u128 end,
		     unsigned int line, size_t *count)
{
	unsigned int bits = xf_family_bits(family), k;
	struct xf_prefix p = { .family = family };
	int err;

	*count = 0;
	for (;;) {
		for (k = 0; k < bits; k++) {
			xf_u128 m = low_bits(k + 1);

			if ((start & m) || m > end - start)
				break;
		}
		p.len = bits - k;
		addr_store(&p, start);
		err = add_entry(c, &p, line);
		if (err)
			return err;
		(*count)++;
		if (end - start == low_bits(k))
			return 0;
		start += low_bits(k) + 1;
	}
}

int xf_feed_take_range(struct xf_feed_ctx *c, struct xf_span start, struct xf_span end,
		       struct xf_span whole, unsigned int line)
{
	struct xf_prefix a, b;
	unsigned int fa = 0, fb = 0;
	char q[XF_QUOTE_LEN], qe[XF_QUOTE_LEN];
	xf_u128 va, vb;
	size_t count;
	int err;

	start = xf_span_trim(start);
	end = xf_span_trim(end);
	if (parse_one(start, true, &a, &fa)) {
		xf_feed_bad(c, line, "%s is not a range: %s is not an address", xf_quote(whole, q),
			    xf_quote(start, qe));
		return 0;
	}
	if (parse_one(end, true, &b, &fb)) {
		xf_feed_bad(c, line, "%s is not a range: %s is not an address", xf_quote(whole, q),
			    xf_quote(end, qe));
		return 0;
	}
	if (a.family != b.family) {
		xf_feed_bad(c, line, "%s is not a range: its ends are of different families",
			    xf_quote(whole, q));
		return 0;
	}
	va = addr_value(&a);
	vb = addr_value(&b);
	if (va > vb) {
		xf_feed_bad(c, line, "%s is not a range: it starts after its end",
			    xf_quote(whole, q));
		return 0;
	}
	note_flags(c, (fa | fb) & ~XF_PARSE_MAPPED, whole, &a, line);
	if ((fa | fb) & XF_PARSE_MAPPED)
		c->r->mapped++;
	err = add_range(c, a.family, va, vb, line, &count);
	if (err)
		return err;
	if (count > 1)
		c->r->ranges_split++;
	c->r->parsed++;
	return 0;
}

int xf_feed_take(struct xf_feed_ctx *c, struct xf_span text, unsigned int line)
{
	char q[XF_QUOTE_LEN];
	struct xf_prefix p;
	unsigned int flags = 0;
	const char *dash;
	int err;

	text = xf_span_trim(text);
	dash = memchr(text.p, '-', text.n);
	if (dash) {
		struct xf_span a = { text.p, dash - text.p };
		struct xf_span b = { dash + 1, text.p + text.n - dash - 1 };

		return xf_feed_take_range(c, a, b, text, line);
	}
	if (parse_one(text, false, &p, &flags)) {
		xf_feed_bad(c, line, "%s is not an address, CIDR or range", xf_quote(text, q));
		return 0;
	}
	note_flags(c, flags, text, &p, line);
	err = add_entry(c, &p, line);
	if (err)
		return err;
	c->r->parsed++;
	return 0;
}

/* ---- input ---- */

static bool is_gzip(const unsigned char *d, size_t len)
{
	return len >= 2 && d[0] == 0x1f && d[1] == 0x8b;
}

/* Inflate one or more concatenated gzip members. A corrupt or truncated
 * stream refuses the file (returns 0 with r->refused); -ENOMEM, -EFBIG. */
static int inflate_gzip(struct xf_feed_result *r, const unsigned char *in, size_t len,
			char **out, size_t *out_len)
{
	z_stream zs = {};
	size_t cap = len < (1 << 20) ? 4 * len + 4096 : 2 * len, used = 0;
	char *buf = NULL, *grown;
	int ret, err = 0;

	*out = NULL;
	*out_len = 0;
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	zs.next_in = (unsigned char *)in;
	for (;;) {
		if (used == cap || !buf) {
			if (buf)
				cap *= 2;
			if (cap > XF_FEED_MAX_BYTES + 1)
				cap = XF_FEED_MAX_BYTES + 1;
			if (used == cap) {
				err = -EFBIG;
				refuse_result(r, "more than %lu bytes once inflated",
					      (unsigned long)XF_FEED_MAX_BYTES);
				goto out;
			}
			grown = realloc(buf, cap + 1);
			if (!grown) {
				err = -ENOMEM;
				goto out;
			}
			buf = grown;
		}
		/* avail_* are 32 bits: feed and drain at most 1 GiB at a time */
		zs.avail_in = (unsigned int)((in + len - zs.next_in) < (1 << 30) ?
						     (in + len - zs.next_in) : (1 << 30));
		zs.next_out = (unsigned char *)buf + used;
		zs.avail_out = (unsigned int)((cap - used) < (1u << 30) ? cap - used : 1u << 30);
		ret = inflate(&zs, Z_NO_FLUSH);
		used = (char *)zs.next_out - buf;
		if (ret == Z_STREAM_END) {
			size_t rest = in + len - zs.next_in;

			if (!rest)
				break;
			if (!is_gzip(zs.next_in, rest)) {
				refuse_result(r, "%zu bytes of garbage after the gzip stream", rest);
				goto out;
			}
			inflateReset(&zs);
			continue;
		}
		if (ret == Z_MEM_ERROR) {
			err = -ENOMEM;
			goto out;
		}
		if (ret == Z_BUF_ERROR && zs.next_in == in + len && zs.avail_out) {
			refuse_result(r, "truncated gzip stream");
			goto out;
		}
		if (ret != Z_OK && ret != Z_BUF_ERROR) {
			refuse_result(r, "corrupt gzip stream: %s", zs.msg ? zs.msg : "?");
			goto out;
		}
	}
	*out = buf;
	*out_len = used;
	buf = NULL;
out:
	inflateEnd(&zs);
	free(buf);
	if (err)
		refuse_result(r, "cannot inflate: %s", strerror(-err));
	return err;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct xf_feed_entry *x = a, *y = b;
	int c = xf_prefix_cmp(&x->prefix, &y->prefix);

	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void finish(struct xf_feed_ctx *c)
{
	struct xf_feed_result *r = c->r;
	size_t i, out = 0, records;

	if (r->n)
		qsort(r->entries, r->n, sizeof(*r->entries), cmp_entry);
	for (i = 0; i < r->n; i++) {
		if (out && xf_prefix_equal(&r->entries[out - 1].prefix, &r->entries[i].prefix)) {
			r->duplicates++;
			continue;
		}
		r->entries[out++] = r->entries[i];
	}
	r->n = out;
	r->accepted = out;
	for (i = 0; i < r->n; i++) {
		if (r->entries[i].prefix.family == XF_FAMILY_V4)
			r->v4++;
		else
			r->v6++;
	}
	records = r->parsed + r->bad + r->filtered;
	if (r->bad && (double)r->bad > c->o->max_bad_share * (double)records)
		xf_feed_refuse(c, "%zu of %zu records are bad (more than %g%%)", r->bad, records,
			       c->o->max_bad_share * 100);
}

static size_t count_lines(const char *d, size_t len)
{
	size_t n = 0;
	const char *p = d, *end = d + len, *nl;

	while (p < end) {
		nl = memchr(p, '\n', end - p);
		n++;
		p = nl ? nl + 1 : end;
	}
	return n;
}

static int result_init(struct xf_feed_result *r, const char *display_name,
		       const struct xf_feed_options *o)
{
	const char *base;

	memset(r, 0, sizeof(*r));
	if (!display_name)
		display_name = "-";
	base = strrchr(display_name, '/');
	base = base ? base + 1 : display_name;
	r->file = strdup(display_name);
	r->feed = strdup(o && o->name ? o->name : base);
	if (!r->file || !r->feed)
		return -ENOMEM;
	return 0;
}

static int check_options(struct xf_feed_result *r, const struct xf_feed_options *o)
{
	if ((unsigned int)o->format >= XF_FORMAT_MAX) {
		refuse_result(r, "unknown format %d", o->format);
		return -EINVAL;
	}
	if (o->nselect > XF_FEED_MAX_SELECT || (o->format == XF_FORMAT_JSON && !o->nselect)) {
		refuse_result(r, "format json needs one to %d select paths", XF_FEED_MAX_SELECT);
		return -EINVAL;
	}
	if (o->format == XF_FORMAT_CSV && (!o->column || !*o->column)) {
		refuse_result(r, "format csv needs a column (a header name or a 1-based index)");
		return -EINVAL;
	}
	if (o->format == XF_FORMAT_CSV && !o->where_column != !o->where_value) {
		refuse_result(r, "a csv row filter needs both a column and a value");
		return -EINVAL;
	}
	if (o->nasns && !o->asns) {
		refuse_result(r, "an ASN filter without ASNs");
		return -EINVAL;
	}
	return 0;
}

static int parse_data(const char *display_name, const void *data, size_t len,
		      const struct xf_feed_options *o, struct xf_feed_result *r)
{
	struct xf_feed_ctx c = { .o = o, .r = r };
	char *inflated = NULL;
	size_t inflated_len;
	int err;

	err = result_init(r, display_name, o);
	if (err)
		return err;
	err = check_options(r, o);
	if (err)
		return err;
	if (is_gzip(data, len)) {
		err = inflate_gzip(r, data, len, &inflated, &inflated_len);
		if (err || r->refused)
			goto out;
		data = inflated;
		len = inflated_len;
	}
	if (len > XF_FEED_MAX_BYTES) {
		err = -EFBIG;
		refuse_result(r, "more than %lu bytes", (unsigned long)XF_FEED_MAX_BYTES);
		goto out;
	}
	c.data = data;
	c.len = len;
	if (c.len >= 3 && !memcmp(c.data, "\xef\xbb\xbf", 3)) {
		c.data += 3;
		c.len -= 3;
	}
	r->lines = count_lines(c.data, c.len);
	err = parsers[o->format](&c);
	if (err == -E2BIG) {
		refuse_result(r, "more than %lu entries", (unsigned long)XF_FEED_MAX_ENTRIES);
		goto out;
	}
	if (err) {
		refuse_result(r, "%s", strerror(-err));
		goto out;
	}
	finish(&c);
out:
	free(inflated);
	return err;
}

int xf_feed_parse_buffer(const char *display_name, const void *data, size_t len,
			 const struct xf_feed_options *o, struct xf_feed_result *r)
{
	return parse_data(display_name, data, len, o, r);
}

/* The whole file in memory: gzip, JSON and multi-line CSV records need it,
 * and lines become slices of it, so no line length is too long. */
static int read_all(int fd, char **out, size_t *out_len)
{
	size_t cap = 1 << 16, used = 0;
	struct stat st;
	char *buf = NULL, *grown;
	ssize_t n;

	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((unsigned long long)st.st_size > XF_FEED_MAX_BYTES)
			return -EFBIG;
		cap = (size_t)st.st_size + 1;
	}
	for (;;) {
		if (!buf || used == cap) {
			if (buf)
				cap *= 2;
			if (cap > XF_FEED_MAX_BYTES + 1)
				cap = XF_FEED_MAX_BYTES + 1;
			if (used == cap) {
				free(buf);
				return -EFBIG;
			}
			grown = realloc(buf, cap);
			if (!grown) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -errno;
		}
		if (n == 0)
			break;
		used += n;
	}
	*out = buf;
	*out_len = used;
	return 0;
}

int xf_feed_parse_file(const char *path, const struct xf_feed_options *o,
		       struct xf_feed_result *r)
{
	char *data = NULL;
	size_t len = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	err = read_all(fd, &data, &len);
	close(fd);
	if (err)
		goto fail;
	err = parse_data(path, data, len, o, r);
	free(data);
	return err;
fail:
	if (!result_init(r, path, o))
		refuse_result(r, "cannot read: %s", strerror(-err));
	return err;
}
