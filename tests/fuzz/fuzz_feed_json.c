// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: format "json". One select reaches every string of the
 * document (json-c parse, conversion to jq values, every address through
 * the common path); the second is AWS's, which fails on most mutated
 * documents (the refusal path and libjq 1.6's key leak). Each parse
 * compiles its jq programs (about 20 ms each in libjq 1.6), so this
 * target runs far fewer inputs per second than the others. */
#include "fuzz_feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xf_feed_options o;

	xf_feed_options_init(&o, XF_FORMAT_JSON);
	o.select[o.nselect++] = ".. | strings";
	o.select[o.nselect++] = ".prefixes[].ip_prefix";
	fuzz_feed(data, size, &o);
	return 0;
}
