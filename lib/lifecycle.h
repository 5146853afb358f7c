/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opening and closing a vendor session (design.md sections 6 and 8), for
 * the PAM module's session hooks, which only add the PAM environment.
 *
 * Opening, in this order, so that a failure leaves nothing behind:
 *   nhi_session_prepare   the record in memory: id, opener, window (a window
 *                         that closed since the account phase is refused);
 *   nhi_session_recorder  with record = required, a session that cannot be
 *                         recorded is refused; a recorded one notes its
 *                         audit session id (NHIACCT_RECORDING);
 *   (the front-end exports NHIACCT_* and sets pam data: nothing written yet)
 *   nhi_session_commit    <state_dir>/<id>.json (no record, no session), then
 *                         the `open` journal record (audit = required: on
 *                         failure the file is removed again, refused).
 * A refusal at any step writes a `deny` record (nhi_session_deny).
 *
 * Closing: nhi_session_close moves the record to closed (session_store.h);
 * only when this call did so does it write `close`.  If the watch or
 * `nhiacct revoke` ended the session first, they wrote `revoke`.  The
 * record stays, closed, until the window ends: what the vendor left
 * running is ended then.
 */
#ifndef NHI_LIFECYCLE_H
#define NHI_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "gate.h"
#include "reason.h"
#include "session_store.h"

/* Who opens or closes: the login as the front-end knows it. */
struct nhi_opening {
	const char *identifier; /* SYSLOG_IDENTIFIER of the records */
	const char *user;       /* canonical account name (nhi_classify) */
	uid_t uid;
	const char *service, *rhost, *host, *tty;
	const char *logind;     /* XDG_SESSION_ID when already known, or NULL */
};

/* Fills s (caller frees) for grant res at now; the opener is this process.
 * -ETIME when the window has closed since, -EINVAL for a grant without a
 * ticket id or end, other negative errno on failure. */
int nhi_session_prepare(const struct nhi_opening *o, const struct nhi_result *res,
			int64_t now, struct nhi_session *s);

/* Is the session recorded (recording.h)?  login_shell: the account's, from
 * NSS (NULL if unknown).  Sets s->recording when it is.  NHI_GRANT, or
 * recording_unavailable (record = required) with the deny record written
 * and why saying what is missing. */
enum nhi_reason nhi_session_recorder(const struct nhi_conf *c, const struct nhi_opening *o,
				     const struct nhi_result *res, const char *login_shell,
				     struct nhi_session *s, char *why, size_t whysz);

/* Registers s and writes `open`.  NHI_GRANT, or the reason of the refusal
 * (config_error: state_dir unusable; audit_unavailable), for which the
 * deny record is already written and nothing is left behind; detail says
 * why, for the log. */
enum nhi_reason nhi_session_commit(const struct nhi_conf *c, const struct nhi_opening *o,
				   const struct nhi_result *res, const struct nhi_session *s,
				   char *detail, size_t detailsz);

/* A `deny` record for a session refused in the session phase, with
 * NHIACCT_NOTE and NHIACCT_DETAIL when given. */
int nhi_session_deny(const struct nhi_opening *o, const struct nhi_result *res,
		     enum nhi_reason why, const char *note, const char *detail);

/* The close step for session id of o->user.  0 closed (and recorded),
 * -ENOENT already ended by someone else (nothing to record), -EPERM the
 * record is another user's, other negative errno; err says why. */
int nhi_session_close(const struct nhi_conf *c, const struct nhi_opening *o, const char *id,
		      char *err, size_t errsz);

#endif
