/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The http backend (build/nhiacct_http.so) against a real HTTPS server
 * (tests/lib/https_server.py), started by tests/http/run.sh, which passes:
 *
 *   NHI_TEST_HTTP_SO      the backend object to dlopen()
 *   NHI_TEST_PORT         the server with a certificate of the test CA
 *   NHI_TEST_OTHER_PORT   the server with a certificate of another CA
 *   NHI_TEST_CA           the test CA (ca_file)
 *   NHI_TEST_TOKEN_FILE   a token file, mode 0600, owned by the test's user
 *   NHI_TEST_TOKEN        the token in it
 *   NHI_TEST_REQLOG       the servers' request log (JSON lines)
 *   NHI_TEST_TMP          a private scratch directory
 *
 * The object is loaded with RTLD_NOW into a binary that exports no core
 * symbol, so an accidental dependency on the core fails here.  Every call
 * checks that the token never appears in err.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "nhi.h"

static const struct nhi_backend_ops *ops;
static void *so;
static const char *port, *other_port, *ca, *token_file, *token, *reqlog, *tmp;
static char err[1024];
static char keylog[1024];

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		fprintf(stderr, "%s is not set: run this through tests/http/run.sh\n", name);
		return NULL;
	}
	return v;
}

static int
group_setup(void **state)
{
	const struct nhi_backend_module *mod;
	const char *path;

	if ((path = env("NHI_TEST_HTTP_SO")) == NULL ||
	    (port = env("NHI_TEST_PORT")) == NULL ||
	    (other_port = env("NHI_TEST_OTHER_PORT")) == NULL ||
	    (ca = env("NHI_TEST_CA")) == NULL ||
	    (token_file = env("NHI_TEST_TOKEN_FILE")) == NULL ||
	    (token = env("NHI_TEST_TOKEN")) == NULL ||
	    (reqlog = env("NHI_TEST_REQLOG")) == NULL ||
	    (tmp = env("NHI_TEST_TMP")) == NULL)
		return -1;
	/* libcurl would write TLS session keys here; the backend must not let
	 * it (see test_sslkeylogfile_is_not_written). */
	snprintf(keylog, sizeof(keylog), "%s/keylog", tmp);
	if (setenv("SSLKEYLOGFILE", keylog, 1) != 0)
		return -1;
	if ((so = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		return -1;
	}
	mod = dlsym(so, NHI_BACKEND_SYMBOL);
	if (mod == NULL || mod->abi != NHI_BACKEND_ABI || mod->ops == NULL) {
		fprintf(stderr, "%s: no %s of ABI %d\n", path, NHI_BACKEND_SYMBOL,
			NHI_BACKEND_ABI);
		return -1;
	}
	ops = mod->ops;
	return 0;
}

static int
group_teardown(void **state)
{
	if (so != NULL)
		dlclose(so);
	return 0;
}

/* ---- helpers -------------------------------------------------------------- */

static void
set(struct nhi_conf *c, const char *key, const char *fmt, ...)
{
	char v[1024], e[256] = "";
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	r = nhi_conf_set(c, key, v, e, sizeof(e));
	if (r != 0)
		print_error("nhi_conf_set %s = %s: %s\n", key, v, e);
	assert_int_equal(r, 0);
}

/* A configuration for the test server: token, test CA, 5 s timeout. */
static int
conf_setup(void **state)
{
	struct nhi_conf *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	assert_int_equal(nhi_conf_init(c), 0);
	/* Files of the test's own user: root-owned only when run as root. */
	c->check_perms = geteuid() == 0;
	set(c, "backend", "http");
	set(c, "url", "https://127.0.0.1:%s/tickets/{id}", port);
	set(c, "lookup_url", "https://127.0.0.1:%s/lookup?user={user}&host={host}", port);
	set(c, "ca_file", "%s", ca);
	set(c, "token_file", "%s", token_file);
	set(c, "timeout", "5s");
	*state = c;
	return 0;
}

static int
conf_teardown(void **state)
{
	nhi_conf_free(*state);
	free(*state);
	return 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The backend's error convention, checked on every call. */
static void
check_answer(int r, json_t *doc)
{
	if (r == 0) {
		assert_non_null(doc);
	} else {
		assert_true(r < 0);
		assert_null(doc);
		assert_true(err[0] != '\0');
		print_message("    err: %s\n", err);
	}
	assert_null(strstr(err, token));
}

static int
fetch(const struct nhi_conf *c, const char *id, json_t **doc)
{
	int r;

	memset(err, 'X', sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
	*doc = (json_t *)&err;          /* must be cleared by the backend */
	r = ops->fetch(c, id, doc, err, sizeof(err));
	check_answer(r, *doc);
	return r;
}

/* Collects the candidates of a lookup into an array. */
static int
collect(json_t *doc, void *ud)
{
	return json_array_append(ud, doc) == 0 ? 0 : -ENOMEM;
}

static int
lookup(const struct nhi_conf *c, const char *user, const char *host, json_t **docs)
{
	int r;

	memset(err, 'X', sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
	*docs = json_array();
	assert_non_null(*docs);
	r = ops->lookup(c, user, host, collect, *docs, err, sizeof(err));
	if (r != 0) {
		json_decref(*docs);
		*docs = NULL;
	}
	check_answer(r, *docs);
	if (r == 0)
		assert_true(json_is_array(*docs));
	return r;
}

/* backend_error: any negative errno but the three with a meaning of their own. */
static void
assert_backend_error(int r)
{
	assert_true(r < 0);
	assert_int_not_equal(r, -ENOENT);
	assert_int_not_equal(r, -EBADMSG);
	assert_int_not_equal(r, -EPERM);
}

/* The request log line whose path contains marker (the last one), or NULL. */
static char *
reqlog_line(const char *marker)
{
	FILE *f = fopen(reqlog, "r");
	char line[4096], *found = NULL;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, marker) != NULL) {
			free(found);
			found = strdup(line);
			assert_non_null(found);
		}
	}
	fclose(f);
	return found;
}

/* How many request log lines contain marker. */
static int
reqlog_count(const char *marker)
{
	FILE *f = fopen(reqlog, "r");
	char line[4096];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, marker) != NULL;
	fclose(f);
	return n;
}

static const char *
doc_id(json_t *doc)
{
	return json_string_value(json_object_get(doc, "id"));
}

/* ---- fetch -------------------------------------------------------------- */

static void
test_backend_is_http(void **state)
{
	assert_string_equal(ops->name, "http");
	assert_non_null(ops->fetch);
	assert_non_null(ops->lookup);
}

static void
test_fetch_200_returns_the_document(void **state)
{
	json_t *doc;

	assert_int_equal(fetch(*state, "CHG-1042", &doc), 0);
	assert_true(json_is_object(doc));
	assert_string_equal(doc_id(doc), "CHG-1042");
	assert_string_equal(json_string_value(json_object_get(doc, "approver")), "alice");
	json_decref(doc);
}

static void
test_fetch_404_is_not_found(void **state)
{
	json_t *doc;

	assert_int_equal(fetch(*state, "CHG-0000", &doc), -ENOENT);
	assert_non_null(strstr(err, "HTTP 404"));
}

static void
test_fetch_500_is_backend_error(void **state)
{
	json_t *doc;
	int r = fetch(*state, "status-500", &doc);

	assert_backend_error(r);
	assert_non_null(strstr(err, "HTTP 500"));
	assert_backend_error(fetch(*state, "status-401", &doc));
	assert_backend_error(fetch(*state, "status-204", &doc));
}

static void
test_fetch_slow_answer_times_out(void **state)
{
	struct nhi_conf *c = *state;
	json_t *doc;
	int64_t t0, ms;
	int r;

	set(c, "timeout", "1s");
	t0 = now_ms();
	r = fetch(c, "delay-3", &doc);
	ms = now_ms() - t0;
	print_message("    returned after %lld ms\n", (long long)ms);
	assert_int_equal(r, -ETIMEDOUT);
	assert_in_range(ms, 900, 1999);
}

static void
test_fetch_trickling_body_times_out(void **state)
{
	struct nhi_conf *c = *state;
	json_t *doc;
	int64_t t0, ms;

	set(c, "timeout", "1s");
	t0 = now_ms();
	assert_int_equal(fetch(c, "trickle", &doc), -ETIMEDOUT);
	ms = now_ms() - t0;
	assert_in_range(ms, 900, 1999);
}

static void
test_fetch_body_over_cap_content_length(void **state)
{
	json_t *doc;
	char id[64];

	snprintf(id, sizeof(id), "size-%d", NHI_TICKET_MAX);
	assert_int_equal(fetch(*state, id, &doc), 0);    /* exactly the cap */
	json_decref(doc);
	snprintf(id, sizeof(id), "size-%d", NHI_TICKET_MAX + 1);
	assert_int_equal(fetch(*state, id, &doc), -EFBIG);
	assert_int_equal(fetch(*state, "huge", &doc), -EFBIG);
	assert_backend_error(-EFBIG);
}

static void
test_fetch_body_over_cap_chunked(void **state)
{
	json_t *doc;
	char id[64];

	snprintf(id, sizeof(id), "chunked-size-%d", NHI_TICKET_MAX);
	assert_int_equal(fetch(*state, id, &doc), 0);
	json_decref(doc);
	snprintf(id, sizeof(id), "chunked-size-%d", NHI_TICKET_MAX + 1);
	assert_int_equal(fetch(*state, id, &doc), -EFBIG);
	assert_int_equal(fetch(*state, "chunked-huge", &doc), -EFBIG);
}

static void
test_fetch_cert_of_another_ca_is_refused(void **state)
{
	struct nhi_conf *c = *state;
	json_t *doc;
	int r;

	set(c, "url", "https://127.0.0.1:%s/tickets/{id}", other_port);
	r = fetch(c, "CHG-1042", &doc);
	assert_backend_error(r);
	assert_non_null(strstr(err, "(curl 60)"));
}

static void
test_fetch_system_cas_refuse_the_test_ca(void **state)
{
	struct nhi_conf *c = *state;
	json_t *doc;

	free(c->ca_file);
	c->ca_file = NULL;
	assert_backend_error(fetch(c, "CHG-1042", &doc));
	assert_non_null(strstr(err, "(curl 60)"));
}

static void
test_fetch_by_host_name(void **state)
{
	struct nhi_conf *c = *state;
	json_t *doc;

	/* The certificate names localhost as well as 127.0.0.1. */
	set(c, "url", "https://localhost:%s/tickets/{id}", port);
	assert_int_equal(fetch(c, "CHG-1042", &doc), 0);
	json_decref(doc);
}

static void
test_fetch_redirect_is_not_followed(void **state)
{
	json_t *doc;

	/* The Location serves CHG-1042: following it would succeed. */
	assert_backend_error(fetch(*state, "status-302", &doc));
	assert_non_null(strstr(err, "HTTP 302"));
	assert_backend_error(fetch(*state, "status-301", &doc));
}

static void
test_fetch_malformed_answers(void **state)
{
	json_t *doc;

	assert_int_equal(fetch(*state, "notjson", &doc), -EBADMSG);
	assert_int_equal(fetch(*state, "scalar", &doc), -EBADMSG);
	assert_int_equal(fetch(*state, "array-doc", &doc), -EBADMSG);
	assert_int_equal(fetch(*state, "duplicate-key", &doc), -EBADMSG);
	assert_int_equal(fetch(*state, "depth-33", &doc), -EBADMSG);
	assert_non_null(strstr(err, "nested"));
}

static void
test_fetch_depth_limit_is_exact(void **state)
{
	json_t *doc;

	assert_int_equal(fetch(*state, "depth-32", &doc), 0);
	json_decref(doc);
	/* Brackets inside a string are not nesting. */
	assert_int_equal(fetch(*state, "depth-in-string", &doc), 0);
	json_decref(doc);
}

static void
test_token_is_sent_as_bearer(void **state)
{
	struct nhi_conf *c = *state;
	char want[512], *line;
	json_t *doc;

	set(c, "url", "https://127.0.0.1:%s/tickets/{id}?mark=bearer-sent", port);
	assert_int_equal(fetch(c, "CHG-1042", &doc), 0);
	json_decref(doc);
	line = reqlog_line("mark=bearer-sent");
	assert_non_null(line);
	snprintf(want, sizeof(want), "\"authorization\": \"Bearer %s\"", token);
	assert_non_null(strstr(line, want));
	assert_non_null(strstr(line, "\"accept\": \"application/json\""));
	assert_non_null(strstr(line, "\"user_agent\": \"pam_nhiacct/"));
	free(line);
}

static void
test_token_absent_from_errors(void **state)
{
	struct nhi_conf *c = *state;
	json_t *doc;

	/* Every call checks err; these are the ones with the richest err. */
	assert_backend_error(fetch(c, "status-500", &doc));
	assert_int_equal(fetch(c, "notjson", &doc), -EBADMSG);
	set(c, "url", "https://127.0.0.1:%s/tickets/{id}", other_port);
	assert_backend_error(fetch(c, "CHG-1042", &doc));
}

static void
test_no_token_file_sends_no_authorization(void **state)
{
	struct nhi_conf *c = *state;
	char *line;
	json_t *doc;

	free(c->token_file);
	c->token_file = NULL;
	set(c, "url", "https://127.0.0.1:%s/tickets/{id}?mark=no-token", port);
	assert_int_equal(fetch(c, "CHG-1042", &doc), 0);
	json_decref(doc);
	line = reqlog_line("mark=no-token");
	assert_non_null(line);
	assert_non_null(strstr(line, "\"authorization\": null"));
	free(line);
}

static const char *const proxy_vars[] = {
	"https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy",
	"ALL_PROXY",
};

static void
test_proxy_environment_is_ignored(void **state)
{
	struct nhi_conf *c = *state;
	json_t *doc;
	size_t i;
	int r;

	for (i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++)
		assert_int_equal(setenv(proxy_vars[i], "http://127.0.0.1:9", 1), 0);
	r = fetch(c, "CHG-1042", &doc);
	for (i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++)
		unsetenv(proxy_vars[i]);
	assert_int_equal(r, 0);
	json_decref(doc);
}

static void
test_proxy_option_is_used_and_no_proxy_ignored(void **state)
{
	struct nhi_conf *c = *state;
	json_t *doc;
	int r;

	/* The same dead proxy, from the configuration, does break the request
	 * (so the test above means something), and NO_PROXY cannot bypass it. */
	set(c, "proxy", "http://127.0.0.1:9");
	setenv("NO_PROXY", "*", 1);
	setenv("no_proxy", "*", 1);
	r = fetch(c, "CHG-1042", &doc);
	unsetenv("NO_PROXY");
	unsetenv("no_proxy");
	assert_backend_error(r);
}

static void
test_connection_refused_is_backend_error(void **state)
{
	struct nhi_conf *c = *state;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int64_t t0, ms;
	json_t *doc;
	int fd, r;

	/* A port that was free a moment ago: nothing listens there. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	set(c, "url", "https://127.0.0.1:%d/tickets/{id}", ntohs(sin.sin_port));
	set(c, "timeout", "2s");
	t0 = now_ms();
	r = fetch(c, "CHG-1042", &doc);
	ms = now_ms() - t0;
	assert_int_equal(r, -ECONNREFUSED);
	assert_non_null(strstr(err, "(curl 7)"));
	assert_in_range(ms, 0, 1999);   /* one quick retry, within the budget */
}

/*
 * Opens fd for connections only after 50 ms, waits up to 3 s for one, accepts
 * it and hangs up.  Returns non-NULL if a connection came.
 */
static void *
late_listener(void *arg)
{
	struct pollfd pfd = { *(int *)arg, POLLIN, 0 };
	struct timespec ts = { 0, 50 * 1000000L };
	int cfd;

	nanosleep(&ts, NULL);
	if (listen(pfd.fd, 1) != 0 || poll(&pfd, 1, 3000) != 1)
		return NULL;
	if ((cfd = accept(pfd.fd, NULL, NULL)) < 0)
		return NULL;
	close(cfd);
	return (void *)1;
}

static void
test_connection_retried_once(void **state)
{
	struct nhi_conf *c = *state;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	pthread_t th;
	void *accepted = NULL;
	json_t *doc;
	int fd, r;

	/*
	 * Bound but not listening: the first attempt is refused.  The port
	 * opens at 50 ms; the one retry, 100 ms after the refusal, connects
	 * and meets a peer that hangs up: a TLS error, no longer "couldn't
	 * connect".
	 */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	set(c, "url", "https://127.0.0.1:%d/tickets/{id}", ntohs(sin.sin_port));
	set(c, "timeout", "3s");
	assert_int_equal(pthread_create(&th, NULL, late_listener, &fd), 0);
	r = fetch(c, "CHG-1042", &doc);
	pthread_join(th, &accepted);
	close(fd);
	assert_backend_error(r);
	assert_null(strstr(err, "(curl 7)"));
	assert_non_null(accepted);
}

static void
test_http_answers_are_not_retried(void **state)
{
	struct nhi_conf *c = *state;
	json_t *doc;

	set(c, "url", "https://127.0.0.1:%s/tickets/{id}?mark=no-retry", port);
	assert_backend_error(fetch(c, "status-503", &doc));
	assert_int_equal(reqlog_count("mark=no-retry"), 1);
}

static void
test_id_placeholder_is_escaped(void **state)
{
	json_t *doc;
	char *line;

	assert_int_equal(fetch(*state, "x y/../CHG-1042?q#f", &doc), -ENOENT);
	line = reqlog_line("/tickets/x%20y%2F..%2FCHG-1042%3Fq%23f");
	assert_non_null(line);
	free(line);
}

/* ---- token file ---------------------------------------------------------- */

static char *
token_copy(const char *name, mode_t mode)
{
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", tmp, name) > 0);
	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", token);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void
expect_config_error(struct nhi_conf *c, const char *path)
{
	json_t *doc;

	set(c, "token_file", "%s", path);
	assert_int_equal(fetch(c, "CHG-1042", &doc), -EPERM);
	assert_non_null(strstr(err, "config"));
	assert_int_equal(lookup(c, "vendor1", "jump1.example.com", &doc), -EPERM);
}

static void
test_token_file_mode_0644_is_config_error(void **state)
{
	char *path = token_copy("token-0644", 0644);

	expect_config_error(*state, path);
	free(path);
}

static void
test_token_file_mode_0640_is_config_error(void **state)
{
	char *path = token_copy("token-0640", 0640);

	expect_config_error(*state, path);
	free(path);
}

static void
test_token_file_0400_is_fine(void **state)
{
	struct nhi_conf *c = *state;
	char *path = token_copy("token-0400", 0400);
	json_t *doc;

	set(c, "token_file", "%s", path);
	assert_int_equal(fetch(c, "CHG-1042", &doc), 0);
	json_decref(doc);
	free(path);
}

static void
test_token_file_symlink_is_config_error(void **state)
{
	char *path;

	assert_true(asprintf(&path, "%s/token-link", tmp) > 0);
	unlink(path);
	assert_int_equal(symlink(token_file, path), 0);
	expect_config_error(*state, path);
	free(path);
}

static void
test_token_file_missing_is_config_error(void **state)
{
	char *path;

	/* Not -ENOENT, which would read as "no such ticket". */
	assert_true(asprintf(&path, "%s/no-such-token", tmp) > 0);
	expect_config_error(*state, path);
	free(path);
}

static void
test_token_file_not_owned_by_root_is_config_error(void **state)
{
	struct nhi_conf *c = *state;
	char *path;

	if (geteuid() != 0) {
		skip();
		return;
	}
	path = token_copy("token-nobody", 0600);
	assert_int_equal(chown(path, 65534, 65534), 0);
	expect_config_error(c, path);
	free(path);
}

static void
test_token_file_with_inner_newline_is_config_error(void **state)
{
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/token-newline", tmp) > 0);
	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "abc\r\nX-Injected: 1\n");
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
	expect_config_error(*state, path);
	free(path);
}

static void
test_bad_url_is_config_error(void **state)
{
	struct nhi_conf *c = *state;
	json_t *doc;

	free(c->url);
	assert_non_null(c->url = strdup("file:///etc/{id}"));
	assert_int_equal(fetch(c, "passwd", &doc), -EPERM);
	free(c->url);
	assert_non_null(c->url = strdup("https://127.0.0.1/tickets/fixed"));
	assert_int_equal(fetch(c, "CHG-1042", &doc), -EPERM);
}

/* ---- lookup --------------------------------------------------------------- */

static void
test_lookup_zero_tickets(void **state)
{
	json_t *docs;

	assert_int_equal(lookup(*state, "nobody-at-all", "jump1.example.com", &docs), 0);
	assert_int_equal(json_array_size(docs), 0);
	json_decref(docs);
}

static void
test_lookup_single_object_is_wrapped(void **state)
{
	struct nhi_conf *c = *state;
	json_t *docs;

	set(c, "lookup_url",
	    "https://127.0.0.1:%s/lookup?user={user}&host={host}&knob=single", port);
	assert_int_equal(lookup(c, "vendor3", "jump1.example.com", &docs), 0);
	assert_int_equal(json_array_size(docs), 1);
	assert_string_equal(doc_id(json_array_get(docs, 0)), "CHG-3001");
	json_decref(docs);
}

static void
test_lookup_array_of_one(void **state)
{
	json_t *docs;

	assert_int_equal(lookup(*state, "vendor3", "jump1.example.com", &docs), 0);
	assert_int_equal(json_array_size(docs), 1);
	assert_string_equal(doc_id(json_array_get(docs, 0)), "CHG-3001");
	json_decref(docs);
}

static void
test_lookup_several_tickets(void **state)
{
	json_t *docs;

	assert_int_equal(lookup(*state, "vendor1", "jump1.example.com", &docs), 0);
	assert_int_equal(json_array_size(docs), 2);
	assert_string_equal(doc_id(json_array_get(docs, 0)), "CHG-1042");
	assert_string_equal(doc_id(json_array_get(docs, 1)), "CHG-2001");
	json_decref(docs);
}

/*
 * ServiceNow answers {"result": [a, b]}: read as one ticket, only "a" was
 * ever looked at (here: the wrapper itself, which holds no ticket).  With
 * lookup_list every candidate of the list is handed over.
 */
static void
test_lookup_list_reads_the_wrapped_list(void **state)
{
	struct nhi_conf *c = *state;
	char *saved = strdup(c->lookup_url);
	json_t *docs;

	set(c, "lookup_url",
	    "https://127.0.0.1:%s/lookup?user={user}&host={host}&knob=wrapped", port);
	assert_int_equal(lookup(c, "vendor1", "jump1.example.com", &docs), 0);
	assert_int_equal(json_array_size(docs), 1);     /* the wrapper, as one "ticket" */
	json_decref(docs);
	assert_int_equal(nhi_conf_set(c, "lookup_list", "/result", NULL, 0), 0);
	assert_int_equal(lookup(c, "vendor1", "jump1.example.com", &docs), 0);
	assert_int_equal(json_array_size(docs), 2);
	assert_string_equal(doc_id(json_array_get(docs, 0)), "CHG-1042");
	assert_string_equal(doc_id(json_array_get(docs, 1)), "CHG-2001");
	json_decref(docs);
	assert_int_equal(nhi_conf_set(c, "lookup_list", "/issues", NULL, 0), 0);
	assert_int_equal(lookup(c, "vendor1", "jump1.example.com", &docs), -EBADMSG);
	assert_non_null(strstr(err, "nothing at lookup_list /issues"));
	free(c->lookup_list);
	c->lookup_list = NULL;
	free(c->lookup_url);
	c->lookup_url = saved;
}

static void
lookup_knob(struct nhi_conf *c, const char *knob, int want)
{
	json_t *docs;
	int r;

	set(c, "lookup_url",
	    "https://127.0.0.1:%s/lookup?user={user}&host={host}&knob=%s", port, knob);
	r = lookup(c, "vendor1", "jump1.example.com", &docs);
	if (r == 0)
		json_decref(docs);
	if (want == 1)
		assert_backend_error(r);
	else
		assert_int_equal(r, want);
}

static void
test_lookup_malformed_answers(void **state)
{
	lookup_knob(*state, "notjson", -EBADMSG);
	lookup_knob(*state, "scalar", -EBADMSG);
	lookup_knob(*state, "badarray", -EBADMSG);
}

static void
test_lookup_errors(void **state)
{
	char knob[64];

	lookup_knob(*state, "status-500", 1);
	lookup_knob(*state, "status-302", 1);
	lookup_knob(*state, "status-404", -ENOENT);
	snprintf(knob, sizeof(knob), "size-%d", NHI_LOOKUP_MAX + 1);
	lookup_knob(*state, knob, -EFBIG);
	snprintf(knob, sizeof(knob), "chunked-size-%d", NHI_LOOKUP_MAX + 1);
	lookup_knob(*state, knob, -EFBIG);
	/* The lookup cap, not the ticket cap, applies to a lookup. */
	lookup_knob(*state, "huge", 0);
}

static void
test_lookup_placeholders_escaped(void **state)
{
	json_t *docs;
	char *line;

	assert_int_equal(lookup(*state, "a b/c", "h&x=1", &docs), 0);
	assert_int_equal(json_array_size(docs), 0);
	json_decref(docs);
	line = reqlog_line("/lookup?user=a%20b%2Fc&host=h%26x%3D1");
	assert_non_null(line);
	free(line);
}

/* ---- approvals_url: the second request and its hostile answers ---------- */

/* approvals_url on the test server, the knob chosen by the answer. */
static void
approvals_conf(struct nhi_conf *c, const char *knob)
{
	set(c, "approvals_url", "https://127.0.0.1:%s/tickets/{id}?knob=%s", port, knob);
	set(c, "field_approver", "[.result[] | select(.state == \"approved\") | .who]");
}

static void
test_approvals_hostile_answers(void **state)
{
	static const struct {
		const char *knob;
		int r;                  /* 1: any backend error */
		const char *says;
	} cases[] = {
		{ "deep", -EBADMSG, "nested deeper" },
		{ "scalar", -EBADMSG, "not JSON" },
		{ "notjson", -EBADMSG, "not JSON" },
		{ "badarray", -EBADMSG, "field_approver" },     /* the wrong type */
		{ "size-1100000", 1, "larger than" },           /* past the decision's 1 MiB */
		{ "chunked-size-1100000", 1, "larger than" },
		{ "status-500", 1, "HTTP 500" },
		{ "status-404", -EBADMSG, "approvals_url: HTTP 404" },
		{ "status-302", 1, "HTTP 302" },
	};
	struct nhi_conf *c = *state;
	json_t *doc;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r;

		nhi_conf_free(c);
		conf_setup(state);
		c = *state;
		approvals_conf(c, cases[i].knob);
		r = fetch(c, "CHG-1042", &doc);
		if (cases[i].r == 1)
			assert_backend_error(r);
		else if (r != cases[i].r)
			fail_msg("knob %s: %d, want %d (%s)", cases[i].knob, r, cases[i].r, err);
		if (strstr(err, cases[i].says) == NULL)
			fail_msg("knob %s: err '%s' lacks '%s'", cases[i].knob, err, cases[i].says);
	}
}

/* The answer of approvals_url is what field_approver reads; the native
 * document handed to the gate carries its approvers. */
static void
test_approvals_read_by_the_approver_field(void **state)
{
	struct nhi_conf *c = *state;
	json_t *doc;

	/* the ticket itself as its "approvals": nothing at /result */
	set(c, "approvals_url", "https://127.0.0.1:%s/tickets/{id}", port);
	set(c, "field_approver", "[.approver, $ticket.requester]");
	assert_int_equal(fetch(c, "CHG-1042", &doc), 0);
	assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "approver"), 0)),
			    "alice");
	assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "approver"), 1)),
			    "acme-jdoe");
	json_decref(doc);
	assert_int_equal(reqlog_count("/tickets/CHG-1042 "), 0);
	assert_true(reqlog_count("\"/tickets/CHG-1042\"") >= 2);     /* ticket, approvals */
}

/* Both requests share the one timeout: each alone fits, together they do not. */
static void
test_approvals_share_the_timeout(void **state)
{
	struct nhi_conf *c = *state;
	json_t *doc;
	int64_t t0;

	set(c, "timeout", "1s");
	assert_int_equal(fetch(c, "delay-0.6", &doc), 0);        /* alone: fits */
	json_decref(doc);
	set(c, "approvals_url", "https://127.0.0.1:%s/tickets/{id}?knob=delay-0.6", port);
	t0 = now_ms();
	assert_int_equal(fetch(c, "delay-0.6", &doc), -ETIMEDOUT);
	assert_true(now_ms() - t0 < 1500);
	assert_non_null(strstr(err, "timed out"));
}

/* A value from the ticket cannot add a path segment, a query or a fragment. */
static void
test_approvals_url_values_are_encoded(void **state)
{
	struct nhi_conf *c = *state;
	json_t *doc;
	char *line;

	set(c, "approvals_url", "https://127.0.0.1:%s/tickets/{/ref}", port);
	assert_int_equal(fetch(c, "INJECT-1", &doc), -EBADMSG);  /* the server: no such file */
	assert_non_null(strstr(err, "approvals_url: HTTP 404"));
	line = reqlog_line("/tickets/..%2FCHG-1042%3Fknob%3Dstatus-500%23frag\"");
	assert_non_null(line);
	free(line);
	/* a placeholder the ticket has no string for */
	set(c, "approvals_url", "https://127.0.0.1:%s/tickets/{/scope}", port);
	assert_int_equal(fetch(c, "INJECT-1", &doc), -EBADMSG);
	assert_non_null(strstr(err, "approvals_url {/scope}"));
}

/* An expression that does not compile is a configuration error. */
static void
test_expression_that_does_not_compile(void **state)
{
	struct nhi_conf *c = *state;
	json_t *doc;

	set(c, "field_state", ".state | ");
	assert_int_equal(fetch(c, "CHG-1042", &doc), -EPERM);
	assert_non_null(strstr(err, "do not compile"));
	assert_int_equal(ops->check(c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "field_state"));
}

static void
test_lookup_without_lookup_url_finds_nothing(void **state)
{
	struct nhi_conf *c = *state;
	json_t *docs;

	free(c->lookup_url);
	c->lookup_url = NULL;
	assert_int_equal(lookup(c, "vendor1", "jump1.example.com", &docs), 0);
	assert_int_equal(json_array_size(docs), 0);
	json_decref(docs);
}

/* Runs last: SSLKEYLOGFILE was set before the first request. */
static void
test_sslkeylogfile_is_not_written(void **state)
{
	struct stat st;

	assert_int_equal(stat(keylog, &st), -1);
	assert_int_equal(errno, ENOENT);
	/* ... and the environment is as it was. */
	assert_non_null(getenv("SSLKEYLOGFILE"));
	assert_string_equal(getenv("SSLKEYLOGFILE"), keylog);
}

#define T(f) cmocka_unit_test_setup_teardown(f, conf_setup, conf_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_backend_is_http),
		T(test_fetch_200_returns_the_document),
		T(test_fetch_404_is_not_found),
		T(test_fetch_500_is_backend_error),
		T(test_fetch_slow_answer_times_out),
		T(test_fetch_trickling_body_times_out),
		T(test_fetch_body_over_cap_content_length),
		T(test_fetch_body_over_cap_chunked),
		T(test_fetch_cert_of_another_ca_is_refused),
		T(test_fetch_system_cas_refuse_the_test_ca),
		T(test_fetch_by_host_name),
		T(test_fetch_redirect_is_not_followed),
		T(test_fetch_malformed_answers),
		T(test_fetch_depth_limit_is_exact),
		T(test_token_is_sent_as_bearer),
		T(test_token_absent_from_errors),
		T(test_no_token_file_sends_no_authorization),
		T(test_proxy_environment_is_ignored),
		T(test_proxy_option_is_used_and_no_proxy_ignored),
		T(test_connection_refused_is_backend_error),
		T(test_connection_retried_once),
		T(test_http_answers_are_not_retried),
		T(test_id_placeholder_is_escaped),
		T(test_token_file_mode_0644_is_config_error),
		T(test_token_file_mode_0640_is_config_error),
		T(test_token_file_0400_is_fine),
		T(test_token_file_symlink_is_config_error),
		T(test_token_file_missing_is_config_error),
		T(test_token_file_not_owned_by_root_is_config_error),
		T(test_token_file_with_inner_newline_is_config_error),
		T(test_bad_url_is_config_error),
		T(test_lookup_zero_tickets),
		T(test_lookup_single_object_is_wrapped),
		T(test_lookup_array_of_one),
		T(test_lookup_several_tickets),
		T(test_lookup_list_reads_the_wrapped_list),
		T(test_lookup_malformed_answers),
		T(test_lookup_errors),
		T(test_lookup_placeholders_escaped),
		T(test_lookup_without_lookup_url_finds_nothing),
		T(test_approvals_hostile_answers),
		T(test_approvals_read_by_the_approver_field),
		T(test_approvals_share_the_timeout),
		T(test_approvals_url_values_are_encoded),
		T(test_expression_that_does_not_compile),
		T(test_sslkeylogfile_is_not_written),
	};

	return cmocka_run_group_tests_name("http backend", tests, group_setup,
					   group_teardown);
}
