#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Feed origin for tests/e2e/test_fetch.sh: HTTP (and HTTPS with a test
certificate) on 127.0.0.1, answering as the test's control files say, and
logging every request with the headers that matter to JSON lines.

GET /f/NAME serves DIR/NAME (read at every request), shaped by the words of
DIR/NAME.mode (none: a plain 200):
  etag        send ETag "<sha256 of the body, 16 hex>"; If-None-Match equal -> 304
  lastmod     send Last-Modified (the file's mtime); If-Modified-Since not
              older -> 304
  status=N    answer N with a short body, whatever was asked
  fail=K:N    the first K requests since DIR/NAME.count was removed answer N
  gzip        Content-Encoding: gzip (compressed on the wire only)
  chunked     no Content-Length: chunked transfer
  lines=N     only the first N lines, no length, then close (a cut download)
  stall=S     headers and half the body, then nothing for S seconds
  silent=S    no answer at all for S seconds
GET /redirect/K/NAME answers 302 to /redirect/K-1/NAME, and /redirect/1/NAME
to /f/NAME: a chain of K redirects. GET /to-http/NAME answers 302 to the
same file over plain HTTP (a downgrade, when asked over HTTPS).
"""
import argparse
import email.utils
import gzip
import hashlib
import http.server
import json
import os
import ssl
import sys
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "xdpfence-fetch-test"

    def log_message(self, fmt, *a):
        pass  # requests are logged as JSON lines by log_request_json

    def log_request_json(self, status, **extra):
        rec = {
            "time": time.time(),
            "path": self.path,
            "tls": isinstance(self.connection, ssl.SSLSocket),
            "status": status,
            "if_none_match": self.headers.get("If-None-Match"),
            "if_modified_since": self.headers.get("If-Modified-Since"),
            "user_agent": self.headers.get("User-Agent"),
            "accept_encoding": self.headers.get("Accept-Encoding"),
        }
        rec.update(extra)
        with self.server.log_lock, open(self.server.log, "a") as f:
            f.write(json.dumps(rec) + "\n")

    def send(self, status, body=b"", headers=(), length=True):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        if length:
            self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)
        self.wfile.flush()

    def count(self, name):
        """Requests for NAME since its counter file was removed (this one included)."""
        path = os.path.join(self.server.dir, name + ".count")
        with self.server.log_lock:
            try:
                with open(path) as f:
                    n = int(f.read() or 0)
            except OSError:
                n = 0
            with open(path, "w") as f:
                f.write("%d\n" % (n + 1))
        return n + 1

    def do_GET(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts[0] == "redirect" and len(parts) == 3 and parts[1].isdigit():
            k = int(parts[1])
            to = "/f/%s" % parts[2] if k <= 1 else "/redirect/%d/%s" % (k - 1, parts[2])
            self.log_request_json(302, location=to)
            return self.send(302, headers=[("Location", to)])
        if parts[0] == "to-http" and len(parts) == 2:
            to = "http://127.0.0.1:%d/f/%s" % (self.server.http_port, parts[1])
            self.log_request_json(302, location=to)
            return self.send(302, headers=[("Location", to)])
        if parts[0] != "f" or len(parts) != 2:
            self.log_request_json(404)
            return self.send(404, b"not found\n")
        self.serve_file(os.path.basename(parts[1]))

    def serve_file(self, name):
        path = os.path.join(self.server.dir, name)
        try:
            with open(os.path.join(self.server.dir, name + ".mode")) as f:
                words = f.read().split()
        except OSError:
            words = []
        mode = dict((w.split("=", 1) + [""])[:2] for w in words)
        n = self.count(name)
        try:
            with open(path, "rb") as f:
                data = f.read()
            mtime = int(os.stat(path).st_mtime)
        except OSError:
            self.log_request_json(404, n=n)
            return self.send(404, b"not found\n")
        if "status" in mode:
            status = int(mode["status"])
            self.log_request_json(status, n=n)
            return self.send(status, b"status %d\n" % status)
        if "fail" in mode:
            k, status = (int(x) for x in mode["fail"].split(":"))
            if n <= k:
                self.log_request_json(status, n=n)
                return self.send(status, b"status %d\n" % status)
        if "silent" in mode:
            self.log_request_json(0, n=n)
            time.sleep(float(mode["silent"]))
            self.close_connection = True
            return
        headers = []
        if "etag" in mode:
            tag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
            headers.append(("ETag", tag))
            if self.headers.get("If-None-Match") == tag:
                self.log_request_json(304, n=n)
                return self.send(304, headers=headers, length=False)
        if "lastmod" in mode:
            headers.append(("Last-Modified", email.utils.formatdate(mtime, usegmt=True)))
            ims = self.headers.get("If-Modified-Since")
            if ims:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
                if mtime <= since:
                    self.log_request_json(304, n=n)
                    return self.send(304, headers=headers, length=False)
        if "lines" in mode:
            body = b"".join(data.splitlines(True)[:int(mode["lines"])])
            self.log_request_json(200, n=n, cut=True)
            self.close_connection = True
            return self.send(200, body, headers + [("Connection", "close")], length=False)
        if "gzip" in mode:
            data = gzip.compress(data)
            headers.append(("Content-Encoding", "gzip"))
        if "stall" in mode:
            self.log_request_json(200, n=n, stalled=True)
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            time.sleep(float(mode["stall"]))
            self.close_connection = True
            return
        self.log_request_json(200, n=n, encoding="gzip" if "gzip" in mode else None)
        if "chunked" in mode:
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            for i in range(0, len(data), 256):
                c = data[i:i + 256]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return
        self.send(200, data, headers)


def serve(server):
    server.daemon_threads = True
    server.serve_forever()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True, help="gets 'HTTP_PORT HTTPS_PORT'")
    ap.add_argument("--cert", help="certificate and key (PEM): serve HTTPS too")
    ap.add_argument("--lifetime", type=float, default=120)
    args = ap.parse_args()

    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)]
    if args.cert:
        tls = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert)
        tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
        servers.append(tls)
    lock = threading.Lock()
    for s in servers:
        s.dir, s.log, s.log_lock = args.dir, args.log, lock
        s.http_port = servers[0].server_address[1]
        threading.Thread(target=serve, args=(s,), daemon=True).start()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(" ".join(str(s.server_address[1]) for s in servers) + "\n")
    os.replace(tmp, args.port_file)
    time.sleep(args.lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main())
