/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * String lists: the configuration's lists and a ticket's hosts and accounts.
 */
#ifndef NHI_UTIL_H
#define NHI_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define NHI_LIST_MAX        256         /* entries of one list (hosts, ...) */

struct nhi_strv {
	char **v;       /* owned, each entry owned */
	size_t n;
};
void nhi_strv_free(struct nhi_strv *sv);               /* resets to empty */
int nhi_strv_push(struct nhi_strv *sv, const char *s); /* copies s */
/* Splits on blanks into sv (replacing its content); -E2BIG over NHI_LIST_MAX. */
int nhi_strv_split(struct nhi_strv *sv, const char *s);
/* The same on blanks or commas: a list as a ticket or a command line writes
 * it ("jump1.example.com, *.db.example.com"). */
int nhi_strv_split_list(struct nhi_strv *sv, const char *s);
bool nhi_strv_contains(const struct nhi_strv *sv, const char *s);


#endif
