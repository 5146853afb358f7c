#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/attest/run.sh BUILD: "reviewed, and by whom" (issue 16) against a
# real, private systemd-journald: `nhiacct review --attest` by root and by a
# reviewer account (through sudo's variables), refused for the session's own
# vendor and for a non-root caller; `--unreviewed` (and `--older-than`)
# before and after, with its exit status; a reviewed record forged by an
# unprivileged user is ignored; the table and --json show who and when.
set -u
. "$(dirname "$0")/../lib/common.sh"
nhi_in_namespace "$@"
. "$NHI_TOP/tests/lib/journal.sh"
need_cmd logger setpriv jq
BUILD=$(cd "${1:-build}" && pwd)
N=$BUILD/nhiacct
[ -x "$N" ] || fail "$N not built"
passed=0
ok() { passed=$((passed + 1)); note "$*"; }

MID_OPEN=5e20c685e20346ffb60a8e6d1894b6eb
MID_CLOSE=7cd6de60d89642c1b3b6126e875e42a4
MID_REVIEWED=03df589f01e849a1847c7c8401bd82b8

# session ID USER TICKET: an open and a close record, as root writes them
session() {
	printf 'MESSAGE_ID=%s\nMESSAGE=open\nSYSLOG_IDENTIFIER=pam_nhiacct\nNHIACCT_EVENT=open\nNHIACCT_USER=%s\nNHIACCT_TICKET=%s\nNHIACCT_SESSION=%s\nNHIACCT_APPROVER=alice\n' \
		"$MID_OPEN" "$2" "$3" "$1" | logger --journald || fail "logger"
	printf 'MESSAGE_ID=%s\nMESSAGE=close\nSYSLOG_IDENTIFIER=pam_nhiacct\nNHIACCT_EVENT=close\nNHIACCT_USER=%s\nNHIACCT_TICKET=%s\nNHIACCT_SESSION=%s\nNHIACCT_DURATION=60\n' \
		"$MID_CLOSE" "$2" "$3" "$1" | logger --journald || fail "logger"
}
session 5e55a0000000000000000000000000a1 vendor1 CHG-1
session 5e55a0000000000000000000000000a2 vendor1 CHG-2
session 5e55a0000000000000000000000000a3 vendor2 CHG-3
jwait _UID=0 NHIACCT_EVENT=close 3 5 >/dev/null || fail "records not readable"

run() { OUT=$("$@" 2>&1); RC=$?; }

run "$N" review --unreviewed
assert_eq 1 "$RC" "--unreviewed with three unreviewed sessions: exit status ($OUT)"
assert_eq 3 "$(printf '%s\n' "$OUT" | grep -c '^20')" "--unreviewed rows ($OUT)"
run "$N" review --unreviewed --older-than 7d
assert_eq 0 "$RC" "--unreviewed --older-than 7d: nothing that old ($OUT)"
ok "--unreviewed lists the three sessions (exit 1); --older-than 7d none (exit 0)"

# a non-root caller cannot attest: only root's records count
run setpriv --reuid=65534 --regid=65534 --clear-groups -- "$N" review --attest \
	5e55a0000000000000000000000000a1
assert_eq 2 "$RC" "attest as nobody ($OUT)"
assert_match 'needs root' "$OUT" "attest as nobody says why"
# the vendor, through sudo, may not attest their own session
run env SUDO_USER=vendor1 SUDO_UID=20001 "$N" review --attest 5e55a0000000000000000000000000a1
assert_eq 2 "$RC" "the vendor attesting their own session ($OUT)"
assert_match 'may not attest their own session' "$OUT" "the vendor is told why"
run "$N" review --attest 5e55a000000000000000000000000099
assert_eq 1 "$RC" "attesting a session that does not exist ($OUT)"
ok "refused: a non-root caller (exit 2), the session's own vendor (exit 2), no such session (exit 1)"

run env -u SUDO_USER -u SUDO_UID "$N" review --attest 5e55a0000000000000000000000000a1 \
	--note "commands checked against CHG-1"
assert_eq 0 "$RC" "attest as root ($OUT)"
run env SUDO_USER=carol SUDO_UID=1001 "$N" review --attest 5e55a0000000000000000000000000a3
assert_eq 0 "$RC" "attest by carol through sudo ($OUT)"
r=$(jwait NHIACCT_EVENT=reviewed NHIACCT_SESSION=5e55a0000000000000000000000000a1) ||
	fail "no reviewed record"
assert_eq "$MID_REVIEWED" "$(printf '%s\n' "$r" | jget MESSAGE_ID)" "reviewed MESSAGE_ID"
assert_eq "root(0)" "$(printf '%s\n' "$r" | jget NHIACCT_REVIEWER)" "reviewer (root)"
assert_eq "commands checked against CHG-1" "$(printf '%s\n' "$r" | jget NHIACCT_NOTE)" "note"
assert_eq vendor1 "$(printf '%s\n' "$r" | jget NHIACCT_USER)" "the session's vendor"
assert_eq CHG-1 "$(printf '%s\n' "$r" | jget NHIACCT_TICKET)" "the session's ticket"
r=$(jwait NHIACCT_EVENT=reviewed NHIACCT_SESSION=5e55a0000000000000000000000000a3) ||
	fail "no reviewed record for carol"
assert_eq "carol(1001)" "$(printf '%s\n' "$r" | jget NHIACCT_REVIEWER)" "reviewer (carol through sudo)"
ok "attested by root (with a note) and by carol through sudo: reviewed records name them"

# forged by nobody: a reviewed record for the second session
printf 'MESSAGE_ID=%s\nMESSAGE=forged\nSYSLOG_IDENTIFIER=nhiacct\nNHIACCT_EVENT=reviewed\nNHIACCT_USER=vendor1\nNHIACCT_SESSION=5e55a0000000000000000000000000a2\nNHIACCT_REVIEWER=root(0)\n' \
	"$MID_REVIEWED" | setpriv --reuid=65534 --regid=65534 --clear-groups -- logger --journald ||
	fail "forging as nobody"
jwait _UID=65534 NHIACCT_EVENT=reviewed 1 5 >/dev/null || fail "the forged record is not readable"

run "$N" review --unreviewed
assert_eq 1 "$RC" "--unreviewed after two attestations ($OUT)"
assert_eq 1 "$(printf '%s\n' "$OUT" | grep -c '^20')" "one unreviewed session left ($OUT)"
assert_match 'CHG-2' "$OUT" "the one left is the forged one's"
run "$N" review --json
assert_eq "root(0)" "$(printf '%s\n' "$OUT" | jq -r 'select(.session == "5e55a0000000000000000000000000a1") | .reviewed_by')" "--json reviewed_by"
assert_eq "commands checked against CHG-1" "$(printf '%s\n' "$OUT" | jq -r 'select(.session == "5e55a0000000000000000000000000a1") | .review_note')" "--json review_note"
assert_match '^20' "$(printf '%s\n' "$OUT" | jq -r 'select(.session == "5e55a0000000000000000000000000a1") | .reviewed_at')" "--json reviewed_at"
assert_eq null "$(printf '%s\n' "$OUT" | jq -r 'select(.session == "5e55a0000000000000000000000000a2") | .reviewed_by')" "the forged review is ignored"
run "$N" review
assert_match 'REVIEWER' "$OUT" "table column"
assert_match 'carol\(1001\)' "$OUT" "table shows carol"
ok "a reviewed record forged by nobody is ignored; the table and --json show who reviewed and when"

run env SUDO_USER=carol SUDO_UID=1001 "$N" review --attest 5e55a0000000000000000000000000a2
run "$N" review --unreviewed
assert_eq 0 "$RC" "--unreviewed when every session is reviewed ($OUT)"
ok "--unreviewed exits 0 once every session is reviewed"
echo "attest: $passed passed, 0 failed"
