/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session recording (lib/recording.c): the rule that tells whether every
 * process of a session runs under the recorder, as a table of process
 * trees; the roles of programs; and the checks made before a session
 * opens, each failing closed.  The real recorder, sshd and journal are
 * tests/recording's.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "confcheck.h"
#include "proc.h"
#include "recording.h"

#define OPENER 100
#define VENDOR 20001

/* sshd's processes of one connection, as a recorded session has them */
#define A 42             /* the session's audit id */
#define MONITOR  { A, OPENER, 1, 0, NHI_ROLE_SSHD, "" }
#define CHILD    { A, 101, OPENER, VENDOR, NHI_ROLE_SSHD, "" }
#define REC(p, pp) { A, p, pp, VENDOR, NHI_ROLE_RECORDER, "" }
#define PROG(p, pp) { A, p, pp, VENDOR, NHI_ROLE_OTHER, "" }

struct tree {
	const char *name;
	struct nhi_rec_proc v[8];
	size_t n;
	pid_t escapee;          /* 0: none */
};

static const struct tree trees[] = {
	{ "a command under its recorder",
	  { MONITOR, CHILD, REC(102, 101), PROG(103, 102), PROG(104, 103) }, 5, 0 },
	{ "nhiacct-shell before it becomes the recorder",
	  { MONITOR, CHILD, { A, 102, 101, VENDOR, NHI_ROLE_SHELL, "" } }, 3, 0 },
	{ "the sftp-server under sshd",
	  { MONITOR, CHILD, { A, 102, 101, VENDOR, NHI_ROLE_SFTP, "" } }, 3, 0 },
	{ "root's programs of the monitor (pam_motd's scripts)",
	  { MONITOR, CHILD, { A, 105, OPENER, 0, NHI_ROLE_OTHER, "" },
	    { A, 106, 105, 0, NHI_ROLE_OTHER, "" } }, 4, 0 },
	{ "a connection without a shell (ssh -N)", { MONITOR, CHILD }, 2, 0 },
	{ "the recorder killed: its shell went to init",
	  { MONITOR, CHILD, PROG(103, 1) }, 3, 103 },
	{ "a double fork out of a recorded shell",
	  { MONITOR, CHILD, REC(102, 101), PROG(103, 102), PROG(107, 1) }, 5, 107 },
	{ "a vendor's program straight under sshd (~/.ssh/rc)",
	  { MONITOR, CHILD, PROG(102, 101) }, 3, 102 },
	{ "a vendor's program under a root program of the monitor",
	  { MONITOR, { A, 105, OPENER, 0, NHI_ROLE_OTHER, "" }, PROG(106, 105) }, 3, 106 },
	{ "a recorder started from a program outside one still counts the program",
	  { MONITOR, CHILD, PROG(102, 1), REC(103, 102), PROG(104, 103) }, 5, 102 },
	{ "a process that cannot be read (uid -1, no parent)",
	  { MONITOR, CHILD, REC(102, 101), { A, 108, 0, (uid_t)-1, NHI_ROLE_OTHER, "" } }, 4, 108 },
	{ "a parent loop (pids reused between reads)",
	  { MONITOR, PROG(110, 111), PROG(111, 110) }, 3, 110 },
	{ "a process of another session does not count, nor stand in as a parent",
	  { MONITOR, CHILD, { 7, 103, 1, VENDOR, NHI_ROLE_OTHER, "" },
	    { 7, 104, 103, VENDOR, NHI_ROLE_RECORDER, "" }, PROG(105, 104) }, 5, 105 },
	{ "a process whose session cannot be told counts in every session",
	  { MONITOR, CHILD, { NHI_AUDIT_SESSION_UNSET, 106, 1, VENDOR, NHI_ROLE_OTHER, "" } },
	  3, 106 },
	{ "an sshd binary run by the vendor outside the recorder",
	  { MONITOR, CHILD, { A, 112, 1, VENDOR, NHI_ROLE_SSHD, "" } }, 3, 112 },
};

static void
test_escapee_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
		const struct tree *t = &trees[i];
		ssize_t k = nhi_recording_escapee(t->v, t->n, A, OPENER);
		pid_t got = k < 0 ? 0 : t->v[k].pid;

		print_message("  %s: %d\n", t->name, (int)got);
		assert_int_equal(got, t->escapee);
	}
	assert_int_equal(nhi_recording_escapee(NULL, 0, A, OPENER), -1);
}

static void
test_roles(void **state)
{
	(void)state;
	assert_int_equal(nhi_rec_role_of(&nhi_recorder_default, "/usr/bin/tlog-rec-session"),
			 NHI_ROLE_RECORDER);
	assert_int_equal(nhi_rec_role_of(&nhi_recorder_default,
					 "/usr/bin/tlog-rec-session (deleted)"), NHI_ROLE_RECORDER);
	assert_int_equal(nhi_rec_role_of(&nhi_recorder_default, NHI_RECORD_SHELL), NHI_ROLE_SHELL);
	assert_int_equal(nhi_rec_role_of(&nhi_recorder_default, "/usr/lib/openssh/sftp-server"),
			 NHI_ROLE_SFTP);
	assert_int_equal(nhi_rec_role_of(&nhi_recorder_default, "/usr/sbin/sshd"), NHI_ROLE_SSHD);
	/* a copy elsewhere, a prefix, a suffix: a program like any other */
	assert_int_equal(nhi_rec_role_of(&nhi_recorder_default, "/tmp/tlog-rec-session"),
			 NHI_ROLE_OTHER);
	assert_int_equal(nhi_rec_role_of(&nhi_recorder_default, "/usr/bin/tlog-rec-session2"),
			 NHI_ROLE_OTHER);
	assert_int_equal(nhi_rec_role_of(&nhi_recorder_default, " (deleted)"), NHI_ROLE_OTHER);
	assert_int_equal(nhi_rec_role_of(&nhi_recorder_default, NULL), NHI_ROLE_OTHER);
}

/* A folder with a recorder, a shell, a lock folder and a journal socket. */
struct fixture {
	char dir[64], shell[96], recorder[96], lock[96], journal[96];
	struct nhi_recorder_paths p;
};

static void
make_program(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0700);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void
make_fixture(struct fixture *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s;

	snprintf(f->dir, sizeof(f->dir), "/tmp/nhi-rec.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->shell, sizeof(f->shell), "%s/nhiacct-shell", f->dir);
	snprintf(f->recorder, sizeof(f->recorder), "%s/tlog-rec-session", f->dir);
	snprintf(f->lock, sizeof(f->lock), "%s/tlog", f->dir);
	snprintf(f->journal, sizeof(f->journal), "%s/socket", f->dir);
	make_program(f->shell, 0755);
	make_program(f->recorder, 0755);
	assert_int_equal(mkdir(f->lock, 0755), 0);
	assert_true((s = socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->journal);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	assert_int_equal(chmod(f->journal, 0666), 0);
	f->p = (struct nhi_recorder_paths){ f->shell, f->recorder, f->lock, f->journal };
}

static void
drop_fixture(struct fixture *f)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
}

static int
ready(struct fixture *f, const char *shell, uint32_t audit)
{
	char why[512];
	int r = nhi_recording_ready(&f->p, shell, VENDOR, audit, why, sizeof(why));

	print_message("  %d: %s\n", r, why[0] ? why : "ready");
	assert_true(r == 0 || why[0] != '\0');  /* every refusal says why */
	return r;
}

/* Each check fails closed, alone; the rest of the fixture stays good. */
static void
test_ready_checks(void **state)
{
	struct fixture f;

	(void)state;
	if (geteuid() != 0)
		skip();         /* the programs must be root's */
	make_fixture(&f);
	assert_int_equal(ready(&f, f.shell, 42), 0);
	assert_int_equal(ready(&f, f.shell, NHI_AUDIT_SESSION_UNSET), -ENODATA);
	assert_int_equal(ready(&f, "/bin/bash", 42), -EPERM);
	assert_int_equal(ready(&f, NULL, 42), -EPERM);
	/* a shell named like ours but a prefix of it */
	assert_int_equal(ready(&f, "/tmp", 42), -EPERM);

	assert_int_equal(chmod(f.recorder, 0777), 0);           /* anyone could change it */
	assert_int_equal(ready(&f, f.shell, 42), -EACCES);
	assert_int_equal(chmod(f.recorder, 0754), 0);           /* the vendor cannot run it */
	assert_int_equal(ready(&f, f.shell, 42), -EACCES);
	assert_int_equal(unlink(f.recorder), 0);                /* tlog not installed */
	assert_int_equal(ready(&f, f.shell, 42), -ENOENT);
	make_program(f.recorder, 0755);
	assert_int_equal(chown(f.shell, VENDOR, VENDOR), 0);    /* not root's */
	assert_int_equal(ready(&f, f.shell, 42), -EACCES);
	assert_int_equal(chown(f.shell, 0, 0), 0);

	assert_int_equal(chown(f.lock, VENDOR, VENDOR), 0);     /* the vendor's lock folder */
	assert_int_equal(ready(&f, f.shell, 42), -EACCES);
	assert_int_equal(chown(f.lock, 1, 1), 0);               /* another account's: fine */
	assert_int_equal(ready(&f, f.shell, 42), 0);
	assert_int_equal(chmod(f.lock, 01777), 0);              /* everyone's */
	assert_int_equal(ready(&f, f.shell, 42), -EACCES);
	assert_int_equal(rmdir(f.lock), 0);                     /* none: tlog cannot lock */
	assert_int_equal(ready(&f, f.shell, 42), 0);

	assert_int_equal(chmod(f.journal, 0660), 0);            /* closed to the vendor */
	assert_int_equal(ready(&f, f.shell, 42), -EACCES);
	assert_int_equal(unlink(f.journal), 0);                 /* no journald */
	assert_int_equal(ready(&f, f.shell, 42), -EACCES);
	drop_fixture(&f);
}

static void
test_shellless_services(void **state)
{
	(void)state;
	assert_true(nhi_recording_shellless("cron"));
	assert_true(nhi_recording_shellless("atd"));
	assert_true(nhi_recording_shellless("systemd-user"));
	assert_true(nhi_recording_shellless("sudo"));
	assert_false(nhi_recording_shellless("sshd"));
	assert_false(nhi_recording_shellless("su"));
	assert_false(nhi_recording_shellless("login"));
	assert_false(nhi_recording_shellless("cronx"));
	assert_false(nhi_recording_shellless(NULL));
}

static void
test_audit_session_read(void **state)
{
	uint32_t id = 7;
	int r;

	(void)state;
	r = nhi_proc_audit_session(getpid(), &id);
	/* set or not, never a guess */
	assert_true((r == 0 && id != NHI_AUDIT_SESSION_UNSET) ||
		    (r == -ENODATA && id == NHI_AUDIT_SESSION_UNSET) || r == -ENOENT ||
		    r == -ESRCH);
	assert_int_equal(nhi_proc_audit_session(0x7ffffff0, &id), -ESRCH);
}

/* nhiacct check-config: what sshd -T says it applies to a vendor. */
static size_t
sshd_errors(const char *text, const char *must)
{
	struct nhi_findings *f = calloc(1, sizeof(*f));
	size_t n;
	bool seen = must == NULL;

	assert_non_null(f);
	nhi_confcheck_sshd_effective(text, "vendor1", f);
	for (size_t i = 0; i < f->n; i++) {
		print_message("  %s: %s\n", f->v[i].where, f->v[i].what);
		assert_int_equal(f->v[i].severity, NHI_SEV_ERROR);
		seen = seen || strstr(f->v[i].what, must) != NULL;
	}
	assert_true(seen);
	n = f->n;
	free(f);
	return n;
}

static void
test_sshd_effective(void **state)
{
	(void)state;
	/* the shipped Match block */
	assert_int_equal(sshd_errors("port 22\ndisableforwarding yes\npermittunnel no\n"
				     "permituserrc no\nsubsystem sftp /usr/lib/openssh/sftp-server\n",
				     NULL), 0);
	/* each kind off, one by one, is as good */
	assert_int_equal(sshd_errors("disableforwarding no\nallowtcpforwarding no\n"
				     "allowstreamlocalforwarding no\nx11forwarding no\n"
				     "allowagentforwarding no\npermittunnel no\npermituserrc no\n",
				     NULL), 0);
	/* Debian's defaults: everything open */
	assert_int_equal(sshd_errors("disableforwarding no\nallowtcpforwarding yes\n"
				     "allowstreamlocalforwarding yes\nx11forwarding yes\n"
				     "allowagentforwarding yes\npermittunnel no\npermituserrc yes\n",
				     "allowtcpforwarding"), 5);
	assert_int_equal(sshd_errors("disableforwarding yes\npermittunnel yes\npermituserrc no\n",
				     "permittunnel"), 1);
	assert_int_equal(sshd_errors("disableforwarding yes\npermittunnel no\npermituserrc no\n"
				     "subsystem sftp internal-sftp -l INFO\n", "internal-sftp"), 1);
	assert_int_equal(sshd_errors("disableforwarding yes\npermittunnel no\npermituserrc no\n"
				     "forcecommand internal-sftp\n", "ForceCommand"), 1);
	/* nothing printed: nothing is known to be off */
	assert_int_equal(sshd_errors("", "permittunnel"), 6);
	/* a keyword that only starts like another does not count */
	assert_int_equal(sshd_errors("disableforwardingx yes\npermittunnel no\npermituserrc no\n"
				     "allowtcpforwarding no\nallowstreamlocalforwarding no\n"
				     "x11forwarding no\nallowagentforwarding no\n", NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapee_table),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_ready_checks),
		cmocka_unit_test(test_shellless_services),
		cmocka_unit_test(test_audit_session_read),
		cmocka_unit_test(test_sshd_effective),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
