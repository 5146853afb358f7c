#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tools/demo.sh BUILD: the real pam_nhiacct.so through the real PAM stack
# (the tests' pamrun driver under pam_wrapper, users from nss_wrapper:
# tests/lib/pamenv.sh), on example tickets:
# a vendor granted, vendors refused for several reasons, a non-vendor left
# alone; then the journal records those logins wrote.  As root the records go
# to a private journald (nothing of the machine changes); otherwise the demo
# runs with audit = best-effort and shows no records.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-build}" && pwd)
# pamenv_run: the one pam_wrapper + nss_wrapper set-up of the tests
. "$TOP/tests/lib/pamenv.sh"

if [ -z "${NHI_PRIVATE_NS:-}" ] && [ "$(id -u)" -eq 0 ]; then
	exec "$TOP/tests/lib/with-journald.sh" "$0" "$@"
fi

T=$(mktemp -d /tmp/nhiacct-demo.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 0755 "$T"
mkdir -m 0755 "$T/tickets" "$T/services"
mkdir -m 0700 "$T/run"

cat > "$T/passwd" <<P
root:x:0:0:root:/root:/bin/sh
vendor1:x:20001:20001:Acme support (J. Doe):/nonexistent:/bin/sh
vendor2:x:20002:20100:Other vendor:/nonexistent:/bin/sh
staff1:x:20010:20010:Staff:/nonexistent:/bin/sh
P
cat > "$T/group" <<G
root:x:0:
vendors:x:20100:vendor1
vendor1:x:20001:
staff1:x:20010:
G

audit=required
[ -n "${NHI_PRIVATE_NS:-}" ] || audit=best-effort
cat > "$T/nhiacct.conf" <<C
# /etc/security/nhiacct.conf of the demo
vendor_groups = vendors
host          = jump1.example.com
ticket_dir    = $T/tickets
state_dir     = $T/run
audit         = $audit
C
chmod 0644 "$T/nhiacct.conf"
[ "$(id -u)" -eq 0 ] || echo "(not root: the module's root-ownership checks will refuse the demo files; run as root)"

cat > "$T/services/sshd-demo" <<S
auth     optional  $BUILD/pam_nhiacct.so conf=$T/nhiacct.conf
auth     required  pam_permit.so
account  required  $BUILD/pam_nhiacct.so conf=$T/nhiacct.conf
account  required  pam_permit.so
S

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
now=$(date +%s)
ticket() { # id state requester approver account from_rel to_rel purpose
	cat > "$T/tickets/$1.json" <<J
{
  "id": "$1", "state": "$2", "requester": "$3", "approver": "$4",
  "scope": { "hosts": ["jump1.example.com", "*.db.example.com"], "accounts": ["$5"] },
  "window": { "not_before": "$(iso $((now + $6)))", "not_after": "$(iso $((now + $7)))" },
  "purpose": "$8"
}
J
	chmod 0644 "$T/tickets/$1.json"
}
ticket CHG-1042 approved acme-jdoe alice     vendor1 -600  7200  "Apply vendor hotfix 4.2.1"
ticket CHG-1001 approved acme-jdoe alice     vendor1 -9000 -3600 "Last week's upgrade"
ticket CHG-1043 approved acme-jdoe acme-jdoe vendor1 -600  3600  "Self-approved"
ticket CHG-1044 pending  acme-jdoe alice     vendor1 -600  3600  "Waiting for CAB"

login() { # user ticket-answer description
	printf '\n\033[1m$ ssh %s@jump1   # %s\033[0m\n' "$1" "$3"
	[ "${4:-}" = noprompt ] || printf 'Access ticket: %s\n' "$2"
	pamenv_run "$BUILD/tests/pamrun" -a "$2" sshd-demo "$1" auth,account 2>/dev/null |
		jq -r '.msgs[].text' | sed 's/^/  /'
}

echo "pam_nhiacct demo: tickets in $T/tickets, host jump1.example.com"
login vendor1 CHG-1042 "approved ticket, inside its window"
login vendor1 CHG-1001 "the window ended an hour ago"
login vendor1 CHG-1043 "approved by its own requester"
login vendor1 CHG-1044 "not approved yet"
login vendor1 "../../etc/shadow" "not a ticket id"
login vendor2 "" "no ticket at all (none found by lookup either)"
login staff1 "" "not a vendor: no prompt, no record, pam_nhiacct stays out of the way" noprompt

printf '\n\033[1m$ nhiacct check --user vendor1 CHG-1001\033[0m\n'
pamenv_run "$BUILD/nhiacct" --conf "$T/nhiacct.conf" check --user vendor1 CHG-1001 | sed 's/^/  /'

if [ -n "${NHI_PRIVATE_NS:-}" ]; then
	printf '\n\033[1m$ journalctl SYSLOG_IDENTIFIER=pam_nhiacct   # the records\033[0m\n'
	journalctl --sync 2>/dev/null
	sleep 0.3
	journalctl -q --no-pager -o json SYSLOG_IDENTIFIER=pam_nhiacct |
		jq -r '[.NHIACCT_EVENT, .NHIACCT_USER, (.NHIACCT_TICKET // "-"),
			(.NHIACCT_APPROVER // "-"), (.NHIACCT_REASON // "-"), .MESSAGE] | @tsv' |
		awk -F'\t' 'BEGIN { printf "  %-6s %-8s %-9s %-10s %-14s %s\n", "EVENT", "USER", "TICKET", "APPROVER", "REASON", "MESSAGE" }
			{ printf "  %-6s %-8s %-9s %-10s %-14s %s\n", $1, $2, $3, $4, $5, $6 }'
	printf '\n\033[1m$ journalctl -o verbose NHIACCT_TICKET=CHG-1042   # one record, every field\033[0m\n'
	journalctl -q --no-pager -o verbose NHIACCT_TICKET=CHG-1042 |
		grep -E '^\s+(MESSAGE|PRIORITY|SYSLOG_IDENTIFIER|NHIACCT_[A-Z_]+)=' | sed 's/^ */  /'
	printf '\n\033[1m$ nhiacct review --since today   # what a reviewer reads\033[0m\n'
	"$BUILD/nhiacct" review --since today | sed 's/^/  /'
else
	echo
	echo "(run 'make demo' as root to see the journal records, written to a private journald)"
fi
