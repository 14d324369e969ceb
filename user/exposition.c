// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "exposition.h"

int xf_expo_open(struct xf_expo *e)
{
	e->text = NULL;
	e->len = 0;
	e->out = open_memstream(&e->text, &e->len);
	return e->out ? 0 : -errno;
}

int xf_expo_finish(struct xf_expo *e, char **text, size_t *len)
{
	bool failed = ferror(e->out);

	/* the stream's buffer is complete only after fclose */
	if (fclose(e->out))
		failed = true;
	e->out = NULL;
	if (failed) {
		free(e->text);
		e->text = NULL;
		return -ENOMEM;
	}
	*text = e->text;
	*len = e->len;
	e->text = NULL;
	return 0;
}

void xf_expo_discard(struct xf_expo *e)
{
	if (e->out)
		fclose(e->out);
	e->out = NULL;
	free(e->text);
	e->text = NULL;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms,
 * no surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_sequence(const unsigned char *s)
{
	unsigned int cp, min;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) /* the NUL terminator stops here too */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* HELP text escapes backslash and newline; label values also the double
 * quote. The format is UTF-8: a byte that does not start a valid sequence
 * (an error message quoting a feed's bytes, say) becomes U+FFFD. */
static void put_escaped(FILE *out, const char *text, bool quote)
{
	const unsigned char *s = (const unsigned char *)text;

	while (*s) {
		size_t len = utf8_sequence(s);

		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (*s == '"' && quote)
			fputs("\\\"", out);
		else if (len)
			fwrite(s, 1, len, out);
		else
			fputs("\xef\xbf\xbd", out);
		s += len ? len : 1;
	}
}

void xf_expo_family(struct xf_expo *e, const char *name, enum xf_metric_type type, const char *help)
{
	fprintf(e->out, "# HELP %s ", name);
	put_escaped(e->out, help, false);
	fprintf(e->out, "\n# TYPE %s %s\n", name, type == XF_METRIC_COUNTER ? "counter" : "gauge");
}

static void put_name_labels(FILE *out, const char *name, const struct xf_label *labels,
			    size_t nlabels)
{
	size_t i;

	fputs(name, out);
	if (!nlabels)
		return;
	fputc('{', out);
	for (i = 0; i < nlabels; i++) {
		fprintf(out, "%s%s=\"", i ? "," : "", labels[i].name);
		put_escaped(out, labels[i].value ? labels[i].value : "", true);
		fputc('"', out);
	}
	fputc('}', out);
}

void xf_expo_u64(struct xf_expo *e, const char *name, const struct xf_label *labels, size_t nlabels,
		 __u64 value)
{
	put_name_labels(e->out, name, labels, nlabels);
	fprintf(e->out, " %llu\n", (unsigned long long)value);
}

/* The shortest of %.15g and %.17g that reads back as the same double
 * (0.1 stays "0.1"). */
static const char *shortest_double(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, len, "%.17g", v);
	return buf;
}

void xf_expo_double(struct xf_expo *e, const char *name, const struct xf_label *labels,
		    size_t nlabels, double value)
{
	char buf[32];

	put_name_labels(e->out, name, labels, nlabels);
	if (isnan(value))
		fputs(" NaN\n", e->out);
	else if (isinf(value))
		fputs(value > 0 ? " +Inf\n" : " -Inf\n", e->out);
	else
		fprintf(e->out, " %s\n", shortest_double(value, buf, sizeof(buf)));
}
