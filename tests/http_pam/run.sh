#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/http_pam/run.sh BUILD: backend = http through the real PAM stack
# (the pamrun driver under pam_wrapper + nss_wrapper, the built module, a private
# journald), against a real HTTPS ticket server on 127.0.0.1 with a test CA.
# Every case asserts the decision, the reason code and (for refusals) the
# deny record; the bearer token must reach the server and no record.
# (The shipped ticket-system examples: tests/examples.)
set -u
. "$(dirname "$0")/../lib/common.sh"
nhi_in_namespace "$@"
. "$NHI_TOP/tests/lib/journal.sh"
. "$NHI_TOP/tests/lib/pamenv.sh"
need_cmd python3 openssl jq
BUILD=$(cd "${1:-build}" && pwd)
[ -x "$BUILD/tests/pamrun" ] || fail "$BUILD/tests/pamrun not built (make test-drivers)"
MOD=$BUILD/pam_nhiacct.so

T=$(mktemp -d /tmp/nhiacct-httppam.XXXXXX)
pids=
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
chmod 0755 "$T"
mkdir -m 0755 "$T/srv" "$T/services" "$T/certs"
"$NHI_TOP/tests/lib/mkcerts.sh" "$T/certs" || fail "mkcerts"

start_server() { # name cert key
	python3 "$NHI_TOP/tests/lib/https_server.py" --tickets "$T/srv" --port-file "$T/$1.port" \
		--cert "$T/certs/$2" --key "$T/certs/$3" --log "$T/$1.log" --lifetime 300 &
	pids="$pids $!"
	for _ in $(seq 100); do [ -s "$T/$1.port" ] && break; sleep 0.05; done
	[ -s "$T/$1.port" ] || fail "https server $1 did not start"
}
start_server good server.crt server.key
start_server other other.crt other.key
PORT=$(cat "$T/good.port") OTHER=$(cat "$T/other.port")

TOKEN="s3cr3t-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$TOKEN" > "$T/token"
chmod 0600 "$T/token"

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
now=$(date +%s)
ticket() { # id state account from_rel to_rel [approver]
	cat > "$T/srv/$1.json" <<J
{"id": "$1", "state": "$2", "requester": "acme-jdoe", "approver": "${6:-alice}",
 "scope": {"hosts": ["jump1.example.com"], "accounts": ["$3"]},
 "window": {"not_before": "$(iso $((now + $4)))", "not_after": "$(iso $((now + $5)))"},
 "purpose": "http test"}
J
}
ticket CHG-1042 approved vendor1 -600 3600
ticket CHG-1043 approved vendor1 -600 1800
ticket CHG-OLD approved vendor1 -9000 -3600
printf '{"id": "CHG-TYPE", "state": 7, "approver": "alice"}\n' > "$T/srv/CHG-TYPE.json"

cat > "$T/passwd" <<P
root:x:0:0:root:/root:/bin/sh
vendor1:x:20001:20100::/nonexistent:/bin/sh
vendor2:x:20002:20100::/nonexistent:/bin/sh
P
printf 'root:x:0:\nvendors:x:20100:\n' > "$T/group"

conf() { # file [extra lines...]
	local f=$1; shift
	{
		echo "vendor_groups = vendors"
		echo "host = jump1.example.com"
		echo "backend = http"
		echo "url = https://127.0.0.1:$PORT/tickets/{id}"
		echo "lookup_url = https://127.0.0.1:$PORT/lookup?user={user}&host={host}"
		echo "ca_file = $T/certs/ca.crt"
		echo "token_file = $T/token"
		echo "timeout = 1s"
		echo "state_dir = $T/run"
		printf '%s\n' "$@"
	} > "$f"
	chmod 0644 "$f"
}
conf "$T/http.conf"
# trusts the test CA, talks to the server whose certificate another CA signed
conf "$T/otherca.conf"
sed -i "s|127.0.0.1:$PORT|127.0.0.1:$OTHER|" "$T/otherca.conf"
printf '%s\n' "auth required pam_deny.so" "account required pam_deny.so" > "$T/services/other"
for s in http otherca; do
	printf 'auth optional %s conf=%s\nauth required pam_permit.so\naccount required %s conf=%s\n' \
		"$MOD" "$T/$s.conf" "$MOD" "$T/$s.conf" > "$T/services/nhi_$s"
done

# login SERVICE USER ANSWER [NAME=VALUE...]: auth and account through the
# real PAM stack, the variables in the process's environment; OUT: the
# module's lines, then "account: PAM_..." (the account phase's result, or
# "account: not run").
login() {
	local svc=$1 user=$2 answer=$3 out; shift 3
	out=$(pamenv_run env "$@" "$BUILD/tests/pamrun" -a "$answer" "$svc" "$user" auth,account) ||
		fail "pamrun $svc $user"
	OUT=$(printf '%s\n' "$out" | jq -r '(.msgs[].text), "account: \(.account.name // "not run")"')
}
granted() { # svc user answer what [env...]
	local what=$4 svc=$1 user=$2 answer=$3; shift 4
	login "$svc" "$user" "$answer" "$@"
	assert_match 'nhiacct: access granted: ' "$OUT" "$what"
	assert_match 'account: PAM_SUCCESS' "$OUT" "$what"
	note "granted: $what"
}
refused() { # svc user answer reason what
	local since
	since=$(date '+%Y-%m-%d %H:%M:%S')
	login "$1" "$2" "$3"
	assert_match "nhiacct: access refused \\($4\\): " "$OUT" "$5"
	assert_no_match 'account: PAM_SUCCESS' "$OUT" "$5"
	jwait NHIACCT_EVENT=deny NHIACCT_REASON="$4" NHIACCT_USER="$2" >/dev/null ||
		fail "$5: no deny record with $4"
	note "refused ($4): $5"
}

granted nhi_http vendor1 CHG-1042 "ticket fetched over HTTPS"
jwait NHIACCT_EVENT=grant NHIACCT_TICKET=CHG-1042 >/dev/null || fail "no grant record"
refused nhi_http vendor1 CHG-NOPE not_found "HTTP 404"
refused nhi_http vendor1 status-500 backend_error "HTTP 500"
t0=$(date +%s%N)
refused nhi_http vendor1 delay-3 backend_error "an answer slower than timeout (1s)"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 2000 ] || fail "the decision took ${ms} ms; timeout + 1 s is 2000 ms"
note "  decided in ${ms} ms (timeout 1 s)"
refused nhi_http vendor1 huge backend_error "a body over 64 KiB (Content-Length)"
refused nhi_http vendor1 chunked-huge backend_error "a body over 64 KiB (chunked)"
refused nhi_http vendor1 status-302 backend_error "a redirect (not followed)"
refused nhi_http vendor1 notjson malformed "an answer that is not JSON"
refused nhi_http vendor1 CHG-TYPE malformed "a mapped field of the wrong type"
refused nhi_otherca vendor1 CHG-1042 backend_error "a server certificate from another CA"
granted nhi_http vendor1 CHG-1042 "with proxy variables pointing at a dead port" \
	https_proxy=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 ALL_PROXY=http://127.0.0.1:9 \
	http_proxy=http://127.0.0.1:9
granted nhi_http vendor1 "" "lookup answering several tickets"
assert_match 'ticket CHG-1042 ' "$OUT" "lookup chooses the ticket ending last"
refused nhi_http vendor2 "" no_ticket "lookup answering no ticket"

# The token went to the server, as a bearer token, and into no record.
grep -q "\"Bearer $TOKEN\"" "$T/good.log" || fail "the server never saw the bearer token"
journalctl --sync 2>/dev/null
if journalctl -q --no-pager -o export | grep -aq "$TOKEN"; then
	fail "the token appears in the journal"
fi
note "token sent as Authorization: Bearer, absent from every journal record"

echo "http_pam: 15 passed, 0 failed"
