#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The man page and --help show the same grammar: every command line of
# `xdpfence --help` is a .TP heading in docs/xdpfence.8, and every global
# option is documented there.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
man="$top/docs/xdpfence.8"

headings=$(awk 'prev == ".TP" { print } { prev = $0 }' "$man")
while read -r usage; do
	check "man page documents '$usage'" grep -qxF -- "$usage" <<<"$headings"
done < <("$XDPFENCE" --help | sed -n '/^Commands/,$p' | tail -n +2 | sed -E 's/^  //; s/  +.*$//')
for opt in json pretty verbose pin-dir max-ranges state-dir; do
	check "man page documents --$opt" grep -qF -- "\\-\\-${opt//-/\\-}" "$man"
done
if command -v man >/dev/null; then
	check "man page renders without warnings" \
		bash -c "! man --warnings -l '$man' 2>&1 >/dev/null | grep -q ."
else
	skip "man page renders without warnings" "man is not installed"
fi
e2e_done
