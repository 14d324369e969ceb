// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: format "ranges" (iptoasn TSV), all ASNs and filtered. */
#include "fuzz_feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const __u32 asns[] = { 15169, 13335, 16591 };
	struct xf_feed_options o;

	xf_feed_options_init(&o, XF_FORMAT_RANGES);
	fuzz_feed(data, size, &o);
	o.asns = asns;
	o.nasns = sizeof(asns) / sizeof(asns[0]);
	fuzz_feed(data, size, &o);
	return 0;
}
