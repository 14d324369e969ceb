#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Table and JSON of the live benchmark (run.sh): one measurement per line
of --rows (JSON Lines), ratios to the bare XDP_DROP measured with the same
set and traffic kind, written as one JSON array to --out (the build/bench-*.json
format: scenario, backend, family, n_ranges, traffic, kind, ns_per_pkt,
ratio_to_drop, ...)."""
import argparse
import json
import sys


def fmt(v, spec):
    return format(v, spec) if v is not None else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", required=True)
    ap.add_argument("--sets", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--receiver", default="")
    ap.add_argument("--iptables", default="iptables")
    args = ap.parse_args()

    rows = [json.loads(line) for line in open(args.rows) if line.strip()]
    sets = json.load(open(args.sets))
    # the bare XDP_DROP measured with the same set (same sources), just before
    drop = {(r["set"], r["kind"]): r["ns_per_pkt"] for r in rows
            if r["backend"] == "xdp-drop" and r["ns_per_pkt"]}
    for r in rows:
        d = drop.get((r["set"], r["kind"]))
        r["ratio_to_drop"] = round(r["ns_per_pkt"] / d, 2) if d and r["ns_per_pkt"] else None
        r["receiver"] = args.receiver
        if r["backend"] == "nftables":
            r["hook"] = "netdev ingress, priority -500, interval set (flags interval)"
        elif r["backend"] == "ipset":
            r["hook"] = "%s -t raw PREROUTING -m set --match-set (hash:net)" % args.iptables
        elif r["backend"].startswith("xdpfence"):
            r["hook"] = "XDP native + tc ingress companion"

    print()
    print("prefix sets (real feeds merged, rails applied, collapsed; synthetic added to reach a size):")
    for s in sets["sets"]:
        print("  %-12s %8d ranges (%d from the feeds, %d synthetic)"
              % (s["name"], s["n_ranges"], s["from_feeds"], s["synthetic"]))
    print("receiver: %s" % args.receiver)
    print("ns/pkt = receiver CPU time per packet; x drop = ns/pkt over the bare XDP_DROP's "
          "(same set and traffic,\n  measured just before); pps = packets the receiver took per "
          "second; offered = frames the generator sent per second (the excess overflows the\n"
          "  veth ring); CPU% = the receiver's NAPI thread; hit = blocked sources, miss = clean "
          "ones; none = no filter")
    print()
    hdr = "%-4s %8s  %-14s %-5s %10s %9s %8s %6s %10s %9s %8s  %s" % (
        "fam", "ranges", "backend", "kind", "pps", "ns/pkt", "x drop", "CPU%",
        "offered", "passed", "load s", "check")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print("%-4s %8d  %-14s %-5s %10s %9s %8s %6s %10s %9s %8s  %s" % (
            r["family"], r["n_ranges"], r["backend"], r["kind"],
            fmt(r["pps"], ","), fmt(r["ns_per_pkt"], ".1f"), fmt(r["ratio_to_drop"], ".2f"),
            fmt(r["cpu_pct"], ".0f"), fmt(r["offered_pps"], ","), fmt(r["passed"], ","),
            fmt(r["load_seconds"], ".2f"), "ok" if r["ok"] else "UNEXPECTED passed/dropped"))
    bad = [r for r in rows if not r["ok"]]
    if bad:
        print("\nbench-live: %d measurement(s) where the filter let through or dropped what "
              "it should not have (see 'passed')" % len(bad), file=sys.stderr)
    with open(args.out, "w") as f:
        json.dump(rows, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
