/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_lookup: bytes -> nhi_json_parse -> the shape a lookup answers (an
 * array of candidates; a single object is wrapped, as the http backend
 * does) -> nhi_evaluate(lookup) -> the candidate choice of gate.c.
 *
 * The choice is static in gate.c, so it is reached the way the module
 * reaches it: through nhi_evaluate with backend = http, whose object the core
 * dlopen()s from NHIACCT_BACKEND_DIR.  run.sh points that at
 * fake_backend.c's nhiacct_http.so (root-owned, as the core demands), which
 * answers the lookup with this input.
 *
 * Invariants (design.md section 4 step 2), checked against an independent
 * pass over the same candidates with nhi_ticket_from_json + nhi_decide:
 * a grant is given iff some candidate passes, and then for the passing
 * candidate that ends last; a refusal carries the reason of the candidate
 * that got furthest in rule order (malformed for one that does not map or
 * has no id), no_ticket for no candidate; at most NHI_CANDIDATES_MAX are
 * looked at; the vendor's line holds no raw control characters.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "fuzz.h"

#define NOW INT64_C(1795340000)         /* 2026-11-22T09:33:20Z */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct nhi_conf conf;
static const struct nhi_login login = { "vendor1", "sshd", "192.0.2.7", "jump1.example.com" };
static void (*set_answer)(json_t *);

static void
set(const char *key, const char *value)
{
	char err[256];

	if (nhi_conf_set(&conf, key, value, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_lookup: %s = %s: %s\n", key, value, err);
		abort();
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const struct nhi_backend_ops *ops = NULL;
	char dir[PATH_MAX], path[PATH_MAX + 32], err[256] = "";
	const char *env = getenv("NHI_FUZZ_BACKEND_DIR");
	void *h;

	(void)argc;
	/* default: fakebackend/ next to the fuzzer binary */
	if (env != NULL) {
		snprintf(dir, sizeof(dir), "%s", env);
	} else {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		char *slash;

		if (n < 0)
			abort();
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL)
			*slash = '\0';
		snprintf(dir, sizeof(dir), "%s/fakebackend", self);
	}
	(void)argv;
	setenv("NHIACCT_BACKEND_DIR", dir, 1);
	snprintf(path, sizeof(path), "%s/nhiacct_http.so", dir);
	/* the same handle the core will get: dlopen counts references */
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL ||
	    (*(void **)&set_answer = dlsym(h, "nhi_fuzz_set_answer")) == NULL) {
		fprintf(stderr, "fuzz_lookup: %s: %s\n", path, dlerror());
		exit(1);
	}
	if (nhi_conf_init(&conf) < 0)
		abort();
	conf.check_perms = false;
	set("host", "jump1.example.com");
	set("backend", "http");
	set("url", "https://tickets.invalid/t/{id}");
	set("lookup_url", "https://tickets.invalid/l?u={user}&h={host}");
	set("approvers", "alice bob carol");
	set("approved_states", "approved implement");
	if (nhi_backend_get(&conf, &ops, err, sizeof(err)) < 0 || ops == NULL ||
	    strcmp(ops->name, "fuzz") != 0) {
		fprintf(stderr, "fuzz_lookup: the core did not load %s: %s "
			"(it must be owned by root and not group/other-writable)\n", path, err);
		exit(1);
	}
	return 0;
}

/* The choice, restated: what nhi_evaluate must have concluded. */
static void
expect(json_t *docs, enum nhi_reason *reason, int64_t *not_after)
{
	json_t *doc;
	size_t i;

	*reason = NHI_DENY_NO_TICKET;
	*not_after = INT64_MIN;
	json_array_foreach(docs, i, doc) {
		struct nhi_ticket t;
		enum nhi_reason why;
		char err[256];

		/* a candidate that cannot be mapped, or does not name this
		 * account and host, is not one */
		if (nhi_ticket_from_json(&conf, doc, NULL, &t, err, sizeof(err)) < 0 ||
		    t.id == NULL || !nhi_ticket_has_account(&t, login.user) ||
		    !nhi_ticket_matches_host(&t, login.host)) {
			nhi_ticket_free(&t);
			continue;
		}
		why = nhi_decide(&conf, &t, &login, NOW, NULL, NULL);
		if (why == NHI_GRANT) {
			if (*reason != NHI_GRANT || t.not_after > *not_after)
				*not_after = t.not_after;
			*reason = NHI_GRANT;
		} else if (*reason != NHI_GRANT && why > *reason) {
			*reason = why;
		}
		nhi_ticket_free(&t);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = NULL, *docs;
	struct nhi_result r;
	enum nhi_reason want;
	int64_t want_end;
	char line[768];

	if (nhi_json_parse((const char *)data, size, &doc, NULL, 0) < 0)
		return 0;
	if (json_is_array(doc)) {
		docs = doc;
	} else if (json_is_object(doc)) {
		docs = json_array();
		json_array_append_new(docs, doc);
	} else {
		json_decref(doc);
		return 0;
	}
	set_answer(docs);
	nhi_evaluate(&conf, &login, NULL, NOW, &r);
	set_answer(NULL);

	expect(docs, &want, &want_end);
	CHECK(r.by_lookup);
	CHECK(r.reason == want);
	if (r.reason == NHI_GRANT) {
		CHECK(r.ticket_id != NULL && nhi_ticket_id_valid(r.ticket_id));
		CHECK(r.ticket.id != NULL && strcmp(r.ticket.id, r.ticket_id) == 0);
		CHECK(r.ticket.not_after == want_end);
		CHECK(nhi_decide(&conf, &r.ticket, &login, NOW, NULL, NULL) == NHI_GRANT);
	}
	CHECK(r.ticket_id == NULL || nhi_ticket_id_valid(r.ticket_id));
	CHECK(memchr(r.detail, '\0', sizeof(r.detail)) != NULL);
	nhi_result_message(&r, line, sizeof(line));
	CHECK(fuzz_terminal_safe(line));
	nhi_result_free(&r);
	json_decref(docs);
	return 0;
}
