// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Format "spamhaus-json": Spamhaus DROP in JSON Lines (drop_v4.json,
 * drop_v6.json). One object per line, {"cidr":..., "sblid":..., "rir":...},
 * then a trailer {"type":"metadata", ..., "records":N, "size":B} where N
 * counts the record lines and B their bytes (newlines included). A
 * download cut short has no trailer, or one that disagrees with what was
 * read: such a file is refused as truncated. */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>

#include "feed_internal.h"

struct trailer {
	bool seen;
	unsigned int line;
	size_t offset; /* of the trailer: the bytes before it */
	__s64 records, size;
};

static bool get_int(struct json_object *obj, const char *key, __s64 *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

static bool is_trailer(struct json_object *obj)
{
	struct json_object *type;

	return json_object_object_get_ex(obj, "type", &type) &&
	       json_object_is_type(type, json_type_string) &&
	       !strcmp(json_object_get_string(type), "metadata");
}

static int record(struct xf_feed_ctx *c, struct json_tokener *tok, struct xf_span text,
		  unsigned int line, struct trailer *t)
{
	struct json_object *obj, *cidr;
	char q[XF_QUOTE_LEN];
	int err = 0;

	json_tokener_reset(tok);
	obj = json_tokener_parse_ex(tok, text.p, (int)text.n);
	if (!obj || json_tokener_get_parse_end(tok) != text.n ||
	    !json_object_is_type(obj, json_type_object)) {
		xf_feed_bad(c, line, "%s is not a JSON object", xf_quote(text, q));
		goto out;
	}
	if (is_trailer(obj)) {
		t->seen = true;
		t->line = line;
		if (!get_int(obj, "records", &t->records) || !get_int(obj, "size", &t->size))
			t->records = t->size = -1;
		c->r->comments_blank++;
		goto out;
	}
	if (!json_object_object_get_ex(obj, "cidr", &cidr) ||
	    !json_object_is_type(cidr, json_type_string)) {
		xf_feed_bad(c, line, "%s has no \"cidr\" string", xf_quote(text, q));
		goto out;
	}
	err = xf_feed_take(c,
			   (struct xf_span){ json_object_get_string(cidr),
					     (size_t)json_object_get_string_len(cidr) },
			   line);
out:
	json_object_put(obj);
	return err;
}

int xf_feed_parse_spamhaus(struct xf_feed_ctx *c)
{
	struct trailer t = {};
	struct json_tokener *tok;
	struct xf_line_iter it;
	struct xf_span line, text;
	size_t records = 0, start;
	int err = 0;

	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	xf_line_iter_init(&it, c);
	for (;;) {
		start = xf_line_offset(&it, c);
		if (!xf_line_next(&it, &line))
			break;
		text = xf_span_trim(line);
		if (!text.n) {
			c->r->comments_blank++;
			continue;
		}
		if (t.seen) {
			xf_feed_refuse(c, "line %u: data after the metadata trailer of line %u",
				       it.lineno, t.line);
			break;
		}
		err = record(c, tok, text, it.lineno, &t);
		if (err)
			break;
		if (t.seen)
			t.offset = start;
		else
			records++;
	}
	json_tokener_free(tok);
	if (err || c->r->refused)
		return err;
	if (!t.seen) {
		c->r->truncated = true;
		xf_feed_refuse(c, "no metadata trailer: the download is truncated");
	} else if (t.records < 0 || t.size < 0) {
		c->r->truncated = true;
		xf_feed_refuse(c, "line %u: the metadata trailer has no valid \"records\" and \"size\"",
			       t.line);
	} else if ((size_t)t.records != records || (size_t)t.size != t.offset) {
		c->r->truncated = true;
		xf_feed_refuse(c,
			       "line %u: the metadata trailer says %lld records in %lld bytes, "
			       "read %zu records in %zu bytes: truncated download",
			       t.line, (long long)t.records, (long long)t.size, records, t.offset);
	}
	return 0;
}
