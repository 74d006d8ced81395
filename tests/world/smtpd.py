#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""smtpd.py - one SMTP receiver of the test world (aiosmtpd).

usage: smtpd.py IP PORT MAILDIR [CERT KEY [CERT2 KEY2 NAMES]]
With CERT and KEY it offers STARTTLS (CERT may hold leaf + intermediate);
without, it offers none. With CERT2 KEY2 NAMES (comma-separated), a
client sending one of NAMES as SNI gets CERT2 instead (one address
serving several MX names, some with a bad certificate). Each message is saved as one file in MAILDIR,
headed by X-Mail-From, X-Rcpt-To (one per recipient), X-TLS (yes/no),
X-TLS-Version, X-TLS-SNI (the server name the client sent, "" for
none) and X-Helo lines, then the data as received. Every TLS handshake
is also logged on stdout as "tls-handshake sni=NAME" (tests count them).
"""
import os
import signal
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller


SNI = {}      # id(ssl object) -> the server name it was sent
ALT = [None, ()]   # the CERT2 context and its NAMES


def on_sni(obj, name, ctx):
    SNI[id(obj)] = name or ""
    print("tls-handshake sni=%s" % (name or ""), flush=True)
    if ALT[0] is not None and (name or "").lower() in ALT[1]:
        obj.context = ALT[0]


class Saver:
    def __init__(self, maildir):
        self.maildir = maildir
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        tls = session.ssl is not None
        ver = sni = ""
        if tls and server.transport is not None:
            obj = server.transport.get_extra_info("ssl_object")
            ver = obj.version() if obj else ""
            sni = SNI.get(id(obj), "") if obj else ""
        head = ["X-Mail-From: %s" % envelope.mail_from]
        head += ["X-Rcpt-To: %s" % r for r in envelope.rcpt_tos]
        head += ["X-TLS: %s" % ("yes" if tls else "no"),
                 "X-TLS-Version: %s" % ver,
                 "X-TLS-SNI: %s" % sni,
                 "X-Helo: %s" % (session.host_name or "")]
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode()
        name = "%d.%d.%d" % (time.time() * 1000, os.getpid(), self.n)
        tmp = os.path.join(self.maildir, "." + name)
        with open(tmp, "wb") as f:
            f.write(("\r\n".join(head) + "\r\n").encode() + data)
        os.rename(tmp, os.path.join(self.maildir, name))
        return "250 2.0.0 saved as %s" % name


def main():
    ip, port, maildir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.makedirs(maildir, exist_ok=True)
    kw = {}
    if len(sys.argv) > 5:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(sys.argv[4], sys.argv[5])
        ctx.sni_callback = on_sni
        if len(sys.argv) > 8:
            alt = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            alt.load_cert_chain(sys.argv[6], sys.argv[7])
            ALT[0], ALT[1] = alt, tuple(sys.argv[8].lower().split(","))
        kw = dict(tls_context=ctx, require_starttls=False)
    c = Controller(Saver(maildir), hostname=ip, port=port,
                   server_hostname="receiver-%s" % ip, ready_timeout=10, **kw)
    c.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    done.wait()
    c.stop()


if __name__ == "__main__":
    main()
