#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""ruad.py - the test world's TLS-RPT HTTPS endpoint (RFC 8460 §5.4):
https://mta-sts.reports.test/tlsrpt on NET.6:443. Every POST is kept as
DIR/N.body with its request line and headers in DIR/N.head; the answer
is 201 (any 2xx is success). A path ending in /fail answers 503, for
retry tests.

usage: ruad.py CERT KEY DIR [NET]
"""
import http.server
import os
import ssl
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    lock = threading.Lock()
    out = "."

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n) if n > 0 else b""
        with Handler.lock:
            k = len([f for f in os.listdir(self.out) if f.endswith(".body")])
            base = os.path.join(self.out, "%d" % (k + 1))
            with open(base + ".head", "w") as f:
                f.write("%s %s\n%s" % (self.command, self.path,
                                       str(self.headers)))
            with open(base + ".body", "wb") as f:
                f.write(body)
        code = 503 if self.path.endswith("/fail") else 201
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, fmt, *args):
        pass


def main():
    cert, key, out = sys.argv[1:4]
    net = sys.argv[4] if len(sys.argv) > 4 else "127.0.10"
    os.makedirs(out, exist_ok=True)
    Handler.out = out
    srv = http.server.ThreadingHTTPServer((net + ".6", 443), Handler)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
