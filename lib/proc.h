/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Processes, read from /proc.  The module uses this to stamp a session
 * record with its opener's start time; the watch to find what a session
 * started and what a uid still runs.
 *
 * "Cannot read /proc/PID" never means "gone": a pid is only gone when
 * pidfd_open(2) says so.  /proc mounted with hidepid= hides processes of
 * other users from a reader without CAP_SYS_PTRACE, and such a hidden
 * process is reported as -EACCES (cannot tell), never as -ESRCH.
 */
#ifndef NHI_PROC_H
#define NHI_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The kernel's own limit on pids (PID_MAX_LIMIT): a listing is bounded by
 * what can exist, so the bound never cuts a listing short. */
#define NHI_PROC_MAX         (4 * 1024 * 1024)

struct nhi_proc_stat {
	pid_t pid;
	pid_t ppid;
	char state;             /* 'R', 'S', 'Z', ... */
	uint32_t tty_nr;        /* field 7: controlling terminal, 0 if none */
	uint64_t start_time;    /* field 22, clock ticks after boot */
};

/*
 * Parses the text of /proc/PID/stat.  The comm field may hold spaces and
 * parentheses: it ends at the LAST ')'.  -EBADMSG if malformed.  Pure.
 */
int nhi_proc_stat_parse(const char *buf, size_t len, struct nhi_proc_stat *st);
/* Reads /proc/PID/stat.  -ESRCH if there is no such process, -EACCES if
 * there is one this caller cannot see (hidepid=). */
int nhi_proc_stat_read(pid_t pid, struct nhi_proc_stat *st);

/*
 * Is pid still the process that started at start_time?  0 yes (and not a
 * zombie), -ESRCH gone or a zombie, -ESTALE the pid now belongs to another
 * process (reused), -EACCES it exists but cannot be read: cannot tell.
 */
int nhi_proc_check(pid_t pid, uint64_t start_time);

struct nhi_proc {
	pid_t pid;
	uint64_t start_time;
};
struct nhi_proc_set {
	struct nhi_proc *v;
	size_t n;
};
void nhi_proc_set_free(struct nhi_proc_set *ps);

/* Live (not zombie) descendants of root by the ppid chain, with start times. */
int nhi_proc_descendants(pid_t root, struct nhi_proc_set *out);
/* Live processes whose real, effective or saved uid is uid; never pid 1
 * and never the caller itself. */
int nhi_proc_of_uid(uid_t uid, struct nhi_proc_set *out);

/* Calls fn for each pid in /proc, in /proc's order, until fn returns a
 * negative errno (which is returned).  Processes come and go meanwhile:
 * fn must take "gone" in its stride. */
int nhi_proc_each(int (*fn)(pid_t pid, void *ctx), void *ctx);

/* Real, effective and saved uid of pid (the "Uid:" line of its status).
 * -ESRCH gone, -EACCES there but unreadable, -EBADMSG. */
int nhi_proc_uids(pid_t pid, uid_t ids[3]);

/* The audit session id of pid (/proc/PID/sessionid, set by pam_loginuid):
 * -ENODATA when unset (UINT32_MAX), -ESRCH gone, other negative errno. */
int nhi_proc_audit_session(pid_t pid, uint32_t *out);

/* Can this process see every process in /proc?  0 yes; -EACCES when /proc
 * is mounted with hidepid= and this process lacks CAP_SYS_PTRACE (why
 * says so); another negative errno when mountinfo cannot be read. */
int nhi_proc_visible_all(char *why, size_t whysz);

#endif
