#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Summarise build/bench.json (written by `make bench`) as the markdown
tables of docs/PERFORMANCE.md, with the machine they were measured on.

Usage: scripts/perf-report.py [build/bench.json] > tables.md
Only formats what the benchmarks measured; the analysis around the tables
in docs/PERFORMANCE.md is written by hand."""
import json
import platform
import subprocess
import sys

TARGETS = {  # issue 4: (family, traffic, kind) -> ratio to a bare XDP_DROP
    ("v4", "hot", "hit"): 1.5, ("v6", "hot", "hit"): 3,
    ("v4", "hot", "miss"): 1.5, ("v6", "hot", "miss"): 3,
    ("v4", "cold", "miss"): 1.5, ("v6", "cold", "miss"): 5,
    ("v4", "cold", "hit"): 12, ("v6", "cold", "hit"): 15,
}


def machine():
    out = []
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in lscpu.splitlines():
            key = line.split(":")[0].strip()
            if key in ("Model name", "CPU(s)", "L1d cache", "L2 cache", "L3 cache",
                       "Hypervisor vendor", "Virtualization type"):
                out.append("%s: %s" % (key, line.split(":", 1)[1].strip()))
    except OSError:
        pass
    out.append("kernel: %s" % platform.release())
    try:
        with open("/proc/meminfo") as f:
            out.append("memory: %s" % f.readline().split(":")[1].strip())
    except OSError:
        pass
    return out


def fmt(row):
    if row is None:
        return "–"
    return "%.0f ns (%.1f×)" % (row["ns_per_pkt"], row["ratio_to_drop"])


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "build/bench.json"
    with open(path) as f:
        rows = json.load(f)
    lookups = [r for r in rows if "ns_per_pkt" in r and r.get("scenario") != "live-veth"]
    figures = [r for r in rows if "measure" in r]
    live = [r for r in rows if r.get("scenario") == "live-veth"]

    print("### Machine\n")
    for line in machine():
        print("- " + line)
    for r in figures:
        if r["scenario"] == "machine":
            print("- %s: %.0f %s" % (r["measure"], r["value"], r["unit"]))

    print("\n### Lookup on BPF_PROG_TEST_RUN (ns/packet, × a bare XDP_DROP in the same run)\n")
    print("| ranges | family | traffic | kind | fast | lpm (reference) | target |")
    print("|---|---|---|---|---|---|---|")
    seen = []
    for r in lookups:
        key = (r["scenario"], r["family"], r["traffic"], r["kind"])
        if key in seen:
            continue
        seen.append(key)
        by = {x["backend"]: x for x in lookups
              if (x["scenario"], x["family"], x["traffic"], x["kind"]) == key}
        target = TARGETS.get((r["family"], r["traffic"], r["kind"]))
        print("| %s | %s | %s | %s | %s | %s | %s |" % (
            r["scenario"], r["family"], r["traffic"], r["kind"], fmt(by.get("fast")),
            fmt(by.get("lpm")), "≤ %g×" % target if target else ""))

    print("\n### Control path and memory\n")
    print("| scenario | measure | fast | lpm |")
    print("|---|---|---|---|")
    seen = []
    for r in figures:
        key = (r["scenario"], r["measure"])
        if r["scenario"] == "machine" or key in seen:
            continue
        seen.append(key)
        by = {x["backend"]: x for x in figures if (x["scenario"], x["measure"]) == key}
        cell = lambda b: "%.0f %s" % (by[b]["value"], by[b]["unit"]) if b in by else "–"
        print("| %s | %s | %s | %s |" % (r["scenario"], r["measure"], cell("fast"),
                                          cell("lpm")))

    if live:
        print("\n### Live traffic through a veth (receiver CPU ns/packet, × a bare XDP_DROP "
              "on the same receiver)\n")
        print("| prefix set | backend | blocked: pps, ns/pkt (×) | clean: pps, ns/pkt (×) |")
        print("|---|---|---|---|")
        seen = []
        for r in live:
            key = (r.get("set"), r["backend"])
            if key in seen:
                continue
            seen.append(key)
            cells = []
            for kind in ("hit", "miss"):
                x = [y for y in live if (y.get("set"), y["backend"], y["kind"]) == key + (kind,)]
                cells.append("%d pps, %.0f ns (%.1f×)" % (x[0]["pps"], x[0]["ns_per_pkt"],
                                                            x[0]["ratio_to_drop"])
                             if x else "–")
            print("| %s (%s) | %s | %s | %s |" % (r.get("set"), r["n_ranges"], r["backend"],
                                                   cells[0], cells[1]))


if __name__ == "__main__":
    main()
