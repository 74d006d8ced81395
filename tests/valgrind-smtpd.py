#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""valgrind-smtpd.py - drive table-mtasts or filter-mtasts the way smtpd
6.8 does (a socketpair on fd 0, and on fd 1 for the filter) through a
recorded session, under whatever command line is given (valgrind in
`make check-valgrind`). Prints every reply; exits with the child's status.

usage: valgrind-smtpd.py table|filter CMD...
"""
import os
import socket
import struct
import subprocess
import sys
import time


def imsg(typ, payload=b""):
    return struct.pack("=IHHII", typ, 16 + len(payload), 0, 0, os.getpid()) + payload


def table_session():
    K_DOMAIN, K_RELAYHOST = 0x2, 0x200
    name = b"mtasts".ljust(2048, b"\0")
    req = lambda svc, key: struct.pack("=iQ", svc, 0) + key + b"\0"
    out = [imsg(2, struct.pack("=I", 2) + name)]                 # OPEN
    for d in (b"enforce.test", b"testing.test", b"nopolicy.test",
              b"notallowed.test", b"spoof.test", b"\xff\xfe bad"):
        out.append(imsg(5, req(K_DOMAIN, d)))                   # CHECK
        out.append(imsg(6, req(K_RELAYHOST, d)))                # LOOKUP
    out.append(imsg(5, b"\1\2"))                                # garbage
    out.append(imsg(4))                                         # UPDATE
    out.append(imsg(6, req(K_RELAYHOST, b"enforce.test")))
    out.append(imsg(3))                                         # CLOSE
    return out


def filter_session():
    hs = ("config|smtpd-version|6.8.0p2\nconfig|smtp-session-timeout|300\n"
          "config|subsystem|smtp-in\nconfig|subsystem|smtp-out\n"
          "config|admd|sender.test\nconfig|ready\n")
    out = [hs.encode()]
    sid, tok = "7641df9771b4ed00", "1ef1c203cc576e5d"
    for i, r in enumerate(("a@enforce.test", "b@notallowed.test",
                           "c@nopolicy.test", "garbage", "<d@spoof.test>")):
        out.append(("filter|0.6|1700000002.%06d|smtp-in|rcpt-to|%s|%s%02d|%s\n"
                    % (i, sid, tok[:-2], i, r)).encode())
    osid = "7641df9771b4ed01"
    for ev in ("link-connect|%s|mx|pass|127.0.0.1:1234|127.0.10.11:25" % osid,
               "link-greeting|%s|mx.enforce.test" % osid,
               "link-tls|%s|TLSv1.3:TLS_AES_256_GCM_SHA384:256" % osid,
               "tx-mail|%s|1|ok|s@sender.test" % osid,
               "tx-rcpt|%s|1|ok|a@enforce.test" % osid,
               "link-disconnect|%s" % osid,
               "link-connect|%s|x|pass|1.2.3.4:1|127.0.10.13:25" % sid,
               "link-tls|%s|TLSv1.3:x:256" % sid,
               "link-disconnect|%s" % sid,
               "no-such-event|%s|a|b" % sid):
        out.append(("report|0.6|1700000003.000000|smtp-out|%s\n" % ev).encode())
    out.append(b"\0garbage line without fields\n")
    return out


def main():
    kind, cmd = sys.argv[1], sys.argv[2:]
    ours, theirs = socket.socketpair()
    fds = {"stdin": theirs.fileno()}
    if kind == "filter":
        fds["stdout"] = theirs.fileno()
    p = subprocess.Popen(cmd, **fds)
    theirs.close()
    ours.settimeout(30)
    for chunk in table_session() if kind == "table" else filter_session():
        ours.sendall(chunk)
        time.sleep(0.05)
    time.sleep(12 if kind == "filter" else 3)   # deferred answers, children
    ours.shutdown(socket.SHUT_WR)
    got = b""
    try:
        while True:
            b = ours.recv(65536)
            if not b:
                break
            got += b
    except socket.timeout:
        pass
    sys.stdout.write(got.decode("latin-1"))
    sys.exit(p.wait())


if __name__ == "__main__":
    main()
