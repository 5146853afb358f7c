/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who logs in: exempt, vendor or neither, decided from the name as typed
 * and the name service, failing closed.
 */
#ifndef NHI_IDENTITY_H
#define NHI_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf.h"

/*
 * Who logs in (design.md section 4, step 1), from the name as typed:
 *   NHI_CLASS_EXEMPT  the typed name is in exempt_users, byte for byte:
 *                     never a vendor, no lookup made;
 *   NHI_CLASS_VENDOR  vendor_users names the account (by its canonical
 *                     name, the typed one, or the same uid), or it is a
 *                     member of a vendor_groups group (primary, listed, or
 *                     by getgrouplist);
 *   NHI_CLASS_OTHER   none of these.
 * id receives the account as NSS knows it: pw_name of its uid (so that
 * "VENDOR1" on a case-insensitive name service is vendor1), the uid and
 * the login shell.
 * Fails closed: a name service that fails, a vendor_groups group that does
 * not exist (-ENOENT), a user NSS does not know (-ESRCH): negative errno
 * and err says why, with the group's or user's name.
 */
enum nhi_class { NHI_CLASS_OTHER = 0, NHI_CLASS_VENDOR, NHI_CLASS_EXEMPT };
struct nhi_identity {
	char name[256];         /* canonical account name */
	uid_t uid;
	char shell[256];        /* its login shell (recording.h); cut, never
				 * equal to a shorter path it does not name */
};
int nhi_classify(const struct nhi_conf *c, const char *typed, struct nhi_identity *id,
		 char *err, size_t errsz);
/* Does every vendor_groups group resolve?  0 yes, else err names the first
 * that does not (-ENOENT missing, other negative errno: lookup failed). */
int nhi_vendor_groups_check(const struct nhi_conf *c, char *err, size_t errsz);

/* Does the user (group false) or group exist?  1 yes, 0 no, or a negative
 * errno when the name service could not tell (never read as "no"). */
int nhi_name_lookup(const char *name, bool group);

#endif
