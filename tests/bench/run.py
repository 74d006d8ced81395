#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""run.py - `make bench`: every figure of docs/BENCHMARKS.md, measured
against the test world (with WORLD_BULK policy domains), side by side
with Debian's postfix-mta-sts-resolver where there is a peer. Prints the
table and rewrites docs/BENCHMARKS.md. Figures only: nothing is asserted.

Environment: BUILD (build dir), BENCH_QUICK=1 for a short run.
"""
import asyncio
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
QUICK = os.environ.get("BENCH_QUICK") == "1"
BULK = 2000 if QUICK else 10000
RUNS = 3 if QUICK else 5
WORLD = os.path.join(ROOT, "tests", "world", "world.sh")
rows = []          # (figure, mtasts, peer, ratio, note)


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, check=True,
                          **kw).stdout


def stats(xs):
    return statistics.median(xs), min(xs), max(xs)


def fmt(v, unit):
    med, lo, hi = v
    if unit == "ns":
        f = lambda x: "%.2f µs" % (x / 1000) if x >= 1000 else "%.0f ns" % x
    elif unit == "ms":
        f = lambda x: "%.2f ms" % x
    elif unit == "/s":
        f = lambda x: "{:,.0f}/s".format(x)
    else:
        f = lambda x: "%.3g %s" % (x, unit)
    return "%s (%s–%s)" % (f(med), f(lo), f(hi))


def row(fig, ours, unit, peer=None, better="lower", note=""):
    ratio = ""
    if peer is not None:
        r = peer[0] / ours[0] if better == "lower" else ours[0] / peer[0]
        ratio = "%.1f×" % r
    rows.append((fig, fmt(ours, unit), fmt(peer, unit) if peer else "–",
                 ratio, note))
    print("%-58s %-34s %-34s %s %s" % (fig, rows[-1][1], rows[-1][2], ratio,
                                       note), flush=True)


def child_usage(cmd, **kw):
    """Wall seconds, CPU seconds of the command's process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.time()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
    wall = time.time() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def pid_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


# ----------------------------------------------------------------------
# mtasts figures


def bench(conf, *args, **kw):
    return sh([os.path.join(BUILD, "bench"), conf] + [str(a) for a in args], **kw)


def fig_hot(conf):
    for dom, mx, what in (("enforce.test", "mx.enforce.test", "policy"),
                          ("nopolicy.test", "mx.nopolicy.test", "no policy")):
        for procs in (1, 2, 4):
            xs = [float(bench(conf, "hot", dom, mx, 200000, procs))
                  for _ in range(RUNS)]
            row("1. cached verdict, %s, %d process%s" % (
                what, procs, "" if procs == 1 else "es sharing the cache"),
                stats(xs), "ns")
    xs = [float(bench(conf, "route", "enforce.test", 100000))
          for _ in range(RUNS)]
    row("1. route from the cache (policy + MX answer; OpenSMTPD table)",
        stats(xs), "ns")
    xs = [float(bench(conf, "record", "enforce.test", 20000))
          for _ in range(RUNS)]
    row("6. TLS-RPT: one session outcome counted (results store)",
        stats(xs), "ns", note="two locked tdb updates per session")
    xs = [float(x) for x in bench(conf, "first", "enforce.test",
                                  "mx.enforce.test", 30 if QUICK else 100).split()]
    row("1. first verdict in a fresh process (context opened)",
        stats([x / 1e6 for x in xs]), "ms")


def fig_hot_shared(w, conf):
    """The cached decision with a fleet's shared level (Redis) configured:
    the hot path never talks to it, so the figures must match fig 1."""
    rd = os.path.join(w, "redis")
    os.makedirs(rd, exist_ok=True)
    net = os.environ.get("WORLD_NET", "127.0.10")
    try:
        subprocess.run(["redis-server", "--bind", net + ".40", "--port", "6379",
                        "--dir", rd, "--save", "", "--daemonize", "yes",
                        "--pidfile", os.path.join(rd, "pid")], check=True,
                       stdout=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError):
        print("no redis-server: shared-level figures skipped", flush=True)
        return
    sconf = os.path.join(w, "bench-shared.conf")
    with open(sconf, "w") as f:
        f.write(open(conf).read() + "shared_store = redis://%s.40:6379\n" % net)
    def conns():
        out = subprocess.run(["redis-cli", "-h", net + ".40", "-p", "6379",
                              "info", "stats"], capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            if line.startswith("total_connections_received:"):
                return int(line.split(":")[1])
        return -1
    try:
        bench(sconf, "hot", "enforce.test", "mx.enforce.test", 1000, 1)
        for dom, mx, what in (("enforce.test", "mx.enforce.test", "policy"),
                              ("nopolicy.test", "mx.nopolicy.test", "no policy")):
            c0 = conns()
            xs = [float(bench(sconf, "hot", dom, mx, 200000, 1))
                  for _ in range(RUNS)]
            # conns() itself is one connection.
            row("1. cached verdict, %s, 1 process, shared level (Redis) "
                "configured" % what, stats(xs), "ns",
                note="%d connections to Redis in %d runs" % (
                    conns() - c0 - 1, RUNS))
    finally:
        subprocess.run(["redis-cli", "-h", net + ".40", "-p", "6379",
                        "shutdown", "nosave"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def exim_host(conf, dom, n):
    return float(sh([os.path.join(BUILD, "exim_host"),
                     os.path.join(BUILD, "mtasts_exim.so"), conf, "bench",
                     dom, str(n)]))


def fig_dlfunc(conf):
    xs = [exim_host(conf, "nopolicy.test", 100000) for _ in range(RUNS)]
    row("2. dlfunc mtasts_exim_route, no-policy domain", stats(xs), "ns")
    xs = [exim_host(conf, "enforce.test", 1000) for _ in range(RUNS)]
    row("2. dlfunc mtasts_exim_route, enforce (policy and MX cached)",
        stats(xs), "ns", note="MX answer cached for its TTL")


def exim_bash(w, script):
    """Run a bash snippet with tests/lib/exim.sh loaded for world w."""
    pre = ('cd %s; . tests/lib/tap.sh; W=%s; . "$W/env"; CONF=$W/mtasts.conf; '
           'BUILD=%s; . tests/lib/exim.sh; X=$W/exim; EXIM_BIN=$(command -v exim4); '
           % (ROOT, w, BUILD))
    return subprocess.run(["bash", "-c", pre + script], capture_output=True,
                          text=True)


def fig_exim_be(w):
    if not shutil.which("exim4"):
        return
    exim_bash(w, "exim_setup")
    n = 2000 if QUICK else 5000
    so = os.path.join(BUILD, "mtasts_exim.so")
    for what, line in (
            ("with dlfunc", "${dlfunc{%s}{mtasts_exim_mode}{enforce.test}{%s/exim/mtasts.conf}}"
             % (so, w)),
            ("without (${lc:...})", "${lc:ENFORCE.TEST}")):
        path = os.path.join(w, "be.txt")
        with open(path, "w") as f:
            f.write((line + "\n") * n)
        xs = []
        for _ in range(RUNS):
            t = time.time()
            r = exim_bash(w, "exim -be < %s > /dev/null" % path)
            xs.append(n / (time.time() - t))
        row("2. exim -be expansions, %s" % what, stats(xs), "/s",
            better="higher")


def fig_cli(conf):
    n = 100 if QUICK else 300
    xs = []
    for _ in range(RUNS):
        t = time.time()
        for _ in range(n):
            subprocess.run([os.path.join(BUILD, "mtasts"), "-c", conf, "route",
                            "--exim", "enforce.test"], stdout=subprocess.DEVNULL)
        xs.append((time.time() - t) * 1000 / n)
    row("3. mtasts route --exim per call (${run} path)", stats(xs), "ms")


def fig_cold(w, conf, domains):
    cold = os.path.join(w, "cold.conf")
    res = []
    for i in range(1):   # one run: 10,000 fetches take a minute
        cache = os.path.join(w, "cold%d.tdb" % i)
        with open(cold, "w") as f:
            f.write(open(conf).read() + "cache_file = %s\nrefresh_concurrency = 16\n"
                    % cache)
        wall, cpu = child_usage([os.path.join(BUILD, "mtasts"), "-c", cold,
                                 "refresh"] + domains)
        res.append((len(domains) / wall, cpu / len(domains) * 1e3))
    return res


# ----------------------------------------------------------------------
# the peer: postfix-mta-sts-resolver (mta-sts-daemon, socketmap on TCP)

PEER_CONF = """host: 127.0.10.3
port: 8461
reuse_port: true
shutdown_timeout: 1
cache:
  type: internal
  options:
    cache_size: 100000
default_zone:
  strict_testing: false
  timeout: 4
zones:
  test:
    strict_testing: false
    timeout: 4
"""


def peer_start(w):
    if not shutil.which("mta-sts-daemon"):
        return None
    with open(os.path.join(w, "peer.yml"), "w") as f:
        f.write(PEER_CONF)
    with open(os.path.join(w, "peer-resolv.conf"), "w") as f:
        f.write("nameserver 127.0.10.1\n")
    env = dict(os.environ, SSL_CERT_FILE=os.path.join(w, "ca", "ca.pem"))
    p = subprocess.Popen(
        ["unshare", "-m", "sh", "-c",
         'mount --bind "$1" /etc/resolv.conf && exec mta-sts-daemon -c "$2" -v warn',
         "sh", os.path.join(w, "peer-resolv.conf"), os.path.join(w, "peer.yml")],
        env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(w, "peer.log"), "w"))
    for _ in range(100):
        try:
            asyncio.run(peer_query(["enforce.test"], 1))
            return p
        except OSError:
            time.sleep(0.1)
    p.kill()
    return None


def netstring(s):
    b = s.encode()
    return b"%d:%s," % (len(b), b)


async def peer_conn(domains, answers):
    r, wr = await asyncio.open_connection("127.0.10.3", 8461)
    for d in domains:
        wr.write(netstring("test " + d))
        await wr.drain()
        n = int((await r.readuntil(b":"))[:-1])
        answers.append((await r.readexactly(n + 1))[:-1].decode())
    wr.close()


async def peer_query(domains, conns):
    answers = []
    chunks = [domains[i::conns] for i in range(conns)]
    await asyncio.gather(*(peer_conn(c, answers) for c in chunks if c))
    return answers


def peer_figures(p, w, domains):
    ans = asyncio.run(peer_query(["enforce.test"], 1))
    if not ans[0].startswith("OK"):
        print("peer: unexpected answer %r" % ans, flush=True)
    n = 2000 if QUICK else 10000
    warm = []
    for _ in range(RUNS):
        t = time.time()
        asyncio.run(peer_query(["enforce.test"] * n, 1))
        warm.append((time.time() - t) * 1e9 / n)
    cold = []
    pid = int(sh(["pgrep", "-n", "-f", "mta-sts-daemon"]).split()[0])
    c0 = pid_cpu(pid)
    t = time.time()
    answers = asyncio.run(peer_query(domains, 16))
    wall = time.time() - t
    ok = sum(1 for a in answers if a.startswith("OK"))
    cold.append((len(domains) / wall, (pid_cpu(pid) - c0) / len(domains) * 1e3))
    return warm, cold, ok


# ----------------------------------------------------------------------


def fig_scale(conf, w):
    sizes = (1000, 100000) if QUICK else (1000, 100000, 1000000)
    for size in sizes:
        out = bench(conf, "scale", size, 200000, env=dict(os.environ, BENCH_DIR=w))
        rate, nbytes = out.split()
        row("6. random cached lookups, %s policies in the cache" % "{:,}".format(size),
            (float(rate),) * 3, "/s", better="higher",
            note="file %.1f MB" % (int(nbytes) / 1e6))


def fig_memory(w):
    if not shutil.which("exim4"):
        return
    res = {}
    for what, rcpt, strip in (("with mtasts_exim.so", "a@enforce.test", False),
                              ("without (no mtasts router)", "a@nopolicy.test", True)):
        script = ""
        if strip:
            script = ("sed -i '/^mtasts_enforce:/,/^$/d' $X/exim.conf; ")
        script += ("printf 'Subject: m\\n\\nx\\n' | exim -odi -f s@sender.test %s; "
                   "python3 -c 'import resource; print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)'"
                   % rcpt)
        exim_bash(w, "exim_setup")
        r = exim_bash(w, script)
        try:
            res[what] = int(r.stdout.split()[-1]) / 1024
        except (ValueError, IndexError):
            return
        row("7. peak RSS of an Exim delivery, %s" % what, (res[what],) * 3, "MiB")


def machine():
    cpu = ""
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    ver = lambda c: subprocess.run(c, capture_output=True, text=True).stdout.split("\n")[0]
    return [
        "machine: %s, %d cores, %s" % (cpu, os.cpu_count(), platform.platform()),
        "mtasts %s; %s; %s" % (ver([os.path.join(BUILD, "mtasts"), "--version"]),
                               ver(["nsd", "-v"]) or "nsd", ver(["exim4", "--version"])),
        "peer: Debian postfix-mta-sts-resolver %s" % (
            ver(["dpkg-query", "-W", "-f", "${Version}", "postfix-mta-sts-resolver"]) or "n/a"),
    ]


def write_doc(info, cold_note):
    lines = ["# Benchmarks", "",
             "Written by `make bench` (tests/bench/run.py); rerun it to refresh.",
             "Median of %d runs (min–max in brackets) unless one number is shown." % RUNS,
             ""] + ["- " + i for i in info] + [
             "", "| figure | mtasts | postfix-mta-sts-resolver | ratio | note |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append("| %s |" % " | ".join(x.replace("|", "/") for x in r))
    lines += ["", open(os.path.join(ROOT, "tests", "bench", "METHOD.md")).read()]
    if cold_note:
        lines += ["", cold_note]
    with open(os.path.join(ROOT, "docs", "BENCHMARKS.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    w = tempfile.mkdtemp(prefix="mtasts-bench.")
    env = dict(os.environ, WORLD_BULK=str(BULK))
    subprocess.run([WORLD, "up", w], check=True, env=env, stdout=subprocess.DEVNULL)
    peer = None
    try:
        conf = os.path.join(w, "bench.conf")
        with open(conf, "w") as f:
            f.write(open(os.path.join(w, "mtasts.conf")).read().replace(
                "dns_min_ttl = 0", "dns_min_ttl = 3600"))
        info = machine()
        print("\n".join(info), flush=True)
        print("%-58s %-34s %-34s %s" % ("figure", "mtasts", "peer", "ratio"))
        fig_hot(conf)
        fig_hot_shared(w, conf)
        fig_dlfunc(conf)
        fig_exim_be(w)
        fig_cli(conf)
        domains = ["b%05d.bulk.test" % i for i in range(BULK)]
        ours = fig_cold(w, conf, domains)
        peer = peer_start(w)
        pw = pc = None
        if peer is not None:
            pw, pc, ok = peer_figures(peer, w, domains)
        ours_warm = [float(bench(conf, "hot", "enforce.test", "mx.enforce.test",
                                 200000, 1)) for _ in range(RUNS)]
        row("1/peer. cached query: in-process verdict vs socketmap query",
            stats(ours_warm), "ns", stats(pw) if pw else None)
        row("5. cold: %d policy domains, refresh concurrency 16" % BULK,
            stats([x[0] for x in ours]), "/s",
            stats([x[0] for x in pc]) if pc else None, better="higher",
            note="TXT + HTTPS fetch + cache store; peer: 16 connections")
        row("5. cold: CPU per domain (client side)",
            stats([x[1] for x in ours]), "ms",
            stats([x[1] for x in pc]) if pc else None,
            note="peer: mta-sts-daemon process CPU")
        fig_scale(conf, w)
        fig_memory(w)
        cold_note = ""
        if pc is not None and ok != BULK:
            cold_note = "Peer cold run: %d of %d answers were OK." % (ok, BULK)
        write_doc(info, cold_note)
    finally:
        if peer is not None:
            peer.terminate()
            subprocess.run(["pkill", "-f", "mta-sts-daemon -c %s" % w])
        subprocess.run([WORLD, "down", w], stdout=subprocess.DEVNULL)
        shutil.rmtree(w, ignore_errors=True)


if __name__ == "__main__":
    main()
