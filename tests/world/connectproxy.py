#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""connectproxy.py ADDR PORT LOG - an HTTP CONNECT proxy for the tests
(an egress proxy as in issue 18): each request's line is appended to LOG
("CONNECT host:port"), then the tunnel carries bytes both ways. Anything
but CONNECT gets 405. Runs in the foreground until killed."""
import socket
import sys
import threading


def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(c, log):
    try:
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 8192:
            d = c.recv(4096)
            if not d:
                return
            head += d
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        with open(log, "a") as f:
            f.write(line + "\n")
        parts = line.split()
        if len(parts) != 3 or parts[0] != "CONNECT":
            c.sendall(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
            return
        host, _, port = parts[1].rpartition(":")
        try:
            u = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
        except OSError:
            c.sendall(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
            return
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        t = threading.Thread(target=pipe, args=(u, c), daemon=True)
        t.start()
        pipe(c, u)
        t.join()
    finally:
        c.close()


def main():
    addr, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    print("ready", flush=True)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c, log), daemon=True).start()


if __name__ == "__main__":
    main()
