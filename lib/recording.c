/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session recording with tlog (recording.h).  Reading only: what is done
 * about an unrecorded process is the watch's (revoke.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "proc.h"
#include "recording.h"

const struct nhi_recorder_paths nhi_recorder_default = {
	.shell = NHI_RECORD_SHELL,
	.recorder = NHI_TLOG_REC_SESSION,
	.lock_dir = NHI_TLOG_LOCK_DIR,
	.journal = NHI_JOURNAL_SOCKET,
};

/* A program root installed: a regular file of root's, executable, that
 * nobody else can change. */
static int
program_safe(const char *what, const char *path, char *why, size_t whysz)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(why, whysz, "%s %s: %s", what, path, strerror(errno));
		return errno == ENOENT ? -ENOENT : -errno;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 0022) != 0 ||
	    (st.st_mode & S_IXOTH) == 0) {
		snprintf(why, whysz, "%s %s is not a program of root's that only root can change",
			 what, path);
		return -EACCES;
	}
	return 0;
}

int
nhi_recording_ready(const struct nhi_recorder_paths *p, const char *login_shell,
		    uid_t uid, uint32_t audit, char *why, size_t whysz)
{
	struct stat st;
	int r;

	why[0] = '\0';
	if (audit == NHI_AUDIT_SESSION_UNSET) {
		snprintf(why, whysz, "the login has no audit session id, which links it to its "
			 "recording (pam_loginuid.so must come before pam_nhiacct.so in the session "
			 "stack)");
		return -ENODATA;
	}
	if (login_shell == NULL || strcmp(login_shell, p->shell) != 0) {
		snprintf(why, whysz, "the account's login shell is %s, not %s: its sessions would "
			 "not run under the recorder", login_shell ? login_shell : "unknown",
			 p->shell);
		return -EPERM;
	}
	if ((r = program_safe("the vendors' shell", p->shell, why, whysz)) < 0 ||
	    (r = program_safe("the recorder (tlog)", p->recorder, why, whysz)) < 0)
		return r;
	/* tlog records nothing for an audit session it finds locked; Debian
	 * makes the folder _tlog's, 0755 */
	if (lstat(p->lock_dir, &st) == 0 &&
	    (!S_ISDIR(st.st_mode) || st.st_uid == uid || (st.st_mode & 0022) != 0)) {
		snprintf(why, whysz, "%s is writable by the vendor: it could mark its session "
			 "as recorded already and tlog would record nothing", p->lock_dir);
		return -EACCES;
	}
	/* the recorder runs as the vendor: it must reach journald */
	if (stat(p->journal, &st) < 0 || !S_ISSOCK(st.st_mode) || (st.st_mode & 0002) == 0) {
		snprintf(why, whysz, "the recorder, running as the vendor, cannot write to the "
			 "journal (%s)", p->journal);
		return -EACCES;
	}
	return 0;
}

bool
nhi_recording_shellless(const char *service)
{
	static const char *const shellless[] = { "cron", "atd", "systemd-user", "sudo", "sudo-i" };

	for (size_t i = 0; service != NULL && i < sizeof(shellless) / sizeof(shellless[0]); i++)
		if (strcmp(service, shellless[i]) == 0)
			return true;
	return false;
}

/* ---- while the session is open --------------------------------------------- */

enum nhi_rec_role
nhi_rec_role_of(const struct nhi_recorder_paths *p, const char *exe)
{
	static const char deleted[] = " (deleted)";
	char path[PATH_MAX];
	size_t len;

	if (exe == NULL || (len = strlen(exe)) >= sizeof(path))
		return NHI_ROLE_OTHER;
	memcpy(path, exe, len + 1);
	if (len > sizeof(deleted) - 1 && strcmp(path + len - (sizeof(deleted) - 1), deleted) == 0)
		path[len - (sizeof(deleted) - 1)] = '\0';
	if (strcmp(path, p->recorder) == 0)
		return NHI_ROLE_RECORDER;
	if (strcmp(path, p->shell) == 0)
		return NHI_ROLE_SHELL;
	if (strcmp(path, NHI_SFTP_SERVER) == 0)
		return NHI_ROLE_SFTP;
	if (strcmp(path, "/usr/sbin/sshd") == 0)
		return NHI_ROLE_SSHD;
	return NHI_ROLE_OTHER;
}

static bool
of_session(const struct nhi_rec_proc *p, uint32_t audit)
{
	return p->audit == audit || p->audit == NHI_AUDIT_SESSION_UNSET;
}

static ssize_t
find_pid(const struct nhi_rec_proc *v, size_t n, uint32_t audit, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].pid == pid && of_session(&v[i], audit))
			return (ssize_t)i;
	return -1;
}

/* Is v[i] under the recorder (recording.h)?  The walk is bounded by n: a
 * parent loop (pid reuse between reads) ends it as "outside". */
static bool
recorded(const struct nhi_rec_proc *v, size_t n, size_t i, uint32_t audit, pid_t opener)
{
	bool plain = false;     /* a vendor's program on the way up */

	for (size_t steps = 0; steps <= n; steps++) {
		const struct nhi_rec_proc *q = &v[i];
		ssize_t up;

		if (q->pid == opener || q->role == NHI_ROLE_RECORDER)
			return q->pid != opener || !plain;
		if (q->role == NHI_ROLE_OTHER && q->uid != 0)
			plain = true;
		if (q->ppid == opener)
			return !plain;
		if ((up = find_pid(v, n, audit, q->ppid)) < 0)
			return false;   /* left the session */
		i = (size_t)up;
	}
	return false;
}

ssize_t
nhi_recording_escapee(const struct nhi_rec_proc *v, size_t n, uint32_t audit, pid_t opener)
{
	for (size_t i = 0; i < n; i++)
		if (of_session(&v[i], audit) && v[i].pid != opener &&
		    !recorded(v, n, i, audit, opener))
			return (ssize_t)i;
	return -1;
}

/* The programs of the roles, by file identity: /proc/PID/exe names a file
 * by the path as the reader's root sees it, which a process in another
 * mount namespace (a sandboxed service) may see differently. */
struct role_files {
	struct stat st[NHI_ROLE_SSHD + 1];
	bool have[NHI_ROLE_SSHD + 1];
};

static void
role_files_load(const struct nhi_recorder_paths *p, struct role_files *rf)
{
	const char *path[NHI_ROLE_SSHD + 1] = {
		[NHI_ROLE_RECORDER] = p->recorder, [NHI_ROLE_SHELL] = p->shell,
		[NHI_ROLE_SFTP] = NHI_SFTP_SERVER, [NHI_ROLE_SSHD] = "/usr/sbin/sshd",
	};

	memset(rf, 0, sizeof(*rf));
	for (int i = NHI_ROLE_RECORDER; i <= NHI_ROLE_SSHD; i++)
		rf->have[i] = stat(path[i], &rf->st[i]) == 0;
}

static enum nhi_rec_role
role_by_file(const struct role_files *rf, pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, &st) < 0)
		return NHI_ROLE_OTHER;
	for (int i = NHI_ROLE_RECORDER; i <= NHI_ROLE_SSHD; i++)
		if (rf->have[i] && rf->st[i].st_dev == st.st_dev && rf->st[i].st_ino == st.st_ino)
			return (enum nhi_rec_role)i;
	return NHI_ROLE_OTHER;
}

static int
read_one(const struct nhi_recorder_paths *p, const struct role_files *rf, pid_t pid,
	 struct nhi_rec_proc *out)
{
	struct nhi_proc_stat st;
	char path[64], exe[PATH_MAX];
	uid_t ids[3];
	ssize_t len;
	int r;

	if ((r = nhi_proc_stat_read(pid, &st)) < 0)
		return r;
	if (st.state == 'Z' || st.state == 'X')
		return -ESRCH;
	*out = (struct nhi_rec_proc){ .pid = pid, .ppid = st.ppid, .uid = (uid_t)-1 };
	if ((r = nhi_proc_uids(pid, ids)) == -ESRCH)
		return r;
	if (r == 0)
		out->uid = ids[0];
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if ((len = readlink(path, exe, sizeof(exe) - 1)) < 0)
		/* gone meanwhile, or unreadable: then it counts as a program */
		return errno == ENOENT && nhi_proc_stat_read(pid, &st) == -ESRCH ? -ESRCH : 0;
	exe[len] = '\0';
	if ((out->role = role_by_file(rf, pid)) == NHI_ROLE_OTHER)
		out->role = nhi_rec_role_of(p, exe);    /* replaced by an upgrade */
	len = (ssize_t)strnlen(exe, sizeof(out->exe) - 1);
	memcpy(out->exe, exe, (size_t)len);
	out->exe[len] = '\0';
	return 0;
}

/* The listing in progress (nhi_recording_procs). */
struct listing {
	const struct nhi_recorder_paths *p;
	struct role_files rf;
	const uint32_t *audits;
	size_t n_audits;
	struct nhi_rec_proc *v;
	size_t n, cap;
};

static bool
wanted(const struct listing *l, uint32_t sid)
{
	for (size_t i = 0; i < l->n_audits; i++)
		if (l->audits[i] == sid)
			return true;
	return false;
}

static int
list_one(pid_t pid, void *ctx)
{
	struct listing *l = ctx;
	uint32_t sid;
	int r = nhi_proc_audit_session(pid, &sid);

	if (r == -ESRCH || r == -ENODATA || (r == 0 && !wanted(l, sid)))
		return 0;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 64;
		struct nhi_rec_proc *nv;

		if (l->cap >= NHI_PROC_MAX || (nv = reallocarray(l->v, nc, sizeof(*nv))) == NULL)
			return -ENOMEM;
		l->v = nv;
		l->cap = nc;
	}
	if (r < 0) {
		/* cannot tell its session: it counts, unrecorded, in every one */
		l->v[l->n++] = (struct nhi_rec_proc){ .audit = NHI_AUDIT_SESSION_UNSET,
						      .pid = pid, .uid = (uid_t)-1 };
		return 0;
	}
	if ((r = read_one(l->p, &l->rf, pid, &l->v[l->n])) == -ESRCH)
		return 0;
	if (r < 0)
		l->v[l->n] = (struct nhi_rec_proc){ .pid = pid, .uid = (uid_t)-1 };
	l->v[l->n++].audit = sid;
	return 0;
}

int
nhi_recording_procs(const struct nhi_recorder_paths *p, const uint32_t *audits,
		    size_t n_audits, struct nhi_rec_proc **out, size_t *n)
{
	struct listing l = { .p = p, .audits = audits, .n_audits = n_audits };
	int r;

	*out = NULL;
	*n = 0;
	role_files_load(p, &l.rf);
	if ((r = nhi_proc_each(list_one, &l)) < 0) {
		free(l.v);
		return r;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}
