#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Build the benchmarks with make and run each of them ($BUILD/tests/bench/*),
# printing their figures; then the live-traffic peer benchmark
# (tests/bench/live/run.sh: veth pair, xdpfence against nftables, ipset and a
# bare XDP_DROP); then merge every $BUILD/bench-*.json (JSON arrays of rows)
# into $BUILD/bench.json. Installs nothing; timing never fails the run,
# only a benchmark that cannot run does. Needs root (BPF maps, namespaces).
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
# the merged build/bench.json describes this run only
rm -f "$build"/bench-*.json "$build/bench.json"
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

# live traffic through a veth pair: xdpfence against nftables, ipset and a
# bare XDP_DROP (tests/bench/live/run.sh; --quick in XF_BENCH_ARGS makes it short)
echo "===== live-veth (tests/bench/live/run.sh) ====="
live_args=()
[[ " ${XF_BENCH_ARGS:-} " == *" --quick "* ]] && live_args+=(--quick)
BUILD="$build" bash "$top/tests/bench/live/run.sh" "${live_args[@]}" ||
	{ echo "run-bench: live-veth failed" >&2; status=1; }

# every benchmark's rows (build/bench-*.json, each a JSON array) in one file
python3 - "$build" <<'EOF' || status=1
import glob, json, os, sys
rows, used = [], []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "bench-*.json"))):
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        print("run-bench: %s: %s" % (path, e), file=sys.stderr)
        continue
    if not isinstance(data, list):
        print("run-bench: %s: not a JSON array, left out" % path, file=sys.stderr)
        continue
    rows += data
    used.append("%s (%d)" % (os.path.basename(path), len(data)))
out = os.path.join(sys.argv[1], "bench.json")
with open(out, "w") as f:
    json.dump(rows, f, indent=1)
    f.write("\n")
print("run-bench: %d rows in %s from %s" % (len(rows), out, ", ".join(used) or "no file"))
EOF
exit $status
