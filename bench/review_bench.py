#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench/review_bench.py NHIACCT JOURNAL_DIR META_JSON [RUNS]

Times `nhiacct review -D JOURNAL_DIR ... --json` against the do-it-yourself
path `journalctl -D JOURNAL_DIR MATCH -o json | jq -s -c -f review_join.jq`
for three questions (a ticket, a user, a one-day window), side by side:
one warm-up run each, then RUNS (default 7) runs, alternating between the
two; three times as many for the ticket and the user, which take
milliseconds and so are the most exposed to noise from other processes.  Both run as a person would run them: the binary directly, the pipeline
as two processes joined by a pipe, output thrown away.  First checks that
both answer the same (same rows for the ticket and the user; same sessions
and denials for the window, where nhiacct also completes the sessions that
cross its edges).  Prints a markdown table: medians, spread (min-max),
ratio; then the goal of issue 5 for the ticket question: under 1 s and at
least 5x faster.
"""
import json
import os
import statistics
import subprocess
import sys
import time

NHIACCT, JDIR, META = sys.argv[1:4]
RUNS = int(sys.argv[4]) if len(sys.argv) > 4 else 7
JOIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "review_join.jq")
EVENTS = ["grant", "deny", "open", "close", "revoke", "warn"]

with open(META) as f:
    meta = json.load(f)

# (label, review arguments, journalctl arguments, same rows exactly, runs)
cases = [
    (f"`--ticket {meta['ticket']}`", ["--ticket", meta["ticket"]],
     [f"NHIACCT_TICKET={meta['ticket']}"], True, 3 * RUNS),
    (f"`--user {meta['user']}`", ["--user", meta["user"]],
     [f"NHIACCT_USER={meta['user']}"], True, 3 * RUNS),
    ("`--since`/`--until`, one day",
     ["--since", f"@{meta['since']}", "--until", f"@{meta['until']}"],
     ["--since", f"@{meta['since']}", "--until", f"@{meta['until']}"] +
     [f"NHIACCT_EVENT={e}" for e in EVENTS], False, RUNS),
]


def ours(args, out=subprocess.DEVNULL):
    return subprocess.run([NHIACCT, "review", "-D", JDIR, "--json", *args],
                          stdout=out, check=True)


def diy(jargs, out=subprocess.DEVNULL):
    j = subprocess.Popen(["journalctl", "-D", JDIR, "-o", "json", *jargs],
                         stdout=subprocess.PIPE)
    q = subprocess.Popen(["jq", "-s", "-c", "-f", JOIN], stdin=j.stdout, stdout=out)
    j.stdout.close()
    rq, rj = q.wait(), j.wait()
    if rq or rj:
        raise SystemExit(f"journalctl|jq failed: {rj} {rq}")
    return q


def rows(text):
    return sorted(text.decode().splitlines())


def key(line):
    r = json.loads(line)
    return (r["type"], r.get("session") or (r.get("time"), r.get("user"), r.get("reason")))


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def ms(s):
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


print("# nhiacct review vs journalctl | jq\n")
print(f"Journal: {meta['records']:,} NHIACCT records ({meta['sessions']:,} sessions, "
      f"{meta['denials']:,} denials, {meta['tickets']:,} tickets) from {meta['hosts']} hosts "
      f"in {len(os.listdir(JDIR))} files under -D ({sum(os.path.getsize(os.path.join(JDIR, f)) for f in os.listdir(JDIR)) / 2**20:.0f} MiB), "
      f"page cache warm; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start; "
      f"{3 * RUNS} runs each for the ticket and the user, {RUNS} for the day, after a warm-up.\n")

results = []
for label, args, jargs, exact, runs in cases:
    a = subprocess.run([NHIACCT, "review", "-D", JDIR, "--json", *args],
                       capture_output=True, check=True).stdout
    b = subprocess.run(f"journalctl -D '{JDIR}' -o json " + " ".join(f"'{x}'" for x in jargs) +
                       f" | jq -s -c -f '{JOIN}'", shell=True, capture_output=True,
                       check=True).stdout
    ra, rb = rows(a), rows(b)
    same = ra == rb if exact else sorted(map(key, ra)) == sorted(map(key, rb))
    if not same:
        print(f"MISMATCH for {label}: nhiacct {len(ra)} rows, journalctl|jq {len(rb)} rows",
              file=sys.stderr)
        sys.exit(1)
    matched = subprocess.run(["journalctl", "-D", JDIR, "-q", "-o", "cat", *jargs],
                             capture_output=True, check=True).stdout.count(b"\n")
    t_ours, t_diy = [], []
    ours(args)
    diy(jargs)
    for _ in range(runs):
        t_ours.append(timed(lambda: ours(args)))
        t_diy.append(timed(lambda: diy(jargs)))
    results.append((label, matched, len(ra), t_ours, t_diy))

print("| question | records | rows | nhiacct review: median (min–max) "
      "| journalctl + jq: median (min–max) | ratio |")
print("|---|---:|---:|---:|---:|---:|")
for label, matched, n, t_o, t_d in results:
    mo, md = statistics.median(t_o), statistics.median(t_d)
    print(f"| {label} | {matched:,} | {n:,} | {ms(mo)} ({ms(min(t_o))}–{ms(max(t_o))}) "
          f"| {ms(md)} ({ms(min(t_d))}–{ms(max(t_d))}) | {md / mo:.1f}× |")

label, _, _, t_o, t_d = results[0]
mo, md = statistics.median(t_o), statistics.median(t_d)
ok = mo < 1.0 and md / mo >= 5
print(f"\nGoal (issue 5), {label}: under 1 s and at least 5× faster: "
      f"{ms(mo)}, {md / mo:.1f}× — {'met' if ok else 'NOT MET'}")
