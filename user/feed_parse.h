/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Threat-feed parsing: one entry point per input (a file or a buffer), one
 * parser per format, one result that says what every line became. Pure
 * userspace, no BPF. Safety rails (minimum prefix length, special-purpose
 * space) are a separate step: feed_rails.h.
 *
 * What comes out is exactly what the feed meant: each entry is the network
 * the feed named (host bits cleared with a warning, IPv4-mapped/embedded
 * IPv6 written with a dotted quad turned into IPv4), ranges decomposed into
 * the minimal set of CIDRs, sorted by xf_prefix_cmp, exact duplicates
 * removed. Nested prefixes stay: precedence resolves them later.
 *
 * Errors: functions return 0 or a negative errno (-ENOENT, -ENOMEM, -EINVAL
 * for options that make no sense, -EFBIG for an input past
 * XF_FEED_MAX_BYTES). Content problems are not errors: a bad line is
 * skipped, counted and warned about; a file that is too broken (more bad
 * records than max_bad_share, a truncated Spamhaus download, a JSON
 * document that does not parse, a CSV without the named column) returns 0
 * with r->refused set and the reason in r->refuse_reason. On an error the
 * reason is in r->refuse_reason too, so a caller has one message to show. */
#ifndef XF_FEED_PARSE_H
#define XF_FEED_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"

enum xf_feed_format {
	XF_FORMAT_LIST,		 /* address, CIDR or a-b range per line */
	XF_FORMAT_SPAMHAUS_JSON, /* JSON Lines with a metadata trailer */
	XF_FORMAT_JSON,		 /* any JSON document, addresses chosen by jq */
	XF_FORMAT_CSV,		 /* RFC 4180, column by header name or index */
	XF_FORMAT_RANGES,	 /* iptoasn TSV: start, end, ASN, country, name */
	XF_FORMAT_TOR_EXITS,	 /* TorDNSEL exit-addresses records */
	XF_FORMAT_MAX,
};

#define XF_FEED_MAX_SELECT	 8
#define XF_FEED_MAX_WARNINGS	 50	      /* stored; all are counted */
#define XF_FEED_MAX_BYTES	 (1UL << 30)  /* after gzip inflation */
#define XF_FEED_MAX_ENTRIES	 (1UL << 24)  /* prefixes from one file */
#define XF_FEED_MAX_BAD_SHARE	 0.10	      /* the default */
#define XF_FEED_REASON_LEN	 256

struct xf_feed_options {
	const char *name; /* for messages; the file's base name when NULL */
	enum xf_feed_format format;
	/* json: one or more jq programs, each yielding address strings */
	const char *select[XF_FEED_MAX_SELECT];
	size_t nselect;
	/* csv: a header name, or a 1-based index for a headerless file */
	const char *column;
	/* csv: keep only rows whose where_column equals where_value (same
	 * naming rule as column) */
	const char *where_column, *where_value;
	/* list: the second column is a score; rows below min_score are
	 * filtered (ipsum: IP<TAB>number of lists) */
	long min_score;
	bool has_min_score;
	/* ranges: keep only these ASNs (none: all routed rows) */
	const __u32 *asns;
	size_t nasns;
	/* more bad records than this share of all data records refuses the
	 * whole file; xf_feed_options_init() sets XF_FEED_MAX_BAD_SHARE, 0
	 * refuses on the first bad record, >= 1 never refuses */
	double max_bad_share;
};

struct xf_feed_entry {
	struct xf_prefix prefix;
	unsigned int line; /* first line that named it; 0 when unknown (json) */
};

/* Every data record ends up in exactly one of parsed, bad, filtered (and,
 * for json, null_or_non_string); every other line (csv: record) is in
 * comments_blank. One parsed record can give several entries (a range);
 * host_bits, mapped, zero_padded and ranges_split count records. The
 * bad-record share is bad / (parsed + bad + filtered). */
struct xf_feed_result {
	struct xf_feed_entry *entries; /* sorted, unique */
	size_t n, cap;

	size_t lines;		   /* physical lines in the (inflated) input */
	size_t comments_blank;	   /* comments, blank lines, headers, banners */
	size_t parsed;		   /* records that gave entries */
	size_t bad;		   /* records skipped as malformed */
	size_t filtered;	   /* min-score, where, ASN filter, ASN 0 */
	size_t null_or_non_string; /* json: selected values not a string */
	size_t host_bits;	   /* records whose host bits were cleared */
	size_t mapped;		   /* IPv4-mapped/embedded IPv6 made IPv4 */
	size_t zero_padded;	   /* IPv4 with zero-padded octets, read as decimal */
	size_t ranges_split;	   /* a-b ranges that needed more than one CIDR */
	size_t duplicates;	   /* exact duplicate entries removed */
	size_t accepted;	   /* == n == v4 + v6 */
	size_t v4, v6;

	char **warnings; /* "feed 'x': file:line: message" */
	size_t nwarnings;      /* stored, at most XF_FEED_MAX_WARNINGS */
	size_t warnings_total; /* including those not stored */

	bool refused;
	bool truncated; /* spamhaus-json: records/size do not match */
	char refuse_reason[XF_FEED_REASON_LEN];

	char *feed; /* the names warnings use (also for the rails) */
	char *file;
};

/* "list", "spamhaus-json", "json", "csv", "ranges", "tor-exits".
 * xf_feed_format_parse returns 0 or -EINVAL. */
int xf_feed_format_parse(const char *name, enum xf_feed_format *out);
const char *xf_feed_format_name(enum xf_feed_format format);

void xf_feed_options_init(struct xf_feed_options *o, enum xf_feed_format format);

/* r is initialised here (free it with xf_feed_result_free whatever the
 * return value). Gzip input (magic 1f 8b) is inflated first. */
int xf_feed_parse_file(const char *path, const struct xf_feed_options *o,
		       struct xf_feed_result *r);
int xf_feed_parse_buffer(const char *display_name, const void *data, size_t len,
			 const struct xf_feed_options *o, struct xf_feed_result *r);
void xf_feed_result_free(struct xf_feed_result *r);

#endif /* XF_FEED_PARSE_H */
