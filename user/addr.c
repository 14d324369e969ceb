// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

static const __u8 v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
static const __u8 v4_embedded_prefix[12] = { 0 };

/* Decimal prefix length: digits only, no sign, no leading zero. */
static int parse_len(const char *s, unsigned int max, unsigned int *out)
{
	unsigned int v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

void xf_prefix_mask(struct xf_prefix *p)
{
	unsigned int bytes = xf_family_bits(p->family) / 8, i;

	for (i = 0; i < XF_ADDR_MAX_BYTES; i++) {
		if (i >= bytes || i * 8 >= p->len)
			p->addr[i] = 0;
		else if (i * 8 + 8 > p->len)
			p->addr[i] &= (__u8)(0xff << (8 - (p->len - i * 8)));
	}
}

int xf_prefix_parse(const char *text, struct xf_prefix *out, unsigned int *flags)
{
	char buf[XF_PREFIX_STRLEN];
	struct xf_prefix p = {};
	unsigned int len, local_flags = 0;
	char *slash;
	size_t n;

	if (flags)
		*flags = 0;
	n = strlen(text);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, n + 1);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';

	if (inet_pton(AF_INET, buf, p.addr) == 1) {
		p.family = XF_FAMILY_V4;
	} else if (inet_pton(AF_INET6, buf, p.addr) == 1) {
		p.family = XF_FAMILY_V6;
	} else {
		return -EINVAL;
	}
	len = xf_family_bits(p.family);
	if (slash && parse_len(slash + 1, len, &len))
		return -EINVAL;

	/* a dotted quad inside IPv6 means the operator meant IPv4 */
	if (p.family == XF_FAMILY_V6 && strchr(buf, '.') && len >= 96 &&
	    (!memcmp(p.addr, v4_mapped_prefix, 12) || !memcmp(p.addr, v4_embedded_prefix, 12))) {
		memmove(p.addr, p.addr + 12, 4);
		memset(p.addr + 4, 0, XF_ADDR_MAX_BYTES - 4);
		p.family = XF_FAMILY_V4;
		len -= 96;
		local_flags |= XF_PARSE_MAPPED;
	}
	p.len = len;

	*out = p;
	xf_prefix_mask(out);
	if (memcmp(out->addr, p.addr, XF_ADDR_MAX_BYTES))
		local_flags |= XF_PARSE_HOST_BITS;
	if (flags)
		*flags = local_flags;
	return 0;
}

int xf_addr_parse(const char *text, struct xf_addr *out)
{
	struct xf_prefix p;
	int err;

	if (strchr(text, '/'))
		return -EINVAL;
	err = xf_prefix_parse(text, &p, NULL);
	if (err)
		return err;
	out->family = p.family;
	memcpy(out->addr, p.addr, XF_ADDR_MAX_BYTES);
	return 0;
}

void xf_addr_format(const struct xf_addr *a, char *buf, size_t len)
{
	char *tail;

	if (!inet_ntop(a->family == XF_FAMILY_V4 ? AF_INET : AF_INET6, a->addr, buf, len)) {
		snprintf(buf, len, "?");
		return;
	}
	/* inet_ntop writes ::ffff:0:0/96 and ::/96 addresses with a dotted
	 * quad, which xf_prefix_parse reads back as IPv4: print the last 32
	 * bits in hex so IPv6 stays IPv6 (the hex form is never longer) */
	if (a->family == XF_FAMILY_V6 && strchr(buf, '.') && (tail = strrchr(buf, ':')))
		snprintf(tail + 1, len - (tail + 1 - buf), "%x:%x", a->addr[12] << 8 | a->addr[13],
			 a->addr[14] << 8 | a->addr[15]);
}

void xf_prefix_format(const struct xf_prefix *p, char *buf, size_t len)
{
	struct xf_addr a = { .family = p->family };
	size_t used;

	memcpy(a.addr, p->addr, XF_ADDR_MAX_BYTES);
	xf_addr_format(&a, buf, len);
	used = strlen(buf);
	if (used < len)
		snprintf(buf + used, len - used, "/%u", p->len);
}

static bool bits_match(const __u8 *a, const __u8 *b, unsigned int bits)
{
	unsigned int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full))
		return false;
	if (!rest)
		return true;
	return !((a[full] ^ b[full]) & (__u8)(0xff << (8 - rest)));
}

bool xf_prefix_contains(const struct xf_prefix *outer, const struct xf_prefix *inner)
{
	return outer->family == inner->family && outer->len <= inner->len &&
	       bits_match(outer->addr, inner->addr, outer->len);
}

bool xf_prefix_contains_addr(const struct xf_prefix *p, const struct xf_addr *a)
{
	return p->family == a->family && bits_match(p->addr, a->addr, p->len);
}

bool xf_prefix_equal(const struct xf_prefix *a, const struct xf_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(a->addr, b->addr, XF_ADDR_MAX_BYTES);
}

int xf_prefix_cmp(const struct xf_prefix *a, const struct xf_prefix *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, XF_ADDR_MAX_BYTES);
	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

void xf_prefix_from_addr(struct xf_prefix *p, const struct xf_addr *a)
{
	p->family = a->family;
	p->len = xf_family_bits(a->family);
	memcpy(p->addr, a->addr, XF_ADDR_MAX_BYTES);
}

void xf_prefix_to_key(const struct xf_prefix *p, struct xf_lpm_key *key)
{
	memset(key, 0, sizeof(*key));
	key->prefixlen = XF_LPM_FAMILY_BITS + p->len;
	key->family = p->family;
	memcpy(key->addr, p->addr, XF_ADDR_MAX_BYTES);
}

int xf_prefix_from_key(struct xf_prefix *p, const struct xf_lpm_key *key)
{
	if ((key->family != XF_FAMILY_V4 && key->family != XF_FAMILY_V6) ||
	    key->prefixlen < XF_LPM_FAMILY_BITS ||
	    key->prefixlen - XF_LPM_FAMILY_BITS > xf_family_bits(key->family))
		return -EINVAL;
	p->family = key->family;
	p->len = key->prefixlen - XF_LPM_FAMILY_BITS;
	memcpy(p->addr, key->addr, XF_ADDR_MAX_BYTES);
	/* a stored key is ours, but a corrupt one must not break precedence */
	xf_prefix_mask(p);
	return 0;
}
