/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The state and the pass of `nhiacct watch` (design.md section 8);
 * `nhiacct sweep` is one pass.  The pass never waits on the network: the
 * re-fetch of live tickets (recheck) runs in a child process of its own,
 * whose answers come back over a pipe that the watch's loop polls, so a
 * ticket API that never answers delays no window end.
 */
#ifndef NHI_WATCH_H
#define NHI_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "session_store.h"

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
 * at now >= not_after, open or closed.  Mark m of an open session falls due
 * at not_after - m, unless that was not after the session opened (the
 * vendor was told the end at login); closed sessions are not warned (no
 * one is connected to read it).  When several marks are due at once (the
 * watch was down) only the last one is warned, so *its* bit and every
 * earlier mark's bits should be set by the caller (nhi_due_mark_warned).
 * Pure.
 */
int64_t nhi_sessions_deadline(const struct nhi_session *v, size_t n, int64_t now,
			      const int64_t *warn_before, size_t n_warn,
			      struct nhi_due *due, size_t due_max, size_t *n_due);
/* Sets the bits of mark and of every larger mark (already passed). */
void nhi_due_mark_warned(struct nhi_session *s, const int64_t *warn_before,
			 size_t n_warn, size_t mark);

/* ---- the watch ------------------------------------------------------------ */

struct nhi_conf;

struct nhi_watch {
	const struct nhi_conf *conf;    /* borrowed */
	const char *identifier;         /* SYSLOG_IDENTIFIER of its records */
	int dirfd;
	struct nhi_session_list live;   /* open and closed records */
	int64_t next_recheck;           /* 0: at the next pass */
	pid_t recheck_pid;              /* a recheck in flight, or 0 */
	int recheck_fd;                 /* its answers, or -1 */
	int64_t recheck_deadline_ms;    /* monotonic: killed after this */
	char *answers;                  /* what it said so far */
	size_t n_answers;
	size_t revoked, warned, stale;  /* counters, for STATUS= and sweep */
};

/* Opens (creates) the state folder; err says why not.  identifier: the
 * front-end's name on the records ("nhiacct").  Free with _free, which
 * also ends a recheck in flight. */
int nhi_watch_init(struct nhi_watch *w, const struct nhi_conf *c, const char *identifier,
		   char *err, size_t errsz);
void nhi_watch_free(struct nhi_watch *w);

/*
 * One pass at time now: reloads the records, moves records whose opener is
 * gone to closed (a `close` record with NHIACCT_NOTE=stale; what the vendor
 * left is still held to the window), warns and revokes what is due, and
 * starts a recheck when one is due and none is in flight.  *next: the time
 * of the next deadline or recheck.
 */
int nhi_watch_pass(struct nhi_watch *w, int64_t now, int64_t *next);

/* The fd to poll for the recheck's answers (POLLIN/POLLHUP), or -1. */
int nhi_watch_recheck_fd(const struct nhi_watch *w);
/* Monotonic ms until the recheck in flight must be given up, or -1. */
int64_t nhi_watch_recheck_left_ms(const struct nhi_watch *w);
/*
 * Reads what the recheck said; when it has finished, acts on it: a ticket
 * that is refused now revokes its sessions (`withdrawn`, or `expired` when
 * its window was shortened into the past); a window found shorter counts
 * from now on; backend_error and config_error revoke nothing (an
 * unreachable ticket system must not cut every vendor off).  A recheck
 * past its deadline is killed and its answers dropped.  Returns 1 when the
 * recheck is over (a pass should follow), 0 while it goes on.
 */
int nhi_watch_recheck_collect(struct nhi_watch *w);

#endif
