#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Build and run every feed parser fuzz target (tests/fuzz/fuzz_feed_*.c) for
# a bounded time, starting from its seed corpus tests/fuzz/corpus/<format>/.
# Reports one cmocka-format line per target ("[       OK ] fuzz_feed_list",
# "[  FAILED  ] fuzz_feed_csv (...)"); a crash, leak, undefined behaviour,
# hang (-timeout) or memory blow-up (-rss_limit_mb) fails the target, and the
# input that did it is kept in $BUILD/fuzz/artifacts/ to replay with
# `$BUILD/fuzz/<target> <file>`. New inputs go to a scratch directory, so the
# committed corpus stays as it is.
#   XF_FUZZ_TIME   seconds per target (default 20)
#   BUILD          build directory (default build)
# Usage: tests/fuzz/run.sh [target-name-substring]
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
case "$build" in /*) ;; *) build="$top/$build" ;; esac
time=${XF_FUZZ_TIME:-20}
filter=${1:-}

if ! make -C "$top" --no-print-directory -s BUILD="$build" fuzz >/dev/null; then
	echo "[  FAILED  ] fuzz_build (make fuzz failed)"
	exit 1
fi
work=$(mktemp -d /tmp/xdpfence-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

targets=()
for bin in "$build"/fuzz/fuzz_feed_*; do
	[ -x "$bin" ] && [ -f "$bin" ] || continue
	[ -n "$filter" ] && [[ "$(basename "$bin")" != *$filter* ]] && continue
	targets+=("$bin")
done
echo "[==========] Running ${#targets[@]} fuzz target(s), ${time}s each."
failed=0
for bin in "${targets[@]}"; do
	name=$(basename "$bin")
	seeds="$top/tests/fuzz/corpus/${name#fuzz_feed_}"
	dir="$work/$name"
	mkdir -p "$dir/corpus" "$dir/artifacts"
	echo "[ RUN      ] $name"
	"$bin" -max_total_time="$time" -rss_limit_mb=2048 -timeout=5 -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/" "$dir/corpus" "$seeds" >"$dir/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$dir/log" | tail -1)
	if [ "$rc" -eq 0 ] && [ -z "$(ls -A "$dir/artifacts")" ]; then
		echo "[       OK ] $name (${execs:-?} runs, $cov)"
	else
		failed=$((failed + 1))
		mkdir -p "$build/fuzz/artifacts"
		cp "$dir"/artifacts/* "$build/fuzz/artifacts/" 2>/dev/null
		tail -40 "$dir/log"
		echo "[  FAILED  ] $name (exit status $rc; inputs in $build/fuzz/artifacts/)"
	fi
done
echo "[==========] ${#targets[@]} fuzz target(s) run."
[ "$failed" -eq 0 ]
