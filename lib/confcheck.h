/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct check-config's core (sshd -t for pam_nhiacct): what a loaded
 * configuration and the PAM stacks that load the module would do wrong,
 * found without a login.  Findings are errors (the module would refuse
 * logins or cannot work) or warnings (a weaker set-up than intended).
 */
#ifndef NHI_CONFCHECK_H
#define NHI_CONFCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

enum nhi_severity { NHI_SEV_WARNING = 1, NHI_SEV_ERROR = 2 };

struct nhi_finding {
	enum nhi_severity severity;
	char where[320];        /* "nhiacct.conf", "/etc/pam.d/cron:12", "vendor_groups" */
	char what[512];         /* one line, escaped */
};

#define NHI_FINDINGS_MAX 128

struct nhi_findings {
	struct nhi_finding v[NHI_FINDINGS_MAX];
	size_t n;
	size_t dropped;         /* findings beyond NHI_FINDINGS_MAX */
};

/* The worst severity found, 0 if none. */
int nhi_findings_worst(const struct nhi_findings *f);

/* Adds a finding (where and what are copied, escaped). */
void nhi_finding_add(struct nhi_findings *f, enum nhi_severity sev, const char *where,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * A loaded configuration: every group and user it names exists (a missing
 * vendor_groups or @approver group is an error: logins would be refused;
 * a missing user a warning); the file backend's ticket_dir, the token_file
 * and the ca_file are usable; the http backend object loads.
 */
void nhi_confcheck_conf(const struct nhi_conf *c, struct nhi_findings *f);

/* The doors a vendor's code can come in by, besides sshd. */
extern const char *const nhi_doors[];

/*
 * The PAM stacks under pamdir (/etc/pam.d): sshd must run the module in
 * its account stack and, for the session stack, before pam_systemd (which
 * reads the window the module sets); cron, atd, systemd-user, su and sudo,
 * where they exist, should run it in their account stacks.  "@include"d
 * files are followed (one level, as Debian's common-* files are used).
 */
void nhi_confcheck_pam(const char *pamdir, struct nhi_findings *f);

#endif
