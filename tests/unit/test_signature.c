/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signed approvals (lib/signature.c, lib/spawn.c, lib/ticket_doc.c): the
 * canonical content, byte for byte as nhiacct.conf(5) fixes it; the child
 * process the verifier runs in (nothing inherited, a clean environment, a
 * time limit that holds against a child that ignores its end); and the
 * ticket documents `nhiacct ticket` writes.  The verdicts against real keys
 * are tests/signed's.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "nhi.h"
#include "signature.h"
#include "spawn.h"
#include "ticket_doc.h"

static void
ticket(struct nhi_ticket *t)
{
	memset(t, 0, sizeof(*t));
	t->id = strdup("CHG-1042");
	t->requester = strdup("acme-jdoe");
	t->purpose = strdup("Apply vendor hotfix 4.2.1");
	assert_int_equal(nhi_strv_push(&t->accounts, "vendor1"), 0);
	assert_int_equal(nhi_strv_push(&t->hosts, "jump1.example.com"), 0);
	assert_int_equal(nhi_strv_push(&t->hosts, "*.db.example.com"), 0);
	t->has_hosts = t->has_accounts = t->has_not_before = t->has_not_after = true;
	t->not_before = 1795338000;
	t->not_after = 1795345200;
}

/* The example of nhiacct.conf(5), SIGNED TICKETS, exactly. */
static void
test_canonical_as_documented(void **state)
{
	static const char want[] =
		"nhiacct-ticket 1\n"
		"id CHG-1042\n"
		"requester acme-jdoe\n"
		"approver alice\n"
		"account vendor1\n"
		"host *.db.example.com\n"
		"host jump1.example.com\n"
		"not_before 1795338000\n"
		"not_after 1795345200\n"
		"purpose Apply vendor hotfix 4.2.1\n";
	struct nhi_ticket t;
	char *out;
	size_t len;

	ticket(&t);
	assert_int_equal(nhi_ticket_canonical(&t, "alice", &out, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_string_equal(out, want);
	free(out);
	nhi_ticket_free(&t);
}

/* Each signed field changes the content; the state does not; order of
 * hosts does not; a value cannot forge a line. */
static void
test_canonical_covers_each_field(void **state)
{
	struct nhi_ticket t;
	char *base, *out;
	size_t blen, len;

	ticket(&t);
	assert_int_equal(nhi_ticket_canonical(&t, "alice", &base, &blen), 0);
	/* the state is not signed */
	t.state = strdup("withdrawn");
	assert_int_equal(nhi_ticket_canonical(&t, "alice", &out, &len), 0);
	assert_string_equal(out, base);
	free(out);
	/* another approver, a second later, one more host: all differ */
	assert_int_equal(nhi_ticket_canonical(&t, "alicf", &out, &len), 0);
	assert_string_not_equal(out, base);
	free(out);
	t.not_after++;
	assert_int_equal(nhi_ticket_canonical(&t, "alice", &out, &len), 0);
	assert_string_not_equal(out, base);
	free(out);
	t.not_after--;
	t.has_not_before = false;
	assert_int_equal(nhi_ticket_canonical(&t, "alice", &out, &len), 0);
	assert_non_null(strstr(out, "\nnot_before \n"));
	free(out);
	t.has_not_before = true;
	/* hosts in another order: the same content */
	nhi_strv_free(&t.hosts);
	assert_int_equal(nhi_strv_push(&t.hosts, "*.db.example.com"), 0);
	assert_int_equal(nhi_strv_push(&t.hosts, "jump1.example.com"), 0);
	assert_int_equal(nhi_ticket_canonical(&t, "alice", &out, &len), 0);
	assert_string_equal(out, base);
	free(out);
	/* a purpose that tries to add a line, and a backslash */
	free(t.purpose);
	t.purpose = strdup("x\napprover mallory\\");
	assert_int_equal(nhi_ticket_canonical(&t, "alice", &out, &len), 0);
	assert_non_null(strstr(out, "purpose x\\x0aapprover mallory\\\\\n"));
	assert_null(strstr(out, "\napprover mallory"));
	free(out);
	free(base);
	nhi_ticket_free(&t);
}

/* ---- the child process ---------------------------------------------------- */

static int
run(const char *script, const char *in, const char *fd3, int timeout_ms, char *out,
    size_t outsz, int *status)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct nhi_spawn s = {
		.argv = argv, .in = in, .inlen = in ? strlen(in) : 0,
		.fd = { fd3, NULL }, .fdlen = { fd3 ? strlen(fd3) : 0, 0 },
		.timeout_ms = timeout_ms, .out = out, .outsz = outsz,
	};

	return nhi_spawn_run(&s, status);
}

static void
test_spawn_io_and_hygiene(void **state)
{
	char out[4096];
	int status, leak;

	/* stdin and fd 3 arrive whole; output comes back; exit status kept */
	assert_int_equal(run("cat; cat /dev/fd/3; exit 3", "in-", "three", 5000, out,
			     sizeof(out), &status), 0);
	assert_string_equal(out, "in-three");
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	/* nothing of ours is inherited: an fd we hold open, the environment */
	leak = open("/dev/null", O_RDONLY);     /* without O_CLOEXEC */
	assert_true(leak >= 0);
	setenv("NHI_SECRET_OF_THE_HOST", "x", 1);
	/* (0-2, 3 and 4 on /dev/null when not given, 5 is ls's own listing;
	 * the shell adds PWD) */
	assert_int_equal(run("ls /proc/self/fd | sort -n | tr '\\n' ' '; "
			     "env | grep -v '^PWD=' | sort | tr '\\n' ' '",
			     NULL, NULL, 5000, out, sizeof(out), &status), 0);
	assert_string_equal(out, "0 1 2 3 4 5 LC_ALL=C PATH=/usr/bin:/bin ");
	close(leak);
	unsetenv("NHI_SECRET_OF_THE_HOST");
	/* output longer than the buffer: cut, never overrun */
	assert_int_equal(run("yes | head -c 100000", NULL, NULL, 5000, out, 16, &status), 0);
	assert_int_equal(strlen(out), 15);
	/* a large input (past the 64 KiB default pipe size) */
	{
		char *big = malloc(300000);

		assert_non_null(big);
		memset(big, 'a', 299999);
		big[299999] = '\0';
		assert_int_equal(run("wc -c", big, NULL, 5000, out, sizeof(out), &status), 0);
		assert_int_equal(atoi(out), 299999);
		free(big);
	}
	/* an exec that fails: 127 */
	{
		const char *argv[] = { "/nonexistent/ssh-keygen", NULL };
		struct nhi_spawn s = { .argv = argv, .timeout_ms = 1000 };

		assert_int_equal(nhi_spawn_run(&s, &status), 0);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 127);
	}
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The time limit holds: a child that sleeps, one that closes its output
 * and goes on, one that ignores SIGTERM and SIGALRM. */
static void
test_spawn_time_limit(void **state)
{
	static const char *const scripts[] = {
		"sleep 30",
		"exec >/dev/null 2>&1; sleep 30",
		"trap '' TERM ALRM; sleep 30",
	};
	char out[64];
	int status;

	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		int64_t t0 = mono_ms();

		assert_int_equal(run(scripts[i], NULL, NULL, 300, out, sizeof(out), &status),
				 -ETIMEDOUT);
		assert_true(mono_ms() - t0 < 2500);
		assert_true(WIFSIGNALED(status));
		/* reaped: no child of ours is left */
		assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	}
}

/* ---- the documents of `nhiacct ticket` -------------------------------------- */

static void
test_ticket_doc(void **state)
{
	struct nhi_ticket_spec spec = {
		.id = "CHG-7", .requester = "acme-jdoe", .purpose = "p",
		.not_before = 1795338000, .not_after = 1795345200,
	};
	char err[256];
	json_t *doc;

	assert_int_equal(nhi_ticket_doc_new(&spec, &doc, err, sizeof(err)), -EINVAL);
	assert_int_equal(nhi_strv_push(&spec.accounts, "vendor1"), 0);
	assert_int_equal(nhi_strv_push(&spec.hosts, "jump1"), 0);
	spec.id = "../x";
	assert_int_equal(nhi_ticket_doc_new(&spec, &doc, err, sizeof(err)), -EINVAL);
	spec.id = "CHG-7";
	assert_int_equal(nhi_ticket_doc_new(&spec, &doc, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(doc, "state")), "requested");
	assert_int_equal(nhi_ticket_doc_approve(doc, "alice", "SIG-A", err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(doc, "approver")), "alice");
	assert_int_equal(nhi_ticket_doc_approve(doc, "carol", "SIG-C", err, sizeof(err)), 0);
	assert_int_equal(nhi_ticket_doc_approve(doc, "alice", "SIG-A2", err, sizeof(err)), 0);
	assert_int_equal(json_array_size(json_object_get(doc, "approver")), 2);
	assert_int_equal(json_array_size(json_object_get(doc, "signatures")), 2);   /* replaced */
	assert_string_equal(json_string_value(json_object_get(doc, "state")), "approved");
	assert_int_equal(nhi_ticket_doc_withdraw(doc, "done", 1795340000), 0);
	assert_int_equal(nhi_ticket_doc_approve(doc, "dave", "SIG-D", err, sizeof(err)), -EPERM);
	json_decref(doc);
	nhi_strv_free(&spec.accounts);
	nhi_strv_free(&spec.hosts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_as_documented),
		cmocka_unit_test(test_canonical_covers_each_field),
		cmocka_unit_test(test_spawn_io_and_hygiene),
		cmocka_unit_test(test_spawn_time_limit),
		cmocka_unit_test(test_ticket_doc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
