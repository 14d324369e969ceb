/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Helpers of the feed parser tests (header only: every tests/unit/ C file is
 * its own program). Expected prefixes are compared as text printed with
 * inet_ntop, not with the formatter of the code under test; a failed
 * comparison prints every entry, expected and actual. */
#ifndef XF_TEST_FEED_H
#define XF_TEST_FEED_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed_parse.h"
#include "feed_rails.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* "1.2.3.0/24", "2001:db8::/32": always with the length. */
static inline void tf_prefix_text(const struct xf_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(p->family == XF_FAMILY_V4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
}

/* Parse text as the file "t.txt"; r may hold an earlier result. */
static inline int tf_parse_len(const char *text, size_t len, const struct xf_feed_options *o,
			       struct xf_feed_result *r)
{
	xf_feed_result_free(r);
	return xf_feed_parse_buffer("t.txt", text, len, o, r);
}

static inline int tf_parse(const char *text, const struct xf_feed_options *o,
			   struct xf_feed_result *r)
{
	return tf_parse_len(text, strlen(text), o, r);
}

static inline void tf_dump(const struct xf_feed_result *r)
{
	char buf[80];
	size_t i;

	print_message("  %zu entries:\n", r->n);
	for (i = 0; i < r->n; i++) {
		tf_prefix_text(&r->entries[i].prefix, buf, sizeof(buf));
		print_message("    %s (line %u)\n", buf, r->entries[i].line);
	}
	print_message("  %zu warnings (%zu stored):\n", r->warnings_total, r->nwarnings);
	for (i = 0; i < r->nwarnings; i++)
		print_message("    %s\n", r->warnings[i]);
	if (r->refused)
		print_message("  refused: %s\n", r->refuse_reason);
}

/* The entries, in order, are exactly want[0..n). */
static inline void tf_expect_prefixes(const struct xf_feed_result *r, const char *const *want,
				      size_t n, const char *file, int line)
{
	char buf[80];
	size_t i;
	bool ok = r->n == n;

	for (i = 0; ok && i < n; i++) {
		tf_prefix_text(&r->entries[i].prefix, buf, sizeof(buf));
		ok = !strcmp(buf, want[i]);
	}
	if (ok)
		return;
	print_error("%s:%d: entries differ; want %zu:\n", file, line, n);
	for (i = 0; i < n; i++)
		print_error("    %s\n", want[i]);
	tf_dump(r);
	_fail(file, line);
}

#define TF_EXPECT(r, ...)                                                                 \
	do {                                                                              \
		static const char *const _want[] = { __VA_ARGS__ };                       \
		tf_expect_prefixes(r, _want, ARRAY_SIZE(_want), __FILE__, __LINE__);      \
	} while (0)

#define TF_EXPECT_NONE(r) tf_expect_prefixes(r, NULL, 0, __FILE__, __LINE__)

/* One of the stored warnings is exactly text. */
static inline void tf_expect_warning(const struct xf_feed_result *r, const char *text,
				     const char *file, int line)
{
	size_t i;

	for (i = 0; i < r->nwarnings; i++)
		if (!strcmp(r->warnings[i], text))
			return;
	print_error("%s:%d: no warning \"%s\"\n", file, line, text);
	tf_dump(r);
	_fail(file, line);
}

#define TF_WARNING(r, text) tf_expect_warning(r, text, __FILE__, __LINE__)

#define TF_COUNT(r, field, want)                                                          \
	do {                                                                              \
		size_t _got = (r)->field, _want = (want);                                 \
		if (_got != _want) {                                                      \
			print_error("%s:%d: %s: got %zu, want %zu\n", __FILE__, __LINE__, \
				    #field, _got, _want);                                 \
			tf_dump(r);                                                       \
			_fail(__FILE__, __LINE__);                                        \
		}                                                                         \
	} while (0)

#define TF_REFUSED(r, want)                                                                \
	do {                                                                               \
		if ((r)->refused != (want)) {                                              \
			print_error("%s:%d: refused: got %d, want %d\n", __FILE__, __LINE__, \
				    (r)->refused, (want));                                 \
			tf_dump(r);                                                        \
			_fail(__FILE__, __LINE__);                                         \
		}                                                                          \
	} while (0)

/* refuse_reason contains text. */
#define TF_REASON(r, text)                                                                 \
	do {                                                                               \
		if (!strstr((r)->refuse_reason, (text))) {                                 \
			print_error("%s:%d: reason \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, \
				    (r)->refuse_reason, (text));                           \
			_fail(__FILE__, __LINE__);                                         \
		}                                                                          \
	} while (0)

static inline void tf_git_top(const char *cmd, char *top, size_t len)
{
	FILE *p = popen(cmd, "r");

	if (!p)
		return;
	if (!fgets(top, (int)len, p))
		top[0] = '\0';
	pclose(p);
	top[strcspn(top, "\n")] = '\0';
}

/* The repository's top directory: $XF_TOP, else git's view of the current
 * directory (the tests run from the repository), else of the directory of
 * this program (inside the build directory), else ".". */
static inline const char *tf_top(void)
{
	static char top[4096];

	if (top[0])
		return top;
	if (getenv("XF_TOP") && *getenv("XF_TOP")) {
		snprintf(top, sizeof(top), "%s", getenv("XF_TOP"));
		return top;
	}
	tf_git_top("git rev-parse --show-toplevel 2>/dev/null", top, sizeof(top));
	if (!top[0])
		tf_git_top("cd \"$(dirname \"$(readlink -f /proc/$PPID/exe)\")\" && "
			   "git rev-parse --show-toplevel 2>/dev/null",
			   top, sizeof(top));
	if (!top[0])
		snprintf(top, sizeof(top), ".");
	return top;
}

/* Each test gets a zeroed result as its state; the teardown frees it
 * whether the test passed or failed. */
static inline int tf_setup(void **state)
{
	*state = calloc(1, sizeof(struct xf_feed_result));
	return *state ? 0 : -1;
}

static inline int tf_teardown(void **state)
{
	xf_feed_result_free(*state);
	free(*state);
	return 0;
}

#define TF_TEST(fn) cmocka_unit_test_setup_teardown(fn, tf_setup, tf_teardown)

#endif /* XF_TEST_FEED_H */
