// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Format "csv": RFC 4180 records (quoted fields hold commas, doubled
 * quotes and newlines; CRLF or LF). The address column is named by its
 * header (abuse.ch "dst_ip", GeoIP "network"), or by a 1-based index for a
 * headerless file (RFC 8805 geofeeds: --column 1); a numeric column means
 * there is no header row. An optional row filter keeps the rows whose
 * where_column equals where_value (same naming rule). Lines starting with
 * '#' outside a quoted field are comments (abuse.ch's banner and its
 * "# END N entries" footer). Whitespace around the address is ignored. A
 * record whose quotes are malformed is bad; a quote still open at the end
 * of the file refuses it: the rest of the file would be one field. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "feed_internal.h"

struct field {
	size_t off, n; /* in reader.buf */
};

struct reader {
	const char *p, *end;
	unsigned int line; /* of p */
	char *buf;	   /* field bytes, unquoted */
	size_t used, cap;
	struct field *f;
	size_t nf, fcap;
};

enum rec_status {
	REC_END,
	REC_OK,
	REC_COMMENT, /* comment or blank line */
	REC_BAD,     /* junk after a closing quote */
	REC_OPEN,    /* quote open at the end of the input */
};

static int put(struct reader *rd, char ch)
{
	char *grown;

	if (rd->used == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 256;

		grown = realloc(rd->buf, cap);
		if (!grown)
			return -ENOMEM;
		rd->buf = grown;
		rd->cap = cap;
	}
	rd->buf[rd->used++] = ch;
	return 0;
}

static int field_begin(struct reader *rd)
{
	struct field *grown;

	if (rd->nf == rd->fcap) {
		size_t cap = rd->fcap ? rd->fcap * 2 : 16;

		grown = realloc(rd->f, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		rd->f = grown;
		rd->fcap = cap;
	}
	rd->f[rd->nf].off = rd->used;
	rd->f[rd->nf].n = 0;
	rd->nf++;
	return 0;
}

static struct xf_span field(const struct reader *rd, size_t i)
{
	/* no byte stored yet: buf may still be NULL */
	return (struct xf_span){ rd->f[i].n ? rd->buf + rd->f[i].off : "", rd->f[i].n };
}

/* Past the end of the current physical line. */
static void skip_line(struct reader *rd)
{
	const char *nl = memchr(rd->p, '\n', rd->end - rd->p);

	rd->p = nl ? nl + 1 : rd->end;
	rd->line++;
}

static bool at_eol(const struct reader *rd)
{
	return rd->p == rd->end || *rd->p == '\n' ||
	       (*rd->p == '\r' && (rd->p + 1 == rd->end || rd->p[1] == '\n'));
}

static void eat_eol(struct reader *rd)
{
	if (rd->p < rd->end && *rd->p == '\r')
		rd->p++;
	if (rd->p < rd->end && *rd->p == '\n') {
		rd->p++;
		rd->line++;
	}
}

/* One record into rd->f; returns an enum rec_status or -ENOMEM. */
static int next_record(struct reader *rd)
{
	const char *q;
	int err;

	rd->nf = 0;
	rd->used = 0;
	if (rd->p == rd->end)
		return REC_END;
	q = rd->p;
	while (q < rd->end && xf_is_space(*q))
		q++;
	if (q == rd->end || *q == '\n' || *q == '#') {
		skip_line(rd);
		return REC_COMMENT;
	}
	for (;;) {
		err = field_begin(rd);
		if (err)
			return err;
		if (rd->p < rd->end && *rd->p == '"') {
			rd->p++;
			for (;;) {
				if (rd->p == rd->end)
					return REC_OPEN;
				if (*rd->p == '"') {
					if (rd->p + 1 < rd->end && rd->p[1] == '"') {
						rd->p++;
					} else {
						rd->p++;
						break;
					}
				} else if (*rd->p == '\n') {
					rd->line++;
				}
				err = put(rd, *rd->p++);
				if (err)
					return err;
			}
			while (rd->p < rd->end && (*rd->p == ' ' || *rd->p == '\t'))
				rd->p++;
			if (!at_eol(rd) && *rd->p != ',') {
				skip_line(rd);
				return REC_BAD;
			}
		} else {
			while (!at_eol(rd) && *rd->p != ',') {
				err = put(rd, *rd->p++);
				if (err)
					return err;
			}
		}
		rd->f[rd->nf - 1].n = rd->used - rd->f[rd->nf - 1].off;
		if (rd->p < rd->end && *rd->p == ',') {
			rd->p++;
			continue;
		}
		eat_eol(rd);
		return REC_OK;
	}
}

/* A 1-based index, or -1 for a name. */
static long column_index(const char *spec)
{
	unsigned long v;

	if (xf_span_to_ulong((struct xf_span){ spec, strlen(spec) }, 1UL << 20, &v) || !v)
		return -1;
	return (long)v - 1;
}

static long find_header(const struct reader *rd, const char *name)
{
	size_t i;

	for (i = 0; i < rd->nf; i++)
		if (xf_span_eq_nocase(xf_span_trim(field(rd, i)), name))
			return (long)i;
	return -1;
}

int xf_feed_parse_csv(struct xf_feed_ctx *c)
{
	const struct xf_feed_options *o = c->o;
	struct reader rd = { .p = c->data, .end = c->data + c->len, .line = 1 };
	long col = column_index(o->column), where = -1;
	bool header = col < 0, filter = o->where_column != NULL;
	unsigned int line;
	int st, err = 0;

	if (filter) {
		where = column_index(o->where_column);
		if (where < 0 && !header) {
			xf_feed_refuse(c, "a headerless csv (numeric column) needs a numeric "
					  "where column");
			err = -EINVAL;
			goto out;
		}
	}
	for (;;) {
		line = rd.line;
		st = next_record(&rd);
		if (st < 0) {
			err = st;
			break;
		}
		if (st == REC_END)
			break;
		if (st == REC_COMMENT) {
			c->r->comments_blank++;
			continue;
		}
		if (st == REC_OPEN) {
			xf_feed_refuse(c, "line %u: a quoted field is still open at the end of "
					  "the file",
				       line);
			break;
		}
		if (st == REC_BAD) {
			xf_feed_bad(c, line, "text after a closing quote");
			continue;
		}
		if (header) {
			header = false;
			c->r->comments_blank++;
			col = find_header(&rd, o->column);
			if (filter && where < 0)
				where = find_header(&rd, o->where_column);
			if (col < 0 || (filter && where < 0)) {
				xf_feed_refuse(c, "line %u: the header has no column '%s'", line,
					       col < 0 ? o->column : o->where_column);
				break;
			}
			continue;
		}
		if ((size_t)col >= rd.nf || (filter && (size_t)where >= rd.nf)) {
			xf_feed_bad(c, line, "the row has %zu fields, column %ld is wanted", rd.nf,
				    ((size_t)col >= rd.nf ? col : where) + 1);
			continue;
		}
		if (filter && !xf_span_eq(xf_span_trim(field(&rd, where)), o->where_value)) {
			c->r->filtered++;
			continue;
		}
		if (!xf_span_trim(field(&rd, col)).n) {
			xf_feed_bad(c, line, "the address field is empty");
			continue;
		}
		err = xf_feed_take(c, field(&rd, col), line);
		if (err)
			break;
	}
out:
	free(rd.buf);
	free(rd.f);
	return err;
}
