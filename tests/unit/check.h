/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by the unit tests (header only: each test file here is its own
 * program). Table-driven tests check every row and report each bad one with
 * its actual and expected value before failing, so one run shows them all.
 * Reference address math here is written bit by bit, independently of
 * user/addr.c, so the tests do not check the code against itself. */
#ifndef XF_UNIT_CHECK_H
#define XF_UNIT_CHECK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static unsigned int check_failures;

static inline void check_begin(void)
{
	check_failures = 0;
}

/* Fail the running test if any check since check_begin() failed. */
#define check_end()                                                              \
	do {                                                                     \
		if (check_failures)                                              \
			fail_msg("%u check(s) failed, see above", check_failures); \
	} while (0)

#define check(cond, fmt, ...)                                                   \
	do {                                                                    \
		if (!(cond)) {                                                  \
			check_failures++;                                       \
			print_error("%s:%d: " fmt "\n", __FILE__, __LINE__,     \
				    ##__VA_ARGS__);                             \
		}                                                               \
	} while (0)

#define check_int(ctx, what, actual, expected)                                  \
	do {                                                                    \
		long long _a = (long long)(actual), _e = (long long)(expected); \
		check(_a == _e, "%s: %s: got %lld, want %lld", ctx, what, _a, _e); \
	} while (0)

#define check_str(ctx, what, actual, expected)                                  \
	do {                                                                    \
		const char *_a = (actual), *_e = (expected);                    \
		check(_a && _e && !strcmp(_a, _e), "%s: %s: got \"%s\", want \"%s\"", \
		      ctx, what, _a ? _a : "(null)", _e ? _e : "(null)");       \
	} while (0)

/* Diagnostics only: "v4 192.0.2.0/24", built with inet_ntop, not with the
 * formatter under test. */
struct pfx_text {
	char s[XF_PREFIX_STRLEN + 16];
};

static inline struct pfx_text pfx_text(const struct xf_prefix *p)
{
	struct pfx_text t;
	char a[INET6_ADDRSTRLEN];

	if (p->family != XF_FAMILY_V4 && p->family != XF_FAMILY_V6) {
		snprintf(t.s, sizeof(t.s), "family %u /%u", p->family, p->len);
		return t;
	}
	inet_ntop(p->family == XF_FAMILY_V4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	snprintf(t.s, sizeof(t.s), "v%u %s/%u", p->family, a, p->len);
	return t;
}

static inline struct pfx_text addr_text(const struct xf_addr *x)
{
	struct pfx_text t;
	char a[INET6_ADDRSTRLEN];

	inet_ntop(x->family == XF_FAMILY_V4 ? AF_INET : AF_INET6, x->addr, a, sizeof(a));
	snprintf(t.s, sizeof(t.s), "v%u %s", x->family, a);
	return t;
}

/* Reference bit math: bit 0 is the most significant bit of addr[0]. */
static inline unsigned int ref_family_bits(__u8 family)
{
	return family == XF_FAMILY_V4 ? 32 : 128;
}

static inline unsigned int ref_bit(const __u8 *addr, unsigned int i)
{
	return (addr[i / 8] >> (7 - i % 8)) & 1;
}

static inline void ref_set_bit(__u8 *addr, unsigned int i, unsigned int v)
{
	__u8 m = (__u8)(0x80 >> (i % 8));

	addr[i / 8] = v ? addr[i / 8] | m : addr[i / 8] & (__u8)~m;
}

/* Clear every bit from len on, including the bytes past the family. */
static inline void ref_mask(__u8 *addr, unsigned int len)
{
	unsigned int i;

	for (i = len; i < XF_ADDR_MAX_BYTES * 8; i++)
		ref_set_bit(addr, i, 0);
}

static inline bool ref_bits_equal(const __u8 *a, const __u8 *b, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		if (ref_bit(a, i) != ref_bit(b, i))
			return false;
	return true;
}

static inline bool ref_contains_addr(const struct xf_prefix *p, const struct xf_addr *a)
{
	return p->family == a->family && ref_bits_equal(p->addr, a->addr, p->len);
}

static inline bool ref_contains(const struct xf_prefix *outer, const struct xf_prefix *inner)
{
	return outer->family == inner->family && outer->len <= inner->len &&
	       ref_bits_equal(outer->addr, inner->addr, outer->len);
}

static inline bool ref_prefix_same(const struct xf_prefix *a, const struct xf_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Seeded xorshift64*: the same seed gives the same run on any libc. The
 * seed comes from XF_TEST_SEED or the clock, and is printed. */
static __u64 rnd_state = 1;

static inline __u64 rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545F4914F6CDD1DULL;
}

static inline unsigned int rnd_below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

static inline __u64 rnd_seed(const char *test)
{
	const char *env = getenv("XF_TEST_SEED");
	__u64 seed;

	if (env && *env)
		seed = strtoull(env, NULL, 0);
	else
		seed = (__u64)time(NULL) ^ ((__u64)getpid() << 32);
	if (!seed)
		seed = 1;
	rnd_state = seed;
	print_message("%s: seed %llu (replay: XF_TEST_SEED=%llu)\n", test,
		      (unsigned long long)seed, (unsigned long long)seed);
	return seed;
}

static inline void rnd_bytes(__u8 *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (__u8)rnd();
}

#endif /* XF_UNIT_CHECK_H */
