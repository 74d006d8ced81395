#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""check.py - decode TLS-RPT reports as they arrive and check them.

  check.py mail FILE...   report mails (RFC 8460 §5.3): headers, MIME,
                          gzip, JSON schema, names consistent (RPT-62, RFC 8460 §5.6)
  check.py post DIR       HTTPS POSTs saved by the world's ruad.py
  check.py json FILE...   bare report JSON (a dry run)

Prints one line per policy of each report:
  <domain> <policy-type> ok=<n> fail=<n> <result>:<count>:<mx>:<reason> ...
and "ERROR ..." lines for every rule broken (the exit status is 1 then).
"""
import email
import gzip
import json
import os
import re
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = json.load(open(os.path.join(HERE, "schema.json")))
errors = []


def err(msg):
    errors.append(msg)
    print("ERROR " + msg)


def no_dup_keys(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        err("duplicate member names (I-JSON): %s" % keys)
    return dict(pairs)


def summarise(rep):
    for p in rep["policies"]:
        pol = p["policy"]
        s = p["summary"]
        det = " ".join("%s:%d:%s:%s" % (d["result-type"], d["failed-session-count"],
                                         d.get("receiving-mx-hostname", "-"),
                                         d.get("failure-reason-code", "-"))
                       for d in sorted(p.get("failure-details", []),
                                       key=lambda d: d["result-type"]))
        print("%s %s ok=%d fail=%d %s" % (pol["policy-domain"], pol["policy-type"],
                                          s["total-successful-session-count"],
                                          s["total-failure-session-count"], det))


def check_json(raw, what):
    try:
        rep = json.loads(raw.decode("utf-8"), object_pairs_hook=no_dup_keys)
        jsonschema.validate(rep, SCHEMA)
    except Exception as e:  # noqa: BLE001 - any failure is a finding
        err("%s: %s" % (what, str(e).splitlines()[0]))
        return None
    summarise(rep)
    return rep


def check_mail(path):
    msg = email.message_from_binary_file(open(path, "rb"))
    if msg.get_content_type() != "multipart/report" or \
            msg.get_param("report-type") != "tlsrpt":
        err("%s: not multipart/report; report-type=tlsrpt" % path)
        return
    parts = [p for p in msg.walk() if p.get_content_type() == "application/tlsrpt+gzip"]
    if len(parts) != 1:
        err("%s: %d application/tlsrpt+gzip parts" % (path, len(parts)))
        return
    raw = parts[0].get_payload(decode=True)
    if raw[:2] != b"\x1f\x8b":
        err("%s: attachment is not gzip" % path)
        return
    rep = check_json(gzip.decompress(raw), path)
    if rep is None:
        return
    dom = rep["policies"][0]["policy"]["policy-domain"]
    sub = rep["contact-info"].split("@")[1]
    subj = " ".join(msg["Subject"].split())
    want = "Report Domain: %s Submitter: %s Report-ID: <%s>" % (dom, sub, rep["report-id"])
    if subj != want:
        err("%s: Subject %r, want %r" % (path, subj, want))
    if msg["TLS-Report-Domain"] != dom:
        err("%s: TLS-Report-Domain %r" % (path, msg["TLS-Report-Domain"]))
    if msg["TLS-Report-Submitter"] != sub:
        err("%s: TLS-Report-Submitter %r is not the contact's domain" % (path, msg["TLS-Report-Submitter"]))
    fn = parts[0].get_filename() or ""
    if not re.match(r"^%s!%s!\d+!\d+\.json\.gz$" % (re.escape(sub), re.escape(dom)), fn):
        err("%s: file name %r" % (path, fn))
    for h in ("From", "Date", "Message-ID", "MIME-Version"):
        if msg[h] is None:
            err("%s: no %s header" % (path, h))


def check_post(d):
    for f in sorted(os.listdir(d)):
        if not f.endswith(".head"):
            continue
        head = open(os.path.join(d, f)).read()
        if not head.startswith("POST "):
            err("%s: not a POST" % f)
        if not re.search(r"(?mi)^Content-Type: application/tlsrpt\+gzip\s*$", head):
            err("%s: Content-Type is not application/tlsrpt+gzip" % f)
        raw = open(os.path.join(d, f[:-5] + ".body"), "rb").read()
        check_json(gzip.decompress(raw), f)


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    for a in args:
        if mode == "mail":
            check_mail(a)
        elif mode == "post":
            check_post(a)
        else:
            for line in open(a, "rb"):
                if line.strip().startswith(b"{\"organization-name\""):
                    check_json(line, a)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
