/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who is a vendor, and who is in a group: NSS lookups with the reentrant
 * calls (a PAM application may be threaded), buffers grown up to a bound.
 */
#include <errno.h>
#include <stdio.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "identity.h"
#include "conf.h"
#include "policy.h"
#include "util.h"

#define NSS_BUF_MAX   (1024 * 1024)
#define GROUPS_MAX    4096

/*
 * "Not found" is a return of 0 with no entry, nothing else: glibc passes a
 * failing service's errno through (sssd down: ENOENT), and a failure must
 * never read as "no such user" or "no such group" (fail closed).
 */
static int
lookup_result(int r, bool found)
{
	if (r != 0)
		return r == ENOENT || r == ESRCH ? -EIO : -r;
	return found ? 0 : -ENOENT;
}

/* The passwd entry of user, or of uid when user is NULL. */
static int
get_pw_of(const char *user, uid_t uid, struct passwd *pw, char **buf)
{
	size_t sz = 4096;
	struct passwd *res = NULL;
	int r;

	for (;;) {
		char *nb = realloc(*buf, sz);
		if (nb == NULL)
			return -ENOMEM;
		*buf = nb;
		r = user != NULL ? getpwnam_r(user, pw, *buf, sz, &res)
				 : getpwuid_r(uid, pw, *buf, sz, &res);
		if (r != ERANGE || sz >= NSS_BUF_MAX)
			break;
		sz *= 2;
	}
	return lookup_result(r, res != NULL);
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
	return lookup_result(r, res != NULL);
}

/* Says why vendor_groups group g did not resolve (r from get_gr). */
static void
group_error(const char *g, int r, char *err, size_t errsz)
{
	if (r == -ENOENT)
		snprintf(err, errsz, "vendor_groups: group %s does not exist", g);
	else
		snprintf(err, errsz, "vendor_groups: cannot look up group %s: %s", g, strerror(-r));
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
	if (get_pw_of(user, 0, &pw, &pbuf) == 0 && pw.pw_gid == gr.gr_gid)
		yes = true;
out:
	free(pbuf);
	free(gbuf);
	return yes;
}

/* getgrouplist(3) into a buffer grown as needed (bounded by GROUPS_MAX). */
static int
group_list(const char *user, gid_t gid, gid_t **out, int *n_out)
{
	gid_t *gids = NULL;
	int ngids = 64;

	for (;;) {
		int n = ngids;
		gid_t *ng = reallocarray(gids, (size_t)ngids, sizeof(*gids));

		if (ng == NULL) {
			free(gids);
			return -ENOMEM;
		}
		gids = ng;
		if (getgrouplist(user, gid, gids, &n) >= 0) {
			*out = gids;
			*n_out = n;
			return 0;
		}
		if (n <= ngids || n > GROUPS_MAX) {
			free(gids);
			return -E2BIG;
		}
		ngids = n;
	}
}

/* The uid of a vendor_users entry: 1 found, 0 no such user, < 0 error. */
static int
uid_of(const char *name, uid_t *uid, char **buf)
{
	struct passwd pw;
	int r = get_pw_of(name, 0, &pw, buf);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	*uid = pw.pw_uid;
	return 1;
}

static bool
listed_user(const struct nhi_conf *c, const char *typed, const struct nhi_identity *id,
	    char **buf, int *err_out, const char **bad)
{
	for (size_t i = 0; i < c->vendor_users.n; i++) {
		const char *v = c->vendor_users.v[i];
		uid_t u;
		int r;

		if (strcmp(v, id->name) == 0 || strcmp(v, typed) == 0)
			return true;
		/* the same account under another spelling ("Vendor1"): asked
		 * of the name service only for such an entry, so that a long
		 * list costs no lookups */
		if (strcasecmp(v, id->name) != 0 && strcasecmp(v, typed) != 0)
			continue;
		if ((r = uid_of(v, &u, buf)) < 0) {
			*err_out = r;
			*bad = v;
			return false;
		}
		if (r == 1 && u == id->uid)
			return true;
	}
	return false;
}

/*
 * The account behind typed: its uid and primary group, and its canonical
 * name, the name of the uid, as a case-insensitive name service (SSSD,
 * winbind) spells it.  -ESRCH when the name service does not know typed.
 */
static int
account_of(const char *typed, struct nhi_identity *id, gid_t *gid, char *err, size_t errsz)
{
	struct passwd pw, pwc;
	char *pbuf = NULL, *cbuf = NULL;
	int r;

	if ((r = get_pw_of(typed, 0, &pw, &pbuf)) < 0) {
		if (r == -ENOENT) {
			snprintf(err, errsz, "user %s is unknown to the name service", typed);
			r = -ESRCH;
		} else {
			snprintf(err, errsz, "cannot look up user %s: %s", typed, strerror(-r));
		}
		goto out;
	}
	id->uid = pw.pw_uid;
	*gid = pw.pw_gid;
	if ((r = get_pw_of(NULL, pw.pw_uid, &pwc, &cbuf)) < 0 && r != -ENOENT) {
		snprintf(err, errsz, "cannot look up uid %u: %s", (unsigned)pw.pw_uid, strerror(-r));
		goto out;
	}
	snprintf(id->name, sizeof(id->name), "%s", r == 0 ? pwc.pw_name : pw.pw_name);
	snprintf(id->shell, sizeof(id->shell), "%s", r == 0 ? pwc.pw_shell : pw.pw_shell);
	r = 0;
out:
	free(pbuf);
	free(cbuf);
	return r;
}

/*
 * Is the account a member of a vendor_groups group?  1 yes, 0 no, < 0 when
 * it cannot be told.  Every group must resolve, whatever the user: a typo
 * or a name service that is down must not decide who is a vendor.  Each
 * group is looked up once; getgrouplist(3) is asked only when no member
 * list names the account (SSSD, LDAP).
 */
static int
in_vendor_groups(const struct nhi_conf *c, const char *typed, const struct nhi_identity *id,
		 gid_t gid, char *err, size_t errsz)
{
	struct group gr;
	char *gbuf = NULL;
	gid_t *gids = NULL, *ggids = NULL;
	int ngids = 0, r = 0;

	if (c->vendor_groups.n == 0)
		return 0;
	if ((ggids = calloc(c->vendor_groups.n, sizeof(gid_t))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->vendor_groups.n; i++) {
		const char *g = c->vendor_groups.v[i];

		if ((r = get_gr(g, &gr, &gbuf)) < 0) {
			group_error(g, r, err, errsz);
			goto out;
		}
		ggids[i] = gr.gr_gid;
		if (gr.gr_gid == gid)
			r = 1;
		for (char **m = gr.gr_mem; m != NULL && *m != NULL && r == 0; m++)
			r = strcmp(*m, id->name) == 0 || strcmp(*m, typed) == 0;
	}
	if (r == 1)
		goto out;
	if ((r = group_list(id->name, gid, &gids, &ngids)) < 0) {
		snprintf(err, errsz, "cannot look up the groups of %s: %s", id->name, strerror(-r));
		goto out;
	}
	for (int k = 0; k < ngids && r == 0; k++)
		for (size_t i = 0; i < c->vendor_groups.n && r == 0; i++)
			r = gids[k] == ggids[i];
out:
	free(gids);
	free(ggids);
	free(gbuf);
	return r;
}

int
nhi_classify(const struct nhi_conf *c, const char *typed, struct nhi_identity *id,
	     char *err, size_t errsz)
{
	const char *bad = NULL;
	char *buf = NULL;
	gid_t gid;
	int r;

	memset(id, 0, sizeof(*id));
	err[0] = '\0';
	if (typed == NULL || typed[0] == '\0') {
		snprintf(err, errsz, "no user name");
		return -EINVAL;
	}
	/* break-glass accounts: exact bytes, no name service asked */
	if (nhi_strv_contains(&c->exempt_users, typed)) {
		snprintf(id->name, sizeof(id->name), "%s", typed);
		return NHI_CLASS_EXEMPT;
	}
	if ((r = account_of(typed, id, &gid, err, errsz)) < 0)
		return r;
	r = 0;
	if (listed_user(c, typed, id, &buf, &r, &bad)) {
		free(buf);
		return NHI_CLASS_VENDOR;
	}
	free(buf);
	if (r < 0) {
		snprintf(err, errsz, "vendor_users: cannot look up %s: %s", bad, strerror(-r));
		return r;
	}
	if ((r = in_vendor_groups(c, typed, id, gid, err, errsz)) < 0)
		return r;
	return r == 1 ? NHI_CLASS_VENDOR : NHI_CLASS_OTHER;
}

int
nhi_vendor_groups_check(const struct nhi_conf *c, char *err, size_t errsz)
{
	struct group gr;
	char *gbuf = NULL;
	int r = 0;

	err[0] = '\0';
	for (size_t i = 0; i < c->vendor_groups.n && r == 0; i++) {
		if ((r = get_gr(c->vendor_groups.v[i], &gr, &gbuf)) < 0)
			group_error(c->vendor_groups.v[i], r, err, errsz);
	}
	free(gbuf);
	return r;
}

int
nhi_name_lookup(const char *name, bool group)
{
	struct passwd pw;
	struct group gr;
	char *buf = NULL;
	int r;

	r = group ? get_gr(name, &gr, &buf) : get_pw_of(name, 0, &pw, &buf);
	free(buf);
	return r == 0 ? 1 : r == -ENOENT ? 0 : r;
}
