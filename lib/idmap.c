/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * identity_map (idmap.h).  The file is read through the one owner-checked
 * read, every decision: small, and a change takes effect at once.  Lines:
 * "EXTERNAL LOCAL", blanks between, '#' comments; external ids compare
 * exactly (accountIds are case-sensitive).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "idmap.h"
#include "text.h"
#include "util.h"

/* The map as pairs: v[2i] external, v[2i + 1] local. */
static int
load(const struct nhi_conf *c, struct nhi_strv *pairs, char *err, size_t errsz)
{
	const struct nhi_file_rules rules = {
		.max = NHI_IDMAP_MAX,
		.owner = c->check_perms ? NHI_OWNER_ROOT : NHI_OWNER_ANY,
		.label = "identity_map",
	};
	char *buf = NULL, *line, *save = NULL;
	unsigned lineno = 0;
	size_t len;
	int r;

	if ((r = nhi_file_read(AT_FDCWD, c->identity_map, &rules, &buf, &len, err, errsz)) < 0)
		return -EPERM;
	for (line = strtok_r(buf, "\n", &save); line != NULL && r == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		char *ext, *loc, *extra, *w = NULL;

		lineno++;
		if ((ext = strtok_r(line, " \t\r", &w)) == NULL || ext[0] == '#')
			continue;
		loc = strtok_r(NULL, " \t\r", &w);
		extra = strtok_r(NULL, " \t\r", &w);
		if (loc == NULL || (extra != NULL && extra[0] != '#')) {
			snprintf(err, errsz, "identity_map %s: a line is not 'EXTERNAL LOCAL'",
				 c->identity_map);
			r = -EPERM;
		} else if ((r = nhi_strv_push(pairs, ext)) == 0) {
			r = nhi_strv_push(pairs, loc);
		}
	}
	/* the strv bound caps the map at NHI_LIST_MAX / 2 entries */
	if (r == -E2BIG)
		snprintf(err, errsz, "identity_map %s: more than %d entries", c->identity_map,
			 NHI_LIST_MAX / 2);
	free(buf);
	return r == -E2BIG ? -EPERM : r;
}

static const char *
local_of(const struct nhi_strv *pairs, const char *ext)
{
	for (size_t i = 0; ext != NULL && i + 1 < pairs->n; i += 2)
		if (strcmp(pairs->v[i], ext) == 0)
			return pairs->v[i + 1];
	return NULL;
}

/* "alice (557058:f58...), bob (bob@example.com)" into a new t->approver. */
static int
show(struct nhi_ticket *t)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < t->approvers.n; i++)
		len += strlen(t->approvers.v[i]) + strlen(t->approver_ids.v[i]) + 5;
	if ((s = calloc(1, len)) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < t->approvers.n; i++)
		snprintf(s + strlen(s), len - strlen(s), "%s%s (%s)", i ? ", " : "",
			 t->approvers.v[i], t->approver_ids.v[i]);
	free(t->approver);
	t->approver = s;
	return 0;
}

/* The approvers' local names; their external ids kept. */
static int
map_approvers(const struct nhi_strv *pairs, struct nhi_ticket *t, char *err, size_t errsz)
{
	struct nhi_strv local = { NULL, 0 };
	int r = 0;

	nhi_strv_free(&t->approver_ids);
	for (size_t i = 0; i < t->approvers.n && r == 0; i++) {
		const char *loc = local_of(pairs, t->approvers.v[i]);
		char shown[128];

		if (loc == NULL) {
			snprintf(err, errsz, "approver %s is not in identity_map",
				 nhi_escape(shown, sizeof(shown), t->approvers.v[i]));
			r = -ENOKEY;
		} else if ((r = nhi_strv_push(&local, loc)) == 0) {
			r = nhi_strv_push(&t->approver_ids, t->approvers.v[i]);
		}
	}
	if (r < 0) {
		nhi_strv_free(&local);
		return r;
	}
	nhi_strv_free(&t->approvers);
	t->approvers = local;
	return show(t);
}

/* The requester's local name: from the map, or, when an approver has the
 * same external id, that approver's (the same person). */
static int
map_requester(const struct nhi_strv *pairs, struct nhi_ticket *t)
{
	const char *loc = local_of(pairs, t->requester);
	char *s;

	for (size_t i = 0; loc == NULL && t->requester != NULL && i < t->approver_ids.n; i++)
		if (strcmp(t->approver_ids.v[i], t->requester) == 0)
			loc = t->approvers.v[i];
	if (loc == NULL)
		return 0;
	if ((s = strdup(loc)) == NULL)
		return -ENOMEM;
	free(t->requester);
	t->requester = s;
	return 0;
}

int
nhi_idmap_apply(const struct nhi_conf *c, struct nhi_ticket *t, char *err, size_t errsz)
{
	struct nhi_strv pairs = { NULL, 0 };
	int r;

	if (c->identity_map == NULL)
		return 0;
	/* one approver named in t->approver only (a hand-built ticket) */
	if (t->approvers.n == 0 && t->approver != NULL &&
	    (r = nhi_strv_push(&t->approvers, t->approver)) < 0)
		return r;
	if ((r = load(c, &pairs, err, errsz)) == 0 &&
	    (r = map_approvers(&pairs, t, err, errsz)) == 0)
		r = map_requester(&pairs, t);
	nhi_strv_free(&pairs);
	return r;
}
