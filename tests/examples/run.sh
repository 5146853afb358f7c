#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/examples/run.sh BUILD: the shipped conf/examples (ServiceNow, Jira
# Data Center, Jira Cloud with JSM approvals, Zendesk) against answers in the
# shapes their vendors document, served by the real HTTPS test server on
# 127.0.0.1 at the systems' own paths (tests/examples/SYSTEM/routes.json says
# which API reference each answer follows).  Each example is used as shipped,
# with only its site URL pointed at the test server and the test's CA, token,
# identity map and state directory; every case runs through `nhiacct check`
# and the grants and refusals of each system also through the real PAM stack
# (pamrun under pam_wrapper + nss_wrapper, a private journald), deny records
# asserted.  Then the hostile answers to the new paths.
#
# Fixtures hold @VALID_FROM@ / @VALID_UNTIL@ (a window around now) and
# @OLD_FROM@ / @OLD_UNTIL@ (one that ended a week ago), written here in the
# system's own time format (SYSTEM/time-format: the zone, then the strftime format).
set -u
. "$(dirname "$0")/../lib/common.sh"
nhi_in_namespace "$@"
. "$NHI_TOP/tests/lib/journal.sh"
. "$NHI_TOP/tests/lib/pamenv.sh"
need_cmd python3 openssl jq
pamenv_init "${1:-build}" 2
[ -x "$BUILD/tests/pamrun" ] || fail "$BUILD/tests/pamrun not built (make test-drivers)"
EX=$NHI_TOP/tests/examples
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	pamenv_cleanup
}
trap cleanup EXIT
mkdir -m 0755 "$T/certs"
"$NHI_TOP/tests/lib/mkcerts.sh" "$T/certs" >/dev/null || fail "mkcerts"
TOKEN="ex-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$TOKEN" > "$T/token"
chmod 0600 "$T/token"
passed=0

# serve SYSTEM: the fixtures rendered into T/SYSTEM, a server on them;
# PORT_SYSTEM (via the variable PORT) set.
serve() {
	local sys=$1 fmt zone now d
	read -r zone fmt < "$EX/$sys/time-format"
	now=$(date +%s)
	d=$T/srv-$sys
	mkdir -m 0755 "$d"
	for f in "$EX/$sys"/*.json; do
		sed -e "s|@VALID_FROM@|$(TZ=$zone date -d "@$((now - 3600))" +"$fmt")|" \
		    -e "s|@VALID_UNTIL@|$(TZ=$zone date -d "@$((now + 7200))" +"$fmt")|" \
		    -e "s|@OLD_FROM@|$(TZ=$zone date -d "@$((now - 8 * 86400))" +"$fmt")|" \
		    -e "s|@OLD_UNTIL@|$(TZ=$zone date -d "@$((now - 8 * 86400 + 7200))" +"$fmt")|" \
		    "$f" > "$d/$(basename "$f")"
	done
	python3 "$NHI_TOP/tests/lib/https_server.py" --tickets "$d" --routes "$d/routes.json" \
		--port-file "$T/$sys.port" --cert "$T/certs/server.crt" --key "$T/certs/server.key" \
		--log "$T/$sys.log" --lifetime 600 --idle 300 &
	pids="$pids $!"
	for _ in $(seq 200); do [ -s "$T/$sys.port" ] && break; sleep 0.05; done
	[ -s "$T/$sys.port" ] || fail "https server for $sys did not start"
	PORT=$(cat "$T/$sys.port")
}

# example NAME [LINE...]: T/NAME.conf, the shipped example with its site
# pointed at the test server, and the lines given appended (replacing the
# example's own line of a key they set).
example() {
	local name=$1 f=$T/$1.conf key line
	shift
	sed -E -e "s#^((lookup_|approvals_)?url = )https://[^/]+/#\\1https://127.0.0.1:$PORT/#" \
	    -e "s#^identity_map = .*#identity_map = $T/identity-map#" \
	    -e '/^vendor_groups/d' "$NHI_TOP/conf/examples/$name.conf" > "$f.tmp"
	for line in "vendor_groups = vendors" "ca_file = $T/certs/ca.crt" "token_file = $T/token" \
		    "state_dir = $T/run" "$@"; do
		key=${line%% =*}
		grep -v "^$key = " "$f.tmp" > "$f.tmp2"
		mv "$f.tmp2" "$f.tmp"
		printf '%s\n' "$line" >> "$f.tmp"
	done
	mv "$f.tmp" "$f"
	chmod 0644 "$f"
	pamenv_svc "ex_$name" "$f"
	CONF=$f SVC=ex_$name
}

# check WHAT REASON|granted TICKET [--at TIME] / login WHAT REASON|granted
# TICKET: tests/lib/pamenv.sh's, with CONF and SVC of the example set last.
check() {
	local what=$1
	shift
	pamenv_check "$CONF" "$@"
	passed=$((passed + 1))
	note "check $1: $what"
}
login() {
	local what=$1
	shift
	pamenv_login "$SVC" "$@"
	passed=$((passed + 1))
	note "PAM $1: $what"
}

# ---- ServiceNow: change_request + sysapproval_approver ----------------------------
serve servicenow
example servicenow
check "ServiceNow: approved change, two approvers of three" granted CHG0031042
assert_match 'approver: +alice, bob' "$OUT" "ServiceNow: both approvers who approved"
assert_match 'requester: +acme-jdoe' "$OUT" "ServiceNow: dot-walked requested_by.user_name"
check "ServiceNow: typed in lower case, answered as the system spells it" granted chg0031042
assert_match 'ticket: +CHG0031042' "$OUT" "ServiceNow: the document's spelling"
login "ServiceNow: approved change" granted CHG0031042
check "ServiceNow: no approval row approved" no_approver CHG0031043
login "ServiceNow: no approval row approved" no_approver CHG0031043
check "ServiceNow: approved by its requester" self_approved CHG0031044
check "ServiceNow: another host" host_out_of_scope CHG0031045
check "ServiceNow: last week's window" expired CHG0031046
check "ServiceNow: an unknown number ({\"result\": []})" not_found CHG0039999
check "ServiceNow: lookup, the expired change first and the valid one second" granted ""
assert_match 'ticket: +CHG0031042' "$OUT" "ServiceNow lookup: the valid candidate"
login "ServiceNow: lookup (public-key login)" granted ""
example servicenow "min_approvers = 3"
check "ServiceNow: min_approvers = 3, two approved" insufficient_approvals CHG0031042
login "ServiceNow: min_approvers = 3, two approved" insufficient_approvals CHG0031042
# two requests per decision: the change, then its approvers by sys_id
grep -q 'sysapproval_approver?sysparm_query=sysapproval=c83c5e5347c12200e0ef563dbb9a7190&' \
	"$T/servicenow.log" || fail "ServiceNow: no approvals request by sys_id"
grep -q "\"Bearer $TOKEN\"" "$T/servicenow.log" || fail "ServiceNow: no bearer token sent"

# ---- Jira Data Center ---------------------------------------------------------------
serve jira-dc
example jira
check "Jira DC: Ready for Work (a status with blanks), multi-select hosts" granted ACME-1042
assert_match 'approver: +alice' "$OUT" "Jira DC: the user picker's name"
login "Jira DC: approved issue" granted ACME-1042
check "Jira DC: Waiting for Approval" not_approved ACME-1043
login "Jira DC: Waiting for Approval" not_approved ACME-1043
check "Jira DC: approved by its reporter" self_approved ACME-1044
check "Jira DC: another host" host_out_of_scope ACME-1045
check "Jira DC: last week's window" expired ACME-1046
check "Jira DC: an unknown key (404)" not_found ACME-9999
check "Jira DC: lookup through /issues, expired first" granted ""
assert_match 'ticket: +ACME-1042' "$OUT" "Jira DC lookup: the valid candidate"

# ---- Jira Cloud with JSM approvals ------------------------------------------------
serve jira-cloud
install -m 0644 "$EX/jira-cloud/identity-map" "$T/identity-map"
example jira-cloud
check "Jira Cloud: approved in JSM by alice (bob pending), Date Picker days" granted VA-12
assert_match 'approver: +alice \(5b10a2844c20165700ede21g\)' "$OUT" "Jira Cloud: mapped name, accountId beside it"
login "Jira Cloud: approved in JSM" granted VA-12
jwait NHIACCT_EVENT=grant NHIACCT_TICKET=VA-12 NHIACCT_APPROVER=alice \
	NHIACCT_APPROVER_ID=5b10a2844c20165700ede21g >/dev/null ||
	fail "Jira Cloud: the grant record lacks the mapped approver and its accountId"
check "Jira Cloud: in an approved status, but its only approver still pending" no_approver VA-13
login "Jira Cloud: in an approved status, but its only approver still pending" no_approver VA-13
check "Jira Cloud: approved by the vendor's own Atlassian account" self_approved VA-14
login "Jira Cloud: approved by the vendor's own Atlassian account" self_approved VA-14
check "Jira Cloud: approved by an account nobody mapped" approver_not_allowed VA-15
check "Jira Cloud: another host" host_out_of_scope VA-16
check "Jira Cloud: a day last week" expired VA-17
check "Jira Cloud: one approved, then the approval declined" no_approver VA-21
# 2026-10-25, the day summer time ends in Berlin: 25 hours, from
# 2026-10-24T22:00Z (00:00 CEST) to 2026-10-25T23:00Z (24:00 CET).
check "Jira Cloud DST: before the day" not_yet_valid VA-20 --at 2026-10-24T21:58:00Z
check "Jira Cloud DST: its first hour" granted VA-20 --at 2026-10-24T22:30:00Z
check "Jira Cloud DST: its 25th hour" granted VA-20 --at 2026-10-25T22:30:00Z
check "Jira Cloud DST: after the day" expired VA-20 --at 2026-10-25T23:00:00Z
check "Jira Cloud: lookup, expired first" granted ""
assert_match 'ticket: +VA-12' "$OUT" "Jira Cloud lookup: the valid candidate"
example jira-cloud "min_approvers = 2"
check "Jira Cloud: min_approvers = 2, one approved" insufficient_approvals VA-12
check "Jira Cloud: min_approvers = 2, two approved" granted VA-20 --at 2026-10-25T12:00:00Z

# ---- Zendesk --------------------------------------------------------------------------
serve zendesk
install -m 0644 "$EX/zendesk/identity-map" "$T/identity-map"
example zendesk
check "Zendesk: approved, custom fields by id, numbers as ids" granted 35436
assert_match 'approver: +alice \(235323\)' "$OUT" "Zendesk: user id mapped"
login "Zendesk: approved ticket" granted 35436
check "Zendesk: access_requested" not_approved 35437
login "Zendesk: access_requested" not_approved 35437
check "Zendesk: approved by the requester's own user id" self_approved 35438
check "Zendesk: another host" host_out_of_scope 35439
check "Zendesk: last week" expired 35440
check "Zendesk: an unknown ticket (404)" not_found 99999

if journalctl -q --no-pager -o export 2>/dev/null | grep -aq "$TOKEN"; then
	fail "the token appears in the journal"
fi
echo "examples: $passed passed, 0 failed"
