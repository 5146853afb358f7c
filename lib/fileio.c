/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one bounded, owner-checked read.  Everything the core trusts is read
 * through here: never through a symbolic link, only regular files, owners
 * and modes checked on the open descriptor (no window between check and
 * read), and never more than the caller's bound, even from a file that
 * grows while it is read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

#define READ_START 4096         /* first buffer for a file of unknown size */

/* What is wrong with st for a file only root may change; NULL if nothing. */
static const char *
not_roots(const struct stat *st)
{
	if (st->st_uid != 0)
		return "not owned by root";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return "writable by group or others";
	return NULL;
}

int
nhi_check_owner_mode(int fd, const char *path, char *err, size_t errsz)
{
	const char *why;
	struct stat st;

	if ((fd >= 0 ? fstat(fd, &st) : stat(path, &st)) < 0) {
		int e = errno;
		if (err)
			snprintf(err, errsz, "%s: %s", path, strerror(e));
		return -e;
	}
	if ((why = not_roots(&st)) != NULL) {
		if (err)
			snprintf(err, errsz, "%s: %s", path, why);
		return -EPERM;
	}
	return 0;
}

/* What the rules say of st; NULL if it passes. */
static const char *
rules_broken(const struct stat *st, const struct nhi_file_rules *ru)
{
	if (!S_ISREG(st->st_mode))
		return "not a regular file; refused";
	if (ru->owner == NHI_OWNER_ROOT && st->st_uid != 0)
		return "not owned by root; refused";
	if (ru->owner == NHI_OWNER_ROOT && not_roots(st) != NULL)
		return "writable by group or others; refused";
	if (ru->owner == NHI_OWNER_SELF && st->st_uid != geteuid())
		return "not owned by this process's user; refused";
	if (ru->private_mode && (st->st_mode & (S_IRWXG | S_IRWXO)))
		return "readable or writable by group or others, must be 0600 or stricter; refused";
	return NULL;
}

int
nhi_file_open(int dirfd, const char *name, const struct nhi_file_rules *ru,
	      char *err, size_t errsz)
{
	const char *label = ru->label != NULL ? ru->label : name, *why;
	struct stat st;
	int fd, r;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		if (err)
			snprintf(err, errsz, "%s: %s", label,
				 r == -ELOOP ? "is a symbolic link; refused" : strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		if (err)
			snprintf(err, errsz, "%s: %s", label, strerror(-r));
		close(fd);
		return r;
	}
	if ((why = rules_broken(&st, ru)) != NULL) {
		if (err)
			snprintf(err, errsz, "%s: %s", label, why);
		close(fd);
		return -EPERM;
	}
	if ((uint64_t)st.st_size > (uint64_t)ru->max) {
		if (err)
			snprintf(err, errsz, "%s: larger than %zu bytes", label, ru->max);
		close(fd);
		return -EFBIG;
	}
	return fd;
}

int
nhi_fd_read(int fd, char *buf, size_t max, size_t *len)
{
	*len = 0;
	buf[0] = '\0';
	for (;;) {
		ssize_t n = read(fd, buf + *len, max + 1 - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		*len += (size_t)n;
		if (*len > max)
			return -EFBIG;
	}
	buf[*len] = '\0';
	return 0;
}

/* Reads fd to its end into a buffer that starts at the file's size (a
 * login reads a few KiB, not the bound) and grows, up to room for max + 1
 * bytes, if the file grows while it is read.  Caller frees *buf. */
static int
read_growing(int fd, size_t max, size_t start, char **buf, size_t *len)
{
	size_t cap = start < max + 1 ? start : max + 1, n = 0;
	char *b = malloc(cap + 1), *nb;

	if (b == NULL)
		return -ENOMEM;
	for (;;) {
		ssize_t k;

		if (n == cap) {
			cap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
			if ((nb = realloc(b, cap + 1)) == NULL) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		k = read(fd, b + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;
			free(b);
			return -e;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n > max) {
			free(b);
			return -EFBIG;
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int
nhi_file_read(int dirfd, const char *name, const struct nhi_file_rules *ru,
	      char **buf, size_t *len, char *err, size_t errsz)
{
	const char *label = ru->label != NULL ? ru->label : name;
	struct stat st;
	int fd, r;

	*buf = NULL;
	*len = 0;
	if ((fd = nhi_file_open(dirfd, name, ru, err, errsz)) < 0)
		return fd;
	r = fstat(fd, &st) < 0 ? -errno : 0;
	if (r == 0)
		r = read_growing(fd, ru->max, st.st_size > 0 ? (size_t)st.st_size + 1 : READ_START,
				 buf, len);
	if (r == -EFBIG && err)
		snprintf(err, errsz, "%s: larger than %zu bytes", label, ru->max);
	else if (r < 0 && err)
		snprintf(err, errsz, "%s: %s", label, strerror(-r));
	close(fd);
	return r;
}
