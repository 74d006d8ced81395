#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""peerchain.py - the certificate chain an MX presents after STARTTLS.

usage: peerchain.py IP HOST   (writes PEM, leaf first, to stdout)
Exit 0 with the chain; 2 if the host offers no STARTTLS; 1 otherwise.
openssl s_client shows the whole chain; nothing here trusts it.
"""
import subprocess
import sys


def peer_chain(ip, host):
    """(PEM bytes, None) or (None, TLS-RPT result type)."""
    p = subprocess.run(["openssl", "s_client", "-connect", ip + ":25",
                        "-starttls", "smtp", "-servername", host,
                        "-showcerts"], input="", capture_output=True,
                       text=True, timeout=20)
    blocks, cur = [], None
    for line in p.stdout.splitlines():
        if line.startswith("-----BEGIN CERTIFICATE-----"):
            cur = [line]
        elif cur is not None:
            cur.append(line)
            if line.startswith("-----END CERTIFICATE-----"):
                blocks.append("\n".join(cur) + "\n")
                cur = None
    if blocks:
        return "".join(blocks).encode(), None
    if "STARTTLS" in p.stderr + p.stdout:
        return None, "starttls-not-supported"
    return None, "validation-failure"


if __name__ == "__main__":
    pem, fail = peer_chain(sys.argv[1], sys.argv[2])
    if pem is None:
        print(fail, file=sys.stderr)
        sys.exit(2 if fail == "starttls-not-supported" else 1)
    sys.stdout.buffer.write(pem)
