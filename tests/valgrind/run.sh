#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/valgrind/run.sh BUILD: valgrind memcheck over full login cycles
# (pam_start, authenticate, acct_mgmt, open_session, close_session, pam_end)
# through the real PAM stack: pam_wrapper, nss_wrapper, BUILD/pam_nhiacct.so,
# a private journald, driver BUILD/tests/cycles.  Every 10th cycle is a
# refusal and every 10th (offset 5) a lookup, so those paths are covered too.
#
#   file    NHI_VG_FILE_CYCLES (default 1000) cycles on the file backend,
#           module kept loaded (see below)
#   unload  NHI_VG_UNLOAD_CYCLES (default 100) cycles on the file backend, the
#           module loaded and unloaded by libpam every cycle, as in sshd
#   http    NHI_VG_HTTP_CYCLES (default 1000) cycles on the http backend
#           against the real HTTPS test server (tests/lib/https_server.py,
#           certificates from tests/lib/mkcerts.sh), module kept loaded
#
# "Kept loaded": the driver dlopen()s the module once, so libpam's dlclose()
# at pam_end does not unmap it.  Under valgrind a module mapped afresh costs
# ~100 ms per cycle (its code is translated again each time); kept loaded a
# cycle costs ~13 ms.  A per-cycle leak shows up either way (memory lost
# each cycle); what only the unload pass sees is memory lost at unload.
#
# Fails on any memcheck error and on definitely or indirectly lost memory
# (--errors-for-leak-kinds=definite,indirect --error-exitcode=1).  "Still
# reachable" memory (held by libraries until exit, e.g. libcurl's and
# OpenSSL's global state, the http backend object that stays loaded by
# design) is not an error.  valgrind.supp suppresses third-party noise only,
# each entry with its reason.  Prints each pass's LEAK SUMMARY and ERROR
# SUMMARY.  Needs root.  Exit 0 pass, 1 fail, 77 skipped (no valgrind).
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$NHI_TOP/tests/lib/pamenv.sh"
[ $# -eq 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || skip "needs root (root-owned test files, private journald)"
need_cmd valgrind
nhi_in_namespace "$@"

make -s -C "$NHI_TOP" --no-print-directory BUILD="$1" all "$1/tests/cycles" >/dev/null ||
	fail "cannot build $1/tests/cycles"
pamenv_init "$1" 2
CYCLES=$BUILD/tests/cycles
SUPP=$NHI_TOP/tests/valgrind/valgrind.supp

pamenv_conf "$T/file.conf"
pamenv_svc file "$T/file.conf"
pamenv_ticket CHG-1042

rc=0
# pass NAME CYCLES [cycles options...]
pass() {
	local name=$1 n=$2 log=$T/valgrind-$1.log t0 t1
	shift 2
	[ "$n" -gt 0 ] || { note "$name: skipped (0 cycles)"; return; }
	t0=$(date +%s)
	(PAMENV_EXEC=1 pamenv_run valgrind --tool=memcheck --leak-check=full \
		--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=1 --num-callers=40 --keep-debuginfo=yes \
		--suppressions="$SUPP" --log-file="$log" \
		"$CYCLES" "$@" "$n" >"$T/cycles-$name.out" 2>&1) &
	local vpid=$! prc d
	wait $vpid
	prc=$?
	# pam_wrapper makes a folder /tmp/pam.X (with a file "pid") in every
	# process it is preloaded into: valgrind's launcher leaves one (it
	# exec()s the tool), and the client's is not removed under valgrind.
	for d in /tmp/pam.?; do
		[ "$(cat "$d/pid" 2>/dev/null)" = "$vpid" ] && rm -rf "$d"
	done
	t1=$(date +%s)
	note "$name: $(grep '^# ' "$T/cycles-$name.out" | sed 's/^# //') ($((t1 - t0)) s under valgrind)"
	sed -n '/LEAK SUMMARY/,/suppressed:/p; /ERROR SUMMARY/p' "$log" | sed 's/^==[0-9]*== /    /'
	grep -q 'definitely lost\|LEAK SUMMARY' "$log" || echo "    (no leaks: all heap blocks were freed or reachable)"
	if [ $prc -ne 0 ]; then
		echo "FAIL: $name: exit $prc"
		cat "$T/cycles-$name.out"
		sed 's/^==[0-9]*== //' "$log" | grep -v '^$' | head -n 200
		rc=1
	fi
}

note "valgrind $(valgrind --version | sed 's/valgrind-//'), memcheck"
pass file "${NHI_VG_FILE_CYCLES:-1000}" -p "$MOD" -d NOPE-1 -l file vendor1 CHG-1042
pass unload "${NHI_VG_UNLOAD_CYCLES:-100}" -d NOPE-1 -l file vendor1 CHG-1042

# ---- the http backend against the real HTTPS test server -------------------
http_cycles=${NHI_VG_HTTP_CYCLES:-1000}
if [ "$http_cycles" -gt 0 ]; then
	if ! command -v python3 >/dev/null || ! command -v openssl >/dev/null; then
		note "http: skipped (python3 or openssl missing)"
	elif [ ! -f "$BUILD/nhiacct_http.so" ]; then
		note "http: skipped (no $BUILD/nhiacct_http.so)"
	else
		"$NHI_TOP/tests/lib/mkcerts.sh" "$T/certs" || fail "mkcerts.sh failed"
		mkdir -m 0755 "$T/api"
		pamenv_ticket CHG-1042 . "$T/api"
		(umask 077 && echo "nhi-valgrind-token" >"$T/token")
		python3 "$NHI_TOP/tests/lib/https_server.py" --tickets "$T/api" \
			--port-file "$T/port" --cert "$T/certs/server.crt" --key "$T/certs/server.key" \
			--lifetime 1800 --idle 300 >"$T/server.log" 2>&1 &
		server=$!
		trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; pamenv_cleanup' EXIT
		for _ in $(seq 200); do [ -s "$T/port" ] && break; sleep 0.05; done
		[ -s "$T/port" ] || fail "the HTTPS test server did not start: $(cat "$T/server.log")"
		port=$(cat "$T/port")
		pamenv_conf "$T/http.conf" "backend = http" \
			"url = https://127.0.0.1:$port/tickets/{id}" \
			"lookup_url = https://127.0.0.1:$port/lookup?user={user}&host={host}" \
			"ca_file = $T/certs/ca.crt" "token_file = $T/token" "timeout = 20s"
		pamenv_svc http "$T/http.conf"
		pass http "$http_cycles" -p "$MOD" -d NOPE-1 -l http vendor1 CHG-1042
	fi
fi
[ $rc -eq 0 ] && echo "valgrind: no errors, nothing definitely or indirectly lost"
exit $rc
