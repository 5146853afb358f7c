/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading the files the core trusts (configuration, tickets, the token,
 * session records, /proc): one bounded, owner-checked read, written once.
 * Linked into the HTTP backend object as well.
 */
#ifndef NHI_FILEIO_H
#define NHI_FILEIO_H

#include <stdbool.h>
#include <stddef.h>

enum nhi_owner {
	NHI_OWNER_ANY = 0,      /* no owner check (unit tests, /proc) */
	NHI_OWNER_ROOT,         /* owned by root, not writable by group or other */
	NHI_OWNER_SELF,         /* owned by the effective uid */
};

struct nhi_file_rules {
	size_t max;             /* bytes; a larger file is -EFBIG */
	enum nhi_owner owner;
	bool private_mode;      /* no permission bits for group or other at all */
	const char *label;      /* names the file in err; NULL: the name */
};

/*
 * Opens name (relative to dirfd, or AT_FDCWD) for reading: never through a
 * symbolic link as its last component (-ELOOP), only a regular file
 * (-EPERM), owned and moded as the rules say (-EPERM), not larger than
 * rules->max (-EFBIG).  Returns the fd (caller closes) or a negative errno;
 * err gets "LABEL: what".
 */
int nhi_file_open(int dirfd, const char *name, const struct nhi_file_rules *rules,
		  char *err, size_t errsz);

/*
 * Reads fd to its end into buf, which holds max + 1 bytes: -EFBIG when there
 * is more than max (the file may grow while it is read); NUL-terminated.
 */
int nhi_fd_read(int fd, char *buf, size_t max, size_t *len);

/*
 * nhi_file_open, then the whole file into a new NUL-terminated buffer
 * (*buf, caller frees; *len without the NUL).  A file that holds a NUL
 * byte is read as it is: callers that parse text check len.
 */
int nhi_file_read(int dirfd, const char *name, const struct nhi_file_rules *rules,
		  char **buf, size_t *len, char *err, size_t errsz);

/*
 * Checks that the file behind fd (or path, when fd < 0) is owned by root
 * and not writable by group or other.  0, or -EPERM (err says which).
 */
int nhi_check_owner_mode(int fd, const char *path, char *err, size_t errsz);

#endif
