#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Helpers for the feed end-to-end tests (tests/e2e/test_feeds*.sh).

What a feed should put into the maps is computed here with none of the C
code: tests/feeds/oracle.py parses the file (Python's ipaddress, json,
csv), and the rails are applied by this file's own table of
special-purpose space. What xdpfence did is read back from its JSON output
(`ranges -j`, `ranges --kernel -j`) and compared prefix by prefix.

  feedtool.py expect --out FILE [--min-prefix4 N] [--min-prefix6 N]
                     [--allow-special] -- ORACLE-ARGS...
      what the feed means after the rails (/0 refused, then shorter than
      the minimum refused, then special-purpose overlap skipped), as
      JSON; prints the counts
  feedtool.py same EXPECT RANGES_JSON
      "ok", or what is missing, extra, or not what the feed meant
  feedtool.py kernel KERNEL_JSON STORE_JSON [EXPECT...]
      the kernel map holds one entry per distinct prefix of the store
      (and of the EXPECT files together), each decided by a feed that
      lists it (true when the feeds share one action: precedence then
      picks the most specific range): "ok" or what differs
  feedtool.py report --dir DIR NAME...
      test_feeds.sh's per-feed checks in one process (see cmd_report)
  feedtool.py digest RANGES_JSON [--no-ids]
      one hash of the ranges (prefix, feed, action, tag, range id)
  feedtool.py unique EXPECT OTHER...
      "ADDRESS PREFIX": an address of EXPECT that no prefix of any OTHER
      file (EXPECT or ranges JSON) overlaps
  feedtool.py serve --dir DIR --port-file FILE [--log FILE] [--lifetime S]
      a test HTTP server on 127.0.0.1 only (see Handler)
"""
import argparse
import bisect
import gzip
import hashlib
import http.server
import ipaddress
import json
import os
import socket
import subprocess
import sys
import threading
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
ORACLE = os.path.join(TOP, "tests", "feeds", "oracle.py")

N = ipaddress.ip_network

# Special-purpose space, written down here from the IANA IPv4 and IPv6
# Special-Purpose Address Registries (entries that are not globally
# reachable), multicast, and the IPv6 space outside global unicast (IANA
# IPv6 Address Space registry). The product's policy (user/feed_rails.h)
# keeps AS112, AMT and 6to4 out: they route to real hosts; so does this
# table. A feed prefix that overlaps any of these, inside or around it, is
# skipped unless --allow-special.
SPECIAL4 = [N(p) for p in (
    "0.0.0.0/8",        # "this network", RFC 791
    "10.0.0.0/8",       # private-use, RFC 1918
    "100.64.0.0/10",    # shared address space (CGNAT), RFC 6598
    "127.0.0.0/8",      # loopback
    "169.254.0.0/16",   # link-local, RFC 3927
    "172.16.0.0/12",    # private-use
    "192.0.0.0/24",     # IETF protocol assignments, RFC 6890
    "192.0.2.0/24",     # TEST-NET-1, RFC 5737
    "192.88.99.0/24",   # deprecated 6to4 relay anycast, RFC 7526
    "192.168.0.0/16",   # private-use
    "198.18.0.0/15",    # benchmarking, RFC 2544
    "198.51.100.0/24",  # TEST-NET-2
    "203.0.113.0/24",   # TEST-NET-3
    "224.0.0.0/4",      # multicast, RFC 5771
    "240.0.0.0/4",      # reserved, RFC 1112; with 255.255.255.255/32
)]
SPECIAL6 = [N(p) for p in (
    "2001::/23",        # IETF protocol assignments, RFC 2928
    "2001:db8::/32",    # documentation, RFC 3849
    "3fff::/20",        # documentation, RFC 9637
)]
GLOBAL_UNICAST6 = N("2000::/3")  # outside it: ::1, ::, mapped, NAT64, ULA, link-local, multicast ...


def special(net):
    if net.version == 4:
        return any(net.overlaps(s) for s in SPECIAL4)
    return not net.subnet_of(GLOBAL_UNICAST6) or any(net.overlaps(s) for s in SPECIAL6)


# Prefixes as (version, address as int, length) tuples: hundreds of
# thousands of them go through here, ipaddress objects are too slow.
BITS = {4: 32, 6: 128}
SPAN = {v: [(int(s.network_address), int(s.broadcast_address))
            for s in (SPECIAL4 if v == 4 else SPECIAL6)] for v in (4, 6)}
GU6 = (int(GLOBAL_UNICAST6.network_address), int(GLOBAL_UNICAST6.broadcast_address))


def last(p):
    v, a, l = p
    return a | ((1 << (BITS[v] - l)) - 1)


def special_t(p):
    first, end = p[1], last(p)
    if p[0] == 6 and not (GU6[0] <= first and end <= GU6[1]):
        return True
    return any(s <= end and first <= e for s, e in SPAN[p[0]])


def parse_prefix(text):
    """'192.0.2.0/24' -> (4, int, 24); ValueError when it is not a network
    (host bits set, bad length, not an address)."""
    addr, slash, plen = text.partition("/")
    v = 6 if ":" in addr else 4
    a = int.from_bytes(socket.inet_pton(socket.AF_INET6 if v == 6 else socket.AF_INET, addr), "big")
    l = int(plen) if slash else BITS[v]
    if not 0 <= l <= BITS[v] or a & ((1 << (BITS[v] - l)) - 1):
        raise ValueError(text)
    return (v, a, l)


def show(p):
    return str(ipaddress.ip_network((p[1] if p[0] == 4 else ipaddress.IPv6Address(p[1]), p[2])))


def _self_check():
    # the table must agree with Python's own view where Python has one
    # (Python 3.11 does not know 192.88.99.0/24's deprecation or 3fff::/20)
    for s in SPECIAL4 + SPECIAL6:
        a = s.network_address
        if a.is_global and not (a.is_multicast or a.is_reserved) and \
                s not in (N("192.88.99.0/24"), N("3fff::/20")):
            raise SystemExit("feedtool: %s is global for Python's ipaddress" % s)
    for p in ("10.1.2.0/24", "192.168.1.1/32", "fe80::/64", "fd00::/8", "ff02::/16", "::1/128"):
        if not special(N(p)):
            raise SystemExit("feedtool: %s should be special" % p)
    for p in ("1.10.16.0/20", "2001:678:6c4::/48", "223.254.0.0/16"):
        if special(N(p)) or not N(p).is_global:
            raise SystemExit("feedtool: %s should not be special" % p)


# ---------------------------------------------------------------- expect


def cmd_expect(args):
    out = subprocess.run([sys.executable, ORACLE] + args.oracle_args, check=True,
                         capture_output=True, text=True).stdout
    counts, nets = {}, []
    for line in out.splitlines():
        w = line.split()
        if w[0] == "P":
            addr, _, plen = w[2].partition("/")
            nets.append((int(w[1]), int(addr, 16), int(plen)))
        else:
            counts[w[0]] = int(w[1])
    zero = short = spec = 0
    kept = []
    for p in nets:
        minimum = args.min_prefix4 if p[0] == 4 else args.min_prefix6
        if p[2] == 0:
            zero += 1
        elif p[2] < minimum:
            short += 1
        elif not args.allow_special and special_t(p):
            spec += 1
        else:
            kept.append(p)
    res = {
        "oracle": counts,
        "zero_length": zero, "too_short": short, "special": spec,
        "accepted": len(kept),
        "v4": sum(1 for p in kept if p[0] == 4),
        "v6": sum(1 for p in kept if p[0] == 6),
        "prefixes": kept,
    }
    with open(args.out, "w") as f:
        json.dump(res, f)
    print("accepted %(accepted)d v4 %(v4)d v6 %(v6)d zero_length %(zero_length)d "
          "too_short %(too_short)d special %(special)d" % res)


# ---------------------------------------------------------------- compare


def load(path):
    with open(path) as f:
        return json.load(f)


def ranges_of(doc, problems):
    """The ranges of a `ranges -j` document as (prefix, entry); an entry
    whose text is not a network (host bits, garbage) is a problem."""
    out = []
    for r in doc["ranges"]:
        try:
            out.append((parse_prefix(r["range"]), r))
        except (ValueError, OSError):
            problems.append("'%s' is not a network" % r["range"])
    return out


def expected_of(path):
    d = load(path)
    if "prefixes" in d:
        return {tuple(p) for p in d["prefixes"]}
    return {p for p, _ in ranges_of(d, [])}


def few(items, k=3):
    items = sorted(items)
    s = ", ".join(show(i) for i in items[:k])
    return s + (" ..." if len(items) > k else "")


def cmd_same(args):
    print(same(expected_of(args.expect), load(args.ranges)))


def same(expected, ranges_doc):
    problems = []
    got = ranges_of(ranges_doc, problems)
    nets = [p for p, _ in got]
    actual = set(nets)
    if len(actual) != len(nets):
        problems.append("%d prefixes listed twice" % (len(nets) - len(actual)))
    missing, extra = expected - actual, actual - expected
    # the round trip: the same address with another length is a prefix
    # the feed did not mean (a /24 that became a /32)
    by_addr = {}
    for e in expected:
        by_addr.setdefault(e[:2], []).append(e)
    for x in sorted(extra):
        if x[:2] in by_addr:
            problems.append("feed meant %s, maps have %s" % (few(by_addr[x[:2]], 1), show(x)))
            break
    if missing:
        problems.append("%d missing (%s)" % (len(missing), few(missing)))
    if extra:
        problems.append("%d not in the feed (%s)" % (len(extra), few(extra)))
    return "; ".join(problems) if problems else "ok"


def cmd_kernel(args):
    union = None
    if args.expect:
        union = set()
        for e in args.expect:
            union |= expected_of(e)
    print(kernel(load(args.kernel), load(args.store), union))


def kernel(kernel_doc, store_doc, union=None):
    problems = []
    knets = {}
    for p, r in ranges_of(kernel_doc, problems):
        if p in knets:
            problems.append("%s twice in the kernel map" % show(p))
        knets[p] = r
    feeds_of, actions_of = {}, {}
    for p, r in ranges_of(store_doc, problems):
        feeds_of.setdefault(p, set()).add(r["feed"])
        actions_of.setdefault(p, set()).add(r["action"])
    missing, extra = set(feeds_of) - set(knets), set(knets) - set(feeds_of)
    if missing:
        problems.append("%d store prefixes not in the kernel map (%s)" % (len(missing), few(missing)))
    if extra:
        problems.append("%d kernel prefixes not in the store (%s)" % (len(extra), few(extra)))
    wrong = [p for p, r in knets.items() if p in feeds_of and
             (r["feed"] not in feeds_of[p] or r["action"] not in actions_of[p])]
    if wrong:
        p = sorted(wrong)[0]
        problems.append("%d kernel entries decided by a feed or action that does not list them "
                        "(%s: %s %s, store %s)" % (len(wrong), show(p), knets[p]["feed"],
                                                    knets[p]["action"], sorted(feeds_of[p])))
    if union is not None:
        k = set(knets)
        if union != k:
            problems.append("kernel map != union of what the feeds mean: %d missing (%s), "
                            "%d extra (%s)" % (len(union - k), few(union - k), len(k - union),
                                               few(k - union)))
    return "; ".join(problems) if problems else "ok"


def cmd_report(args):
    """The checks of test_feeds.sh's first sync, computed in one process
    (the documents are large): one line per check, NAME<TAB>EXPECTED<TAB>
    ACTUAL. Files in DIR: exp.NAME.json (expect), check.NAME.json (feed
    check -j), sync.json (feed sync -j), list.json (feed list -j),
    store.json (ranges -j, split here by feed as ranges --feed does),
    kernel.json (ranges --kernel -j)."""
    d = args.dir
    sync = {f["feed"]: f for f in load(os.path.join(d, "sync.json"))["feeds"]}
    listed = {f["name"]: f for f in load(os.path.join(d, "list.json"))["feeds"]}
    union = set()
    store = load(os.path.join(d, "store.json"))
    by_feed = {}
    for r in store["ranges"]:
        by_feed.setdefault(r["feed"], []).append(r)

    def row(name, expected, actual):
        print("%s\t%s\t%s" % (name, expected, actual))

    for n in args.names:
        try:
            e = load(os.path.join(d, "exp.%s.json" % n))
        except (OSError, ValueError) as err:
            row("%s: the oracle ran" % n, "yes", err)
            continue
        c = load(os.path.join(d, "check.%s.json" % n))["counts"]
        sk = c["skipped"]
        fmt = ("accepted %d v4 %d v6 %d | bad %d filtered %d duplicates %d | "
               "zero_length %d too_short %d special %d")
        o = e["oracle"]
        row("%s: feed check counts = oracle's minus the rails" % n,
            fmt % (e["accepted"], e["v4"], e["v6"], o["bad"], o["filtered"], o["duplicates"],
                   e["zero_length"], e["too_short"], e["special"]),
            fmt % (c["accepted"], c["v4"], c["v6"], sk["bad"], sk["filtered"], sk["duplicates"],
                   sk["zero_length"], sk["too_short"], sk["special"]))
        f = sync.get(n, {})
        row("%s: sync applied it, every accepted prefix added (state accepted added removed "
            "changed unchanged)" % n,
            "applied %d %d 0 0 0" % (c["accepted"], c["accepted"]),
            " ".join(str(x) for x in (f.get("state"), f.get("counts", {}).get("accepted"),
                                      f.get("added"), f.get("removed"), f.get("changed"),
                                      f.get("unchanged"))))
        row("%s: feed list entries = feed check's accepted" % n, c["accepted"],
            listed.get(n, {}).get("status", {}).get("entries"))
        expected = {tuple(p) for p in e["prefixes"]}
        union |= expected
        row("%s: its ranges in the store = exactly the prefixes the feed means (oracle minus "
            "rails)" % n, "ok", same(expected, {"ranges": by_feed.pop(n, [])}))
    row("the store holds no range of another feed", "[]", json.dumps(sorted(by_feed)))
    row("kernel map: one entry per distinct prefix of all feeds, decided by a feed listing it",
        "ok", kernel(load(os.path.join(d, "kernel.json")), store, union))


def cmd_digest(args):
    rows = sorted("%s %s %s %s %s" % (r["range"], r["feed"], r["action"], r["tag"],
                                      "" if args.no_ids else r["range_id"])
                  for r in load(args.ranges)["ranges"])
    print(hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16], len(rows))


def cmd_unique(args):
    others = set()
    for path in args.others:
        others |= expected_of(path)
    starts = {4: [], 6: []}
    for o in others:
        starts[o[0]].append(o[1])
    for v in starts:
        starts[v].sort()
    for t in sorted(expected_of(args.expect)):
        v, first, plen = t
        s = starts[v]
        i = bisect.bisect_left(s, first)
        if i < len(s) and s[i] <= last(t):
            continue  # another prefix starts inside t
        if any((v, first & ~((1 << (BITS[v] - l)) - 1), l) in others for l in range(plen + 1)):
            continue  # another prefix contains t
        net = ipaddress.ip_network(show(t))
        print(net.network_address + (1 if net.num_addresses > 2 else 0), net)
        return 0
    print("none")
    return 1


# ---------------------------------------------------------------- serve


class Handler(http.server.BaseHTTPRequestHandler):
    """GET /MODE/NAME serves DIR/NAME (read at every request):
      plain     200, text/plain, Content-Length
      octet     200, application/octet-stream (gzip files served as they are)
      gzipenc   200, Content-Encoding: gzip (compressed on the wire only)
      redirect  302 to /plain/NAME
      cut       Content-Length of the whole file, half of it sent, then close
      chunkcut  chunked, the first half in chunks, then close without the last chunk
      nolen     no Content-Length, the first ?lines=N lines, then close
      hang      the status line and headers, then nothing (bounded by the lifetime)
      silent    nothing at all (bounded by the lifetime)
      dyn       the mode named in DIR/NAME.mode ("cut", "nolen lines=30",
                "missing" for a 404 ...), plain when there is none: one URL
                whose behaviour the test changes between syncs
    anything else is a 404."""

    protocol_version = "HTTP/1.1"
    server_version = "xdpfence-e2e"

    def log_message(self, fmt, *a):
        if self.server.log:
            with open(self.server.log, "a") as f:
                f.write("%s\n" % (fmt % a))

    def body(self, name):
        path = os.path.join(self.server.dir, os.path.basename(name))
        with open(path, "rb") as f:
            return f.read()

    def headers_only(self, code, ctype, length=None, extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.flush()

    def do_GET(self):
        path, _, query = self.path.partition("?")
        parts = path.strip("/").split("/", 1)
        mode, name = (parts + [""])[:2]
        if mode == "dyn":
            try:
                with open(os.path.join(self.server.dir, os.path.basename(name) + ".mode")) as f:
                    mode, _, query = f.read().strip().partition(" ")
            except OSError:
                mode = "plain"
        try:
            data = self.body(name) if name else None
        except OSError:
            data = None
        if data is None or mode not in ("plain", "octet", "gzipenc", "redirect", "cut",
                                        "chunkcut", "nolen", "hang", "silent"):
            msg = b"not found\n"
            self.headers_only(404, "text/plain", len(msg))
            self.wfile.write(msg)
            return
        if mode == "plain":
            self.headers_only(200, "text/plain", len(data))
            self.wfile.write(data)
        elif mode == "octet":
            self.headers_only(200, "application/octet-stream", len(data))
            self.wfile.write(data)
        elif mode == "gzipenc":
            z = gzip.compress(data)
            self.headers_only(200, "text/plain", len(z), [("Content-Encoding", "gzip")])
            self.wfile.write(z)
        elif mode == "redirect":
            self.headers_only(302, "text/plain", 0, [("Location", "/plain/" + name)])
        elif mode == "cut":
            self.headers_only(200, "text/plain", len(data))
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif mode == "chunkcut":
            self.headers_only(200, "text/plain", None, [("Transfer-Encoding", "chunked")])
            half = data[: len(data) // 2]
            for i in range(0, len(half), 512):
                c = half[i:i + 512]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
            self.wfile.flush()
            self.close_connection = True
        elif mode == "nolen":
            n = int(query.partition("lines=")[2] or 10)
            self.headers_only(200, "text/plain", None, [("Connection", "close")])
            self.wfile.write(b"".join(data.splitlines(True)[:n]))
            self.close_connection = True
        elif mode == "hang":
            self.headers_only(200, "text/plain", len(data))
            time.sleep(self.server.lifetime)
        elif mode == "silent":
            time.sleep(self.server.lifetime)


def cmd_serve(args):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.dir, srv.log, srv.lifetime = args.dir, args.log, args.lifetime
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, args.port_file)
    threading.Timer(args.lifetime, srv.shutdown).start()
    srv.serve_forever()
    return 0


def main():
    _self_check()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("expect")
    a.add_argument("--out", required=True)
    a.add_argument("--min-prefix4", type=int, default=8)
    a.add_argument("--min-prefix6", type=int, default=19)
    a.add_argument("--allow-special", action="store_true")
    a.add_argument("oracle_args", nargs=argparse.REMAINDER)
    a = sub.add_parser("same")
    a.add_argument("expect")
    a.add_argument("ranges")
    a = sub.add_parser("kernel")
    a.add_argument("kernel")
    a.add_argument("store")
    a.add_argument("expect", nargs="*")
    a = sub.add_parser("report")
    a.add_argument("--dir", required=True)
    a.add_argument("names", nargs="*")
    a = sub.add_parser("digest")
    a.add_argument("ranges")
    a.add_argument("--no-ids", action="store_true")
    a = sub.add_parser("unique")
    a.add_argument("expect")
    a.add_argument("others", nargs="*")
    a = sub.add_parser("serve")
    a.add_argument("--dir", required=True)
    a.add_argument("--port-file", required=True)
    a.add_argument("--log")
    a.add_argument("--lifetime", type=float, default=120)
    args = ap.parse_args()
    if args.cmd == "expect" and args.oracle_args[:1] == ["--"]:
        args.oracle_args = args.oracle_args[1:]
    return {"expect": cmd_expect, "same": cmd_same, "kernel": cmd_kernel, "digest": cmd_digest, "report": cmd_report,
            "unique": cmd_unique, "serve": cmd_serve}[args.cmd](args) or 0


if __name__ == "__main__":
    sys.exit(main())
