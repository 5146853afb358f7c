#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/signed/run.sh BUILD: approvals signed with the approvers' SSH keys
# (issue 15), with real keys made by ssh-keygen (ed25519, ecdsa, rsa-sha2-512)
# and an OpenSSH allowed_signers file: `nhiacct ticket new`, `approve` by two
# approvers, `list`, `verify`, then the decision through `nhiacct check` and
# the real PAM stack (pamrun under pam_wrapper + nss_wrapper, a private
# journald, grant and deny records asserted).  Then the attacks: one changed
# byte in each signed field, an unsigned ticket, a key listed for another
# principal, a key past its valid-before, a signature under another
# namespace, a truncated, a huge and a garbage signature.  Every verdict is
# checked against `ssh-keygen -Y verify` run by hand on the same content.
# The watch's reaction to `ticket withdraw` is tests/e2e/test_signed.sh's.
set -u
. "$(dirname "$0")/../lib/common.sh"
nhi_in_namespace "$@"
. "$NHI_TOP/tests/lib/journal.sh"
. "$NHI_TOP/tests/lib/pamenv.sh"
need_cmd ssh-keygen jq
pamenv_init "${1:-build}" 2
[ -x "$BUILD/tests/pamrun" ] || fail "$BUILD/tests/pamrun not built (make test-drivers)"
N=$BUILD/nhiacct
K=$T/keys
mkdir -m 0700 "$K"
passed=0
ok() { passed=$((passed + 1)); note "$*"; }

# keys: alice ed25519, carol ecdsa, dave rsa (rsa-sha2-512), mallory (ed25519,
# listed only as mallory), olga (listed with a valid-before in the past)
ssh-keygen -q -t ed25519 -N '' -f "$K/alice" || fail "ssh-keygen alice"
ssh-keygen -q -t ecdsa -b 256 -N '' -f "$K/carol" || fail "ssh-keygen carol"
ssh-keygen -q -t rsa -b 3072 -N '' -f "$K/dave" || fail "ssh-keygen dave"
ssh-keygen -q -t ed25519 -N '' -f "$K/mallory" || fail "ssh-keygen mallory"
ssh-keygen -q -t ed25519 -N '' -f "$K/olga" || fail "ssh-keygen olga"
pub() { cut -d' ' -f1,2 "$K/$1.pub"; }
{
	echo "# approvers of pam_nhiacct tickets"
	echo "alice namespaces=\"nhiacct-ticket\" $(pub alice)"
	echo "carol namespaces=\"nhiacct-ticket\" $(pub carol)"
	echo "dave namespaces=\"nhiacct-ticket\" $(pub dave)"
	echo "mallory namespaces=\"nhiacct-ticket\" $(pub mallory)"
	echo "olga namespaces=\"nhiacct-ticket\",valid-before=\"20200101\" $(pub olga)"
} > "$T/allowed_signers"
chmod 0644 "$T/allowed_signers"

pamenv_conf "$T/signed.conf" "approver_keys = $T/allowed_signers" "signatures = required"
pamenv_conf "$T/unsigned.conf"
pamenv_svc signed "$T/signed.conf"
pamenv_svc unsigned "$T/unsigned.conf"

# check CONF WANT TICKET / login SERVICE WANT TICKET: tests/lib/pamenv.sh's
check() { pamenv_check "$T/$1.conf" "$2" "$3"; }
login() { pamenv_login "$@"; }

# ---- the round trip --------------------------------------------------------------
pamenv_run "$N" --conf "$T/signed.conf" ticket new --id CHG-2001 --user vendor1,vendor2 \
	--host 'jump1.example.com,*.db.example.com' --from "-10min" --for 2h \
	--requester acme-jdoe --purpose "Apply vendor hotfix 4.2.1" >/dev/null ||
	fail "ticket new"
assert_eq "-rw-r--r-- root" "$(stat -c '%A %U' "$T/tickets/CHG-2001.json")" "a new ticket's owner and mode"
assert_eq requested "$(jq -r .state "$T/tickets/CHG-2001.json")" "a new ticket's state"
check signed not_approved CHG-2001
ok "ticket new: root-owned 0644, state requested, refused not_approved"
pamenv_run "$N" --conf "$T/signed.conf" ticket approve CHG-2001 --key "$K/alice" --as alice \
	>/dev/null || fail "approve alice"
pamenv_run "$N" --conf "$T/signed.conf" ticket approve CHG-2001 --key "$K/carol" --as carol \
	>/dev/null || fail "approve carol"
out=$(pamenv_run "$N" --conf "$T/signed.conf" ticket list)
assert_match 'CHG-2001 +approved .*alice, carol +2' "$out" "ticket list"
out=$(pamenv_run "$N" --conf "$T/signed.conf" ticket list --json)
assert_eq 2 "$(printf '%s' "$out" | jq '.[0].signatures')" "ticket list --json"
out=$(pamenv_run "$N" --conf "$T/signed.conf" ticket verify CHG-2001) || fail "verify: $out"
assert_match 'alice: good signature, key SHA256:' "$out" "verify alice"
assert_match 'carol: good signature, key SHA256:' "$out" "verify carol"
ok "approve by two approvers (ed25519, ecdsa); list; verify"
check signed granted CHG-2001
fp_alice=$(ssh-keygen -lf "$K/alice.pub" | cut -d' ' -f2)
fp_carol=$(ssh-keygen -lf "$K/carol.pub" | cut -d' ' -f2)
printf '%s\n' "$OUT" | grep -qF "alice with $fp_alice" || fail "check does not show alice's key: $OUT"
login signed granted CHG-2001
jwait NHIACCT_EVENT=grant NHIACCT_TICKET=CHG-2001 NHIACCT_APPROVER_KEY="$fp_alice" >/dev/null ||
	fail "the grant record lacks alice's key"
jwait NHIACCT_EVENT=grant NHIACCT_TICKET=CHG-2001 NHIACCT_APPROVER_KEY="$fp_carol" >/dev/null ||
	fail "the grant record lacks carol's key"
ok "granted through nhiacct check and the real PAM stack; NHIACCT_APPROVER_KEY for both"

# The content each approver signed verifies with ssh-keygen by hand too.
pamenv_run "$N" --conf "$T/signed.conf" ticket show CHG-2001 |
	sed -n '/^signed content/,$p' | tail -n +2 > "$T/content.alice"
jq -r '.signatures[0].signature' "$T/tickets/CHG-2001.json" > "$T/sig.alice"
ssh-keygen -Y verify -f "$T/allowed_signers" -I alice -n nhiacct-ticket -s "$T/sig.alice" \
	< "$T/content.alice" >/dev/null 2>&1 || fail "ssh-keygen -Y verify disagrees on alice's approval"
ok "ssh-keygen -Y verify agrees with the module on the signed content"

# ---- one changed byte in each signed field ---------------------------------------
tamper() { # NAME JQ-FILTER
	jq "$2" "$T/tickets/CHG-2001.json" > "$T/tickets/$1.json"
	chmod 0644 "$T/tickets/$1.json"
	check signed bad_signature "$1"
}
tamper CHG-2002 '.id = "CHG-2002"'
tamper CHG-2003 '.id = "CHG-2003" | .requester = "acme-jdoF"'
tamper CHG-2004 '.id = "CHG-2004" | .scope.hosts[0] = "jump2.example.com" | .scope.hosts += ["jump1.example.com"]'
tamper CHG-2005 '.id = "CHG-2005" | .scope.accounts += ["vendor3"]'
tamper CHG-2006 '.id = "CHG-2006" | .window.not_after = (.window.not_after | sub("Z$"; "") | . + "+00:00" | sub(":[0-9][0-9]\\+"; ":59+"))'
tamper CHG-2007 '.id = "CHG-2007" | .window.not_before = (.window.not_before | sub("[0-9]Z$"; "9Z"))'
tamper CHG-2008 '.id = "CHG-2008" | .purpose = "Apply vendor hotfix 4.2.2"'
login signed bad_signature CHG-2008
# the approver named in a signature entry, swapped: carol's signature as alice's
tamper CHG-2009 '.id = "CHG-2009" | .signatures[1].approver = "alice" | .signatures[0].approver = "carol"'
# the state is not signed: a withdrawn-then-restored state needs no new signature
jq '.id = "CHG-2010" | .state = "requested"' "$T/tickets/CHG-2001.json" > "$T/tickets/CHG-2010.json"
chmod 0644 "$T/tickets/CHG-2010.json"
check signed not_approved CHG-2010
ok "a changed id, requester, host, account, window end or start, purpose, or swapped approvers: bad_signature"

# ---- unsigned, and the other attacks ----------------------------------------------
jq '.id = "CHG-2020" | del(.signatures)' "$T/tickets/CHG-2001.json" > "$T/tickets/CHG-2020.json"
chmod 0644 "$T/tickets/CHG-2020.json"
check signed unsigned CHG-2020
login signed unsigned CHG-2020
check unsigned granted CHG-2020
jq '.id = "CHG-2021" | del(.signatures[1])' "$T/tickets/CHG-2001.json" > "$T/tickets/CHG-2021.json"
chmod 0644 "$T/tickets/CHG-2021.json"
check signed bad_signature CHG-2021     # alice's covers CHG-2001, not CHG-2021
ok "no signature: unsigned under signatures = required, granted under no"

fresh() { # ID: a new requested ticket
	pamenv_run "$N" --conf "$T/signed.conf" ticket new --id "$1" --user vendor1 \
		--host jump1.example.com --from "-10min" --for 1h --requester acme-jdoe \
		--purpose attack >/dev/null || fail "ticket new $1"
}
approve() { # ID KEY AS
	pamenv_run "$N" --conf "$T/signed.conf" ticket approve "$1" --key "$K/$2" --as "$3" \
		>/dev/null || fail "approve $1 with $2 as $3"
}
fresh CHG-2030; approve CHG-2030 dave dave
check signed granted CHG-2030
ok "an rsa-sha2-512 key (3072 bits)"
fresh CHG-2031; approve CHG-2031 alice alice; approve CHG-2031 carol alice   # carol's key as alice
check signed bad_signature CHG-2031
fresh CHG-2032
out=$(pamenv_run "$N" --conf "$T/signed.conf" ticket approve CHG-2032 --key "$K/mallory" --as alice 2>&1) ||
	fail "approve CHG-2032: $out"
assert_match "warning: approver_keys of this host does not take this signature for alice" "$out" \
	"approve warns at once about a key listed for someone else"
check signed bad_signature CHG-2032
assert_match 'approver alice' "$OUT" "the refusal names the approver"
ok "a key listed for another principal: bad_signature"
fresh CHG-2033; approve CHG-2033 olga olga
check signed bad_signature CHG-2033
ok "a key past its valid-before: bad_signature"
# a signature of the right content under another namespace
fresh CHG-2034; approve CHG-2034 alice alice
pamenv_run "$N" --conf "$T/signed.conf" ticket show CHG-2034 | sed -n '/^signed content/,$p' |
	tail -n +2 > "$T/content.2034"
ssh-keygen -Y sign -n file -f "$K/alice" < "$T/content.2034" > "$T/sig.file" 2>/dev/null ||
	fail "ssh-keygen -Y sign -n file"
jq --rawfile s "$T/sig.file" '.signatures[0].signature = $s' "$T/tickets/CHG-2034.json" > "$T/x" &&
	cat "$T/x" > "$T/tickets/CHG-2034.json"
check signed bad_signature CHG-2034
ssh-keygen -Y verify -f "$T/allowed_signers" -I alice -n nhiacct-ticket -s "$T/sig.file" \
	< "$T/content.2034" >/dev/null 2>&1 && fail "ssh-keygen accepts the other namespace"
ok "a signature under another namespace: bad_signature (ssh-keygen agrees)"
sig_edit() { # ID JQ-FILTER WANT
	fresh "$1"; approve "$1" alice alice
	jq "$2" "$T/tickets/$1.json" > "$T/x" && cat "$T/x" > "$T/tickets/$1.json"
	check signed "$3" "$1"
}
sig_edit CHG-2040 '.signatures[0].signature |= .[0:(length / 2)]' bad_signature
sig_edit CHG-2041 '.signatures[0].signature = "-----BEGIN SSH SIGNATURE-----\nnot base64 at all!\n-----END SSH SIGNATURE-----\n"' bad_signature
sig_edit CHG-2042 '.signatures[0].signature = ("A" * 9000)' malformed
sig_edit CHG-2043 '.signatures[0].signature = ""' bad_signature
sig_edit CHG-2044 '.signatures = [.signatures[0].signature]' granted    # an entry naming nobody
ok "truncated, garbage and empty signatures: bad_signature; over 8 KiB: malformed; a bare signature is tried for each approver"

# ---- withdraw: the state only -------------------------------------------------------
pamenv_run "$N" --conf "$T/signed.conf" ticket withdraw CHG-2030 --reason "work done" >/dev/null ||
	fail "withdraw"
assert_eq withdrawn "$(jq -r .state "$T/tickets/CHG-2030.json")" "withdrawn state"
check signed not_approved CHG-2030
ok "ticket withdraw: refused (not_approved) from then on"

# ---- backend = http: signatures read from the ticket system ------------------------
# A Jira-like issue whose approvers pasted their signatures as comments,
# read with a field_signatures expression; the module needs no network for
# the check itself (the same ssh-keygen, the same allowed_signers).
if command -v python3 >/dev/null && command -v openssl >/dev/null; then
	mkdir -m 0755 "$T/srv" "$T/certs"
	"$NHI_TOP/tests/lib/mkcerts.sh" "$T/certs" >/dev/null || fail "mkcerts"
	jira() { # ID FROM-TICKET [JQ-EXTRA]
		jq --arg id "$1" '{key: $id, fields: {status: {name: "Approved"},
			reporter: {name: .requester}, approvers: [.approver[]? // .approver | {name: .}],
			hosts: .scope.hosts, accounts: .scope.accounts, from: .window.not_before,
			until: .window.not_after, summary: .purpose,
			comment: {comments: [.signatures[] | {author: {name: .approver},
				body: ("Approved.\n" + .signature)}]}}} '"${3:-}" \
			"$T/tickets/$2.json" > "$T/srv/$1.json"
	}
	jira JIRA-1 CHG-2001            # signed for CHG-2001, served as JIRA-1: bad
	pamenv_run "$N" --conf "$T/signed.conf" ticket new --id JIRA-2 --user vendor1 \
		--host jump1.example.com --from "-10min" --for 1h --requester acme-jdoe \
		--purpose "via jira" >/dev/null || fail "ticket new JIRA-2"
	approve JIRA-2 alice alice
	jira JIRA-2 JIRA-2
	jira JIRA-3 JIRA-2 '| .key = "JIRA-3"'
	python3 "$NHI_TOP/tests/lib/https_server.py" --tickets "$T/srv" --port-file "$T/port" \
		--cert "$T/certs/server.crt" --key "$T/certs/server.key" --lifetime 120 &
	srv=$!
	for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
	pamenv_conf "$T/http.conf" "approver_keys = $T/allowed_signers" "signatures = required" \
		"backend = http" "url = https://127.0.0.1:$(cat "$T/port")/tickets/{id}" \
		"ca_file = $T/certs/ca.crt" "approved_states = Approved" "field_id = /key" \
		"field_state = /fields/status/name" "field_requester = /fields/reporter/name" \
		"field_approver = [.fields.approvers[].name]" "field_hosts = /fields/hosts" \
		"field_accounts = /fields/accounts" "field_not_before = /fields/from" \
		"field_not_after = /fields/until" "field_purpose = /fields/summary" \
		'field_signatures = [.fields.comment.comments[] | {approver: .author.name, signature: (.body | capture("(?<s>-----BEGIN SSH SIGNATURE-----[^-]*-----END SSH SIGNATURE-----)").s + "\n")}]'
	check http granted JIRA-2
	printf '%s\n' "$OUT" | grep -qF "alice with $fp_alice" || fail "http: no key shown: $OUT"
	check http bad_signature JIRA-3
	check http bad_signature JIRA-1
	kill "$srv" 2>/dev/null
	ok "backend = http: signatures pasted into comments, read by an expression: granted; another issue's: bad_signature"
fi

# ---- the module under valgrind: the ssh-keygen child, no leak ------------------------
if command -v valgrind >/dev/null; then
	for id in CHG-2001 CHG-2031 CHG-2041; do
		pamenv_run valgrind -q --leak-check=full --error-exitcode=99 --trace-children=no \
			"$N" --conf "$T/signed.conf" check --user vendor1 "$id" >/dev/null 2>"$T/vg.$id"
		[ $? -eq 99 ] && fail "valgrind on check $id: $(cat "$T/vg.$id")"
	done
	ok "nhiacct check under valgrind (good, bad, garbage signatures): no error, no leak"
fi
echo "signed: $passed passed, 0 failed"
