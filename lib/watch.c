/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The watch's pass and its recheck child (watch.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "conf.h"
#include "gate.h"
#include "log.h"
#include "policy.h"
#include "reason.h"
#include "recording.h"
#include "ticket.h"
#include "timeutil.h"
#include "proc.h"
#include "revoke.h"
#include "watch.h"

/* one answer line: "<session id> <reason> <not_after>\n" */
#define ANSWER_LINE_MAX 96
#define ANSWERS_MAX ((size_t)NHI_SESSIONS_MAX * ANSWER_LINE_MAX)

/* Mark j applies to s: it falls after the session opened. */
static bool
mark_applies(const struct nhi_session *s, int64_t w)
{
	return s->not_after - w > s->opened;
}

int64_t
nhi_sessions_deadline(const struct nhi_session *v, size_t n, int64_t now,
		      const int64_t *warn_before, size_t n_warn,
		      struct nhi_due *due, size_t due_max, size_t *n_due)
{
	int64_t next = INT64_MAX;

	*n_due = 0;
	if (n_warn > 32)
		n_warn = 32;    /* the warned bits */
	for (size_t i = 0; i < n; i++) {
		const struct nhi_session *s = &v[i];
		size_t last = SIZE_MAX;

		if (now >= s->not_after) {
			if (*n_due < due_max)
				due[(*n_due)++] = (struct nhi_due){ NHI_DUE_REVOKE, i, 0 };
			continue;
		}
		if (s->not_after < next)
			next = s->not_after;
		if (s->closed)
			continue;       /* nobody connected to warn */
		/* largest mark first: the last one passed is the one to warn */
		for (size_t j = 0; j < n_warn; j++) {
			int64_t at = s->not_after - warn_before[j];

			if ((s->warned & (UINT32_C(1) << j)) || !mark_applies(s, warn_before[j]))
				continue;
			if (at <= now)
				last = j;
			else if (at < next)
				next = at;
		}
		if (last != SIZE_MAX && *n_due < due_max)
			due[(*n_due)++] = (struct nhi_due){ NHI_DUE_WARN, i, last };
	}
	return next;
}

void
nhi_due_mark_warned(struct nhi_session *s, const int64_t *warn_before, size_t n_warn,
		    size_t mark)
{
	for (size_t j = 0; j < n_warn && j < 32; j++)
		if (warn_before[j] >= warn_before[mark])
			s->warned |= UINT32_C(1) << j;
}


/* ---- the watch ------------------------------------------------------------ */

int
nhi_watch_init(struct nhi_watch *w, const struct nhi_conf *c, const char *identifier, char *err,
	       size_t errsz)
{
	memset(w, 0, sizeof(*w));
	w->conf = c;
	w->identifier = identifier;
	w->recheck_fd = -1;
	w->dirfd = nhi_state_dir_open(c->state_dir, true, err, errsz);
	return w->dirfd < 0 ? w->dirfd : 0;
}

static void
recheck_end(struct nhi_watch *w, bool kill_it)
{
	if (w->recheck_pid > 0) {
		if (kill_it)
			(void)kill(w->recheck_pid, SIGKILL);
		while (waitpid(w->recheck_pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (w->recheck_fd >= 0)
		close(w->recheck_fd);
	w->recheck_pid = 0;
	w->recheck_fd = -1;
	free(w->answers);
	w->answers = NULL;
	w->n_answers = 0;
}

void
nhi_watch_free(struct nhi_watch *w)
{
	if (w == NULL)
		return;
	recheck_end(w, true);
	nhi_session_list_free(&w->live);
	if (w->dirfd >= 0)
		close(w->dirfd);
	w->dirfd = -1;
}

/* A new listing, carrying over what only the watch knows. */
static int
reload(struct nhi_watch *w)
{
	struct nhi_session_list l;
	int r;

	if ((r = nhi_session_list(w->dirfd, &l)) < 0)
		return r;
	for (size_t i = 0; i < l.n; i++) {
		const struct nhi_session *old = nhi_session_find(&w->live, l.v[i].id);

		if (old == NULL)
			continue;
		l.v[i].warned = old->warned;
		if (old->not_after < l.v[i].not_after)
			l.v[i].not_after = old->not_after;
	}
	nhi_session_list_free(&w->live);
	w->live = l;
	return 0;
}

static void
warn(struct nhi_watch *w, struct nhi_session *s, int64_t now)
{
	char msg[256], left[32], until[NHI_TIME_BUF];
	struct nhi_record rec;
	struct nhi_ticket t;
	int n, r;

	nhi_format_time(s->not_after, until, sizeof(until));
	/* \r: the terminal may be in raw mode (an editor, a pager) */
	snprintf(msg, sizeof(msg), "\r\n*** nhiacct: access under ticket %s ends in %s "
		 "(%s); save your work. ***\r\n", s->ticket,
		 nhi_format_duration(s->not_after - now, left, sizeof(left)), until);
	n = nhi_session_tell(s, msg);
	nhi_session_record(s, NHI_EV_WARN, w->identifier, w->conf->host, &t, &rec);
	if ((r = nhi_audit(&rec)) < 0)
		nhi_log(LOG_ERR, "warn record of session %s not written: %s", s->id, strerror(-r));
	nhi_log(LOG_INFO, "session %s of %s warned on %d terminal(s): %s left", s->id, s->user,
		n, left);
	w->warned++;
}

/*
 * The opener of an open record is gone (sshd crashed, or it was killed
 * before close_session ran): the connection is over, so the record is
 * closed here, with a `close` record that says so.  What the vendor left
 * running stays held to the window.
 */
static void
close_stale(struct nhi_watch *w, struct nhi_session *s, int64_t now)
{
	struct nhi_record rec;
	struct nhi_ticket t;
	int r;

	if (nhi_session_mark_closed(w->dirfd, s->id) < 0)
		return;         /* closed or revoked meanwhile: theirs to record */
	s->closed = true;
	w->stale++;
	nhi_session_record(s, NHI_EV_CLOSE, w->identifier, w->conf->host, &t, &rec);
	rec.duration = now - s->opened < 0 ? 0 : now - s->opened;
	rec.note = "stale";
	if ((r = nhi_audit(&rec)) < 0)
		nhi_log(LOG_ERR, "close record of stale session %s not written: %s", s->id,
			strerror(-r));
	nhi_log(LOG_INFO, "session %s of %s: its process %d is gone; held to its window as "
		"closed", s->id, s->user, (int)s->pid);
}

/* Open records: is the opener still there?  "Cannot tell" is not "gone". */
static void
check_openers(struct nhi_watch *w, int64_t now)
{
	for (size_t i = 0; i < w->live.n; i++) {
		struct nhi_session *s = &w->live.v[i];
		int r;

		if (s->closed)
			continue;
		r = nhi_proc_check(s->pid, s->start_time);
		if (r == -ESRCH || r == -ESTALE)
			close_stale(w, s, now);
		else if (r < 0)
			nhi_log(LOG_ERR, "session %s: cannot tell whether its process %d is still "
				"there (%s); kept open", s->id, (int)s->pid, strerror(-r));
	}
}

/*
 * Open records of recorded sessions: is everything the login runs still
 * under a recorder (recording.h)?  A recorder killed or dead of a failed
 * write leaves the vendor's programs outside: with record = required the
 * session is revoked (recording_lost), else it is only logged.  Closed
 * records are not looked at: what was left at logout ends with the window.
 */
/* Is s an open, recorded session still in the list (not ended this pass)? */
static bool
recorded_open(const struct nhi_session *s)
{
	return !s->closed && s->recording != NULL && s->not_after != INT64_MIN;
}

/* The audit session of a recorded record, or UNSET (then it cannot be
 * checked, which counts as lost). */
static uint32_t
recording_of(const struct nhi_session *s)
{
	unsigned long audit;
	char *end;

	errno = 0;
	audit = strtoul(s->recording, &end, 10);
	return errno || *end != '\0' || audit >= NHI_AUDIT_SESSION_UNSET ?
	       NHI_AUDIT_SESSION_UNSET : (uint32_t)audit;
}

static void
recording_lost(struct nhi_watch *w, struct nhi_session *s, const char *detail)
{
	struct nhi_revoke_why why = { .identifier = w->identifier, .reason = "recording_lost",
				      .detail = detail };

	nhi_log(LOG_NOTICE, "session %s of %s: %s; revoked (recording_lost)", s->id, s->user,
		detail);
	if (nhi_session_revoke(w->conf, w->dirfd, s, &why, NULL) == 0)
		w->revoked++;
	s->not_after = INT64_MIN;       /* ended: the pass drops it */
}

/*
 * Open records of recorded sessions: is everything the login runs still
 * under a recorder (recording.h)?  A recorder killed or dead of a failed
 * write leaves the vendor's programs outside: the session is revoked
 * (recording_lost).  Only with record = required: otherwise a recording is
 * the vendor's shell's choice, and nothing is enforced for it.  Closed
 * records are not looked at: what was left at logout ends with the window.
 * One pass over /proc for all of them.
 */
static void
check_recordings(struct nhi_watch *w)
{
	struct nhi_rec_proc *v = NULL;
	uint32_t *audits;
	size_t n_audits = 0, n = 0;
	char detail[256];
	int r = 0;

	if (w->conf->record != NHI_RECORD_REQUIRED)
		return;

	if ((audits = calloc(w->live.n + 1, sizeof(*audits))) == NULL)
		return;         /* tried again at the next pass */
	for (size_t i = 0; i < w->live.n; i++)
		if (recorded_open(&w->live.v[i]) &&
		    (audits[n_audits] = recording_of(&w->live.v[i])) != NHI_AUDIT_SESSION_UNSET)
			n_audits++;
	if (n_audits > 0)
		r = nhi_recording_procs(&nhi_recorder_default, audits, n_audits, &v, &n);
	for (size_t i = 0; i < w->live.n; i++) {
		struct nhi_session *s = &w->live.v[i];
		uint32_t audit;
		ssize_t k;

		if (!recorded_open(s))
			continue;
		if ((audit = recording_of(s)) == NHI_AUDIT_SESSION_UNSET) {
			snprintf(detail, sizeof(detail), "the record names no audit session (%s)",
				 s->recording);
		} else if (r < 0) {
			snprintf(detail, sizeof(detail), "its processes cannot be listed: %s",
				 strerror(-r));
		} else if (v != NULL && (k = nhi_recording_escapee(v, n, audit, s->pid)) >= 0) {
			snprintf(detail, sizeof(detail), "process %d (%s, uid %ld, parent %d) runs "
				 "outside the recorder: the recorder died or the process left it",
				 (int)v[k].pid, v[k].exe[0] ? v[k].exe : "?",
				 v[k].uid == (uid_t)-1 ? -1L : (long)v[k].uid, (int)v[k].ppid);
		} else {
			continue;
		}
		recording_lost(w, s, detail);
	}
	free(v);
	free(audits);
}

/* Whether a recorded session is open (record = required): the pass then
 * runs every second. */
static bool
recording_open(const struct nhi_watch *w)
{
	if (w->conf->record != NHI_RECORD_REQUIRED)
		return false;
	for (size_t i = 0; i < w->live.n; i++)
		if (recorded_open(&w->live.v[i]))
			return true;
	return false;
}

/* ---- recheck: in a child, never in the pass ------------------------------- */

/* The child: one fetch per ticket and user, one answer line per session. */
static void
recheck_child(struct nhi_watch *w, int fd, int64_t now)
{
	const struct nhi_session *v = w->live.v;

	for (size_t i = 0; i < w->live.n; i++) {
		struct nhi_login login = { v[i].user, v[i].service, v[i].rhost, w->conf->host };
		struct nhi_result res;
		char line[ANSWER_LINE_MAX];
		size_t j;
		int n;

		/* sessions often share a ticket and user: the first one asks */
		for (j = 0; j < i; j++)
			if (strcmp(v[j].ticket, v[i].ticket) == 0 && strcmp(v[j].user, v[i].user) == 0)
				break;
		if (j < i)
			continue;
		nhi_evaluate(w->conf, &login, v[i].ticket, now, &res);
		if (res.reason != NHI_GRANT)
			nhi_log(LOG_INFO, "recheck of ticket %s for %s: %s%s%s", v[i].ticket,
				v[i].user, nhi_reason_name(res.reason), res.detail[0] ? ": " : "",
				res.detail);
		for (size_t k = i; k < w->live.n; k++) {
			if (strcmp(v[k].ticket, v[i].ticket) != 0 || strcmp(v[k].user, v[i].user) != 0)
				continue;
			n = snprintf(line, sizeof(line), "%s %d %" PRId64 "\n", v[k].id,
				     (int)res.reason, res.ticket.has_not_after ?
				     res.ticket.not_after : INT64_MAX);
			if (write(fd, line, (size_t)n) != n)
				_exit(1);
		}
		nhi_result_free(&res);
	}
}

static void
recheck_start(struct nhi_watch *w, int64_t now)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		nhi_log(LOG_ERR, "recheck not started: %s", strerror(errno));
		return;
	}
	if ((pid = fork()) < 0) {
		nhi_log(LOG_ERR, "recheck not started: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		close(p[0]);
		recheck_child(w, p[1], now);
		_exit(0);
	}
	close(p[1]);
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	w->recheck_pid = pid;
	w->recheck_fd = p[0];
	/* its own budget: every ticket's fetch may take `timeout`, but the
	 * next recheck is due after `recheck` anyway */
	w->recheck_deadline_ms = nhi_mono_ms() +
		1000 * (w->conf->recheck > w->conf->timeout + 1 ? w->conf->recheck
								: w->conf->timeout + 1);
}

int
nhi_watch_recheck_fd(const struct nhi_watch *w)
{
	return w->recheck_fd;
}

int64_t
nhi_watch_recheck_left_ms(const struct nhi_watch *w)
{
	int64_t left;

	if (w->recheck_pid <= 0)
		return -1;
	left = w->recheck_deadline_ms - nhi_mono_ms();
	return left < 0 ? 0 : left;
}

/* One answer line: acts on the session it names, if it is still live. */
static void
apply_answer(struct nhi_watch *w, const char *line)
{
	char id[NHI_SESSION_ID_LEN + 1], *end;
	struct nhi_session *s;
	long long reason, na;

	if (strlen(line) < NHI_SESSION_ID_LEN + 4 || line[NHI_SESSION_ID_LEN] != ' ')
		return;
	memcpy(id, line, NHI_SESSION_ID_LEN);
	id[NHI_SESSION_ID_LEN] = '\0';
	errno = 0;
	reason = strtoll(line + NHI_SESSION_ID_LEN + 1, &end, 10);
	if (errno || *end != ' ' || reason < 0 || reason >= NHI_REASON_MAX)
		return;
	na = strtoll(end + 1, &end, 10);
	if (errno || *end != '\0' || (s = nhi_session_find(&w->live, id)) == NULL)
		return;
	if (reason == NHI_DENY_BACKEND_ERROR || reason == NHI_DENY_CONFIG_ERROR) {
		nhi_log(LOG_WARNING, "session %s: ticket %s could not be checked (%s); kept until "
			"its window ends", s->id, s->ticket, nhi_reason_name((enum nhi_reason)reason));
	} else if (reason != NHI_GRANT) {
		struct nhi_revoke_why why = {
			.identifier = w->identifier,
			.reason = reason == NHI_DENY_EXPIRED ? "expired" : "withdrawn",
		};

		if (nhi_session_revoke(w->conf, w->dirfd, s, &why, NULL) == 0)
			w->revoked++;
		s->not_after = INT64_MIN;       /* ended: the next pass drops it */
	} else if (na < s->not_after) {
		nhi_log(LOG_INFO, "session %s: ticket %s now ends earlier", s->id, s->ticket);
		s->not_after = na;      /* kept by reload: the shorter end counts */
	}
}

int
nhi_watch_recheck_collect(struct nhi_watch *w)
{
	char buf[4096], *line, *save = NULL;
	bool done = false;

	if (w->recheck_pid <= 0)
		return 1;
	for (;;) {
		ssize_t n = read(w->recheck_fd, buf, sizeof(buf));
		char *nb;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			done = true;    /* EOF: the child is finished */
			break;
		}
		if (w->n_answers + (size_t)n + 1 > ANSWERS_MAX ||
		    (nb = realloc(w->answers, w->n_answers + (size_t)n + 1)) == NULL) {
			nhi_log(LOG_ERR, "recheck answers dropped: too long or out of memory");
			recheck_end(w, true);
			return 1;
		}
		w->answers = nb;
		memcpy(w->answers + w->n_answers, buf, (size_t)n);
		w->n_answers += (size_t)n;
	}
	if (!done) {
		if (nhi_watch_recheck_left_ms(w) > 0)
			return 0;
		nhi_log(LOG_WARNING, "recheck did not finish within its budget: the ticket system "
			"is too slow; sessions kept until their windows end");
		recheck_end(w, true);
		return 1;
	}
	if (w->answers != NULL) {
		w->answers[w->n_answers] = '\0';
		for (line = strtok_r(w->answers, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save))
			apply_answer(w, line);
	}
	recheck_end(w, false);
	return 1;
}

/* ---- the pass --------------------------------------------------------------- */

/* Warns and revokes what is due at now: every SIGTERM first, then one
 * common grace period for all.  Ended sessions get not_after INT64_MIN. */
static int
act_on_due(struct nhi_watch *w, int64_t now)
{
	size_t n = w->live.n, n_due = 0;
	struct nhi_revoke_why why = { .identifier = w->identifier, .reason = "expired" };
	struct nhi_revocation **rv;
	struct nhi_due *due;
	int64_t until;

	if (n == 0)
		return 0;
	due = calloc(n, sizeof(struct nhi_due));
	rv = calloc(n, sizeof(struct nhi_revocation *));
	if (due == NULL || rv == NULL) {
		free(due);
		free(rv);
		return -ENOMEM;
	}
	(void)nhi_sessions_deadline(w->live.v, n, now, w->conf->warn_before,
				    w->conf->n_warn_before, due, n, &n_due);
	for (size_t k = 0; k < n_due; k++) {
		struct nhi_session *s = &w->live.v[due[k].session];

		if (due[k].kind == NHI_DUE_REVOKE) {
			(void)nhi_revoke_begin(w->dirfd, s, &rv[k]);
		} else {
			warn(w, s, now);
			nhi_due_mark_warned(s, w->conf->warn_before, w->conf->n_warn_before,
					    due[k].mark);
		}
	}
	until = nhi_mono_ms() + NHI_GRACE_MS;
	for (size_t k = 0; k < n_due; k++) {
		struct nhi_session *s = &w->live.v[due[k].session];

		if (due[k].kind != NHI_DUE_REVOKE)
			continue;
		if (rv[k] != NULL && nhi_revoke_finish(w->conf, w->dirfd, s, &why, rv[k], until, NULL))
			w->revoked++;
		s->not_after = INT64_MIN;
	}
	free(rv);
	free(due);
	return 0;
}

int
nhi_watch_pass(struct nhi_watch *w, int64_t now, int64_t *next)
{
	size_t n_due = 0, o = 0;
	int64_t wake;
	int r;

	*next = INT64_MAX;
	if ((r = reload(w)) < 0)
		return r;
	check_openers(w, now);
	check_recordings(w);
	if ((r = act_on_due(w, now)) < 0)
		return r;
	/* what was ended is out of the list; the rest decides the next wake */
	for (size_t i = 0; i < w->live.n; i++) {
		if (w->live.v[i].not_after == INT64_MIN)
			nhi_session_free(&w->live.v[i]);
		else
			w->live.v[o++] = w->live.v[i];
	}
	w->live.n = o;
	if (now >= w->next_recheck && w->recheck_pid <= 0) {
		if (w->live.n > 0)
			recheck_start(w, now);
		w->next_recheck = now + w->conf->recheck;
	}
	wake = nhi_sessions_deadline(w->live.v, w->live.n, now, w->conf->warn_before,
				     w->conf->n_warn_before, NULL, 0, &n_due);
	if (n_due > 0 || wake <= now)
		wake = now;
	*next = wake < w->next_recheck ? wake : w->next_recheck;
	if (recording_open(w) && *next > now + NHI_RECORDING_CHECK)
		*next = now + NHI_RECORDING_CHECK;
	return 0;
}
