#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench/review_gen.py N_SESSIONS OUTDIR: writes journal export streams (the
format of `journalctl -o export`, which systemd-journal-remote reads), one
per host, OUTDIR/jumpNN.export, with the records pam_nhiacct and nhiacct
would write for N_SESSIONS sessions on 20 jump hosts over 30 days, in time
order:

  per session: grant, open, close (the module); a warn for half of the
  sessions and a revoke (expired, withdrawn, manual) before the close for a
  quarter (the helper); and denials at random times (about 1.25 per
  session), so that there are five records per session: 200,000 sessions
  make 1,000,000 records.

Tickets CHG-100000.. each carry 10 sessions (spread over the 30 days), users
vendor0..vendor999 about 200 each.  Deterministic: the same input gives the
same streams.  Writes OUTDIR/meta.json (what bench/review_bench.py queries:
a ticket, a user, a one-day window) and a summary on stderr.
"""
import json
import os
import random
import sys
import time

N = int(sys.argv[1])
OUTDIR = sys.argv[2]
SESSIONS_PER_TICKET = 10
N_TICKETS = max(1, N // SESSIONS_PER_TICKET)
N_USERS = 1000
N_HOSTS = 20
T0 = 1793000000 * 1000000            # 2026-10-26, usec
SPAN = 30 * 86400 * 1000000          # 30 days
BOOT = "5f0c4e4a8c5b4d3e9b6e2d7f8a1c3b5d"
MACHINES = ["%032x" % (0xa000 + h) for h in range(N_HOSTS)]
IDS = {
    "grant": "6e8d6eb89f0e40bfa07113b94a74d544",
    "deny": "8310785ed9034f82afd31332e5fcd088",
    "open": "5e20c685e20346ffb60a8e6d1894b6eb",
    "close": "7cd6de60d89642c1b3b6126e875e42a4",
    "revoke": "d09631a45caa44358619e0e0f5b07be6",
    "warn": "e529a43b2f3e4c599cf1e759e8180cff",
}
PRIO = {"grant": "6", "open": "6", "close": "6", "deny": "5", "revoke": "5", "warn": "5"}
APPROVERS = ["alice", "bob", "carol", "dave", "erin", "frank"]
DENY_REASONS = ["expired", "not_found", "account_out_of_scope", "host_out_of_scope",
                "not_approved", "no_ticket"]
REVOKE_REASONS = ["expired", "withdrawn", "manual"]

rnd = random.Random(42)


def ticket_of(s):
    # Session s of ticket k: k = s % N_TICKETS, so a ticket's ten sessions
    # lie days apart, as repeated access under one change would.
    return s % N_TICKETS


def tid(k):
    return "CHG-%d" % (100000 + k)


def fmt_time(usec):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(usec // 1000000))


events = []          # (usec, seq, kind, session, user, ticket, host, reason, duration)
seq = 0
step = SPAN // N
for s in range(N):
    k = ticket_of(s)
    user = "vendor%d" % (rnd.randrange(N_USERS))
    host = rnd.randrange(N_HOSTS)
    opened = T0 + s * step + rnd.randrange(step)
    dur = rnd.randrange(60, 4 * 3600)
    sid = "%032x" % rnd.getrandbits(128)
    events.append((opened - 200000, seq, "grant", None, user, k, host, None, -1)); seq += 1
    events.append((opened, seq, "open", sid, user, k, host, None, -1)); seq += 1
    end = opened + dur * 1000000
    if rnd.random() < 0.5:
        events.append((end - 60 * 1000000, seq, "warn", sid, user, k, host, None, -1)); seq += 1
    if rnd.random() < 0.25:
        events.append((end, seq, "revoke", sid, user, k, host,
                       REVOKE_REASONS[rnd.randrange(3)], dur)); seq += 1
        events.append((end + 20000, seq, "close", sid, user, k, host, None, dur)); seq += 1
    else:
        events.append((end, seq, "close", sid, user, k, host, None, dur)); seq += 1
# Denials at random times, most naming a ticket: as many as make the
# total five records per session.
n_deny = 5 * N - len(events)
for d in range(n_deny):
    t = T0 + rnd.randrange(SPAN)
    reason = DENY_REASONS[d % len(DENY_REASONS)]
    k = None if reason == "no_ticket" else rnd.randrange(N_TICKETS)
    events.append((t, seq, "deny", None, "vendor%d" % rnd.randrange(N_USERS), k,
                   rnd.randrange(N_HOSTS), reason, -1)); seq += 1
events.sort()

outs = [open(os.path.join(OUTDIR, "jump%02d.export" % h), "wb") for h in range(N_HOSTS)]
bufs = [[] for h in range(N_HOSTS)]
nb = na = 0
pid = 4000
for (usec, _, kind, sid, user, k, host, reason, dur) in events:
    pid = pid + 1 if pid < 4000000 else 4000
    hostname = "jump%02d" % host
    helper = kind in ("warn", "revoke")
    ident = "nhiacct" if helper else "pam_nhiacct"
    un = int(user[6:])
    rhost = "10.%d.%d.%d" % (un >> 8, un & 255, host)
    e = [
        "__REALTIME_TIMESTAMP=%d" % usec,
        "__MONOTONIC_TIMESTAMP=%d" % (usec - T0 + 1000000),
        "_BOOT_ID=" + BOOT,
        "_MACHINE_ID=" + MACHINES[host],
        "_HOSTNAME=" + hostname,
        "_TRANSPORT=journal",
        "_UID=0", "_GID=0",
        "_PID=%d" % pid,
        "_COMM=" + ("nhiacct" if helper else "sshd"),
        "_EXE=" + ("/usr/sbin/nhiacct" if helper else "/usr/sbin/sshd"),
        "_SYSTEMD_UNIT=" + ("nhiacct-watch.service" if helper else "ssh.service"),
        "SYSLOG_IDENTIFIER=" + ident,
        "PRIORITY=" + PRIO[kind],
        "MESSAGE_ID=" + IDS[kind],
        "NHIACCT_EVENT=" + kind,
        "NHIACCT_USER=" + user,
        "NHIACCT_HOST=%s.example.com" % hostname,
    ]
    if not helper:
        e.append("NHIACCT_SERVICE=sshd")
        e.append("NHIACCT_RHOST=" + rhost)
    if k is not None:
        e.append("NHIACCT_TICKET=" + tid(k))
        if kind != "deny":
            e.append("NHIACCT_APPROVER=" + APPROVERS[k % len(APPROVERS)])
            e.append("NHIACCT_REQUESTER=acme-%d" % (k % 97))
            e.append("NHIACCT_PURPOSE=Maintenance window %d for change %s" % (k % 13, tid(k)))
            e.append("NHIACCT_NOT_AFTER=" + fmt_time(T0 + SPAN + 86400 * 1000000))
    if reason:
        e.append("NHIACCT_REASON=" + reason)
    if sid:
        e.append("NHIACCT_SESSION=" + sid)
    if dur >= 0:
        e.append("NHIACCT_DURATION=%d" % dur)
    if kind == "deny":
        msg = "Refused %s from %s: %s" % (user, rhost, reason)
        nb += 1
    elif kind == "grant":
        msg = "Granted %s from %s under ticket %s" % (user, rhost, tid(k))
    elif kind == "open":
        msg = "Session %s of %s from %s opened under ticket %s" % (sid, user, rhost, tid(k))
    else:
        msg = "Session %s of %s: %s (ticket %s)" % (sid, user, kind, tid(k))
    e.append("MESSAGE=" + msg)
    buf = bufs[host]
    buf.append("\n".join(e))
    buf.append("\n\n")
    na += 1
    if len(buf) >= 4000:
        outs[host].write("".join(buf).encode())
        buf.clear()
for h in range(N_HOSTS):
    outs[h].write("".join(bufs[h]).encode())
    outs[h].close()
meta = {
    "records": na, "sessions": N, "denials": nb, "tickets": N_TICKETS,
    "hosts": N_HOSTS, "ticket": tid(4217 % N_TICKETS), "user": "vendor17",
    "since": (T0 + SPAN // 3) // 1000000, "until": (T0 + SPAN // 3) // 1000000 + 86400,
}
with open(os.path.join(OUTDIR, "meta.json"), "w") as f:
    json.dump(meta, f)
print("review_gen: %d records, %d sessions, %d denials, %d tickets"
      % (na, N, nb, N_TICKETS), file=sys.stderr)
