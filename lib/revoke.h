/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ending sessions (design.md section 8): signals, the uid-wide kill that a
 * fork loop cannot outrun, logind, and the `revoke` record.  Linked into
 * nhiacct only: the PAM module, loaded into every sshd, carries none of it
 * (tests/build checks).
 *
 * A session is over when its processes are, not when its connection is:
 * revoking an open record ends the connection (logind's TerminateSession,
 * else the opener and its descendants, TERM then KILL); revoking a record
 * of either kind then ends every process of the uid, unless another
 * record of the same uid is still inside its window (its vendor may be
 * running them legitimately; they end at that record's window end).
 */
#ifndef NHI_REVOKE_H
#define NHI_REVOKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc.h"
#include "session_store.h"

#define NHI_GRACE_MS 500        /* SIGTERM to SIGKILL */
#define NHI_UID_KILL_MS 2000    /* how long the uid-wide kill keeps trying */

/*
 * Sends sig to p only if p->pid is still the process that started at
 * p->start_time (checked through a pidfd, so a pid reused between the check
 * and the signal is not hit).  0 sent, -ESRCH gone, -ESTALE reused (not
 * signalled), other negative errno on failure.
 */
int nhi_proc_signal(const struct nhi_proc *p, int sig);

/*
 * Ends every process of uid (never 0): a child takes the uid and calls
 * kill(-1, SIGKILL), which the kernel applies to all of them in one pass
 * under its task-list lock, so a process forking in a loop cannot slip
 * past; repeated until none is left or budget_ms is spent.  seen collects
 * the processes found in /proc along the way (their number is what was
 * ended; dedup against seen's earlier content).  0 none left, -ETIMEDOUT
 * some survived, other negative errno if the kill could not be made.
 */
int nhi_uid_kill(uid_t uid, int budget_ms, struct nhi_proc_set *seen);

struct nhi_kill_report {
	bool connected;         /* the record was open: the vendor was connected */
	bool opener_stale;      /* its recorded pid belongs to another process now */
	bool logind;            /* logind ended the session or the user */
	bool uid_swept;         /* every process of the uid was ended */
	bool incomplete;        /* something could not be ended or confirmed */
	size_t ended;           /* processes ended */
};

struct nhi_conf;

/* Why and by whom a session is ended; the front-end fills it. */
struct nhi_revoke_why {
	const char *identifier;         /* SYSLOG_IDENTIFIER of the record ("nhiacct") */
	const char *reason;             /* "expired", "withdrawn", "manual", "recording_lost" */
	const char *op;                 /* "NHIACCT_OPERATOR=..." or NULL */
	const char *detail;             /* NHIACCT_DETAIL: what was seen, or NULL */
	bool always_record;             /* record even a closed session with nothing left */
};

/*
 * Revokes s: claims it (removes its record; -ENOENT if someone else moved
 * it first, and nothing is done), ends it as the top of this file says and
 * writes the `revoke` record with why->reason, NHIACCT_PROCESSES,
 * NHIACCT_CONNECTED and why->op.  A closed record whose vendor left nothing
 * running is removed without a record unless why->always_record.  rep may
 * be NULL.  0 revoked (and recorded), 1 a closed record ended quietly.
 */
int nhi_session_revoke(const struct nhi_conf *c, int dirfd, const struct nhi_session *s,
		       const struct nhi_revoke_why *why, struct nhi_kill_report *rep);

/* The same in two halves, so that the watch ends many sessions at once
 * with one grace period: begin claims and sends SIGTERMs, finish waits
 * until until_ms (monotonic), kills, sweeps the uid and records.  finish
 * returns true when a `revoke` record was due (written or not). */
struct nhi_revocation;
int nhi_revoke_begin(int dirfd, const struct nhi_session *s, struct nhi_revocation **out);
bool nhi_revoke_finish(const struct nhi_conf *c, int dirfd, const struct nhi_session *s,
		       const struct nhi_revoke_why *why, struct nhi_revocation *rv,
		       int64_t until_ms, struct nhi_kill_report *rep);

/* The ttys (/dev/pts/N, /dev/ttyN) of s: its PAM_TTY when that is a
 * terminal, the controlling terminals of the opener's descendants (field 7
 * of their stat: readable without ptrace rights), and their fd 0-2 where
 * readable; only character devices owned by s->uid; deduplicated.  Writes
 * msg to each without blocking (O_NONBLOCK|O_NOCTTY).  Returns the number
 * of terminals written. */
int nhi_session_tell(const struct nhi_session *s, const char *msg);

#endif
