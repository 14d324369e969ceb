#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Run every test program: unit and BPF_PROG_TEST_RUN tests (cmocka binaries
# under $BUILD/tests/), the feed parser fuzz targets (tests/fuzz/run.sh),
# then the end-to-end scripts (tests/e2e/*.sh).
# Every program reports its cases in cmocka's format ("[       OK ] name",
# "[  FAILED  ] name", "[  SKIPPED ] name"); a program's output is replayed
# only when it fails. The last line is "N passed, N failed, N skipped".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
case "$build" in /*) ;; *) build="$top/$build" ;; esac
filter=${TEST_FILTER:-}
passed=0 failed=0 skipped=0
failed_names=()
log=$(mktemp /tmp/xdpfence-test.XXXXXX)
trap 'rm -f "$log"' EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "run-tests: the tests load BPF programs and create namespaces: run as root" >&2
	exit 1
fi

run_one() {
	local name=$1
	shift
	local ok fail skip rc start end
	start=$(date +%s.%N)
	"$@" >"$log" 2>&1
	rc=$?
	end=$(date +%s.%N)
	# cmocka repeats failed and skipped names after its summary line
	ok=$(grep -c '^\[       OK \]' "$log")
	fail=$(grep '^\[  FAILED  \]' "$log" | grep -v ' test(s)' | sort -u | wc -l)
	skip=$(grep '^\[  SKIPPED \]' "$log" | grep -v ' test(s)' | sort -u | wc -l)
	# a crash or a non-zero exit without a failed case still fails
	if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		fail=1
		echo "[  FAILED  ] $name (exit status $rc)" >>"$log"
	fi
	if [ "$ok" -eq 0 ] && [ "$fail" -eq 0 ] && [ "$skip" -eq 0 ]; then
		fail=1
		echo "[  FAILED  ] $name (ran no test case)" >>"$log"
	fi
	passed=$((passed + ok))
	failed=$((failed + fail))
	skipped=$((skipped + skip))
	printf '%-40s %4d passed %4d failed %4d skipped  %6.1fs\n' "$name" "$ok" "$fail" "$skip" \
		"$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
	if [ "$fail" -ne 0 ]; then
		failed_names+=("$name")
		echo "----- output of $name -----"
		cat "$log"
		echo "----- end of $name -----"
	fi
}

for kind in unit prog; do
	for t in "$build"/tests/"$kind"/*; do
		[ -x "$t" ] && [ -f "$t" ] || continue
		case "$t" in *.d | *.o) continue ;; esac
		name="$kind/$(basename "$t")"
		[ -n "$filter" ] && [[ "$name" != *$filter* ]] && continue
		run_one "$name" "$t"
	done
done
# libFuzzer on every feed parser, for a bounded time each (XF_FUZZ_TIME)
if [ -z "$filter" ] || [[ "fuzz/feed_parsers" == *$filter* ]]; then
	run_one fuzz/feed_parsers env BUILD="$build" bash "$top/tests/fuzz/run.sh"
fi
for t in "$top"/tests/e2e/test_*.sh; do
	[ -f "$t" ] || continue
	name="e2e/$(basename "$t" .sh)"
	[ -n "$filter" ] && [[ "$name" != *$filter* ]] && continue
	run_one "$name" env XDPFENCE="$build/xdpfence" bash "$t"
done

if [ "${#failed_names[@]}" -ne 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
