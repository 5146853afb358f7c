#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/catalog/run.sh BUILD: conf/nhiacct.catalog, installed where systemd
# looks for catalogs, is accepted by `journalctl --update-catalog`, and
# `journalctl -x` then explains a record of each event with its text.
# Runs in a private mount namespace (tmpfs over the catalog directories), so
# the machine's catalog database is not touched.
set -u
. "$(dirname "$0")/../lib/common.sh"
nhi_in_namespace "$@"
need_cmd journalctl logger

for d in /usr/lib/systemd/catalog /var/lib/systemd/catalog; do
	mkdir -p "$d" && mount -t tmpfs -o mode=0755 tmpfs "$d" || fail "cannot mount tmpfs on $d"
done
install -m 0644 "$NHI_TOP/conf/nhiacct.catalog" /usr/lib/systemd/catalog/
journalctl --update-catalog || fail "journalctl --update-catalog refused the catalog"
[ -s /var/lib/systemd/catalog/database ] || fail "no catalog database written"

n=0
while read -r event id; do
	printf 'MESSAGE_ID=%s\nMESSAGE=catalog test %s\nNHIACCT_EVENT=%s\nNHIACCT_USER=vendor1\nNHIACCT_TICKET=CHG-1042\nNHIACCT_APPROVER=alice\nNHIACCT_REASON=expired\nNHIACCT_SESSION=0123abcd\nNHIACCT_REVIEWER=carol(1001)\n' \
		"$id" "$event" "$event" | logger --journald || fail "logger --journald"
	out=""
	for _ in $(seq 50); do
		out=$(journalctl -q --no-pager -x MESSAGE_ID="$id" 2>/dev/null)
		printf '%s\n' "$out" | grep -Eq '^(--|░░) Subject: ' && break
		sleep 0.1
	done
	assert_match '^(--|░░) Subject: ' "$out" "journalctl -x for $event"
	assert_match 'Defined-By: pam_nhiacct' "$out" "journalctl -x for $event"
	# @FIELD@ substitutions are filled from the record
	assert_no_match '@NHIACCT_[A-Z_]+@' "$out" "journalctl -x for $event (unfilled fields)"
	n=$((n + 1))
done <<IDS
grant 6e8d6eb89f0e40bfa07113b94a74d544
deny 8310785ed9034f82afd31332e5fcd088
open 5e20c685e20346ffb60a8e6d1894b6eb
close 7cd6de60d89642c1b3b6126e875e42a4
revoke d09631a45caa44358619e0e0f5b07be6
warn e529a43b2f3e4c599cf1e759e8180cff
reviewed 03df589f01e849a1847c7c8401bd82b8
IDS
assert_eq 7 "$n" "events explained"
note "journalctl -x explains all seven events"
echo "catalog: 2 passed, 0 failed"
