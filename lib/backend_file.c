/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The file backend: <ticket_dir>/<id>.json.  The folder must be as safe as
 * the configuration (root-owned, not writable by group or other); files are
 * opened relative to it without following symlinks, must be regular,
 * root-owned, not group/other-writable, and at most NHI_TICKET_MAX bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "nhi.h"

static int
open_dir(const struct nhi_conf *c, char *err, size_t errsz)
{
	int fd, r;

	fd = open(c->ticket_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errsz, "ticket_dir %s: %s", c->ticket_dir, strerror(-r));
		/* a missing or unreadable folder is the configuration's fault */
		return r == -ENOENT || r == -ENOTDIR || r == -EACCES ? -EPERM : r;
	}
	if (c->check_perms && (r = nhi_check_owner_mode(fd, c->ticket_dir, err, errsz)) < 0) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* Reads <name> in dirfd into a parsed document. */
static int
read_doc(const struct nhi_conf *c, int dirfd, const char *name, json_t **doc,
	 char *err, size_t errsz)
{
	char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int fd, r;

	*doc = NULL;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		if (r == -ELOOP) {
			snprintf(err, errsz, "%s/%s: is a symbolic link; refused", c->ticket_dir, name);
			return -EPERM;
		}
		snprintf(err, errsz, "%s/%s: %s", c->ticket_dir, name, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s/%s: not a regular file; refused", c->ticket_dir, name);
		r = -EPERM;
		goto out;
	}
	if (c->check_perms && nhi_check_owner_mode(fd, name, err, errsz) < 0) {
		snprintf(err, errsz, "%s/%s: not root-owned or writable by others; refused",
			 c->ticket_dir, name);
		r = -EPERM;
		goto out;
	}
	if (st.st_size > NHI_TICKET_MAX) {
		snprintf(err, errsz, "%s/%s: larger than %d bytes", c->ticket_dir, name,
			 NHI_TICKET_MAX);
		r = -EBADMSG;
		goto out;
	}
	if ((buf = malloc(NHI_TICKET_MAX + 1)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	/* read to EOF, bounded: the size may change under us */
	for (;;) {
		ssize_t n = read(fd, buf + len, NHI_TICKET_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(err, errsz, "%s/%s: %s", c->ticket_dir, name, strerror(-r));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > NHI_TICKET_MAX) {
			snprintf(err, errsz, "%s/%s: larger than %d bytes", c->ticket_dir,
				 name, NHI_TICKET_MAX);
			r = -EBADMSG;
			goto out;
		}
	}
	r = nhi_json_parse(buf, len, doc, err, errsz);
out:
	free(buf);
	close(fd);
	return r;
}

static int
file_fetch(const struct nhi_conf *c, const char *id, json_t **doc, char *err, size_t errsz)
{
	char name[NHI_ID_MAX + 8];
	int dirfd, r;

	*doc = NULL;
	if (!nhi_ticket_id_valid(id))
		return -EINVAL;
	if ((dirfd = open_dir(c, err, errsz)) < 0)
		return dirfd;
	snprintf(name, sizeof(name), "%s.json", id);
	r = read_doc(c, dirfd, name, doc, err, errsz);
	if (r == 0 && !json_is_object(*doc)) {
		snprintf(err, errsz, "%s/%s: not a JSON object", c->ticket_dir, name);
		json_decref(*doc);
		*doc = NULL;
		r = -EBADMSG;
	}
	close(dirfd);
	return r;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Makes sure a candidate carries its id: a document without one gets the
 * file's stem at the id pointer when that is a plain top-level member.
 */
static void
ensure_id(const struct nhi_conf *c, json_t *doc, const char *stem)
{
	const char *ptr = c->field[NHI_FIELD_ID];

	if (nhi_json_pointer(doc, ptr) != NULL || ptr[0] != '/' ||
	    strpbrk(ptr + 1, "/~") != NULL)
		return;
	json_object_set_new(doc, ptr + 1, json_string(stem));
}

/*
 * Every ticket in the folder that names user among its accounts and has a
 * hosts glob matching host; sorted by file name so the choice among equals
 * is stable.  Unreadable or unsafe files are skipped (they can only shrink
 * the candidate list, never grant) and logged.
 */
static int
file_lookup(const struct nhi_conf *c, const char *user, const char *host,
	    json_t **docs, char *err, size_t errsz)
{
	struct nhi_strv names = { NULL, 0 };
	json_t *out = NULL;
	DIR *d = NULL;
	struct dirent *de;
	size_t scanned = 0;
	int dirfd, r = 0;

	*docs = NULL;
	if ((dirfd = open_dir(c, err, errsz)) < 0)
		return dirfd;
	if ((d = fdopendir(dirfd)) == NULL) {
		r = -errno;
		close(dirfd);
		return r;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char stem[NHI_ID_MAX + 1];

		if (len <= 5 || len - 5 > NHI_ID_MAX || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		memcpy(stem, de->d_name, len - 5);
		stem[len - 5] = '\0';
		if (!nhi_ticket_id_valid(stem))
			continue;
		if (++scanned > NHI_SCAN_MAX) {
			nhi_log(LOG_WARNING, "ticket_dir %s: more than %d tickets; the rest is not scanned",
				c->ticket_dir, NHI_SCAN_MAX);
			break;
		}
		/* the strv bound is too small for a folder; grow by hand */
		char **nv = reallocarray(names.v, names.n + 1, sizeof(*names.v));
		if (nv == NULL || (nv[names.n] = strdup(de->d_name)) == NULL) {
			if (nv != NULL)
				names.v = nv;
			r = -ENOMEM;
			goto out;
		}
		names.v = nv;
		names.n++;
	}
	if (names.n > 1)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	if ((out = json_array()) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < names.n && json_array_size(out) < NHI_CANDIDATES_MAX; i++) {
		struct nhi_ticket t = { 0 };
		char msg[256], stem[NHI_ID_MAX + 1];
		json_t *doc;
		bool match;

		snprintf(stem, sizeof(stem), "%.*s", (int)(strlen(names.v[i]) - 5), names.v[i]);
		msg[0] = '\0';
		if (read_doc(c, dirfd, names.v[i], &doc, msg, sizeof(msg)) < 0) {
			nhi_log(LOG_WARNING, "lookup: skipped %s", msg);
			continue;
		}
		if (!json_is_object(doc) ||
		    nhi_ticket_from_json(c, doc, stem, &t, msg, sizeof(msg)) < 0) {
			nhi_log(LOG_DEBUG, "lookup: skipped %s/%s: %s", c->ticket_dir, names.v[i], msg);
			nhi_ticket_free(&t);
			json_decref(doc);
			continue;
		}
		match = nhi_ticket_has_account(&t, user) && nhi_ticket_matches_host(&t, host);
		nhi_ticket_free(&t);
		if (match) {
			ensure_id(c, doc, stem);
			json_array_append(out, doc);
		}
		json_decref(doc);
	}
	*docs = out;
	out = NULL;
out:
	json_decref(out);
	for (size_t i = 0; i < names.n; i++)
		free(names.v[i]);
	free(names.v);
	closedir(d);
	return r;
}

const struct nhi_backend_ops nhi_backend_file = {
	.name = "file",
	.fetch = file_fetch,
	.lookup = file_lookup,
};
