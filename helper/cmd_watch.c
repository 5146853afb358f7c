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
#include "timeutil.h"
#include "proc.h"
#include "watch.h"
#include "conf.h"
#include "log.h"

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

/* Reads the folder events; true when one is about ticket_dir (a ticket
 * written, withdrawn, removed: its sessions are rechecked at once). */
static bool
drain_events(int fd, int tickets_wd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool tickets = false;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (tickets_wd >= 0 && ev->wd == tickets_wd)
				tickets = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	return tickets;
}

/* The descriptors the loop waits on, and its watchdog state. */
struct loop {
	int sfd, ifd, tfd;      /* signals, state_dir changes, the next deadline */
	int tickets_wd;         /* ticket_dir's watch on ifd (file backend), or -1 */
	int64_t wd_ms, last_wd; /* half of WatchdogSec=, or -1; last ping */
	bool ready;             /* READY=1 sent */
};

static void
loop_close(struct loop *l)
{
	if (l->tfd >= 0)
		close(l->tfd);
	if (l->ifd >= 0)
		close(l->ifd);
	if (l->sfd >= 0)
		close(l->sfd);
}

/* SIGTERM, SIGINT and SIGHUP through a signalfd (no handlers), inotify on
 * the state folder, a wall-clock timerfd, the watchdog interval. */
static int
loop_open(struct loop *l, const struct nhi_conf *c)
{
	const char *state_dir = c->state_dir;
	uint64_t wd_usec = 0;
	sigset_t mask;

	*l = (struct loop){ .sfd = -1, .ifd = -1, .tfd = -1, .wd_ms = -1, .tickets_wd = -1 };
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (l->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0 ||
	    (l->ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0 ||
	    inotify_add_watch(l->ifd, state_dir, IN_CREATE | IN_MOVED_TO | IN_DELETE |
			      IN_MOVED_FROM | IN_CLOSE_WRITE | IN_ONLYDIR) < 0 ||
	    (l->tfd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK)) < 0)
		return -errno;
	/* the file backend: a ticket withdrawn (nhiacct ticket withdraw, or an
	 * edit) ends its sessions now, not at the next recheck */
	if (c->backend == NHI_BACKEND_FILE &&
	    (l->tickets_wd = inotify_add_watch(l->ifd, c->ticket_dir, IN_MOVED_TO |
					       IN_CLOSE_WRITE | IN_DELETE | IN_ONLYDIR)) < 0)
		nhi_log(LOG_WARNING, "%s: %s: withdrawn tickets are seen at the next recheck only",
			c->ticket_dir, strerror(errno));
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec >= 2000)
		l->wd_ms = (int64_t)(wd_usec / 2000);   /* half the interval */
	return 0;
}

/* "Cannot read /proc/PID" must never mean "gone": say it loudly. */
static void
warn_if_blind(void)
{
	char why[256];

	if (nhi_proc_visible_all(why, sizeof(why)) < 0 && why[0] != '\0') {
		nhi_log(LOG_ERR, "%s: processes of other users cannot be listed; sessions are "
			"still ended by uid and through logind, but process counts and warnings "
			"may be short (give the service CAP_SYS_PTRACE)", why);
		sd_notifyf(0, "STATUS=degraded: %s", why);
	}
}

/* How long poll may sleep: until the recheck's budget ends or the next
 * watchdog ping is due (pinging when it is), else forever (-1). */
static int
loop_timeout(struct loop *l, const struct nhi_watch *w)
{
	int64_t timeout = nhi_watch_recheck_left_ms(w), t;

	if (l->wd_ms <= 0)
		return (int)timeout;
	t = nhi_mono_ms();
	if (t - l->last_wd >= l->wd_ms) {
		sd_notify(0, "WATCHDOG=1");
		l->last_wd = t;
	}
	if (timeout < 0 || l->wd_ms - (t - l->last_wd) < timeout)
		timeout = l->wd_ms - (t - l->last_wd);
	return timeout < 0 ? 0 : (int)timeout;
}

/* Signals read: SIGHUP asks for a recheck of every ticket now; SIGTERM and
 * SIGINT end the watch (returns true). */
static bool
loop_signals(struct loop *l, struct nhi_watch *w)
{
	struct signalfd_siginfo si;

	while (read(l->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			w->next_recheck = 0;
			continue;
		}
		nhi_log(LOG_INFO, "signal %u: exiting", si.ssi_signo);
		sd_notify(0, "STOPPING=1");
		return true;
	}
	return false;
}

/* One round: a pass, the timer armed at the next deadline, the status
 * told, then wait for a deadline, a change of the folder, the recheck's
 * answers or a signal.  0 go on, 1 asked to stop, < 0 failed. */
static int
loop_round(struct loop *l, struct nhi_watch *w)
{
	struct pollfd pfd[4];
	int64_t next;
	int r;

	if ((r = nhi_watch_pass(w, (int64_t)time(NULL), &next)) < 0) {
		/* e.g. out of memory: try again shortly, never spin */
		nhi_log(LOG_ERR, "pass failed: %s", strerror(-r));
		next = (int64_t)time(NULL) + 1;
	}
	if ((r = arm(l->tfd, next)) < 0) {
		fprintf(stderr, "nhiacct watch: timerfd: %s\n", strerror(-r));
		return r;
	}
	sd_notifyf(0, "%sSTATUS=%zu live session(s); %zu revoked, %zu warned, %zu stale since "
		   "start", l->ready ? "" : "READY=1\n", w->live.n, w->revoked, w->warned,
		   w->stale);
	l->ready = true;
	pfd[0] = (struct pollfd){ .fd = l->sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = l->ifd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = l->tfd, .events = POLLIN };
	pfd[3] = (struct pollfd){ .fd = nhi_watch_recheck_fd(w), .events = POLLIN };
	while ((r = poll(pfd, 4, loop_timeout(l, w))) < 0 && errno == EINTR)
		;
	if (r < 0) {
		fprintf(stderr, "nhiacct watch: poll: %s\n", strerror(errno));
		return -errno;
	}
	if ((pfd[0].revents & POLLIN) && loop_signals(l, w))
		return 1;
	if ((pfd[1].revents & POLLIN) && drain_events(l->ifd, l->tickets_wd))
		w->next_recheck = 0;
	if (pfd[2].revents & POLLIN)
		drain(l->tfd);          /* ECANCELED (clock set) too: recompute */
	if (nhi_watch_recheck_fd(w) >= 0)
		(void)nhi_watch_recheck_collect(w);
	return 0;
}

int
cmd_watch(const struct nhi_cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nhi_watch w = { .dirfd = -1 };
	struct loop l = { .sfd = -1, .ifd = -1, .tfd = -1 };
	struct nhi_conf c;
	int ch, r, rc = NHI_EXIT_USAGE;
	char err[512];

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return ch == 'h' ? watch_usage(stdout) : nhi_cmd_usage_error(argv[0], NULL);
	if (optind < argc)
		return nhi_cmd_usage_error(argv[0], "unexpected argument");
	if (nhi_cmd_load_conf(ctx, &c) < 0)
		return NHI_EXIT_USAGE;
	if (nhi_watch_init(&w, &c, NHI_CMD_IDENTIFIER, err, sizeof(err)) < 0) {
		fprintf(stderr, "nhiacct watch: %s\n", err);
		sd_notifyf(0, "STATUS=%s", err);
		goto out;
	}
	if ((r = loop_open(&l, &c)) < 0) {
		fprintf(stderr, "nhiacct watch: %s\n", strerror(-r));
		goto out;
	}
	warn_if_blind();
	nhi_log(LOG_INFO, "watching %s (recheck %" PRId64 "s)", c.state_dir, c.recheck);
	while ((r = loop_round(&l, &w)) == 0)
		;
	if (r == 1)
		rc = NHI_EXIT_OK;
out:
	loop_close(&l);
	nhi_watch_free(&w);
	nhi_conf_free(&c);
	return rc;
}
