/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live session records (session_store.h): the JSON shape, the state folder,
 * atomic writes, reads that trust nothing, and the two names a record has
 * in its life (<id>.json while connected, <id>.closed after logout).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "audit.h"
#include "fileio.h"
#include "text.h"
#include "json.h"
#include "log.h"
#include "ticket.h"
#include "timeutil.h"
#include "session_store.h"

/* ---- the record -------------------------------------------------------- */

void
nhi_session_free(struct nhi_session *s)
{
	if (s == NULL)
		return;
	free(s->user);
	free(s->ticket);
	free(s->approver);
	free(s->logind);
	free(s->recording);
	free(s->tty);
	free(s->rhost);
	free(s->service);
	memset(s, 0, sizeof(*s));
}

void
nhi_session_ticket(const struct nhi_session *s, struct nhi_ticket *t)
{
	memset(t, 0, sizeof(*t));
	t->id = s->ticket;
	t->approver = s->approver;
	t->has_not_after = true;
	t->not_after = s->not_after;
}

void
nhi_session_record(const struct nhi_session *s, enum nhi_event ev, const char *identifier,
		   const char *host, struct nhi_ticket *t, struct nhi_record *rec)
{
	nhi_session_ticket(s, t);
	nhi_record_init(rec, ev);
	rec->identifier = identifier;
	rec->user = s->user;
	rec->service = s->service;
	rec->rhost = s->rhost;
	rec->host = host;
	rec->ticket = t;
	rec->session = s->id;
}

int
nhi_session_new_id(char id[NHI_SESSION_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[NHI_SESSION_ID_LEN / 2];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(b); i++) {
		id[2 * i] = hex[b[i] >> 4];
		id[2 * i + 1] = hex[b[i] & 15];
	}
	id[NHI_SESSION_ID_LEN] = '\0';
	return 0;
}

bool
nhi_session_id_valid(const char *id)
{
	return nhi_str_in_set(id, NHI_SESSION_ID_LEN, NHI_SESSION_ID_LEN, NHI_CS_HEX_LOWER);
}

static int
set_opt(json_t *o, const char *key, const char *v)
{
	if (v == NULL)
		return 0;
	return json_object_set_new(o, key, json_string(v)) < 0 ? -ENOMEM : 0;
}

int
nhi_session_to_json(const struct nhi_session *s, json_t **out)
{
	char na[NHI_TIME_BUF], op[NHI_TIME_BUF];
	json_t *o;
	int r = -ENOMEM;

	*out = NULL;
	if (!nhi_session_id_valid(s->id) || s->user == NULL || s->ticket == NULL)
		return -EINVAL;
	if ((o = json_object()) == NULL)
		return -ENOMEM;
	if (json_object_set_new(o, "session", json_string(s->id)) < 0 ||
	    json_object_set_new(o, "user", json_string(s->user)) < 0 ||
	    json_object_set_new(o, "uid", json_integer((json_int_t)s->uid)) < 0 ||
	    json_object_set_new(o, "ticket", json_string(s->ticket)) < 0 ||
	    json_object_set_new(o, "not_after",
				json_string(nhi_format_time(s->not_after, na, sizeof(na)))) < 0 ||
	    json_object_set_new(o, "opened",
				json_string(nhi_format_time(s->opened, op, sizeof(op)))) < 0 ||
	    json_object_set_new(o, "pid", json_integer((json_int_t)s->pid)) < 0 ||
	    json_object_set_new(o, "start_time", json_integer((json_int_t)s->start_time)) < 0 ||
	    set_opt(o, "approver", s->approver) < 0 || set_opt(o, "logind", s->logind) < 0 ||
	    set_opt(o, "recording", s->recording) < 0 ||
	    set_opt(o, "tty", s->tty) < 0 || set_opt(o, "rhost", s->rhost) < 0 ||
	    set_opt(o, "service", s->service) < 0)
		goto out;
	*out = o;
	o = NULL;
	r = 0;
out:
	json_decref(o);
	return r;
}

/* A string member (optional unless need); -EBADMSG on a wrong type. */
static int
get_str(json_t *doc, const char *key, bool need, char **dst)
{
	json_t *v = json_object_get(doc, key);

	if (v == NULL || json_is_null(v))
		return need ? -EBADMSG : 0;
	if (!json_is_string(v) || strlen(json_string_value(v)) > 1024)
		return -EBADMSG;
	if ((*dst = strdup(json_string_value(v))) == NULL)
		return -ENOMEM;
	return 0;
}

static int
get_int(json_t *doc, const char *key, json_int_t min, json_int_t max, json_int_t *dst)
{
	json_t *v = json_object_get(doc, key);

	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return -EBADMSG;
	*dst = json_integer_value(v);
	return 0;
}

static int
get_time(json_t *doc, const char *key, int64_t *dst)
{
	json_t *v = json_object_get(doc, key);

	if (!json_is_string(v) || nhi_parse_time(json_string_value(v), dst) < 0)
		return -EBADMSG;
	return 0;
}

int
nhi_session_from_json(json_t *doc, struct nhi_session *s)
{
	json_t *id = json_object_get(doc, "session");
	json_int_t uid, pid, st;
	int r;

	memset(s, 0, sizeof(*s));
	if (!json_is_object(doc) || !json_is_string(id) ||
	    !nhi_session_id_valid(json_string_value(id)))
		return -EBADMSG;
	memcpy(s->id, json_string_value(id), NHI_SESSION_ID_LEN + 1);
	if ((r = get_str(doc, "user", true, &s->user)) < 0 ||
	    (r = get_str(doc, "ticket", true, &s->ticket)) < 0 ||
	    (r = get_str(doc, "approver", false, &s->approver)) < 0 ||
	    (r = get_str(doc, "logind", false, &s->logind)) < 0 ||
	    (r = get_str(doc, "recording", false, &s->recording)) < 0 ||
	    (r = get_str(doc, "tty", false, &s->tty)) < 0 ||
	    (r = get_str(doc, "rhost", false, &s->rhost)) < 0 ||
	    (r = get_str(doc, "service", false, &s->service)) < 0 ||
	    (r = get_int(doc, "uid", 0, UINT32_MAX - 1, &uid)) < 0 ||
	    (r = get_int(doc, "pid", 1, INT32_MAX, &pid)) < 0 ||
	    (r = get_int(doc, "start_time", 0, INT64_MAX, &st)) < 0 ||
	    (r = get_time(doc, "not_after", &s->not_after)) < 0 ||
	    (r = get_time(doc, "opened", &s->opened)) < 0)
		return r;
	if (!nhi_ticket_id_valid(s->ticket) || s->user[0] == '\0')
		return -EBADMSG;
	s->uid = (uid_t)uid;
	s->pid = (pid_t)pid;
	s->start_time = (uint64_t)st;
	return 0;
}

/* ---- the folder -------------------------------------------------------- */

int
nhi_state_dir_open(const char *path, bool create, char *err, size_t errsz)
{
	struct stat st;
	int fd, r;

	if (path == NULL || path[0] != '/') {
		snprintf(err, errsz, "state_dir must be an absolute path");
		return -EINVAL;
	}
	if (create && mkdir(path, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		snprintf(err, errsz, "state_dir %s: cannot create: %s", path, strerror(-r));
		return r;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errsz, "state_dir %s: %s", path,
			 r == -ELOOP || r == -ENOTDIR ? "not a directory (or a symbolic link)"
						      : strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(err, errsz, "state_dir %s: %s", path, strerror(-r));
		goto fail;
	}
	/* Records steer signals sent as root: only root may write them, and
	 * nobody else needs to read who is logged in under which ticket. */
	if (st.st_uid != geteuid()) {
		snprintf(err, errsz, "state_dir %s: owned by uid %u, not by uid %u; refused",
			 path, (unsigned)st.st_uid, (unsigned)geteuid());
		r = -EPERM;
		goto fail;
	}
	if (st.st_mode & 0077) {
		snprintf(err, errsz, "state_dir %s: mode %04o, must be 0700 or stricter; refused",
			 path, (unsigned)(st.st_mode & 07777));
		r = -EPERM;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return r;
}

/* "<id>.json" or "<id>.closed": the id, and which of the two. */
static bool
record_name(const char *name, char id[NHI_SESSION_ID_LEN + 1], bool *closed)
{
	size_t n = strlen(name);

	if (n == NHI_SESSION_ID_LEN + 5 && strcmp(name + NHI_SESSION_ID_LEN, ".json") == 0)
		*closed = false;
	else if (n == NHI_SESSION_ID_LEN + 7 && strcmp(name + NHI_SESSION_ID_LEN, ".closed") == 0)
		*closed = true;
	else
		return false;
	memcpy(id, name, NHI_SESSION_ID_LEN);
	id[NHI_SESSION_ID_LEN] = '\0';
	return nhi_session_id_valid(id);
}

static void
name_of(const char *id, bool closed, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s.%s", id, closed ? "closed" : "json");
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
nhi_session_write(int dirfd, const struct nhi_session *s)
{
	char tmp[NHI_SESSION_ID_LEN + 16], name[NHI_SESSION_ID_LEN + 8];
	char *text = NULL;
	json_t *doc = NULL;
	int fd = -1, r;

	if ((r = nhi_session_to_json(s, &doc)) < 0)
		return r;
	if ((text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	if (strlen(text) + 1 > NHI_SESSION_FILE_MAX) {
		r = -E2BIG;
		goto out;
	}
	snprintf(name, sizeof(name), "%s.json", s->id);
	/* The temp name does not look like a record: listings skip it. */
	snprintf(tmp, sizeof(tmp), ".%s.tmp", s->id);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	if ((r = write_all(fd, text, strlen(text))) < 0 || (r = write_all(fd, "\n", 1)) < 0)
		goto out;
	if (fsync(fd) < 0) {
		r = -errno;
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = -errno;
		goto out;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		r = -errno;
		goto out;
	}
	tmp[0] = '\0';
	(void)fsync(dirfd);
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (r < 0 && tmp[0] != '\0')
		(void)unlinkat(dirfd, tmp, 0);
	free(text);
	json_decref(doc);
	return r;
}

static int
read_name(int dirfd, const char *name, struct nhi_session *s)
{
	const struct nhi_file_rules rules = {
		.max = NHI_SESSION_FILE_MAX, .owner = NHI_OWNER_SELF,
	};
	char buf[NHI_SESSION_FILE_MAX + 1], msg[128];
	json_t *doc = NULL;
	size_t len = 0;
	int fd, r;

	memset(s, 0, sizeof(*s));
	if ((fd = nhi_file_open(dirfd, name, &rules, NULL, 0)) < 0)
		return fd;
	r = nhi_fd_read(fd, buf, NHI_SESSION_FILE_MAX, &len);
	close(fd);
	if (r < 0 || (r = nhi_json_parse(buf, len, &doc, msg, sizeof(msg))) < 0)
		return r;
	r = nhi_session_from_json(doc, s);
	if (r < 0)
		nhi_session_free(s);
	json_decref(doc);
	return r;
}

int
nhi_session_read(int dirfd, const char *id, struct nhi_session *s)
{
	char name[NHI_SESSION_ID_LEN + 8];
	int r = -ENOENT;

	memset(s, 0, sizeof(*s));
	if (!nhi_session_id_valid(id))
		return -EINVAL;
	/* open first, then closed: a rename between the two tries moves it
	 * forward in its life, never back */
	for (int closed = 0; closed <= 1 && r == -ENOENT; closed++) {
		name_of(id, closed, name, sizeof(name));
		r = read_name(dirfd, name, s);
		s->closed = closed;
	}
	if (r < 0)
		return r;
	/* a file renamed by hand is not the session its name says */
	if (strcmp(s->id, id) != 0) {
		nhi_session_free(s);
		return -EBADMSG;
	}
	return 0;
}

int
nhi_session_mark_closed(int dirfd, const char *id)
{
	char from[NHI_SESSION_ID_LEN + 8], to[NHI_SESSION_ID_LEN + 8];

	if (!nhi_session_id_valid(id))
		return -EINVAL;
	name_of(id, false, from, sizeof(from));
	name_of(id, true, to, sizeof(to));
	/* RENAME_NOREPLACE: a .closed name never exists before this, and if
	 * one did (made by hand), it is not overwritten */
	if (renameat2(dirfd, from, dirfd, to, RENAME_NOREPLACE) < 0)
		return -errno;
	(void)fsync(dirfd);
	return 0;
}

int
nhi_session_remove(int dirfd, const struct nhi_session *s)
{
	char name[NHI_SESSION_ID_LEN + 8];

	if (!nhi_session_id_valid(s->id))
		return -EINVAL;
	name_of(s->id, s->closed, name, sizeof(name));
	if (unlinkat(dirfd, name, 0) < 0)
		return -errno;
	return 0;
}

void
nhi_session_list_free(struct nhi_session_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		nhi_session_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
cmp_session(const void *a, const void *b)
{
	return strcmp(((const struct nhi_session *)a)->id, ((const struct nhi_session *)b)->id);
}

int
nhi_session_list(int dirfd, struct nhi_session_list *l)
{
	struct dirent *de;
	DIR *d;
	size_t cap = 0;
	int fd, r = 0;

	l->v = NULL;
	l->n = 0;
	/* a dup: closedir() must not close the caller's fd */
	if ((fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3)) < 0)
		return -errno;
	if ((d = fdopendir(fd)) == NULL) {
		r = -errno;
		close(fd);
		return r;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		char id[NHI_SESSION_ID_LEN + 1];
		struct nhi_session s;
		bool closed;
		int e;

		if (!record_name(de->d_name, id, &closed))
			continue;
		if (l->n >= NHI_SESSIONS_MAX) {
			nhi_log(LOG_ERR, "more than %d session records in the state folder",
				NHI_SESSIONS_MAX);
			r = -E2BIG;
			break;
		}
		if ((e = read_name(dirfd, de->d_name, &s)) == 0 && strcmp(s.id, id) != 0) {
			nhi_session_free(&s);
			e = -EBADMSG;
		}
		s.closed = closed;
		if (e < 0) {
			if (e != -ENOENT)       /* removed meanwhile: fine */
				nhi_log(LOG_WARNING, "session record %s skipped: %s", de->d_name,
					e == -EBADMSG ? "malformed" : strerror(-e));
			continue;
		}
		if (l->n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct nhi_session *nv = reallocarray(l->v, nc, sizeof(*nv));
			if (nv == NULL) {
				nhi_session_free(&s);
				r = -ENOMEM;
				break;
			}
			l->v = nv;
			cap = nc;
		}
		l->v[l->n++] = s;
	}
	closedir(d);
	if (r < 0) {
		nhi_session_list_free(l);
		return r;
	}
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_session);
	return 0;
}

struct nhi_session *
nhi_session_find(const struct nhi_session_list *l, const char *id)
{
	struct nhi_session key = { .uid = 0 };

	if (l->n == 0 || !nhi_session_id_valid(id))
		return NULL;
	memcpy(key.id, id, sizeof(key.id));
	return bsearch(&key, l->v, l->n, sizeof(*l->v), cmp_session);
}

