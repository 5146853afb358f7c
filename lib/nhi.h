/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_nhiacct core: every concept's header, for the tests.  The core's own
 * files and the front-ends include the headers they use.  Conventions:
 *   - functions return 0 (or a count) on success and a negative errno on error;
 *   - every allocating function says who frees; every free function takes NULL;
 *   - decisions are an enum nhi_reason, never a PAM code or an exit code.
 */
#ifndef NHI_H
#define NHI_H

#include "audit.h"
#include "backend.h"
#include "conf.h"
#include "fileio.h"
#include "gate.h"
#include "identity.h"
#include "json.h"
#include "log.h"
#include "policy.h"
#include "reason.h"
#include "text.h"
#include "ticket.h"
#include "timeutil.h"
#include "util.h"

#endif
