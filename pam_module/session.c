/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session phase (design.md sections 6 and 8): short step lists over
 * lib/lifecycle.h, which holds the order, the rollback and the claim rule.
 *
 * open_session, for a vendor: takes the grant of the account phase (pam
 * data, when account ran in this process: public-key-only SSH) or decides
 * again (keyboard-interactive: account ran in a child whose pam data is
 * gone; the ticket id is in the PAM environment).  Deciding again writes
 * its own grant (or deny) record, so such a session has two grants before
 * its open; a session never opens on a ticket that no longer passes.
 * Every refusal here is told to the vendor and written as a deny record.
 *
 * close_session: the record moves to closed and `close` is written; what
 * the vendor left running is still ended at the window end by the watch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "lifecycle.h"
#include "pam_common.h"
#include "gate.h"
#include "reason.h"
#include "timeutil.h"
#include "conf.h"

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
 * configuration is bad or who is a vendor cannot be told; the account
 * phase refused such a login already, and no session opens on it.
 */
static int
session_of_vendor(struct nhi_pam *p)
{
	int v = nhi_pam_vendor(p);

	if (v < 0) {
		pam_syslog(p->pamh, LOG_ERR, "config_error: %s", p->conf_err);
		return PAM_SESSION_ERR;
	}
	return v == 1 ? PAM_SUCCESS : PAM_IGNORE;
}

static void
opening_of(struct nhi_pam *p, struct nhi_opening *o)
{
	const void *tty = NULL;

	(void)pam_get_item(p->pamh, PAM_TTY, &tty);
	*o = (struct nhi_opening){
		.identifier = "pam_nhiacct", .user = p->user, .uid = p->id.uid,
		.service = p->service, .rhost = p->rhost, .host = p->conf.host, .tty = tty,
		.logind = pam_getenv(p->pamh, "XDG_SESSION_ID"),
	};
}

/* Tells the vendor why the session is refused (one line, as everywhere). */
static int
refuse(struct nhi_pam *p, const struct nhi_result *res, enum nhi_reason why)
{
	struct nhi_result told = *res;
	char line[768];

	told.reason = why;
	told.now = (int64_t)time(NULL);
	nhi_pam_tell(p, PAM_ERROR_MSG, nhi_result_message(&told, line, sizeof(line)));
	pam_syslog(p->pamh, LOG_NOTICE, "session of %s refused: %s", p->user,
		   nhi_reason_name(why));
	return why == NHI_DENY_EXPIRED ? PAM_PERM_DENIED : PAM_SESSION_ERR;
}

/* The PAM side of an opening: environment and pam data, nothing written. */
static int
export(struct nhi_pam *p, const struct nhi_session *s, int64_t now)
{
	char na[NHI_TIME_BUF], left[24];
	int r;

	snprintf(left, sizeof(left), "%lld", (long long)(s->not_after - now));
	if ((r = putenvf(p->pamh, "NHIACCT_TICKET", s->ticket)) != PAM_SUCCESS ||
	    (r = putenvf(p->pamh, "NHIACCT_SESSION", s->id)) != PAM_SUCCESS ||
	    (r = putenvf(p->pamh, "NHIACCT_NOT_AFTER",
			 nhi_format_time(s->not_after, na, sizeof(na)))) != PAM_SUCCESS ||
	    (r = set_data_string(p->pamh, DATA_RUNTIME_MAX, left)) != PAM_SUCCESS ||
	    (r = set_data_string(p->pamh, DATA_SESSION, s->id)) != PAM_SUCCESS)
		pam_syslog(p->pamh, LOG_ERR, "cannot set the session environment: %s",
			   pam_strerror(p->pamh, r));
	return r;
}

static int
open_granted(struct nhi_pam *p, const struct nhi_result *res)
{
	struct nhi_opening o;
	struct nhi_session s;
	enum nhi_reason why;
	char detail[512];
	int64_t now = (int64_t)time(NULL);
	int e, r;

	opening_of(p, &o);
	if ((e = nhi_session_prepare(&o, res, now, &s)) == -ETIME) {
		/* the window closed between the account phase and now */
		(void)nhi_session_deny(&o, res, NHI_DENY_EXPIRED, NULL, NULL);
		r = refuse(p, res, NHI_DENY_EXPIRED);
		goto out;
	}
	if (e < 0) {
		pam_syslog(p->pamh, LOG_ERR, "cannot prepare the session record: %s", strerror(-e));
		(void)nhi_session_deny(&o, res, NHI_DENY_CONFIG_ERROR, "session", NULL);
		r = refuse(p, res, NHI_DENY_CONFIG_ERROR);
		goto out;
	}
	if ((why = nhi_session_recorder(&p->conf, &o, res, p->id.shell, &s, detail,
					sizeof(detail))) != NHI_GRANT) {
		pam_syslog(p->pamh, LOG_ERR, "session of %s cannot be recorded: %s", p->user,
			   detail);
		r = refuse(p, res, why);
		goto out;
	}
	if (export(p, &s, now) != PAM_SUCCESS) {
		(void)nhi_session_deny(&o, res, NHI_DENY_CONFIG_ERROR, "session", NULL);
		r = refuse(p, res, NHI_DENY_CONFIG_ERROR);
		goto out;
	}
	if ((why = nhi_session_commit(&p->conf, &o, res, &s, detail, sizeof(detail))) != NHI_GRANT) {
		pam_syslog(p->pamh, LOG_ERR, "%s", detail);
		r = refuse(p, res, why);
		goto out;
	}
	r = PAM_SUCCESS;
out:
	nhi_session_free(&s);
	return r;
}

PAM_EXTERN int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const void *data = NULL;
	struct nhi_result *own = NULL;
	struct nhi_pam p;
	int r;

	if ((r = nhi_pam_begin(&p, pamh, flags, argc, argv)) != PAM_SUCCESS)
		goto out;
	if ((r = session_of_vendor(&p)) != PAM_SUCCESS)
		goto out;
	(void)nhi_conf_settle_host(&p.conf);    /* for the records' NHIACCT_HOST */
	if (pam_get_data(pamh, DATA_GRANT, &data) != PAM_SUCCESS || data == NULL) {
		/* account ran in another process: decide again (it records) */
		if ((r = nhi_pam_decide(&p, false, &own)) != PAM_SUCCESS)
			goto out;       /* the vendor was told why */
		data = own;
	}
	r = open_granted(&p, data);
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
	const void *data = NULL;
	struct nhi_opening o;
	struct nhi_pam p;
	char err[512];
	int r, e;

	if ((r = nhi_pam_begin(&p, pamh, flags, argc, argv)) != PAM_SUCCESS)
		goto out;
	if ((r = session_of_vendor(&p)) != PAM_SUCCESS)
		goto out;
	if (pam_get_data(pamh, DATA_SESSION, &data) != PAM_SUCCESS || data == NULL)
		data = pam_getenv(pamh, "NHIACCT_SESSION");
	if (data == NULL) {
		r = PAM_IGNORE;         /* no session was opened by us */
		goto out;
	}
	(void)nhi_conf_settle_host(&p.conf);
	opening_of(&p, &o);
	e = nhi_session_close(&p.conf, &o, data, err, sizeof(err));
	if (e < 0 && e != -ENOENT)
		pam_syslog(pamh, e == -EPERM ? LOG_WARNING : LOG_ERR, "%s", err);
	/* -ENOENT: ended by the watch or nhiacct revoke, which recorded it */
	r = e == 0 || e == -ENOENT ? PAM_SUCCESS : PAM_SESSION_ERR;
out:
	nhi_pam_end(&p);
	return r;
}
