# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# tests/e2e/lib_session.sh: the setup shared by test_sessions.sh,
# test_revoke.sh and bench/revocation.sh (source it after tests/lib/sshd.sh
# and tests/lib/journal.sh, inside tests/lib/with-journald.sh).
#
#   nhs_setup T BUILD [CONF_LINE...]   (a CONF_LINE replaces the default of its key)
#       sshd_setup, then: T/tickets (root, 0700) for the file backend,
#       T/run (root, 0700) as state_dir, T/nhiacct.conf (vendor_groups =
#       vendors, host = jump1.test, recheck = 1s, warn_before = 3s, plus
#       CONF_LINEs), and the PAM service of the harness's sshd with the BUILT
#       module (absolute path):
#         auth    sufficient pam_nhiacct.so   (ticket prompt; success only
#         auth    required   pam_deny.so       after a public key)
#         account required   pam_nhiacct.so + pam_unix.so
#         session required   pam_permit.so (what pam_unix etc. are on a
#                                              real host: non-vendors get
#                                              PAM_IGNORE from us)
#                 required   pam_nhiacct.so
#   nhs_ticket T ID USER NOT_AFTER [STATE]
#       Writes T/tickets/ID.json atomically (approved by alice for USER on
#       jump1.test, not_before an hour ago; NOT_AFTER in Unix seconds).
#   nhs_watch_start T BUILD / nhs_watch_stop
#       `nhiacct watch` in the background (log in T/watch.log), until stopped;
#       NHS_WATCH_ENV: NAME=VALUE words for its environment; NHS_WATCH_WRAP:
#       a command it runs under (e.g. setpriv --bounding-set=...).
#   nhs_kill_uids UID...               ends every process of the uids
#   nhs_dump T                         the journal and T/watch.log, on failure
#   nhs_wait_file PATH [TIMEOUT]      waits for a file to exist
#   nhs_now_ms                         wall clock in ms
#   nhs_start_time PID                 field 22 of /proc/PID/stat

NHS_WATCH_PID=

nhs_setup() {
	local T=$1 BUILD=$2 mod
	shift 2
	sshd_setup "$T" || return
	mod=$BUILD/pam_nhiacct.so
	[ -f "$mod" ] || { echo "no $mod: run make first" >&2; return 1; }
	install -d -m 0700 -o root -g root "$T/tickets" "$T/run"
	# the defaults, but for the keys the caller sets (a key given twice is
	# a configuration error)
	local line given=" "
	for line in "$@"; do given="$given${line%% =*} "; done
	{
		for line in "vendor_groups = vendors" "host = jump1.test" \
			    "ticket_dir = $T/tickets" "state_dir = $T/run" "recheck = 1s" \
			    "warn_before = 3s"; do
			[[ $given == *" ${line%% =*} "* ]] || echo "$line"
		done
		printf '%s\n' "$@"
	} >"$T/nhiacct.conf"
	chmod 0600 "$T/nhiacct.conf"
	sshd_pam "$T" <<-EOF
	auth     sufficient $mod conf=$T/nhiacct.conf
	auth     required   pam_deny.so
	account  required   $mod conf=$T/nhiacct.conf
	account  required   pam_unix.so
	session  required   pam_permit.so
	session  required   $mod conf=$T/nhiacct.conf
	password required   pam_deny.so
	EOF
}

nhs_ticket() {
	local T=$1 id=$2 user=$3 na=$4 state=${5:-approved}
	cat >"$T/tickets/.$id.tmp" <<-EOF
	{ "id": "$id", "state": "$state", "requester": "acme-jdoe", "approver": "alice",
	  "scope": { "hosts": ["jump1.test"], "accounts": ["$user"] },
	  "window": { "not_before": $(($(date +%s) - 3600)), "not_after": $na },
	  "purpose": "e2e test" }
	EOF
	chmod 0600 "$T/tickets/.$id.tmp"
	mv -f "$T/tickets/.$id.tmp" "$T/tickets/$id.json"
}

nhs_watch_start() {
	local T=$1 BUILD=$2
	# shellcheck disable=SC2086
	env ${NHS_WATCH_ENV:-} ${NHS_WATCH_WRAP:-} setpriv --pdeathsig TERM -- "$BUILD/nhiacct" --conf "$T/nhiacct.conf" --debug watch \
		</dev/null >>"$T/watch.log" 2>&1 &
	NHS_WATCH_PID=$!
}

nhs_watch_stop() {
	if [ -n "$NHS_WATCH_PID" ]; then
		kill -TERM "$NHS_WATCH_PID" 2>/dev/null
		wait "$NHS_WATCH_PID" 2>/dev/null
		NHS_WATCH_PID=
	fi
}

nhs_wait_file() {
	local f=$1 n=$((${2:-5} * 20))
	while [ "$n" -gt 0 ]; do
		[ -e "$f" ] && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

nhs_now_ms() { echo $(($(date +%s%N) / 1000000)); }

nhs_start_time() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $20 }'
}

#   nhs_bg_ssh T NAME USER "SSH_OPTS" CMD
#       Starts an ssh client in the background (public key, BatchMode); when
#       it ends, T/NAME.end holds "EXIT_CODE END_MS" (stdout/stderr in
#       T/NAME.out, T/NAME.err).  Sets NHS_BG_PID.
#   nhs_wait_end T NAME TIMEOUT       waits for T/NAME.end; prints END_MS
#   nhs_live_of_uid UID               pids of UID that are not zombies
#   nhs_stats MS...                   prints "median M worst W" (ms)
nhs_bg_ssh() {
	local T=$1 name=$2 user=$3 opts=$4
	shift 4
	rm -f "$T/$name.end"
	(
		# shellcheck disable=SC2086
		timeout -k 5 120 ssh -F "$T/ssh_config" -o BatchMode=yes $opts -- \
			"$user@$SSHD_HOSTALIAS" "$@" </dev/null >"$T/$name.out" 2>"$T/$name.err"
		rc=$?
		echo "$rc $(nhs_now_ms)" >"$T/$name.end.tmp"
		mv "$T/$name.end.tmp" "$T/$name.end"
	) &
	NHS_BG_PID=$!
}

nhs_wait_end() {
	local T=$1 name=$2
	nhs_wait_file "$T/$name.end" "$3" || return 1
	cut -d' ' -f2 "$T/$name.end"
}

# nhs_kill_uids UID...: ends every process of each uid the way the watch
# does (one kill(-1) as the uid, which a fork-exit loop cannot outrun), so
# that nothing of the test users outlives a test.
nhs_kill_uids() {
	local u
	for u in "$@"; do
		setpriv --reuid="$u" --regid=65534 --clear-groups kill -KILL -1 2>/dev/null
	done
	return 0
}

# nhs_dump T: what a failing test shows, the journal and the watch's log.
nhs_dump() {
	jdump
	if [ -f "$1/watch.log" ]; then
		echo "---- watch.log ----" >&2
		cat "$1/watch.log" >&2
	fi
}

nhs_live_of_uid() {
	ps -e -o pid=,uid=,stat= | awk -v u="$1" '$2 == u && $3 !~ /^[ZX]/ { print $1 }'
}

nhs_stats() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		m = (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)
		printf "median %d worst %d\n", m, v[NR] }'
}
