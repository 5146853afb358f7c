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
void nhi_confcheck_pam(const char *pamdir, const struct nhi_conf *c, struct nhi_findings *f);

/*
 * record = required (pam_nhiacct(8), RECORDING): nhiacct-shell and tlog
 * are installed and safe, tlog's lock folder and the journal's socket are
 * as the module demands, and every vendor account NSS lists (getpwent:
 * local accounts, and those of a name service that enumerates) has the
 * login shell nhiacct-shell.  The first vendor account seen goes to
 * vendor (or "" when none), for the sshd check of the front-end.
 */
void nhi_confcheck_recording(const struct nhi_conf *c, char *vendor, size_t vendorsz,
			     struct nhi_findings *f);

/*
 * What `sshd -T -C user=VENDOR,...` printed (text): with record =
 * required, forwarding must be off for vendors (DisableForwarding, or
 * each kind off), tunnels and ~/.ssh/rc too, and the sftp Subsystem must
 * be a program, not internal-sftp.  Pure.
 */
void nhi_confcheck_sshd_effective(const char *text, const char *vendor,
				  struct nhi_findings *f);

#endif
