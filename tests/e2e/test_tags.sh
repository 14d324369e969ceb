#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A tag becomes bits of skb->mark under the mask xdpfence owns: a tag that
# does not fit, or a mask narrowed below a tag in force, is refused, so two
# tags can never turn into one mark.
. "$(dirname "$0")/lib.sh"
e2e_init

check "a tag that fits the default mask (255)" "$XDPFENCE" block 192.0.2.0/24 --action tag --tag 200
check_fails() { ! "$@" >/dev/null 2>&1; }
check "block with tag 256 is refused" check_fails "$XDPFENCE" block 198.51.100.0/24 --action tag --tag 256
check "a feed with tag 300 is refused" check_fails "$XDPFENCE" feed add f --source "$E2E_TMP/f" --action tag --tag 300
check "narrowing the mask below tag 200 is refused" check_fails "$XDPFENCE" config set mark-mask 0x0000f000
check_eq "the mask is unchanged" "0x00ff0000" \
	"$("$XDPFENCE" -j config | python3 -c 'import json,sys; print(json.load(sys.stdin)["mark_mask"])')"
check "a wider mask is fine" "$XDPFENCE" config set mark-mask 0xffff0000
check "and then tag 300 fits" "$XDPFENCE" block 198.51.100.0/24 --action tag --tag 300
check "a non-contiguous mask is refused" check_fails "$XDPFENCE" config set mark-mask 0x00f0f000
e2e_done
