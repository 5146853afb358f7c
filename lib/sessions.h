/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live session records (design.md section 8) and the process handling that
 * revocation needs.  Both front-ends use it: the module writes and removes
 * records, `nhiacct watch|sweep|sessions|revoke` read them and end sessions.
 *
 * A record is <state_dir>/<session>.json, written atomically (temp file in
 * the same folder, fsync, rename) and removed by whoever ends the session.
 * Removing a record is the claim on a session: the one actor whose unlink()
 * succeeds (close_session, watch, revoke) writes the closing journal record,
 * so a session gets exactly one close or revoke.
 *
 * Conventions as in nhi.h: 0 or a negative errno; callers free.
 */
#ifndef NHI_SESSIONS_H
#define NHI_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#define NHI_SESSION_ID_LEN   32                 /* hex digits: 128 bits */
#define NHI_SESSIONS_MAX     4096               /* records read by one listing */
#define NHI_SESSION_FILE_MAX (16 * 1024)        /* one record, bytes */
#define NHI_PROC_MAX         65536              /* processes looked at in /proc */

struct nhi_session {
	char id[NHI_SESSION_ID_LEN + 1];
	char *user;             /* all strings owned; NULL when absent */
	uid_t uid;
	char *ticket;
	char *approver;
	int64_t not_after;
	int64_t opened;
	pid_t pid;              /* the process that opened the session */
	uint64_t start_time;    /* its start time: /proc/PID/stat field 22 */
	char *logind;           /* logind session id (XDG_SESSION_ID) or NULL */
	char *tty;              /* PAM_TTY */
	char *rhost;
	char *service;
	/* not stored: the watch's memory of warn_before marks already passed */
	uint32_t warned;
};

void nhi_session_free(struct nhi_session *s);   /* resets to zero */
/* The ticket part of a journal record, from a session record: t borrows
 * s's strings (do not nhi_ticket_free it). */
void nhi_session_ticket(const struct nhi_session *s, struct nhi_ticket *t);

/* 32 lowercase hex digits from getrandom(2) into id (NUL-terminated). */
int nhi_session_new_id(char id[NHI_SESSION_ID_LEN + 1]);
/* Exactly NHI_SESSION_ID_LEN lowercase hex digits. */
bool nhi_session_id_valid(const char *id);

/* The stored shape.  *out: caller json_decref()s. */
int nhi_session_to_json(const struct nhi_session *s, json_t **out);
/* Back from the stored shape; -EBADMSG if a field is missing or wrong.
 * Caller frees s (also on error). */
int nhi_session_from_json(json_t *doc, struct nhi_session *s);

/*
 * Opens state_dir as a directory fd.  A missing folder is created 0700
 * when create is true; an existing one must be a real directory (not a
 * symlink) owned by root (by geteuid(), so unit tests can run unprivileged)
 * with mode 0700 or stricter, else -EPERM with err saying why.
 */
int nhi_state_dir_open(const char *path, bool create, char *err, size_t errsz);

/* <id>.json in dirfd, atomically; mode 0600.  Nothing half-written stays. */
int nhi_session_write(int dirfd, const struct nhi_session *s);
/* Reads <id>.json (bounded, no symlinks).  -ENOENT when gone. */
int nhi_session_read(int dirfd, const char *id, struct nhi_session *s);
/* Removes <id>.json: 0 if this call removed it, -ENOENT if it was gone. */
int nhi_session_remove(int dirfd, const char *id);

struct nhi_session_list {
	struct nhi_session *v;  /* sorted by id */
	size_t n;
};
void nhi_session_list_free(struct nhi_session_list *l);
/*
 * Every <32 hex>.json in dirfd, at most NHI_SESSIONS_MAX; unreadable or
 * malformed records are skipped and logged (they cannot be acted on).
 */
int nhi_session_list(int dirfd, struct nhi_session_list *l);
/* The record with this id in l, or NULL.  Borrowed. */
struct nhi_session *nhi_session_find(const struct nhi_session_list *l, const char *id);

/* ---- deadlines: what the watch does next (pure) ----------------------- */

enum nhi_due_kind { NHI_DUE_WARN = 0, NHI_DUE_REVOKE };

struct nhi_due {
	enum nhi_due_kind kind;
	size_t session;         /* index into the sessions given */
	size_t mark;            /* NHI_DUE_WARN: index into warn_before */
};

/*
 * Given sessions, the time now, the warn_before marks (seconds before
 * not_after) and each session's `warned` bits: fills due (up to due_max;
 * *n_due set) with what is due now and returns the next time something
 * falls due (INT64_MAX if nothing will).  A session is due for revocation
 * at now >= not_after.  Mark m of a session falls due at not_after - m,
 * unless that was not after the session opened (the vendor was told the
 * end at login); when several marks are due at once (the watch was down)
 * only the last one is warned, so *its* bit and every earlier mark's bits
 * should be set by the caller (nhi_due_mark_warned).  Pure.
 */
int64_t nhi_sessions_deadline(const struct nhi_session *v, size_t n, int64_t now,
			      const int64_t *warn_before, size_t n_warn,
			      struct nhi_due *due, size_t due_max, size_t *n_due);
/* Sets the bits of mark and of every larger mark (already passed). */
void nhi_due_mark_warned(struct nhi_session *s, const int64_t *warn_before,
			 size_t n_warn, size_t mark);

/* ---- processes --------------------------------------------------------- */

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
/* Reads /proc/PID/stat.  -ESRCH if there is no such process. */
int nhi_proc_stat_read(pid_t pid, struct nhi_proc_stat *st);

/*
 * Is pid still the process that started at start_time?  0 yes (and not a
 * zombie), -ESRCH gone or a zombie, -ESTALE the pid now belongs to another
 * process (reused).
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

/*
 * Sends sig to p only if p->pid is still the process that started at
 * p->start_time (checked through a pidfd, so a pid reused between the check
 * and the signal is not hit).  0 sent, -ESRCH gone, -ESTALE reused (not
 * signalled), other negative errno on failure.
 */
int nhi_proc_signal(const struct nhi_proc *p, int sig);

struct nhi_kill_report {
	bool opener_alive;      /* the recorded opener was found and signalled */
	bool opener_stale;      /* its pid now belongs to another process */
	size_t termed;          /* processes sent SIGTERM */
	size_t killed;          /* processes still there after the grace: SIGKILL */
	size_t uid_killed;      /* other processes of the uid: SIGKILL */
};

/*
 * Ends a session's processes without logind: collects the opener's
 * descendants, SIGTERMs the opener (only when its start time matches the
 * record) and them, waits up to grace_ms for them to end, SIGKILLs the
 * survivors; then, when kill_uid (the caller decided it was the account's
 * last session and the account is a dedicated vendor account, never uid 0),
 * SIGKILLs every remaining process of s->uid.  The descendants are only
 * trusted when the opener is: a stale record signals nothing but, with
 * kill_uid, the uid's processes.
 */
int nhi_session_terminate(const struct nhi_session *s, int grace_ms, bool kill_uid,
			  struct nhi_kill_report *rep);

/* The ttys (/dev/pts/N, /dev/ttyN) of s: its PAM_TTY when that is a
 * terminal, the controlling terminals of the opener's descendants (field 7
 * of their stat: readable without ptrace rights), and their fd 0-2 where
 * readable; only character devices owned by s->uid; deduplicated.  Writes msg to each without blocking
 * (O_NONBLOCK|O_NOCTTY).  Returns the number of terminals written. */
int nhi_session_tell(const struct nhi_session *s, const char *msg);

/* ---- ending sessions, and the watch's pass ------------------------------ */

struct nhi_conf;

#define NHI_GRACE_MS 500        /* SIGTERM to SIGKILL */

/*
 * Revokes s: claims it (removes its record; -ENOENT if someone else ended
 * it first, and nothing is done), asks logind to terminate it when logind
 * knows it, ends its processes (nhi_session_terminate; the uid's other
 * processes too when no other record of the user is left, the user is a
 * vendor per c, and the uid is not 0), and writes the `revoke` record with
 * reason ("expired", "withdrawn", "manual") and extra ("FIELD=value" or
 * NULL).  rep may be NULL.  0 or a negative errno.
 */
int nhi_session_revoke(struct nhi_conf *c, int dirfd, const struct nhi_session *s,
		       const char *reason, const char *extra, struct nhi_kill_report *rep);

/* Claims a record whose opener is gone (or whose pid was reused) and writes
 * `close` with NHIACCT_NOTE=stale.  Signals nothing.  -ENOENT if gone. */
int nhi_session_close_stale(struct nhi_conf *c, int dirfd, const struct nhi_session *s);

/*
 * The state of `nhiacct watch` between passes; `nhiacct sweep` is one pass.
 * live keeps what the folder does not: which warn marks were passed, and a
 * window found shortened by a recheck.
 */
struct nhi_watch {
	struct nhi_conf *conf;          /* borrowed */
	int dirfd;
	struct nhi_session_list live;
	int64_t next_recheck;           /* 0: at the next pass */
	size_t revoked, warned, stale;  /* counters, for STATUS= and sweep */
};

/* Opens (creates) the state folder; err says why not.  Free with _free. */
int nhi_watch_init(struct nhi_watch *w, struct nhi_conf *c, char *err, size_t errsz);
void nhi_watch_free(struct nhi_watch *w);
/*
 * One pass at time now: reloads the records, closes stale ones, warns and
 * revokes what is due, and re-fetches every live ticket when the recheck is
 * due (a refusal revokes with `withdrawn`, or `expired` when the ticket's
 * window was shortened into the past; backend_error and config_error revoke
 * nothing: an unreachable ticket system must not cut every vendor off).
 * *next: the time of the next deadline or recheck.
 */
int nhi_watch_pass(struct nhi_watch *w, int64_t now, int64_t *next);

#endif
