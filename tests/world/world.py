#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""world.py - the test world: a local fake internet on 127.0.10.0/24
(or another 127.0.N.0/24 given as WORLD_NET=127.0.N to `up`).

  DNS    nsd (authoritative only, small, in Debian; the zone can be signed
         with ldns-signzone from ldnsutils when DANE tests need it) on
         127.0.10.1, ports 53 (for MTAs using the libc resolver inside a
         private mount namespace) and 5353 (for mtasts, dns_upstream).
  HTTPS  nginx on 127.0.10.2:443, one SNI vhost per mta-sts.<domain>.
  SMTP   aiosmtpd receivers (smtpd.py) on 127.0.10.11.. port 25, one per
         certificate case, each saving what it receives under mail/<name>.

All certificates come from a test CA made at start. Nothing outside DIR
is written; everything listens on 127.0.10.0/24 only.

usage: world.py up DIR | down DIR | set-txt DIR DOMAIN RECORD|- |
       set-policy DIR DOMAIN FILE | https stop|start DIR |
       smtp stop|start|fix DIR RECEIVER | domains DIR
"""
import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
DNS_PORT = 5353

# Receivers: name -> (last byte of its IP, certificate kind, offers STARTTLS)
RECEIVER_HOSTS = {
    "good": (11, "valid", True),
    "wrongname": (12, "wrongname", True),
    "expired": (13, "expired", True),
    "untrusted": (14, "untrusted", True),
    "notls": (15, "valid", False),
    "wildcard": (16, "wildcard", True),
    "chain": (17, "chain", True),
    "attacker": (18, "valid", True),
    "reports": (19, "valid", True),
    "cnonly": (20, "cnonly", True),     # names the MX in the subject CN only
    # one address, a certificate chosen by SNI: valid, or expired for
    # the names in MIXED_EXPIRED (MX hosts of several domains sharing an
    # address, as at a hosting provider)
    "mixed": (21, "mixed", True),
}

# The names the "mixed" receiver answers with an expired certificate.
MIXED_EXPIRED = ("mx.sha-t.test", "mx.sha-e.test", "mx.sha-e2.test")
# The probe-queue domains (testing, MX on "expired"): more than the
# filter's probe slots at once.
PQ_DOMAINS = ["pq%02d.test" % i for i in range(20)]


def set_net(net):
    """The /24 the world lives in: 127.0.10 unless WORLD_NET says otherwise
    at `up` (a second world, e.g. the selftest beside a running test)."""
    global NET, DNS_IP, HTTPS_IP, FAULT_HTTPS_IP, RUA_IP, RECEIVERS, RESOLVER_IP
    p = net.split(".")
    if len(p) != 3 or p[0] != "127" or not all(
            x.isdigit() and int(x) < 256 for x in p):
        raise SystemExit("world: WORLD_NET must look like 127.0.10, not %r" % net)
    NET = net
    DNS_IP, HTTPS_IP = net + ".1", net + ".2"
    FAULT_HTTPS_IP = net + ".5"     # faultd.py; also DNS .3 and .4
    RUA_IP = net + ".6"             # ruad.py: the TLS-RPT HTTPS endpoint
    RESOLVER_IP = net + ".7"        # unbound (WORLD_DANE=1): validating
    # Receivers: name -> (ip, certificate kind, offers STARTTLS)
    RECEIVERS = {r: ("%s.%d" % (net, n), k, t)
                 for r, (n, k, t) in RECEIVER_HOSTS.items()}


set_net(os.environ.get("WORLD_NET") or "127.0.10")


def enforce(mx):
    return "version: STSv1\nmode: enforce\n%smax_age: 86400\n" % "".join(
        "mx: %s\n" % m for m in mx)


def testing(mx):
    return enforce(mx).replace("mode: enforce", "mode: testing")


# Scenario domains: txt (list of TXT strings per record, None: no record),
# mx [(pref, host)] ([] = implicit MX), hosts {name: receiver},
# policy body, vhost kind (valid/untrusted/wrongname/expired/None),
# special (nginx behaviour).
def scenarios():
    S = {}

    def add(d, policy=None, txt=("v=STSv1; id=1",), mx=None, receiver="good",
            vhost="valid", special=None, hosts=None, rpt=None, cname=None,
            addr=None):
        mx = [(10, "mx.%s" % d)] if mx is None else mx
        if hosts is None:
            hosts = {h: receiver for _, h in mx}
        S[d] = dict(txt=[[t] if isinstance(t, str) else list(t)
                         for t in (txt or [])],
                    mx=mx, hosts=hosts, policy=policy,
                    vhost=vhost if policy is not None or special else None,
                    special=special, rpt=rpt, cname=cname or {}, addr=addr or {})

    add("enforce.test", enforce(["mx.enforce.test"]))
    add("testing.test", testing(["mx.testing.test"]), receiver="expired")
    add("testing-good.test", testing(["mx.testing-good.test"]))
    add("none.test", "version: STSv1\nmode: none\nmax_age: 86400\n")
    add("nopolicy.test", None, txt=None)
    for d in ("redirect", "notfound", "error500"):
        add(d + ".test", enforce(["mx.%s.test" % d]), special=d)
    add("mediatype.test", enforce(["mx.mediatype.test"]), special="mediatype")
    add("oversized.test", enforce(["mx.oversized.test"]) + "x: " + "y" * 100
        + ("\nx: " + "y" * 100) * 700 + "\n")
    add("slow.test", enforce(["mx.slow.test"]), special="slow")
    add("slowok.test", enforce(["mx.slowok.test"]), special="slowok")
    for d in ("untrusted", "wrongname", "expired"):
        add(d + ".test", enforce(["mx.%s.test" % d]), vhost=d)
    add("badpolicy.test", "version: STSv1\nmode: enforce\nmax_age: 31557601\n"
        "mx: mx.badpolicy.test\n")
    # More of VECTORS C and D, served for real.
    add("garbage.test", "garbage")                                   # C31
    add("emptybody.test", "")                                        # D21
    add("nomx.test", "version: STSv1\nmode: enforce\nmax_age: 86400\n")  # C11
    add("blankline.test", "version: STSv1\n\nmode: enforce\nmx: mx.blankline.test\n"
        "max_age: 86400\n")                                           # DESIGN 5
    add("crlf.test", "version:STSv1\r\nmode:\tenforce\r\nmx:  \t\t *.crlf.test\n"
        "max_age: 86400\nmore:ext e  ns ion", mx=[(10, "mx.crlf.test")])  # C03
    # Hostile policy hosts and DNS answers (issue 8).
    add("huge.test", enforce(["mx.huge.test"]))                      # 10 MB body
    add("binary.test", "version: STSv1\nmode: enforce\0\1\2\xff\nmx: mx.binary.test\n"
        "max_age: 86400\n")
    add("midclose.test", enforce(["mx.midclose.test"]), vhost="midclose")
    add("bigtxt.test", enforce(["mx.bigtxt.test"]),
        txt=[["v=STSv1; id=1; x=" + "y" * 200] + ["z" * 200] * 49])  # 50 strings, 10 KB
    add("manytxt.test", enforce(["mx.manytxt.test"]),
        txt=["v=STSv1; id=7"] + ["other-record-%02d" % i for i in range(49)])
    add("mx100.test", enforce(["*.mx100.test"]),
        mx=[(i, "m%03d.mx100.test" % i) for i in range(100)])
    add("dupmode.test", "version: STSv1\r\nmode: enforce\r\nmode: none\r\n"
        "mx: mx.dupmode.test\r\nmax_age: 604800\r\n")                 # C33
    for d, r in (("mxwrongname", "wrongname"), ("mxexpired", "expired"),
                 ("mxuntrusted", "untrusted"), ("mxnotls", "notls"),
                 ("chain", "chain")):
        add(d + ".test", enforce(["mx.%s.test" % d]), receiver=r)
    add("wildcard.test", enforce(["*.wildcard.test"]),
        mx=[(10, "mx1.wildcard.test")], receiver="wildcard")
    add("spoof.test", enforce(["mx.spoof-good.test"]),
        mx=[(10, "mx.attacker.test"), (20, "mx.spoof-good.test")],
        hosts={"mx.attacker.test": "attacker", "mx.spoof-good.test": "good"})
    # Two allowed MX hosts, the preferred one with an expired certificate:
    # an MTA must fail over to the second (within the attempt for Exim,
    # on the next attempt for OpenSMTPD's one-relay-per-attempt table).
    add("failover.test", enforce(["mx1.failover.test", "mx2.failover.test"]),
        mx=[(10, "mx1.failover.test"), (20, "mx2.failover.test")],
        hosts={"mx1.failover.test": "expired", "mx2.failover.test": "good"})
    add("notallowed.test", enforce(["mx.notallowed.test"]),
        mx=[(10, "mx.attacker.test")], hosts={"mx.attacker.test": "attacker"})
    add("implicit.test", enforce(["implicit.test"]), mx=[],
        hosts={"implicit.test": "good"})
    add("idbump.test", enforce(["mx.idbump.test"]))
    add("down.test", enforce(["mx.down.test"]))
    add("multistring.test", enforce(["mx.multistring.test"]),
        txt=[("v=STSv1; id=2016", "0831085700Z;")])
    add("cname.test", enforce(["mx.cname.test"]), txt=None)
    add("duptxt.test", enforce(["mx.duptxt.test"]),
        txt=["v=STSv1; id=1", "v=STSv1; id=2"])
    add("badtxt.test", enforce(["mx.badtxt.test"]), txt=["v=STSv1; bogus"])
    # RFC 8461 §3.1 to the letter (issue 16): each of these publishes a
    # valid record, so each has a policy.
    add("trailwsp.test", enforce(["mx.trailwsp.test"]), txt=["v=STSv1; id=1; "])
    add("barever.test", enforce(["mx.barever.test"]),
        txt=["v=STSv1", "v=STSv1; id=good"])
    add("nodelim.test", enforce(["mx.nodelim.test"]),
        txt=["v=STSv1; id=a", "v=STSv1 id=b"])
    add("repid.test", enforce(["mx.repid.test"]), txt=["v=STSv1; id=abc; id=x-y"])
    # An MX target whose first label is "mx.dotlabel" (zone: mx\.dotlabel):
    # no host name, never read as mx.dotlabel.test (DESIGN 19).
    add("dotlabel.test", enforce(["mx.dotlabel.test"]),
        mx=[(10, "mx\\.dotlabel.test")], hosts={})
    add("shared1.test", enforce(["mx.shared.test"]),
        mx=[(10, "mx.shared.test")])
    add("shared2.test", None, txt=None, mx=[(10, "mx.shared.test")])
    add("reports.test", None, txt=None, receiver="reports")
    add("age0.test", enforce(["mx.age0.test"]).replace("86400", "0"))
    # What a domain owner gets wrong (`mtasts audit`, issue 20): a stale
    # mx line, a wildcard that does not cover the bare MX name, MX drift
    # beside an allowed MX, no TLS-RPT record, a broken one.
    add("stale.test", enforce(["mx.stale.test", "old.stale.test"]))
    add("wildbare.test", enforce(["*.wildbare.test"]),
        mx=[(10, "wildbare.test")])
    add("drift.test", enforce(["mx.drift.test"]),
        mx=[(10, "mx.drift.test"), (20, "mx2.drift.test")])
    add("norpt.test", testing(["mx.norpt.test"]), rpt="none")
    add("badrpt.test", enforce(["mx.badrpt.test"]), rpt="v=TLSRPTv1; rua=")
    add("rptnomail.test", enforce(["mx.rptnomail.test"]),
        rpt="v=TLSRPTv1; rua=mailto:tlsrpt@nosuchdomain.test")
    # a rua that would deliver root's report to a local mailbox
    add("rualocal.test", testing(["mx.rualocal.test"]),
        rpt="v=TLSRPTv1; rua=mailto:postmaster@localhost,"
            "mailto:root@mailhub")
    # Attacks on Exim's enforcement (issue 13), an attacker spoofing DNS.
    # victim.test's allowed MX is a CNAME to the attacker's host, whose
    # certificate is valid for its own name and which is the allowed MX
    # of the attacker's own enforce domain evil.test.
    add("victim.test", enforce(["mx.victim.test"]), hosts={},
        cname={"mx.victim.test": "mx.attacker.test"})
    add("evil.test", enforce(["mx.attacker.test"]),
        mx=[(10, "mx.attacker.test")], receiver="attacker")
    # RFC 7505 null MX; the policy would allow the implicit MX (its A).
    add("nullmx.test", enforce(["nullmx.test"]), mx=[(0, ".")],
        hosts={"nullmx.test": "good"})
    # An allowed MX spoofed to the sender itself, and to a private address
    # (the test serves one on lo with the good receiver's certificate).
    add("loopmx.test", enforce(["mx.loopmx.test"]), hosts={"mx.loopmx.test": "good"},
        addr={"mx.loopmx.test": "127.0.0.1"})
    add("privmx.test", enforce(["mx.privmx.test"]), hosts={"mx.privmx.test": "good"},
        addr={"mx.privmx.test": PRIVATE_MX_IP})
    # A legitimate CNAME: the certificate names the MX, SNI must too.
    add("cnsni.test", enforce(["mx.cnsni.test"]),
        hosts={"mx.cnsni.test": "good", "mx-target.cnsni.test": "good"},
        cname={"mx.cnsni.test": "mx-target.cnsni.test"})
    # MX names that are not host names: a dot inside a label, raw UTF-8.
    # Rewritten, they would name other hosts the domains never published.
    add("badname.test", enforce(["*.dot.badname.test"]),
        mx=[(10, "mx\\.dot.badname.test")], hosts={"mx.dot.badname.test": "good"})
    add("badutf8.test", enforce(["*.badutf8.test"]),
        mx=[(10, "\\195\\169.badutf8.test")], hosts={"xn--9ca.badutf8.test": "good"})
    # MX records, none of them a host name, and a policy that would allow
    # the implicit MX (the domain itself, its A): there is no implicit MX
    # when the domain has MX records (RFC 5321 §5.1).
    add("badimplicit.test", enforce(["badimplicit.test"]),
        mx=[(10, "mx\\.dot.badimplicit.test")], hosts={"badimplicit.test": "good"})
    add("cnonly.test", enforce(["mx.cnonly.test"]), receiver="cnonly")
    # Enforce, no MX allowed, max_age 0 (never cached): during a DNS
    # failure a second lookup finds no policy at all (DESIGN 8).
    add("age0bad.test", enforce(["mx.age0bad.test"]).replace("86400", "0"),
        mx=[(10, "mx.attacker.test")], hosts={"mx.attacker.test": "attacker"})
    # The Exim load test: five enforce domains sharing one verified MX,
    # and a sixth whose MX name is a CNAME to it, for a certificate that
    # does not name it.
    for i in range(1, 6):
        add("load%d.test" % i, enforce(["mx.shared.test"]),
            mx=[(10, "mx.shared.test")])
    add("loadvictim.test", enforce(["mx.loadvictim.test"]), hosts={},
        cname={"mx.loadvictim.test": "mx.shared.test"})
    # DANE (RFC 7672) beside MTA-STS, in the DNSSEC-signed zone dane.test
    # (RFC 8461 §2: DANE first). TLSA records in DANE_TLSA.
    add("d1.dane.test", enforce(["mx.d1.dane.test"]))          # DANE valid
    add("d2.dane.test", enforce(["mx.d2.dane.test"]))          # DANE failing
    add("d3.dane.test", enforce(["mx.d3.dane.test"]), receiver="untrusted")  # PKIX bad
    # OpenSMTPD TLS-RPT joins (issue 14): domains whose MX hosts share one
    # address (the "mixed" receiver, certificate by SNI): testing with an
    # expired certificate, testing with a valid one (two), enforce with an
    # expired one (two).
    add("sha-t.test", testing(["mx.sha-t.test"]), receiver="mixed")
    add("sha-f.test", testing(["mx.sha-f.test"]), receiver="mixed")
    add("sha-g.test", testing(["mx.sha-g.test"]), receiver="mixed")
    add("sha-e.test", enforce(["mx.sha-e.test"]), receiver="mixed")
    add("sha-e2.test", enforce(["mx.sha-e2.test"]), receiver="mixed")
    for d in PQ_DOMAINS:
        add(d, testing(["mx." + d]), receiver="expired")
    # MX targets that are no host names, read as C strings they would
    # name a host the policy allows, served by the attacker (its
    # certificate names it): a NUL inside a label ("test\0" then
    # attacker.test: cut at the NUL it reads mx.mxnul.test), a dot inside
    # a label; and a domain with such an MX beside a valid one.
    add("mxnul.test", enforce(["mx.mxnul.test"]),
        mx=[(10, "mx.mxnul.test\\000.attacker.test")],
        hosts={"mx.mxnul.test": "attacker"})
    add("mxdot.test", enforce(["mx.dot.mxdot.test"]),
        mx=[(10, "mx\\.dot.mxdot.test")], hosts={"mx.dot.mxdot.test": "attacker"})
    add("mxmixed.test", enforce(["mx.dot.mxmixed.test", "mx.mxmixed.test"]),
        mx=[(10, "mx\\.dot.mxmixed.test"), (20, "mx.mxmixed.test")],
        hosts={"mx.dot.mxmixed.test": "attacker", "mx.mxmixed.test": "good"})
    for d, kind in load_domains():
        if kind == "enforce":
            add(d, enforce(["mx.%s" % d]))
        elif kind == "enforce-notls":       # queued until the policy relaxes
            add(d, enforce(["mx.%s" % d]), receiver="notls")
        elif kind == "testing":
            add(d, testing(["mx.%s" % d]))
        elif kind == "none":
            add(d, "version: STSv1\nmode: none\nmax_age: 86400\n")
        else:
            add(d, None, txt=None)
    return S


# The signed child zone, and its TLSA records: MX host -> the receiver
# whose key the record pins (DANE-EE, SPKI, SHA-256: "3 1 1"), or None
# for a record that matches no key (DANE validation fails).
DANE_ZONE = "dane.test"
DANE_TLSA = {"mx.d1.dane.test": "good", "mx.d2.dane.test": None,
             "mx.d3.dane.test": "untrusted"}
# The validating resolver (unbound) for MTAs, started by `up` when
# WORLD_DANE=1: it trusts dane.test's key and serves test. from nsd.
RESOLVER_LAST = 7


# privmx.test's MX: a private (RFC 1918) address, not in the world's /24.
PRIVATE_MX_IP = "10.255.10.11"


def load_domains():
    """WORLD_LOAD=N (a multiple of 8): N more deliverable domains
    lNNN.load.test for load tests, every MX on the good receiver but
    those of "enforce-notls" (notls): of each 8, 3 enforce, 1
    enforce-notls, 2 testing, 1 none, 1 without a policy. The same
    WORLD_LOAD must be in the environment of every later world.sh."""
    kinds = ("enforce", "testing", "enforce", "none", "enforce-notls",
             "testing", "enforce", "nopolicy")
    n = int(os.environ.get("WORLD_LOAD", "0") or 0)
    return [("l%03d.load.test" % i, kinds[i % 8]) for i in range(n)]


def bulk_names():
    """WORLD_BULK=N: N more enforce domains bNNNNN.bulk.test for the
    benchmarks, sharing one policy file, certificates of 100 names each."""
    n = int(os.environ.get("WORLD_BULK", "0") or 0)
    return ["b%05d.bulk.test" % i for i in range(n)]


# ----------------------------------------------------------------------
# Certificates

NOW = datetime.datetime.utcnow()


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _cert(subject_cn, key, issuer_cert, issuer_key, sans=None, ca=False,
          days=(-1, 365), pathlen=None):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)])
    b = (x509.CertificateBuilder()
         .subject_name(name)
         .issuer_name(issuer_cert.subject if issuer_cert else name)
         .public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(NOW + datetime.timedelta(days=days[0]))
         .not_valid_after(NOW + datetime.timedelta(days=days[1])))
    b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=pathlen),
                        critical=True)
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(s) for s in sans]), critical=False)
    if not ca:
        b = b.add_extension(x509.ExtendedKeyUsage(
            [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    return b.sign(issuer_key or key, hashes.SHA256())


def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _write_pair(d, name, certs, key):
    with open(os.path.join(d, name + ".pem"), "w") as f:
        f.write("".join(_pem(c) for c in certs))
    with open(os.path.join(d, name + ".key"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))


def make_certs(ca_dir, S):
    os.makedirs(ca_dir, exist_ok=True)
    ca_key = _key()
    ca = _cert("mtasts test CA", ca_key, None, None, ca=True, days=(-30, 3650))
    other_key = _key()
    other = _cert("untrusted CA", other_key, None, None, ca=True,
                  days=(-30, 3650))
    im_key = _key()
    im = _cert("mtasts test intermediate", im_key, ca, ca_key, ca=True,
               days=(-30, 3650), pathlen=0)
    with open(os.path.join(ca_dir, "ca.pem"), "w") as f:
        f.write(_pem(ca))
    # bundle.pem: Debian's CA bundle plus the test CA, the size of trust
    # store a production host parses (for the benchmarks, both sides).
    sysbundle = "/etc/ssl/certs/ca-certificates.crt"
    with open(os.path.join(ca_dir, "bundle.pem"), "w") as f:
        if os.path.exists(sysbundle):
            f.write(open(sysbundle).read())
        f.write(_pem(ca))
    _write_pair(ca_dir, "ca", [ca], ca_key)

    def leaf(name, sans, kind):
        k = _key()
        if kind == "untrusted":
            c = [_cert(sans[0], k, other, other_key, sans)]
        elif kind == "expired":
            c = [_cert(sans[0], k, ca, ca_key, sans, days=(-60, -30))]
        elif kind == "chain":
            c = [_cert(sans[0], k, im, im_key, sans), im]
        else:
            c = [_cert(sans[0], k, ca, ca_key, sans)]
        _write_pair(ca_dir, name, c, k)

    # Policy hosts: one certificate for every well-behaved vhost.
    good = ["mta-sts." + d for d, s in S.items() if s["vhost"] == "valid"]
    leaf("https-valid", good, "valid")
    leaf("https-untrusted", ["mta-sts.untrusted.test"], "untrusted")
    leaf("https-wrongname", ["wrongname.test"], "valid")        # D15
    leaf("https-expired", ["mta-sts.expired.test"], "expired")
    leaf("https-midclose", ["mta-sts.midclose.test"], "valid")
    leaf("https-rua", ["mta-sts.reports.test"], "valid")
    bulk = bulk_names()
    for g in range(0, len(bulk), 100):
        leaf("https-bulk%d" % (g // 100), ["mta-sts." + d for d in bulk[g:g + 100]],
             "valid")
    # Receivers: the names routed to each one, and a fixed variant.
    for r, (ip, kind, tls) in RECEIVERS.items():
        names = sorted({h for s in S.values() for h, rr in s["hosts"].items()
                        if rr == r}) or ["mx.%s.test" % r]
        if kind == "wildcard":
            leaf("smtp-" + r, ["*.wildcard.test"], "valid")
        elif kind == "wrongname":
            leaf("smtp-" + r, ["other-name.test"], "valid")
        elif kind == "mixed":
            leaf("smtp-" + r, [n for n in names if n not in MIXED_EXPIRED],
                 "valid")
            leaf("smtp-%s-expired" % r,
                 [n for n in names if n in MIXED_EXPIRED], "expired")
        elif kind == "cnonly":
            k = _key()
            _write_pair(ca_dir, "smtp-" + r, [_cert(names[0], k, ca, ca_key)], k)
        else:
            leaf("smtp-" + r, names, kind)
        leaf("smtp-%s-fixed" % r, names, "valid")


# ----------------------------------------------------------------------
# DNS


def txt_rdata(strings):
    return " ".join('"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')
                    for s in strings)


def zone_text(S, serial, extra):
    out = ["$ORIGIN test.", "$TTL 60",
           "@ IN SOA ns.test. hostmaster.test. %d 60 60 600 1" % serial,
           "@ IN NS ns.test.", "ns IN A %s" % DNS_IP]
    hosts = {}
    for d, s in sorted(S.items()):
        txt = extra.get(d, s["txt"])
        if d == "cname.test":
            out.append("_mta-sts.%s. 1 IN CNAME _mta-sts.enforce.test." % d)
        for rec in txt:
            out.append("_mta-sts.%s. 1 IN TXT %s" % (d, txt_rdata(rec)))
        for pref, h in s["mx"]:
            out.append("%s. IN MX %d %s" % (d, pref, "." if h == "." else h + "."))
        if s["vhost"] == "midclose":
            out.append("mta-sts.%s. IN A %s" % (d, FAULT_HTTPS_IP))
        elif s["vhost"]:
            out.append("mta-sts.%s. IN A %s" % (d, HTTPS_IP))
        rua = "mailto:tlsrpt@reports.test"
        if d == "enforce.test":     # one domain also reports over https
            rua += ",https://mta-sts.reports.test/tlsrpt"
        if s.get("rpt") is None:
            out.append('_smtp._tls.%s. IN TXT "v=TLSRPTv1; rua=%s"' % (d, rua))
        elif s["rpt"] != "none":
            out.append('_smtp._tls.%s. IN TXT %s' % (d, txt_rdata([s["rpt"]])))
        for h, r in s["hosts"].items():
            hosts[h] = s["addr"].get(h, RECEIVERS[r][0])
        for h, target in s["cname"].items():
            hosts.pop(h, None)
            out.append("%s. IN CNAME %s." % (h, target))
    for h, ip in sorted(hosts.items()):
        out.append("%s. IN A %s" % (h, ip))
    out.append("mta-sts.reports.test. IN A %s" % RUA_IP)
    for d in bulk_names():
        out.append('_mta-sts.%s. 3600 IN TXT "v=STSv1; id=1"' % d)
        out.append("mta-sts.%s. IN A %s" % (d, HTTPS_IP))
    return "\n".join(out) + "\n"


def spki_sha256(pem_file):
    """The TLSA 3 1 1 data of a receiver: SHA-256 of its leaf's SPKI."""
    cert = x509.load_pem_x509_certificate(open(pem_file, "rb").read())
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    h = hashes.Hash(hashes.SHA256())
    h.update(spki)
    return h.finalize().hex()


def dane_keys(W):
    """dane.test's KSK and ZSK (ldns-keygen), made once per world."""
    kd = os.path.join(W["dir"], "dns", "keys")
    if not os.path.isdir(kd):
        os.makedirs(kd)
        for extra in (["-k"], []):
            subprocess.run(["ldns-keygen", "-a", "ECDSAP256SHA256", "-r",
                            "/dev/urandom"] + extra + [DANE_ZONE], cwd=kd,
                           check=True, capture_output=True)
    keys = sorted(f[:-4] for f in os.listdir(kd) if f.endswith(".key"))
    ksk = [k for k in keys
           if "DNSKEY\t257 " in open(os.path.join(kd, k + ".key")).read()]
    return [os.path.join(kd, k) for k in keys], os.path.join(kd, ksk[0] + ".key")


def write_dane_zone(W, child, serial):
    """dane.test: its share of the records, the TLSA records, signed."""
    d = os.path.join(W["dir"], "dns")
    out = ["$ORIGIN %s." % DANE_ZONE, "$TTL 60",
           "@ IN SOA ns.test. hostmaster.test. %d 60 60 600 1" % serial,
           "@ IN NS ns.test."] + child
    for host, r in sorted(DANE_TLSA.items()):
        data = (spki_sha256(os.path.join(W["dir"], "ca", "smtp-%s.pem" % r))
                if r else "00" * 32)
        out.append("_25._tcp.%s. IN TLSA 3 1 1 %s" % (host, data))
    zf = os.path.join(d, DANE_ZONE + ".zone")
    with open(zf, "w") as f:
        f.write("\n".join(out) + "\n")
    keys, _ = dane_keys(W)
    since = time.strftime("%Y%m%d%H%M%S", time.gmtime(time.time() - 3600))
    subprocess.run(["ldns-signzone", "-i", since, "-o", DANE_ZONE, "-f",
                    zf + ".signed.tmp", zf] + keys, check=True,
                   capture_output=True)
    os.rename(zf + ".signed.tmp", zf + ".signed")
    return zf + ".signed"


def write_zone(W, S):
    st = W["state"]
    st["serial"] += 1
    parent, child = [], []
    for line in zone_text(S, st["serial"], st["txt"]).splitlines():
        owner = line.split(" ", 1)[0]
        (child if owner.endswith("." + DANE_ZONE + ".") else parent).append(line)
    parent.append("%s. IN NS ns.test." % DANE_ZONE)   # the delegation
    with open(os.path.join(W["dir"], "dns", "test.zone.tmp"), "w") as f:
        f.write("\n".join(parent) + "\n")
    zf = os.path.join(W["dir"], "dns", "test.zone")
    os.rename(zf + ".tmp", zf)
    cf = write_dane_zone(W, child, st["serial"])
    # nsd reloads on SIGHUP only if the mtime (in seconds) moved on.
    t = int(time.time()) + 2 * st["serial"]
    for f in (zf, cf):
        os.utime(f, (t, t))


NSD_CONF = """server:
  ip-address: {ip}@53
  ip-address: {ip}@{port}
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "{d}"
  database: ""
  pidfile: "{d}/nsd.pid"
  xfrdfile: "{d}/xfrd.state"
  zonelistfile: "{d}/zone.list"
  logfile: "{d}/nsd.log"
  server-count: 1
  hide-version: yes
  verbosity: 1
  # Response-rate limiting off: the world is one client's fixture, and
  # RRL capped the benchmarks' cold figures (both sides) at ~100-165/s.
  rrl-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: test
  zonefile: test.zone
zone:
  name: dane.test
  zonefile: dane.test.zone.signed
"""

UNBOUND_CONF = """server:
  interface: {ip}
  port: 53
  do-ip6: no
  username: ""
  chroot: ""
  directory: "{d}"
  pidfile: "{d}/unbound.pid"
  use-syslog: no
  logfile: "{d}/unbound.log"
  verbosity: 1
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  module-config: "validator iterator"
  trust-anchor-file: "{anchor}"
  local-zone: "test." nodefault
  qname-minimisation: no
  cache-max-ttl: 1
  cache-max-negative-ttl: 1
remote-control:
  control-enable: no
stub-zone:
  name: "test."
  stub-addr: {dns}@53
stub-zone:
  name: "dane.test."
  stub-addr: {dns}@53
"""

# ----------------------------------------------------------------------
# HTTPS

NGINX_HEAD = """daemon off;
user root;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
  log_format w '$host $request_uri $status';
  access_log {d}/access.log w;
  client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp;
  fastcgi_temp_path {d}/tmp; uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;
  ssl_protocols TLSv1.2 TLSv1.3;
  server_names_hash_max_size 65536;
  server_names_hash_bucket_size 128;
  types {{ }}
  default_type text/plain;
  sendfile off;
"""

NGINX_SERVER = """  server {{
    listen {ip}:443 ssl{default};
    server_name {names};
    ssl_certificate {ca}/{cert}.pem;
    ssl_certificate_key {ca}/{cert}.key;
    root {www}/$host;
{body}  }}
"""


def nginx_conf(W, S):
    d, ca, www = (os.path.join(W["dir"], x) for x in ("nginx", "ca", "www"))
    parts = [NGINX_HEAD.format(d=d)]
    specials = {
        "redirect": "    location / { return 301 https://mta-sts.enforce.test"
                    "/.well-known/mta-sts.txt; }\n",
        "notfound": "    location / { return 404; }\n",
        "error500": "    location / { return 500; }\n",
        "mediatype": "    default_type application/octet-stream;\n",
        "slow": "    limit_rate 16;\n",
        "slowok": "    limit_rate 160;\n",
    }
    plain = [("mta-sts." + x) for x, s in sorted(S.items())
             if s["vhost"] == "valid" and not s["special"]]
    parts.append(NGINX_SERVER.format(ip=HTTPS_IP, default=" default_server",
                                     names=" ".join(plain), ca=ca,
                                     cert="https-valid", www=www, body=""))
    for x, s in sorted(S.items()):
        if s["special"]:
            parts.append(NGINX_SERVER.format(
                ip=HTTPS_IP, default="", names="mta-sts." + x, ca=ca,
                cert="https-valid", www=www, body=specials[s["special"]]))
        elif s["vhost"] not in (None, "valid", "midclose"):
            parts.append(NGINX_SERVER.format(
                ip=HTTPS_IP, default="", names="mta-sts." + x, ca=ca,
                cert="https-" + s["vhost"], www=www, body=""))
    bulk = bulk_names()
    for g in range(0, len(bulk), 100):
        parts.append(NGINX_SERVER.format(
            ip=HTTPS_IP, default="", names=" ".join(
                "mta-sts." + d for d in bulk[g:g + 100]), ca=ca,
            cert="https-bulk%d" % (g // 100), www=www,
            body="    root %s/bulk;\n" % www).replace(
                "    root %s/$host;\n" % www, ""))
    parts.append("}\n")
    return "".join(parts)


def write_policy(W, domain, body):
    p = os.path.join(W["dir"], "www", "mta-sts." + domain, ".well-known")
    os.makedirs(p, exist_ok=True)
    # latin-1: one byte per character, so bodies can hold any byte
    with open(os.path.join(p, "mta-sts.txt.tmp"), "w", encoding="latin-1") as f:
        f.write(body)
    os.rename(os.path.join(p, "mta-sts.txt.tmp"),
              os.path.join(p, "mta-sts.txt"))


# ----------------------------------------------------------------------
# Processes


def spawn(W, name, argv, log):
    with open(os.path.join(W["dir"], "logs", name + ".log"), "ab") as lf:
        p = subprocess.Popen(argv, stdout=lf, stderr=lf,
                             stdin=subprocess.DEVNULL,
                             start_new_session=True)
    with open(os.path.join(W["dir"], "pids", name + ".pid"), "w") as f:
        f.write(str(p.pid))
    return p


def alive(pid):
    """Running (a zombie left for a non-reaping init counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kill(W, name):
    pf = os.path.join(W["dir"], "pids", name + ".pid")
    try:
        pid = int(open(pf).read())
    except (OSError, ValueError):
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        for _ in range(100):
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            if not alive(pid):
                break
            time.sleep(0.02)
        if not alive(pid):
            break
    os.unlink(pf)


def wait_tcp(ip, port, what, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection((ip, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("world: %s did not come up on %s:%d" % (what, ip, port))


def wait_txt(domain, want):
    """Until the DNS server answers the TXT as wanted (after a reload)."""
    for _ in range(100):
        out = subprocess.run(
            ["dig", "@" + DNS_IP, "-p", str(DNS_PORT), "+short", "+time=1",
             "+tries=1", "TXT", "_mta-sts." + domain],
            capture_output=True, text=True).stdout
        got = out.replace('" "', "").replace('"', "").strip()
        if got == want:
            return
        time.sleep(0.05)
    raise SystemExit("world: DNS does not serve %r for %s" % (want, domain))


def start_nsd(W):
    spawn(W, "nsd", ["nsd", "-d", "-c",
                     os.path.join(W["dir"], "dns", "nsd.conf")], "nsd")
    wait_tcp(DNS_IP, DNS_PORT, "nsd")


def start_unbound(W):
    d = os.path.join(W["dir"], "unbound")
    os.makedirs(d, exist_ok=True)
    _, anchor = dane_keys(W)
    with open(os.path.join(d, "unbound.conf"), "w") as f:
        f.write(UNBOUND_CONF.format(ip=RESOLVER_IP, d=d, anchor=anchor,
                                    dns=DNS_IP))
    spawn(W, "unbound", ["unbound", "-d", "-c",
                         os.path.join(d, "unbound.conf")], "unbound")
    wait_tcp(RESOLVER_IP, 53, "unbound")


def start_nginx(W):
    spawn(W, "nginx", ["nginx", "-c",
                       os.path.join(W["dir"], "nginx", "nginx.conf"),
                       "-p", os.path.join(W["dir"], "nginx")], "nginx")
    wait_tcp(HTTPS_IP, 443, "nginx")


def start_smtp(W, r, fixed=False):
    ip, kind, tls = RECEIVERS[r]
    ca = os.path.join(W["dir"], "ca")
    cert = "smtp-%s%s" % (r, "-fixed" if fixed else "")
    argv = ["/usr/bin/python3", os.path.join(HERE, "smtpd.py"), ip, "25",
            os.path.join(W["dir"], "mail", r)]
    if tls or fixed:
        argv += [os.path.join(ca, cert + ".pem"), os.path.join(ca, cert + ".key")]
    if kind == "mixed" and not fixed:
        argv += [os.path.join(ca, "smtp-%s-expired.pem" % r),
                 os.path.join(ca, "smtp-%s-expired.key" % r),
                 ",".join(MIXED_EXPIRED)]
    spawn(W, "smtp-" + r, argv, r)
    wait_tcp(ip, 25, "receiver " + r)


# ----------------------------------------------------------------------
# Commands


def load(d):
    d = os.path.abspath(d)
    W = {"dir": d}
    try:
        W["state"] = json.load(open(os.path.join(d, "state.json")))
        set_net(W["state"].get("net", "127.0.10"))
    except OSError:
        W["state"] = {"serial": 1, "txt": {}, "net": NET,
                      "dane": os.environ.get("WORLD_DANE") == "1"}
    return W


def save(W):
    with open(os.path.join(W["dir"], "state.json"), "w") as f:
        json.dump(W["state"], f)


def port_taken(ip, port):
    try:
        socket.create_connection((ip, port), timeout=0.3).close()
        return True
    except OSError:
        return False


def up(W):
    d = W["dir"]
    # A world left running (a killed test) would answer in our place.
    for ip, port in world_ports():
        if port_taken(ip, port):
            raise SystemExit("world: %s:%d is already in use (another test "
                             "world still running?)" % (ip, port))
    S = scenarios()
    for sub in ("dns", "nginx", "nginx/tmp", "www", "mail", "logs", "pids",
                "ca"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    make_certs(os.path.join(d, "ca"), S)
    with open(os.path.join(d, "dns", "nsd.conf"), "w") as f:
        f.write(NSD_CONF.format(ip=DNS_IP, port=DNS_PORT,
                                d=os.path.join(d, "dns")))
    write_zone(W, S)
    with open(os.path.join(d, "nginx", "nginx.conf"), "w") as f:
        f.write(nginx_conf(W, S))
    for dom, s in S.items():
        if s["policy"] is not None:
            write_policy(W, dom, s["policy"])
    with open(os.path.join(d, "www", "mta-sts.huge.test", ".well-known",
                           "mta-sts.txt"), "a") as f:
        f.write(("x: " + "y" * 1020 + "\n") * 10240)           # 10 MB
    if bulk_names():
        p = os.path.join(d, "www", "bulk", ".well-known")
        os.makedirs(p, exist_ok=True)
        with open(os.path.join(p, "mta-sts.txt"), "w") as f:
            f.write(enforce(["*.bulk.test"]))
    for r in RECEIVERS:
        os.makedirs(os.path.join(d, "mail", r), exist_ok=True)
    with open(os.path.join(d, "mtasts.conf"), "w") as f:
        f.write("# mtasts.conf for the test world\n"
                "cache_file = {d}/cache.tdb\n"
                "dns_upstream = {ip}@{port}\n"
                "ca_file = {d}/ca/ca.pem\n"
                "mx_ca_file = {d}/ca/ca.pem\n"
                "fetch_timeout = 3\n"
                "connect_timeout = 2\n"
                "dns_min_ttl = 0\n"
                "results_file = {d}/results.tdb\n"
                "report_contact = postmaster@sender.test\n"
                "report_org_name = mtasts test world\n"
                "# the world lives on loopback: let the policy fetch and\n"
                "# the report POST connect there (DESIGN 17)\n"
                "allow_networks = {net}.0/24\n".format(
                    d=d, ip=DNS_IP, port=DNS_PORT, net=NET))
    with open(os.path.join(d, "env"), "w") as f:
        f.write("WORLD_DIR=%s\nWORLD_DNS=%s@%d\nWORLD_DNS_IP=%s\n"
                "WORLD_HTTPS_IP=%s\nWORLD_CA=%s/ca/ca.pem\n"
                "WORLD_CONF=%s/mtasts.conf\nWORLD_PIDS=%s/pids\nWORLD_NET=%s\n"
                "WORLD_MAIL=%s/mail\nWORLD_ACCESS_LOG=%s/nginx/access.log\n"
                % (d, DNS_IP, DNS_PORT, DNS_IP, HTTPS_IP, d, d, d, NET, d, d))
        for r, (ip, _, _) in RECEIVERS.items():
            f.write("WORLD_SMTP_%s=%s\n" % (r.upper(), ip))
        f.write("WORLD_PRIVATE_MX=%s\n" % PRIVATE_MX_IP)
        if W["state"].get("dane"):
            f.write("WORLD_RESOLVER=%s\n" % RESOLVER_IP)
    save(W)
    try:
        start_nsd(W)
        start_nginx(W)
        for r in RECEIVERS:
            start_smtp(W, r)
        spawn(W, "faultd", ["/usr/bin/python3", os.path.join(HERE, "faultd.py"),
                            os.path.join(d, "ca", "https-midclose.pem"),
                            os.path.join(d, "ca", "https-midclose.key"), NET],
              "faultd")
        wait_tcp(FAULT_HTTPS_IP, 443, "faultd")
        if W["state"].get("dane"):
            start_unbound(W)
        spawn(W, "ruad", ["/usr/bin/python3", os.path.join(HERE, "ruad.py"),
                          os.path.join(d, "ca", "https-rua.pem"),
                          os.path.join(d, "ca", "https-rua.key"),
                          os.path.join(d, "mail", "https-rua"), NET], "ruad")
        wait_tcp(RUA_IP, 443, "ruad")
    except BaseException:
        down(W)
        raise
    print("world up in %s" % d)


def world_ports():
    return [(DNS_IP, DNS_PORT), (DNS_IP, 53), (HTTPS_IP, 443),
            (FAULT_HTTPS_IP, 443), (RUA_IP, 443), (RESOLVER_IP, 53)] + [
                (r[0], 25) for r in RECEIVERS.values()]


def down(W):
    pids = os.path.join(W["dir"], "pids")
    if not os.path.isdir(pids):
        return
    names = [f[:-4] for f in sorted(os.listdir(pids)) if f.endswith(".pid")]
    for n in names:
        kill(W, n)
    # The next world binds the same addresses: wait until they are free.
    end = time.time() + 5
    while names and time.time() < end and any(
            port_taken(ip, port) for ip, port in world_ports()):
        time.sleep(0.05)


def set_txt(W, domain, record):
    S = scenarios()
    if domain not in S:
        raise SystemExit("world: unknown domain %s" % domain)
    W["state"]["txt"][domain] = [] if record == "-" else [[record]]
    write_zone(W, S)
    save(W)
    pf = os.path.join(W["dir"], "pids", "nsd.pid")
    os.kill(int(open(pf).read()), signal.SIGHUP)
    wait_txt(domain, "" if record == "-" else record)


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    cmd = argv[0]
    if cmd in ("https", "smtp"):
        op, W = argv[1], load(argv[2])
        if cmd == "https":
            kill(W, "nginx")
            if op == "start":
                start_nginx(W)
        else:
            r = argv[3]
            kill(W, "smtp-" + r)
            if op in ("start", "fix"):
                start_smtp(W, r, fixed=(op == "fix"))
        return
    W = load(argv[1])
    if cmd == "up":
        up(W)
    elif cmd == "down":
        down(W)
    elif cmd == "set-txt":
        set_txt(W, argv[2], argv[3])
    elif cmd == "set-policy":
        write_policy(W, argv[2], open(argv[3]).read())
    elif cmd == "domains":
        print("\n".join(sorted(scenarios())))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
