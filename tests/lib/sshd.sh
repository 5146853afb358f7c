# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# shellcheck disable=SC2034 # SSH_*, SSHD_PORT: results for the caller
#
# tests/lib/sshd.sh: a real OpenSSH sshd on 127.0.0.1 for end-to-end tests,
# without touching the machine's /etc.  Source it from a bash test that runs
# as root inside a private mount namespace (tests/lib/with-journald.sh).
# See shared/testing.md section 3 for how sshd and PAM interact.
#
#   sshd_setup T
#       Prepares the absolute directory T (created if missing; made 0755 so
#       test users can reach their homes under it):
#         T/sshd_config        absolute paths, ListenAddress 127.0.0.1, a free
#                              high port, UsePAM yes, PasswordAuthentication no,
#                              KbdInteractiveAuthentication yes, StrictModes no,
#                              AuthorizedKeysFile T/authorized_keys/%u,
#                              PidFile T/sshd.pid, LogLevel VERBOSE; it first
#                              includes T/sshd_config.d/*.conf (see
#                              sshd_config_add)
#         T/sshd-nhiacct       symlink to /usr/sbin/sshd: the PAM service is
#                              "sshd-nhiacct" (basename of argv[0])
#         T/pam.d/             copy of /etc/pam.d plus T/pam.d/sshd-nhiacct, a
#                              stock stack: auth pam_deny, account pam_unix,
#                              session pam_permit (replace with sshd_pam)
#         T/passwd, T/group, T/shadow
#                              the machine's files plus the test users:
#                                group vendors  gid 20000
#                                vendor1 uid 20001, primary group vendors
#                                vendor2 uid 20002, primary group vendor2
#                                        (20002), supplementary vendors
#                                staff1  uid 20003, primary group staff1
#                                        (20003): not a vendor
#                              password field '*' (no password, not locked),
#                              shell /bin/sh, home T/home/USER
#         T/id_ed25519         client key, authorized for every test user
#         T/ssh_config         client config: that key only, the port, the
#                              host key pinned in T/known_hosts, LogLevel INFO
#                              (pam_info/pam_error lines reach stderr),
#                              NumberOfPasswordPrompts 1
#         T/port               the port (also in $SSHD_PORT after sshd_setup)
#       Returns 77 (skip) when not root.
#
#   sshd_pam T < STACK
#       Replaces the PAM service file T/pam.d/sshd-nhiacct with stdin.
#
#   sshd_config_add T LINE...
#       Appends lines to T/sshd_config.d/50-test.conf, which sshd_config
#       includes first: a global keyword there wins over the defaults (for
#       sshd the first value obtained is used), and a "Match" block there ends
#       with that file.  E.g.
#         sshd_config_add "$T" "ExposeAuthInfo yes" "Match User vendor1" \
#             "  AuthenticationMethods publickey,keyboard-interactive"
#       sshd reads its config when it starts: call before sshd_start (or
#       sshd_stop, then sshd_start again).
#
#   sshd_add_group T NAME GID
#   sshd_add_user T NAME UID PRIMARY_GROUP [SUPPLEMENTARY_GROUP...]
#       More test users/groups (PRIMARY_GROUP is created with gid UID if
#       missing; home, authorized key and shadow entry as above).  Files are
#       rewritten in place (same inode), so this also works after sshd_start.
#       Edit T/passwd etc. yourself only in place as well (>>, or cat >):
#       `sed -i` makes a new file that the bind mount does not show.
#
#   sshd_set_password T USER PASSWORD
#       Gives USER a real (SHA-512 crypt) password in T/shadow.
#
#   sshd_start T
#       Refuses unless in a private mount namespace.  Bind-mounts T/pam.d over
#       /etc/pam.d, T/passwd, T/group, T/shadow over /etc/..., empty files over
#       /var/log/{wtmp,btmp,lastlog} (so logins are not recorded on the
#       machine), creates /run/sshd, and starts `T/sshd-nhiacct -D -e -f
#       T/sshd_config` in the background, its log in T/sshd.log.  Returns when
#       sshd listens (at most 5 s; prints the log and returns 1 otherwise).
#       sshd gets SIGTERM if the calling shell dies.
#
#   sshd_stop T
#       Stops sshd and every process it started: its descendants, then any
#       process of a test user left in this mount namespace (a background
#       job that escaped the tree).  Removes the bind mounts.  Safe to call
#       twice, or when sshd_start failed.
#
#   ssh_run T USER CMD...
#       Public-key login as USER (BatchMode=yes, stdin /dev/null) running CMD
#       (joined with spaces and parsed by the remote /bin/sh, as ssh does).
#       Sets SSH_RC, SSH_OUT, SSH_ERR (also in T/ssh.out, T/ssh.err) and
#       returns SSH_RC (255 when the login was refused): with `set -e`, write
#       `ssh_run ... || :` when a refusal is expected.
#
#   ssh_kbdint T USER ANSWER CMD...
#       Public key and/or keyboard-interactive (whatever the server asks;
#       BatchMode=no, stdin /dev/null).  Every prompt is answered through
#       SSH_ASKPASS (SSH_ASKPASS_REQUIRE=force): the N-th prompt gets line N
#       of ANSWER, the last line repeating.  Sets SSH_RC, SSH_OUT, SSH_ERR,
#       and SSH_PROMPTS (the prompt texts seen, one a line; T/askpass.log).
#       OpenSSH's client prefixes each keyboard-interactive prompt with
#       "(USER@HOST) ": match prompts with e.g. 'Access ticket: $'.
#       Pitfall: after a keyboard-interactive success sshd calls
#       pam_setcred(ESTABLISH) and ends the connection ("PAM: pam_setcred():
#       Permission denied", client exit 255) when it fails; it fails when
#       every auth module's pam_sm_setcred returns PAM_IGNORE.
#
#   SSH_OPTS   extra ssh client options for ssh_run/ssh_kbdint, word-split,
#              e.g. SSH_OPTS="-tt" for a pty.
#   SSH_TIMEOUT  seconds before a client is killed (default 30).
#   SSHD_ENV   extra NAME=VALUE words for sshd's environment (e.g. an
#              LD_PRELOAD for sanitizer runs); sshd otherwise gets only PATH.

SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}
SSHD_SERVICE=sshd-nhiacct
SSHD_HOSTALIAS=nhiacct-test-sshd

_sshd_err() { echo "sshd.sh: $*" >&2; }

_sshd_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Writes the files that carry the port.
_sshd_set_port() {
	local T=$1 port=$2
	echo "$port" >"$T/port"
	sed -i "s/^Port .*/Port $port/" "$T/sshd_config" "$T/ssh_config"
	SSHD_PORT=$port
}

# Rewrites file $1 in place (keeps the inode a bind mount refers to) from stdin.
_sshd_rewrite() {
	local f=$1 tmp
	tmp=$(cat) || return 1
	printf '%s\n' "$tmp" >"$f"
}

sshd_add_group() {
	local T=$1 name=$2 gid=$3
	if grep -q "^$name:" "$T/group"; then
		_sshd_err "group $name exists"
		return 1
	fi
	if awk -F: -v g="$gid" '$3 == g { f = 1 } END { exit !f }' "$T/group"; then
		_sshd_err "gid $gid is taken in $T/group"
		return 1
	fi
	echo "$name:x:$gid:" >>"$T/group"
}

sshd_add_user() {
	local T=$1 name=$2 uid=$3 pgroup=$4 gid g
	shift 4
	if grep -q "^$name:" "$T/passwd"; then
		_sshd_err "user $name exists"
		return 1
	fi
	if awk -F: -v u="$uid" '$3 == u { f = 1 } END { exit !f }' "$T/passwd"; then
		_sshd_err "uid $uid is taken in $T/passwd"
		return 1
	fi
	grep -q "^$pgroup:" "$T/group" || sshd_add_group "$T" "$pgroup" "$uid" || return 1
	gid=$(awk -F: -v n="$pgroup" '$1 == n { print $3 }' "$T/group")
	for g in "$@"; do
		if ! grep -q "^$g:" "$T/group"; then
			_sshd_err "no group $g"
			return 1
		fi
		awk -F: -v OFS=: -v n="$g" -v u="$name" \
			'$1 == n { $4 = ($4 == "" ? u : $4 "," u) } { print }' "$T/group" |
			_sshd_rewrite "$T/group" || return 1
	done
	echo "$name:x:$uid:$gid:test user:$T/home/$name:/bin/sh" >>"$T/passwd"
	echo "$uid" >>"$T/test-uids"
	# '*': no password, but not locked ('!' would refuse even key logins
	# without UsePAM).  Last change = today: 0 would mean "must change now".
	echo "$name:*:$(($(date +%s) / 86400)):0:99999:7:::" >>"$T/shadow"
	mkdir -p "$T/home/$name" "$T/authorized_keys"
	chown "$uid:$gid" "$T/home/$name"
	chmod 0755 "$T/home/$name"
	cp "$T/id_ed25519.pub" "$T/authorized_keys/$name"
	chmod 0644 "$T/authorized_keys/$name"
}

sshd_set_password() {
	local T=$1 user=$2 pass=$3 hash
	hash=$(printf '%s\n' "$pass" | openssl passwd -6 -stdin) || return 1
	awk -F: -v OFS=: -v u="$user" -v h="$hash" '$1 == u { $2 = h } { print }' \
		"$T/shadow" | _sshd_rewrite "$T/shadow"
}

sshd_pam() {
	local T=$1
	cat >"$T/pam.d/$SSHD_SERVICE"
}

sshd_config_add() {
	local T=$1
	shift
	printf '%s\n' "$@" >>"$T/sshd_config.d/50-test.conf"
}

sshd_setup() {
	local T=$1 port f
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: needs root (sshd)"
		return 77
	fi
	case $T in
	/*) ;;
	*) _sshd_err "sshd_setup: T must be an absolute path: $T"; return 1 ;;
	esac
	[ -x "$SSHD_BIN" ] || { _sshd_err "$SSHD_BIN not found (openssh-server)"; return 1; }
	mkdir -p "$T" "$T/sshd_config.d" "$T/authorized_keys" "$T/home" "$T/log" || return 1
	chmod 0755 "$T" "$T/home" "$T/authorized_keys"
	: >"$T/sshd_config.d/50-test.conf"
	: >"$T/test-uids"

	ssh-keygen -q -t ed25519 -N '' -C nhiacct-test-host -f "$T/ssh_host_ed25519_key" <<<y >/dev/null || return 1
	ssh-keygen -q -t ed25519 -N '' -C nhiacct-test-client -f "$T/id_ed25519" <<<y >/dev/null || return 1
	echo "$SSHD_HOSTALIAS $(cat "$T/ssh_host_ed25519_key.pub")" >"$T/known_hosts"
	ln -sfn "$SSHD_BIN" "$T/$SSHD_SERVICE"

	cat >"$T/sshd_config" <<-EOF
	# written by tests/lib/sshd.sh
	Include $T/sshd_config.d/*.conf
	Port 0
	ListenAddress 127.0.0.1
	AddressFamily inet
	HostKey $T/ssh_host_ed25519_key
	PidFile $T/sshd.pid
	UsePAM yes
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication yes
	PermitRootLogin no
	StrictModes no
	AuthorizedKeysFile $T/authorized_keys/%u
	LogLevel VERBOSE
	UseDNS no
	PrintMotd no
	PrintLastLog no
	DisableForwarding yes
	LoginGraceTime 30
	MaxStartups 100:30:200
	EOF

	cat >"$T/ssh_config" <<-EOF
	# written by tests/lib/sshd.sh
	Host *
	HostName 127.0.0.1
	Port 0
	HostKeyAlias $SSHD_HOSTALIAS
	UserKnownHostsFile $T/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	CheckHostIP no
	UpdateHostKeys no
	IdentityFile $T/id_ed25519
	IdentitiesOnly yes
	IdentityAgent none
	PasswordAuthentication no
	KbdInteractiveAuthentication yes
	NumberOfPasswordPrompts 1
	ControlMaster no
	ControlPath none
	ConnectTimeout 10
	LogLevel INFO
	EOF

	port=$(_sshd_free_port) || return 1
	_sshd_set_port "$T" "$port"

	for f in passwd group shadow; do
		cp -p "/etc/$f" "$T/$f" || return 1
	done
	rm -rf "$T/pam.d"
	cp -a /etc/pam.d "$T/pam.d" || return 1
	sshd_pam "$T" <<-EOF
	# tests/lib/sshd.sh default: stock modules; public-key logins only.
	auth     required pam_deny.so
	account  required pam_unix.so
	session  required pam_permit.so
	password required pam_deny.so
	EOF

	sshd_add_group "$T" vendors 20000 &&
		sshd_add_user "$T" vendor1 20001 vendors &&
		sshd_add_user "$T" vendor2 20002 vendor2 vendors &&
		sshd_add_user "$T" staff1 20003 staff1
}

# Are we in a private mount namespace (mounts do not reach the machine)?
_sshd_private_ns() {
	[ -n "${NHI_PRIVATE_NS:-}" ] &&
		[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] &&
		[ "$(findmnt -n -o PROPAGATION /)" = private ]
}

sshd_start() {
	local T=$1 pid port f
	if ! _sshd_private_ns; then
		_sshd_err "sshd_start: not in a private mount namespace; run the test" \
			"through tests/lib/with-journald.sh"
		return 1
	fi
	if [ -s "$T/sshd.bgpid" ] && kill -0 "$(cat "$T/sshd.bgpid")" 2>/dev/null; then
		_sshd_err "sshd_start: already running"
		return 1
	fi
	[ -d /run/sshd ] || mkdir -m 0755 /run/sshd || return 1
	: >"$T/mounts"
	_sshd_mount "$T" "$T/pam.d" /etc/pam.d || return 1
	for f in passwd group shadow; do
		_sshd_mount "$T" "$T/$f" "/etc/$f" || return 1
	done
	for f in wtmp btmp lastlog; do
		if [ -f "/var/log/$f" ]; then
			: >"$T/log/$f"
			# sshd refuses a btmp others can read ("Excess permission").
			chmod 0600 "$T/log/$f"
			_sshd_mount "$T" "$T/log/$f" "/var/log/$f" || return 1
		fi
	done

	for _ in 1 2 3; do
		port=$(cat "$T/port")
		: >"$T/sshd.log"
		rm -f "$T/sshd.pid"
		# shellcheck disable=SC2086
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin ${SSHD_ENV:-} \
			setpriv --pdeathsig TERM -- \
			"$T/$SSHD_SERVICE" -D -e -f "$T/sshd_config" \
			</dev/null >>"$T/sshd.log" 2>&1 &
		pid=$!
		echo "$pid" >"$T/sshd.bgpid"
		for _ in $(seq 500); do
			grep -q "Server listening on 127.0.0.1 port $port" "$T/sshd.log" && return 0
			_sshd_alive "$pid" || break
			sleep 0.01
		done
		if _sshd_alive "$pid"; then
			_sshd_err "sshd did not listen on port $port within 5 s; log:"
			cat "$T/sshd.log" >&2
			sshd_stop "$T"
			return 1
		fi
		wait "$pid" 2>/dev/null
		if grep -q "Address already in use" "$T/sshd.log"; then
			_sshd_set_port "$T" "$(_sshd_free_port)"
			continue
		fi
		break
	done
	_sshd_err "sshd failed to start; log:"
	cat "$T/sshd.log" >&2
	sshd_stop "$T"
	return 1
}

# _sshd_mount T SRC DST: bind SRC over DST, remembered in T/mounts.
_sshd_mount() {
	mount --bind "$2" "$3" || { _sshd_err "cannot bind $2 over $3"; return 1; }
	echo "$3" >>"$1/mounts"
}

# Alive and not a zombie (zombies linger here: PID 1 reaps late).
_sshd_alive() {
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# All descendants of pid $1 (by the ppid chain), one a line.
_sshd_descendants() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2; pids[NR] = $1 }
		END {
			for (i = 1; i <= NR; i++) {
				p = pids[i]; q = parent[p]; n = 0
				while (q != "" && q != 0 && q != 1 && n++ < 64) {
					if (q == root) { print p; break }
					q = parent[q]
				}
			}
		}'
}

# Pids of processes owned by the test users (T/test-uids) in this mount
# namespace.
_sshd_strays() {
	local T=$1 ns p uid
	[ -s "$T/test-uids" ] || return 0
	ns=$(readlink /proc/self/ns/mnt)
	for p in /proc/[0-9]*; do
		uid=$(awk '/^Uid:/ { print $2 }' "$p/status" 2>/dev/null) || continue
		grep -qx "$uid" "$T/test-uids" || continue
		[ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] || continue
		_sshd_alive "${p#/proc/}" && echo "${p#/proc/}"
	done
}

# Waits up to $1 tenths of a second for the pids $2... to end.
_sshd_wait_gone() {
	local n=$1 p alive
	shift
	while [ "$n" -gt 0 ]; do
		alive=
		for p in "$@"; do
			_sshd_alive "$p" && alive=1
		done
		[ -z "$alive" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

sshd_stop() {
	local T=$1 pid kids strays m
	if [ -s "$T/sshd.bgpid" ]; then
		pid=$(cat "$T/sshd.bgpid")
		if _sshd_alive "$pid"; then
			kids=$(_sshd_descendants "$pid")
			kill -TERM "$pid" 2>/dev/null
			_sshd_wait_gone 50 "$pid" || kill -KILL "$pid" 2>/dev/null
			if [ -n "$kids" ]; then
				# shellcheck disable=SC2086
				kill -TERM $kids 2>/dev/null
				# shellcheck disable=SC2086
				_sshd_wait_gone 20 $kids || kill -KILL $kids 2>/dev/null
			fi
		fi
		wait "$pid" 2>/dev/null
		rm -f "$T/sshd.bgpid"
	fi
	# Processes of the test users that left the tree (setsid + fork,
	# reparented background jobs): only those in this mount namespace, so
	# that concurrent tests using the same uids are left alone.
	strays=$(_sshd_strays "$T")
	if [ -n "$strays" ]; then
		# shellcheck disable=SC2086
		kill -TERM $strays 2>/dev/null
		# shellcheck disable=SC2086
		_sshd_wait_gone 20 $strays || kill -KILL $strays 2>/dev/null
	fi
	if [ -s "$T/mounts" ]; then
		for m in $(tac "$T/mounts"); do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
		done
		: >"$T/mounts"
	fi
	return 0
}

# ssh_run and ssh_kbdint: the common part.  $1 = T, $2 = BatchMode, $3 = user.
_ssh_client() {
	local T=$1 batch=$2 user=$3
	shift 3
	# shellcheck disable=SC2086
	timeout -k 5 "${SSH_TIMEOUT:-30}" ssh -F "$T/ssh_config" -o "BatchMode=$batch" \
		${SSH_OPTS:-} -- "$user@$SSHD_HOSTALIAS" "$@" \
		</dev/null >"$T/ssh.out" 2>"$T/ssh.err"
	SSH_RC=$?
	SSH_OUT=$(cat "$T/ssh.out")
	SSH_ERR=$(cat "$T/ssh.err")
	return "$SSH_RC"
}

ssh_run() {
	local T=$1 user=$2
	shift 2
	_ssh_client "$T" yes "$user" "$@"
}

ssh_kbdint() {
	local T=$1 user=$2 answer=$3 rc
	shift 3
	cat >"$T/askpass.sh" <<-'EOF'
	#!/bin/sh
	# SSH_ASKPASS for tests/lib/sshd.sh: $1 is the prompt; the N-th call
	# answers line N of $NHI_ASKPASS_ANSWER (the last line repeats).
	printf '%s\n' "$1" >>"$NHI_ASKPASS_DIR/askpass.log"
	n=$(($(cat "$NHI_ASKPASS_DIR/askpass.n" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$NHI_ASKPASS_DIR/askpass.n"
	lines=$(printf '%s\n' "$NHI_ASKPASS_ANSWER" | wc -l)
	[ "$n" -gt "$lines" ] && n=$lines
	printf '%s\n' "$NHI_ASKPASS_ANSWER" | sed -n "${n}p"
	EOF
	chmod 0755 "$T/askpass.sh"
	rm -f "$T/askpass.n"
	: >"$T/askpass.log"
	NHI_ASKPASS_DIR=$T NHI_ASKPASS_ANSWER=$answer \
		SSH_ASKPASS=$T/askpass.sh SSH_ASKPASS_REQUIRE=force DISPLAY=${DISPLAY:-:0} \
		_ssh_client "$T" no "$user" "$@"
	rc=$?
	SSH_PROMPTS=$(cat "$T/askpass.log")
	return $rc
}
