// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: format "list", plain and with ipsum's score column. */
#include "fuzz_feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xf_feed_options o;

	xf_feed_options_init(&o, XF_FORMAT_LIST);
	fuzz_feed(data, size, &o);
	o.has_min_score = true;
	o.min_score = 3;
	fuzz_feed(data, size, &o);
	return 0;
}
