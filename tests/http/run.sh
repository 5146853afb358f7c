#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/http/run.sh [BUILD]: the http backend (BUILD/nhiacct_http.so) against
# real HTTPS servers on 127.0.0.1: one with a certificate of a test CA, one
# with a certificate of an unrelated CA.  Certificates, token and logs live in
# a private temp dir that is removed afterwards; the servers are killed on
# exit and exit by themselves after 120 s anyway.  Works as root and not.
# Exit status: 0 pass, 1 fail, 77 skipped (python3 or openssl missing).
# tests/run.sh runs it as a suite named "http".
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
case $build in
/*) bdir=$build ;;
*) bdir=$top/$build ;;
esac
bin=$bdir/tests/test_http_backend
so=$bdir/nhiacct_http.so

for tool in python3 openssl; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: http backend: $tool not found"
		exit 77
	fi
done
# The Makefile builds both (make check); a missing one is a failure.
if [ ! -x "$bin" ] || [ ! -f "$so" ]; then
	echo "FAIL http backend: $bin or $so not built (make $bin)" >&2
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/nhi-http.XXXXXX")
pids=
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || :
	done
	for p in $pids; do
		wait "$p" 2>/dev/null || :
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

"$top/tests/lib/mkcerts.sh" "$T/certs"

# A token that cannot turn up in a message by accident.
token="nhi-test-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
(umask 077 && printf '%s\n' "$token" > "$T/token")
: > "$T/requests.log"

# start_server NAME CERT
start_server() {
	python3 "$top/tests/lib/https_server.py" --tickets "$top/tests/http/tickets" \
		--port-file "$T/$1.port" --cert "$T/certs/$2.crt" --key "$T/certs/$2.key" \
		--log "$T/requests.log" --lifetime 120 --idle 60 &
	pids="$pids $!"
}
start_server main server
start_server other other

# Wait up to 10 s for both servers to write their port.
i=0
while [ ! -s "$T/main.port" ] || [ ! -s "$T/other.port" ]; do
	i=$((i + 1))
	if [ "$i" -gt 200 ]; then
		echo "FAIL http backend: the test HTTPS servers did not start" >&2
		exit 1
	fi
	sleep 0.05
done

rc=0
NHI_TEST_HTTP_SO=$so \
NHI_TEST_PORT=$(cat "$T/main.port") \
NHI_TEST_OTHER_PORT=$(cat "$T/other.port") \
NHI_TEST_CA=$T/certs/ca.crt \
NHI_TEST_TOKEN_FILE=$T/token \
NHI_TEST_TOKEN=$token \
NHI_TEST_REQLOG=$T/requests.log \
NHI_TEST_TMP=$T \
	"$bin" || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "FAIL http backend ($rc failed); requests seen by the servers:" >&2
	sed 's/Bearer [^"]*/Bearer .../' "$T/requests.log" >&2
	exit 1
fi
exit 0
