#!/usr/bin/env python3
"""Compares the idle Anonymous memory of two or more usher binaries, each
running `sleep 5` in the caller's environment, interleaved, N rounds, and
prints each one's median, mean and the count of each figure. The stack's
randomized gap moves a single run between 12 and 16 KiB, so a median of 15
(the table in docs/benchmarks.md) can flip between them; this is the check
for "no more idle memory than before".

    python3 bench/idle_compare.py 60 OLD/usher NEW/usher
"""
import subprocess, sys, time, re, statistics, os
def anon(pid):
    return int(re.search(r"Anonymous:\s+(\d+) kB", open(f"/proc/{pid}/smaps_rollup").read()).group(1))
bins=sys.argv[2:]; n=int(sys.argv[1])
res={b:[] for b in bins}
for _ in range(n):
    for b in bins:
        p=subprocess.Popen([b,"--","sleep","5"],stderr=subprocess.DEVNULL)
        time.sleep(0.2); res[b].append(anon(p.pid)); p.kill(); p.wait()
for b in bins:
    v=res[b]; print(b, "median", statistics.median(v), "mean %.2f"%statistics.mean(v), {k:v.count(k) for k in sorted(set(v))})
