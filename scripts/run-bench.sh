#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Build the benchmarks with make and run each of them ($BUILD/tests/bench/*),
# printing their figures. Installs nothing; timing never fails the run,
# only a benchmark that cannot run does. Needs root (BPF maps).
# XF_BENCH_ARGS passes options to every benchmark (e.g. "-r 5");
# XF_FEEDS_DIR names the real feeds (default: ../shared/feeds next to the
# repository).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
case "$build" in /*) ;; *) build="$top/$build" ;; esac

if [ "$(id -u)" -ne 0 ]; then
	echo "run-bench: the benchmarks create BPF maps: run as root" >&2
	exit 1
fi
make -C "$top" --no-print-directory BUILD="$build" bench-bin || exit 1
if [ -z "${XF_FEEDS_DIR:-}" ]; then
	gittop=$(git -C "$top" rev-parse --show-toplevel 2>/dev/null) || gittop=$top
	export XF_FEEDS_DIR="$gittop/../shared/feeds"
fi

status=0
ran=0
for b in "$build"/tests/bench/*; do
	[ -x "$b" ] && [ -f "$b" ] || continue
	case "$b" in *.d | *.o) continue ;; esac
	echo "===== $(basename "$b") ====="
	# word splitting of XF_BENCH_ARGS is wanted
	# shellcheck disable=SC2086
	"$b" ${XF_BENCH_ARGS:-} || { echo "run-bench: $(basename "$b") failed" >&2; status=1; }
	ran=$((ran + 1))
done
if [ "$ran" -eq 0 ]; then
	echo "run-bench: no benchmark under $build/tests/bench" >&2
	exit 1
fi
exit $status
