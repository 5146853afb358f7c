# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# tests/lib/systemd_host.sh: a real systemd host (PID 1, journald, dbus,
# logind, pam_systemd, sshd, cron) booted in private pid, mount, uts, ipc and
# cgroup namespaces on a machine that has no systemd as PID 1 (written from
# shared/recipes/systemd-host.sh).  Source it from a test that runs as root
# in a private mount namespace (unshare -m --propagation private).
#
#   sdh_private_ns ARGS...
#       Re-executes the calling script in a private mount namespace, once
#       (call it first, with the script's arguments).
#   sdh_need_root
#       sdh_root_cache into SDH_ROOT; exits 77 (printing why) when no root
#       can be built, fails on any other error.
#   sdh_root_cache
#       Prints the path of a Debian 12 root built once with mmdebstrap and
#       kept outside the source tree (NHI_SYSTEMD_ROOT, default
#       /var/tmp/nhiacct-systemd-root/<hash of the package list>).  Builds it
#       (about 40 s, 300 MB) when missing; returns 77 with "SKIP: ..." when
#       mmdebstrap cannot (no package archive).
#   sdh_overlay CACHE DIR
#       A fresh writable root at DIR/root: an overlay over CACHE, so every
#       run boots from the same clean state and the cache is never changed.
#   sdh_boot ROOT [PROC_OPTIONS]
#       Boots ROOT; /proc is mounted with PROC_OPTIONS (e.g. hidepid=2).
#       Sets SDH_PID (its PID 1 as seen from here); waits until
#       `systemctl is-system-running` says running or degraded (20 s).
#   sdh_run CMD...      runs CMD inside (nsenter + chroot), as root
#   sdh_journal MATCH...  the host's journal entries matching, as JSON lines
#   sdh_journal_wait [-t T0] MATCH...
#       Waits up to 15 s for a matching entry (at or after T0, microseconds
#       since the epoch as sdh_now_us gives: records are told apart by
#       their timestamps, not by a --since of whole seconds), prints the last.
#   sdh_now_us          now, in microseconds since the epoch
#   sdh_stop            kills its PID 1: the whole namespace goes with it
#   sdh_teardown DIR    sdh_stop, then the overlay at DIR/root and DIR go

SDH_PID=
SDH_PACKAGES=systemd,systemd-sysv,dbus,dbus-user-session,libpam-systemd,openssh-server,openssh-client,libjansson4,libcurl4,libjq1,procps,python3,tmux,cron,psmisc,tlog

sdh_private_ns() {
	[ -n "${NHI_SDH_NS:-}" ] ||
		NHI_SDH_NS=1 exec unshare -m --propagation private "$(readlink -f "$0")" "$@"
}

SDH_ROOT=
sdh_need_root() {
	local rc
	SDH_ROOT=$(sdh_root_cache)
	rc=$?
	[ $rc -eq 77 ] && { echo "$SDH_ROOT"; exit 77; }
	[ $rc -eq 0 ] || fail "no Debian root for the systemd host"
}

sdh_root_cache() {
	local sum dir
	sum=$(printf '%s bookworm minbase\n' "$SDH_PACKAGES" | sha256sum | cut -c1-12)
	dir=${NHI_SYSTEMD_ROOT:-/var/tmp/nhiacct-systemd-root/$sum}
	if [ ! -e "$dir/.complete" ]; then
		command -v mmdebstrap >/dev/null ||
			{ echo "SKIP: mmdebstrap is not installed"; return 77; }
		rm -rf "$dir.tmp"
		mkdir -p "$(dirname "$dir")"
		if ! mmdebstrap --variant=minbase --include="$SDH_PACKAGES" bookworm "$dir.tmp" \
			>"$(dirname "$dir")/build.log" 2>&1; then
			rm -rf "$dir.tmp"
			echo "SKIP: mmdebstrap could not build a bookworm root (no package archive?):" \
				"$(tail -n1 "$(dirname "$dir")/build.log")"
			return 77
		fi
		touch "$dir.tmp/.complete"
		rm -rf "$dir"
		mv "$dir.tmp" "$dir"
	fi
	echo "$dir"
}

sdh_overlay() {
	local cache=$1 d=$2
	mkdir -p "$d/upper" "$d/work" "$d/root"
	mount -t overlay overlay -o "lowerdir=$cache,upperdir=$d/upper,workdir=$d/work" "$d/root"
}

sdh_boot() {
	local R proc=${2:-} us pid s
	R=$(cd "$1" && pwd)
	unshare --pid --fork --mount --uts --ipc --cgroup bash -c '
		R=$1 PROC=$2
		mount --make-rprivate /
		mount --bind "$R" "$R"
		mount -t proc ${PROC:+-o "$PROC"} proc "$R/proc"
		mount -t sysfs sysfs "$R/sys" 2>/dev/null || mount --rbind /sys "$R/sys"
		mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup"
		mount -t tmpfs -o mode=755 tmpfs "$R/run"
		mount -t tmpfs tmpfs "$R/tmp"
		mount --rbind /dev "$R/dev"
		exec chroot "$R" /usr/bin/env container=other /lib/systemd/systemd --system \
			--log-target=null' bash "$R" "$proc" >/dev/null 2>&1 &
	us=$!
	for _ in $(seq 100); do
		pid=$(pgrep -P "$us" || true)
		[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = systemd ] && break
		pid=
		sleep 0.1
	done
	[ -n "$pid" ] || { echo "sdh_boot: systemd did not start" >&2; return 1; }
	SDH_PID=$pid
	for _ in $(seq 200); do
		s=$(sdh_run systemctl is-system-running 2>/dev/null || true)
		case $s in running | degraded) return 0 ;; esac
		sleep 0.1
	done
	echo "sdh_boot: not running after 20 s: $s" >&2
	return 1
}

sdh_run() {
	nsenter -t "$SDH_PID" -m -p -u -i chroot "/proc/$SDH_PID/root" "$@"
}

sdh_journal() { sdh_run journalctl -q --no-pager -o json "$@"; }

sdh_now_us() { echo $(($(date +%s%N) / 1000)); }

sdh_journal_wait() {
	local t=0 out
	if [ "${1:-}" = -t ]; then
		t=$2
		shift 2
	fi
	for _ in $(seq 150); do
		out=$(sdh_journal "$@" |
			jq -c --argjson t "$t" 'select((.__REALTIME_TIMESTAMP | tonumber) >= $t)' |
			tail -n1)
		[ -n "$out" ] && { printf '%s\n' "$out"; return 0; }
		sleep 0.1
	done
	return 1
}

sdh_stop() {
	if [ -n "$SDH_PID" ]; then
		kill -9 "$SDH_PID" 2>/dev/null
		for _ in $(seq 50); do
			[ -e "/proc/$SDH_PID" ] || break
			sleep 0.1
		done
		SDH_PID=
	fi
}

sdh_teardown() {
	sdh_stop
	umount -R "$1/root" 2>/dev/null
	rm -rf "$1"
}
