// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: format "spamhaus-json" (JSON Lines and its trailer). */
#include "fuzz_feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xf_feed_options o;

	xf_feed_options_init(&o, XF_FORMAT_SPAMHAUS_JSON);
	fuzz_feed(data, size, &o);
	return 0;
}
