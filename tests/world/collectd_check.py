#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""
collectd_check.py SOCKET COUNT [TIMEOUT] - a strict stand-in for sys4's
tlsrpt-collectd (not packaged in Debian 12), written from reading its
source, not copied from it: it takes each datagram the way the collector
does, key by key, and refuses every shape the collector would lose or
mis-file.

What the collector does (sys4/tlsrpt-reporter 0.6, tlsrpt_reporter/tlsrpt.py):
  tlsrpt_collectd_daemon: sock.recvfrom(); json.loads(bytes) (UTF-8, a
      UnicodeDecodeError or JSONDecodeError loses the datagram);
      collectd.add_datagram(j), a KeyError there is logged and the
      datagram is lost ("KeyError 'pr'").
  TLSRPTCollectdSQLite._add_policies_from_datagram: no "policies" ->
      warning, nothing stored; "dpv" other than "1" -> error; then for
      each policy _add_policy(day, datagram["d"], datagram["pr"], policy).
  _add_policy: policy.pop("f") (KeyError if absent), pop("failure-details",
      []), pop("t", None) must equal len(failures) (else an error); the
      rest of the policy, json.dumps()ed, is the database key, and so is
      json.dumps() of each failure detail.
  TLSRPTReportd.render_report: policy_type_names[policy["policy-type"]]
      with {1, 2, 9} (KeyError otherwise); failure keys a c f h n r s;
      "c" looked up in the 201-205 / 301-306 map.
  utility.parse_tlsrpt_record(pr): split on ";", part 0 == "v=TLSRPTv1",
      part 1 stripped starts with "rua=".
On top of that we insist on libtlsrpt's exact bytes (libtlsrpt.c), key
order included, since the collector keys its rows on json.dumps() of what
it got: a different order would file our sessions apart from Postfix's.

Prints one line per datagram:
  STORED d=<d> pr=<pr> policy=<json> f=<0|1> failures=<json list>
or  REFUSED <why>: <datagram>
and exits 1 if any was refused or fewer than COUNT arrived in TIMEOUT.
"""
import json
import os
import socket
import sys

TOP_KEYS = ["dpv", "d", "pr", "policies"]
POLICY_KEYS = ["policy-type", "policy-domain", "policy-string", "mx-host",
               "failure-details", "t", "f"]
DETAIL_KEYS = ["c", "s", "n", "h", "r", "a", "f"]
POLICY_TYPES = {1, 2, 9}
CODES = {201, 202, 203, 204, 205, 301, 302, 303, 304, 305, 306}

# libtlsrpt's tlsrpt_json_escape_values: short escapes where JSON has them,
# \u00XX for the other control bytes and DEL, everything else as is.
SHORT = {0x08: "\\b", 0x09: "\\t", 0x0a: "\\n", 0x0c: "\\f", 0x0d: "\\r",
         0x22: '\\"', 0x5c: "\\\\"}


class Refused(Exception):
    pass


def esc(s):
    out = []
    for ch in s:
        o = ord(ch)
        if o in SHORT:
            out.append(SHORT[o])
        elif o < 0x20 or o == 0x7f:
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def libtlsrpt_bytes(d):
    """What libtlsrpt writes for the calls that carry d's content."""
    s = '{"dpv": %s,"d": %s,"pr": %s' % (esc(d["dpv"]), esc(d["d"]),
                                          esc(d["pr"]))
    for i, p in enumerate(d["policies"]):
        s += ',"policies":[{' if i == 0 else ",{"
        s += '"policy-type":%d' % p["policy-type"]
        if "policy-domain" in p:
            s += ',"policy-domain": %s' % esc(p["policy-domain"])
        if p.get("policy-string"):
            s += ',"policy-string":[%s]' % ",".join(
                esc(x) for x in p["policy-string"])
        if p.get("mx-host"):
            s += ',"mx-host":[%s]' % ",".join(esc(x) for x in p["mx-host"])
        if p.get("failure-details"):
            fds = []
            for f in p["failure-details"]:
                t = '{"c":%d' % f["c"]
                for k in DETAIL_KEYS[1:]:
                    if k in f:
                        t += ',"%s": %s' % (k, esc(f[k]))
                fds.append(t + "}")
            s += ',"failure-details":[%s]' % ",".join(fds)
        s += ',"t":%d,"f":%d}' % (p["t"], p["f"])
    return (s + "]}").encode("utf-8")


def ordered(obj, keys, what):
    got = list(obj.keys())
    unknown = [k for k in got if k not in keys]
    if unknown:
        raise Refused("%s: unknown keys %s" % (what, unknown))
    if got != [k for k in keys if k in obj]:
        raise Refused("%s: keys out of libtlsrpt's order: %s" % (what, got))


def string(v, what):
    if not isinstance(v, str):
        raise Refused("%s is not a string" % what)


def check(raw):
    try:
        d = json.loads(raw)  # the collector: json.loads(alldata)
    except UnicodeDecodeError as e:
        raise Refused("not UTF-8 (collector: Malformed utf8): %s" % e)
    except json.JSONDecodeError as e:
        raise Refused("not JSON (collector: JSON decode error): %s" % e)
    if not isinstance(d, dict):
        raise Refused("not an object")
    # In the collector's order: no "policies" is a warning and nothing
    # stored; d and pr are read with [] (KeyError, datagram lost); dpv is
    # only logged when absent, but libtlsrpt always sends it.
    if "policies" not in d:
        raise Refused("No policies found in datagram")
    for k in ("d", "pr"):
        if k not in d:
            raise Refused("KeyError '%s'" % k)
    if "dpv" not in d:
        raise Refused("no dpv (libtlsrpt always sends \"dpv\": \"1\")")
    ordered(d, TOP_KEYS, "datagram")
    if d["dpv"] != "1":
        raise Refused("Wrong datagram protocol version %r" % d["dpv"])
    string(d["d"], "d")
    if d["d"] != d["d"].lower() or d["d"].endswith("."):
        raise Refused("d not normalised (lower case, no trailing dot)")
    string(d["pr"], "pr")
    parts = d["pr"].split(";")
    if len(parts) < 2 or parts[0] != "v=TLSRPTv1" or \
            not parts[1].strip().startswith("rua="):
        raise Refused("pr is no TLSRPT record reportd can parse: %r" % d["pr"])
    if not isinstance(d["policies"], list) or not d["policies"]:
        raise Refused("policies: not a non-empty list")
    rows = []
    for p in d["policies"]:
        if not isinstance(p, dict):
            raise Refused("policy: not an object")
        ordered(p, POLICY_KEYS, "policy")
        for k in ("policy-type", "t", "f"):
            if k not in p:
                raise Refused("policy: KeyError '%s'" % k)
        if p["policy-type"] not in POLICY_TYPES:
            raise Refused("policy-type %r not in reportd's map" %
                          p["policy-type"])
        if p["f"] not in (0, 1) or isinstance(p["f"], bool):
            raise Refused("f is not 0 or 1")
        for k in ("policy-string", "mx-host"):
            if k in p:
                if not isinstance(p[k], list) or not p[k]:
                    raise Refused("%s: libtlsrpt never sends an empty "
                                  "or non-list one" % k)
                for x in p[k]:
                    string(x, k)
        if "policy-domain" in p:
            string(p["policy-domain"], "policy-domain")
        fds = p.get("failure-details", [])
        if "failure-details" in p and (not isinstance(fds, list) or not fds):
            raise Refused("failure-details: empty or not a list")
        if p["t"] != len(fds):
            raise Refused("Failure count mismatch: t=%r, %d details" %
                          (p["t"], len(fds)))
        for f in fds:
            if not isinstance(f, dict) or "c" not in f:
                raise Refused("failure detail without c")
            ordered(f, DETAIL_KEYS, "failure detail")
            if f["c"] not in CODES:
                raise Refused("Undefined result type code %r" % f["c"])
            for k in DETAIL_KEYS[1:]:
                if k in f:
                    string(f[k], "failure detail " + k)
        # What _add_policy files: the policy without f, t, failure-details.
        key = {k: v for k, v in p.items()
               if k not in ("f", "t", "failure-details")}
        rows.append("STORED d=%s pr=%s policy=%s f=%d failures=%s" % (
            d["d"], d["pr"], json.dumps(key), p["f"],
            json.dumps(fds)))
    want = libtlsrpt_bytes(d)
    if raw != want:
        raise Refused("not libtlsrpt's bytes; libtlsrpt would send %r" % want)
    return rows


def main():
    path, count = sys.argv[1], int(sys.argv[2])
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(timeout)
    open(path + ".ready", "w").close()
    bad = 0
    for _ in range(count):
        try:
            raw = s.recv(16 * 1024 * 1024)  # TLSRPT_MAX_READ_COLLECTD
        except socket.timeout:
            print("MISSING: fewer than %d datagrams" % count)
            bad = 1
            break
        try:
            for row in check(raw):
                print(row)
        except Refused as e:
            print("REFUSED %s: %s" % (e, raw.decode("utf-8", "replace")))
            bad = 1
        sys.stdout.flush()
    s.close()
    os.unlink(path)
    return bad


if __name__ == "__main__":
    sys.exit(main())
