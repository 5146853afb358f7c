# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# tests/lib/pamenv.sh: the real-PAM-stack setup of tests/pam/run.sh, as
# functions, for the suites of issue 7 (matrix, concurrency, valgrind).
# Source it after tests/lib/common.sh; needs root (root-owned config and
# tickets, as the module demands).
#
#   pamenv_init BUILD [NVENDORS]
#       T (scratch dir, removed on exit), MOD, BUILD; T/tickets (0755),
#       T/run (state_dir, 0700), T/services; nss_wrapper passwd/group with
#       vendor1..vendorNVENDORS (default 4) in group "vendors", contractor
#       (a vendor by vendor_users), staff1 (no vendor), alice and carol.
#   pamenv_conf FILE [LINE...]
#       a valid test config (vendors, host jump1.example.com, T/tickets,
#       T/run, any approver), the extra lines appended; mode 0644.
#   pamenv_svc NAME CONF [MODULE-ARG...]
#       a service with pam_nhiacct in auth (optional), account and session
#       (required), then pam_permit, the arguments given on every line.
#   pamenv_ticket ID [JQ-FILTER] [DIR]
#       DIR/ID.json (default T/tickets): a ticket that grants vendor1..N and
#       contractor on jump1 (approved by alice, requested by acme-jdoe,
#       not_before now-600, not_after now+3600), changed by JQ-FILTER; times
#       in it may be given as $now + N in the filter (jq --argjson now).
#   pamenv_iso SECONDS-FROM-NOW   prints an RFC 3339 UTC time
#   pamenv_check CONF WANT TICKET [ARG...]
#       `nhiacct check --user vendor1` with CONF (TICKET "": by lookup) as the
#       module would decide, asserted: WANT is granted or the reason code;
#       OUT holds its output.
#   pamenv_login SERVICE WANT TICKET
#       auth and account of vendor1 through the real PAM stack (pamrun,
#       TICKET answered at the prompt), asserted with the grant or deny
#       record; OUT holds the module's lines and "account: PAM_...".
#   pamenv_run CMD [ARG...]
#       CMD under pam_wrapper + nss_wrapper with the files above
#       (PAMENV_PRELOAD_FIRST, if set, goes first in LD_PRELOAD: e.g. the
#       ASan runtime; PAMENV_EXEC=1: exec, so that CMD keeps the pid of a
#       subshell the caller started in the background; PAMENV_BACKEND_DIR:
#       where the http backend object is, default BUILD).  Uses T/services,
#       T/passwd, T/group: a suite may write its own into T.

pamenv_init() {
	BUILD=$(cd "${1:?BUILD}" && pwd) || fail "no build directory $1"
	local n=${2:-4} i members=
	MOD=$BUILD/pam_nhiacct.so
	[ -f "$MOD" ] || fail "build first: make BUILD=$1"
	[ "$(id -u)" -eq 0 ] || skip "needs root (root-owned test config and tickets)"
	need_cmd jq
	for lib in libpam_wrapper.so libnss_wrapper.so; do
		ldconfig -p | grep -q "$lib" || skip "$lib not installed (libpam-wrapper, libnss-wrapper)"
	done
	T=$(mktemp -d /tmp/nhiacct-i7.XXXXXX) || fail "mktemp"
	trap 'pamenv_cleanup' EXIT
	chmod 0755 "$T"
	mkdir -m 0755 "$T/tickets" "$T/services"
	mkdir -m 0700 "$T/run"
	{
		echo "root:x:0:0:root:/root:/bin/sh"
		for i in $(seq 1 "$n"); do
			echo "vendor$i:x:$((20000 + i)):$((20000 + i)):Vendor $i:/nonexistent:/bin/sh"
		done
		echo "contractor:x:19001:19001:Contractor:/nonexistent:/bin/sh"
		echo "staff1:x:19010:19010:Staff:/nonexistent:/bin/sh"
		echo "alice:x:19020:19020:Alice Approver:/nonexistent:/bin/sh"
		echo "carol:x:19021:19021:Carol Approver:/nonexistent:/bin/sh"
	} >"$T/passwd"
	for i in $(seq 1 "$n"); do members="$members${members:+,}vendor$i"; done
	{
		echo "root:x:0:"
		echo "vendors:x:20000:$members"
		for i in $(seq 1 "$n"); do echo "vendor$i:x:$((20000 + i)):"; done
		echo "contractor:x:19001:"
		echo "staff1:x:19010:"
		echo "approvers:x:19100:carol"
	} >"$T/group"
	PAMENV_NVENDORS=$n
	PAMENV_NOW=$(date +%s)
	cat >"$T/services/other" <<-S
	auth     required  pam_deny.so
	account  required  pam_deny.so
	session  required  pam_deny.so
	S
}

pamenv_cleanup() {
	local rc=$?
	[ -n "${PAMENV_KEEP:-}" ] && { echo "# kept $T"; return $rc; }
	[ -n "${T:-}" ] && rm -rf "$T"
	return $rc
}

pamenv_conf() {
	local f=$1
	shift
	{
		echo "# test configuration"
		echo "vendor_groups = vendors"
		echo "vendor_users  = contractor"
		echo "host          = jump1.example.com"
		echo "ticket_dir    = $T/tickets"
		echo "state_dir     = $T/run"
		printf '%s\n' "$@"
	} >"$f"
	chmod 0644 "$f"
}

pamenv_svc() {
	local name=$1 c=$2
	shift 2
	cat >"$T/services/$name" <<-S
	auth     optional  $MOD conf=$c $*
	auth     required  pam_permit.so
	account  required  $MOD conf=$c $*
	account  required  pam_permit.so
	session  required  $MOD conf=$c $*
	session  required  pam_permit.so
	S
}

pamenv_iso() {
	date -u -d "@$((PAMENV_NOW + $1))" +%Y-%m-%dT%H:%M:%SZ
}

pamenv_ticket() {
	local id=$1 filter=${2:-.} dir=${3:-$T/tickets} accounts
	accounts=$(seq 1 "$PAMENV_NVENDORS" | sed 's/^/vendor/' | jq -R . | jq -s '. + ["contractor"]')
	jq -n --arg id "$id" --argjson now "$PAMENV_NOW" --argjson acc "$accounts" \
		--arg nb "$(pamenv_iso -600)" --arg na "$(pamenv_iso 3600)" '
		{ id: $id, state: "approved", requester: "acme-jdoe", approver: "alice",
		  scope: { hosts: ["jump1.example.com"], accounts: $acc },
		  window: { not_before: $nb, not_after: $na },
		  purpose: "Apply vendor hotfix 4.2.1" } | '"$filter" >"$dir/$id.json" ||
		fail "ticket $id: bad jq filter: $filter"
	chmod 0644 "$dir/$id.json"
}

pamenv_run() {
	${PAMENV_EXEC:+exec} env LD_PRELOAD="${PAMENV_PRELOAD_FIRST:+$PAMENV_PRELOAD_FIRST:}libpam_wrapper.so:libnss_wrapper.so" \
	    PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/services" \
	    NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" \
	    NHIACCT_BACKEND_DIR="${PAMENV_BACKEND_DIR:-$BUILD}" "$@"
}

pamenv_check() {
	local conf=$1 want=$2 id=$3 rc
	shift 3
	OUT=$(pamenv_run "$BUILD/nhiacct" --conf "$conf" check --user vendor1 "$@" ${id:+"$id"} 2>&1)
	rc=$?
	if [ "$want" = granted ]; then
		assert_eq 0 "$rc" "check ${id:-(lookup)} ($conf): exit status ($OUT)"
		assert_match '^granted' "$OUT" "check ${id:-(lookup)} ($conf)"
	else
		assert_eq 1 "$rc" "check ${id:-(lookup)} ($conf): exit status ($OUT)"
		assert_match "^denied: $want" "$OUT" "check ${id:-(lookup)} ($conf)"
	fi
}

pamenv_login() {
	local svc=$1 want=$2 id=$3 out
	out=$(pamenv_run "$BUILD/tests/pamrun" -a "$id" "$svc" vendor1 auth,account) ||
		fail "pamrun $svc"
	OUT=$(printf '%s\n' "$out" | jq -r '(.msgs[].text), "account: \(.account.name // "not run")"')
	if [ "$want" = granted ]; then
		assert_match 'nhiacct: access granted: ' "$OUT" "PAM ${id:-(lookup)} ($svc)"
		assert_match 'account: PAM_SUCCESS' "$OUT" "PAM ${id:-(lookup)} ($svc)"
		jwait NHIACCT_EVENT=grant NHIACCT_USER=vendor1 ${id:+NHIACCT_TICKET=$id} >/dev/null ||
			fail "PAM ${id:-(lookup)} ($svc): no grant record"
	else
		assert_match "nhiacct: access refused \\($want\\): " "$OUT" "PAM ${id:-(lookup)} ($svc)"
		assert_no_match 'account: PAM_SUCCESS' "$OUT" "PAM ${id:-(lookup)} ($svc)"
		jwait NHIACCT_EVENT=deny NHIACCT_REASON="$want" NHIACCT_USER=vendor1 \
			${id:+NHIACCT_TICKET=$id} >/dev/null ||
			fail "PAM ${id:-(lookup)} ($svc): no deny record with $want"
	fi
}
