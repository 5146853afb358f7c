/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The core of `nhiacct review`: turns journal records (already read, one
 * struct nhi_review_entry each) into rows a reviewer reads: one row per
 * session, joined by NHIACCT_SESSION, and one row per denial.  No journal
 * I/O here, so the joins, the filters and the output are unit-testable; the
 * journal side lives in helper/cmd_review.c.
 */
#ifndef NHI_REVIEW_H
#define NHI_REVIEW_H

#include <stdbool.h>
#include <stdint.h>



#include "audit.h"

#define NHI_REVIEW_FIELD_MAX  4096      /* bytes kept of one field value */
#define NHI_REVIEW_ROWS_MAX   4000000   /* sessions + denials held at once */
#define NHI_REVIEW_CELL_MAX   40        /* table column width, display chars */
#define NHI_USEC_UNKNOWN      INT64_MIN /* a time that no record gave */

/* How a session ended, derived from its records (a revoke outranks a close:
 * the close that follows a revocation is its consequence). */
enum nhi_review_end {
	NHI_END_OPEN = 0,               /* neither close nor revoke seen */
	NHI_END_CLOSED,                 /* close record: the vendor logged out */
	NHI_END_REVOKED_EXPIRED,        /* revoke, reason expired */
	NHI_END_REVOKED_WITHDRAWN,      /* revoke, reason withdrawn */
	NHI_END_REVOKED_MANUAL,         /* revoke, reason manual */
	NHI_END_REVOKED_RECORDING,      /* revoke, reason recording_lost */
	NHI_END_REVOKED,                /* revoke with another or no reason */
	NHI_END_MAX
};
/* "open", "closed", "revoked-expired", ..., "revoked"; NULL if out of range. */
const char *nhi_review_end_name(enum nhi_review_end e);

/* One journal record as read; strings borrowed, NULL when absent. */
struct nhi_review_entry {
	enum nhi_event event;
	int64_t usec;                   /* __REALTIME_TIMESTAMP */
	const char *user, *service, *rhost, *host;
	const char *ticket, *approver, *requester, *purpose;
	const char *reason, *session;
	int64_t duration;               /* NHIACCT_DURATION; < 0 when absent */
	const char *reviewer, *note;    /* a reviewed record's */
	const char *recording;          /* an open record's NHIACCT_RECORDING */
	const char *boot_id;            /* _BOOT_ID: the boot the audit id is of */
};

/* What the reviewer asked for.  Strings borrowed for the call to init. */
struct nhi_review_filter {
	const char *user;               /* NULL: any */
	const char *ticket;             /* NULL: any */
	int64_t since_usec;             /* NHI_USEC_UNKNOWN: no lower bound */
	int64_t until_usec;             /* NHI_USEC_UNKNOWN: no upper bound; exclusive */
};

struct nhi_review_session {
	char *session;                  /* all strings owned; NULL when unknown */
	char *user, *service, *rhost, *host;
	char *ticket, *approver, *requester, *purpose;
	char *reason;                   /* revoke reason, as written */
	/* NHIACCT_RECORDING of the open record and its boot (tlog's
	 * TLOG_SESSION is an audit session id, unique within one boot):
	 * NULL when the session was not recorded */
	char *recording, *boot_id;
	bool has_open;                  /* the open record was seen */
	int64_t opened_usec;            /* NHI_USEC_UNKNOWN when not seen */
	int64_t first_usec;             /* earliest record of the session */
	/* The earliest close and revoke as fed (NHI_USEC_UNKNOWN: none); the
	 * three fields after them are derived from them by nhi_review_finish,
	 * since completion may deliver records out of time order. */
	int64_t close_usec, revoke_usec;
	int64_t close_duration, revoke_duration;
	int64_t ended_usec;
	int64_t duration;               /* seconds; < 0 unknown */
	enum nhi_review_end end;
	/* The latest reviewed record (nhiacct review --attest): who, when,
	 * what they wrote; NULL / NHI_USEC_UNKNOWN when nobody has. */
	char *reviewer, *review_note;
	int64_t reviewed_usec;
};

struct nhi_review_denial {
	int64_t usec;
	size_t seq;                     /* arrival order, keeps the sort stable */
	char *user, *service, *rhost, *host, *ticket, *reason; /* owned */
};

struct nhi_review {
	char *user, *ticket;            /* the filter, owned */
	int64_t since_usec, until_usec;
	struct nhi_review_session *sessions;
	size_t n_sessions, cap_sessions;
	struct nhi_review_denial *denials;
	size_t n_denials, cap_denials;
	size_t *slots;                  /* open-addressing index: session i is i + 1 */
	size_t n_slots;                 /* a power of two, or 0 */
	bool finished;                  /* sorted; no more adds */
};

/* Copies the filter.  Caller frees with nhi_review_free.  -ENOMEM. */
int nhi_review_init(struct nhi_review *rv, const struct nhi_review_filter *f);
void nhi_review_free(struct nhi_review *rv);        /* resets to zero */

/* Does e pass the filter (user, ticket, time range)? */
bool nhi_review_wanted(const struct nhi_review *rv, const struct nhi_review_entry *e);

/*
 * Feeds one record: a deny becomes a denial row; open, warn, close, revoke
 * (and a grant that carries a session id) join the row of their session,
 * created on first sight.  Records the filter rejects, and records of a
 * session without a session id, are skipped (returns 0 all the same).
 * -ENOMEM, -E2BIG over NHI_REVIEW_ROWS_MAX, -EINVAL after finish.
 */
int nhi_review_add(struct nhi_review *rv, const struct nhi_review_entry *e);

/*
 * Completion: merges e into the row of its session if that row exists,
 * whatever the filter says, and never creates a row.  Used to finish rows
 * whose open or end lies outside the time range.  -EINVAL after finish.
 */
int nhi_review_complete(struct nhi_review *rv, const struct nhi_review_entry *e);

/* Does the row still lack its open record or its end? */
bool nhi_review_session_incomplete(const struct nhi_review_session *s);

/* Sessions nobody has reviewed (nhiacct review --unreviewed): is s one,
 * ended (or, still open, opened) at or before before_usec? */
bool nhi_review_session_unreviewed(const struct nhi_review_session *s, int64_t before_usec);

/* After finish: keeps only the sessions nhi_review_session_unreviewed
 * finds (and no denials).  Returns how many are left. */
size_t nhi_review_keep_unreviewed(struct nhi_review *rv, int64_t before_usec);

/* Derives durations and sorts rows by time.  Call once, before output. */
void nhi_review_finish(struct nhi_review *rv);



#endif
