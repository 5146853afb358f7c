/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cycles: N full logins through the real PAM stack in one process, for a
 * leak check under valgrind (tests/valgrind/run.sh).
 *
 *   cycles [-d DENY-ANSWER] [-l] SERVICE USER ANSWER N
 *
 * Each cycle is pam_start, authenticate (the ticket prompt answered with
 * ANSWER), acct_mgmt, open_session, close_session, pam_end, all expected to
 * succeed: libpam loads and unloads pam_nhiacct.so every cycle, as sshd's
 * per-connection process does once.  Every 10th cycle instead answers
 * DENY-ANSWER (-d; the login must be refused with PAM_PERM_DENIED), and with
 * -l every 10th cycle (offset 5) answers nothing, so that lookup chooses the
 * ticket; those paths must not leak either.  Exit 0 when every cycle ended
 * as expected, else 1 (after the first unexpected one).
 */
#include <dlfcn.h>
#include <getopt.h>
#include <time.h>

#include "pamlogin.h"

int
main(int argc, char **argv)
{
	const char *deny = NULL;
	bool lookup = false;
	struct timespec t0, t1;
	long n, grants = 0, denials = 0, lookups = 0;
	int opt;

	while ((opt = getopt(argc, argv, "d:lp:")) != -1) {
		switch (opt) {
		case 'd': deny = optarg; break;
		case 'l': lookup = true; break;
		case 'p':
			if (dlopen(optarg, RTLD_NOW | RTLD_LOCAL) == NULL) {
				fprintf(stderr, "cycles: %s\n", dlerror());
				return 1;
			}
			break;
		default: goto usage;
		}
	}
	if (argc - optind != 4 || (n = strtol(argv[optind + 3], NULL, 10)) <= 0)
		goto usage;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		struct pl_login l = { 0 };
		struct pl_result res;
		bool want_deny = deny != NULL && i % 10 == 9;
		int rc;

		l.service = argv[optind];
		l.user = argv[optind + 1];
		l.rhost = "192.0.2.10";
		l.answer = want_deny ? deny : lookup && i % 10 == 5 ? "" : argv[optind + 2];
		l.phases = 1u << PL_AUTH | 1u << PL_ACCOUNT | 1u << PL_OPEN | 1u << PL_CLOSE;
		rc = pl_run(&l, &res);
		if (want_deny ? !(res.ran[PL_ACCOUNT] && res.rc[PL_ACCOUNT] == PAM_PERM_DENIED)
			      : rc != PAM_SUCCESS) {
			fprintf(stderr, "cycles: cycle %ld (%s): rc %d (start %d auth %d account %d "
				"open %d close %d)", i, want_deny ? "deny" : "grant", rc,
				res.start_rc, res.rc[PL_AUTH], res.rc[PL_ACCOUNT], res.rc[PL_OPEN],
				res.rc[PL_CLOSE]);
			for (int k = 0; k < res.n_msgs; k++)
				fprintf(stderr, " [%s]", res.msg[k]);
			fprintf(stderr, "\n");
			pl_result_free(&res);
			return 1;
		}
		if (want_deny)
			denials++;
		else if (l.answer[0] == '\0')
			lookups++;
		else
			grants++;
		pl_result_free(&res);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# %ld cycles (%ld granted by id, %ld by lookup, %ld refused) in %.1f s\n", n,
	       grants, lookups, denials,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
usage:
	fprintf(stderr, "usage: cycles [-d DENY-ANSWER] [-l] SERVICE USER ANSWER N\n");
	return 2;
}
