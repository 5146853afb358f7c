/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_nhiacct: vendor logins need an approved ticket.
 *
 * The entry points are thin: load the configuration, ask the core, write the
 * record, tell the vendor, map the verdict to a PAM code.  Rules live in
 * lib/; see design.md section 4 and pam_nhiacct(8).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "pam_common.h"
#include "audit.h"
#include "conf.h"
#include "gate.h"
#include "identity.h"
#include "log.h"
#include "policy.h"
#include "reason.h"
#include "ticket.h"
#include "util.h"

static void
log_sink(void *ud, int prio, const char *msg)
{
	struct nhi_pam *p = ud;

	if (prio == LOG_DEBUG && !p->conf.debug)
		return;
	pam_syslog(p->pamh, prio, "%s", msg);
}

/*
 * Which break-glass accounts a configuration that cannot be read still
 * lets through: those of an exempt_users= module argument, else the
 * default (root); never what a broken file said, nor a half-read list.
 */
static void
exempt_of_broken(struct nhi_pam *p, int argc, const char **argv)
{
	(void)nhi_strv_split(&p->conf.exempt_users, "root");
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "exempt_users=", 13) == 0)
			(void)nhi_strv_split(&p->conf.exempt_users, argv[i] + 13);
}

/*
 * Module arguments: conf=PATH and debug first (they decide what to read),
 * then the file, then every other key=value argument through the same
 * setter as the file, so an argument overrides the file.
 */
int
nhi_pam_begin(struct nhi_pam *p, pam_handle_t *pamh, int flags, int argc,
	      const char **argv)
{
	const char *path = NHI_DEFAULT_CONF;
	const void *item = NULL;
	char msg[256];
	int i, r;

	memset(p, 0, sizeof(*p));
	p->pamh = pamh;
	p->silent = (flags & PAM_SILENT) != 0;
	if (nhi_conf_init(&p->conf) < 0)
		return PAM_BUF_ERR;
	nhi_log_set(log_sink, p);
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) == 0)
			path = argv[i] + 5;
		else if (strcmp(argv[i], "debug") == 0)
			p->conf.debug = true;
	}
	if ((r = pam_get_user(pamh, &p->user, NULL)) != PAM_SUCCESS || p->user == NULL ||
	    p->user[0] == '\0')
		return r == PAM_SUCCESS ? PAM_USER_UNKNOWN : r;
	p->typed = p->user;
	if (pam_get_item(pamh, PAM_SERVICE, &item) == PAM_SUCCESS)
		p->service = item;
	item = NULL;
	if (pam_get_item(pamh, PAM_RHOST, &item) == PAM_SUCCESS)
		p->rhost = item;

	if (nhi_conf_load(&p->conf, path, p->conf_err, sizeof(p->conf_err)) < 0) {
		p->conf_bad = true;
		exempt_of_broken(p, argc, argv);
		return PAM_SUCCESS;
	}
	for (i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		char key[64];

		if (strcmp(argv[i], "debug") == 0 || strncmp(argv[i], "conf=", 5) == 0)
			continue;
		if (eq == NULL || (size_t)(eq - argv[i]) >= sizeof(key)) {
			snprintf(p->conf_err, sizeof(p->conf_err), "module argument '%s': %s",
				 argv[i], "expected key=value");
			p->conf_bad = true;
			exempt_of_broken(p, argc, argv);
			return PAM_SUCCESS;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(eq - argv[i]), argv[i]);
		if (nhi_conf_set(&p->conf, key, eq + 1, msg, sizeof(msg)) < 0) {
			snprintf(p->conf_err, sizeof(p->conf_err), "module argument: %s", msg);
			p->conf_bad = true;
			exempt_of_broken(p, argc, argv);
			return PAM_SUCCESS;
		}
	}
	if (nhi_conf_validate(&p->conf, p->conf_err, sizeof(p->conf_err)) < 0) {
		p->conf_bad = true;
		exempt_of_broken(p, argc, argv);
	}
	return PAM_SUCCESS;
}

void
nhi_pam_end(struct nhi_pam *p)
{
	nhi_log_set(NULL, NULL);
	nhi_conf_free(&p->conf);
}

void
nhi_pam_tell(struct nhi_pam *p, int style, const char *line)
{
	if (p->silent)
		return;
	if (style == PAM_ERROR_MSG)
		pam_error(p->pamh, "%s", line);
	else
		pam_info(p->pamh, "%s", line);
}

void
nhi_pam_record(struct nhi_pam *p, struct nhi_record *rec)
{
	rec->identifier = "pam_nhiacct";
	rec->user = p->user;
	rec->service = p->service;
	rec->rhost = p->rhost;
	if (rec->host == NULL)
		rec->host = p->conf.host;
}

/* A configuration that cannot be trusted refuses everyone: who is a vendor
 * is part of it.  The record says why, at error priority. */
int
nhi_pam_conf_refusal(struct nhi_pam *p)
{
	struct nhi_record rec;
	struct nhi_result res = { .reason = NHI_DENY_CONFIG_ERROR };
	char line[512];

	pam_syslog(p->pamh, LOG_ERR, "config_error: %s", p->conf_err);
	nhi_record_init(&rec, NHI_EV_DENY);
	rec.priority = LOG_ERR;
	rec.reason = nhi_reason_name(NHI_DENY_CONFIG_ERROR);
	nhi_pam_record(p, &rec);
	if (nhi_audit(&rec) < 0)
		pam_syslog(p->pamh, LOG_ERR, "journal record not written");
	nhi_pam_tell(p, PAM_ERROR_MSG, nhi_result_message(&res, line, sizeof(line)));
	return PAM_PERM_DENIED;
}

/*
 * Step 1 of the decision.  A break-glass account is let through whatever
 * the state of the configuration, but a login through a configuration
 * that cannot be trusted is logged at crit, once per phase.  Everyone
 * else is refused when who is a vendor cannot be told.  On success the
 * canonical account name replaces the typed one for everything after.
 */
int
nhi_pam_vendor(struct nhi_pam *p)
{
	char why[512];
	int r;

	if (nhi_strv_contains(&p->conf.exempt_users, p->typed)) {
		if (p->conf_bad || nhi_vendor_groups_check(&p->conf, why, sizeof(why)) < 0)
			pam_syslog(p->pamh, LOG_CRIT, "break-glass account %s let through a "
				   "configuration that cannot be trusted: %s", p->typed,
				   p->conf_bad ? p->conf_err : why);
		return 0;
	}
	if (p->conf_bad)
		return -1;
	r = nhi_classify(&p->conf, p->typed, &p->id, why, sizeof(why));
	if (r < 0) {
		snprintf(p->conf_err, sizeof(p->conf_err), "%s", why);
		return r == -ESRCH ? -2 : -1;
	}
	p->user = p->id.name;
	return r == NHI_CLASS_VENDOR ? 1 : 0;
}

static void
free_grant(pam_handle_t *pamh, void *data, int error_status)
{
	struct nhi_result *res = data;

	(void)pamh;
	(void)error_status;
	nhi_result_free(res);
	free(res);
}

/*
 * Decides, records and tells; the shared step of the account phase and of
 * an open_session that has to decide again (keyboard-interactive logins run
 * account in another process).  Refusals are always told to the vendor,
 * grants only with tell.  On grant, *out (if given) receives the result;
 * the caller frees it.
 */
int
nhi_pam_decide(struct nhi_pam *p, bool tell, struct nhi_result **out)
{
	struct nhi_login login = { p->user, p->service, p->rhost, NULL };
	struct nhi_record rec;
	struct nhi_result *res;
	char line[768];
	int r;

	if ((res = calloc(1, sizeof(*res))) == NULL)
		return PAM_BUF_ERR;
	/* this host's name, settled before deciding: a failure leaves it NULL,
	 * which nhi_evaluate refuses as config_error */
	(void)nhi_conf_settle_host(&p->conf);
	login.host = p->conf.host;
	nhi_evaluate(&p->conf, &login, pam_getenv(p->pamh, "NHIACCT_TICKET"),
		     (int64_t)time(NULL), res);
	nhi_record_init(&rec, res->reason == NHI_GRANT ? NHI_EV_GRANT : NHI_EV_DENY);
	rec.ticket = &res->ticket;
	rec.ticket_id = res->ticket_id;
	rec.reason = res->reason == NHI_GRANT ? NULL : nhi_reason_name(res->reason);
	/* why a ticket was malformed or the backend failed: the field, the
	 * pointer, what was wrong (never a secret: backends keep tokens out) */
	if (res->reason == NHI_DENY_MALFORMED || res->reason == NHI_DENY_BACKEND_ERROR)
		rec.detail = res->detail;
	if (res->reason == NHI_DENY_CONFIG_ERROR)
		rec.priority = LOG_ERR;
	nhi_pam_record(p, &rec);
	if ((r = nhi_audit(&rec)) < 0) {
		pam_syslog(p->pamh, LOG_ERR, "%s record for %s not written to the journal: %s",
			   nhi_event_name(rec.event), p->user, strerror(-r));
		/* No record, no access. */
		if (res->reason == NHI_GRANT && p->conf.audit == NHI_AUDIT_REQUIRED)
			res->reason = NHI_DENY_AUDIT_UNAVAILABLE;
	}
	if (res->reason != NHI_GRANT)
		pam_syslog(p->pamh, LOG_NOTICE, "refused %s: %s%s%s", p->user,
			   nhi_reason_name(res->reason), res->detail[0] ? ": " : "", res->detail);
	/* A refusal is always explained; a grant only when asked (a session
	 * phase deciding again does not repeat the account phase's line). */
	if (tell || res->reason != NHI_GRANT)
		nhi_pam_tell(p, res->reason == NHI_GRANT ? PAM_TEXT_INFO : PAM_ERROR_MSG,
			     nhi_result_message(res, line, sizeof(line)));
	if (res->reason != NHI_GRANT) {
		nhi_result_free(res);
		free(res);
		return PAM_PERM_DENIED;
	}
	if (out != NULL)
		*out = res;
	else {
		nhi_result_free(res);
		free(res);
	}
	return PAM_SUCCESS;
}

PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct nhi_result *res = NULL;
	struct nhi_pam p;
	char env[sizeof("NHIACCT_TICKET=") + NHI_ID_MAX];
	int r, v;

	if ((r = nhi_pam_begin(&p, pamh, flags, argc, argv)) != PAM_SUCCESS)
		goto out;
	if ((v = nhi_pam_vendor(&p)) == -2) {
		pam_syslog(pamh, LOG_NOTICE, "%s", p.conf_err);
		r = PAM_USER_UNKNOWN;
		goto out;
	}
	if (v < 0) {
		r = nhi_pam_conf_refusal(&p);
		goto out;
	}
	if (v == 0) {
		r = PAM_IGNORE;
		goto out;
	}
	if ((r = nhi_pam_decide(&p, true, &res)) != PAM_SUCCESS)
		goto out;
	/* The session phase (maybe in another process) finds the ticket here. */
	snprintf(env, sizeof(env), "NHIACCT_TICKET=%s", res->ticket_id);
	if (pam_putenv(pamh, env) != PAM_SUCCESS ||
	    pam_set_data(pamh, DATA_GRANT, res, free_grant) != PAM_SUCCESS) {
		free_grant(pamh, res, 0);
		r = PAM_BUF_ERR;
	}
out:
	nhi_pam_end(&p);
	return r;
}

/* Did a public-key method already succeed?  OpenSSH lists the methods
 * that did in SSH_AUTH_INFO_0 ("publickey ssh-ed25519 AAAA...", one a line). */
static bool
publickey_done(pam_handle_t *pamh)
{
	const char *info = pam_getenv(pamh, "SSH_AUTH_INFO_0");

	for (const char *l = info; l != NULL; l = strchr(l, '\n')) {
		if (*l == '\n')
			l++;
		if (strncmp(l, "publickey ", 10) == 0)
			return true;
	}
	return false;
}

/*
 * The ticket prompt.  A ticket id is not a credential: this returns
 * PAM_SUCCESS only when a public key already proved who the vendor is AND
 * the ticket question was answered here (or a ticket was already set), so
 * that "publickey,keyboard-interactive" asks for a ticket instead of a
 * password.  Otherwise PAM_IGNORE: sshd's password method cannot answer an
 * echo-on prompt, and must not be satisfied by this module.
 */
PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct nhi_pam p;
	char *answer = NULL, env[sizeof("NHIACCT_TICKET=") + NHI_ID_MAX];
	bool answered;
	int r;

	if (nhi_pam_begin(&p, pamh, flags, argc, argv) != PAM_SUCCESS ||
	    nhi_pam_vendor(&p) != 1) {
		r = PAM_IGNORE;        /* the account phase refuses a bad config */
		goto out;
	}
	answered = pam_getenv(pamh, "NHIACCT_TICKET") != NULL;
	if (!answered && p.conf.prompt &&
	    pam_prompt(pamh, PAM_PROMPT_ECHO_ON, &answer, "Access ticket: ") == PAM_SUCCESS &&
	    answer != NULL) {
		char *a = answer + strspn(answer, " \t"), *e = a + strlen(a);

		answered = true;
		/* trim the ends only: "CHG-1 junk" is not CHG-1 */
		while (e > a && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
			*--e = '\0';
		/* An empty answer leaves the choice to lookup.  An id that
		 * breaks the syntax is never stored as given: a marker makes
		 * the account phase say bad_ticket_id. */
		if (*a != '\0') {
			snprintf(env, sizeof(env), "NHIACCT_TICKET=%s",
				 nhi_ticket_id_valid(a) ? a : "!invalid");
			if (pam_putenv(pamh, env) != PAM_SUCCESS) {
				r = PAM_BUF_ERR;
				goto out;
			}
		}
	}
	r = answered && publickey_done(pamh) ? PAM_SUCCESS : PAM_IGNORE;
out:
	if (answer != NULL) {
		explicit_bzero(answer, strlen(answer));
		free(answer);
	}
	nhi_pam_end(&p);
	return r;
}

/*
 * No credentials to establish.  PAM_SUCCESS, not PAM_IGNORE: sshd drops a
 * keyboard-interactive login when pam_setcred() fails, and it fails when
 * every auth module of the stack ignores it.
 */
PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh, (void)flags, (void)argc, (void)argv;
	return PAM_SUCCESS;
}
