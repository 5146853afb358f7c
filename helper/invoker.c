/* SPDX-License-Identifier: BSD-3-Clause */
/* nhi_cmd_invoker (cmd.h): who ran the command, for records that name them. */
#include <errno.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"
#include "text.h"

/* A user name as it may appear in a record: no blanks, no controls. */
static bool
name_ok(const char *s)
{
	return nhi_str_in_set(s, 1, 64, NHI_CS_ALNUM "._-@$");
}

void
nhi_cmd_invoker(char *who, size_t whosz, char *name, size_t namesz)
{
	const char *su = getenv("SUDO_USER"), *suid = getenv("SUDO_UID");
	struct passwd pw, *res = NULL;
	char pwbuf[4096], *end = NULL;
	uid_t uid = getuid();
	unsigned long v;

	if (name != NULL && namesz > 0)
		name[0] = '\0';
	/* sudo's variables only count when we are root through sudo */
	if (uid == 0 && su != NULL && suid != NULL && name_ok(su)) {
		errno = 0;
		v = strtoul(suid, &end, 10);
		if (errno == 0 && end != suid && *end == '\0' && v < UINT32_MAX) {
			snprintf(who, whosz, "%s(%lu)", su, v);
			if (name != NULL)
				snprintf(name, namesz, "%s", su);
			return;
		}
	}
	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res != NULL &&
	    name_ok(pw.pw_name)) {
		snprintf(who, whosz, "%s(%u)", pw.pw_name, (unsigned)uid);
		if (name != NULL)
			snprintf(name, namesz, "%s", pw.pw_name);
	} else {
		snprintf(who, whosz, "?(%u)", (unsigned)uid);
	}
}
