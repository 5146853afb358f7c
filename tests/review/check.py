#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks of `nhiacct review` against the private journal filled by fill.c.

usage: check.py NHIACCT M1 M2 M3 WORKDIR

M1, M2, M3: Unix times (seconds with decimals) taken between the phases
A | M1 | B | M2 | C | M3.  The expected rows are spelled out below; times
are read back from the journal itself with journalctl, an independent path.
Prints one line per check and ends with "N passed, N failed".
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys

NHIACCT, M1, M2, M3, WORK = sys.argv[1:6]

OPEN_ID = "5e20c685e20346ffb60a8e6d1894b6eb"
CLOSE_ID = "7cd6de60d89642c1b3b6126e875e42a4"
REVOKE_ID = "d09631a45caa44358619e0e0f5b07be6"
DENY_ID = "8310785ed9034f82afd31332e5fcd088"

T1 = dict(ticket="CHG-1001", approver="alice", requester="acme-jdoe",
          purpose="Apply vendor hotfix 4.2.1")
T2 = dict(ticket="CHG-2002", approver="bob\x1b[2J", requester="globex-ann",
          purpose="Rotate keys\nsecond line")
V1 = dict(user="vendor1", rhost="192.0.2.10", service="sshd")
V2 = dict(user="vendor2", rhost="198.51.100.20", service="sshd")
R0 = dict(reviewed_by=None, reviewed_at=None, review_note=None,  # nobody attested
          recorded=False, recording=None, boot_id=None)  # not recorded

SESSIONS = {
    "S-A1": dict(**R0, **V1, **T1, end="closed", reason=None, duration=5),
    "S-A2": dict(**R0, **V1, **T1, end="revoked-expired", reason="expired", duration=3600),
    "S-B1": dict(**R0, **V2, **T2, end="revoked-withdrawn", reason="withdrawn", duration=120),
    "S-B2": dict(**R0, **V2, **T2, end="open", reason=None, duration=None),
    "S-B3": dict(**R0, **V1, **T2, end="closed", reason=None, duration=30),
    "S-C1": dict(**R0, **V2, **T1, end="revoked-manual", reason="manual", duration=10),
}
ORDER = ["S-A1", "S-A2", "S-B1", "S-B2", "S-B3", "S-C1"]
DENIALS = [
    dict(**V2, ticket="CHG-1001", reason="account_out_of_scope"),
    dict(**V1, ticket=None, reason="no_ticket"),
    dict(**V2, ticket="CHG-2002", reason="expired"),
]
SESSION_KEYS = ["type", "session", "user", "host", "rhost", "service", "ticket",
                "approver", "requester", "purpose", "opened", "ended", "end",
                "reason", "duration", "reviewed_by", "reviewed_at", "review_note",
                "recorded", "recording", "boot_id"]
DENIAL_KEYS = ["type", "time", "user", "host", "rhost", "service", "ticket", "reason"]

passed = failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok - {what}")
    else:
        failed += 1
        print(f"not ok - {what}")
        if detail:
            for line in str(detail).splitlines():
                print(f"#   {line}")


def journal(*matches):
    out = subprocess.run(["journalctl", "-q", "--no-pager", "-a", "-o", "json", *matches],
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line]


def rfc3339(usec):
    t = datetime.datetime.fromtimestamp(int(usec) // 1000000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- expected rows, completed with times and host from the journal ------
for sid, row in SESSIONS.items():
    recs = journal(f"NHIACCT_SESSION={sid}", "_UID=0")
    by_id = {}
    for r in recs:
        by_id.setdefault(r["MESSAGE_ID"], r)
    row["type"] = "session"
    row["session"] = sid
    row["host"] = by_id[OPEN_ID]["_HOSTNAME"]
    row["opened"] = rfc3339(by_id[OPEN_ID]["__REALTIME_TIMESTAMP"])
    end = by_id.get(REVOKE_ID) or by_id.get(CLOSE_ID)
    row["ended"] = rfc3339(end["__REALTIME_TIMESTAMP"]) if end else None
denials = journal(f"MESSAGE_ID={DENY_ID}", "_UID=0")
check(len(denials) == 3, "journal holds 3 root denials", len(denials))
for d, rec in zip(DENIALS, denials):
    d["type"] = "denial"
    d["host"] = rec["_HOSTNAME"]
    d["time"] = rfc3339(rec["__REALTIME_TIMESTAMP"])
forged = journal("NHIACCT_SESSION=S-FORGED")
check(len(forged) == 1 and forged[0].get("_UID") != "0",
      "journal holds the forged record of an unprivileged user", forged)
HOST = SESSIONS["S-A1"]["host"]


def review(*args, env=None):
    return subprocess.run([NHIACCT, "review", *args], capture_output=True,
                          env=env, timeout=60)


def review_json(*args):
    p = review("--json", *args)
    if p.returncode != 0:
        return None, p.stderr.decode(errors="replace")
    rows = [json.loads(line) for line in p.stdout.decode().splitlines()]
    return rows, ""


def expect(args, sids, denial_idx, what=None):
    what = what or "review " + " ".join(args or ["(all)"])
    rows, err = review_json(*args)
    if rows is None:
        check(False, what, err)
        return
    want = [SESSIONS[s] for s in sids] + [DENIALS[i] for i in denial_idx]
    ok = rows == want
    detail = ""
    if not ok:
        detail = "want:\n" + "\n".join(json.dumps(w) for w in want) + \
                 "\ngot:\n" + "\n".join(json.dumps(g) for g in rows)
    check(ok, what, detail)
    for r in rows:
        keys = SESSION_KEYS if r.get("type") == "session" else DENIAL_KEYS
        if list(r.keys()) != keys:
            check(False, f"{what}: keys in stable order", list(r.keys()))
            return


# ---- joins and filters ---------------------------------------------------
expect([], ORDER, [0, 1, 2], "all rows: one per session, ends, denials")
expect(["--ticket", "CHG-1001"], ["S-A1", "S-A2", "S-C1"], [0])
expect(["--ticket", "CHG-2002"], ["S-B1", "S-B2", "S-B3"], [2])
expect(["--ticket", "CHG-9999"], [], [])
expect(["--user", "vendor1"], ["S-A1", "S-A2", "S-B3"], [1])
expect(["--user", "vendor2", "--ticket", "CHG-2002"], ["S-B1", "S-B2"], [2])
expect(["--user", "nobody-here"], [], [])
expect(["--since", "@" + M1], ["S-B1", "S-B2", "S-B3", "S-C1"], [1, 2])
expect(["--until", "@" + M1], ["S-A1", "S-A2"], [0])
# S-B3 closes after M2: its row is completed beyond the range.
expect(["--since", "@" + M1, "--until", "@" + M2], ["S-B1", "S-B2", "S-B3"], [1])
# S-B3 opened before M2: its open (approver, opened) is found all the same.
expect(["--since", "@" + M2], ["S-B3", "S-C1"], [2])
expect(["--since", "@" + M2, "--user", "vendor1"], ["S-B3"], [])
expect(["--since", "@" + M3], [], [])
check(True, "forged records stay out of every review (compared above)")

# ---- the table -----------------------------------------------------------
p = review("--utc")
out = p.stdout.decode("utf-8", errors="replace")
check(p.returncode == 0, "table: exit 0", p.stderr)
check("\x1b" not in out, "table: no raw escape character reaches the terminal")
check("bob\\x1b[2J" in out, "table: control characters shown escaped")
lines = out.splitlines()
try:
    s_head = lines.index("Sessions:") + 1
    d_head = lines.index("Denials:") + 1
except ValueError:
    s_head = d_head = None
check(s_head is not None and d_head is not None, "table: both sections", out)
if s_head is not None and d_head is not None:
    head = lines[s_head]
    rows = lines[s_head + 1:s_head + 1 + len(ORDER)]
    cols = ["OPENED", "ENDED", "DURATION", "END", "USER", "HOST", "RHOST", "TICKET",
            "APPROVER", "REC", "REVIEWER"]
    found = {m.group(): m.start() for m in re.finditer(r"\S+", head)}
    starts = [found.get(c, -1) for c in cols]
    check(list(found) == cols, "table: header", head)

    def cell(row, i):
        end = starts[i + 1] if i + 1 < len(starts) else len(row)
        return row[starts[i]:end].rstrip()

    aligned = True
    for sid, row in zip(ORDER, rows):
        want = SESSIONS[sid]
        got = {c: cell(row, i) for i, c in enumerate(cols)}
        opened = want["opened"].replace("T", " ").replace("Z", " UTC")
        if (got["OPENED"] != opened or got["END"] != want["end"] or
                got["USER"] != want["user"] or got["TICKET"] != want["ticket"] or
                got["HOST"] != want["host"] or got["RHOST"] != want["rhost"] or
                got["REC"] != "no"):
            aligned = False
            print(f"#   row {sid}: {got}")
    check(aligned, "table: session rows aligned under their headers", out)
    check(lines[d_head + 1:d_head + 4] and
          all(len(line.split()) >= 7 for line in lines[d_head + 1:d_head + 4]) and
          len(lines) == d_head + 4, "table: three denial rows", out)

# Local time (a POSIX TZ string needs no tzdata): CET is UTC+1 in winter and
# CEST UTC+2 in summer; either way not the UTC time.
env = dict(os.environ, TZ="XST-5")
p = review("--ticket", "CHG-1001", env=env)
out = p.stdout.decode(errors="replace")
opened = SESSIONS["S-A1"]["opened"]
local = datetime.datetime.strptime(opened, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(hours=5)
check(p.returncode == 0 and local.strftime("%Y-%m-%d %H:%M:%S XST") in out,
      "table: local time by default (TZ=XST-5)", out)

# The wall-clock forms of --since name the same instant as @UNIX.
sec = int(M1)
ref = review("--json", "--since", f"@{sec}")
utc = datetime.datetime.fromtimestamp(sec, datetime.timezone.utc)
xst = utc + datetime.timedelta(hours=5)
for args, tz in ((["--since", xst.strftime("%Y-%m-%d %H:%M:%S")], "XST-5"),
                 (["--utc", "--since", utc.strftime("%Y-%m-%d %H:%M:%S")], "XST-5"),
                 (["--since", utc.strftime("%Y-%m-%dT%H:%M:%SZ")], "XST-5"),
                 (["--since", utc.strftime("%Y-%m-%d %H:%M:%S UTC")], "XST-5")):
    p = review("--json", *args, env=dict(os.environ, TZ=tz))
    check(p.returncode == 0 and p.stdout == ref.stdout and ref.stdout.count(b"\n") >= 3,
          "--since " + args[-1] + (" --utc" if "--utc" in args else "") + f" (TZ={tz})",
          p.stdout.decode() + p.stderr.decode())

# ---- journal files: --file and -D ----------------------------------------
subprocess.run(["journalctl", "--sync"], check=False)
files = []
for base in ("/run/log/journal", "/var/log/journal"):
    for root, _, names in os.walk(base):
        files += [os.path.join(root, n) for n in names if n.endswith(".journal")]
check(len(files) >= 1, "the private journal has a file to copy", files)
copy = os.path.join(WORK, "collected")
os.makedirs(copy, exist_ok=True)
copied = []
for i, f in enumerate(files):
    dst = os.path.join(copy, f"copy{i}-" + os.path.basename(f))
    shutil.copyfile(f, dst)
    copied.append(dst)
live, _ = review_json()
fargs = []
for f in copied:
    fargs += ["--file", f]
rows, err = review_json(*fargs)
check(rows is not None and rows == live and len(rows) == 9,
      "--file on a copied journal file: same rows as the live journal", err or rows)
rows, err = review_json("-D", copy)
check(rows is not None and rows == live, "-D on a directory of journal files", err or rows)
rows, err = review_json("--directory", copy, "--ticket", "CHG-2002", "--since", "@" + M1,
                        "--until", "@" + M2)
check(rows is not None and rows == [SESSIONS[s] for s in ("S-B1", "S-B2", "S-B3")],
      "-D with filters and completion", err or rows)
check(rows is not None and all(r["host"] == HOST for r in rows),
      "-D rows carry the host they came from (_HOSTNAME)", rows)

# ---- usage errors: exit 2 with a message ---------------------------------
# (and nothing to read is not "nothing happened": an empty -D is exit 2)
empty_dir = os.path.join(WORK, "empty-dir")
os.makedirs(empty_dir, exist_ok=True)
for args in (["-D", empty_dir], ["--since", "1x ago"],["--ticket", "../etc/passwd"], ["--ticket", ""], ["--ticket", "x" * 65],
             ["--since", "garbage"], ["--until", "2026-02-30"],
             ["--since", "now", "--until", "-1h"], ["-D", copy, "--file", copied[0]],
             ["extra"], ["--bogus"], ["--user", ""],
             ["--file", os.path.join(WORK, "missing.journal")],
             ["-D", os.path.join(WORK, "missing-dir")]):
    p = review(*args)
    check(p.returncode == 2 and p.stderr and not p.stdout,
          "exit 2 with a message: review " + " ".join(a[:20] for a in args),
          f"rc={p.returncode} out={p.stdout!r} err={p.stderr!r}")
p = review("--help")
check(p.returncode == 0 and b"--ticket" in p.stdout, "--help: usage on stdout, exit 0")
p = review("--bogus")
check(p.stderr.startswith(b"nhiacct review: ") and b"Try 'nhiacct review --help'" in p.stderr
      and b"usage:" not in p.stderr, "a usage error names the command and hints, no whole usage",
      p.stderr)
p = review("--version")
check(p.returncode == 0 and re.match(rb"^nhiacct \d", p.stdout), "--version", p.stdout)
for since in ("-90min", "1h ago", "-3h30min", "-1w", "yesterday", "@1700000000"):
    p = review("--since", since, "--json")
    check(p.returncode == 0, "--since " + since, p.stderr)

# ---- several approvers: NHIACCT_APPROVER once each, one row naming all -------
rec = "\n".join(["MESSAGE=Session S-MULTI of vendor1 opened", "MESSAGE_ID=" + OPEN_ID,
                  "SYSLOG_IDENTIFIER=pam_nhiacct", "NHIACCT_EVENT=open",
                  "NHIACCT_SESSION=S-MULTI", "NHIACCT_USER=vendor1", "NHIACCT_TICKET=CHG-MULTI",
                  "NHIACCT_APPROVER=alice", "NHIACCT_APPROVER=carol", ""])
subprocess.run(["logger", "--journald"], input=rec.encode(), check=False)
subprocess.run(["journalctl", "--sync"], check=False)
rows, err = review_json("--ticket", "CHG-MULTI")
check(rows is not None and len(rows) == 1 and rows[0].get("approver") == "alice, carol",
      "a session approved by several: every approver in its row", err or rows)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
