/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * storm: many logins at once through the real PAM stack, one process each.
 *
 *   storm SERVICE PLAN [CHECK-CMD...]
 *
 * PLAN has one line per login: "USER ANSWER EXPECT" (ANSWER "-" for an
 * empty answer to the ticket prompt, i.e. lookup; EXPECT "grant" or a
 * reason code).  Every child forks first and calls pam_start, one after the
 * other (see below), then waits at a barrier; then all run authenticate and
 * acct_mgmt at once (PAM_RHOST "storm-USER").
 *
 * Why pam_start is serialised: pam_wrapper sets itself up again in every
 * forked child at its first pam_start, in a folder /tmp/pam.X of its own
 * (X one of 62 letters and digits, chosen by lstat() then mkdir()); 50
 * children doing that at once collide ("File exists", pam_start fails).
 * Nothing of pam_nhiacct runs in pam_start; every module call runs at once.
 * The children exit() (not _exit()), so pam_wrapper removes its folders.
 * A granted child opens its session and waits at a second barrier, so that
 * all granted sessions are open at the same time; then CHECK-CMD (if given)
 * runs, without LD_PRELOAD (e.g. a check of state_dir), and its exit status
 * counts; then all
 * close their sessions at once and pam_end.
 *
 * A child passes when the outcome is the expected one: a grant must open
 * and close its session (PAM_SUCCESS each); a refusal must be
 * PAM_PERM_DENIED from account, with "(REASON)" in the message shown.
 * Prints one line per failed child and a summary; exit 0 if every child
 * passed and CHECK-CMD succeeded, else 1.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pamlogin.h"

#define MAX_LOGINS 512

struct plan {
	char user[64], answer[128], expect[64];
};

static void
wait_barrier(int fd)
{
	char ch;

	/* returns at EOF: the parent closed its write end */
	while (read(fd, &ch, 1) < 0 && errno == EINTR)
		;
}

struct fds {
	int lock_r, lock_w;     /* one token: whoever holds it may pam_start */
	int ready_w;            /* a byte per child that passed pam_start */
	int go_r;               /* EOF: run the phases */
	int opened_w;           /* a byte per granted child with its session open */
	int close_r;            /* EOF: close the sessions */
};

static int
child(const char *service, const struct plan *pl, const struct fds *fd)
{
	struct pl_login l = { 0 };
	struct pl_result res;
	char rhost[96], want[96];
	bool shown = false;
	int ok = 1;

	snprintf(rhost, sizeof(rhost), "storm-%s", pl->user);
	l.service = service;
	l.user = pl->user;
	l.rhost = rhost;
	l.answer = strcmp(pl->answer, "-") == 0 ? "" : pl->answer;
	l.phases = 1u << PL_AUTH | 1u << PL_ACCOUNT | 1u << PL_OPEN;

	/* pl_run ends with pam_end; the session must stay open across the
	 * second barrier, so drive the handle here instead. */
	{
		struct pl_conv_state st = { l.answer, &res };
		struct pam_conv conv = { pl_conv, &st };
		pam_handle_t *pamh = NULL;
		int rc;

		char token;

		memset(&res, 0, sizeof(res));
		while (read(fd->lock_r, &token, 1) < 0 && errno == EINTR)
			;
		rc = pam_start(service, l.user, &conv, &pamh);
		if (write(fd->lock_w, &token, 1) != 1 || write(fd->ready_w, "r", 1) != 1)
			rc = PAM_SYSTEM_ERR;
		if (rc != PAM_SUCCESS) {
			fprintf(stderr, "FAIL %s: pam_start: %d\n", l.user, rc);
			return 1;
		}
		pam_set_item(pamh, PAM_RHOST, rhost);
		wait_barrier(fd->go_r);
		rc = res.rc[PL_AUTH] = pam_authenticate(pamh, 0);
		if (rc == PAM_SUCCESS)
			rc = res.rc[PL_ACCOUNT] = pam_acct_mgmt(pamh, 0);
		if (strcmp(pl->expect, "grant") == 0) {
			if (rc == PAM_SUCCESS)
				rc = res.rc[PL_OPEN] = pam_open_session(pamh, 0);
			if (rc == PAM_SUCCESS) {
				if (write(fd->opened_w, "o", 1) != 1)
					ok = 0;
				wait_barrier(fd->close_r);
				rc = res.rc[PL_CLOSE] = pam_close_session(pamh, 0);
			}
			if (rc != PAM_SUCCESS) {
				fprintf(stderr, "FAIL %s: want grant, got %s (auth %d account %d "
					"open %d close %d)\n", l.user, pam_strerror(pamh, rc),
					res.rc[PL_AUTH], res.rc[PL_ACCOUNT], res.rc[PL_OPEN],
					res.rc[PL_CLOSE]);
				ok = 0;
			}
		} else {
			snprintf(want, sizeof(want), "(%s)", pl->expect);
			for (int i = 0; i < res.n_msgs; i++)
				shown |= res.style[i] == PAM_ERROR_MSG && strstr(res.msg[i], want);
			if (rc != PAM_PERM_DENIED || !shown) {
				char buf[2048];
				size_t o;

				/* one write: 50 children share stderr */
				o = (size_t)snprintf(buf, sizeof(buf), "FAIL %s: want %s, got rc %d, "
						     "messages:", l.user, pl->expect, rc);
				for (int i = 0; i < res.n_msgs && o < sizeof(buf); i++)
					o += (size_t)snprintf(buf + o, sizeof(buf) - o, " [%s]",
							      res.msg[i]);
				fprintf(stderr, "%.*s\n", (int)sizeof(buf), buf);
				ok = 0;
			}
		}
		pam_end(pamh, rc);
	}
	pl_result_free(&res);
	return ok ? 0 : 1;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	static struct plan plan[MAX_LOGINS];
	int lock[2], ready[2], go[2], opened[2], closing[2];
	size_t n = 0, grants = 0, nopened = 0, failed = 0;
	pid_t pids[MAX_LOGINS];
	int64_t t0, deadline;
	int check_rc = 0;
	FILE *f;
	char line[512];

	if (argc < 3) {
		fprintf(stderr, "usage: storm SERVICE PLAN [CHECK-CMD...]\n");
		return 2;
	}
	if ((f = fopen(argv[2], "r")) == NULL) {
		perror(argv[2]);
		return 2;
	}
	while (n < MAX_LOGINS && fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%63s %127s %63s", plan[n].user, plan[n].answer,
			   plan[n].expect) != 3) {
			fprintf(stderr, "storm: bad plan line: %s", line);
			return 2;
		}
		grants += strcmp(plan[n].expect, "grant") == 0;
		n++;
	}
	fclose(f);
	if (pipe(lock) < 0 || pipe(ready) < 0 || pipe(go) < 0 || pipe(opened) < 0 ||
	    pipe(closing) < 0 || write(lock[1], "t", 1) != 1) {
		perror("pipe");
		return 1;
	}
	fflush(NULL);
	t0 = now_ms();
	for (size_t i = 0; i < n; i++) {
		if ((pids[i] = fork()) < 0) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0) {
			struct fds fd = { lock[0], lock[1], ready[1], go[0], opened[1], closing[0] };

			close(ready[0]);
			close(go[1]);
			close(opened[0]);
			close(closing[1]);
			exit(child(argv[1], &plan[i], &fd));
		}
	}
	close(ready[1]);
	close(go[0]);
	close(opened[1]);
	close(closing[0]);
	/* every child past pam_start (or gone) */
	for (size_t k = 0; k < n;) {
		char buf[64];
		ssize_t r = read(ready[0], buf, sizeof(buf));

		if (r <= 0)
			break;
		k += (size_t)r;
	}
	printf("# %zu children past pam_start after %lld ms\n", n, (long long)(now_ms() - t0));
	t0 = now_ms();
	close(go[1]);           /* go: every login at once */

	/* every expected session open at once (or 20 s) */
	deadline = t0 + 20000;
	while (nopened < grants && now_ms() < deadline) {
		struct pollfd pfd = { opened[0], POLLIN, 0 };
		char buf[64];
		ssize_t k;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if ((k = read(opened[0], buf, sizeof(buf))) <= 0)
			break;  /* every child gone */
		nopened += (size_t)k;
	}
	printf("# %zu logins went at once; %zu of %zu expected sessions open after %lld ms\n",
	       n, nopened, grants, (long long)(now_ms() - t0));
	if (argc > 3) {
		pid_t c = fork();

		if (c == 0) {
			/* the check runs without the wrappers: pam_wrapper would
			 * leave a /tmp/pam.X folder behind each exec() */
			unsetenv("LD_PRELOAD");
			execvp(argv[3], argv + 3);
			perror(argv[3]);
			_exit(127);
		}
		if (c < 0 || waitpid(c, &check_rc, 0) < 0 || !WIFEXITED(check_rc) ||
		    WEXITSTATUS(check_rc) != 0) {
			fprintf(stderr, "FAIL: the check while all sessions were open failed\n");
			check_rc = 1;
		} else {
			check_rc = 0;
		}
	}
	close(closing[1]);      /* all close at once */
	for (size_t i = 0; i < n; i++) {
		int st;

		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
	}
	printf("# %zu logins (%zu grants expected) done in %lld ms: %zu failed\n", n, grants,
	       (long long)(now_ms() - t0), failed);
	return failed == 0 && check_rc == 0 && nopened == grants ? 0 : 1;
}
