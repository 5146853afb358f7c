/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Processes as /proc shows them (proc.h).  Reading only: nothing here sends
 * a signal (that is revoke.c, linked into nhiacct alone).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>


#include "fileio.h"
#include "proc.h"

#define PROC_STAT_MAX 4096      /* /proc/PID/stat is well below this */
#define PROC_STATUS_MAX 8192
#define MOUNTINFO_MAX (4 * 1024 * 1024) /* a host of thousands of mounts */

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

/* A small /proc file into buf (NUL-terminated), through the one bounded
 * read: -EFBIG rather than a silently cut text. */
static int
read_small(const char *path, char *buf, size_t bufsz, size_t *len)
{
	const struct nhi_file_rules rules = { .max = bufsz - 1, .owner = NHI_OWNER_ANY };
	int fd, r;

	*len = 0;
	buf[0] = '\0';
	if ((fd = nhi_file_open(AT_FDCWD, path, &rules, NULL, 0)) < 0)
		return fd;
	r = nhi_fd_read(fd, buf, bufsz - 1, len);
	close(fd);
	return r;
}

/* Does pid exist?  Asked of the kernel, not of /proc, which hidepid= can
 * hide: pidfd_open(2) fails with ESRCH only when there is no such process.
 * Any other answer (even an error) counts as "exists": never "gone" on
 * a doubt. */
static bool
pid_exists(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0) {
		close(fd);
		return true;
	}
	return errno != ESRCH;
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
		return pid_exists(pid) ? -EACCES : -ESRCH;
	return nhi_proc_stat_parse(buf, len, st);
}

int
nhi_proc_check(pid_t pid, uint64_t start_time)
{
	struct nhi_proc_stat st;
	int r;

	if ((r = nhi_proc_stat_read(pid, &st)) < 0)
		return r;
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

int
nhi_proc_each(int (*fn)(pid_t pid, void *ctx), void *ctx)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	if ((d = opendir("/proc")) == NULL)
		return -errno;
	while (r >= 0 && (de = readdir(d)) != NULL) {
		uint64_t pid;

		if (parse_u64(de->d_name, &pid) == 0 && pid > 0 && pid <= INT32_MAX &&
		    de->d_name[strspn(de->d_name, "0123456789")] == '\0')
			r = fn((pid_t)pid, ctx);
	}
	closedir(d);
	return r < 0 ? r : 0;
}

struct all_ctx {
	struct nhi_proc_stat *v;
	size_t n, cap;
};

static int
all_one(pid_t pid, void *ctx)
{
	struct all_ctx *a = ctx;
	struct nhi_proc_stat st;

	if (nhi_proc_stat_read(pid, &st) < 0)
		return 0;       /* ended meanwhile */
	if (a->n >= NHI_PROC_MAX)
		return -E2BIG;
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 256;
		struct nhi_proc_stat *nv = reallocarray(a->v, nc, sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		a->v = nv;
		a->cap = nc;
	}
	a->v[a->n++] = st;
	return 0;
}

/* Every process of /proc with its stat, bounded by NHI_PROC_MAX (what the
 * kernel can hold): a listing is whole or an error. */
static int
proc_all(struct nhi_proc_stat **out, size_t *n)
{
	struct all_ctx a = { 0 };
	int r;

	*out = NULL;
	*n = 0;
	if ((r = nhi_proc_each(all_one, &a)) < 0) {
		free(a.v);
		return r;
	}
	*out = a.v;
	*n = a.n;
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

/* Every process (proc_all), with out emptied first. */
static int
listing(struct nhi_proc_set *out, struct nhi_proc_stat **all, size_t *n)
{
	out->v = NULL;
	out->n = 0;
	return proc_all(all, n);
}

int
nhi_proc_descendants(pid_t root, struct nhi_proc_set *out)
{
	struct nhi_proc_stat *all = NULL;
	size_t n, cap = 0;
	int r;

	if ((r = listing(out, &all, &n)) < 0)
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

int
nhi_proc_uids(pid_t pid, uid_t ids[3])
{
	char path[64], buf[PROC_STATUS_MAX], *l;
	unsigned long v[4];
	size_t len;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((r = read_small(path, buf, sizeof(buf), &len)) < 0)
		return pid_exists(pid) ? -EACCES : -ESRCH;
	if ((l = strstr(buf, "\nUid:")) == NULL ||
	    sscanf(l + 5, "%lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3]) != 4)
		return -EBADMSG;
	for (int i = 0; i < 3; i++)
		ids[i] = (uid_t)v[i];
	return 0;
}

/* Does the "Uid:" line of /proc/PID/status name uid as real, effective or saved? */
static bool
proc_has_uid(pid_t pid, uid_t uid)
{
	uid_t ids[3];

	return nhi_proc_uids(pid, ids) == 0 && (ids[0] == uid || ids[1] == uid || ids[2] == uid);
}

int
nhi_proc_audit_session(pid_t pid, uint32_t *out)
{
	char path[64], buf[32];
	uint64_t v;
	size_t len;
	int r;

	*out = UINT32_MAX;
	snprintf(path, sizeof(path), "/proc/%d/sessionid", (int)pid);
	if ((r = read_small(path, buf, sizeof(buf), &len)) < 0)
		return pid_exists(pid) ? r : -ESRCH;
	buf[strcspn(buf, "\n")] = '\0';
	if (parse_u64(buf, &v) < 0 || buf[strspn(buf, "0123456789")] != '\0' || v > UINT32_MAX)
		return -EBADMSG;
	*out = (uint32_t)v;
	return v == UINT32_MAX ? -ENODATA : 0;
}

int
nhi_proc_of_uid(uid_t uid, struct nhi_proc_set *out)
{
	struct nhi_proc_stat *all = NULL;
	size_t n, cap = 0;
	int r;

	if ((r = listing(out, &all, &n)) < 0)
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


/* Effective capabilities of this process include cap (from /proc/self/status). */
static bool
have_cap(unsigned cap)
{
	char buf[PROC_STATUS_MAX], *l;
	unsigned long long eff;
	size_t len;

	if (read_small("/proc/self/status", buf, sizeof(buf), &len) < 0 ||
	    (l = strstr(buf, "\nCapEff:")) == NULL || sscanf(l + 8, "%llx", &eff) != 1)
		return false;
	return cap < 64 && (eff >> cap) & 1;
}

int
nhi_proc_visible_all(char *why, size_t whysz)
{
	const struct nhi_file_rules rules = { .max = MOUNTINFO_MAX, .owner = NHI_OWNER_ANY };
	char *buf = NULL, *line, *save = NULL;
	size_t len;
	int r;

	why[0] = '\0';
	if ((r = nhi_file_read(AT_FDCWD, "/proc/self/mountinfo", &rules, &buf, &len, NULL, 0)) < 0)
		return r;
	/* "... /proc ... - proc proc rw,hidepid=invisible,...": the super
	 * options after the separator hold hidepid= */
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		const char *sep = strstr(line, " - proc "), *h;
		char mnt[64];

		if (sep == NULL || sscanf(line, "%*s %*s %*s %*s %63s", mnt) != 1 ||
		    strcmp(mnt, "/proc") != 0)
			continue;
		if ((h = strstr(sep, "hidepid=")) == NULL)
			continue;
		h += 8;
		if (strncmp(h, "0", 1) == 0 || strncmp(h, "off", 3) == 0)
			continue;
		/* CAP_SYS_PTRACE (19) lets a reader see through every hidepid= */
		if (have_cap(19))
			continue;
		snprintf(why, whysz, "/proc is mounted with hidepid=%.*s and this process "
			 "lacks CAP_SYS_PTRACE", (int)strcspn(h, ", "), h);
		r = -EACCES;
		break;
	}
	free(buf);
	return r;
}
