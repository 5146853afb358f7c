/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Running a helper program (ssh-keygen) from inside a host process such as
 * sshd, the way pam_exec does it, only stricter: nothing inherited but what
 * is given, a clean environment, default signal dispositions, a time limit,
 * the child always reaped.
 *
 * Everything the child reads (stdin, and files given as /dev/fd/N) is put
 * into pipes before it is started, so that the parent never writes to a
 * pipe whose reader may have gone: no SIGPIPE can reach the host process,
 * and no signal disposition of the host is touched.
 */
#ifndef NHI_SPAWN_H
#define NHI_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

#define NHI_SPAWN_IN_MAX   (512 * 1024)  /* bytes of each input */
#define NHI_SPAWN_FDS      2             /* inputs besides stdin: fds 3, 4 */

struct nhi_spawn {
	const char *const *argv;        /* argv[0]: an absolute path */
	const char *const *env;         /* NULL: PATH and LC_ALL=C only */
	const char *in;                 /* stdin (may be NULL: empty) */
	size_t inlen;
	const char *fd[NHI_SPAWN_FDS];  /* fd 3, fd 4 (NULL: not open) */
	size_t fdlen[NHI_SPAWN_FDS];
	bool drop_root;                 /* run as nobody when called as root */
	int timeout_ms;
	char *out;                      /* its output, NUL-terminated, cut to fit */
	size_t outsz;
	char *err;                      /* stderr, likewise */
	size_t errsz;
};

/*
 * Runs s->argv[0] and waits for it, at most s->timeout_ms; on time-out it
 * is killed (SIGKILL) and reaped.  0 with *status its wait status, or
 * -ETIMEDOUT, -E2BIG (an input over NHI_SPAWN_IN_MAX), -errno.
 */
int nhi_spawn_run(struct nhi_spawn *s, int *status);

#endif
