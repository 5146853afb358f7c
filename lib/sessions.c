/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live session records and the process work of revocation (sessions.h).
 * Everything here runs as root on behalf of sessions of other users, so
 * it trusts nothing it did not write itself: records are opened without
 * following symlinks and bounded in size, pids are only signalled after
 * their start time proved they are still the recorded process.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-login.h>

#include "nhi.h"
#include "sessions.h"

#define PROC_STAT_MAX 4096      /* /proc/PID/stat is well below this */
#define PROC_STATUS_MAX 8192
#define TTYS_MAX 16
#define TTY_PATH_MAX 256

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
	free(s->tty);
	free(s->rhost);
	free(s->service);
	memset(s, 0, sizeof(*s));
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
	size_t i;

	if (id == NULL)
		return false;
	for (i = 0; i < NHI_SESSION_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return id[i] == '\0';
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

static bool
record_name(const char *name, char id[NHI_SESSION_ID_LEN + 1])
{
	if (strlen(name) != NHI_SESSION_ID_LEN + 5 ||
	    strcmp(name + NHI_SESSION_ID_LEN, ".json") != 0)
		return false;
	memcpy(id, name, NHI_SESSION_ID_LEN);
	id[NHI_SESSION_ID_LEN] = '\0';
	return nhi_session_id_valid(id);
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
	char buf[NHI_SESSION_FILE_MAX + 1];
	json_t *doc = NULL;
	struct stat st;
	size_t len = 0;
	char msg[128];
	int fd, r;

	memset(s, 0, sizeof(*s));
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		r = -EPERM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > NHI_SESSION_FILE_MAX) {
			r = -EFBIG;
			goto out;
		}
	}
	if ((r = nhi_json_parse(buf, len, &doc, msg, sizeof(msg))) < 0)
		goto out;
	r = nhi_session_from_json(doc, s);
out:
	if (r < 0)
		nhi_session_free(s);
	json_decref(doc);
	close(fd);
	return r;
}

int
nhi_session_read(int dirfd, const char *id, struct nhi_session *s)
{
	char name[NHI_SESSION_ID_LEN + 8];
	int r;

	memset(s, 0, sizeof(*s));
	if (!nhi_session_id_valid(id))
		return -EINVAL;
	snprintf(name, sizeof(name), "%s.json", id);
	if ((r = read_name(dirfd, name, s)) < 0)
		return r;
	/* a file renamed by hand is not the session its name says */
	if (strcmp(s->id, id) != 0) {
		nhi_session_free(s);
		return -EBADMSG;
	}
	return 0;
}

int
nhi_session_remove(int dirfd, const char *id)
{
	char name[NHI_SESSION_ID_LEN + 8];

	if (!nhi_session_id_valid(id))
		return -EINVAL;
	snprintf(name, sizeof(name), "%s.json", id);
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
		int e;

		if (!record_name(de->d_name, id))
			continue;
		if (l->n >= NHI_SESSIONS_MAX) {
			nhi_log(LOG_WARNING, "more than %d session records; the rest is ignored",
				NHI_SESSIONS_MAX);
			break;
		}
		if ((e = nhi_session_read(dirfd, id, &s)) < 0) {
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

/* ---- deadlines ----------------------------------------------------------- */

/* Mark j applies to s: it falls after the session opened. */
static bool
mark_applies(const struct nhi_session *s, int64_t w)
{
	return s->not_after - w > s->opened;
}

int64_t
nhi_sessions_deadline(const struct nhi_session *v, size_t n, int64_t now,
		      const int64_t *warn_before, size_t n_warn,
		      struct nhi_due *due, size_t due_max, size_t *n_due)
{
	int64_t next = INT64_MAX;

	*n_due = 0;
	if (n_warn > 32)
		n_warn = 32;    /* the warned bits */
	for (size_t i = 0; i < n; i++) {
		const struct nhi_session *s = &v[i];
		size_t last = SIZE_MAX;

		if (now >= s->not_after) {
			if (*n_due < due_max)
				due[(*n_due)++] = (struct nhi_due){ NHI_DUE_REVOKE, i, 0 };
			continue;
		}
		if (s->not_after < next)
			next = s->not_after;
		/* largest mark first: the last one passed is the one to warn */
		for (size_t j = 0; j < n_warn; j++) {
			int64_t at = s->not_after - warn_before[j];

			if ((s->warned & (UINT32_C(1) << j)) || !mark_applies(s, warn_before[j]))
				continue;
			if (at <= now)
				last = j;
			else if (at < next)
				next = at;
		}
		if (last != SIZE_MAX && *n_due < due_max)
			due[(*n_due)++] = (struct nhi_due){ NHI_DUE_WARN, i, last };
	}
	return next;
}

void
nhi_due_mark_warned(struct nhi_session *s, const int64_t *warn_before, size_t n_warn,
		    size_t mark)
{
	for (size_t j = 0; j < n_warn && j < 32; j++)
		if (warn_before[j] >= warn_before[mark])
			s->warned |= UINT32_C(1) << j;
}

/* ---- processes ----------------------------------------------------------- */

static int
parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -EBADMSG;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int
nhi_proc_stat_parse(const char *buf, size_t len, struct nhi_proc_stat *st)
{
	char tmp[PROC_STAT_MAX];
	char *rp;
	char *save = NULL, *tok;
	uint64_t pid, ppid;
	int field;

	memset(st, 0, sizeof(*st));
	if (len == 0 || len >= sizeof(tmp) || memchr(buf, '\0', len) != NULL)
		return -EBADMSG;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	/* "PID (COMM) S PPID ...": COMM is anything a process chose, up to
	 * 15 bytes, ")" and " " included; the real end is the last ')'. */
	if (parse_u64(tmp, &pid) < 0 || pid == 0 || pid > INT32_MAX ||
	    strchr(tmp, '(') == NULL || (rp = strrchr(tmp, ')')) == NULL ||
	    rp < strchr(tmp, '(') || rp[1] != ' ')
		return -EBADMSG;
	st->pid = (pid_t)pid;
	field = 3;      /* rp + 2 starts field 3, the state */
	for (tok = strtok_r(rp + 2, " \n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \n", &save), field++) {
		if (field == 3) {
			if (tok[0] == '\0' || tok[1] != '\0')
				return -EBADMSG;
			st->state = tok[0];
		} else if (field == 4) {
			if (parse_u64(tok, &ppid) < 0 || ppid > INT32_MAX)
				return -EBADMSG;
			st->ppid = (pid_t)ppid;
		} else if (field == 7) {
			uint64_t tty;

			/* printed as a signed int; a negative one is no terminal */
			if (tok[0] != '-' && (parse_u64(tok, &tty) < 0 || tty > UINT32_MAX))
				return -EBADMSG;
			st->tty_nr = tok[0] == '-' ? 0 : (uint32_t)tty;
		} else if (field == 22) {
			if (parse_u64(tok, &st->start_time) < 0)
				return -EBADMSG;
			return 0;
		}
	}
	return -EBADMSG;
}

static int
read_small(const char *path, char *buf, size_t bufsz, size_t *len)
{
	int fd, r = 0;

	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + *len, bufsz - 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
		if (*len >= bufsz - 1)
			break;
	}
	close(fd);
	buf[*len] = '\0';
	return r;
}

int
nhi_proc_stat_read(pid_t pid, struct nhi_proc_stat *st)
{
	char path[64], buf[PROC_STAT_MAX];
	size_t len;
	int r;

	memset(st, 0, sizeof(*st));
	if (pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((r = read_small(path, buf, sizeof(buf), &len)) < 0)
		return r == -ENOENT ? -ESRCH : r;
	return nhi_proc_stat_parse(buf, len, st);
}

int
nhi_proc_check(pid_t pid, uint64_t start_time)
{
	struct nhi_proc_stat st;
	int r;

	if ((r = nhi_proc_stat_read(pid, &st)) < 0)
		return r == -EBADMSG ? -ESRCH : r;
	if (st.start_time != start_time)
		return -ESTALE;
	/* zombies linger until reaped: the process itself has ended */
	if (st.state == 'Z' || st.state == 'X')
		return -ESRCH;
	return 0;
}

void
nhi_proc_set_free(struct nhi_proc_set *ps)
{
	if (ps == NULL)
		return;
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

/* Every process of /proc with its stat, bounded by NHI_PROC_MAX. */
static int
proc_all(struct nhi_proc_stat **out, size_t *n)
{
	struct nhi_proc_stat *v = NULL;
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int r = 0;

	*out = NULL;
	*n = 0;
	if ((d = opendir("/proc")) == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		struct nhi_proc_stat st;
		uint64_t pid;

		if (parse_u64(de->d_name, &pid) < 0 || pid == 0 || pid > INT32_MAX)
			continue;
		if (nhi_proc_stat_read((pid_t)pid, &st) < 0)
			continue;       /* ended meanwhile */
		if (*n >= NHI_PROC_MAX) {
			r = -E2BIG;
			break;
		}
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct nhi_proc_stat *nv = reallocarray(v, nc, sizeof(*nv));
			if (nv == NULL) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		v[(*n)++] = st;
	}
	closedir(d);
	if (r < 0) {
		free(v);
		*n = 0;
		return r;
	}
	*out = v;
	return 0;
}

static int
set_push(struct nhi_proc_set *ps, size_t *cap, pid_t pid, uint64_t start)
{
	if (ps->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		struct nhi_proc *nv = reallocarray(ps->v, nc, sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		ps->v = nv;
		*cap = nc;
	}
	ps->v[ps->n++] = (struct nhi_proc){ pid, start };
	return 0;
}

static int
cmp_pid(const void *a, const void *b)
{
	pid_t x = ((const struct nhi_proc_stat *)a)->pid, y = ((const struct nhi_proc_stat *)b)->pid;

	return (x > y) - (x < y);
}

int
nhi_proc_descendants(pid_t root, struct nhi_proc_set *out)
{
	struct nhi_proc_stat *all = NULL;
	size_t n, cap = 0;
	int r;

	out->v = NULL;
	out->n = 0;
	if ((r = proc_all(&all, &n)) < 0)
		return r;
	if (n > 1)
		qsort(all, n, sizeof(*all), cmp_pid);
	for (size_t i = 0; i < n; i++) {
		pid_t q = all[i].ppid;
		size_t depth = 0;
		bool below = false;

		if (all[i].pid == root || all[i].state == 'Z' || all[i].state == 'X')
			continue;
		/* walk up the ppid chain, bounded (a chain cannot loop, but
		 * /proc is read while it changes) */
		while (q > 1 && depth++ < 256) {
			struct nhi_proc_stat key = { .pid = q }, *parent;

			if (q == root) {
				below = true;
				break;
			}
			parent = bsearch(&key, all, n, sizeof(*all), cmp_pid);
			if (parent == NULL)
				break;
			q = parent->ppid;
		}
		if (below && (r = set_push(out, &cap, all[i].pid, all[i].start_time)) < 0)
			break;
	}
	free(all);
	if (r < 0)
		nhi_proc_set_free(out);
	return r;
}

/* Does the "Uid:" line of /proc/PID/status name uid as real, effective or saved? */
static bool
proc_has_uid(pid_t pid, uid_t uid)
{
	char path[64], buf[PROC_STATUS_MAX], *l;
	unsigned long ids[4];
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_small(path, buf, sizeof(buf), &len) < 0)
		return false;
	if ((l = strstr(buf, "\nUid:")) == NULL)
		return false;
	if (sscanf(l + 5, "%lu %lu %lu %lu", &ids[0], &ids[1], &ids[2], &ids[3]) != 4)
		return false;
	return ids[0] == uid || ids[1] == uid || ids[2] == uid;
}

int
nhi_proc_of_uid(uid_t uid, struct nhi_proc_set *out)
{
	struct nhi_proc_stat *all = NULL;
	size_t n, cap = 0;
	int r;

	out->v = NULL;
	out->n = 0;
	if ((r = proc_all(&all, &n)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (all[i].pid <= 1 || all[i].pid == getpid() || all[i].state == 'Z' ||
		    all[i].state == 'X' || !proc_has_uid(all[i].pid, uid))
			continue;
		if ((r = set_push(out, &cap, all[i].pid, all[i].start_time)) < 0)
			break;
	}
	free(all);
	if (r < 0)
		nhi_proc_set_free(out);
	return r;
}

int
nhi_proc_signal(const struct nhi_proc *p, int sig)
{
	int fd, r;

	if (p->pid <= 1 || p->pid == getpid())
		return -EINVAL;
	/* Pin the process first, then check it is the one we mean: a pidfd
	 * cannot come to refer to a later process that reuses the pid. */
	fd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (fd < 0)
		return errno == ESRCH ? -ESRCH : -errno;
	if ((r = nhi_proc_check(p->pid, p->start_time)) < 0)
		goto out;
	if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
		r = -errno;
out:
	close(fd);
	return r;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t
count_alive(const struct nhi_proc_set *ps)
{
	size_t n = 0;

	for (size_t i = 0; i < ps->n; i++)
		if (nhi_proc_check(ps->v[i].pid, ps->v[i].start_time) == 0)
			n++;
	return n;
}

/*
 * Termination in two halves, so that the watch can end many sessions at
 * once: term_collect and term_signal send every SIGTERM, term_finish waits
 * (until a common deadline) and sends the SIGKILLs.  n sessions then cost
 * one grace period, not n.
 */
struct term {
	struct nhi_proc opener;
	struct nhi_proc_set kids;
	struct nhi_kill_report rep;
	int err;
	bool opener_ok;         /* the recorded opener is still that process */
	bool claimed;           /* revoke_begin claimed the session */
};

static void
term_collect(const struct nhi_session *s, struct term *t)
{
	int r;

	memset(t, 0, sizeof(*t));
	t->opener = (struct nhi_proc){ s->pid, s->start_time };
	r = nhi_proc_check(s->pid, s->start_time);
	t->rep.opener_stale = r == -ESTALE;
	t->opener_ok = r == 0;
	if (!t->opener_ok)
		return;         /* gone or reused: its "children" are not ours */
	/* collect first: once the opener ends, its children are reparented
	 * and no longer found by the ppid chain */
	if ((t->err = nhi_proc_descendants(s->pid, &t->kids)) < 0)
		nhi_log(LOG_WARNING, "session %s: cannot list processes: %s", s->id,
			strerror(-t->err));
}

static void
term_signal(struct term *t)
{
	if (!t->opener_ok)
		return;
	if (nhi_proc_signal(&t->opener, SIGTERM) == 0) {
		t->rep.opener_alive = true;
		t->rep.termed++;
	}
	for (size_t i = 0; i < t->kids.n; i++)
		if (nhi_proc_signal(&t->kids.v[i], SIGTERM) == 0)
			t->rep.termed++;
}

static bool
term_pending(const struct term *t)
{
	return t->rep.termed > 0 &&
	       (count_alive(&t->kids) > 0 ||
		(t->rep.opener_alive && nhi_proc_check(t->opener.pid, t->opener.start_time) == 0));
}

/* Waits until until_ms (monotonic) for t's processes, SIGKILLs survivors,
 * then the uid's processes when kill_uid.  Frees t's lists. */
static int
term_finish(uid_t uid, struct term *t, int64_t until_ms, bool kill_uid)
{
	struct nhi_proc_set rest = { NULL, 0 };
	int r;

	while (now_ms() < until_ms && term_pending(t))
		poll(NULL, 0, 10);
	if (t->rep.termed > 0) {
		if (t->rep.opener_alive && nhi_proc_signal(&t->opener, SIGKILL) == 0)
			t->rep.killed++;
		for (size_t i = 0; i < t->kids.n; i++)
			if (nhi_proc_signal(&t->kids.v[i], SIGKILL) == 0)
				t->rep.killed++;
	}
	/* A few rounds: a process may fork while we list; SIGKILL cannot be
	 * caught, so a second listing finds at most what was born meanwhile. */
	for (int round = 0; kill_uid && uid != 0 && round < 3; round++) {
		size_t hit = 0;

		if ((r = nhi_proc_of_uid(uid, &rest)) < 0) {
			t->err = r;
			break;
		}
		for (size_t i = 0; i < rest.n; i++)
			if (nhi_proc_signal(&rest.v[i], SIGKILL) == 0)
				hit++;
		nhi_proc_set_free(&rest);
		t->rep.uid_killed += hit;
		if (hit == 0)
			break;
		poll(NULL, 0, 10);
	}
	nhi_proc_set_free(&t->kids);
	return t->err;
}

int
nhi_session_terminate(const struct nhi_session *s, int grace_ms, bool kill_uid,
		      struct nhi_kill_report *rep)
{
	struct term t;
	int r;

	term_collect(s, &t);
	term_signal(&t);
	r = term_finish(s->uid, &t, now_ms() + grace_ms, kill_uid);
	*rep = t.rep;
	return r;
}

/* ---- telling the vendor ------------------------------------------------ */

static bool
tty_path_ok(const char *p)
{
	return strncmp(p, "/dev/pts/", 9) == 0 || strncmp(p, "/dev/tty", 8) == 0;
}

static void
tell_one(const char *path, uid_t uid, const char *msg, dev_t *seen, size_t *n_seen,
	 int *written)
{
	struct stat st;
	int fd;

	if (*n_seen >= TTYS_MAX || !tty_path_ok(path))
		return;
	fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	/* only the vendor's own terminals: never write to someone else's */
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_uid != uid)
		goto out;
	for (size_t i = 0; i < *n_seen; i++)
		if (seen[i] == st.st_rdev)
			goto out;
	seen[(*n_seen)++] = st.st_rdev;
	if (write(fd, msg, strlen(msg)) > 0)
		(*written)++;
out:
	close(fd);
}

/* tty_nr (major in bits 8-19, minor in 0-7 and 20-31) -> a device path. */
static bool
tty_path_of(uint32_t tty_nr, char *buf, size_t bufsz)
{
	unsigned major = (tty_nr >> 8) & 0xfff, minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);

	if (major >= 136 && major <= 143)       /* Unix98 pty slaves */
		snprintf(buf, bufsz, "/dev/pts/%u", (major - 136) * 256 + minor);
	else if (major == 4 && minor >= 1 && minor < 64)       /* virtual consoles */
		snprintf(buf, bufsz, "/dev/tty%u", minor);
	else
		return false;
	return true;
}

int
nhi_session_tell(const struct nhi_session *s, const char *msg)
{
	struct nhi_proc_set kids = { NULL, 0 };
	dev_t seen[TTYS_MAX];
	size_t n_seen = 0;
	char path[TTY_PATH_MAX];
	int written = 0;

	if (s->tty != NULL && s->tty[0] != '\0') {
		if (s->tty[0] == '/')
			snprintf(path, sizeof(path), "%s", s->tty);
		else
			snprintf(path, sizeof(path), "/dev/%s", s->tty);
		tell_one(path, s->uid, msg, seen, &n_seen, &written);
	}
	if (nhi_proc_check(s->pid, s->start_time) == 0 &&
	    nhi_proc_descendants(s->pid, &kids) == 0) {
		for (size_t i = 0; i < kids.n; i++) {
			struct nhi_proc_stat st;

			if (nhi_proc_stat_read(kids.v[i].pid, &st) == 0 &&
			    st.start_time == kids.v[i].start_time &&
			    tty_path_of(st.tty_nr, path, sizeof(path)))
				tell_one(path, s->uid, msg, seen, &n_seen, &written);
			for (int fd = 0; fd <= 2; fd++) {
				char link[64];
				ssize_t n;

				snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)kids.v[i].pid, fd);
				n = readlink(link, path, sizeof(path) - 1);
				if (n <= 0)
					continue;
				path[n] = '\0';
				tell_one(path, s->uid, msg, seen, &n_seen, &written);
			}
		}
	}
	nhi_proc_set_free(&kids);
	return written;
}

/* ---- ending sessions ------------------------------------------------------ */

void
nhi_session_ticket(const struct nhi_session *s, struct nhi_ticket *t)
{
	memset(t, 0, sizeof(*t));
	t->id = s->ticket;
	t->approver = s->approver;
	t->has_not_after = true;
	t->not_after = s->not_after;
}

static void
record_of(struct nhi_conf *c, const struct nhi_session *s, enum nhi_event ev,
	  const struct nhi_ticket *t, struct nhi_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->event = ev;
	rec->identifier = "nhiacct";
	rec->user = s->user;
	rec->service = s->service;
	rec->rhost = s->rhost;
	rec->host = nhi_conf_host(c);
	rec->ticket = t;
	rec->session = s->id;
	rec->duration = -1;
	rec->priority = -1;
}

static int64_t
duration_of(const struct nhi_session *s)
{
	int64_t d = (int64_t)time(NULL) - s->opened;

	return d < 0 ? 0 : d;
}

/* logind ids are short alphanumerics ("c1", "42"); anything else is not one */
static bool
logind_id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		      (id[i] >= '0' && id[i] <= '9') || id[i] == '_' || id[i] == '-'))
			return false;
	return true;
}

/*
 * TerminateSession through logind, when the session is known to it: its
 * recorded id (XDG_SESSION_ID, when pam_systemd ran before us), else the
 * session of one of the opener's descendants (pam_systemd runs after
 * us, and the opener itself, sshd's monitor, stays outside the session
 * scope).
 * 0 done, negative errno when logind is absent or does not know it.
 */
static int
logind_terminate(const struct nhi_session *s, const struct nhi_proc_set *kids)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus *bus = NULL;
	char *found = NULL;
	const char *sid = s->logind;
	int r;

	for (size_t i = 0; sid == NULL && i < kids->n && found == NULL; i++)
		if (sd_pid_get_session(kids->v[i].pid, &found) < 0)
			found = NULL;
	if (sid == NULL)
		sid = found;
	if (sid == NULL || !logind_id_ok(sid)) {
		r = -ENOENT;
		goto out;
	}
	if ((r = sd_bus_open_system(&bus)) < 0)
		goto out;
	/* the loop waits for this call: keep it short */
	(void)sd_bus_set_method_call_timeout(bus, 2 * 1000000ULL);
	r = sd_bus_call_method(bus, "org.freedesktop.login1", "/org/freedesktop/login1",
			       "org.freedesktop.login1.Manager", "TerminateSession", &error,
			       NULL, "s", sid);
	if (r < 0)
		nhi_log(LOG_INFO, "session %s: logind TerminateSession %s: %s", s->id, sid,
			error.message ? error.message : strerror(-r));
out:
	sd_bus_error_free(&error);
	sd_bus_flush_close_unref(bus);
	free(found);
	return r;
}

/* Is any record left for uid (after ours was claimed)?  Errors say yes:
 * then the uid's processes are spared, never killed by mistake. */
static bool
uid_has_sessions(int dirfd, uid_t uid)
{
	struct nhi_session_list l;
	bool yes = false;

	if (nhi_session_list(dirfd, &l) < 0)
		return true;
	for (size_t i = 0; i < l.n && !yes; i++)
		yes = l.v[i].uid == uid;
	nhi_session_list_free(&l);
	return yes;
}

/* The first half of a revocation: the claim, logind, the SIGTERMs. */
static int
revoke_begin(int dirfd, const struct nhi_session *s, struct term *t)
{
	int r;

	memset(t, 0, sizeof(*t));
	/* the claim: whoever removes the record ends the session */
	if ((r = nhi_session_remove(dirfd, s->id)) < 0)
		return r;
	term_collect(s, t);
	(void)logind_terminate(s, &t->kids);
	term_signal(t);
	t->claimed = true;
	return 0;
}

/* The second half: the grace, the SIGKILLs, the uid, the record. */
static void
revoke_finish(struct nhi_conf *c, int dirfd, const struct nhi_session *s, const char *reason,
	      const char *extra, struct term *t, int64_t until_ms)
{
	struct nhi_record rec;
	struct nhi_ticket tk;
	bool kill_uid;
	int r;

	kill_uid = s->uid != 0 && nhi_is_vendor(c, s->user) == 1 &&
		   !uid_has_sessions(dirfd, s->uid);
	if ((r = term_finish(s->uid, t, until_ms, kill_uid)) < 0)
		nhi_log(LOG_WARNING, "session %s: ending its processes: %s", s->id, strerror(-r));
	nhi_session_ticket(s, &tk);
	record_of(c, s, NHI_EV_REVOKE, &tk, &rec);
	rec.reason = reason;
	rec.duration = duration_of(s);
	rec.extra = extra;
	if ((r = nhi_audit(&rec)) < 0)
		nhi_log(LOG_ERR, "revoke record of session %s not written to the journal: %s",
			s->id, strerror(-r));
	nhi_log(LOG_NOTICE, "session %s of %s (ticket %s) revoked: %s; %zu terminated, "
		"%zu killed, %zu other processes of uid %u killed%s", s->id, s->user, s->ticket,
		reason, t->rep.termed, t->rep.killed, t->rep.uid_killed, (unsigned)s->uid,
		t->rep.opener_stale ? "; its recorded pid belongs to another process now" : "");
}

int
nhi_session_revoke(struct nhi_conf *c, int dirfd, const struct nhi_session *s,
		   const char *reason, const char *extra, struct nhi_kill_report *rep)
{
	struct term t;
	int r;

	if ((r = revoke_begin(dirfd, s, &t)) < 0)
		return r;
	revoke_finish(c, dirfd, s, reason, extra, &t, now_ms() + NHI_GRACE_MS);
	if (rep != NULL)
		*rep = t.rep;
	return 0;
}

int
nhi_session_close_stale(struct nhi_conf *c, int dirfd, const struct nhi_session *s)
{
	struct nhi_record rec;
	struct nhi_ticket t;
	int r;

	if ((r = nhi_session_remove(dirfd, s->id)) < 0)
		return r;
	nhi_session_ticket(s, &t);
	record_of(c, s, NHI_EV_CLOSE, &t, &rec);
	rec.duration = duration_of(s);
	rec.extra = "NHIACCT_NOTE=stale";
	if ((r = nhi_audit(&rec)) < 0)
		nhi_log(LOG_ERR, "close record of stale session %s not written: %s", s->id,
			strerror(-r));
	nhi_log(LOG_INFO, "session %s of %s: its process %d is gone; record removed", s->id,
		s->user, (int)s->pid);
	return 0;
}

/* ---- the watch's pass -------------------------------------------------- */

int
nhi_watch_init(struct nhi_watch *w, struct nhi_conf *c, char *err, size_t errsz)
{
	memset(w, 0, sizeof(*w));
	w->conf = c;
	w->dirfd = nhi_state_dir_open(c->state_dir, true, err, errsz);
	return w->dirfd < 0 ? w->dirfd : 0;
}

void
nhi_watch_free(struct nhi_watch *w)
{
	if (w == NULL)
		return;
	nhi_session_list_free(&w->live);
	if (w->dirfd >= 0)
		close(w->dirfd);
	w->dirfd = -1;
}

/* A new listing, carrying over what only the watch knows. */
static int
reload(struct nhi_watch *w)
{
	struct nhi_session_list l;
	int r;

	if ((r = nhi_session_list(w->dirfd, &l)) < 0)
		return r;
	for (size_t i = 0; i < l.n; i++) {
		const struct nhi_session *old = nhi_session_find(&w->live, l.v[i].id);

		if (old == NULL)
			continue;
		l.v[i].warned = old->warned;
		if (old->not_after < l.v[i].not_after)
			l.v[i].not_after = old->not_after;
	}
	nhi_session_list_free(&w->live);
	w->live = l;
	return 0;
}

static void
warn(struct nhi_watch *w, struct nhi_session *s, int64_t now)
{
	char msg[256], left[32], until[NHI_TIME_BUF];
	struct nhi_record rec;
	struct nhi_ticket t;
	int n, r;

	nhi_format_time(s->not_after, until, sizeof(until));
	/* \r: the terminal may be in raw mode (an editor, a pager) */
	snprintf(msg, sizeof(msg), "\r\n*** nhiacct: access under ticket %s ends in %s "
		 "(%s); save your work. ***\r\n", s->ticket,
		 nhi_format_duration(s->not_after - now, left, sizeof(left)), until);
	n = nhi_session_tell(s, msg);
	nhi_session_ticket(s, &t);
	record_of(w->conf, s, NHI_EV_WARN, &t, &rec);
	if ((r = nhi_audit(&rec)) < 0)
		nhi_log(LOG_ERR, "warn record of session %s not written: %s", s->id, strerror(-r));
	nhi_log(LOG_INFO, "session %s of %s warned on %d terminal(s): %s left", s->id, s->user,
		n, left);
	w->warned++;
}

/* Re-fetches the tickets of live sessions; revokes those that fail. */
static void
recheck(struct nhi_watch *w, int64_t now)
{
	enum nhi_reason *why;
	int64_t *ends;

	if (w->live.n == 0)
		return;
	why = calloc(w->live.n, sizeof(*why));
	ends = calloc(w->live.n, sizeof(*ends));
	if (why == NULL || ends == NULL) {
		nhi_log(LOG_ERR, "recheck skipped: out of memory");
		goto out;
	}
	for (size_t i = 0; i < w->live.n; i++) {
		struct nhi_session *s = &w->live.v[i];
		struct nhi_login login = { s->user, s->service, s->rhost, NULL };
		struct nhi_result res;
		size_t j;

		if (s->not_after == INT64_MIN)
			continue;       /* ended in this pass already */
		/* one fetch per ticket and user: sessions often share both */
		for (j = 0; j < i; j++)
			if (w->live.v[j].not_after != INT64_MIN &&
			    strcmp(w->live.v[j].ticket, s->ticket) == 0 &&
			    strcmp(w->live.v[j].user, s->user) == 0)
				break;
		if (j < i) {
			why[i] = why[j];
			ends[i] = ends[j];
		} else {
			nhi_evaluate(w->conf, &login, s->ticket, now, &res);
			/* many slow fetches must not look like a hung daemon
			 * (a no-op outside a service with WatchdogSec=) */
			sd_notify(0, "WATCHDOG=1");
			why[i] = res.reason;
			ends[i] = res.ticket.has_not_after ? res.ticket.not_after : INT64_MAX;
			if (res.reason != NHI_GRANT)
				nhi_log(LOG_INFO, "recheck of ticket %s for %s: %s%s%s", s->ticket,
					s->user, nhi_reason_name(res.reason),
					res.detail[0] ? ": " : "", res.detail);
			nhi_result_free(&res);
		}
		if (why[i] == NHI_DENY_BACKEND_ERROR || why[i] == NHI_DENY_CONFIG_ERROR) {
			nhi_log(LOG_WARNING, "session %s: ticket %s could not be checked (%s); "
				"kept until its window ends", s->id, s->ticket,
				nhi_reason_name(why[i]));
		} else if (why[i] != NHI_GRANT) {
			const char *reason = why[i] == NHI_DENY_EXPIRED ? "expired" : "withdrawn";

			if (nhi_session_revoke(w->conf, w->dirfd, s, reason, NULL, NULL) == 0)
				w->revoked++;
			s->not_after = INT64_MIN;       /* done with it */
		} else if (ends[i] < s->not_after) {
			/* the window was shortened: its new end counts */
			nhi_log(LOG_INFO, "session %s: ticket %s now ends earlier", s->id, s->ticket);
			s->not_after = ends[i];
		}
	}
out:
	free(why);
	free(ends);
}

int
nhi_watch_pass(struct nhi_watch *w, int64_t now, int64_t *next)
{
	struct nhi_due *due = NULL;
	struct term *terms = NULL;
	size_t n_due = 0;
	int64_t wake, until;
	int r;

	*next = INT64_MAX;
	if ((r = reload(w)) < 0)
		return r;
	/* records whose opener is gone: sshd crashed, or the pid was reused */
	for (size_t i = 0; i < w->live.n; i++) {
		struct nhi_session *s = &w->live.v[i];

		if (nhi_proc_check(s->pid, s->start_time) == 0)
			continue;
		if (nhi_session_close_stale(w->conf, w->dirfd, s) == 0)
			w->stale++;
		s->not_after = INT64_MIN;
	}
	if (w->live.n > 0 && (due = calloc(w->live.n, sizeof(*due))) == NULL)
		return -ENOMEM;
	(void)nhi_sessions_deadline(w->live.v, w->live.n, now, w->conf->warn_before,
				    w->conf->n_warn_before, due, w->live.n, &n_due);
	if (n_due > 0 && (terms = calloc(n_due, sizeof(*terms))) == NULL) {
		free(due);
		return -ENOMEM;
	}
	/* every SIGTERM first, then one common grace period for all */
	for (size_t k = 0; k < n_due; k++) {
		struct nhi_session *s = &w->live.v[due[k].session];

		if (s->not_after == INT64_MIN)
			continue;       /* stale, handled above */
		if (due[k].kind == NHI_DUE_REVOKE) {
			(void)revoke_begin(w->dirfd, s, &terms[k]);
		} else {
			warn(w, s, now);
			nhi_due_mark_warned(s, w->conf->warn_before, w->conf->n_warn_before,
					    due[k].mark);
		}
	}
	until = now_ms() + NHI_GRACE_MS;
	for (size_t k = 0; k < n_due; k++) {
		struct nhi_session *s = &w->live.v[due[k].session];

		if (due[k].kind != NHI_DUE_REVOKE || s->not_after == INT64_MIN)
			continue;
		if (terms[k].claimed) {
			revoke_finish(w->conf, w->dirfd, s, "expired", NULL, &terms[k], until);
			w->revoked++;
		}
		s->not_after = INT64_MIN;
	}
	free(terms);
	free(due);
	if (now >= w->next_recheck) {
		recheck(w, now);
		w->next_recheck = now + w->conf->recheck;
	}
	/* what was ended is out of the list; the rest decides the next wake */
	{
		size_t o = 0;

		for (size_t i = 0; i < w->live.n; i++) {
			if (w->live.v[i].not_after == INT64_MIN)
				nhi_session_free(&w->live.v[i]);
			else
				w->live.v[o++] = w->live.v[i];
		}
		w->live.n = o;
	}
	wake = nhi_sessions_deadline(w->live.v, w->live.n, now, w->conf->warn_before,
				     w->conf->n_warn_before, NULL, 0, &n_due);
	/* a recheck may have shortened a window into the past */
	if (n_due > 0 || wake <= now)
		wake = now;
	*next = wake < w->next_recheck ? wake : w->next_recheck;
	return 0;
}
