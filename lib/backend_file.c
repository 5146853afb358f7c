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

#include "backend.h"
#include "conf.h"
#include "fileio.h"
#include "json.h"
#include "log.h"
#include "policy.h"
#include "ticket.h"
#include "util.h"

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
	char label[1200], *buf = NULL;
	struct nhi_file_rules rules = {
		.max = NHI_TICKET_MAX,
		.owner = c->check_perms ? NHI_OWNER_ROOT : NHI_OWNER_ANY,
		.label = label,
	};
	size_t len;
	int r;

	*doc = NULL;
	snprintf(label, sizeof(label), "%s/%s", c->ticket_dir, name);
	r = nhi_file_read(dirfd, name, &rules, &buf, &len, err, errsz);
	if (r == -ELOOP)
		return -EPERM;          /* an unsafe folder is the configuration's fault */
	if (r == -EFBIG)
		return -EBADMSG;
	if (r < 0)
		return r;
	r = nhi_json_parse(buf, len, doc, err, errsz);
	free(buf);
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

/* The names of the folder's "<id>.json" files, sorted, so that the choice
 * among equal candidates is stable; at most NHI_SCAN_MAX of them. */
static int
list_names(const struct nhi_conf *c, DIR *d, struct nhi_strv *names)
{
	struct dirent *de;
	size_t scanned = 0;

	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char stem[NHI_ID_MAX + 1], **nv;

		if (len <= 5 || len - 5 > NHI_ID_MAX || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(stem, sizeof(stem), "%.*s", (int)(len - 5), de->d_name);
		if (!nhi_ticket_id_valid(stem))
			continue;
		if (++scanned > NHI_SCAN_MAX) {
			nhi_log(LOG_WARNING, "ticket_dir %s: more than %d tickets; the rest is not scanned",
				c->ticket_dir, NHI_SCAN_MAX);
			break;
		}
		/* the strv bound is too small for a folder; grow by hand */
		if ((nv = reallocarray(names->v, names->n + 1, sizeof(*names->v))) == NULL)
			return -ENOMEM;
		names->v = nv;
		if ((nv[names->n] = strdup(de->d_name)) == NULL)
			return -ENOMEM;
		names->n++;
	}
	if (names->n > 1)
		qsort(names->v, names->n, sizeof(*names->v), cmp_str);
	return 0;
}

/*
 * Every ticket document in the folder is a candidate, one at a time (a
 * folder of thousands is never held in memory): the gate maps each and
 * keeps those that name the user and host.  Unreadable or unsafe files and
 * documents that are not objects are skipped (they can only shrink the
 * choice, never grant) and logged.
 */
static int
file_lookup(const struct nhi_conf *c, const char *user, const char *host,
	    nhi_candidate_fn each, void *ud, char *err, size_t errsz)
{
	struct nhi_strv names = { NULL, 0 };
	json_t *doc;
	DIR *d;
	int dirfd, r;

	if ((dirfd = open_dir(c, err, errsz)) < 0)
		return dirfd;
	if ((d = fdopendir(dirfd)) == NULL) {
		r = -errno;
		close(dirfd);
		return r;
	}
	if ((r = list_names(c, d, &names)) < 0)
		goto out;
	for (size_t i = 0; i < names.n && r == 0; i++) {
		char msg[256] = "", stem[NHI_ID_MAX + 1];

		if (read_doc(c, dirfd, names.v[i], &doc, msg, sizeof(msg)) < 0 || !json_is_object(doc)) {
			nhi_log(LOG_WARNING, "lookup: skipped %s", msg[0] ? msg : names.v[i]);
			json_decref(doc);
			continue;
		}
		snprintf(stem, sizeof(stem), "%.*s", (int)(strlen(names.v[i]) - 5), names.v[i]);
		ensure_id(c, doc, stem);
		r = each(doc, ud);
		json_decref(doc);
	}
out:
	nhi_strv_free(&names);
	closedir(d);
	return r;
}
const struct nhi_backend_ops nhi_backend_file = {
	.name = "file",
	.fetch = file_fetch,
	.lookup = file_lookup,
};
