#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/concurrency/run.sh BUILD: 50 logins at once through the real PAM
# stack (pam_wrapper, nss_wrapper, BUILD/pam_nhiacct.so), one process each,
# driven by BUILD/tests/storm, with a private journald:
#   - a mix of grants (by the prompt answer and by lookup) and refusals
#     (expired, self_approved, bad_ticket_id, not_found), each decided right;
#   - all granted sessions open at the same time; meanwhile state_dir holds
#     exactly one intact record per session (read back with `nhiacct
#     sessions --json`, and no temp files);
#   - afterwards: every record in the journal, exactly once (grant, open,
#     close per granted login with one session id; one deny with the right
#     reason per refused one), state_dir empty.
# NHI_STORM_N changes the number of logins (default 50; at most ~60: each
# child gets a pam_wrapper folder /tmp/pam.X, of 62 possible names).
# Needs root.  Exit 0 pass, 1 fail, 77 skipped.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$NHI_TOP/tests/lib/pamenv.sh"
[ $# -eq 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || skip "needs root (root-owned test files, private journald)"
nhi_in_namespace "$@"
. "$NHI_TOP/tests/lib/journal.sh"

N=${NHI_STORM_N:-50}
[ -x "$1/tests/storm" ] || fail "$1/tests/storm not built (make test-drivers)"
pamenv_init "$1" "$N"
HELPER=$BUILD/nhiacct
pamenv_conf "$T/storm.conf" "approvers = alice bob" "max_window = 8h"
pamenv_svc storm "$T/storm.conf"

# The plan: vendorI logs in with ticket STORM-I (accounts: vendorI only).
plan=$T/plan
: >"$plan"
for i in $(seq 1 "$N"); do
	u=vendor$i id=STORM-$i answer=STORM-$i expect=grant filter='.'
	if [ $((i % 11)) -eq 0 ]; then
		answer=../$id expect=bad_ticket_id
	elif [ $((i % 13)) -eq 0 ]; then
		answer=NOPE-$i expect=not_found
	elif [ $((i % 5)) -eq 0 ]; then
		filter='.window.not_before = (($now - 7200) | todate) | .window.not_after = (($now - 3600) | todate)'
		expect=expired
	elif [ $((i % 7)) -eq 0 ]; then
		filter='.requester = .approver'
		expect=self_approved
	elif [ $((i % 10)) -eq 3 ]; then
		answer=-         # no id: lookup finds STORM-I
	fi
	pamenv_ticket "$id" ".scope.accounts = [\"$u\"] | .approver = (if $i % 2 == 0 then \"alice\" else \"bob\" end) | $filter"
	echo "$u $answer $expect" >>"$plan"
done
grants=$(awk '$3 == "grant"' "$plan" | wc -l)
note "$N logins: $grants grants, $((N - grants)) refusals ($(awk '$3 != "grant" { print $3 }' "$plan" | sort | uniq -c | awk '{ printf "%s %s, ", $1, $2 }' | sed 's/, $//'))"

# While every granted session is open: one intact record each in state_dir.
cat >"$T/check.sh" <<EOF
#!/bin/bash
set -u
files=\$(ls -A "$T/run")
n=\$(printf '%s\n' "\$files" | grep -cE '^[0-9a-f]{32}\.json\$')
other=\$(printf '%s\n' "\$files" | grep -vE '^[0-9a-f]{32}\.json\$' | grep -v '^\$')
[ -z "\$other" ] || { echo "FAIL: other files in state_dir: \$other" >&2; exit 1; }
[ "\$n" -eq $grants ] || { echo "FAIL: \$n session records in state_dir, want $grants" >&2; exit 1; }
"$HELPER" --conf "$T/storm.conf" sessions --json >"$T/sessions.json" 2>"$T/sessions.err" ||
	{ echo "FAIL: nhiacct sessions: \$(cat "$T/sessions.err")" >&2; exit 1; }
bad=\$(jq -s --rawfile plan "$plan" '
	(\$plan | split("\n") | map(select(. != "") | split(" ")) |
	 map(select(.[2] == "grant")) | map(.[0]) | sort) as \$want |
	(map(.user) | sort) as \$got |
	[ (if \$got != \$want then "users: want \(\$want | length), got \(\$got)" else empty end),
	  (.[] | select(.ticket != ("STORM-" + (.user | ltrimstr("vendor")))) |
		"session \(.session) of \(.user) names ticket \(.ticket)"),
	  (if (map(.session) | unique | length) != length then "duplicate session ids" else empty end)
	] | .[]' "$T/sessions.json")
[ -z "\$bad" ] || { echo "FAIL: state_dir records: \$bad" >&2; exit 1; }
echo "# state_dir: $grants intact session records while all sessions were open"
EOF
chmod 0755 "$T/check.sh"

rc=0
pamenv_run "$BUILD/tests/storm" storm "$plan" "$T/check.sh" || rc=1

# ---- the journal: every record, once ----------------------------------------
want_records=$((grants * 3 + N - grants))
if ! recs=$(jwait SYSLOG_IDENTIFIER=pam_nhiacct "$want_records" 15 2>"$T/jwait.err"); then
	echo "FAIL: $(head -n1 "$T/jwait.err")"
	recs=$(_j_query SYSLOG_IDENTIFIER=pam_nhiacct)
	rc=1
fi
problems=$(printf '%s\n' "$recs" | jq -rs --rawfile plan "$plan" '
	($plan | split("\n") | map(select(. != "") | split(" ") |
		{ key: .[0], value: { answer: .[1], expect: .[2] } }) | from_entries) as $p |
	. as $all | (group_by(.NHIACCT_USER) | map({ user: .[0].NHIACCT_USER, recs: . })) as $by |
	[ ($p | keys[]) as $u | ($by | map(select(.user == $u)) | .[0].recs // []) as $r |
	  ($r | map(.NHIACCT_EVENT) | sort) as $ev |
	  ("STORM-" + ($u | ltrimstr("vendor"))) as $tk |
	  if $p[$u].expect == "grant" then
	    (if $ev != ["close", "grant", "open"] then "\($u): events \($ev), want close grant open"
	     else empty end),
	    ($r | map(select(.NHIACCT_EVENT != "grant") | .NHIACCT_SESSION) | unique |
	     if length != 1 or .[0] == null then "\($u): open and close carry sessions \(.)" else empty end),
	    ($r | map(select(.NHIACCT_TICKET != $tk)) |
	     if length > 0 then "\($u): records name ticket \(map(.NHIACCT_TICKET))" else empty end),
	    ($r | map(select(.NHIACCT_RHOST != "storm-" + $u)) |
	     if length > 0 then "\($u): records carry rhost \(map(.NHIACCT_RHOST))" else empty end)
	  else
	    (if $ev != ["deny"] then "\($u): events \($ev), want deny" else empty end),
	    ($r | map(select(.NHIACCT_REASON != $p[$u].expect)) |
	     if length > 0 then "\($u): reason \(map(.NHIACCT_REASON)), want \($p[$u].expect)" else empty end)
	  end ] +
	[ $by[] | select($p[.user] == null) | "records of an unknown user \(.user)" ] +
	[ $all | map(select(.NHIACCT_EVENT == "open") | .NHIACCT_SESSION) |
	  if (unique | length) != length then "a session id was used twice" else empty end ] | .[]')
if [ -n "$problems" ]; then
	echo "FAIL: journal records:"
	printf '%s\n' "$problems" | head -n 30
	rc=1
fi
note "journal: $(printf '%s\n' "$recs" | grep -c .) records ($(printf '%s\n' "$recs" | jq -r .NHIACCT_EVENT | sort | uniq -c | awk '{ printf "%s %s, ", $1, $2 }' | sed 's/, $//'))"
# every session closed: no open record left, and each one's record stays,
# closed, held to its window (the watch ends what was left running then)
left=$(ls -A "$T/run" | grep -v '\.closed$')
if [ -n "$left" ]; then
	echo "FAIL: state_dir holds more than closed records after every session closed: $left"
	rc=1
fi
opens=$(printf '%s\n' "$recs" | jq -r 'select(.NHIACCT_EVENT == "open") | .NHIACCT_SESSION' | sort)
closed=$(ls -A "$T/run" | sed -n 's/\.closed$//p' | sort)
if [ "$opens" != "$closed" ]; then
	echo "FAIL: closed records do not match the opened sessions"
	rc=1
fi
[ $rc -eq 0 ] && echo "concurrency: $N logins at once, all decided right, all records present"
exit $rc
