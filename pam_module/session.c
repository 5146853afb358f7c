/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session phase (design.md sections 6 and 8).
 *
 * open_session, for a vendor: takes the grant of the account phase (pam
 * data, when account ran in this process: public-key-only SSH) or decides
 * again (keyboard-interactive: account ran in a child whose pam data is
 * gone; the ticket id is in the PAM environment).  Deciding again writes
 * its own grant (or deny) record, so such a session has two grants before
 * its open; a session never opens on a ticket that no longer passes.
 * Then, in this order, so that a failure leaves nothing behind:
 *   1. the session environment and pam data (nothing written yet);
 *   2. the record <state_dir>/<session>.json (fail closed: PAM_SESSION_ERR);
 *   3. the `open` journal record (audit = required: on failure the record
 *      of step 2 is removed again and the session refused).
 *
 * close_session: removing the record is the claim on the session (see
 * lib/sessions.h): the `close` journal record is written only when this
 * call removed it.  If `nhiacct watch` or `nhiacct revoke` ended the
 * session first, they already wrote `revoke`, and close writes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "nhi.h"
#include "pam_common.h"
#include "sessions.h"

/* pam data: the session id (a string) for close_session */
#define DATA_SESSION "pam_nhiacct.session"
/* read by pam_systemd: a string of seconds, becomes RuntimeMaxSec= */
#define DATA_RUNTIME_MAX "systemd.runtime_max_sec"

static void
free_string(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	free(data);
}

static int
set_data_string(pam_handle_t *pamh, const char *name, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return PAM_BUF_ERR;
	if (pam_set_data(pamh, name, copy, free_string) != PAM_SUCCESS) {
		free(copy);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

static int
putenvf(pam_handle_t *pamh, const char *name, const char *value)
{
	char buf[256];

	if ((size_t)snprintf(buf, sizeof(buf), "%s=%s", name, value) >= sizeof(buf))
		return PAM_BUF_ERR;
	return pam_putenv(pamh, buf);
}

/*
 * Whether the session phase has anything to do: PAM_SUCCESS for a vendor,
 * PAM_IGNORE for everyone else, PAM_SESSION_ERR (logged) when the
 * configuration is bad or the user's groups cannot be looked up; the account
 * phase refused such a login already, and no session opens on it.
 */
static int
session_of_vendor(struct nhi_pam *p)
{
	int v;

	if (p->conf_bad) {
		pam_syslog(p->pamh, LOG_ERR, "config_error: %s", p->conf_err);
		return PAM_SESSION_ERR;
	}
	if ((v = nhi_pam_vendor(p)) < 0) {
		pam_syslog(p->pamh, LOG_ERR, "%s", p->conf_err);
		return PAM_SESSION_ERR;
	}
	return v == 1 ? PAM_SUCCESS : PAM_IGNORE;
}

/* Fills s from the grant and this process; s->id already set. */
static int
fill_session(struct nhi_pam *p, const struct nhi_result *res, int64_t now,
	     struct nhi_session *s)
{
	struct nhi_proc_stat st;
	const struct passwd *pw;
	const void *tty = NULL;
	const char *logind;
	int r;

	if ((pw = pam_modutil_getpwnam(p->pamh, p->user)) == NULL)
		return -ENOENT;
	if ((r = nhi_proc_stat_read(getpid(), &st)) < 0)
		return r;
	(void)pam_get_item(p->pamh, PAM_TTY, &tty);
	logind = pam_getenv(p->pamh, "XDG_SESSION_ID");
	s->uid = pw->pw_uid;
	s->not_after = res->ticket.not_after;
	s->opened = now;
	s->pid = getpid();
	s->start_time = st.start_time;
	if ((s->user = strdup(p->user)) == NULL ||
	    (s->ticket = strdup(res->ticket_id ? res->ticket_id : res->ticket.id)) == NULL ||
	    (res->ticket.approver && (s->approver = strdup(res->ticket.approver)) == NULL) ||
	    (logind && (s->logind = strdup(logind)) == NULL) ||
	    (tty && (s->tty = strdup(tty)) == NULL) ||
	    (p->rhost && (s->rhost = strdup(p->rhost)) == NULL) ||
	    (p->service && (s->service = strdup(p->service)) == NULL))
		return -ENOMEM;
	return 0;
}

/*
 * A granted login whose session cannot be registered (state_dir unusable)
 * is refused: the journal says so, or it would show a grant and then
 * nothing.  The state directory is configuration, hence config_error.
 */
static void
deny_unregistered(struct nhi_pam *p, const struct nhi_result *res)
{
	struct nhi_record rec = { .event = NHI_EV_DENY, .duration = -1, .priority = LOG_ERR,
				  .reason = nhi_reason_name(NHI_DENY_CONFIG_ERROR),
				  .message = NULL };

	rec.ticket = &res->ticket;
	rec.ticket_id = res->ticket_id;
	rec.extra = "NHIACCT_NOTE=state_dir";
	nhi_pam_record(p, &rec);
	if (nhi_audit(&rec) < 0)
		pam_syslog(p->pamh, LOG_ERR, "deny record for %s not written", p->user);
}

/* Steps 1-3 of the comment at the top, for a granted vendor. */
static int
open_granted(struct nhi_pam *p, const struct nhi_result *res)
{
	struct nhi_record rec = { .event = NHI_EV_OPEN, .duration = -1, .priority = -1 };
	struct nhi_session s;
	char na[NHI_TIME_BUF], left[24], err[256];
	int64_t now = (int64_t)time(NULL);
	bool registered = false;
	int dirfd = -1, r, e;

	memset(&s, 0, sizeof(s));
	if ((res->ticket_id == NULL && res->ticket.id == NULL) || !res->ticket.has_not_after) {
		pam_syslog(p->pamh, LOG_ERR, "grant without a ticket id or end; refused");
		return PAM_SESSION_ERR;
	}
	if (now >= res->ticket.not_after) {
		/* the window closed between the account phase and now */
		nhi_pam_tell(p, PAM_ERROR_MSG, "nhiacct: access refused (expired): the access "
			     "window of the ticket has ended");
		pam_syslog(p->pamh, LOG_NOTICE, "session of %s refused: window ended", p->user);
		return PAM_PERM_DENIED;
	}
	if ((e = nhi_session_new_id(s.id)) < 0 || (e = fill_session(p, res, now, &s)) < 0) {
		pam_syslog(p->pamh, LOG_ERR, "cannot prepare the session record: %s",
			   strerror(-e));
		r = PAM_SESSION_ERR;
		goto out;
	}
	/* 1. environment and pam data */
	snprintf(left, sizeof(left), "%lld", (long long)(s.not_after - now));
	if ((r = putenvf(p->pamh, "NHIACCT_TICKET", s.ticket)) != PAM_SUCCESS ||
	    (r = putenvf(p->pamh, "NHIACCT_SESSION", s.id)) != PAM_SUCCESS ||
	    (r = putenvf(p->pamh, "NHIACCT_NOT_AFTER",
			 nhi_format_time(s.not_after, na, sizeof(na)))) != PAM_SUCCESS ||
	    (r = set_data_string(p->pamh, DATA_RUNTIME_MAX, left)) != PAM_SUCCESS ||
	    (r = set_data_string(p->pamh, DATA_SESSION, s.id)) != PAM_SUCCESS) {
		pam_syslog(p->pamh, LOG_ERR, "cannot set the session environment: %s",
			   pam_strerror(p->pamh, r));
		r = PAM_SESSION_ERR;
		goto out;
	}
	/* 2. the record the watch enforces: no record, no session */
	if ((dirfd = nhi_state_dir_open(p->conf.state_dir, true, err, sizeof(err))) < 0 ||
	    (e = nhi_session_write(dirfd, &s)) < 0) {
		if (dirfd >= 0)
			pam_syslog(p->pamh, LOG_ERR, "session record in %s not written: %s",
				   p->conf.state_dir, strerror(-e));
		else
			pam_syslog(p->pamh, LOG_ERR, "%s", err);
		nhi_pam_tell(p, PAM_ERROR_MSG, "nhiacct: the session could not be registered; "
			     "access refused");
		deny_unregistered(p, res);
		r = PAM_SESSION_ERR;
		goto out;
	}
	registered = true;
	/* 3. the open record */
	rec.ticket = &res->ticket;
	rec.ticket_id = s.ticket;
	rec.session = s.id;
	nhi_pam_record(p, &rec);
	if ((e = nhi_audit(&rec)) < 0) {
		pam_syslog(p->pamh, LOG_ERR, "open record of session %s not written to the "
			   "journal: %s", s.id, strerror(-e));
		if (p->conf.audit == NHI_AUDIT_REQUIRED) {
			nhi_pam_tell(p, PAM_ERROR_MSG, "nhiacct: access refused (audit_unavailable): "
				     "the session could not be recorded");
			r = PAM_SESSION_ERR;
			goto out;
		}
	}
	registered = false;     /* kept: the session is open */
	r = PAM_SUCCESS;
out:
	if (registered && (e = nhi_session_remove(dirfd, s.id)) < 0)
		pam_syslog(p->pamh, LOG_ERR, "session record %s not removed: %s", s.id,
			   strerror(-e));
	if (dirfd >= 0)
		close(dirfd);
	nhi_session_free(&s);
	return r;
}

PAM_EXTERN int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const void *data = NULL;
	struct nhi_result *own = NULL;
	const struct nhi_result *res;
	struct nhi_pam p;
	int r;

	if ((r = nhi_pam_begin(&p, pamh, flags, argc, argv)) != PAM_SUCCESS)
		goto out;
	if ((r = session_of_vendor(&p)) != PAM_SUCCESS)
		goto out;
	(void)nhi_conf_host(&p.conf);   /* for the records' NHIACCT_HOST */
	if (pam_get_data(pamh, DATA_GRANT, &data) == PAM_SUCCESS && data != NULL) {
		res = data;
	} else {
		/* account ran in another process: decide again (it records) */
		if ((r = nhi_pam_decide(&p, false, &own)) != PAM_SUCCESS)
			goto out;       /* the vendor was told why */
		res = own;
	}
	r = open_granted(&p, res);
out:
	if (own != NULL) {
		nhi_result_free(own);
		free(own);
	}
	nhi_pam_end(&p);
	return r;
}

PAM_EXTERN int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct nhi_record rec = { .event = NHI_EV_CLOSE, .priority = -1 };
	const void *data = NULL;
	const char *id = NULL;
	struct nhi_session s;
	struct nhi_ticket t;
	struct nhi_pam p;
	char err[256];
	int dirfd = -1, r, e;

	memset(&s, 0, sizeof(s));
	if ((r = nhi_pam_begin(&p, pamh, flags, argc, argv)) != PAM_SUCCESS)
		goto out;
	if ((r = session_of_vendor(&p)) != PAM_SUCCESS)
		goto out;
	if (pam_get_data(pamh, DATA_SESSION, &data) == PAM_SUCCESS && data != NULL)
		id = data;
	else
		id = pam_getenv(pamh, "NHIACCT_SESSION");
	if (id == NULL) {
		r = PAM_IGNORE;         /* no session was opened by us */
		goto out;
	}
	if (!nhi_session_id_valid(id)) {
		pam_syslog(pamh, LOG_WARNING, "NHIACCT_SESSION is not a session id; ignored");
		r = PAM_SESSION_ERR;
		goto out;
	}
	if ((dirfd = nhi_state_dir_open(p.conf.state_dir, false, err, sizeof(err))) < 0) {
		pam_syslog(pamh, LOG_ERR, "%s", err);
		r = PAM_SESSION_ERR;
		goto out;
	}
	if ((e = nhi_session_read(dirfd, id, &s)) < 0) {
		/* -ENOENT: revoked (watch or revoke wrote the record) */
		if (e != -ENOENT)
			pam_syslog(pamh, LOG_ERR, "session record %s: %s", id, strerror(-e));
		r = e == -ENOENT ? PAM_SUCCESS : PAM_SESSION_ERR;
		goto out;
	}
	/* the environment is not proof: the record must be this user's */
	if (strcmp(s.user, p.user) != 0) {
		pam_syslog(pamh, LOG_WARNING, "session %s belongs to %s, not %s; left alone", id,
			   s.user, p.user);
		r = PAM_SESSION_ERR;
		goto out;
	}
	if ((e = nhi_session_remove(dirfd, id)) < 0) {
		if (e != -ENOENT)
			pam_syslog(pamh, LOG_ERR, "session record %s not removed: %s", id,
				   strerror(-e));
		r = e == -ENOENT ? PAM_SUCCESS : PAM_SESSION_ERR;
		goto out;
	}
	(void)nhi_conf_host(&p.conf);
	nhi_session_ticket(&s, &t);
	rec.ticket = &t;
	rec.session = s.id;
	rec.duration = (int64_t)time(NULL) - s.opened;
	if (rec.duration < 0)
		rec.duration = 0;
	nhi_pam_record(&p, &rec);
	if ((e = nhi_audit(&rec)) < 0)
		pam_syslog(pamh, LOG_ERR, "close record of session %s not written to the journal: %s",
			   s.id, strerror(-e));
	r = PAM_SUCCESS;
out:
	if (dirfd >= 0)
		close(dirfd);
	nhi_session_free(&s);
	nhi_pam_end(&p);
	return r;
}
