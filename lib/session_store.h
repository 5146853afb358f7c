/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live session records (design.md section 8): the one thing the PAM module
 * and `nhiacct watch|sweep|sessions|revoke` share about a session.
 *
 * A record lives in <state_dir> under one of two names:
 *   <id>.json    the session is open: the vendor is connected;
 *   <id>.closed  the connection ended (close_session, or the watch found the
 *                opener gone) but the window has not: whatever the vendor
 *                left running is still held to it, and the watch ends it at
 *                the window end.
 * Each step of a session's life is one atomic call on the folder, and the
 * actor whose call succeeds writes that step's journal record, so a
 * session gets exactly one close and at most one revoke:
 *   close   renameat(<id>.json -> <id>.closed)  (close_session, or stale)
 *   revoke  unlinkat(<id>.json or <id>.closed)  (watch, sweep, revoke)
 *
 * Conventions as in nhi.h: 0 or a negative errno; callers free.
 */
#ifndef NHI_SESSION_STORE_H
#define NHI_SESSION_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "audit.h"
#include "ticket.h"

#define NHI_SESSION_ID_LEN   32                 /* hex digits: 128 bits */
#define NHI_SESSIONS_MAX     4096               /* records read by one listing */
#define NHI_SESSION_FILE_MAX (16 * 1024)        /* one record, bytes */

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
	char *recording;        /* audit session id of a recorded login (tlog's
				 * TLOG_SESSION), or NULL: not recorded */
	char *tty;              /* PAM_TTY */
	char *rhost;
	char *service;
	bool closed;            /* stored as <id>.closed: the vendor logged out */
	/* not stored: the watch's memory of warn_before marks already passed */
	uint32_t warned;
};

void nhi_session_free(struct nhi_session *s);   /* resets to zero */
/* The ticket part of a journal record, from a session record: t borrows
 * s's strings (do not nhi_ticket_free it). */
void nhi_session_ticket(const struct nhi_session *s, struct nhi_ticket *t);

/* A record of event ev about session s, as written by identifier on host:
 * the login, the session id and the ticket part (into t, which borrows
 * s's strings, as rec borrows t). */
void nhi_session_record(const struct nhi_session *s, enum nhi_event ev, const char *identifier,
			const char *host, struct nhi_ticket *t, struct nhi_record *rec);

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
/* Reads the record of id under either name (s->closed tells which;
 * bounded, no symlinks).  -ENOENT when gone. */
int nhi_session_read(int dirfd, const char *id, struct nhi_session *s);
/* The close step: <id>.json -> <id>.closed.  0 if this call did it,
 * -ENOENT if the record was not open (closed or revoked already). */
int nhi_session_mark_closed(int dirfd, const char *id);
/* The end: removes the record under the name s->closed says.  0 if this
 * call removed it, -ENOENT if it was gone (or renamed meanwhile). */
int nhi_session_remove(int dirfd, const struct nhi_session *s);

struct nhi_session_list {
	struct nhi_session *v;  /* sorted by id */
	size_t n;
};
void nhi_session_list_free(struct nhi_session_list *l);
/*
 * Every record in dirfd, open and closed, at most NHI_SESSIONS_MAX (more is
 * -E2BIG: a listing that is not whole must not look whole); unreadable or
 * malformed records are skipped and logged (they cannot be acted on).
 */
int nhi_session_list(int dirfd, struct nhi_session_list *l);
/* The record with this id in l, or NULL.  Borrowed. */
struct nhi_session *nhi_session_find(const struct nhi_session_list *l, const char *id);

#endif
