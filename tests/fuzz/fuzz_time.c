/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_time: bytes (as the C string they would be in a ticket or a config)
 * -> nhi_parse_time, nhi_parse_duration; and the first 8 bytes as an int64
 * -> nhi_format_time, nhi_format_duration at every small buffer size.
 * Invariants: an accepted time lies in 1970-01-01 .. 9999-12-31T23:59:59Z;
 * format(parse(x)) parses back to the same instant (so every time the module
 * writes into NHIACCT_NOT_AFTER can be read again); a plain "...Z" time
 * agrees with timegm(3); an accepted duration lies in [0, 100 years] and
 * "<n>s" of it parses back to itself; formatting never overruns its buffer
 * and always terminates it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <time.h>

#include "fuzz.h"

#define DURATION_MAX ((int64_t)100 * 366 * 86400)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "YYYY-MM-DDThh:mm:ssZ" exactly: the expected value from libc's timegm. */
static bool
plain_utc(const char *s, int64_t *out)
{
	struct tm tm;
	char tail;

	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return false;
	for (int i = 0; i < 19; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 &&
		    (s[i] < '0' || s[i] > '9'))
			return false;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &tail) != 7 || tm.tm_sec == 60)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (int64_t)timegm(&tm);
	return true;
}

static void
check_format_time(int64_t t)
{
	/* around the 21 bytes of "YYYY-MM-DDThh:mm:ssZ" and "@<int64>" */
	static const size_t sizes[] = { 1, 2, 3, 20, 21, 22 };
	char buf[NHI_TIME_BUF];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t sz = sizes[i];
		char *b = malloc(sz);   /* exact size: ASan sees any overrun */

		if (b == NULL)
			abort();
		nhi_format_time(t, b, sz);
		CHECK(memchr(b, '\0', sz) != NULL);
		free(b);
	}
	nhi_format_time(t, buf, sizeof(buf));
	if (t >= 0 && t <= FUZZ_TIME_MAX) {
		int64_t back = -1;
		CHECK(strlen(buf) == 20);
		CHECK(nhi_parse_time(buf, &back) == 0 && back == t);
	}
}

static void
check_format_duration(int64_t d)
{
	static const size_t sizes[] = { 1, 2, 3, 4, 6, 8, 12, 16, 24 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t sz = sizes[i];
		char *b = malloc(sz);

		if (b == NULL)
			abort();
		nhi_format_duration(d, b, sz);
		CHECK(memchr(b, '\0', sz) != NULL);
		free(b);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	int64_t t = -1, d = -1, want;
	int r;

	r = nhi_parse_time(s, &t);
	CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
	if (r == 0) {
		char iso[NHI_TIME_BUF];
		int64_t back = -1;

		CHECK(t >= 0 && t <= FUZZ_TIME_MAX);
		nhi_format_time(t, iso, sizeof(iso));
		CHECK(nhi_parse_time(iso, &back) == 0);
		CHECK(back == t);
		if (plain_utc(s, &want))
			CHECK(t == want);
	}

	r = nhi_parse_duration(s, &d);
	CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
	if (r == 0) {
		char again[32];
		int64_t back = -1;

		CHECK(d >= 0 && d <= DURATION_MAX);
		snprintf(again, sizeof(again), "%" PRId64 "s", d);
		CHECK(nhi_parse_duration(again, &back) == 0 && back == d);
		check_format_duration(d);
	}

	if (size >= 8) {
		int64_t raw;

		memcpy(&raw, data, sizeof(raw));
		check_format_time(raw);
		check_format_time(raw % (FUZZ_TIME_MAX + 1));
		check_format_duration(raw);
	}
	free(s);
	return 0;
}
