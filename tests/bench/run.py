#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""run.py - `make bench`: every figure of docs/BENCHMARKS.md, measured
against the test world (with WORLD_BULK policy domains), side by side
with Debian's postfix-mta-sts-resolver where there is a peer. Prints the
table and rewrites docs/BENCHMARKS.md. Figures only: nothing is asserted.

Environment: BUILD (build dir), BENCH_QUICK=1 for a short run.
"""
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
key = {}           # the issue-17 figures, for the targets table


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
        if (ours[0] if better == "lower" else peer[0]) <= 0:
            # a difference of two medians at or below zero: the cost is
            # under what this measurement resolves
            ratio = "– (ours ≤ 0: below the resolution)"
        else:
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
    walls, cpus = [], []
    for _ in range(RUNS):
        wall = cpu = 0
        for _ in range(n):
            a, b = child_usage([os.path.join(BUILD, "mtasts"), "-c", conf,
                                "route", "--exim", "enforce.test"])
            wall += a
            cpu += b
        walls.append(wall * 1000 / n)
        cpus.append(cpu * 1000 / n)
    row("3. mtasts route --exim per call (${run} path), wall", stats(walls), "ms")
    row("3. mtasts route --exim per call (${run} path), CPU", stats(cpus), "ms")
    key["run"] = stats(cpus)
    # mtasts-run, the ${run} front end linked without the network: a
    # cached domain not due for a refresh (the world's max_age is the
    # default refresh_interval, so every domain is due unless it is
    # shorter; a due domain is the full mtasts' row above plus an exec).
    small = conf + ".run"
    with open(small, "w") as f:
        f.write(open(conf).read() + "refresh_interval = 3600\n")
    subprocess.run([os.path.join(BUILD, "mtasts"), "-c", small, "route",
                    "enforce.test"], stdout=subprocess.DEVNULL)
    walls, cpus = [], []
    for _ in range(RUNS):
        wall = cpu = 0
        for _ in range(n):
            a, b = child_usage([os.path.join(BUILD, "mtasts-run"), "-c",
                                small, "route", "--exim", "enforce.test"])
            wall += a
            cpu += b
        walls.append(wall * 1000 / n)
        cpus.append(cpu * 1000 / n)
    row("3. mtasts-run route --exim per call (cached), wall", stats(walls), "ms")
    row("3. mtasts-run route --exim per call (cached), CPU", stats(cpus), "ms",
        note="linked without libunbound, libcurl, OpenSSL")
    key["run_small"] = stats(cpus)


def fig_floors(w, conf):
    """What no implementation can go below on this machine."""
    n = 200 if QUICK else 500
    walls, cpus = [], []
    for _ in range(RUNS):
        wall = cpu = 0
        for _ in range(n):
            a, b = child_usage([os.path.join(BUILD, "nop")])
            wall += a
            cpu += b
        walls.append(wall * 1000 / n)
        cpus.append(cpu * 1000 / n)
    row("floor: process start of a static trivial binary, CPU", stats(cpus),
        "ms", note="fork + exec + exit, as measured from Python")
    key["floor_proc"] = stats(cpus)
    xs = []
    for _ in range(RUNS):
        out = bench(conf, "tls", "127.0.10.2", "mta-sts.b00001.bulk.test",
                    os.path.join(w, "ca", "bundle.pem"), 100 if QUICK else 300)
        xs.append(float(out.split()[0]) / 1e6)
    row("floor: bare TLS 1.3 handshake (verified), client CPU", stats(xs),
        "ms", note="OpenSSL, CA file parsed once, no DNS, no HTTP")
    key["floor_tls"] = stats(xs)
    # What a policy fetch adds on top of the handshake without libcurl
    # (the GET and its response), and with the SSL_CTX libcurl 7.88
    # builds for every connection: the TLS path's share of a cold domain.
    for mode, what in (("get", "+ the policy GET"),
                       ("get-ctx", "+ the GET + an SSL_CTX per connection")):
        xs = []
        for _ in range(RUNS):
            out = bench(conf, "tls", "127.0.10.2", "mta-sts.b00001.bulk.test",
                        os.path.join(w, "ca", "bundle.pem"),
                        100 if QUICK else 300, mode)
            xs.append(float(out.split()[0]) / 1e6)
        row("floor: TLS handshake %s, client CPU" % what, stats(xs), "ms",
            note="bench tls ... %s" % mode)
        key["floor_tls_" + mode.replace("-", "_")] = stats(xs)


def fig_table(conf):
    """table-mtasts as smtpd runs it, over a socketpair (protocol 0.1)."""
    tb = os.path.join(BUILD, "table_bench")
    subprocess.run([os.path.join(BUILD, "mtasts"), "-c", conf, "route",
                    "enforce.test"], stdout=subprocess.DEVNULL)
    # log_level = notice: the table logs a line per answer at info (a
    # syslog write and a stderr write), which log_level now filters.
    quiet = conf + ".notice"
    with open(quiet, "w") as f:
        f.write(open(conf).read() + "log_level = notice\n")
    conf = quiet
    look, floor, hwm = [], [], []
    for _ in range(RUNS):
        a, b, c = subprocess.run(
            [tb, os.path.join(BUILD, "table-mtasts"), conf, "enforce.test",
             "5000" if QUICK else "20000"], stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, check=True).stdout.split()
        look.append(float(a))
        floor.append(float(b))
        hwm.append(int(c) / 1024)
    row("4. OpenSMTPD table lookup (relayhost, real protocol, socketpair)",
        stats(look), "ns", note="cached route; log_level = notice")
    row("floor: IPC round trip over the same socketpair", stats(floor), "ns",
        note="a child answering each line at once")
    # Extra rows (issue 17, round 2): the same exchange with the bench,
    # the table and the floor's child pinned to one CPU, so that a
    # wakeup is a context switch there, not an interrupt to the other
    # CPU (which a VM pays with an exit). The rows above are unchanged.
    plook, pfloor = [], []
    for _ in range(RUNS):
        a, b, _c = subprocess.run(
            [tb, os.path.join(BUILD, "table-mtasts"), conf, "enforce.test",
             "5000" if QUICK else "20000", "pin"], stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, check=True).stdout.split()
        plook.append(float(a))
        pfloor.append(float(b))
    row("4. same, all three processes pinned to one CPU", stats(plook), "ns",
        note="extra row: no cross-CPU wakeups")
    row("floor: same IPC round trip, pinned to one CPU", stats(pfloor), "ns",
        note="extra row")
    row("4. table-mtasts VmHWM", stats(hwm), "MiB")
    key["table"] = stats(look)
    key["floor_ipc"] = stats(floor)
    key["table_hwm"] = stats(hwm)


def exim_be_cost(x, expr, n):
    """Wall and CPU ms of one fresh `exim -be EXPR` process."""
    walls, cpus = [], []
    for _ in range(n):
        a, b = child_usage(["exim4", "-C", os.path.join(x, "exim.conf"),
                            "-be", expr])
        walls.append(a * 1e3)
        cpus.append(b * 1e3)
    return statistics.median(walls), statistics.median(cpus)


def fig_delivery(w, peer):
    """Exim forks a process per delivery: what its first decision costs,
    as a fresh exim process pays it (dlopen + context + first decision)
    against one ${readsocket} to the peer, each minus a bare exim -be."""
    if not shutil.which("exim4"):
        return
    x = os.path.join(w, "exim")
    exim_bash(w, "exim_setup; sed -i 's/^dns_min_ttl = .*/dns_min_ttl = 3600/; "
              "s|^ca_file = .*|ca_file = %s/ca/bundle.pem|' $X/mtasts.conf; "
              "%s -c $X/mtasts.conf route enforce.test >/dev/null; "
              "chown -R Debian-exim $X/cache" % (w, os.path.join(BUILD, "mtasts")))
    so = os.path.join(BUILD, "mtasts_exim.so")
    ours = "${dlfunc{%s}{mtasts_exim_mode}{enforce.test}{%s/mtasts.conf}}" % (
        so, x)
    theirs = "${readsocket{inet:127.0.10.3:8461}{17:test enforce.test,}}"
    n = 40 if QUICK else 120
    exprs = {"base": "${lc:X}", "ours": ours}
    if peer is not None:
        exprs["peer"] = theirs
    # The three run in turn, a fresh process each, and each figure is
    # the median of (that process - the bare one run just before it):
    # pairing cancels the drift of a shared machine, which blocks of
    # one kind then the other (as before) did not.
    res = {"base": [], "ours": [], "peer": []}
    for _ in range(RUNS):
        diffs = {k: ([], []) for k in exprs if k != "base"}
        bases = []
        for _ in range(n):
            b = exim_be_cost(x, exprs["base"], 1)
            bases.append(b[1])
            for k in diffs:
                c = exim_be_cost(x, exprs[k], 1)
                diffs[k][0].append(c[0] - b[0])
                diffs[k][1].append(c[1] - b[1])
        res["base"].append((0.0, statistics.median(bases)))
        for k in diffs:
            res[k].append((statistics.median(diffs[k][0]),
                           statistics.median(diffs[k][1])))
    d = lambda k, i: [r[i] for r in res[k]]
    row("floor: a fresh exim -be process, CPU", stats([b[1] for b in res["base"]]),
        "ms", note="Exim 4.96 start, config read")
    for i, what in ((0, "wall"), (1, "CPU")):
        row("1. first decision in a fresh exim (dlopen + context + lookup), %s"
            % what, stats(d("ours", i)), "ms",
            stats(d("peer", i)) if res["peer"] else None,
            note="minus a bare exim -be; peer: one ${readsocket}")
    key["delivery_wall"] = stats(d("ours", 0))
    key["delivery_cpu"] = stats(d("ours", 1))
    if res["peer"]:
        key["delivery_peer_wall"] = stats(d("peer", 0))
        key["delivery_peer_cpu"] = stats(d("peer", 1))


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
    env = dict(os.environ, SSL_CERT_FILE=os.path.join(w, "ca", "bundle.pem"))
    p = subprocess.Popen(
        ["unshare", "-m", "sh", "-c",
         'mount --bind "$1" /etc/resolv.conf && exec mta-sts-daemon -c "$2" -v warn',
         "sh", os.path.join(w, "peer-resolv.conf"), os.path.join(w, "peer.yml")],
        env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(w, "peer.log"), "w"))
    for _ in range(100):
        if sockmap(1, 1, ["enforce.test"]) is not None:
            return p
        time.sleep(0.1)
    p.kill()
    return None


def sockmap(conns, n, domains):
    """tests/bench/sockmap_client: (ns per query, ok, total) or None."""
    r = subprocess.run([os.path.join(BUILD, "sockmap_client"), "127.0.10.3",
                        "8461", "test", str(conns), str(n)] + domains,
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None
    ns, ok, total = r.stdout.split()
    return float(ns), int(ok), int(total)


def peer_figures(p, w, domains):
    """The peer asked as Postfix asks: one request at a time on a
    persistent connection (a C client, so no client cost of ours is in
    the figure). Warm: one connection; cold: 16, like our refresh."""
    r = sockmap(1, 1, ["enforce.test"])
    if r is None or r[1] != 1:
        print("peer: enforce.test is not OK: %r" % (r,), flush=True)
    n = 2000 if QUICK else 10000
    warm = [sockmap(1, n, ["enforce.test"])[0] for _ in range(RUNS)]
    pid = p.pid          # unshare and sh exec: the daemon itself
    c0 = pid_cpu(pid)
    t = time.time()
    r = sockmap(16, 1, domains)
    wall = time.time() - t
    ok = r[1] if r else 0
    cold = [(len(domains) / wall, (pid_cpu(pid) - c0) / len(domains) * 1e3)]
    return warm, cold, ok


def vmhwm_mib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0


# ----------------------------------------------------------------------


def fig_scale(conf, w):
    sizes = ((1000, 0, 0), (100000, 0, 0)) if QUICK else (
        (1000, 0, 0), (100000, 0, 0), (1000000, 0, 0), (1000000, 1000003, 0),
        (1000000, 1000003, 1))
    for size, hsize, mmap in sizes:
        out = bench(conf, "scale", size, 200000, hsize, mmap,
                    env=dict(os.environ, BENCH_DIR=w))
        rate, nbytes = out.split()
        row("6. random cached lookups, %s policies in the cache%s%s" % (
            "{:,}".format(size), ", cache_hash_size = %d" % hsize if hsize else "",
            ", cache_mmap = yes" if mmap else ""),
            (float(rate),) * 3, "/s", better="higher",
            note="file %.1f MB" % (int(nbytes) / 1e6))
        key["scale"] = (float(rate),) * 3


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
        "load average at the start: %.1f (1 min), %.1f (15 min)" % (
            os.getloadavg()[0], os.getloadavg()[2]),
        "mtasts %s; %s; %s" % (ver([os.path.join(BUILD, "mtasts"), "--version"]),
                               ver(["nsd", "-v"]) or "nsd", ver(["exim4", "--version"])),
        "peer: Debian postfix-mta-sts-resolver %s" % (
            ver(["dpkg-query", "-W", "-f", "${Version}", "postfix-mta-sts-resolver"]) or "n/a"),
    ]


# The issue's targets, and the same targets as ratios: issue 17 measured
# the peer on its own machine (first decision 0.62 ms, cold CPU 1.44 ms,
# cold refresh 517-578/s, a cached query 32 µs, VmHWM 34.8 MiB, an IPC
# floor of 3.3 µs); a target divided by that figure is the ratio this run
# must show against the peer (or the floor) measured beside us.
TARGETS = [
    # key, peer/floor key, absolute target, better, issue's peer figure
    # the issue asks 2.5x outright for the first decision: 0.25 ms of 0.625
    ("delivery_wall", "delivery_peer_wall", 0.25, "lower", 0.625),
    ("delivery_cpu", "delivery_peer_cpu", 0.25, "lower", 0.625),
    ("cold_cpu", "cold_peer_cpu", 1.0, "lower", 1.44),
    ("cold_rate", "cold_peer_rate", 1000.0, "higher", 547.5),
    ("hot", "peer_warm", 200.0, "lower", 32000.0),
    ("table", "floor_ipc", 5000.0, "lower", 3300.0),
    ("table_hwm", "peer_hwm", 3.0, "lower", 34.8),
    ("run", None, 1.0, "lower", None),
    ("run_small", None, 1.0, "lower", None),
    ("scale", None, 500000.0, "higher", None),
]


def verdict(k, pk, target, better, issue_peer):
    """'yes', 'no', or 'as a ratio only' for one target of this run."""
    if k not in key:
        return "not measured"
    now = key[k][0]
    met = now <= target if better == "lower" else now >= target
    if met and not k.startswith("delivery"):
        return "yes"
    if pk is None or pk not in key or issue_peer is None:
        return "no"
    want = issue_peer / target if better == "lower" else target / issue_peer
    peer = key[pk][0]
    if pk == "floor_ipc":       # the floor: at most target/floor times it
        got, want = now / peer, target / issue_peer
        return "%s: %.2f× the IPC floor (target ≤ %.2f×)" % (
            "as a ratio only" if got <= want else "no", got, want)
    if now <= 0:
        return "as a ratio only: ours ≤ 0 over the floor, below the resolution"
    got = peer / now if better == "lower" else now / peer
    if met:     # the first decision asks both: the bound and the ratio
        return "≤ %g ms yes; %.2f× cheaper than the peer (target ≥ %.2f×) %s" % (
            target, got, want, "yes" if got >= want else "no")
    return "%s: %.2f× the peer (target ≥ %.2f×)" % (
        "as a ratio only" if got >= want else "no", got, want)


def targets_table():
    """The issue-17 table: now, the peer, the target, from this run."""
    f = lambda k, u: fmt(key[k], u) if k in key else "not measured"
    ms = lambda k: f(k, "ms")
    v = {t[0]: verdict(*t) for t in TARGETS}
    t = [("first decision in a fresh Exim process (wall / CPU)",
          "%s / %s" % (ms("delivery_wall"), ms("delivery_cpu")),
          "%s / %s" % (ms("delivery_peer_wall"), ms("delivery_peer_cpu")),
          "≤ 0.25 ms, ≥ 2.5× cheaper than the peer", "floor_proc",
          "wall %s; CPU %s" % (v["delivery_wall"], v["delivery_cpu"])),
         ("cold policy, client CPU per domain, Debian's bundle", ms("cold_cpu"),
          ms("cold_peer_cpu"), "≤ 1 ms", "floor_tls", v["cold_cpu"]),
         ("cold refresh, %d fresh domains, 2 cores, servers on the same cores"
          % BULK, f("cold_rate", "/s"), f("cold_peer_rate", "/s"), "≥ 1,000/s",
          "floor_tls", v["cold_rate"]),
         ("cached decision, in process", f("hot", "ns"), f("peer_warm", "ns"),
          "≤ 0.2 µs", None, v["hot"]),
         ("OpenSMTPD table lookup (real protocol, socketpair)", f("table", "ns"),
          "–", "≤ 5 µs", "floor_ipc", v["table"]),
         ("table-mtasts VmHWM", f("table_hwm", "MiB"), f("peer_hwm", "MiB"),
          "≤ 3 MiB", None, v["table_hwm"]),
         ("`${run}` call (`mtasts route --exim`), CPU", ms("run"), "–", "≤ 1 ms",
          "floor_proc", v["run"]),
         ("`${run}` call through `mtasts-run` (cached), CPU", ms("run_small"),
          "–", "≤ 1 ms", "floor_proc", v["run_small"]),
         ("1M cached policies, random lookups (cache_hash_size = 1000003, "
          "cache_mmap = yes)", f("scale", "/s"), "–",
          "≥ 500k/s", None, v["scale"])]
    floors = {"floor_proc": "process start %s" % ms("floor_proc"),
              "floor_tls": "TLS 1.3 handshake %s CPU" % ms("floor_tls"),
              "floor_ipc": "IPC round trip %s" % f("floor_ipc", "ns")}
    lines = ["| figure | now | peer | target | floor | met |",
             "|---|---|---|---|---|---|"]
    for name, now, peer, target, fl, met in t:
        lines.append("| %s | %s | %s | %s | %s | %s |" % (
            name, now, peer, target, floors.get(fl, "–") if fl else "–", met))
    lines += ["", "\"met\": \"yes\" when the absolute target holds in this run; "
              "\"as a ratio only\" when it does not, but the ratio the issue's "
              "target implies (the target over the peer's figure as the issue "
              "measured it on its machine) holds against the peer (or the floor) "
              "measured beside us in this run."]
    return lines


def write_doc(info, cold_note):
    lines = ["# Benchmarks", "",
             "Written by `make bench` (tests/bench/run.py); rerun it to refresh.",
             "Median of %d runs (min–max in brackets) unless one number is shown." % RUNS,
             ""] + ["- " + i for i in info] + [
             "", "## Targets (issue 17)", ""] + targets_table() + [
             "", "## All figures", "",
             "| figure | mtasts | postfix-mta-sts-resolver | ratio | note |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append("| %s |" % " | ".join(x.replace("|", "/") for x in r))
    lines += ["", open(os.path.join(ROOT, "tests", "bench", "METHOD.md")).read(),
              "", open(os.path.join(ROOT, "tests", "bench", "NOTES.md")).read()]
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
        bundle = os.path.join(w, "ca", "bundle.pem")
        with open(conf, "w") as f:
            # Debian's CA bundle + the test CA, as a production host
            # trusts (the peer gets the same file); a hash size for the
            # 1M-policy figure's scale.
            f.write(open(os.path.join(w, "mtasts.conf")).read().replace(
                "dns_min_ttl = 0", "dns_min_ttl = 3600").replace(
                "ca_file = %s/ca/ca.pem" % w, "ca_file = %s" % bundle))
        info = machine()
        print("\n".join(info), flush=True)
        print("%-58s %-34s %-34s %s" % ("figure", "mtasts", "peer", "ratio"))
        fig_floors(w, conf)
        fig_hot(conf)
        fig_hot_shared(w, conf)
        fig_dlfunc(conf)
        fig_exim_be(w)
        fig_cli(conf)
        fig_table(conf)
        domains = ["b%05d.bulk.test" % i for i in range(BULK)]
        ours = fig_cold(w, conf, domains)
        peer = peer_start(w)
        pw = pc = None
        if peer is not None:
            pw, pc, ok = peer_figures(peer, w, domains)
            key["peer_hwm"] = (vmhwm_mib(peer.pid),) * 3
        fig_delivery(w, peer)
        ours_warm = [float(bench(conf, "hot", "enforce.test", "mx.enforce.test",
                                 200000, 1)) for _ in range(RUNS)]
        row("1/peer. cached query: in-process verdict vs socketmap query",
            stats(ours_warm), "ns", stats(pw) if pw else None)
        key["hot"] = stats(ours_warm)
        if pw:
            key["peer_warm"] = stats(pw)
        row("5. cold: %d policy domains, refresh concurrency 16" % BULK,
            stats([x[0] for x in ours]), "/s",
            stats([x[0] for x in pc]) if pc else None, better="higher",
            note="TXT + HTTPS fetch + cache store; peer: 16 connections")
        row("5. cold: CPU per domain (client side)",
            stats([x[1] for x in ours]), "ms",
            stats([x[1] for x in pc]) if pc else None,
            note="peer: mta-sts-daemon process CPU")
        key["cold_rate"] = stats([x[0] for x in ours])
        key["cold_cpu"] = stats([x[1] for x in ours])
        if pc:
            key["cold_peer_rate"] = stats([x[0] for x in pc])
            key["cold_peer_cpu"] = stats([x[1] for x in pc])
        fig_scale(conf, w)
        fig_memory(w)
        cold_note = ""
        if pc is not None and ok != BULK:
            cold_note = "Peer cold run: %d of %d answers were OK." % (ok, BULK)
        write_doc(info, cold_note)
    finally:
        if peer is not None:
            peer.terminate()
            peer.wait(10)
        subprocess.run([WORLD, "down", w], stdout=subprocess.DEVNULL)
        shutil.rmtree(w, ignore_errors=True)


if __name__ == "__main__":
    main()
