#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/lib/with-journald.sh [--no-journald] CMD [ARG...]
#
# Runs CMD in a private mount namespace with a private, empty systemd journal:
# tmpfs over /run/systemd/journal, /run/log/journal and /var/log/journal, and
# a systemd-journald of its own listening on /run/systemd/journal/socket,
# with its own journald.conf (bind-mounted over the machine's): volatile, no
# kernel messages, no forwarding, no rate limit.
# Inside CMD, sd_journal_send() writes to that journald and journalctl reads
# that journal (see tests/lib/journal.sh).  The machine's journal, and
# everything CMD bind-mounts (e.g. tests/lib/sshd.sh over /etc/pam.d), stay
# invisible to the rest of the machine and vanish with the namespace.
#
#   --no-journald   same mounts, but no journald: the journal socket is absent,
#                   so sd_journal_send() fails (-ENOENT): "record not written".
#
# CMD sees:
#   NHI_PRIVATE_NS=1      it runs in such a namespace (sshd.sh checks this)
#   NHI_JOURNALD_PID      pid of the private journald (empty with --no-journald);
#                         a test may kill it to make the journal go away mid-test
#
# Exit status: CMD's; 77 (skip) when not root; 1 when the setup fails.
# Nothing is left running: journald gets SIGTERM when CMD ends, and
# SIGTERM through PR_SET_PDEATHSIG if this script is killed.
set -u

JOURNALD=${JOURNALD:-/lib/systemd/systemd-journald}
SOCKET=/run/systemd/journal/socket

die() { echo "with-journald.sh: $*" >&2; exit 1; }

if [ "${_NHI_WJ_INNER:-}" != 1 ]; then
	mode=journald
	if [ "${1:-}" = --no-journald ]; then
		mode=none
		shift
	fi
	if [ $# -eq 0 ]; then
		echo "usage: $0 [--no-journald] CMD [ARG...]" >&2
		exit 2
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: needs root (private mount namespace)"
		exit 77
	fi
	command -v unshare >/dev/null || die "unshare not found (util-linux)"
	if [ $mode = journald ] && [ ! -x "$JOURNALD" ]; then
		die "$JOURNALD not found (package systemd)"
	fi
	self=$(readlink -f "$0")
	# shellcheck disable=SC2093 # exec fails only if unshare is missing
	_NHI_WJ_INNER=1 _NHI_WJ_MODE=$mode exec unshare -m --propagation private "$self" "$@"
	die "unshare failed"
fi

# ---- inside the private mount namespace ---------------------------------
mode=$_NHI_WJ_MODE
unset _NHI_WJ_INNER _NHI_WJ_MODE

# Safety: never mount anything over the machine's own directories.
[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] ||
	die "not in a private mount namespace; refusing to mount"

mount_tmpfs() {
	mount -t tmpfs -o mode=0755,size=256m,nosuid,nodev tmpfs "$1" ||
		die "cannot mount tmpfs on $1"
}

# /run/... are runtime directories: create them when missing (harmless, and
# what systemd itself would create).
for d in /run/systemd/journal /run/log/journal; do
	mkdir -p "$d" || die "cannot create $d"
	mount_tmpfs "$d"
done
# /var/log/journal: hide the machine's journal from journalctl.  When it is
# missing, leave it so: creating it would switch the machine's journald to
# persistent storage, and the private journald below is volatile anyway.
[ -d /var/log/journal ] && mount_tmpfs /var/log/journal

# The private journald's own configuration, over the machine's (in this
# namespace only): volatile, no kernel messages imported, no forwarding, no
# rate limit (tests and benchmarks write many records quickly).
if [ "$mode" = journald ]; then
	jconf=$(mktemp /tmp/with-journald.conf.XXXXXX) || die "mktemp failed"
	cat >"$jconf" <<-EOF
	[Journal]
	Storage=volatile
	ReadKMsg=no
	Audit=no
	ForwardToSyslog=no
	ForwardToKMsg=no
	ForwardToConsole=no
	ForwardToWall=no
	RateLimitBurst=0
	RuntimeMaxUse=200M
	EOF
	chmod 0644 "$jconf"
	# (Without the file there is no mount point; the defaults then apply.)
	if [ -f /etc/systemd/journald.conf ]; then
		mount --bind "$jconf" /etc/systemd/journald.conf ||
			die "cannot bind-mount over /etc/systemd/journald.conf"
	fi
	rm -f "$jconf"
	for d in /etc/systemd/journald.conf.d /run/systemd/journald.conf.d \
		 /usr/lib/systemd/journald.conf.d /usr/local/lib/systemd/journald.conf.d; do
		[ -d "$d" ] && mount_tmpfs "$d"
	done
fi

export NHI_PRIVATE_NS=1
export NHI_JOURNALD_PID=

jpid=
stop_journald() {
	if [ -n "$jpid" ]; then
		kill -TERM "$jpid" 2>/dev/null
		wait "$jpid" 2>/dev/null
		jpid=
	fi
}
trap 'stop_journald; exit 143' TERM
trap 'stop_journald; exit 130' INT
trap 'stop_journald; exit 129' HUP

if [ "$mode" = journald ]; then
	jlog=$(mktemp /tmp/with-journald.XXXXXX) || die "mktemp failed"
	# --pdeathsig: journald dies with this shell even if it is SIGKILLed.
	# Its own messages to its stderr (not the machine's kernel log).
	SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=notice \
		setpriv --pdeathsig TERM -- "$JOURNALD" </dev/null >"$jlog" 2>&1 &
	jpid=$!
	# The socket shows up 30-50 ms after the start; allow 5 s.
	for _ in $(seq 500); do
		[ -S "$SOCKET" ] && break
		kill -0 "$jpid" 2>/dev/null || break
		sleep 0.01
	done
	if [ ! -S "$SOCKET" ]; then
		if kill -0 "$jpid" 2>/dev/null; then
			echo "with-journald.sh: $JOURNALD did not create $SOCKET within 5 s" >&2
		else
			echo "with-journald.sh: $JOURNALD exited before creating $SOCKET" >&2
		fi
		cat "$jlog" >&2
		stop_journald
		rm -f "$jlog"
		exit 1
	fi
	rm -f "$jlog"
	NHI_JOURNALD_PID=$jpid
fi

"$@"
rc=$?
stop_journald
exit $rc
