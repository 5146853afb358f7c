/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the module's account/auth (pam_nhiacct.c) and session (session.c) phases. */
#ifndef NHI_PAM_COMMON_H
#define NHI_PAM_COMMON_H

#include <stdbool.h>
#include <security/pam_modules.h>

#include "audit.h"
#include "conf.h"
#include "gate.h"
#include "identity.h"

/* pam data: the struct nhi_result of a grant in the account phase */
#define DATA_GRANT "pam_nhiacct.grant"

struct nhi_pam {
	pam_handle_t *pamh;
	struct nhi_conf conf;
	const char *user;       /* canonical once classified (nhi_pam_vendor) */
	const char *typed;      /* PAM_USER as given */
	const char *service, *rhost;
	struct nhi_identity id;
	bool silent;
	bool conf_bad;          /* conf_err says why */
	char conf_err[512];
};

/* Fills p (conf, user, items); PAM_SUCCESS even if the config is bad
 * (p->conf_bad), so the caller decides how to fail.  Always nhi_pam_end. */
int nhi_pam_begin(struct nhi_pam *p, pam_handle_t *pamh, int flags, int argc,
		  const char **argv);
void nhi_pam_end(struct nhi_pam *p);
void nhi_pam_tell(struct nhi_pam *p, int style, const char *line);
void nhi_pam_record(struct nhi_pam *p, struct nhi_record *rec);
int nhi_pam_conf_refusal(struct nhi_pam *p);
/* 1 vendor, 0 not (exempt or other), -1 refuse: config_error (conf_err
 * says why), -2 refuse: the name service does not know the user. */
int nhi_pam_vendor(struct nhi_pam *p);
int nhi_pam_decide(struct nhi_pam *p, bool tell, struct nhi_result **out);

#endif
