/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spawn.h.  The child: its stdin and fds 3 and 4 are pipes already holding
 * their whole input (F_SETPIPE_SZ makes room), its output pipes the
 * parent drains; every other fd closed, every signal at its default and
 * unblocked, a clean environment, and (drop_root) the uid and gid of
 * nobody, and an alarm(2) at the deadline that ends it (the alarm survives
 * exec) even if the parent could not.  The parent polls until both outputs
 * end or the deadline passes, then reaps, killing first if it must,
 * through a pidfd: it only ever signals its own, not yet reaped child
 * (the module has no revocation code: tests/build).  No signal
 * handler is installed, no disposition changed, and the child never
 * returns into the host's code (_exit after a failed exec).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"
#include "timeutil.h"

#define NOBODY 65534

static const char *const clean_env[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };

static void
close_pair(int p[2])
{
	for (int i = 0; i < 2; i++) {
		if (p[i] >= 0)
			close(p[i]);
		p[i] = -1;
	}
}

/* A pipe whose read end holds all of data; its write end closed.  For a
 * child that will run as nobody, the pipe is nobody's: a pipe is reopened
 * through /dev/fd/N by its inode's owner only. */
static int
filled_pipe(int p[2], const char *data, size_t len, bool for_nobody)
{
	size_t off = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	if (for_nobody && geteuid() == 0 && fchown(p[0], NOBODY, NOBODY) < 0) {
		int e = errno;

		close_pair(p);
		return -e;
	}
	if (len > 0 && fcntl(p[1], F_SETPIPE_SZ, (int)(len < 4096 ? 4096 : len)) < 0 &&
	    len > 65536) {
		int e = errno;

		close_pair(p);
		return -e;
	}
	if (fcntl(p[1], F_SETFL, O_NONBLOCK) < 0) {
		int e = errno;

		close_pair(p);
		return -e;
	}
	while (off < len) {
		ssize_t n = write(p[1], data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {       /* EAGAIN: the pipe would not take it all */
			close_pair(p);
			return -E2BIG;
		}
		off += (size_t)n;
	}
	close(p[1]);
	p[1] = -1;
	return 0;
}

/* In the child: fd onto target (cleared of O_CLOEXEC by dup2). */
static void
child_fd(int fd, int target)
{
	if (fd == target) {
		if (fcntl(fd, F_SETFD, 0) < 0)
			_exit(126);
	} else if (dup2(fd, target) < 0) {
		_exit(126);
	}
}

static void __attribute__((noreturn))
child(const struct nhi_spawn *s, int in, const int fds[NHI_SPAWN_FDS], int out, int err,
      unsigned alarm_s)
{
	sigset_t all;
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	/* fds 0-4 in place, each moved out of the way first so that dup2 of
	 * one cannot overwrite another */
	int src[5] = { in, out, err, fds[0], fds[1] };

	/* without /dev/null an fd not given would stay the host's */
	if (devnull < 0)
		_exit(126);
	for (int i = 0; i < 5; i++) {
		if (src[i] < 0)
			src[i] = devnull;
		if (src[i] >= 0 && src[i] < 5 && (src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 5)) < 0)
			_exit(126);
	}
	for (int i = 0; i < 5; i++)
		if (src[i] >= 0)
			child_fd(src[i], i);
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 5U, ~0U, 0U) < 0)
#endif
		for (int fd = 5; fd < 1024; fd++)
			close(fd);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)signal(sig, SIG_DFL);
	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	(void)alarm(alarm_s);
	if (s->drop_root && geteuid() == 0 &&
	    (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	     setresuid(NOBODY, NOBODY, NOBODY) < 0))
		_exit(126);
	execve(s->argv[0], (char *const *)s->argv,
	       (char *const *)(s->env != NULL ? s->env : clean_env));
	_exit(127);
}

/* Appends what fd has to buf (cut at bufsz - 1); 1 at EOF, 0 for more. */
static int
drain(int fd, char *buf, size_t bufsz, size_t *len)
{
	char scratch[4096];
	ssize_t n = read(fd, scratch, sizeof(scratch));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (n == 0)
		return 1;
	if (buf != NULL && bufsz > 0) {
		size_t room = bufsz - 1 - *len, k = (size_t)n < room ? (size_t)n : room;

		memcpy(buf + *len, scratch, k);
		*len += k;
		buf[*len] = '\0';
	}
	return 0;
}

/* Reads both outputs until they end or the deadline passes. */
static int
collect(struct nhi_spawn *s, int out, int err, int64_t deadline)
{
	struct pollfd p[2] = { { out, POLLIN, 0 }, { err, POLLIN, 0 } };
	size_t olen = 0, elen = 0;

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		int64_t left = deadline - nhi_mono_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(p, 2, (int)(left > INT32_MAX ? INT32_MAX : left));
		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; n > 0 && i < 2; i++) {
			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			if (drain(p[i].fd, i == 0 ? s->out : s->err, i == 0 ? s->outsz : s->errsz,
				  i == 0 ? &olen : &elen))
				p[i].fd = -1;
		}
	}
	return 0;
}

/* Reaps pid by the deadline, killing it (through pidfd, when there is
 * one; else its alarm ends it) when it is not done by then. */
static int
reap(pid_t pid, int pidfd, int64_t deadline, bool kill_now, int *status)
{
	pid_t r;

	while (!kill_now) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (nhi_mono_ms() >= deadline)
			break;
		(void)nanosleep(&(struct timespec){ 0, 2 * 1000 * 1000 }, NULL);
	}
	/* The child is not reaped yet, so its pid cannot have been reused:
	 * even without pidfds (before Linux 5.3, or under valgrind) the
	 * signal can only reach it. */
	if (pidfd < 0 || syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0U) < 0)
		(void)syscall(SYS_kill, pid, SIGKILL);
	while ((r = waitpid(pid, status, 0)) < 0 && errno == EINTR)
		;
	return r == pid ? -ETIMEDOUT : -errno;
}

int
nhi_spawn_run(struct nhi_spawn *s, int *status)
{
	int in[2] = { -1, -1 }, fds[NHI_SPAWN_FDS][2], out[2] = { -1, -1 },
	    err[2] = { -1, -1 }, rfd[NHI_SPAWN_FDS], r = 0;
	int64_t deadline = nhi_mono_ms() + (s->timeout_ms > 0 ? s->timeout_ms : 1);
	unsigned alarm_s = (unsigned)((s->timeout_ms > 0 ? s->timeout_ms : 1) + 999) / 1000 + 1;
	int pidfd;
	pid_t pid;

	*status = -1;
	if (s->out != NULL && s->outsz > 0)
		s->out[0] = '\0';
	if (s->err != NULL && s->errsz > 0)
		s->err[0] = '\0';
	for (int i = 0; i < NHI_SPAWN_FDS; i++) {
		fds[i][0] = fds[i][1] = -1;
		rfd[i] = -1;
	}
	if (s->argv == NULL || s->argv[0] == NULL || s->argv[0][0] != '/')
		return -EINVAL;
	if (s->inlen > NHI_SPAWN_IN_MAX)
		return -E2BIG;
	for (int i = 0; i < NHI_SPAWN_FDS; i++)
		if (s->fd[i] != NULL && s->fdlen[i] > NHI_SPAWN_IN_MAX)
			return -E2BIG;
	if ((r = filled_pipe(in, s->in, s->in != NULL ? s->inlen : 0, false)) < 0)
		goto out;
	for (int i = 0; i < NHI_SPAWN_FDS; i++) {
		if (s->fd[i] == NULL)
			continue;
		if ((r = filled_pipe(fds[i], s->fd[i], s->fdlen[i], s->drop_root)) < 0)
			goto out;
		rfd[i] = fds[i][0];
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	if ((pid = fork()) < 0) {
		r = -errno;
		goto out;
	}
	if (pid == 0)
		child(s, in[0], rfd, out[1], err[1], alarm_s);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0U);
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	close_pair(in);
	for (int i = 0; i < NHI_SPAWN_FDS; i++)
		close_pair(fds[i]);
	r = collect(s, out[0], err[0], deadline);
	{
		int rr = reap(pid, pidfd, deadline, r == -ETIMEDOUT, status);

		if (r == 0)
			r = rr;
	}
	if (pidfd >= 0)
		close(pidfd);
out:
	close_pair(in);
	close_pair(out);
	close_pair(err);
	for (int i = 0; i < NHI_SPAWN_FDS; i++)
		close_pair(fds[i]);
	return r;
}
