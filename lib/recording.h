/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session recording with tlog (design.md sections 5, 7 and 8; `record`).
 *
 * How a vendor session runs under the recorder: the vendor account's login
 * shell is nhiacct-shell (NHI_RECORD_SHELL), so sshd starts every kind of
 * session through it -- a pty, `ssh host cmd`, `ssh -n`, scp, and sftp
 * when the Subsystem is the sftp-server program -- without reading a
 * single dotfile of the vendor first.  nhiacct-shell writes the command
 * to the journal and replaces itself with tlog-rec-session, which records
 * the terminal (input and output) to the journal under the audit session
 * id that pam_loginuid gave the login (TLOG_SESSION).  The one exception is
 * the sftp-server program, which runs without tlog and logs each file
 * operation itself.  Port forwarding has no shell at all: the shipped sshd
 * Match block turns it off for vendors.
 *
 * The module checks before a session opens that the pieces are in place
 * (nhi_recording_ready) and writes the audit session id as
 * NHIACCT_RECORDING; the watch checks while it is open that everything the
 * login runs is under a recorder (nhi_recording_escapee).
 *
 * Conventions as in nhi.h: 0 or a negative errno.
 */
#ifndef NHI_RECORDING_H
#define NHI_RECORDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef NHI_RECORD_SHELL
#define NHI_RECORD_SHELL "/usr/lib/nhiacct/nhiacct-shell"
#endif
#define NHI_TLOG_REC_SESSION "/usr/bin/tlog-rec-session"
#define NHI_TLOG_PLAY "/usr/bin/tlog-play"
#define NHI_SFTP_SERVER "/usr/lib/openssh/sftp-server"
/* tlog-rec-session skips recording when a lock for the audit session
 * exists here: a folder a vendor can write would let it switch tlog off */
#define NHI_TLOG_LOCK_DIR "/run/tlog"

/* The recorder's files; tests point them elsewhere. */
struct nhi_recorder_paths {
	const char *shell;      /* the vendors' login shell (nhiacct-shell) */
	const char *recorder;   /* tlog-rec-session */
	const char *lock_dir;   /* tlog's session locks */
	const char *journal;    /* journald's socket, which the recorder writes to */
};
extern const struct nhi_recorder_paths nhi_recorder_default;

#define NHI_AUDIT_SESSION_UNSET UINT32_MAX  /* nhi_proc_audit_session: unset */
/* seconds between the watch's looks at open recorded sessions */
#define NHI_RECORDING_CHECK 1

/*
 * Can a session of account uid, whose login shell is login_shell, in audit
 * session audit, be recorded?  0 yes; -ENODATA no audit session id,
 * -EPERM the login shell is not p->shell, -ENOENT a program is missing,
 * -EACCES a file is unsafe (not root's, writable by others) or the
 * journal's socket is closed to the vendor; why says
 * so in one line, for the deny record and check-config.
 */
int nhi_recording_ready(const struct nhi_recorder_paths *p, const char *login_shell,
			uid_t uid, uint32_t audit, char *why, size_t whysz);

/* Does the PAM service start its sessions without the account's login
 * shell (cron, atd, systemd-user, sudo), so that they cannot be recorded?
 * Pure. */
bool nhi_recording_shellless(const char *service);

/* ---- while the session is open: is everything under a recorder? ---------- */

enum nhi_rec_role {
	NHI_ROLE_OTHER = 0,     /* a program the vendor runs */
	NHI_ROLE_RECORDER,      /* tlog-rec-session */
	NHI_ROLE_SHELL,         /* nhiacct-shell, before it becomes the recorder */
	NHI_ROLE_SFTP,          /* the sftp-server program (logs itself) */
	NHI_ROLE_SSHD,          /* sshd's own processes of the connection */
};

struct nhi_rec_proc {
	uint32_t audit;         /* its audit session; NHI_AUDIT_SESSION_UNSET:
				 * cannot be told, so it counts in every one */
	pid_t pid, ppid;
	uid_t uid;              /* real uid */
	enum nhi_rec_role role;
	char exe[64];           /* the program's path, cut, for messages */
};

/*
 * Given the live processes of audit sessions (v, n), one audit session
 * and its opener (sshd's monitor, which runs the PAM stack): the index of
 * the first process of that session that runs outside the recorder, or
 * -1 when there is none.
 * A process is under the recorder when its parent chain reaches a
 * recorder; or reaches the opener through sshd's processes, nhiacct-shell
 * and the sftp-server only (root's processes of the opener, such as
 * pam_motd's scripts, count as sshd's: no vendor can make a child of the
 * root monitor).  A chain that leaves the session (the recorder died and
 * its children went to init; a program detached itself) is outside.
 * Pure.
 */
ssize_t nhi_recording_escapee(const struct nhi_rec_proc *v, size_t n, uint32_t audit,
			      pid_t opener);

/* The role of a program from its path (/proc/PID/exe; a " (deleted)"
 * suffix, left by a package upgrade, is ignored).  Pure. */
enum nhi_rec_role nhi_rec_role_of(const struct nhi_recorder_paths *p, const char *exe);

/*
 * Reads the live processes of the audit sessions audits (n_audits) from
 * /proc into *out, in one pass (caller frees; at most NHI_PROC_MAX).  A
 * process that cannot be read is NHI_ROLE_OTHER with uid (uid_t)-1:
 * "cannot tell" is never "recorded".
 */
int nhi_recording_procs(const struct nhi_recorder_paths *p, const uint32_t *audits,
			size_t n_audits, struct nhi_rec_proc **out, size_t *n);

#endif
