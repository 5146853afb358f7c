/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_conf: bytes -> a memfd -> nhi_conf_load (check_perms off: the fd is
 * ours, not root's file); then the same bytes line by line, split at the
 * first '=', through nhi_conf_set (the module-argument path, no trimming).
 * Invariants: every value the loader or the setter accepts lies in the range
 * its key allows (durations, warn_before sorted and bounded, lists without
 * blanks, JSON Pointers of RFC 6901 shape, absolute paths, https URLs); a
 * refused value leaves the configuration as valid as before; a file with a
 * NUL byte is refused; err is always a terminated string; only the
 * documented errors come back.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
word_list_ok(const struct nhi_strv *sv)
{
	if (sv->n > NHI_LIST_MAX)
		return false;
	for (size_t i = 0; i < sv->n; i++)
		if (sv->v[i][0] == '\0' || strpbrk(sv->v[i], " \t") != NULL)
			return false;
	return true;
}

/* approved_states: a quoted state may hold blanks, never a quote or nothing. */
static bool
state_list_ok(const struct nhi_strv *sv)
{
	if (sv->n > NHI_LIST_MAX)
		return false;
	for (size_t i = 0; i < sv->n; i++)
		if (sv->v[i][0] == '\0' || strchr(sv->v[i], '"') != NULL)
			return false;
	return true;
}

/* A field: a JSON Pointer, or (backend = http) an expression of at most
 * 2048 bytes without control characters. */
static bool
pointer_ok(const char *p);

static bool
field_ok(const char *p, bool validated, enum nhi_backend_kind b)
{
	if (p == NULL)
		return false;
	if (p[0] == '\0' || p[0] == '/')
		return pointer_ok(p);
	if (validated && b != NHI_BACKEND_HTTP)
		return false;
	for (const char *q = p; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			return false;
	return strlen(p) <= 2048;
}

static bool
pointer_ok(const char *p)
{
	if (p == NULL)
		return false;
	if (p[0] == '\0')
		return true;
	if (p[0] != '/')
		return false;
	for (; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1')
			return false;
	return true;
}

static bool
url_ok(const char *u, const char *need)
{
	return u == NULL || (strncmp(u, "https://", 8) == 0 && strstr(u, need) != NULL);
}

static void
check_conf(const struct nhi_conf *c, bool validated)
{
	CHECK(c->timeout >= 1 && c->timeout <= 300);
	CHECK(c->max_window >= 1 && c->max_window <= 366 * 86400);
	CHECK(c->clock_skew >= 0 && c->clock_skew <= 86400);
	CHECK(c->recheck >= 1 && c->recheck <= 86400);
	CHECK(c->n_warn_before <= NHI_WARN_MAX);
	for (size_t i = 0; i < c->n_warn_before; i++) {
		CHECK(c->warn_before[i] > 0 && c->warn_before[i] <= 7 * 86400);
		if (i > 0)
			CHECK(c->warn_before[i] < c->warn_before[i - 1]);
	}
	CHECK(c->approved_states.n >= 1);
	CHECK(state_list_ok(&c->approved_states) && word_list_ok(&c->approvers) &&
	      word_list_ok(&c->vendor_users) && word_list_ok(&c->vendor_groups));
	for (int f = 0; f < NHI_FIELD_MAX; f++)
		CHECK(field_ok(c->field[f], validated, c->backend));
	CHECK(c->ticket_dir != NULL && c->ticket_dir[0] == '/');
	CHECK(c->state_dir != NULL && c->state_dir[0] == '/');
	CHECK(c->token_file == NULL || c->token_file[0] == '/');
	CHECK(c->ca_file == NULL || c->ca_file[0] == '/');
	CHECK(c->host == NULL || (c->host[0] != '\0' && strlen(c->host) <= 253 &&
				  strpbrk(c->host, " \t\r\n") == NULL));
	CHECK(url_ok(c->url, "{id}") && url_ok(c->lookup_url, "{user}") &&
	      url_ok(c->approvals_url, "{"));
	CHECK(c->backend == NHI_BACKEND_FILE || c->backend == NHI_BACKEND_HTTP);
	CHECK(c->audit == NHI_AUDIT_REQUIRED || c->audit == NHI_AUDIT_BEST_EFFORT);
}

static char path[64];

static void
remove_conf(void)
{
	unlink(path);
}

static void
load(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct nhi_conf c;
	char err[512];
	int r;

	/* a regular file: the loader refuses a symbolic link such as
	 * /proc/self/fd/N of a memfd */
	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/nhi-fuzz-conf.XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			abort();
		atexit(remove_conf);
	}
	if (ftruncate(fd, 0) < 0 || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	CHECK(nhi_conf_init(&c) == 0);
	c.check_perms = false;
	memset(err, 'x', sizeof(err));
	r = nhi_conf_load(&c, path, err, sizeof(err));
	CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	/* conf.c refuses a NUL byte ("PATH:LINE: NUL byte"): one anywhere
	 * must fail the load, never cut a line short unseen */
	if (memchr(data, '\0', size) != NULL)
		CHECK(r < 0);
	if (r == 0) {
		CHECK(err[0] == '\0');
		CHECK(nhi_conf_validate(&c, NULL, 0) == 0);
	} else {
		CHECK(r == -EINVAL || r == -EFBIG || r == -ENOMEM);
		CHECK(err[0] != '\0');
	}
	check_conf(&c, r == 0);
	nhi_conf_free(&c);
}

/* Module arguments: "key=value" exactly as pam.d gives them. */
static void
set_lines(const uint8_t *data, size_t size)
{
	struct nhi_conf c;
	size_t pos = 0;
	int lines = 0;

	CHECK(nhi_conf_init(&c) == 0);
	c.check_perms = false;
	while (pos < size && lines++ < 64) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;
		char *line = fuzz_cstr(data + pos, len), *eq, err[256];
		int r;

		pos += len + 1;
		if ((eq = strchr(line, '=')) != NULL) {
			*eq = '\0';
			memset(err, 'x', sizeof(err));
			r = nhi_conf_set(&c, line, eq + 1, err, sizeof(err));
			CHECK(memchr(err, '\0', sizeof(err)) != NULL);
			CHECK(r == 0 || r == -EINVAL || r == -ENOENT || r == -ENOMEM);
			CHECK((r == 0) == (err[0] == '\0'));
			check_conf(&c, false);
		}
		free(line);
	}
	(void)nhi_conf_validate(&c, NULL, 0);
	nhi_conf_free(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load(data, size);
	set_lines(data, size);
	return 0;
}
