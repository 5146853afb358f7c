/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Approvals that prove themselves: each approver signs the ticket's
 * canonical content with their SSH key (ssh-keygen -Y sign -n
 * nhiacct-ticket), and the host checks the signatures offline against an
 * OpenSSH allowed_signers file (approver_keys), with ssh-keygen -Y verify:
 * OpenSSH's own code decides, so the two can never disagree.
 */
#ifndef NHI_SIGNATURE_H
#define NHI_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "reason.h"
#include "ticket.h"

#define NHI_SIG_NAMESPACE   "nhiacct-ticket"
#define NHI_SIGNERS_MAX     (256 * 1024)        /* bytes of approver_keys */
#define NHI_SIG_TIMEOUT_MS  5000                /* one ssh-keygen run */
#ifndef NHI_SSH_KEYGEN
#define NHI_SSH_KEYGEN      "/usr/bin/ssh-keygen"
#endif

/*
 * *out: what approver signs of t (nhiacct.conf(5), "Signed tickets"):
 *
 *   nhiacct-ticket 1
 *   id CHG-1042
 *   requester acme-jdoe
 *   approver alice
 *   account vendor1          (one line each, sorted bytewise)
 *   host jump1.example.com   (one line each, sorted bytewise)
 *   not_before 1795338000    (Unix seconds; empty when absent)
 *   not_after 1795345200
 *   purpose Apply vendor hotfix 4.2.1
 *
 * each line "key SP value LF", values with '\' as "\\" and bytes below 0x20
 * and 0x7f as "\xHH".  Not the state: withdrawing must not need a new
 * signature.  Caller frees *out.
 */
int nhi_ticket_canonical(const struct nhi_ticket *t, const char *approver, char **out,
			 size_t *len);

/*
 * Does sig (armoured SSHSIG) verify msg for principal under the
 * nhiacct-ticket namespace, with the keys of signers (the content of an
 * allowed_signers file) as valid at the Unix time at?  0 with fp the key's
 * fingerprint ("SHA256:..."); -EBADMSG with why (ssh-keygen's reason,
 * escaped); -ENOENT when ssh-keygen cannot be run; other -errno.
 */
int nhi_signature_verify(const char *signers, size_t signers_len, const char *principal,
			 const char *msg, size_t msglen, const char *sig, int64_t at,
			 char *fp, size_t fpsz, char *why, size_t whysz);

/*
 * *sig: msg signed with key (a private key file, or a public one whose
 * private half ssh-agent holds), as ssh-keygen -Y sign writes it.  The
 * caller's environment is passed on (SSH_AUTH_SOCK).  Caller frees *sig.
 */
int nhi_signature_sign(const char *key, const char *msg, size_t msglen, char **sig,
		       char *why, size_t whysz);

/* The content of c->approver_keys, through the one owner-checked read
 * (root's, not writable by others, at most NHI_SIGNERS_MAX).  -EPERM with
 * err when it is not set, unsafe or unreadable.  Caller frees *buf. */
int nhi_signers_read(const struct nhi_conf *c, char **buf, size_t *len, char *err,
		     size_t errsz);

/* Approver i of t (named approver): its signature, found among t->sigs
 * (those naming it or its external id first, then those naming nobody)
 * and verified for the canonical content of t and approver.  NHI_GRANT with
 * fp, NHI_DENY_UNSIGNED, NHI_DENY_BAD_SIGNATURE, or NHI_DENY_CONFIG_ERROR
 * (ssh-keygen cannot be run); why says which. */
enum nhi_reason nhi_signature_check_approver(const struct nhi_ticket *t, size_t i,
					     const char *approver, const char *signers,
					     size_t signers_len, int64_t now, char *fp,
					     size_t fpsz, char *why, size_t whysz);

/*
 * The rule of signatures = required for a ticket the policy grants: every
 * approver it names has a signature that verifies (against c->approver_keys,
 * at now).  NHI_GRANT with t->approver_keys filled (one fingerprint per
 * approver), else NHI_DENY_UNSIGNED (an approver without a signature),
 * NHI_DENY_BAD_SIGNATURE, or NHI_DENY_CONFIG_ERROR (approver_keys unsafe
 * or unreadable, ssh-keygen missing); detail says which and why.
 */
enum nhi_reason nhi_signatures_check(const struct nhi_conf *c, struct nhi_ticket *t,
				     int64_t now, char *detail, size_t detailsz);

#endif
