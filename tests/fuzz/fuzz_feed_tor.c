// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: format "tor-exits" (TorDNSEL exit-addresses). */
#include "fuzz_feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xf_feed_options o;

	xf_feed_options_init(&o, XF_FORMAT_TOR_EXITS);
	fuzz_feed(data, size, &o);
	return 0;
}
