/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One login through the real PAM stack, the way sshd drives it:
 * pam_start -> (PAM_RHOST) -> (pam_putenv) -> authenticate -> acct_mgmt ->
 * open_session -> close_session -> pam_end, stopping at the first phase
 * that fails.  Shared by the drivers of tests/matrix (pamrun),
 * tests/concurrency (storm) and tests/valgrind (cycles); run them under
 * pam_wrapper + nss_wrapper (see tests/lib/pamenv.sh).
 *
 * The conversation answers every prompt with one fixed answer and keeps the
 * messages (pam_info / pam_error) the module showed.
 */
#ifndef NHI_PAMLOGIN_H
#define NHI_PAMLOGIN_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define PL_MSGS_MAX 16
#define PL_ENV_MAX  8

enum pl_phase { PL_AUTH = 0, PL_ACCOUNT, PL_OPEN, PL_CLOSE, PL_PHASES };

static const char *const pl_phase_names[PL_PHASES] = { "auth", "account", "open", "close" };

struct pl_login {
	const char *service;
	const char *user;
	const char *rhost;              /* PAM_RHOST, or NULL */
	const char *tty;                /* PAM_TTY, or NULL */
	const char *answer;             /* answer to every prompt; NULL: "" */
	const char *env[PL_ENV_MAX];    /* "NAME=VALUE" put before the phases */
	unsigned phases;                /* bit set of 1u << enum pl_phase */
	pid_t kill_pid;                 /* > 0: SIGKILL it just before kill_phase */
	int kill_phase;                 /* (e.g. the private journald) */
};

struct pl_result {
	bool ran[PL_PHASES];
	int rc[PL_PHASES];
	int start_rc;
	int prompts;
	int n_msgs;
	int style[PL_MSGS_MAX];         /* PAM_ERROR_MSG or PAM_TEXT_INFO */
	char *msg[PL_MSGS_MAX];         /* owned */
	/* the PAM environment after the last phase that ran */
	char session[80], ticket[96], not_after[48];
};

static inline void
pl_result_free(struct pl_result *r)
{
	for (int i = 0; i < r->n_msgs; i++)
		free(r->msg[i]);
	r->n_msgs = 0;
}

struct pl_conv_state {
	const char *answer;
	struct pl_result *res;
};

static inline int
pl_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *ud)
{
	struct pl_conv_state *st = ud;
	struct pam_response *out;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	if ((out = calloc((size_t)n, sizeof(*out))) == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_ON:
		case PAM_PROMPT_ECHO_OFF:
			st->res->prompts++;
			if ((out[i].resp = strdup(st->answer ? st->answer : "")) == NULL)
				goto oom;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			if (st->res->n_msgs < PL_MSGS_MAX) {
				int k = st->res->n_msgs;
				if ((st->res->msg[k] = strdup(msg[i]->msg)) == NULL)
					goto oom;
				st->res->style[k] = msg[i]->msg_style;
				st->res->n_msgs++;
			}
			break;
		default:
			goto fail;
		}
	}
	*resp = out;
	return PAM_SUCCESS;
oom:
fail:
	for (int i = 0; i < n; i++)
		free(out[i].resp);
	free(out);
	return PAM_CONV_ERR;
}

static inline void
pl_copy_env(pam_handle_t *pamh, const char *name, char *dst, size_t dstsz)
{
	const char *v = pam_getenv(pamh, name);

	snprintf(dst, dstsz, "%s", v ? v : "");
}

/* Runs the login; returns the rc of the last phase that ran (PAM_SUCCESS
 * when all requested phases passed).  Caller frees res with pl_result_free. */
static inline int
pl_run(const struct pl_login *l, struct pl_result *res)
{
	struct pl_conv_state st = { l->answer, res };
	struct pam_conv conv = { pl_conv, &st };
	pam_handle_t *pamh = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = res->start_rc = pam_start(l->service, l->user, &conv, &pamh);
	if (rc != PAM_SUCCESS)
		return rc;
	if (l->rhost != NULL && (rc = pam_set_item(pamh, PAM_RHOST, l->rhost)) != PAM_SUCCESS)
		goto out;
	if (l->tty != NULL && (rc = pam_set_item(pamh, PAM_TTY, l->tty)) != PAM_SUCCESS)
		goto out;
	for (int i = 0; i < PL_ENV_MAX && l->env[i] != NULL; i++)
		if ((rc = pam_putenv(pamh, l->env[i])) != PAM_SUCCESS)
			goto out;
	for (int p = 0; p < PL_PHASES; p++) {
		if (!(l->phases & (1u << p)))
			continue;
		if (l->kill_pid > 0 && p == l->kill_phase) {
			kill(l->kill_pid, SIGKILL);
			usleep(200000);         /* its socket closes with it */
		}
		switch (p) {
		case PL_AUTH: rc = pam_authenticate(pamh, 0); break;
		case PL_ACCOUNT: rc = pam_acct_mgmt(pamh, 0); break;
		case PL_OPEN: rc = pam_open_session(pamh, 0); break;
		default: rc = pam_close_session(pamh, 0); break;
		}
		res->ran[p] = true;
		res->rc[p] = rc;
		if (p == PL_OPEN) {
			pl_copy_env(pamh, "NHIACCT_SESSION", res->session, sizeof(res->session));
			pl_copy_env(pamh, "NHIACCT_NOT_AFTER", res->not_after, sizeof(res->not_after));
		}
		pl_copy_env(pamh, "NHIACCT_TICKET", res->ticket, sizeof(res->ticket));
		if (rc != PAM_SUCCESS)
			break;
	}
out:
	pam_end(pamh, rc);
	return rc;
}

/* Does s hold a byte a terminal would act on: C0, DEL, or a C1 control
 * (UTF-8 C2 80..C2 9F; U+009B is CSI)? */
static inline bool
pl_has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return true;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return true;
	}
	return false;
}

/* "auth,account,open,close" -> bit set; 0 on an unknown name. */
static inline unsigned
pl_parse_phases(const char *s)
{
	unsigned bits = 0;
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int p;
		for (p = 0; p < PL_PHASES; p++)
			if (strcmp(tok, pl_phase_names[p]) == 0)
				break;
		if (p == PL_PHASES)
			return 0;
		bits |= 1u << p;
	}
	return bits;
}

#endif
