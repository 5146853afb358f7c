/* SPDX-License-Identifier: BSD-3-Clause */
/* String lists: the configuration's lists, a ticket's hosts and accounts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void
nhi_strv_free(struct nhi_strv *sv)
{
	if (sv == NULL)
		return;
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

int
nhi_strv_push(struct nhi_strv *sv, const char *s)
{
	char **nv, *copy;

	if (sv->n >= NHI_LIST_MAX)
		return -E2BIG;
	if ((copy = strdup(s)) == NULL)
		return -ENOMEM;
	nv = reallocarray(sv->v, sv->n + 1, sizeof(*sv->v));
	if (nv == NULL) {
		free(copy);
		return -ENOMEM;
	}
	sv->v = nv;
	sv->v[sv->n++] = copy;
	return 0;
}

static int
split_on(struct nhi_strv *sv, const char *s, const char *seps)
{
	struct nhi_strv out = { NULL, 0 };
	const char *p = s;
	int r;

	while (*p != '\0') {
		size_t len;
		char *word;

		p += strspn(p, seps);
		if (*p == '\0')
			break;
		len = strcspn(p, seps);
		if ((word = strndup(p, len)) == NULL) {
			nhi_strv_free(&out);
			return -ENOMEM;
		}
		r = nhi_strv_push(&out, word);
		free(word);
		if (r < 0) {
			nhi_strv_free(&out);
			return r;
		}
		p += len;
	}
	nhi_strv_free(sv);
	*sv = out;
	return 0;
}

int
nhi_strv_split(struct nhi_strv *sv, const char *s)
{
	return split_on(sv, s, " \t");
}

int
nhi_strv_split_list(struct nhi_strv *sv, const char *s)
{
	return split_on(sv, s, " \t,");
}

bool
nhi_strv_contains(const struct nhi_strv *sv, const char *s)
{
	if (s == NULL)
		return false;
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}
