/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one bounded, owner-checked read (lib/fileio.c) that the
 * configuration, the tickets, the token, the session records and /proc are
 * read through: what it refuses (links, other file types, loose owners and
 * modes, too much) and what it reads (exactly up to the bound, files of
 * unknown size).
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fileio.h"

static char dir[] = "/tmp/nhi-fileio-XXXXXX";
static int dirfd_ = -1;

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return dirfd_ < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	close(dirfd_);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A file of n bytes of 'a' in the test folder, with mode. */
static void
make_file(const char *name, size_t n, mode_t mode)
{
	char *buf = malloc(n + 1);
	int fd;

	assert_non_null(buf);
	memset(buf, 'a', n);
	(void)unlinkat(dirfd_, name, 0);
	fd = openat(dirfd_, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	free(buf);
}

static int
read_it(const char *name, const struct nhi_file_rules *ru, size_t *len, char *err, size_t errsz)
{
	char *buf = (char *)&buf;       /* must be set to NULL on failure */
	int r = nhi_file_read(dirfd_, name, ru, &buf, len, err, errsz);

	if (r == 0) {
		assert_non_null(buf);
		assert_int_equal(strlen(buf), *len);    /* NUL-terminated */
		free(buf);
	} else {
		assert_null(buf);
	}
	return r;
}

static void
test_reads_up_to_the_bound_and_not_a_byte_more(void **state)
{
	const struct nhi_file_rules ru = { .max = 5000 };
	char err[256];
	size_t len;

	(void)state;
	make_file("exact", 5000, 0644);
	assert_int_equal(read_it("exact", &ru, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 5000);
	make_file("over", 5001, 0644);
	assert_int_equal(read_it("over", &ru, &len, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "over: larger than 5000 bytes"));
	make_file("empty", 0, 0644);
	assert_int_equal(read_it("empty", &ru, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 0);
}

static void
test_symlink_is_refused(void **state)
{
	const struct nhi_file_rules ru = { .max = 100, .label = "ticket X" };
	char err[256];
	size_t len;

	(void)state;
	make_file("target", 10, 0644);
	assert_int_equal(symlinkat("target", dirfd_, "link"), 0);
	assert_int_equal(read_it("link", &ru, &len, err, sizeof(err)), -ELOOP);
	assert_string_equal(err, "ticket X: is a symbolic link; refused");
}

static void
test_only_regular_files(void **state)
{
	const struct nhi_file_rules ru = { .max = 100 };
	char err[256];
	size_t len;

	(void)state;
	assert_int_equal(mkfifoat(dirfd_, "fifo", 0600), 0);
	assert_int_equal(read_it("fifo", &ru, &len, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(mkdirat(dirfd_, "sub", 0700), 0);
	assert_true(read_it("sub", &ru, &len, err, sizeof(err)) < 0);
}

static void
test_root_owned_and_not_writable_by_others(void **state)
{
	const struct nhi_file_rules ru = { .max = 100, .owner = NHI_OWNER_ROOT };
	char err[256];
	size_t len;

	(void)state;
	if (geteuid() != 0)
		skip();
	make_file("ok", 10, 0644);
	assert_int_equal(read_it("ok", &ru, &len, err, sizeof(err)), 0);
	make_file("gw", 10, 0664);
	assert_int_equal(read_it("gw", &ru, &len, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "writable by group or others"));
	make_file("other", 10, 0644);
	assert_int_equal(fchownat(dirfd_, "other", 12345, 0, 0), 0);
	assert_int_equal(read_it("other", &ru, &len, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "not owned by root"));
}

static void
test_self_owned(void **state)
{
	const struct nhi_file_rules ru = { .max = 100, .owner = NHI_OWNER_SELF };
	char err[256];
	size_t len;

	(void)state;
	make_file("mine", 10, 0600);
	assert_int_equal(read_it("mine", &ru, &len, err, sizeof(err)), 0);
	if (geteuid() != 0)
		return;
	assert_int_equal(fchownat(dirfd_, "mine", 12345, 0, 0), 0);
	assert_int_equal(read_it("mine", &ru, &len, err, sizeof(err)), -EPERM);
}

static void
test_private_mode(void **state)
{
	const struct nhi_file_rules ru = { .max = 100, .private_mode = true };
	char err[256];
	size_t len;

	(void)state;
	make_file("secret", 10, 0600);
	assert_int_equal(read_it("secret", &ru, &len, err, sizeof(err)), 0);
	make_file("readable", 10, 0640);
	assert_int_equal(read_it("readable", &ru, &len, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "0600 or stricter"));
}

/* /proc files say size 0: the buffer grows as they are read. */
static void
test_file_of_unknown_size(void **state)
{
	const struct nhi_file_rules ru = { .max = 1 << 20 };
	char *buf = NULL;
	size_t len;

	(void)state;
	assert_int_equal(nhi_file_read(AT_FDCWD, "/proc/self/status", &ru, &buf, &len, NULL, 0), 0);
	assert_true(len > 0);
	assert_non_null(strstr(buf, "\nUid:"));
	free(buf);
}

/* nhi_fd_read: a stream that holds more than the bound is refused. */
static void
test_fd_read_bound_on_a_stream(void **state)
{
	char big[300], buf[101];
	size_t len;
	int p[2];

	(void)state;
	memset(big, 'x', sizeof(big));
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], big, 100), 100);
	close(p[1]);
	assert_int_equal(nhi_fd_read(p[0], buf, 100, &len), 0);
	assert_int_equal(len, 100);
	assert_int_equal(buf[100], '\0');
	close(p[0]);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], big, 101), 101);
	close(p[1]);
	assert_int_equal(nhi_fd_read(p[0], buf, 100, &len), -EFBIG);
	close(p[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_up_to_the_bound_and_not_a_byte_more),
		cmocka_unit_test(test_symlink_is_refused),
		cmocka_unit_test(test_only_regular_files),
		cmocka_unit_test(test_root_owned_and_not_writable_by_others),
		cmocka_unit_test(test_self_owned),
		cmocka_unit_test(test_private_mode),
		cmocka_unit_test(test_file_of_unknown_size),
		cmocka_unit_test(test_fd_read_bound_on_a_stream),
	};

	return cmocka_run_group_tests_name("fileio", tests, setup, teardown);
}
