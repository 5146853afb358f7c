/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telling a vendor, on their own terminals, that their window is about to
 * close (revoke.h: nhi_session_tell).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "proc.h"
#include "revoke.h"

#define TTYS_MAX 16
#define TTY_PATH_MAX 256

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

