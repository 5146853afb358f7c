/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Times and durations (design.md sections 3 and 5): "Times: RFC 3339 with Z
 * or a numeric offset, or integer Unix seconds"; "Durations accept s, m, h, d
 * suffixes; a bare number is seconds".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nhi.h"

/* 2026-11-22T09:00:00Z, the example window's start in design.md section 3. */
#define T0 INT64_C(1795338000)
#define YEAR_9999_END INT64_C(253402300799)  /* 9999-12-31T23:59:59Z */

static int64_t
time_ok(const char *s)
{
	int64_t t = -1;

	assert_int_equal(nhi_parse_time(s, &t), 0);
	return t;
}

/* The error code; *out must be left alone on error. */
static int
time_err(const char *s)
{
	int64_t t = 42;
	int r = nhi_parse_time(s, &t);

	assert_true(r < 0);
	assert_int_equal(t, 42);
	return r;
}

/* ---- nhi_parse_time ---------------------------------------------------- */

static void
test_time_rfc3339_utc_z(void **state)
{
	(void)state;
	assert_int_equal(time_ok("2026-11-22T09:00:00Z"), T0);
	assert_int_equal(time_ok("2026-11-22T11:00:00Z"), T0 + 7200);
	assert_int_equal(time_ok("1970-01-01T00:00:00Z"), 0);
}

static void
test_time_rfc3339_positive_offset(void **state)
{
	(void)state;
	/* 11:00 at +02:00 is 09:00 UTC */
	assert_int_equal(time_ok("2026-11-22T11:00:00+02:00"), T0);
	assert_int_equal(time_ok("2026-11-22T09:00:00+00:00"), T0);
}

static void
test_time_rfc3339_negative_offset(void **state)
{
	(void)state;
	/* 03:30 at -05:30 is 09:00 UTC */
	assert_int_equal(time_ok("2026-11-22T03:30:00-05:30"), T0);
	assert_int_equal(time_ok("2026-11-22T09:00:00-00:00"), T0);
}

static void
test_time_offset_crosses_midnight(void **state)
{
	(void)state;
	assert_int_equal(time_ok("2026-11-23T01:00:00+16:00"), T0);
	assert_int_equal(time_ok("2026-11-21T23:00:00-10:00"), T0);
}

static void
test_time_fractions_ignored(void **state)
{
	(void)state;
	assert_int_equal(time_ok("2026-11-22T09:00:00.5Z"), T0);
	assert_int_equal(time_ok("2026-11-22T09:00:00.999999999Z"), T0);
	assert_int_equal(time_ok("2026-11-22T11:00:00.123+02:00"), T0);
	/* a dot must be followed by digits */
	assert_int_equal(time_err("2026-11-22T09:00:00.Z"), -EINVAL);
	assert_int_equal(time_err("2026-11-22T09:00:00.xZ"), -EINVAL);
}

static void
test_time_lowercase_t_and_z(void **state)
{
	(void)state;
	assert_int_equal(time_ok("2026-11-22t09:00:00z"), T0);
	assert_int_equal(time_ok("2026-11-22t09:00:00Z"), T0);
	assert_int_equal(time_ok("2026-11-22T09:00:00z"), T0);
}

static void
test_time_space_separator(void **state)
{
	(void)state;
	/* RFC 3339 section 5.6 note: a space may replace the T */
	assert_int_equal(time_ok("2026-11-22 09:00:00Z"), T0);
	assert_int_equal(time_err("2026-11-22_09:00:00Z"), -EINVAL);
	assert_int_equal(time_err("2026-11-2209:00:00Z"), -EINVAL);
}

static void
test_time_unix_seconds_string(void **state)
{
	(void)state;
	assert_int_equal(time_ok("1795338000"), T0);
	assert_int_equal(time_ok("0"), 0);
	assert_int_equal(time_ok("253402300799"), YEAR_9999_END);
	/* past 9999-12-31T23:59:59Z */
	assert_int_equal(time_err("253402300800"), -ERANGE);
	/* not a number */
	assert_int_equal(time_err("17953380x0"), -EINVAL);
	assert_int_equal(time_err("+1795338000"), -EINVAL);
	assert_int_equal(time_err(" 1795338000"), -EINVAL);
	assert_int_equal(time_err("1795338000 "), -EINVAL);
	/* a negative number of seconds is before 1970 */
	assert_true(time_err("-1") < 0);
}

static void
test_time_leap_day_valid(void **state)
{
	(void)state;
	assert_int_equal(time_ok("2024-02-29T00:00:00Z"), INT64_C(1709164800));
	assert_int_equal(time_ok("2000-02-29T00:00:00Z"), INT64_C(951782400));
	assert_int_equal(time_ok("2024-03-01T00:00:00Z"), INT64_C(1709164800) + 86400);
}

static void
test_time_leap_day_invalid(void **state)
{
	(void)state;
	assert_int_equal(time_err("2026-02-29T00:00:00Z"), -EINVAL);
	assert_int_equal(time_err("2100-02-29T00:00:00Z"), -EINVAL);  /* century */
	assert_int_equal(time_err("2024-02-30T00:00:00Z"), -EINVAL);
	assert_int_equal(time_err("2026-04-31T00:00:00Z"), -EINVAL);
}

static void
test_time_month_13_rejected(void **state)
{
	(void)state;
	assert_int_equal(time_err("2026-13-01T00:00:00Z"), -EINVAL);
	assert_int_equal(time_err("2026-00-01T00:00:00Z"), -EINVAL);
	assert_int_equal(time_err("2026-11-00T00:00:00Z"), -EINVAL);
	assert_int_equal(time_err("2026-11-32T00:00:00Z"), -EINVAL);
}

static void
test_time_hour_24_rejected(void **state)
{
	(void)state;
	assert_int_equal(time_err("2026-11-22T24:00:00Z"), -EINVAL);
	assert_int_equal(time_err("2026-11-22T09:60:00Z"), -EINVAL);
	assert_int_equal(time_err("2026-11-22T09:00:61Z"), -EINVAL);
	assert_int_equal(time_err("2026-11-22T09:00:00+24:00"), -EINVAL);
	assert_int_equal(time_err("2026-11-22T09:00:00+02:60"), -EINVAL);
	assert_int_equal(time_ok("2026-11-22T23:59:59Z"), T0 + 14 * 3600 + 3599);
}

static void
test_time_missing_offset_rejected(void **state)
{
	(void)state;
	/* a local time without an offset is ambiguous */
	assert_int_equal(time_err("2026-11-22T09:00:00"), -EINVAL);
	assert_int_equal(time_err("2026-11-22T09:00:00.5"), -EINVAL);
	assert_int_equal(time_err("2026-11-22"), -EINVAL);
	assert_int_equal(time_err("2026-11-22T09:00"), -EINVAL);
	assert_int_equal(time_err("2026-11-22T09:00:00+02"), -EINVAL);
	assert_int_equal(time_err("2026-11-22T09:00:00+020"), -EINVAL);
	assert_int_equal(time_err("2026-11-22T09:00:00 UTC"), -EINVAL);
}

/* Jira writes "2026-11-22T09:00:00.000+0000": ISO 8601 basic offsets count. */
static void
test_time_basic_offset_accepted(void **state)
{
	int64_t a, b;

	(void)state;
	assert_int_equal(nhi_parse_time("2026-11-22T11:00:00+0200", &a), 0);
	assert_int_equal(nhi_parse_time("2026-11-22T09:00:00.000+0000", &b), 0);
	assert_true(a == b);
}

static void
test_time_before_1970_rejected(void **state)
{
	(void)state;
	assert_int_equal(time_err("1969-12-31T23:59:59Z"), -EINVAL);
	assert_int_equal(time_err("0001-01-01T00:00:00Z"), -EINVAL);
	/* 1970 by the clock, but before the epoch in UTC */
	assert_true(time_err("1970-01-01T00:30:00+01:00") < 0);
}

static void
test_time_year_9999_edge(void **state)
{
	(void)state;
	assert_int_equal(time_ok("9999-12-31T23:59:59Z"), YEAR_9999_END);
	assert_int_equal(time_err("10000-01-01T00:00:00Z"), -EINVAL);
}

static void
test_time_garbage_rejected(void **state)
{
	(void)state;
	assert_int_equal(time_err("garbage"), -EINVAL);
	assert_int_equal(time_err("yesterday"), -EINVAL);
	assert_int_equal(time_err("2026/11/22 09:00:00Z"), -EINVAL);
	assert_int_equal(time_err("26-11-22T09:00:00Z"), -EINVAL);
	assert_int_equal(time_err("2026-11-22T09:00:00Zjunk"), -EINVAL);
	assert_int_equal(time_err("2026-11-22T09:00:00+02:00x"), -EINVAL);
	assert_int_equal(time_err("2026-1-22T09:00:00Z"), -EINVAL);
	assert_int_equal(time_err("-"), -EINVAL);
	assert_int_equal(time_err(":"), -EINVAL);
	assert_int_equal(nhi_parse_time(NULL, &(int64_t){ 0 }), -EINVAL);
}

static void
test_time_empty_rejected(void **state)
{
	(void)state;
	assert_int_equal(time_err(""), -EINVAL);
}

static void
test_time_long_digit_string_erange(void **state)
{
	char digits[201];

	(void)state;
	assert_int_equal(time_err("99999999999999999999"), -ERANGE);  /* > INT64_MAX */
	assert_int_equal(time_err("9223372036854775807"), -ERANGE);    /* INT64_MAX */
	memset(digits, '9', sizeof(digits) - 1);
	digits[sizeof(digits) - 1] = '\0';
	assert_int_equal(time_err(digits), -ERANGE);
}

/* ---- nhi_format_time --------------------------------------------------- */

static void
test_format_time_round_trip(void **state)
{
	static const int64_t times[] = {
		0, 1, T0, INT64_C(1709164800), INT64_C(951782400), YEAR_9999_END,
	};
	char buf[NHI_TIME_BUF];

	(void)state;
	assert_string_equal(nhi_format_time(T0, buf, sizeof(buf)), "2026-11-22T09:00:00Z");
	assert_string_equal(nhi_format_time(0, buf, sizeof(buf)), "1970-01-01T00:00:00Z");
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		nhi_format_time(times[i], buf, sizeof(buf));
		assert_int_equal(strlen(buf), 20);
		assert_int_equal(time_ok(buf), times[i]);
	}
	/* and the other way: a UTC string formats back to itself */
	nhi_format_time(time_ok("2024-02-29T23:59:59Z"), buf, sizeof(buf));
	assert_string_equal(buf, "2024-02-29T23:59:59Z");
	nhi_format_time(time_ok("2026-11-22T11:00:00+02:00"), buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-22T09:00:00Z");
}

/* ---- nhi_parse_duration ------------------------------------------------ */

static int64_t
dur_ok(const char *s)
{
	int64_t d = -1;

	assert_int_equal(nhi_parse_duration(s, &d), 0);
	return d;
}

static int
dur_err(const char *s)
{
	int64_t d = 42;
	int r = nhi_parse_duration(s, &d);

	assert_true(r < 0);
	assert_int_equal(d, 42);
	return r;
}

static void
test_duration_bare_number_is_seconds(void **state)
{
	(void)state;
	assert_int_equal(dur_ok("90"), 90);
	assert_int_equal(dur_ok("0"), 0);
	assert_int_equal(dur_ok("007"), 7);
}

static void
test_duration_suffixes_s_m_h_d(void **state)
{
	(void)state;
	assert_int_equal(dur_ok("90s"), 90);
	assert_int_equal(dur_ok("15m"), 15 * 60);
	assert_int_equal(dur_ok("8h"), 8 * 3600);
	assert_int_equal(dur_ok("1d"), 86400);
	assert_int_equal(dur_ok("60s"), 60);   /* the clock_skew default */
	assert_int_equal(dur_ok("5s"), 5);     /* the timeout default */
}

/* The spans operators type, as systemd.time(7) writes them. */
static void
test_duration_systemd_spans(void **state)
{
	(void)state;
	assert_int_equal(dur_ok("1h30min"), 5400);
	assert_int_equal(dur_ok("1h30m"), 5400);
	assert_int_equal(dur_ok("90min"), 5400);
	assert_int_equal(dur_ok("1 h"), 3600);
	assert_int_equal(dur_ok("5 m"), 300);
	assert_int_equal(dur_ok("1h 30min"), 5400);
	assert_int_equal(dur_ok("1d 3h"), 27 * 3600);
	assert_int_equal(dur_ok("2w"), 14 * 86400);
	assert_int_equal(dur_ok("3 hours 2 minutes 1 second"), 3 * 3600 + 121);
	assert_int_equal(dur_ok("10sec"), 10);
	assert_int_equal(dur_ok("2hr"), 7200);
	assert_int_equal(dur_ok("1day"), 86400);
}

static void
test_duration_overflow(void **state)
{
	(void)state;
	/* the documented range is [0, 100 years] */
	assert_int_equal(dur_ok("36600d"), INT64_C(36600) * 86400);
	assert_int_equal(dur_err("36601d"), -ERANGE);
	assert_int_equal(dur_err("99999999999999999999"), -ERANGE);
	assert_int_equal(dur_err("9223372036854775807s"), -ERANGE);
	assert_int_equal(dur_err("153722867280912931m"), -ERANGE);  /* * 60 overflows */
	assert_int_equal(dur_err("2562047788015216h"), -ERANGE);
	assert_int_equal(dur_err("106751991167301d"), -ERANGE);
}

static void
test_duration_negative_rejected(void **state)
{
	(void)state;
	assert_int_equal(dur_err("-1"), -EINVAL);
	assert_int_equal(dur_err("-5m"), -EINVAL);
	assert_int_equal(dur_err("+5m"), -EINVAL);
}

static void
test_duration_junk_suffix_rejected(void **state)
{
	(void)state;
	assert_int_equal(dur_err("5x"), -EINVAL);
	assert_int_equal(dur_err("5ms"), -EINVAL);
	assert_int_equal(dur_err("5m "), -EINVAL);
	assert_int_equal(dur_err("5M"), -EINVAL);      /* systemd's month: not a fixed span */
	assert_int_equal(dur_err("1y"), -EINVAL);
	assert_int_equal(dur_err("1h30"), -EINVAL);
	assert_int_equal(dur_err("1h  30m"), -EINVAL);
	assert_int_equal(dur_err("5  m"), -EINVAL);
	assert_int_equal(dur_err("1.5h"), -EINVAL);
	assert_int_equal(dur_err("h"), -EINVAL);
	assert_int_equal(dur_err(" 5"), -EINVAL);
}

static void
test_duration_empty_rejected(void **state)
{
	(void)state;
	assert_int_equal(dur_err(""), -EINVAL);
	assert_int_equal(nhi_parse_duration(NULL, &(int64_t){ 0 }), -EINVAL);
}

/* ---- nhi_format_duration ----------------------------------------------- */

static void
test_format_duration(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(nhi_format_duration(0, buf, sizeof(buf)), "0s");
	assert_string_equal(nhi_format_duration(59, buf, sizeof(buf)), "59s");
	assert_string_equal(nhi_format_duration(60, buf, sizeof(buf)), "1m 0s");
	assert_string_equal(nhi_format_duration(61, buf, sizeof(buf)), "1m 1s");
	assert_string_equal(nhi_format_duration(3599, buf, sizeof(buf)), "59m 59s");
	assert_string_equal(nhi_format_duration(2 * 3600 + 5 * 60 + 7, buf, sizeof(buf)), "2h 5m");
	assert_string_equal(nhi_format_duration(86400 + 3 * 3600 + 59, buf, sizeof(buf)), "1d 3h");
	/* a negative span (clock went back) is shown as nothing left */
	assert_string_equal(nhi_format_duration(-5, buf, sizeof(buf)), "0s");
	/* bounded by bufsz, NUL-terminated */
	assert_string_equal(nhi_format_duration(2 * 3600 + 5 * 60, buf, 4), "2h ");
}

/* ---- nhi_parse_ticket_time: local times in a named zone ----------------- */

static void
test_ticket_time_in_a_zone(void **state)
{
	static const struct {
		const char *s, *zone;
		bool end;
		int64_t want;           /* -1: refused */
	} rows[] = {
		/* with an offset, the zone does not matter */
		{ "2026-12-01T15:31:31Z", "Europe/Berlin", false, INT64_C(1796139091) },
		/* ServiceNow's Table API with display_value=false: UTC, no zone */
		{ "2026-12-01 15:31:31", "UTC", false, INT64_C(1796139091) },
		{ "2026-12-01 15:31:31", NULL, false, -1 },
		{ "2026-12-01 16:31:31", "Europe/Berlin", false, INT64_C(1796139091) },
		{ "2026-12-01T10:31:31", "America/New_York", false, INT64_C(1796139091) },
		{ "2026-12-01 15:31", "UTC", false, INT64_C(1796139060) },
		{ "2026-12-01 15:31:31.250", "UTC", false, INT64_C(1796139091) },
		/* a date alone: a whole day, its first second or the midnight
		 * that ends it (Jira's Date Picker) */
		{ "2026-12-01", "UTC", false, INT64_C(1796083200) },
		{ "2026-12-01", "UTC", true, INT64_C(1796169600) },
		{ "2026-12-31", "Europe/Berlin", true, INT64_C(1798758000) },
		{ "2026-12-01", NULL, true, -1 },
		/* across the change to summer time in Berlin (2026-03-29 at 02:00
		 * CET the clocks go to 03:00 CEST): the same wall clock hour is
		 * an hour less of UTC after it */
		{ "2026-03-29 01:30", "Europe/Berlin", false, INT64_C(1774744200) },
		{ "2026-03-29 03:30", "Europe/Berlin", false, INT64_C(1774747800) },
		/* and back (2026-10-25 at 03:00 CEST to 02:00 CET) */
		{ "2026-10-25 01:30", "Europe/Berlin", false, INT64_C(1792884600) },
		{ "2026-10-25 03:30", "Europe/Berlin", false, INT64_C(1792895400) },
		/* not a local time */
		{ "2026-12-01 25:00", "UTC", false, -1 },
		{ "2026-02-30", "UTC", false, -1 },
		{ "2026-12-01 15:31:31 x", "UTC", false, -1 },
		{ "1969-12-31", "UTC", false, -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int64_t t = 42;
		int r = nhi_parse_ticket_time(rows[i].s, rows[i].zone, rows[i].end, &t);

		print_message("  %-26s %-17s %s -> %d %lld\n", rows[i].s,
			      rows[i].zone ? rows[i].zone : "(none)", rows[i].end ? "end" : "   ",
			      r, (long long)t);
		if (rows[i].want < 0) {
			assert_true(r < 0);
			assert_int_equal(t, 42);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(t, rows[i].want);
		}
	}
	/* TZ is put back as it was */
	assert_null(getenv("TZ"));
}

static void
test_zone_names(void **state)
{
	(void)state;
	assert_true(nhi_zone_valid("Europe/Berlin"));
	assert_true(nhi_zone_valid("UTC"));
	assert_true(nhi_zone_valid("America/Argentina/Buenos_Aires"));
	assert_false(nhi_zone_valid("Europe/Berln"));   /* a typo would read as UTC */
	assert_false(nhi_zone_valid("/etc/shadow"));
	assert_false(nhi_zone_valid("../../etc/shadow"));
	assert_false(nhi_zone_valid("Europe"));          /* a folder */
	assert_false(nhi_zone_valid(""));
	assert_false(nhi_zone_valid("Europe/Berlin\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_rfc3339_utc_z),
		cmocka_unit_test(test_time_rfc3339_positive_offset),
		cmocka_unit_test(test_time_rfc3339_negative_offset),
		cmocka_unit_test(test_time_offset_crosses_midnight),
		cmocka_unit_test(test_time_fractions_ignored),
		cmocka_unit_test(test_time_lowercase_t_and_z),
		cmocka_unit_test(test_time_space_separator),
		cmocka_unit_test(test_time_unix_seconds_string),
		cmocka_unit_test(test_time_leap_day_valid),
		cmocka_unit_test(test_time_leap_day_invalid),
		cmocka_unit_test(test_time_month_13_rejected),
		cmocka_unit_test(test_time_hour_24_rejected),
		cmocka_unit_test(test_time_missing_offset_rejected),
		cmocka_unit_test(test_time_basic_offset_accepted),
		cmocka_unit_test(test_time_before_1970_rejected),
		cmocka_unit_test(test_time_year_9999_edge),
		cmocka_unit_test(test_time_garbage_rejected),
		cmocka_unit_test(test_time_empty_rejected),
		cmocka_unit_test(test_time_long_digit_string_erange),
		cmocka_unit_test(test_format_time_round_trip),
		cmocka_unit_test(test_duration_bare_number_is_seconds),
		cmocka_unit_test(test_duration_suffixes_s_m_h_d),
		cmocka_unit_test(test_duration_systemd_spans),
		cmocka_unit_test(test_ticket_time_in_a_zone),
		cmocka_unit_test(test_zone_names),
		cmocka_unit_test(test_duration_overflow),
		cmocka_unit_test(test_duration_negative_rejected),
		cmocka_unit_test(test_duration_junk_suffix_rejected),
		cmocka_unit_test(test_duration_empty_rejected),
		cmocka_unit_test(test_format_duration),
	};

	return cmocka_run_group_tests_name("time", tests, NULL, NULL);
}
