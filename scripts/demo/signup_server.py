#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The demo's signup front end: port 8080 serves the normal signup form,
port 8081 the hard challenge the load balancer steers tagged clients to.
Each answer names the client address the server saw."""
import http.server
import socket
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    page = b""

    def do_GET(self):
        body = self.page + b" for " + self.client_address[0].encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server6(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def serve(port, page):
    handler = type("H%d" % port, (Handler,), {"page": page})
    Server6(("::", port), handler).serve_forever()


if __name__ == "__main__":
    threading.Thread(target=serve, args=(8081, b"HARD CHALLENGE"), daemon=True).start()
    print("ready", flush=True)
    sys.stdout.close()
    serve(8080, b"signup form")
