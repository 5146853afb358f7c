# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# tests/lib/recording_host.sh: a Debian root (tests/lib/systemd_host.sh) set
# up for recorded vendor sessions as pam_nhiacct(8), RECORDING, says: the
# BUILT module, nhiacct and nhiacct-shell installed, the shipped PAM file,
# sshd Match block and watch unit; for tests/recording and bench/recording.sh.
#
#   rh_install BUILD ROOT DIR PORT RECORD
#       Installs into ROOT (before it boots): nhiacct.conf with record =
#       RECORD (no or required); sshd on 127.0.0.1:PORT; the group vendors
#       (gid 20000) with vendor1 (uid 20001, login shell nhiacct-shell) and
#       vendor2 (uid 20002, login shell /bin/bash); one key, DIR/id, for
#       them and root.
#   rh_ticket ROOT ID NOT_AFTER ACCOUNT...
#       An approved ticket ID for the accounts on jump1.test until NOT_AFTER.

rh_install() {
	local BUILD=$1 R=$2 T=$3 PORT=$4 RECORD=$5 ma u
	ma=$(cc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
	install -D -m 0644 "$BUILD/pam_nhiacct.so" "$R/lib/$ma/security/pam_nhiacct.so" &&
	install -D -m 0755 "$BUILD/nhiacct" "$R/usr/sbin/nhiacct" &&
	install -D -m 0755 "$BUILD/nhiacct-shell" "$R/usr/lib/nhiacct/nhiacct-shell" &&
	install -D -m 0644 "$NHI_TOP/conf/systemd/nhiacct-watch.service" \
		"$R/etc/systemd/system/nhiacct-watch.service" &&
	install -D -m 0644 "$NHI_TOP/conf/tmpfiles.d/nhiacct.conf" \
		"$R/usr/lib/tmpfiles.d/nhiacct.conf" &&
	install -d -m 0700 "$R/etc/security/nhiacct" "$R/etc/security/nhiacct/tickets" || return 1
	printf '%s\n' "vendor_groups = vendors" "host = jump1.test" "record = $RECORD" \
		>"$R/etc/security/nhiacct.conf"
	chmod 0644 "$R/etc/security/nhiacct.conf"
	install -m 0644 "$NHI_TOP/conf/pam.d/sshd.example" "$R/etc/pam.d/sshd" || return 1
	ln -sf /etc/systemd/system/nhiacct-watch.service \
		"$R/etc/systemd/system/multi-user.target.wants/nhiacct-watch.service"
	printf '%s\n' "Port $PORT" "ListenAddress 127.0.0.1" "PasswordAuthentication no" \
		"KbdInteractiveAuthentication no" >"$R/etc/ssh/sshd_config.d/10-test.conf"
	install -m 0644 "$NHI_TOP/conf/sshd_config.d/nhiacct-record.conf.example" \
		"$R/etc/ssh/sshd_config.d/50-nhiacct-record.conf" || return 1
	echo /usr/lib/nhiacct/nhiacct-shell >>"$R/etc/shells"
	chroot "$R" groupadd -g 20000 vendors || return 1
	chroot "$R" useradd -m -u 20001 -g vendors -s /usr/lib/nhiacct/nhiacct-shell vendor1 &&
	chroot "$R" useradd -m -u 20002 -g vendors -s /bin/bash vendor2 || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$T/id" <<<y >/dev/null || return 1
	for u in 1 2; do
		install -d -m 0700 -o 2000$u -g 20000 "$R/home/vendor$u/.ssh" &&
		install -m 0600 -o 2000$u -g 20000 "$T/id.pub" \
			"$R/home/vendor$u/.ssh/authorized_keys" || return 1
	done
	install -d -m 0700 "$R/root/.ssh" && install -m 0600 "$T/id.pub" "$R/root/.ssh/authorized_keys"
}

rh_ticket() {
	local R=$1 id=$2 na=$3 f accounts
	shift 3
	f=$R/etc/security/nhiacct/tickets
	accounts=$(printf '"%s",' "$@")
	printf '{ "id": "%s", "state": "approved", "requester": "acme-jdoe", "approver": "alice",
	  "scope": { "hosts": ["jump1.test"], "accounts": [%s] },
	  "window": { "not_before": %d, "not_after": %d } }\n' \
		"$id" "${accounts%,}" $(($(date +%s) - 600)) "$na" >"$f/.$id.tmp" &&
	chmod 0600 "$f/.$id.tmp" && mv "$f/.$id.tmp" "$f/$id.json"
}
