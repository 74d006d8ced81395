#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""cold_ab.py - the cold-refresh figure of run.py (fig_cold), for two
builds in turn, interleaved (A B A B ...), against one test world: CPU
per domain of `mtasts refresh` and its children (getrusage), then the
wall rate. Figures only; run it inside a network namespace of its own.

usage: cold_ab.py [-n DOMAINS] [-r ROUNDS] [-j CONCURRENCY]
                  [--cgroup CLIENT_DIR SERVER_DIR] BUILD...
A world with WORLD_BULK=DOMAINS is brought up (or WORLD_DIR is used).

--cgroup: two existing CPU cgroup directories (cgroup v1 "cpu" or v2);
the refresh runs in the first, the world's nginx and nsd are moved into
the second, so that each side competes with other work on the machine
as one group rather than as its processes (the scheduler is fair per
task; tests/bench/NOTES.md, "Cold refresh: event DNS"). The same
directory twice, with a high cpu.shares (v1) or cpu.weight (v2), gives
both the cores as on an idle machine; the two in default groups gave
mixed results on a loaded machine.
"""
import argparse
import os
import resource
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORLD = os.path.join(ROOT, "tests", "world", "world.sh")


def child_usage(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.time()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.time() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + \
        (after.ru_stime - before.ru_stime)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("-r", type=int, default=3)
    ap.add_argument("-j", type=int, default=16)
    ap.add_argument("--cgroup", nargs=2, metavar=("CLIENT", "SERVER"))
    ap.add_argument("builds", nargs="+")
    a = ap.parse_args()
    w = os.environ.get("WORLD_DIR")
    up = w is None
    if up:
        w = tempfile.mkdtemp(prefix="mtasts-coldab.")
        subprocess.run([WORLD, "up", w], check=True, stdout=subprocess.DEVNULL,
                       env=dict(os.environ, WORLD_BULK=str(a.n)))
    domains = ["b%05d.bulk.test" % i for i in range(a.n)]
    pre = []
    if a.cgroup:
        servers = []
        for name in ("nginx", "nsd"):
            servers += subprocess.run(["pgrep", "-f", "%s.*%s" % (name, w)],
                                      capture_output=True,
                                      text=True).stdout.split()
        # their children (nginx's worker, nsd's server) follow the
        # master only when forked after the move: move every one
        for pid in servers + [c for p in servers for c in subprocess.run(
                ["pgrep", "-P", p], capture_output=True, text=True).stdout.split()]:
            with open(os.path.join(a.cgroup[1], "cgroup.procs"), "w") as f:
                f.write(pid)
        pre = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', a.cgroup[0]]
    res = {b: [] for b in a.builds}
    try:
        base = open(os.path.join(w, "mtasts.conf")).read()
        for r in range(a.r):
            for i, b in enumerate(a.builds):
                conf = os.path.join(w, "ab%d.conf" % i)
                cache = os.path.join(w, "ab%d-%d.tdb" % (i, r))
                with open(conf, "w") as f:
                    f.write(base + "cache_file = %s\nrefresh_concurrency = %d\n"
                            % (cache, a.j))
                wall, cpu = child_usage(pre + [os.path.join(b, "mtasts"), "-c", conf,
                                         "refresh"] + domains)
                res[b].append((cpu / a.n * 1e3, a.n / wall))
                print("round %d %-40s %.3f ms CPU/domain %6.0f /s" %
                      (r, b, res[b][-1][0], res[b][-1][1]), flush=True)
                os.unlink(cache)
    finally:
        if up:
            subprocess.run([WORLD, "down", w], stdout=subprocess.DEVNULL)
    for b in a.builds:
        c = [x[0] for x in res[b]]
        s = [x[1] for x in res[b]]
        print("%-40s CPU/domain %.3f ms (%.3f-%.3f)  rate %.0f/s (%.0f-%.0f)" %
              (b, statistics.median(c), min(c), max(c),
               statistics.median(s), min(s), max(s)))


if __name__ == "__main__":
    main()
