#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""faultd.py - the misbehaving servers of the test world, one process:

  127.0.10.3:5353 udp      a DNS server that answers SERVFAIL to everything
  127.0.10.4:5353 udp      a DNS server that never answers (timeouts)
  127.0.10.5:443           an HTTPS policy host that announces a 500-byte
                           body, sends 100 bytes and closes (mid-body)

usage: faultd.py CERT KEY [NET]   (NET: the world's /24, default 127.0.10)
"""
import socket
import ssl
import sys
import threading


def servfail(sock):
    while True:
        data, peer = sock.recvfrom(4096)
        if len(data) < 12:
            continue
        # same id and question, QR=1, RCODE=2 (SERVFAIL), no answers
        flags = bytes([0x80 | (data[2] & 0x79), 0x82])
        sock.sendto(data[:2] + flags + data[4:6] + b"\0\0\0\0\0\0" + data[12:], peer)


def blackhole(sock):
    while True:
        sock.recvfrom(4096)


def midclose(ctx, lsock):
    while True:
        conn, _ = lsock.accept()
        try:
            s = ctx.wrap_socket(conn, server_side=True)
            s.recv(4096)
            s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                      b"Content-Length: 500\r\n\r\n" +
                      b"version: STSv1\nmode: enforce\nmx: mx.midclose.test\n"[:100])
            s.close()
        except (OSError, ssl.SSLError):
            conn.close()


def main():
    net = sys.argv[3] if len(sys.argv) > 3 else "127.0.10"
    u1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u1.bind((net + ".3", 5353))
    u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u2.bind((net + ".4", 5353))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((net + ".5", 443))
    l.listen(16)
    for f, a in ((servfail, (u1,)), (blackhole, (u2,)), (midclose, (ctx, l))):
        threading.Thread(target=f, args=a, daemon=True).start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
