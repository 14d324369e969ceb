// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: format "csv": by header name with a row filter, and
 * headerless by index. */
#include "fuzz_feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xf_feed_options o;

	xf_feed_options_init(&o, XF_FORMAT_CSV);
	o.column = "network";
	o.where_column = "is_anonymous_vpn";
	o.where_value = "1";
	fuzz_feed(data, size, &o);
	xf_feed_options_init(&o, XF_FORMAT_CSV);
	o.column = "dst_ip";
	fuzz_feed(data, size, &o);
	xf_feed_options_init(&o, XF_FORMAT_CSV);
	o.column = "1";
	fuzz_feed(data, size, &o);
	return 0;
}
