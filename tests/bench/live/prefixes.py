#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Prefix sets and traffic sources for the live benchmark (run.sh).

Every stored feed file (../shared/feeds, SOURCES.md) is read with a small
parser of its own (independent of xdpfence's), merged, passed through the
same rails xdpfence applies by default (no prefix shorter than /8 or /19,
nothing that overlaps special-purpose space, user/feed_rails.c) and
collapsed: overlapping and adjacent prefixes become the fewest CIDRs
covering the same addresses. That one list is what every peer gets (xdpfence
as a feed file, nftables as an interval set, ipset as hash:net), so they
enforce exactly the same set. Larger sizes add synthetic prefixes with the
length mix of tests/bench/bench_lookup.c.

For each set it writes, under OUT/<family>-<size>/:
  prefixes.txt  one CIDR per line (the set)
  hit.txt       SOURCES addresses, each inside a range drawn uniformly from
                the set (blocked traffic, spread over all ranges)
  miss.txt      SOURCES addresses inside no range and outside special space
                (clean traffic)
and prints one JSON object describing the sets.

usage: prefixes.py --feeds DIR --out DIR --sets v4:feeds,v4:1000000,... [--sources N] [--seed S]
"""
import argparse
import bisect
import csv
import ipaddress
import json
import os
import random
import re
import socket
import struct
import sys
import time

BITS = {4: 32, 6: 128}
MIN_LEN = {4: 8, 6: 19}  # xdpfence's default rails (--min-prefix4/6)

# user/feed_rails.c: special-purpose space, skipped by default
SPECIAL = {
    4: [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    ],
    6: [
        "::1/128", "::/128", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64",
        "2001::/23", "2001:db8::/32", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10",
        "fec0::/10", "ff00::/8",
    ],
}
GLOBAL6 = (0x2000 << 112, 3)  # 2000::/3: IPv6 outside it is special too

# Stored feed files and how to read them (paths relative to --feeds).
LIST_FEEDS = [
    "najitestech__blocklist-ipsets/firehol_level1.netset",
    "najitestech__blocklist-ipsets/datacenters.netset",
    "najitestech__blocklist-ipsets/tor_exits.ipset",
    "najitestech__blocklist-ipsets/socks_proxy_7d.ipset",
    "najitestech__blocklist-ipsets/feodo.ipset",
    "SIXwishlist__blocklist-ipsets/firehol_anonymous.netset",
    "X4BNet__lists_vpn/output/datacenter/ipv4.txt",
    "X4BNet__lists_vpn/output/datacenter/ipv6.txt",
    "gvanem__wsock-trace/drop.txt",
    "gvanem__wsock-trace/dropv6.txt",
    "javascripterzzeerrr__ipinfo-parser/torbulkexitlist",
    "CriticalPathSecurity__Public-Intelligence-Feeds/compromised-ips.txt",
    "stamparm__ipsum/ipsum.txt",
]
OTHER_FEEDS = {
    "fsinfrastructure__FS_DROP_LIST/drop_v4.json": "spamhaus-json",
    "femueller__cloud-ip-ranges/aws-ip-ranges.json": "aws-json",
    "femueller__cloud-ip-ranges/digitalocean.csv": "geofeed-csv",
    "wizard-projects__abuse.chC2Feeds/ipblocklist.csv": "feodo-csv",
    "jpastuszek__asn-db/ip2asn-v4.tsv": "iptoasn",
}


def to_interval(text):
    """'a.b.c.d/n', an address, or IPv4-mapped IPv6 -> (version, first, last)."""
    net = ipaddress.ip_network(text.strip(), strict=False)
    if net.version == 6 and net.network_address.ipv4_mapped and net.prefixlen >= 96:
        net = ipaddress.ip_network("%s/%d" % (net.network_address.ipv4_mapped,
                                              net.prefixlen - 96))
    return net.version, int(net.network_address), int(net.broadcast_address), net.prefixlen


def range_intervals(a, b):
    lo, hi = ipaddress.ip_address(a.strip()), ipaddress.ip_address(b.strip())
    for net in ipaddress.summarize_address_range(lo, hi):
        yield net.version, int(net.network_address), int(net.broadcast_address), net.prefixlen


def read_list(path):
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        for line in f:
            line = re.split(r"[#;]", line, maxsplit=1)[0].strip()
            if not line:
                continue
            m = re.match(r"^([0-9A-Fa-f:.]+)\s*-\s*([0-9A-Fa-f:.]+)$", line)
            try:
                if m:
                    yield from range_intervals(m.group(1), m.group(2))
                else:
                    yield to_interval(re.split(r"[\s,]", line, maxsplit=1)[0])
            except ValueError:
                continue


def read_other(path, kind):
    if kind == "spamhaus-json":
        with open(path) as f:
            for line in f:
                d = json.loads(line)
                if "cidr" in d:
                    yield to_interval(d["cidr"])
    elif kind == "aws-json":
        with open(path) as f:
            d = json.load(f)
        for p in d.get("prefixes", []):
            yield to_interval(p["ip_prefix"])
        for p in d.get("ipv6_prefixes", []):
            yield to_interval(p["ipv6_prefix"])
    elif kind == "geofeed-csv":
        with open(path, newline="") as f:
            for row in csv.reader(f):
                if row and not row[0].startswith("#"):
                    try:
                        yield to_interval(row[0])
                    except ValueError:
                        continue
    elif kind == "feodo-csv":
        with open(path, newline="") as f:
            rows = [r for r in csv.reader(line for line in f if not line.startswith("#"))]
        header = [h.strip() for h in rows[0]]
        col = header.index("dst_ip")
        for row in rows[1:]:
            try:
                yield to_interval(row[col])
            except (ValueError, IndexError):
                continue
    elif kind == "iptoasn":
        with open(path) as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) >= 3 and cols[2] != "0":
                    yield from range_intervals(cols[0], cols[1])


def special_intervals(version):
    """Special-purpose space as an Excluded set."""
    out = []
    for s in SPECIAL[version]:
        n = ipaddress.ip_network(s)
        out.append((int(n.network_address), int(n.broadcast_address)))
    if version == 6:
        first, length = GLOBAL6
        last = first + (1 << (128 - length)) - 1
        out += [(0, first - 1), (last + 1, (1 << 128) - 1)]
    return Excluded(out)


class Excluded:
    """Sorted disjoint intervals with an overlap test by bisection."""

    def __init__(self, intervals):
        self.iv = merge(intervals)
        self.starts = [a for a, _ in self.iv]

    def overlaps(self, first, last):
        i = bisect.bisect_right(self.starts, last) - 1
        return i >= 0 and self.iv[i][1] >= first


def passes_rails(version, first, last, length, specials):
    return length >= MIN_LEN[version] and not specials.overlaps(first, last)


def merge(intervals):
    """Sorted, overlapping or adjacent intervals joined."""
    out = []
    for a, b in sorted(map(tuple, intervals)):
        if out and a <= out[-1][1] + 1:
            if b > out[-1][1]:
                out[-1][1] = b
        else:
            out.append([a, b])
    return out


def to_cidrs(intervals, bits):
    """The fewest CIDRs covering each interval: (first, prefix length)."""
    out = []
    for a, b in intervals:
        while a <= b:
            size = (a & -a).bit_length() - 1 if a else bits
            while size and a + (1 << size) - 1 > b:
                size -= 1
            out.append((a, bits - size))
            a += 1 << size
    return out


def synthetic(version, rng):
    """A random prefix with bench_lookup's length mix, as (first, last, len)."""
    roll = rng.randrange(100)
    if version == 4:
        length = 32 if roll < 60 else 24 if roll < 93 else (
            16 + rng.randrange(8) if roll < 98 else 25 + rng.randrange(7))
        addr = rng.getrandbits(32)
    else:
        length = 128 if roll < 50 else 64 if roll < 75 else 56 if roll < 90 else 48
        # 2400::/16 .. 2aff::/16: global unicast, clear of the special blocks
        addr = ((0x2400 + rng.randrange(0x700)) << 112) | rng.getrandbits(112)
    bits = BITS[version]
    first = addr >> (bits - length) << (bits - length)
    return first, first + (1 << (bits - length)) - 1, length


def fmt(version, value):
    if version == 4:
        return socket.inet_ntop(socket.AF_INET, struct.pack("!I", value))
    return socket.inet_ntop(socket.AF_INET6, value.to_bytes(16, "big"))


def build_set(version, size, feed_intervals, rng):
    """(cidrs, merged intervals, number of CIDRs from the feeds alone).
    Synthetic prefixes go into the gaps only, touching neither a feed range,
    special space nor each other, so none merges away and the set has
    exactly `size` CIDRs."""
    specials = special_intervals(version)
    bits = BITS[version]
    merged = merge(feed_intervals)
    cidrs = to_cidrs(merged, bits)
    n_feed = len(cidrs)
    need = size - n_feed
    if need <= 0:
        return cidrs, merged, n_feed
    taken = Excluded([tuple(m) for m in merged] + specials.iv)
    extra = []
    while len(extra) < need:
        cand = list(extra)
        for _ in range(int((need - len(extra)) * 1.1) + 16):
            first, last, length = synthetic(version, rng)
            if length >= MIN_LEN[version] and not taken.overlaps(first - 1, last + 1):
                cand.append((first, last, length))
        cand.sort()
        extra = []
        for c in cand:
            if not extra or c[0] > extra[-1][1] + 1:
                extra.append(c)
    rng.shuffle(extra)
    extra = extra[:need]
    cidrs = sorted(cidrs + [(a, n) for a, _, n in extra])
    merged = merge([tuple(m) for m in merged] + [(a, b) for a, b, _ in extra])
    return cidrs, merged, n_feed


def sources(version, cidrs, merged, count, rng):
    bits = BITS[version]
    excluded = Excluded([tuple(m) for m in merged] + special_intervals(version).iv)
    hit = []
    for _ in range(count):
        first, length = cidrs[rng.randrange(len(cidrs))]
        hit.append(first | rng.getrandbits(bits - length) if length < bits else first)
    miss = []
    while len(miss) < count:
        if version == 4:
            value = rng.getrandbits(32)
        else:
            # the first 32 bits of a listed range, the rest random: clean
            # sources in the same regions as the listed ones
            first, _ = cidrs[rng.randrange(len(cidrs))]
            value = (first >> 96 << 96) | rng.getrandbits(96)
        if not excluded.overlaps(value, value):
            miss.append(value)
    return hit, miss


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--sets", required=True, help="comma list of FAMILY:SIZE, SIZE 'feeds' or N")
    ap.add_argument("--sources", type=int, default=1 << 20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    t0 = time.monotonic()
    rng = random.Random(args.seed)
    feed_iv = {4: [], 6: []}
    used = []
    for rel in LIST_FEEDS + list(OTHER_FEEDS):
        path = os.path.join(args.feeds, rel)
        if not os.path.exists(path):
            print("prefixes: %s: missing, left out" % path, file=sys.stderr)
            continue
        it = read_list(path) if rel in LIST_FEEDS else read_other(path, OTHER_FEEDS[rel])
        n = 0
        for version, first, last, length in it:
            feed_iv[version].append((first, last, length))
            n += 1
        used.append({"file": rel, "entries": n})
    raw = {v: len(feed_iv[v]) for v in (4, 6)}
    for v in (4, 6):
        specials = special_intervals(v)
        feed_iv[v] = [(a, b) for a, b, n in feed_iv[v] if passes_rails(v, a, b, n, specials)]

    result = {"feeds": used, "feed_entries": {"v4": raw[4], "v6": raw[6]},
              "after_rails": {"v4": len(feed_iv[4]), "v6": len(feed_iv[6])}, "sets": []}
    for spec in args.sets.split(","):
        fam, size = spec.split(":")
        version = 4 if fam == "v4" else 6
        target = 0 if size == "feeds" else int(size)
        cidrs, merged, n_feed = build_set(version, target, feed_iv[version], rng)
        hit, miss = sources(version, cidrs, merged, args.sources, rng)
        d = os.path.join(args.out, "%s-%s" % (fam, size))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "prefixes.txt"), "w") as f:
            f.write("".join("%s/%d\n" % (fmt(version, a), n) for a, n in cidrs))
        for name, values in (("hit.txt", hit), ("miss.txt", miss)):
            with open(os.path.join(d, name), "w") as f:
                f.write("".join(fmt(version, x) + "\n" for x in values))
        result["sets"].append({"name": "%s-%s" % (fam, size), "family": fam, "dir": d,
                               "n_ranges": len(cidrs), "from_feeds": n_feed,
                               "synthetic": max(len(cidrs) - n_feed, 0),
                               "addresses": sum(b - a + 1 for a, b in merged)})
    result["seconds"] = round(time.monotonic() - t0, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
