#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/e2e/test_signed.sh BUILD: signed approvals on a real sshd with the
# BUILT module and `nhiacct watch` (recheck 60s, so that only the watch's
# view of ticket_dir can explain a quick revocation):
#   - a ticket made with `nhiacct ticket new` and signed with
#     `nhiacct ticket approve` (a real ed25519 key): a public-key login is
#     granted under signatures = required, its grant record names the key;
#   - a ticket approved but unsigned: refused (unsigned), with a deny record;
#   - `nhiacct ticket withdraw` on a live session: the watch ends it within
#     2 s (not at the next recheck, 60 s away), revoke record `withdrawn`.
set -u
. "$(dirname "$0")/../lib/common.sh"
nhi_in_namespace "$@"
. "$NHI_TOP/tests/lib/journal.sh"
. "$NHI_TOP/tests/lib/sshd.sh"
. "$NHI_TOP/tests/e2e/lib_session.sh"
need_cmd ssh ssh-keygen journalctl jq

BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || fail "no build directory '${1:-build}'"
N=$BUILD/nhiacct
T=$(mktemp -d /tmp/nhiacct-e2e-signed.XXXXXX)
cleanup() {
	local rc=$?
	[ $rc -ne 0 ] && nhs_dump "$T"
	nhs_watch_stop
	sshd_stop "$T"
	nhs_kill_uids 20001 20002
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$T/alice" || fail "ssh-keygen"
printf 'alice namespaces="nhiacct-ticket" %s\n' "$(cut -d' ' -f1,2 "$T/alice.pub")" \
	>"$T/allowed_signers"
chmod 0644 "$T/allowed_signers"
fp=$(ssh-keygen -lf "$T/alice.pub" | cut -d' ' -f2)

nhs_setup "$T" "$BUILD" "approver_keys = $T/allowed_signers" "signatures = required" \
	"recheck = 60s" || exit
sshd_start "$T" || fail "sshd_start"
nhs_watch_start "$T" "$BUILD"

"$N" --conf "$T/nhiacct.conf" ticket new --id CHG-3001 --user vendor1 --host jump1.test \
	--from -10min --for 1h --requester acme-jdoe --purpose "e2e signed" >/dev/null ||
	fail "ticket new"
"$N" --conf "$T/nhiacct.conf" ticket approve CHG-3001 --key "$T/alice" --as alice >/dev/null ||
	fail "ticket approve"
nhs_ticket "$T" CHG-3002 vendor2 $(($(date +%s) + 3600))      # approved by alice, unsigned

ssh_run "$T" vendor2 true || :
assert_eq 255 "$SSH_RC" "vendor2 under an unsigned ticket (stderr: $SSH_ERR)"
assert_match 'access refused \(unsigned\)' "$SSH_ERR" "vendor2 is told why"
jwait NHIACCT_EVENT=deny NHIACCT_USER=vendor2 NHIACCT_REASON=unsigned >/dev/null ||
	fail "no deny record (unsigned)"
note "an approved but unsigned ticket: refused over ssh (unsigned), deny record"

nhs_bg_ssh "$T" live vendor1 '' 'sleep 300'
jwait NHIACCT_EVENT=open NHIACCT_USER=vendor1 1 10 >/dev/null || fail "vendor1's session did not open"
jwait NHIACCT_EVENT=grant NHIACCT_USER=vendor1 NHIACCT_TICKET=CHG-3001 NHIACCT_APPROVER_KEY="$fp" \
	>/dev/null || fail "no grant record with alice's key"
note "a signed ticket (nhiacct ticket new + approve): granted over ssh, the grant names key $fp"

t0=$(nhs_now_ms)
"$N" --conf "$T/nhiacct.conf" ticket withdraw CHG-3001 --reason "work done" >/dev/null ||
	fail "ticket withdraw"
t=$(nhs_wait_end "$T" live 10) || fail "the session outlived its withdrawn ticket by 10 s"
delay=$((t - t0))
note "withdraw -> connection closed: ${delay} ms"
[ "$delay" -le 2000 ] || fail "revoked ${delay} ms after the withdrawal (> 2000)"
r=$(jwait NHIACCT_EVENT=revoke NHIACCT_USER=vendor1) || fail "no revoke record"
assert_eq withdrawn "$(printf '%s\n' "$r" | jget NHIACCT_REASON)" "revoke reason"
assert_eq CHG-3001 "$(printf '%s\n' "$r" | jget NHIACCT_TICKET)" "revoke ticket"
note "ticket withdraw on a live session: revoked in ${delay} ms (recheck is 60 s), reason withdrawn"
echo "e2e/test_signed: 3 passed, 0 failed"
