/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who is a vendor, and who is in a group: NSS lookups with the reentrant
 * calls (a PAM application may be threaded), buffers grown up to a bound.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nhi.h"

#define NSS_BUF_MAX   (1024 * 1024)
#define GROUPS_MAX    4096

static int
get_pw(const char *user, struct passwd *pw, char **buf)
{
	size_t sz = 4096;
	struct passwd *res = NULL;
	int r;

	for (;;) {
		char *nb = realloc(*buf, sz);
		if (nb == NULL)
			return -ENOMEM;
		*buf = nb;
		r = getpwnam_r(user, pw, *buf, sz, &res);
		if (r != ERANGE || sz >= NSS_BUF_MAX)
			break;
		sz *= 2;
	}
	if (r != 0)
		return -r;
	return res != NULL ? 0 : -ENOENT;
}

static int
get_gr(const char *group, struct group *gr, char **buf)
{
	size_t sz = 4096;
	struct group *res = NULL;
	int r;

	for (;;) {
		char *nb = realloc(*buf, sz);
		if (nb == NULL)
			return -ENOMEM;
		*buf = nb;
		r = getgrnam_r(group, gr, *buf, sz, &res);
		if (r != ERANGE || sz >= NSS_BUF_MAX)
			break;
		sz *= 2;
	}
	if (r != 0)
		return -r;
	return res != NULL ? 0 : -ENOENT;
}

bool
nhi_member_nss(const char *user, const char *group, void *ud)
{
	struct passwd pw;
	struct group gr;
	char *pbuf = NULL, *gbuf = NULL;
	bool yes = false;

	(void)ud;
	if (user == NULL || group == NULL || get_gr(group, &gr, &gbuf) < 0)
		goto out;
	for (char **m = gr.gr_mem; m != NULL && *m != NULL; m++)
		if (strcmp(*m, user) == 0) {
			yes = true;
			goto out;
		}
	/* primary group: only if the name is also a local account */
	if (get_pw(user, &pw, &pbuf) == 0 && pw.pw_gid == gr.gr_gid)
		yes = true;
out:
	free(pbuf);
	free(gbuf);
	return yes;
}

int
nhi_is_vendor(const struct nhi_conf *c, const char *user)
{
	struct passwd pw;
	struct group gr;
	char *pbuf = NULL, *gbuf = NULL;
	gid_t *gids = NULL;
	int ngids = 64, r;

	if (nhi_strv_contains(&c->vendor_users, user))
		return 1;
	if (c->vendor_groups.n == 0)
		return 0;
	if ((r = get_pw(user, &pw, &pbuf)) < 0) {
		/* not a local account: sshd will refuse it anyway */
		r = r == -ENOENT ? 0 : r;
		goto out;
	}
	for (;;) {
		int n = ngids;
		gid_t *ng = reallocarray(gids, (size_t)ngids, sizeof(*gids));

		if (ng == NULL) {
			r = -ENOMEM;
			goto out;
		}
		gids = ng;
		if (getgrouplist(user, pw.pw_gid, gids, &n) >= 0) {
			ngids = n;
			break;
		}
		if (n <= ngids || n > GROUPS_MAX) {
			r = -E2BIG;
			goto out;
		}
		ngids = n;
	}
	r = 0;
	for (size_t i = 0; i < c->vendor_groups.n && r == 0; i++) {
		if (get_gr(c->vendor_groups.v[i], &gr, &gbuf) < 0)
			continue;       /* a group that does not exist has no members */
		for (int k = 0; k < ngids; k++)
			if (gids[k] == gr.gr_gid) {
				r = 1;
				break;
			}
	}
out:
	free(gids);
	free(pbuf);
	free(gbuf);
	return r;
}
