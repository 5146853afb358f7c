/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ending sessions (revoke.h).  Runs as root on behalf of sessions of other
 * users, so it trusts nothing it did not write itself: pids are signalled
 * only through a pidfd after their start time proved they are still the
 * recorded process, and a logind session is ended only after logind says it
 * belongs to the record's uid.
 */
#include <errno.h>
#include <stdarg.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-login.h>

#include "audit.h"
#include "conf.h"
#include "log.h"
#include "text.h"
#include "ticket.h"
#include "util.h"
#include "revoke.h"
#include "timeutil.h"

#define NOBODY_GID 65534

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

static bool
set_has(const struct nhi_proc_set *ps, const struct nhi_proc *p)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].pid == p->pid && ps->v[i].start_time == p->start_time)
			return true;
	return false;
}

static int
set_add(struct nhi_proc_set *ps, const struct nhi_proc *p)
{
	struct nhi_proc *nv;

	if (set_has(ps, p))
		return 0;
	/* grows one by one: the sets here are a session's processes */
	if ((nv = reallocarray(ps->v, ps->n + 1, sizeof(*nv))) == NULL)
		return -ENOMEM;
	ps->v = nv;
	ps->v[ps->n++] = *p;
	return 0;
}

/*
 * One kill(-1, SIGKILL) as uid, from a child: 1 something was signalled,
 * 0 nothing of the uid is left to signal, negative errno if the child
 * could not become uid.  Only async-signal-safe calls in the child.
 */
static int
kill_all_as(uid_t uid)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(NOBODY_GID, NOBODY_GID, NOBODY_GID) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			_exit(3);
		if (kill(-1, SIGKILL) == 0)
			_exit(0);
		_exit(errno == ESRCH ? 1 : 2);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status))
		return -ECHILD;
	switch (WEXITSTATUS(status)) {
	case 0: return 1;
	case 1: return 0;
	case 3: return -EPERM;
	default: return -EIO;
	}
}

int
nhi_uid_kill(uid_t uid, int budget_ms, struct nhi_proc_set *seen)
{
	int64_t until = nhi_mono_ms() + budget_ms;
	int r;

	if (uid == 0)
		return -EINVAL;
	for (int round = 0;; round++) {
		struct nhi_proc_set now = { NULL, 0 };
		int lr = nhi_proc_of_uid(uid, &now);

		for (size_t i = 0; lr == 0 && i < now.n; i++)
			(void)set_add(seen, &now.v[i]);
		/* the listing may be blind (hidepid=): never stop before one
		 * kill, and trust an empty listing only after it */
		if (round > 0 && lr == 0 && now.n == 0) {
			nhi_proc_set_free(&now);
			return 0;
		}
		nhi_proc_set_free(&now);
		if ((r = kill_all_as(uid)) < 0)
			return r;
		if (r == 0 && round > 0)
			return 0;       /* the kernel found nothing to signal */
		if (nhi_mono_ms() >= until)
			return -ETIMEDOUT;
		poll(NULL, 0, 10);      /* let the killed die */
	}
}

/* ---- logind ------------------------------------------------------------ */

/* logind ids are short alphanumerics ("c1", "42"); anything else is not one */
static bool
logind_id_ok(const char *id)
{
	return nhi_str_in_set(id, 1, 64, NHI_CS_ALNUM "_-");
}

/* One method call on logind's manager, 2 s at most. */
static int
logind_call(const char *method, const char *types, ...)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	sd_bus *bus = NULL;
	va_list ap;
	int r;

	if (sd_booted() <= 0)
		return -ENOMEDIUM;      /* no systemd, no logind: skip the bus */
	if ((r = sd_bus_open_system(&bus)) < 0)
		goto out;
	(void)sd_bus_set_method_call_timeout(bus, 2 * 1000000ULL);
	if ((r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.login1",
						"/org/freedesktop/login1",
						"org.freedesktop.login1.Manager", method)) < 0)
		goto out;
	va_start(ap, types);
	r = sd_bus_message_appendv(m, types, ap);
	va_end(ap);
	if (r < 0)
		goto out;
	if ((r = sd_bus_call(bus, m, 0, &error, NULL)) < 0)
		nhi_log(LOG_INFO, "logind %s: %s", method,
			error.message ? error.message : strerror(-r));
out:
	sd_bus_error_free(&error);
	sd_bus_message_unref(m);
	sd_bus_flush_close_unref(bus);
	return r;
}

/*
 * TerminateSession for an open record: its recorded logind id, else the
 * session of one of the opener's descendants (pam_systemd runs after us,
 * and the opener, sshd's monitor, stays outside the session scope).  The
 * id is only trusted when logind says the session is the record's uid's.
 */
static int
logind_end_session(const struct nhi_session *s, const struct nhi_proc_set *kids)
{
	char *found = NULL;
	const char *sid = s->logind;
	uid_t owner;
	int r;

	for (size_t i = 0; sid == NULL && i < kids->n && found == NULL; i++)
		if (sd_pid_get_session(kids->v[i].pid, &found) < 0)
			found = NULL;
	if (sid == NULL)
		sid = found;
	if (sid == NULL || !logind_id_ok(sid)) {
		r = -ENOENT;
	} else if ((r = sd_session_get_uid(sid, &owner)) < 0) {
		/* unknown to logind */
	} else if (owner != s->uid) {
		nhi_log(LOG_WARNING, "session %s: logind session %s belongs to uid %u, not %u; "
			"left alone", s->id, sid, (unsigned)owner, (unsigned)s->uid);
		r = -EPERM;
	} else {
		r = logind_call("TerminateSession", "s", sid);
	}
	free(found);
	return r;
}

/* The whole user in logind: every session (abandoned scopes too), the user
 * manager user@UID.service, and lingering, which would start it again. */
static bool
logind_end_user(uid_t uid)
{
	bool done = false;

	if (sd_booted() <= 0)
		return false;
	if (logind_call("SetUserLinger", "ubb", (uint32_t)uid, 0, 0) >= 0)
		done = true;
	if (logind_call("TerminateUser", "u", (uint32_t)uid) >= 0)
		done = true;
	return done;
}

/* ---- one revocation ------------------------------------------------------ */

struct nhi_revocation {
	struct nhi_proc opener;
	struct nhi_proc_set kids;       /* the opener's descendants, when trusted */
	struct nhi_proc_set ended;      /* what was signalled or swept */
	struct nhi_kill_report rep;
	bool opener_ok;                 /* the recorded opener is still that process */
};

int
nhi_revoke_begin(int dirfd, const struct nhi_session *s, struct nhi_revocation **out)
{
	struct nhi_revocation *rv;
	int r;

	*out = NULL;
	if ((rv = calloc(1, sizeof(*rv))) == NULL)
		return -ENOMEM;
	/* the claim: whoever removes the record ends the session */
	if ((r = nhi_session_remove(dirfd, s)) < 0) {
		free(rv);
		return r;
	}
	rv->rep.connected = !s->closed;
	if (!s->closed) {
		rv->opener = (struct nhi_proc){ s->pid, s->start_time };
		r = nhi_proc_check(s->pid, s->start_time);
		rv->rep.opener_stale = r == -ESTALE;
		rv->opener_ok = r == 0;
		/* collect first: once the opener ends, its children are
		 * reparented and no longer found by the ppid chain */
		if (rv->opener_ok && (r = nhi_proc_descendants(s->pid, &rv->kids)) < 0) {
			nhi_log(LOG_ERR, "session %s: cannot list its processes: %s", s->id,
				strerror(-r));
			rv->rep.incomplete = true;
		}
		if (logind_end_session(s, &rv->kids) >= 0)
			rv->rep.logind = true;
		if (rv->opener_ok && nhi_proc_signal(&rv->opener, SIGTERM) == 0)
			(void)set_add(&rv->ended, &rv->opener);
		for (size_t i = 0; i < rv->kids.n; i++)
			if (nhi_proc_signal(&rv->kids.v[i], SIGTERM) == 0)
				(void)set_add(&rv->ended, &rv->kids.v[i]);
	}
	*out = rv;
	return 0;
}

static bool
pending(const struct nhi_revocation *rv)
{
	for (size_t i = 0; i < rv->ended.n; i++)
		if (nhi_proc_check(rv->ended.v[i].pid, rv->ended.v[i].start_time) == 0)
			return true;
	return false;
}

/* Is another record of uid still inside its window?  Errors say yes: then
 * the uid's processes are spared, and the failure is logged. */
static bool
uid_has_valid_sessions(int dirfd, uid_t uid, int64_t now)
{
	struct nhi_session_list l;
	bool yes = false;
	int r;

	if ((r = nhi_session_list(dirfd, &l)) < 0) {
		nhi_log(LOG_ERR, "cannot list session records (%s): processes of uid %u spared",
			strerror(-r), (unsigned)uid);
		return true;
	}
	for (size_t i = 0; i < l.n && !yes; i++)
		yes = l.v[i].uid == uid && l.v[i].not_after > now;
	nhi_session_list_free(&l);
	return yes;
}

static void
revoke_record(const struct nhi_conf *c, const struct nhi_session *s, const struct nhi_revoke_why *why,
	      const struct nhi_kill_report *rep)
{
	struct nhi_record rec;
	char msg[512], user[96];
	struct nhi_ticket t;
	int64_t d = (int64_t)time(NULL) - s->opened;
	int r;

	nhi_session_record(s, NHI_EV_REVOKE, why->identifier, c->host, &t, &rec);
	nhi_escape(user, sizeof(user), s->user);
	snprintf(msg, sizeof(msg), "Session %s of %s revoked (%s) after %" PRId64 "s (ticket %s): "
		 "%zu process(es) ended, %s%s", s->id, user, why->reason, d < 0 ? 0 : d, s->ticket,
		 rep->ended, rep->connected ? "the vendor was still connected" :
		 "left running after logout",
		 rep->incomplete ? "; NOT every process could be ended or confirmed" : "");
	if (rep->incomplete)
		rec.priority = LOG_ERR;
	rec.reason = why->reason;
	rec.duration = d < 0 ? 0 : d;
	rec.message = msg;
	rec.has_processes = true;
	rec.processes = rep->ended;
	rec.connected = rep->connected ? "yes" : "no";
	rec.note = rep->incomplete ? "incomplete" : NULL;
	rec.extra = why->op;
	rec.detail = why->detail;
	if ((r = nhi_audit(&rec)) < 0)
		nhi_log(LOG_ERR, "revoke record of session %s not written to the journal: %s",
			s->id, strerror(-r));
}

bool
nhi_revoke_finish(const struct nhi_conf *c, int dirfd, const struct nhi_session *s,
		  const struct nhi_revoke_why *why, struct nhi_revocation *rv, int64_t until_ms,
		  struct nhi_kill_report *rep)
{
	int64_t now = (int64_t)time(NULL);
	bool sweep, recorded;
	int r;

	while (nhi_mono_ms() < until_ms && pending(rv))
		poll(NULL, 0, 10);
	for (size_t i = 0; i < rv->ended.n; i++)
		(void)nhi_proc_signal(&rv->ended.v[i], SIGKILL);
	/* the uid, unless another record of it is still inside its window;
	 * never root, never a break-glass account */
	sweep = s->uid != 0 && !nhi_strv_contains(&c->exempt_users, s->user) &&
		!uid_has_valid_sessions(dirfd, s->uid, now);
	if (sweep) {
		if (logind_end_user(s->uid))
			rv->rep.logind = true;
		if ((r = nhi_uid_kill(s->uid, NHI_UID_KILL_MS, &rv->ended)) < 0) {
			nhi_log(LOG_ERR, "session %s: processes of uid %u not all ended: %s", s->id,
				(unsigned)s->uid, strerror(-r));
			rv->rep.incomplete = true;
		} else {
			rv->rep.uid_swept = true;
		}
	}
	rv->rep.ended = rv->ended.n;
	recorded = rv->rep.connected || rv->rep.ended > 0 || rv->rep.incomplete ||
		   why->always_record;
	if (recorded)
		revoke_record(c, s, why, &rv->rep);
	nhi_log(rv->rep.incomplete ? LOG_ERR : LOG_NOTICE, "session %s of %s (ticket %s) %s: "
		"%s; %zu process(es) ended%s%s%s", s->id, s->user, s->ticket,
		rv->rep.connected ? "revoked" : "ended after logout", why->reason, rv->rep.ended,
		rv->rep.uid_swept ? ", uid swept" : sweep ? "" : ", uid spared (another valid session)",
		rv->rep.logind ? ", through logind" : "",
		rv->rep.opener_stale ? "; its recorded pid belongs to another process now" : "");
	if (rep != NULL)
		*rep = rv->rep;
	nhi_proc_set_free(&rv->kids);
	nhi_proc_set_free(&rv->ended);
	free(rv);
	return recorded;
}

int
nhi_session_revoke(const struct nhi_conf *c, int dirfd, const struct nhi_session *s,
		   const struct nhi_revoke_why *why, struct nhi_kill_report *rep)
{
	struct nhi_revocation *rv;
	int r;

	if ((r = nhi_revoke_begin(dirfd, s, &rv)) < 0)
		return r;
	return nhi_revoke_finish(c, dirfd, s, why, rv, nhi_mono_ms() + NHI_GRACE_MS, rep) ? 0 : 1;
}
