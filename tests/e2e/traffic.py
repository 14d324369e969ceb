#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Traffic for the end-to-end tests: a server (TCP echo + UDP sink counting
datagrams per source and phase) and clients that bind each source address
explicitly. Every wait is bounded, so a broken filter cannot hang a test.

  traffic.py server --tcp-port P [--tcp-port P...] --udp-port P --state DIR
  traffic.py udp-send --dst ADDR [--dst ADDR6] --port P --count K --phase NAME [--tos N] [--size N]
                      [--ip-options HEX] SRC...
  traffic.py tcp-try --dst ADDR [--dst ADDR6] --port P --tries N --timeout SEC [--bytes N] SRC...
  traffic.py tcp-session --dst ADDR --port P --src SRC --go FILE --timeout SEC
  traffic.py udp-count --state DIR --phase NAME SRC...
"""
import argparse
import ipaddress
import json
import os
import socket
import sys
import threading
import time


def canon(addr):
    """One spelling per address: IPv4-mapped IPv6 becomes IPv4."""
    ip = ipaddress.ip_address(addr.split("%")[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return str(ip)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def pick_dst(dsts, src):
    """The destination of the source's family (--dst may be given per family)."""
    for d in dsts:
        if family_of(d) == family_of(src):
            return d
    raise SystemExit("no --dst of the family of %s" % src)


def dual_stack_socket(kind):
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    return s


# ---------------------------------------------------------------- server


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def serve_udp(sock, state_dir):
    counts = {}
    path = os.path.join(state_dir, "udp.json")
    while True:
        data, peer = sock.recvfrom(65535)
        phase = data.split(b":", 1)[0].decode(errors="replace")
        key = "%s %s" % (canon(peer[0]), phase)
        counts[key] = counts.get(key, 0) + 1
        write_atomic(path, json.dumps(counts))


def echo(conn):
    conn.settimeout(30)
    try:
        while True:
            data = conn.recv(4096)
            if not data:
                break
            conn.sendall(data)
    except OSError:
        pass
    finally:
        conn.close()


def serve_tcp(sock):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=echo, args=(conn,), daemon=True).start()


def cmd_server(args):
    os.makedirs(args.state, exist_ok=True)
    threads = []
    for port in args.tcp_port:
        s = dual_stack_socket(socket.SOCK_STREAM)
        s.bind(("::", port))
        s.listen(128)
        threads.append(threading.Thread(target=serve_tcp, args=(s,), daemon=True))
    u = dual_stack_socket(socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    u.bind(("::", args.udp_port))
    threads.append(threading.Thread(target=serve_udp, args=(u, args.state), daemon=True))
    for t in threads:
        t.start()
    write_atomic(os.path.join(args.state, "ready"), "ready\n")
    # bounded life: the test kills us long before this
    time.sleep(args.lifetime)


def cmd_udp_count(args):
    try:
        with open(os.path.join(args.state, "udp.json")) as f:
            counts = json.load(f)
    except (OSError, ValueError):
        counts = {}
    print(" ".join(str(counts.get("%s %s" % (canon(s), args.phase), 0)) for s in args.src))


# ---------------------------------------------------------------- clients


def cmd_udp_send(args):
    """COUNT datagrams from every source, the sources taking turns."""
    socks = []
    for src in args.src:
        s = socket.socket(family_of(src), socket.SOCK_DGRAM)
        if args.tos is not None:
            if family_of(src) == socket.AF_INET:
                s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, args.tos)
            else:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, args.tos)
        if args.ip_options and family_of(src) == socket.AF_INET:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, bytes.fromhex(args.ip_options))
        s.bind((src, 0))
        socks.append((s, pick_dst(args.dst, src)))
    for i in range(args.count):
        payload = b"%s:%d:" % (args.phase.encode(), i)
        payload += b"x" * max(0, args.size - len(payload))
        for s, dst in socks:
            s.sendto(payload, (dst, args.port))
        # a little pacing keeps the veth ring and the sink's buffer far
        # from full: a lost datagram must mean the filter
        time.sleep(args.interval)
    for s, _ in socks:
        s.close()


def exchange(s, payload, timeout):
    """Send payload and read the echo back at the same time (a large
    payload would otherwise fill both directions' buffers and stall)."""
    s.settimeout(timeout)
    got = bytearray()
    errors = []

    def reader():
        try:
            while len(got) < len(payload):
                chunk = s.recv(65536)
                if not chunk:
                    raise OSError("connection closed")
                got.extend(chunk)
        except OSError as e:
            errors.append(e)

    t = threading.Thread(target=reader)
    t.start()
    try:
        s.sendall(payload)
    finally:
        t.join()
    if errors:
        raise errors[0]
    if bytes(got) != payload:
        raise OSError("echo mismatch")


def one_connection(src, dst, port, timeout, size=0):
    s = socket.socket(family_of(src), socket.SOCK_STREAM)
    try:
        s.bind((src, 0))
        s.settimeout(timeout)
        s.connect((dst, port))
        payload = b"hello from %s\n" % src.encode()
        exchange(s, payload + b"x" * max(0, size - len(payload)), timeout)
        # orderly close, waiting for the server's FIN, so that no packet
        # of this connection is still on its way when we return
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):
            pass
        return True
    except OSError:
        return False
    finally:
        s.close()


def cmd_tcp_try(args):
    results = {}

    def run(src):
        results[src] = sum(one_connection(src, pick_dst(args.dst, src), args.port, args.timeout,
                                          args.bytes)
                           for _ in range(args.tries))

    threads = [threading.Thread(target=run, args=(src,)) for src in args.src]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(" ".join(str(results[s]) for s in args.src))


def cmd_tcp_session(args):
    """Connect, exchange once, wait for the go file, exchange again.
    Prints 'connected'/'connect-failed', then 'second-ok'/'second-failed'."""
    s = socket.socket(family_of(args.src), socket.SOCK_STREAM)
    s.bind((args.src, 0))
    try:
        s.settimeout(args.timeout)
        s.connect((pick_dst(args.dst, args.src), args.port))
        exchange(s, b"first\n", args.timeout)
    except OSError:
        print("connect-failed", flush=True)
        return
    print("connected", flush=True)
    deadline = time.monotonic() + 20
    while not os.path.exists(args.go) and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        exchange(s, b"second\n", args.timeout)
        print("second-ok", flush=True)
    except OSError:
        print("second-failed", flush=True)
    # no orderly close: a stalled connection would only retransmit
    s.close()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)

    a = sub.add_parser("server")
    a.add_argument("--tcp-port", type=int, action="append", default=[])
    a.add_argument("--udp-port", type=int, required=True)
    a.add_argument("--state", required=True)
    a.add_argument("--lifetime", type=float, default=300)
    a.set_defaults(fn=cmd_server)

    a = sub.add_parser("udp-count")
    a.add_argument("--state", required=True)
    a.add_argument("--phase", required=True)
    a.add_argument("src", nargs="+")
    a.set_defaults(fn=cmd_udp_count)

    a = sub.add_parser("udp-send")
    a.add_argument("--dst", action="append", required=True)
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--count", type=int, required=True)
    a.add_argument("--phase", required=True)
    a.add_argument("--tos", type=lambda v: int(v, 0), help="IPv4 TOS / IPv6 traffic class")
    a.add_argument("--size", type=int, default=0, help="pad the payload to this size")
    a.add_argument("--ip-options", help="IPv4 options, hex (01010100: 3 NOPs, EOL)")
    a.add_argument("--interval", type=float, default=0.002, help="seconds between datagrams")
    a.add_argument("src", nargs="+")
    a.set_defaults(fn=cmd_udp_send)

    a = sub.add_parser("tcp-try")
    a.add_argument("--dst", action="append", required=True)
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--tries", type=int, default=1)
    a.add_argument("--timeout", type=float, default=1.5)
    a.add_argument("--bytes", type=int, default=0, help="send (and get back) this much data")
    a.add_argument("src", nargs="+")
    a.set_defaults(fn=cmd_tcp_try)

    a = sub.add_parser("tcp-session")
    a.add_argument("--dst", action="append", required=True)
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--src", required=True)
    a.add_argument("--go", required=True)
    a.add_argument("--timeout", type=float, default=1.5)
    a.set_defaults(fn=cmd_tcp_session)

    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
