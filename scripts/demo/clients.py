#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The demo's clients: each source address opens a few HTTP requests to the
load balancer's virtual IP and reports what it got back."""
import socket
import sys

REQUESTS = 3
TIMEOUT = 1.5


def fetch(src, vip):
    family = socket.AF_INET6 if ":" in src else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    try:
        s.bind((src, 0))
        s.connect((vip, 80))
        s.sendall(b"GET /signup HTTP/1.0\r\nHost: signup.example\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.split(b"\r\n\r\n", 1)[-1].decode().strip().split(" for ")[0]
    except OSError:
        return None
    finally:
        s.close()


def main():
    print("%-28s %-24s %s" % ("CLIENT", "SOURCE", "RESULT"))
    for line in sys.argv[1:]:
        label, src, vip = line.split(",")
        answers = [fetch(src, vip) for _ in range(REQUESTS)]
        ok = [a for a in answers if a]
        if ok:
            result = "%d/%d served: %s" % (len(ok), REQUESTS, ok[0])
        else:
            result = "0/%d served: no answer (dropped at the NIC)" % REQUESTS
        print("%-28s %-24s %s" % (label, src, result), flush=True)


if __name__ == "__main__":
    main()
