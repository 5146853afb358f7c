/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opening and closing a vendor session (lifecycle.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "lifecycle.h"
#include "proc.h"
#include "audit.h"
#include "conf.h"
#include "gate.h"
#include "log.h"
#include "reason.h"
#include "recording.h"
#include "ticket.h"

static void
record_for(const struct nhi_opening *o, enum nhi_event ev, struct nhi_record *rec)
{
	nhi_record_init(rec, ev);
	rec->identifier = o->identifier;
	rec->user = o->user;
	rec->service = o->service;
	rec->rhost = o->rhost;
	rec->host = o->host;
}

static int
dup_opt(char **dst, const char *v)
{
	return v != NULL && (*dst = strdup(v)) == NULL ? -ENOMEM : 0;
}

int
nhi_session_prepare(const struct nhi_opening *o, const struct nhi_result *res,
		    int64_t now, struct nhi_session *s)
{
	struct nhi_proc_stat st;
	const char *ticket = res->ticket_id ? res->ticket_id : res->ticket.id;
	int r;

	memset(s, 0, sizeof(*s));
	if (ticket == NULL || !res->ticket.has_not_after)
		return -EINVAL;
	if (now >= res->ticket.not_after)
		return -ETIME;
	if ((r = nhi_session_new_id(s->id)) < 0 || (r = nhi_proc_stat_read(getpid(), &st)) < 0)
		return r;
	s->uid = o->uid;
	s->not_after = res->ticket.not_after;
	s->opened = now;
	s->pid = getpid();
	s->start_time = st.start_time;
	if ((r = dup_opt(&s->user, o->user)) < 0 || (r = dup_opt(&s->ticket, ticket)) < 0 ||
	    (r = dup_opt(&s->approver, res->ticket.approver)) < 0 ||
	    (r = dup_opt(&s->logind, o->logind)) < 0 || (r = dup_opt(&s->tty, o->tty)) < 0 ||
	    (r = dup_opt(&s->rhost, o->rhost)) < 0 || (r = dup_opt(&s->service, o->service)) < 0)
		return r;
	if (s->user == NULL)
		return -EINVAL;
	return 0;
}

int
nhi_session_deny(const struct nhi_opening *o, const struct nhi_result *res,
		 enum nhi_reason why, const char *note, const char *detail)
{
	struct nhi_record rec;

	record_for(o, NHI_EV_DENY, &rec);
	rec.ticket = &res->ticket;
	rec.ticket_id = res->ticket_id;
	rec.reason = nhi_reason_name(why);
	rec.note = note;
	rec.detail = detail;
	if (why == NHI_DENY_CONFIG_ERROR || why == NHI_DENY_AUDIT_UNAVAILABLE ||
	    why == NHI_DENY_RECORDING_UNAVAILABLE)
		rec.priority = LOG_ERR;
	return nhi_audit(&rec);
}

enum nhi_reason
nhi_session_recorder(const struct nhi_conf *c, const struct nhi_opening *o,
		     const struct nhi_result *res, const char *login_shell,
		     struct nhi_session *s, char *why, size_t whysz)
{
	uint32_t audit;
	char id[16];
	int r;

	why[0] = '\0';
	r = nhi_proc_audit_session(getpid(), &audit);
	if (nhi_recording_shellless(o->service)) {
		snprintf(why, whysz, "the service %s starts no login shell, so its sessions cannot "
			 "run under the recorder", o->service);
		r = -EPERM;
	} else if (r < 0 && r != -ENODATA)
		snprintf(why, whysz, "the audit session id of this login cannot be read: %s",
			 strerror(-r));
	else
		r = nhi_recording_ready(&nhi_recorder_default, login_shell, o->uid, audit, why,
					whysz);
	if (r == 0) {
		snprintf(id, sizeof(id), "%" PRIu32, audit);
		return (s->recording = strdup(id)) == NULL ? NHI_DENY_CONFIG_ERROR : NHI_GRANT;
	}
	if (c->record != NHI_RECORD_REQUIRED)
		return NHI_GRANT;       /* not recorded, and allowed to be */
	(void)nhi_session_deny(o, res, NHI_DENY_RECORDING_UNAVAILABLE, NULL, why);
	return NHI_DENY_RECORDING_UNAVAILABLE;
}

enum nhi_reason
nhi_session_commit(const struct nhi_conf *c, const struct nhi_opening *o,
		   const struct nhi_result *res, const struct nhi_session *s,
		   char *detail, size_t detailsz)
{
	struct nhi_record rec;
	int dirfd, e;

	detail[0] = '\0';
	/* the record the watch enforces: no record, no session */
	if ((dirfd = nhi_state_dir_open(c->state_dir, true, detail, detailsz)) < 0 ||
	    (e = nhi_session_write(dirfd, s)) < 0) {
		if (dirfd >= 0) {
			snprintf(detail, detailsz, "session record in %s not written: %s",
				 c->state_dir, strerror(-e));
			close(dirfd);
		}
		(void)nhi_session_deny(o, res, NHI_DENY_CONFIG_ERROR, "state_dir", NULL);
		return NHI_DENY_CONFIG_ERROR;
	}
	record_for(o, NHI_EV_OPEN, &rec);
	rec.ticket = &res->ticket;
	rec.ticket_id = s->ticket;
	rec.session = s->id;
	rec.recording = s->recording;
	if ((e = nhi_audit(&rec)) < 0 && c->audit == NHI_AUDIT_REQUIRED) {
		snprintf(detail, detailsz, "open record of session %s not written to the journal: %s",
			 s->id, strerror(-e));
		if ((e = nhi_session_remove(dirfd, s)) < 0)
			nhi_log(LOG_ERR, "session record %s not removed: %s", s->id, strerror(-e));
		close(dirfd);
		(void)nhi_session_deny(o, res, NHI_DENY_AUDIT_UNAVAILABLE, NULL, NULL);
		return NHI_DENY_AUDIT_UNAVAILABLE;
	}
	if (e < 0)
		nhi_log(LOG_ERR, "open record of session %s not written to the journal: %s", s->id,
			strerror(-e));
	close(dirfd);
	return NHI_GRANT;
}

int
nhi_session_close(const struct nhi_conf *c, const struct nhi_opening *o, const char *id,
		  char *err, size_t errsz)
{
	struct nhi_session s;
	struct nhi_record rec;
	struct nhi_ticket t;
	int dirfd, r;

	err[0] = '\0';
	if (!nhi_session_id_valid(id)) {
		snprintf(err, errsz, "NHIACCT_SESSION is not a session id");
		return -EINVAL;
	}
	if ((dirfd = nhi_state_dir_open(c->state_dir, false, err, errsz)) < 0)
		return dirfd;
	if ((r = nhi_session_read(dirfd, id, &s)) < 0) {
		/* -ENOENT: revoked (watch or revoke wrote the record) */
		if (r != -ENOENT)
			snprintf(err, errsz, "session record %s: %s", id, strerror(-r));
		goto out;
	}
	/* the environment is not proof: the record must be this user's */
	if (strcmp(s.user, o->user) != 0 || s.uid != o->uid) {
		snprintf(err, errsz, "session %s belongs to %s, not %s; left alone", id, s.user,
			 o->user);
		r = -EPERM;
		goto out;
	}
	if (s.closed) {
		r = -ENOENT;    /* closed already (the watch found it stale) */
		goto out;
	}
	if ((r = nhi_session_mark_closed(dirfd, id)) < 0) {
		if (r != -ENOENT)
			snprintf(err, errsz, "session record %s not closed: %s", id, strerror(-r));
		goto out;
	}
	nhi_session_record(&s, NHI_EV_CLOSE, o->identifier, o->host, &t, &rec);
	rec.duration = (int64_t)time(NULL) - s.opened;
	if (rec.duration < 0)
		rec.duration = 0;
	if ((r = nhi_audit(&rec)) < 0)
		nhi_log(LOG_ERR, "close record of session %s not written to the journal: %s", s.id,
			strerror(-r));
	r = 0;
out:
	nhi_session_free(&s);
	close(dirfd);
	return r;
}
