/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench/pam_loop.c: full PAM account decisions in a loop, for bench/run.sh.
 *
 *   pam_loop [-n N] [-t TICKET] [-r RHOST] [-x] [-m N1,N2,...] [-L LIBLIST]
 *            [-F] SERVICE USER
 *
 * Each decision is one whole pam_start -> pam_acct_mgmt -> pam_end cycle, as
 * a login process does it: libpam loads the service's modules at pam_start
 * and unloads them at pam_end.  The ticket id, when given, is put into the
 * PAM environment as NHIACCT_TICKET (pam_exec passes it on to a script).
 *
 *   -n N        decisions (default 1000)
 *   -t TICKET   NHIACCT_TICKET for every decision
 *   -r RHOST    PAM_RHOST (default 127.0.0.1)
 *   -x          expect refusals instead of PAM_SUCCESS
 *   -m LIST     print VmRSS (from /proc/self/status) after these decision
 *               counts; per-decision times are then not kept, so that their
 *               array does not grow the RSS being measured
 *   -L FILE     dlopen() and keep every library listed in FILE (one path a
 *               line) before the first decision: the libraries sshd itself
 *               links, which a module loaded into sshd finds already there
 *   -F          fresh process per decision: fork and exec this program with
 *               -n 1 for each of the N decisions (like sshd's per-connection
 *               process) and time each from fork to exit
 *
 * Prints one line of key=value pairs: n, fails, total_us, mean_us, p10_us,
 * p50_us, p90_us, max_us, rss_kb (at the end), and rss_at_K for each -m mark.
 * Exit status 0 when every decision gave the expected answer, 1 otherwise
 * (with the messages of the last decision that was not), 2 on usage errors.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "pamlogin.h"

static char last_msg[PAM_MAX_MSG_SIZE + 1];   /* of the current decision */
static char fail_msg[PAM_MAX_MSG_SIZE + 1];   /* of the last one that failed */

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static long
rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
quantile(const double *sorted, long n, double q)
{
	double pos, frac;
	long i;

	if (n <= 0)
		return 0;
	pos = q * (double)(n - 1);
	i = (long)pos;
	frac = pos - (double)i;
	return i + 1 < n ? sorted[i] * (1 - frac) + sorted[i + 1] * frac : sorted[i];
}

static int
preload(const char *list)
{
	char path[4096];
	FILE *f = fopen(list, "re");

	if (f == NULL) {
		fprintf(stderr, "pam_loop: %s: %s\n", list, strerror(errno));
		return -1;
	}
	while (fgets(path, sizeof(path), f) != NULL) {
		path[strcspn(path, "\r\n")] = '\0';
		if (path[0] == '\0' || path[0] == '#')
			continue;
		/* Never closed: resident for the life of the process. */
		if (dlopen(path, RTLD_NOW | RTLD_GLOBAL) == NULL) {
			fprintf(stderr, "pam_loop: %s\n", dlerror());
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

/* One decision in this process, through the tests' one login driver
 * (tests/lib/pamlogin.h): pam_start, the account phase, pam_end.  No
 * prompt is answered (a prompt in the account phase is an error, as over
 * SSH with public keys).  true if the answer was the expected one; the
 * messages of one that was not are kept in last_msg. */
static bool
decide(const char *service, const char *user, const char *ticket, const char *rhost,
       bool expect_refusal)
{
	char env[128];
	struct pl_login l = {
		.service = service, .user = user, .rhost = rhost, .tty = "ssh",
		.answer = NULL, .phases = 1u << PL_ACCOUNT,
	};
	struct pl_result res;
	size_t len = 0;
	int r;

	if (ticket != NULL) {
		snprintf(env, sizeof(env), "NHIACCT_TICKET=%s", ticket);
		l.env[0] = env;
	}
	r = pl_run(&l, &res);
	last_msg[0] = '\0';
	for (int i = 0; i < res.n_msgs && len < sizeof(last_msg); i++)
		len += (size_t)snprintf(last_msg + len, sizeof(last_msg) - len, "%s%s",
					len > 0 ? "; " : "", res.msg[i]);
	if (r != PAM_SUCCESS && !expect_refusal && len < sizeof(last_msg))
		snprintf(last_msg + len, sizeof(last_msg) - len, "%s%s", len > 0 ? "; " : "",
			 res.start_rc != PAM_SUCCESS ? "pam_start failed" : "pam_acct_mgmt refused");
	if (res.prompts > 0)
		r = PAM_CONV_ERR;
	pl_result_free(&res);
	return expect_refusal ? r != PAM_SUCCESS : r == PAM_SUCCESS;
}

/* One decision in a fresh process: fork, exec ourselves with -n 1. */
static bool
decide_fresh(char **child_argv)
{
	pid_t pid;
	int st;

	fflush(NULL);
	if ((pid = fork()) < 0)
		return false;
	if (pid == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execv("/proc/self/exe", child_argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: pam_loop [-n N] [-t TICKET] [-r RHOST] [-x] [-m N1,N2,...] "
		"[-L LIBLIST] [-F] SERVICE USER\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *ticket = NULL, *rhost = "127.0.0.1", *libs = NULL;
	long n = 1000, marks[16], nmarks = 0, rss_at[16], fails = 0, i, m = 0;
	bool expect_refusal = false, fresh = false, keep_times;
	char *child_argv[32], nbuf[] = "-n", one[] = "1";
	double *times = NULL, t0, t1, start, total;
	int opt, ca = 0;

	while ((opt = getopt(argc, argv, "n:t:r:xm:L:F")) != -1) {
		switch (opt) {
		case 'n': n = strtol(optarg, NULL, 10); break;
		case 't': ticket = optarg; break;
		case 'r': rhost = optarg; break;
		case 'x': expect_refusal = true; break;
		case 'm':
			for (char *s = optarg, *e; *s && nmarks < 16; s = *e ? e + 1 : e) {
				marks[nmarks++] = strtol(s, &e, 10);
				if (e == s)
					usage();
			}
			break;
		case 'L': libs = optarg; break;
		case 'F': fresh = true; break;
		default: usage();
		}
	}
	if (argc - optind != 2 || n <= 0)
		usage();

	if (fresh) {
		/* The child: the same options without -F and -n, then -n 1. */
		child_argv[ca++] = argv[0];
		for (int k = 1; k < optind && ca < 28; k++) {
			if (strcmp(argv[k], "-F") == 0)
				continue;
			if (strcmp(argv[k], "-n") == 0) {
				k++;
				continue;
			}
			child_argv[ca++] = argv[k];
		}
		child_argv[ca++] = nbuf;
		child_argv[ca++] = one;
		child_argv[ca++] = argv[optind];
		child_argv[ca++] = argv[optind + 1];
		child_argv[ca] = NULL;
	} else if (libs != NULL && preload(libs) < 0) {
		return 2;
	}

	keep_times = nmarks == 0;
	if (keep_times && (times = calloc((size_t)n, sizeof(*times))) == NULL)
		return 2;
	start = now_us();
	for (i = 0; i < n; i++) {
		bool ok;

		t0 = now_us();
		ok = fresh ? decide_fresh(child_argv)
			   : decide(argv[optind], argv[optind + 1], ticket, rhost,
				    expect_refusal);
		t1 = now_us();
		if (!ok) {
			fails++;
			memcpy(fail_msg, last_msg, sizeof(fail_msg));
		}
		if (keep_times)
			times[i] = t1 - t0;
		while (m < nmarks && marks[m] == i + 1)
			rss_at[m++] = rss_kb();
	}
	total = now_us() - start;

	printf("n=%ld fails=%ld total_us=%.0f mean_us=%.2f", n, fails, total, total / (double)n);
	if (keep_times) {
		qsort(times, (size_t)n, sizeof(*times), cmp_double);
		printf(" p10_us=%.2f p50_us=%.2f p90_us=%.2f max_us=%.2f",
		       quantile(times, n, 0.10), quantile(times, n, 0.50),
		       quantile(times, n, 0.90), times[n - 1]);
	}
	printf(" rss_kb=%ld", rss_kb());
	for (long k = 0; k < m; k++)
		printf(" rss_at_%ld=%ld", marks[k], rss_at[k]);
	printf("\n");
	free(times);
	if (fails > 0) {
		fprintf(stderr, "pam_loop: %s: %ld of %ld decisions not as expected; last of them: %s\n",
			argv[optind], fails, n,
			fresh ? "(see the child's message above)" : fail_msg[0] ? fail_msg : "(no message)");
		return 1;
	}
	return 0;
}
