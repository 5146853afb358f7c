/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session store (lib/session_store.c), /proc (lib/proc.c), the watch's
 * deadlines (lib/watch.c) and the process work of revocation (lib/revoke.c;
 * design.md section 8): records round-trip and are written atomically,
 * state_dir is refused when others could touch it, the watch's deadlines,
 * /proc/PID/stat parsing, and "a recorded pid that now belongs to another
 * process is never signalled".
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>
#include <poll.h>
#include <unistd.h>

#include <cmocka.h>

#include "nhi.h"
#include "proc.h"
#include "revoke.h"
#include "session_store.h"
#include "watch.h"

/* 2026-11-22T09:00:00Z */
#define T0 INT64_C(1795338000)

static const char ID1[] = "0123456789abcdef0123456789abcdef";
static const char ID2[] = "fedcba9876543210fedcba9876543210";

static void
fill(struct nhi_session *s, const char *id, int64_t opened, int64_t not_after)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->id, id, NHI_SESSION_ID_LEN + 1);
	s->user = strdup("vendor1");
	s->uid = 20001;
	s->ticket = strdup("CHG-1042");
	s->approver = strdup("alice");
	s->opened = opened;
	s->not_after = not_after;
	s->pid = 4242;
	s->start_time = 987654321;
	s->tty = strdup("ssh");
	s->rhost = strdup("192.0.2.7");
	s->service = strdup("sshd");
}

/* A fresh 0700 folder of our own under /tmp; the caller removes it. */
static char *
tmpdir(void)
{
	char *d = strdup("/tmp/nhi-test-sessions.XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	assert_int_equal(chmod(d, 0700), 0);
	return d;
}

static void
rmdir_all(const char *d)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
}

/* ---- ids and the record --------------------------------------------- */

static void
test_session_id_is_128_bit_hex(void **state)
{
	char a[NHI_SESSION_ID_LEN + 1], b[NHI_SESSION_ID_LEN + 1];

	(void)state;
	assert_int_equal(nhi_session_new_id(a), 0);
	assert_int_equal(nhi_session_new_id(b), 0);
	assert_int_equal(strlen(a), 32);
	assert_true(nhi_session_id_valid(a));
	assert_string_not_equal(a, b);
	assert_false(nhi_session_id_valid("0123456789ABCDEF0123456789abcdef"));
	assert_false(nhi_session_id_valid("0123456789abcdef0123456789abcde"));
	assert_false(nhi_session_id_valid("0123456789abcdef0123456789abcdef0"));
	assert_false(nhi_session_id_valid("../3456789abcdef0123456789abcdef"));
	assert_false(nhi_session_id_valid(""));
	assert_false(nhi_session_id_valid(NULL));
}

static void
test_record_round_trip(void **state)
{
	struct nhi_session s, back;
	json_t *doc;

	(void)state;
	fill(&s, ID1, T0, T0 + 7200);
	s.logind = strdup("c42");
	assert_int_equal(nhi_session_to_json(&s, &doc), 0);
	assert_string_equal(json_string_value(json_object_get(doc, "not_after")),
			    "2026-11-22T11:00:00Z");
	assert_int_equal(nhi_session_from_json(doc, &back), 0);
	json_decref(doc);
	assert_string_equal(back.id, ID1);
	assert_string_equal(back.user, "vendor1");
	assert_int_equal(back.uid, 20001);
	assert_string_equal(back.ticket, "CHG-1042");
	assert_string_equal(back.approver, "alice");
	assert_int_equal(back.opened, T0);
	assert_int_equal(back.not_after, T0 + 7200);
	assert_int_equal(back.pid, 4242);
	assert_int_equal(back.start_time, 987654321);
	assert_string_equal(back.logind, "c42");
	assert_string_equal(back.tty, "ssh");
	assert_string_equal(back.rhost, "192.0.2.7");
	assert_string_equal(back.service, "sshd");
	nhi_session_free(&back);
	nhi_session_free(&s);
}

static void
test_record_malformed_refused(void **state)
{
	static const char *const bad[] = {
		"{}",
		"[]",
		/* id not 32 hex */
		"{\"session\":\"x\",\"user\":\"u\",\"uid\":1,\"ticket\":\"T\",\"pid\":2,"
		"\"start_time\":3,\"not_after\":\"2026-11-22T11:00:00Z\",\"opened\":\"1\"}",
		/* ticket id breaks the syntax */
		"{\"session\":\"0123456789abcdef0123456789abcdef\",\"user\":\"u\",\"uid\":1,"
		"\"ticket\":\"../x\",\"pid\":2,\"start_time\":3,\"not_after\":\"1\",\"opened\":\"1\"}",
		/* pid 0 */
		"{\"session\":\"0123456789abcdef0123456789abcdef\",\"user\":\"u\",\"uid\":1,"
		"\"ticket\":\"T\",\"pid\":0,\"start_time\":3,\"not_after\":\"1\",\"opened\":\"1\"}",
		/* uid a string */
		"{\"session\":\"0123456789abcdef0123456789abcdef\",\"user\":\"u\",\"uid\":\"1\","
		"\"ticket\":\"T\",\"pid\":2,\"start_time\":3,\"not_after\":\"1\",\"opened\":\"1\"}",
		/* no not_after */
		"{\"session\":\"0123456789abcdef0123456789abcdef\",\"user\":\"u\",\"uid\":1,"
		"\"ticket\":\"T\",\"pid\":2,\"start_time\":3,\"opened\":\"1\"}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nhi_session s;
		json_t *doc = json_loads(bad[i], 0, NULL);

		assert_non_null(doc);
		assert_int_equal(nhi_session_from_json(doc, &s), -EBADMSG);
		nhi_session_free(&s);
		json_decref(doc);
	}
}

/* ---- the folder -------------------------------------------------------- */

static void
test_write_read_remove_atomic(void **state)
{
	struct nhi_session s, back;
	struct stat st;
	char *d = tmpdir(), err[256], path[512];
	int fd;

	(void)state;
	fd = nhi_state_dir_open(d, false, err, sizeof(err));
	assert_true(fd >= 0);
	fill(&s, ID1, T0, T0 + 60);
	assert_int_equal(nhi_session_write(fd, &s), 0);
	/* the record, 0600, and no temp file left beside it */
	snprintf(path, sizeof(path), "%s/%s.json", d, ID1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(path, sizeof(path), "%s/.%s.tmp", d, ID1);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(nhi_session_read(fd, ID1, &back), 0);
	assert_string_equal(back.ticket, "CHG-1042");
	nhi_session_free(&back);
	assert_false(back.closed);
	nhi_session_free(&back);
	/* closing is a claim too: the second closer learns it was closed */
	assert_int_equal(nhi_session_mark_closed(fd, ID1), 0);
	assert_int_equal(nhi_session_mark_closed(fd, ID1), -ENOENT);
	assert_int_equal(nhi_session_read(fd, ID1, &back), 0);
	assert_true(back.closed);
	snprintf(path, sizeof(path), "%s/%s.closed", d, ID1);
	assert_int_equal(stat(path, &st), 0);
	/* removing is the claim: the second remover learns it was gone */
	s.closed = false;
	assert_int_equal(nhi_session_remove(fd, &s), -ENOENT);  /* not open any more */
	assert_int_equal(nhi_session_remove(fd, &back), 0);
	assert_int_equal(nhi_session_remove(fd, &back), -ENOENT);
	nhi_session_free(&back);
	assert_int_equal(nhi_session_read(fd, ID1, &back), -ENOENT);
	assert_int_equal(nhi_session_read(fd, "../../etc/passwd", &back), -EINVAL);
	nhi_session_free(&s);
	close(fd);
	rmdir_all(d);
	free(d);
}

static void
test_write_leaves_nothing_on_failure(void **state)
{
	struct nhi_session s;
	char *d = tmpdir(), err[256], path[512];
	int fd;

	(void)state;
	fd = nhi_state_dir_open(d, false, err, sizeof(err));
	assert_true(fd >= 0);
	/* a temp name taken by someone else (a symlink planted there) */
	snprintf(path, sizeof(path), "%s/.%s.tmp", d, ID1);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	fill(&s, ID1, T0, T0 + 60);
	assert_int_equal(nhi_session_write(fd, &s), -EEXIST);
	snprintf(path, sizeof(path), "%s/%s.json", d, ID1);
	assert_int_equal(access(path, F_OK), -1);
	nhi_session_free(&s);
	close(fd);
	rmdir_all(d);
	free(d);
}

static void
test_list_bounded_and_filtered(void **state)
{
	struct nhi_session a, b;
	struct nhi_session_list l;
	char *d = tmpdir(), err[256], path[512];
	FILE *f;
	int fd;

	(void)state;
	fd = nhi_state_dir_open(d, false, err, sizeof(err));
	assert_true(fd >= 0);
	fill(&a, ID2, T0, T0 + 60);
	fill(&b, ID1, T0, T0 + 120);
	assert_int_equal(nhi_session_write(fd, &a), 0);
	assert_int_equal(nhi_session_write(fd, &b), 0);
	/* names that are not records, a malformed record, a symlink record */
	snprintf(path, sizeof(path), "%s/notes.txt", d);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	snprintf(path, sizeof(path), "%s/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json", d);
	assert_non_null(f = fopen(path, "w"));
	fputs("{not json", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.json", d);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/.%s.tmp", d, "cccccccccccccccccccccccccccccccc");
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	assert_int_equal(nhi_session_mark_closed(fd, ID2), 0);
	assert_int_equal(nhi_session_list(fd, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].id, ID1);    /* sorted */
	assert_string_equal(l.v[1].id, ID2);
	assert_false(l.v[0].closed);
	assert_true(l.v[1].closed);             /* closed records are listed too */
	assert_non_null(nhi_session_find(&l, ID2));
	assert_null(nhi_session_find(&l, "dddddddddddddddddddddddddddddddd"));
	nhi_session_list_free(&l);
	nhi_session_free(&a);
	nhi_session_free(&b);
	close(fd);
	rmdir_all(d);
	free(d);
}

static void
test_state_dir_permissions(void **state)
{
	char *d = tmpdir(), err[256], sub[512], link[512];
	struct stat st;
	int fd;

	(void)state;
	/* missing: created 0700 when asked, else ENOENT */
	snprintf(sub, sizeof(sub), "%s/run", d);
	assert_int_equal(nhi_state_dir_open(sub, false, err, sizeof(err)), -ENOENT);
	fd = nhi_state_dir_open(sub, true, err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* looser than 0700: refused, with a clear reason */
	assert_int_equal(chmod(sub, 0755), 0);
	assert_int_equal(nhi_state_dir_open(sub, true, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "0755"));
	assert_int_equal(chmod(sub, 0710), 0);
	assert_int_equal(nhi_state_dir_open(sub, false, err, sizeof(err)), -EPERM);
	assert_int_equal(chmod(sub, 0700), 0);
	/* a symlink to a good folder is still refused */
	snprintf(link, sizeof(link), "%s/link", d);
	assert_int_equal(symlink(sub, link), 0);
	assert_true(nhi_state_dir_open(link, false, err, sizeof(err)) < 0);
	/* another owner: refused (only testable as root) */
	if (geteuid() == 0) {
		assert_int_equal(chown(sub, 65534, 65534), 0);
		assert_int_equal(nhi_state_dir_open(sub, false, err, sizeof(err)), -EPERM);
		assert_non_null(strstr(err, "owned by uid 65534"));
	}
	assert_int_equal(nhi_state_dir_open("relative/run", true, err, sizeof(err)), -EINVAL);
	rmdir_all(d);
	free(d);
}

/* ---- deadlines --------------------------------------------------------- */

static void
test_deadline_table(void **state)
{
	static const int64_t marks[] = { 900, 60 };       /* warn_before = 15m 1m */
	static const struct {
		const char *what;
		int64_t opened, not_after;
		uint32_t warned;
		bool closed;
		int64_t now;
		int kind;               /* -1 nothing due, else NHI_DUE_* */
		size_t mark;
		int64_t next;
	} cases[] = {
		{ "long before any mark: next is the 15m mark",
		  T0, T0 + 3600, 0, false, T0 + 10, -1, 0, T0 + 3600 - 900 },
		{ "at the 15m mark: warn 15m, next is the 1m mark",
		  T0, T0 + 3600, 0, false, T0 + 2700, NHI_DUE_WARN, 0, T0 + 3540 },
		{ "15m warned: next is the 1m mark",
		  T0, T0 + 3600, 1, false, T0 + 2800, -1, 0, T0 + 3540 },
		{ "watch was down over both marks: only the 1m warning",
		  T0, T0 + 3600, 0, false, T0 + 3550, NHI_DUE_WARN, 1, T0 + 3600 },
		{ "both warned: next is the end",
		  T0, T0 + 3600, 3, false, T0 + 3550, -1, 0, T0 + 3600 },
		{ "at the end: revoke",
		  T0, T0 + 3600, 3, false, T0 + 3600, NHI_DUE_REVOKE, 0, INT64_MAX },
		{ "overdue (found at start): revoke, not warn",
		  T0, T0 + 3600, 0, false, T0 + 9999, NHI_DUE_REVOKE, 0, INT64_MAX },
		{ "opened with 10m left: the 15m mark never applies",
		  T0, T0 + 600, 0, false, T0 + 1, -1, 0, T0 + 540 },
		{ "opened with 30s left: no mark, next is the end",
		  T0, T0 + 30, 0, false, T0 + 1, -1, 0, T0 + 30 },
		{ "closed (logged out) at the 15m mark: nobody to warn, next is the end",
		  T0, T0 + 3600, 0, true, T0 + 2700, -1, 0, T0 + 3600 },
		{ "closed at the end: revoked all the same (what was left running)",
		  T0, T0 + 3600, 0, true, T0 + 3600, NHI_DUE_REVOKE, 0, INT64_MAX },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nhi_session s;
		struct nhi_due due[4];
		size_t n = 99;
		int64_t next;

		memset(&s, 0, sizeof(s));
		s.opened = cases[i].opened;
		s.not_after = cases[i].not_after;
		s.warned = cases[i].warned;
		s.closed = cases[i].closed;
		next = nhi_sessions_deadline(&s, 1, cases[i].now, marks, 2, due, 4, &n);
		print_message("%s\n", cases[i].what);
		assert_int_equal(next, cases[i].next);
		if (cases[i].kind < 0) {
			assert_int_equal(n, 0);
			continue;
		}
		assert_int_equal(n, 1);
		assert_int_equal(due[0].kind, cases[i].kind);
		assert_int_equal(due[0].session, 0);
		if (cases[i].kind == NHI_DUE_WARN)
			assert_int_equal(due[0].mark, cases[i].mark);
	}
}

static void
test_deadline_marks_and_many_sessions(void **state)
{
	static const int64_t marks[] = { 900, 60 };
	struct nhi_session v[3];
	struct nhi_due due[3];
	size_t n;
	int64_t next;

	(void)state;
	memset(v, 0, sizeof(v));
	v[0].opened = T0, v[0].not_after = T0 + 100;    /* 1m mark at +40 */
	v[1].opened = T0, v[1].not_after = T0 + 50;     /* ends first */
	v[2].opened = T0, v[2].not_after = T0 + 5000;   /* 15m mark at +4100 */
	next = nhi_sessions_deadline(v, 3, T0 + 40, marks, 2, due, 3, &n);
	assert_int_equal(n, 1);
	assert_int_equal(due[0].kind, NHI_DUE_WARN);
	assert_int_equal(due[0].session, 0);
	assert_int_equal(next, T0 + 50);
	/* marking the 1m mark also marks the (passed) 15m mark */
	nhi_due_mark_warned(&v[0], marks, 2, 1);
	assert_int_equal(v[0].warned, 3);
	next = nhi_sessions_deadline(v, 3, T0 + 50, marks, 2, due, 3, &n);
	assert_int_equal(n, 1);
	assert_int_equal(due[0].kind, NHI_DUE_REVOKE);
	assert_int_equal(due[0].session, 1);
	assert_int_equal(next, T0 + 100);
	/* due_max bounds what is reported */
	next = nhi_sessions_deadline(v, 3, T0 + 99999, marks, 2, due, 2, &n);
	assert_int_equal(n, 2);
	assert_int_equal(next, INT64_MAX);
	/* no sessions: nothing, ever */
	assert_int_equal(nhi_sessions_deadline(v, 0, T0, marks, 2, due, 3, &n), INT64_MAX);
	assert_int_equal(n, 0);
}

/* ---- /proc ---------------------------------------------------------------- */

static void
test_proc_stat_parse_hostile_comm(void **state)
{
	/* fields 3.. after the comm; field 7 (tty: /dev/pts/1) is 34817,
	 * field 22 (start time) 123456 */
	static const char tail[] = "S 77 1 1 34817 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 "
				   "123456 1000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 "
				   "0 0 0 0 0 0\n";
	static const char *const comms[] = {
		"sleep", ") (", "a b c", "x) S 1 2 3 (", "))))", "(", ") 99 ",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		struct nhi_proc_stat st;
		char buf[512];

		snprintf(buf, sizeof(buf), "4321 (%s) %s", comms[i], tail);
		assert_int_equal(nhi_proc_stat_parse(buf, strlen(buf), &st), 0);
		assert_int_equal(st.pid, 4321);
		assert_int_equal(st.ppid, 77);
		assert_int_equal(st.state, 'S');
		assert_int_equal(st.tty_nr, 34817);
		assert_int_equal(st.start_time, 123456);
	}
}

static void
test_proc_stat_parse_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"4321 sleep S 1",
		"4321 (sleep) S 77",                    /* too short for field 22 */
		"4321 (sleep)S 77 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
		"0 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
		"x (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
		"4321 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99999999999999999999999",
		"4321 (x) SS 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nhi_proc_stat st;

		assert_int_equal(nhi_proc_stat_parse(bad[i], strlen(bad[i]), &st), -EBADMSG);
	}
}

static void
test_proc_self_and_zombie(void **state)
{
	struct nhi_proc_stat st;
	pid_t pid;
	int status;

	(void)state;
	assert_int_equal(nhi_proc_stat_read(getpid(), &st), 0);
	assert_int_equal(st.pid, getpid());
	assert_int_equal(st.ppid, getppid());
	assert_int_equal(nhi_proc_check(getpid(), st.start_time), 0);
	assert_int_equal(nhi_proc_check(getpid(), st.start_time + 1), -ESTALE);
	/* a zombie counts as ended */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	for (int i = 0; i < 200; i++) {
		if (nhi_proc_stat_read(pid, &st) == 0 && st.state == 'Z')
			break;
		usleep(5000);
	}
	assert_int_equal(st.state, 'Z');
	assert_int_equal(nhi_proc_check(pid, st.start_time), -ESRCH);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(nhi_proc_check(pid, st.start_time), -ESRCH);
}

/* A child that waits to be killed; its grandchild too. */
static pid_t
spawn_tree(pid_t *grandchild)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pid_t g = fork();
		if (g == 0) {
			close(p[0]);
			close(p[1]);
			for (;;)
				pause();
		}
		(void)!write(p[1], &g, sizeof(g));
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], grandchild, sizeof(*grandchild)), sizeof(*grandchild));
	close(p[0]);
	return pid;
}

static bool
in_set(const struct nhi_proc_set *ps, pid_t pid)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].pid == pid)
			return true;
	return false;
}

static void
test_descendants_and_uid(void **state)
{
	struct nhi_proc_set ps;
	pid_t child, grand;
	int status;

	(void)state;
	child = spawn_tree(&grand);
	assert_int_equal(nhi_proc_descendants(getpid(), &ps), 0);
	assert_true(in_set(&ps, child));
	assert_true(in_set(&ps, grand));
	assert_false(in_set(&ps, getpid()));
	nhi_proc_set_free(&ps);
	assert_int_equal(nhi_proc_of_uid(geteuid(), &ps), 0);
	assert_true(in_set(&ps, child));
	assert_false(in_set(&ps, getpid()));     /* never the caller itself */
	assert_false(in_set(&ps, 1));
	nhi_proc_set_free(&ps);
	kill(grand, SIGKILL);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
}

/* Revokes s (written to a folder of its own first) with a configuration
 * of defaults; no journald here, so the record is only logged. */
static int
revoke_in_tmp(struct nhi_session *s, struct nhi_kill_report *rep)
{
	const struct nhi_revoke_why why = { .identifier = "test", .reason = "manual",
					    .always_record = true };
	struct nhi_conf c;
	char *d = tmpdir(), err[256];
	int fd, r;

	assert_int_equal(nhi_conf_init(&c), 0);
	assert_int_equal(nhi_conf_set(&c, "host", "jump1.test", NULL, 0), 0);
	fd = nhi_state_dir_open(d, false, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(nhi_session_write(fd, s), 0);
	r = nhi_session_revoke(&c, fd, s, &why, rep);
	assert_int_equal(nhi_session_revoke(&c, fd, s, &why, rep), -ENOENT);
	close(fd);
	rmdir_all(d);
	free(d);
	nhi_conf_free(&c);
	return r;
}

/* The rule of design.md section 8: a recorded pid whose start time differs
 * from the record's belongs to another process now, and is never signalled
 * (nor are its children, which are not the session's). */
static void
test_start_time_mismatch_never_signalled(void **state)
{
	struct nhi_kill_report rep;
	struct nhi_proc_stat st;
	struct nhi_session s;
	struct nhi_proc p;
	pid_t child, grand;
	int status;

	(void)state;
	child = spawn_tree(&grand);
	assert_int_equal(nhi_proc_stat_read(child, &st), 0);
	fill(&s, ID1, T0, T0 + 60);
	s.pid = child;
	s.start_time = st.start_time + 1;       /* the record's process is gone */
	s.uid = 0;                              /* and no uid-wide kill */
	p = (struct nhi_proc){ child, st.start_time + 1 };
	assert_int_equal(nhi_proc_signal(&p, SIGTERM), -ESTALE);
	assert_int_equal(revoke_in_tmp(&s, &rep), 0);
	assert_true(rep.opener_stale);
	assert_true(rep.connected);
	assert_int_equal(rep.ended, 0);
	usleep(50000);
	assert_int_equal(waitpid(child, &status, WNOHANG), 0);  /* still running */
	assert_int_equal(kill(grand, 0), 0);
	/* with the right start time, the same call ends both */
	s.start_time = st.start_time;
	assert_int_equal(revoke_in_tmp(&s, &rep), 0);
	assert_false(rep.opener_stale);
	assert_int_equal(rep.ended, 2);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	nhi_session_free(&s);
}

/* SIGTERM ignored: SIGKILL after the grace. */
static void
test_terminate_kills_after_grace(void **state)
{
	struct nhi_kill_report rep;
	struct nhi_proc_stat st;
	struct nhi_session s;
	int p[2], status;
	pid_t child;
	char c;

	(void)state;
	assert_int_equal(pipe(p), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		signal(SIGTERM, SIG_IGN);
		(void)!write(p[1], "x", 1);
		for (;;)
			pause();
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	close(p[1]);
	assert_int_equal(nhi_proc_stat_read(child, &st), 0);
	fill(&s, ID1, T0, T0 + 60);
	s.pid = child;
	s.start_time = st.start_time;
	s.uid = 0;
	assert_int_equal(revoke_in_tmp(&s, &rep), 0);
	assert_int_equal(rep.ended, 1);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	nhi_session_free(&s);
}

/* A uid no account of this machine has: the sweep below ends all of its
 * processes, and nothing else may be hit. */
#define LOOP_UID 61999

/* A process of LOOP_UID that forks and exits in a loop: a new pid every
 * few milliseconds, the parent always gone by the time a listing reads it.
 * Each generation writes a byte to fd and holds it open: EOF on the other
 * end means every generation is gone. */
static pid_t
spawn_fork_loop(int fd)
{
	pid_t child = fork();

	assert_true(child >= 0);
	if (child == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(LOOP_UID, LOOP_UID, LOOP_UID) < 0 ||
		    setresuid(LOOP_UID, LOOP_UID, LOOP_UID) < 0)
			_exit(1);
		setsid();
		for (;;) {
			pid_t k = fork();

			if (k != 0)
				_exit(0);       /* the parent leaves, the child goes on */
			(void)!write(fd, "x", 1);
			usleep(2000);
		}
	}
	return child;
}

/* Bytes readable from fd within ms; -1 on EOF (every writer gone). */
static int
drain_for(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[4096];
	int got = 0;
	int64_t until = nhi_mono_ms() + ms;

	while (nhi_mono_ms() < until) {
		ssize_t n;

		if (poll(&pfd, 1, (int)(until - nhi_mono_ms())) <= 0)
			break;
		if ((n = read(fd, buf, sizeof(buf))) == 0)
			return -1;
		if (n > 0)
			got += (int)n;
	}
	return got;
}

/* The attack of a fork-exit loop: listing then signalling misses it (the
 * pid a listing reads is gone before it is signalled); one kill(-1) as the
 * uid does not. */
static void
test_uid_kill_outruns_fork_loop(void **state)
{
	struct nhi_proc_set seen = { NULL, 0 };
	int status, p[2], left = -2;
	pid_t first;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(pipe(p), 0);
	first = spawn_fork_loop(p[1]);
	close(p[1]);
	assert_int_equal(waitpid(first, &status, 0), first);    /* it forked and left */
	assert_true(drain_for(p[0], 200) > 10);                 /* and goes on */
	assert_int_equal(nhi_uid_kill(LOOP_UID, 2000, &seen), 0);
	/* every generation gone: the pipe's last writer closed it */
	for (int i = 0; i < 10 && left != -1; i++)
		left = drain_for(p[0], 100);
	assert_int_equal(left, -1);
	/* and the uid is never 0 */
	assert_int_equal(nhi_uid_kill(0, 100, &seen), -EINVAL);
	nhi_proc_set_free(&seen);
	close(p[0]);
}

/* "Cannot read /proc/PID" is not "gone": a pid that exists but whose stat
 * cannot be parsed is reported as such, and only a missing pid is -ESRCH. */
static void
test_proc_check_gone_only_when_gone(void **state)
{
	struct nhi_proc_stat st;
	pid_t child;
	int status;

	(void)state;
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(nhi_proc_stat_read(child, &st), -ESRCH);
	assert_int_equal(nhi_proc_check(child, 1), -ESRCH);
	assert_int_equal(nhi_proc_stat_read(getpid(), &st), 0);
	assert_int_equal(nhi_proc_check(getpid(), st.start_time), 0);
	assert_int_equal(nhi_proc_check(getpid(), st.start_time + 1), -ESTALE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_id_is_128_bit_hex),
		cmocka_unit_test(test_record_round_trip),
		cmocka_unit_test(test_record_malformed_refused),
		cmocka_unit_test(test_write_read_remove_atomic),
		cmocka_unit_test(test_write_leaves_nothing_on_failure),
		cmocka_unit_test(test_list_bounded_and_filtered),
		cmocka_unit_test(test_state_dir_permissions),
		cmocka_unit_test(test_deadline_table),
		cmocka_unit_test(test_deadline_marks_and_many_sessions),
		cmocka_unit_test(test_proc_stat_parse_hostile_comm),
		cmocka_unit_test(test_proc_stat_parse_malformed),
		cmocka_unit_test(test_proc_self_and_zombie),
		cmocka_unit_test(test_descendants_and_uid),
		cmocka_unit_test(test_start_time_mismatch_never_signalled),
		cmocka_unit_test(test_terminate_kills_after_grace),
		cmocka_unit_test(test_uid_kill_outruns_fork_loop),
		cmocka_unit_test(test_proc_check_gone_only_when_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
