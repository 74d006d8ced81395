#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""demo.py - what a sending MTA would do for each scenario domain of a
running test world: asks `mtasts route` for the policy and the allowed
MX hosts, connects to each MX (STARTTLS, certificate chain fetched with
openssl s_client without trusting it) and asks `mtasts check --cert` for the verdict on what it
saw. Prints one table row per (domain, MX host).

usage: demo.py MTASTS_BINARY WORLD_DIR DOMAIN...
"""
import json

from peerchain import peer_chain
import os
import subprocess
import sys
import tempfile


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def dns_a(dns, name):
    ip, port = dns.split("@")
    rc, out, _ = run(["dig", "@" + ip, "-p", port, "+short", "+time=2",
                      "+tries=1", "A", name])
    addrs = [l for l in out.split() if l and l[0].isdigit()]
    return addrs[0] if addrs else None


def verdict(mtasts, conf, domain, mx, ip):
    der, fail = peer_chain(ip, mx) if ip else (None, "validation-failure")
    cmd = [mtasts, "-c", conf, "--json", "check", domain, mx]
    if der is not None:
        with tempfile.NamedTemporaryFile(suffix=".pem", delete=False) as f:
            f.write(der)
        cmd += ["--cert", f.name]
    else:
        cmd += ["--tls-failed", fail.split(":")[0]]
    rc, out, err = run(cmd)
    if der is not None:
        os.unlink(f.name)
    try:
        return json.loads(out)
    except ValueError:
        return {"action": "error", "result": "-", "reason": err.strip()}


def rows(mtasts, world, domain):
    conf = os.path.join(world, "mtasts.conf")
    env = dict(l.strip().split("=", 1) for l in open(
        os.path.join(world, "env")) if "=" in l)
    dns = env["WORLD_DNS"]
    rc, out, err = run([mtasts, "-c", conf, "--json", "route", domain])
    try:
        r = json.loads(out)
    except ValueError:
        return [(domain, "error", "-", "-", "-", err.strip()[:60])]
    mode = r.get("mode", "?")
    mxs = r.get("mx", [])
    if not mxs:
        return [(domain, mode, "-", "-", "defer" if rc == 3 else "deliver",
                 r.get("reason", ""))]
    out_rows = []
    for m in mxs:
        host = m["host"]
        allowed = "yes" if m["action"] == "deliver" else "no"
        if mode in ("no-policy", "none"):
            out_rows.append((domain, mode, host, "-", "deliver",
                             "no MTA-STS policy to apply: "
                             + r.get("reason", "")))
            continue
        if allowed == "no":
            out_rows.append((domain, mode, host, allowed, m["action"],
                             "%s: %s" % (m["result"], m["reason"])))
            continue
        v = verdict(mtasts, conf, domain, host, dns_a(dns, host))
        why = v.get("reason", "")
        if v.get("result") not in (None, "success"):
            why = "%s: %s" % (v["result"], why)
        out_rows.append((domain, mode, host, allowed, v.get("action", "?"),
                         why))
    return out_rows


def main():
    mtasts, world = sys.argv[1], sys.argv[2]
    table = []
    for d in sys.argv[3:]:
        table += rows(mtasts, world, d)
    head = ("domain", "mode", "MX host", "allowed", "verdict", "reason")
    w = [max(len(str(r[i])) for r in table + [head]) for i in range(5)]
    line = lambda r: "  ".join(str(r[i]).ljust(w[i]) for i in range(5)) \
        + "  " + str(r[5])[:90]
    print(line(head))
    print("  ".join("-" * x for x in w) + "  " + "-" * 6)
    for r in table:
        print(line(r))


if __name__ == "__main__":
    main()
