#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Independent oracle for the feed parsers (tests/unit/test_feed_real.c).

Reads one feed file the way xdpfence is meant to, but with Python's own
tools (ipaddress, json, csv, gzip) and none of the C code, and prints:

    v4 N
    v6 N
    bad N
    filtered N
    duplicates N
    ranges_split N
    P <4|6> <address as hex>/<length>     one per unique prefix, sorted

Host bits are masked (strict=False), IPv4-mapped/embedded IPv6 written with
a dotted quad becomes IPv4, zero-padded IPv4 octets are read as decimal,
ranges become CIDRs with summarize_address_range, exact duplicates are
removed. The json format accepts a small jq subset: paths of .key, [] and
keys[], joined with '|'.
"""
import argparse
import csv
import gzip
import ipaddress
import json
import re
import sys

MAPPED = ipaddress.ip_network("::ffff:0:0/96")
EMBEDDED = ipaddress.ip_network("::/96")


class Bad(Exception):
    pass


def unpad_v4(text):
    """'001.002.004.000/24' -> '1.2.4.0/24' (decimal, never octal)."""
    m = re.fullmatch(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(/.*)?", text)
    if not m:
        return text
    return ".".join(str(int(g)) for g in m.groups()[:4]) + (m.group(5) or "")


def network(text, bare=False):
    text = text.strip()
    if not text or "%" in text or (bare and "/" in text):
        raise Bad(text)
    text = unpad_v4(text)
    addr, _, plen = text.partition("/")
    if plen and not re.fullmatch(r"0|[1-9]\d*", plen):
        raise Bad(text)
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise Bad(text)
    if net.version == 6 and "." in addr and net.prefixlen >= 96 and (
        net.network_address in MAPPED or net.network_address in EMBEDDED
    ):
        v4 = int(net.network_address) & 0xFFFFFFFF
        net = ipaddress.IPv4Network((v4, net.prefixlen - 96))
    return net


def address(text):
    net = network(text, bare=True)
    return net.network_address


class Feed:
    def __init__(self):
        self.nets = []
        self.bad = 0
        self.filtered = 0
        self.ranges_split = 0

    def range(self, a, b):
        first, last = address(a), address(b)
        if first.version != last.version or first > last:
            raise Bad(f"{a}-{b}")
        nets = list(ipaddress.summarize_address_range(first, last))
        if len(nets) > 1:
            self.ranges_split += 1
        self.nets.extend(nets)

    def entry(self, text):
        text = text.strip()
        if "-" in text:
            a, _, b = text.partition("-")
            self.range(a, b)
        else:
            self.nets.append(network(text))

    def take(self, fn, *args):
        try:
            fn(*args)
        except Bad:
            self.bad += 1


def lines(text):
    out = text.split("\n")
    if out and out[-1] == "":
        out.pop()
    return [l[:-1] if l.endswith("\r") else l for l in out]


def parse_list(feed, text, opts):
    for line in lines(text):
        data = re.split(r"[#;]", line, maxsplit=1)[0].strip()
        if not data:
            continue
        m = re.match(r"([^\s,]*?)\s*-\s*([^\s,]+)(.*)", data)
        if m:
            entry, rest = f"{m.group(1)}-{m.group(2)}", m.group(3)
        else:
            entry, rest = re.match(r"([^\s,]*)(.*)", data).groups()
        if opts.min_score is not None:
            cols = [c for c in re.split(r"[\s,]+", rest) if c]
            if not cols or not re.fullmatch(r"-?\d+", cols[0]):
                feed.bad += 1
                continue
            if int(cols[0]) < opts.min_score:
                feed.filtered += 1
                continue
        feed.take(feed.entry, entry)


def parse_spamhaus(feed, text, opts):
    raw = text.encode("utf-8", "surrogateescape")
    records = 0
    offset = 0
    meta = None
    for line in raw.split(b"\n"):
        start = offset
        offset += len(line) + 1
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            feed.bad += 1
            records += 1
            continue
        if isinstance(obj, dict) and obj.get("type") == "metadata":
            meta = (obj.get("records"), obj.get("size"), start)
            break
        records += 1
        if not isinstance(obj, dict) or not isinstance(obj.get("cidr"), str):
            feed.bad += 1
            continue
        feed.take(feed.entry, obj["cidr"])
    if meta is None or meta[0] != records or meta[1] != meta[2]:
        print("truncated 1")


def jq_eval(doc, program):
    """.a.b[] | keys[] -- enough for the feeds in ../shared/feeds."""
    values = [doc]
    for stage in program.split("|"):
        stage = stage.strip()
        for tok in re.findall(r"\.[A-Za-z_][A-Za-z0-9_]*|\[\]|\.|keys", stage):
            nxt = []
            for v in values:
                if tok == ".":
                    nxt.append(v)
                elif tok == "[]":
                    nxt.extend(v.values() if isinstance(v, dict) else v)
                elif tok == "keys":
                    nxt.append(sorted(v.keys()) if isinstance(v, dict) else list(range(len(v))))
                else:
                    nxt.append(v.get(tok[1:]) if v is not None else None)
            values = nxt
    return values


def parse_json(feed, text, opts):
    doc = json.loads(text)
    for program in opts.select:
        for v in jq_eval(doc, program):
            if isinstance(v, str):
                feed.take(feed.entry, v)


def parse_csv(feed, text, opts):
    rows = csv.reader(l for l in lines(text) if l.strip() and not l.lstrip().startswith("#"))
    col = opts.column
    where_col, _, where_val = (opts.where or "").partition("=")
    if col.isdigit():
        col = int(col) - 1
        where_col = int(where_col) - 1 if where_col else None
    else:
        header = [h.strip().lower() for h in next(rows)]
        col = header.index(col.lower())
        where_col = header.index(where_col.lower()) if where_col else None
    for row in rows:
        if col >= len(row) or (where_col is not None and where_col >= len(row)):
            feed.bad += 1
            continue
        if where_col is not None and row[where_col].strip() != where_val:
            feed.filtered += 1
            continue
        feed.take(feed.entry, row[col])


def parse_ranges(feed, text, opts):
    for line in lines(text):
        if not line.strip() or line.strip().startswith("#"):
            continue
        f = line.strip().split("\t")
        if len(f) < 3 or not f[2].strip().isdigit():
            feed.bad += 1
            continue
        asn = int(f[2])
        if asn == 0 or (opts.asn and asn not in opts.asn):
            feed.filtered += 1
            continue
        feed.take(feed.range, f[0], f[1])


def parse_tor(feed, text, opts):
    for line in lines(text):
        words = line.split()
        if words and words[0] == "ExitAddress":
            addr = words[1] if len(words) > 1 else ""
            feed.take(lambda t: feed.nets.append(ipaddress.ip_network(address(t))), addr)


PARSERS = {
    "list": parse_list,
    "spamhaus-json": parse_spamhaus,
    "json": parse_json,
    "csv": parse_csv,
    "ranges": parse_ranges,
    "tor-exits": parse_tor,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--format", required=True, choices=sorted(PARSERS))
    ap.add_argument("--select", action="append", default=[])
    ap.add_argument("--column")
    ap.add_argument("--where")
    ap.add_argument("--min-score", type=int)
    ap.add_argument("--asn", action="extend", type=lambda s: [int(x) for x in s.split(",")], default=[])
    opts = ap.parse_args()

    with open(opts.file, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    text = data.decode("utf-8", "surrogateescape")

    feed = Feed()
    PARSERS[opts.format](feed, text, opts)
    unique = sorted(set(feed.nets), key=lambda n: (n.version, int(n.network_address), n.prefixlen))
    print("v4", sum(1 for n in unique if n.version == 4))
    print("v6", sum(1 for n in unique if n.version == 6))
    print("bad", feed.bad)
    print("filtered", feed.filtered)
    print("duplicates", len(feed.nets) - len(unique))
    print("ranges_split", feed.ranges_split)
    for n in unique:
        width = 8 if n.version == 4 else 32
        print(f"P {n.version} {int(n.network_address):0{width}x}/{n.prefixlen}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
