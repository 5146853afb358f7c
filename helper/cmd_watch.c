/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct watch: the revocation daemon (design.md section 8).  The work of
 * a pass is nhi_watch_pass (lib/sessions.c); this file is the loop around
 * it: sleep until the next deadline (a CLOCK_REALTIME timerfd at the
 * earliest window end, warn mark or recheck, cancelled when the clock is
 * set), wake early when records come and go (inotify on state_dir), and
 * end on SIGTERM/SIGINT read through a signalfd (no signal handlers).
 * Talks to systemd (Type=notify): READY=1 after the first pass, which
 * already revokes what became overdue while the watch was down; STATUS=;
 * WATCHDOG=1 when WatchdogSec= is set.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "cmd.h"
#include "nhi.h"
#include "proc.h"
#include "watch.h"

static int
watch_usage(FILE *f)
{
	fprintf(f,
		"usage: nhiacct [--conf PATH] watch\n"
		"\n"
		"The revocation daemon: ends vendor sessions when their ticket's window\n"
		"closes (revoke record, reason expired), warns them warn_before ahead,\n"
		"and re-fetches live tickets every recheck (withdrawn tickets: reason\n"
		"withdrawn).  Runs in the foreground; meant for nhiacct-watch.service.\n"
		"Exit status: 0 on SIGTERM/SIGINT, 2 on a config or state_dir error.\n");
	return f == stdout ? NHI_EXIT_OK : NHI_EXIT_USAGE;
}

/* Arms the timer at the absolute wall-clock second at. */
static int
arm(int tfd, int64_t at)
{
	struct itimerspec its = { .it_value = { .tv_sec = (time_t)at, .tv_nsec = 0 } };

	if (at <= 0)
		its.it_value.tv_sec = 1;        /* in the past: fires at once */
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) < 0)
		return -errno;
	return 0;
}

static void
drain(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
cmd_watch(const struct nhi_cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nhi_watch w = { .dirfd = -1 };
	struct nhi_conf c;
	struct pollfd pfd[4];
	sigset_t mask;
	uint64_t wd_usec = 0;
	int64_t wd_ms = -1, last_wd = 0;
	int ifd = -1, sfd = -1, tfd = -1, ch, r, rc = NHI_EXIT_USAGE;
	bool ready = false;
	char err[512], why[256];

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'h')
			return watch_usage(stdout);
		return watch_usage(stderr);
	}
	if (optind < argc)
		return watch_usage(stderr);
	if (nhi_cmd_load_conf(ctx, &c) < 0)
		return NHI_EXIT_USAGE;
	if (nhi_watch_init(&w, &c, NHI_CMD_IDENTIFIER, err, sizeof(err)) < 0) {
		fprintf(stderr, "nhiacct watch: %s\n", err);
		sd_notifyf(0, "STATUS=%s", err);
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0 ||
	    (ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0 ||
	    inotify_add_watch(ifd, c.state_dir, IN_CREATE | IN_MOVED_TO | IN_DELETE |
			      IN_MOVED_FROM | IN_CLOSE_WRITE | IN_ONLYDIR) < 0 ||
	    (tfd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK)) < 0) {
		fprintf(stderr, "nhiacct watch: %s\n", strerror(errno));
		goto out;
	}
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec >= 2000)
		wd_ms = (int64_t)(wd_usec / 2000);      /* half the interval */
	/* "cannot read /proc/PID" must never mean "gone": say it loudly */
	if (nhi_proc_visible_all(why, sizeof(why)) < 0 && why[0] != '\0') {
		nhi_log(LOG_ERR, "%s: processes of other users cannot be listed; sessions are "
			"still ended by uid and through logind, but process counts and warnings "
			"may be short (give the service CAP_SYS_PTRACE)", why);
		sd_notifyf(0, "STATUS=degraded: %s", why);
	}
	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = ifd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = tfd, .events = POLLIN };
	nhi_log(LOG_INFO, "watching %s (recheck %" PRId64 "s)", c.state_dir, c.recheck);
	for (;;) {
		int64_t next, timeout;

		if ((r = nhi_watch_pass(&w, (int64_t)time(NULL), &next)) < 0) {
			/* e.g. out of memory: try again shortly, never spin */
			nhi_log(LOG_ERR, "pass failed: %s", strerror(-r));
			next = (int64_t)time(NULL) + 1;
		}
		if ((r = arm(tfd, next)) < 0) {
			fprintf(stderr, "nhiacct watch: timerfd: %s\n", strerror(-r));
			goto out;
		}
		sd_notifyf(0, "%sSTATUS=%zu live session(s); %zu revoked, %zu warned, %zu stale "
			   "since start", ready ? "" : "READY=1\n", w.live.n, w.revoked, w.warned,
			   w.stale);
		ready = true;
		timeout = nhi_watch_recheck_left_ms(&w);
		pfd[3] = (struct pollfd){ .fd = nhi_watch_recheck_fd(&w), .events = POLLIN };
		if (wd_ms > 0) {
			int64_t t = mono_ms();
			if (t - last_wd >= wd_ms) {
				sd_notify(0, "WATCHDOG=1");
				last_wd = t;
			}
			if (timeout < 0 || wd_ms - (t - last_wd) < timeout)
				timeout = wd_ms - (t - last_wd);
			if (timeout < 0)
				timeout = 0;
		}
		for (;;) {
			r = poll(pfd, 4, (int)timeout);
			if (r >= 0 || errno != EINTR)
				break;
		}
		if (r < 0) {
			fprintf(stderr, "nhiacct watch: poll: %s\n", strerror(errno));
			goto out;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					w.next_recheck = 0;     /* recheck every ticket now */
					continue;
				}
				nhi_log(LOG_INFO, "signal %u: exiting", si.ssi_signo);
				sd_notify(0, "STOPPING=1");
				rc = NHI_EXIT_OK;
				goto out;
			}
		}
		if (pfd[1].revents & POLLIN)
			drain(ifd);
		if (pfd[2].revents & POLLIN)
			drain(tfd);     /* ECANCELED (clock set) too: recompute */
		if (nhi_watch_recheck_fd(&w) >= 0)
			(void)nhi_watch_recheck_collect(&w);
	}
out:
	if (tfd >= 0)
		close(tfd);
	if (ifd >= 0)
		close(ifd);
	if (sfd >= 0)
		close(sfd);
	nhi_watch_free(&w);
	nhi_conf_free(&c);
	return rc;
}
