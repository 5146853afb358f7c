/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Times and durations: RFC 3339 and Unix seconds in tickets, spans in the
 * configuration, and the systemd.time(7) forms the command accepts.
 */
#ifndef NHI_TIMEUTIL_H
#define NHI_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 3339 ("2026-11-22T09:00:00Z", "...+02:00", fractions ignored) or
 * integer Unix seconds as a string.  Years 1970..9999.  -EINVAL if bad. */
int nhi_parse_time(const char *s, int64_t *out);
/* "2026-11-22T09:00:00Z" into buf (>= NHI_TIME_BUF).  Returns buf. */
#define NHI_TIME_BUF 32
char *nhi_format_time(int64_t t, char *buf, size_t bufsz);
/* Is zone an IANA time zone name this host has (/usr/share/zoneinfo/NAME,
 * a regular file; no "..", not absolute)? */
bool nhi_zone_valid(const char *zone);

/* A time in a ticket: what nhi_parse_time reads and, with zone (an IANA
 * name, or NULL), also a local time without an offset in that zone
 * ("2026-12-01 15:31:31", "2026-12-01T15:31") and a date alone
 * ("2026-12-01") as a whole day: its first second, or with end, the
 * midnight that ends it.  A local time that does not exist (the hour a
 * clock skips in spring) or exists twice (autumn) is read as mktime(3)
 * reads it.  -EINVAL if unreadable, -ERANGE outside 1970..9999. */
int nhi_parse_ticket_time(const char *s, const char *zone, bool end, int64_t *out);

/* A span as systemd.time(7) writes it, down to seconds: "90" (seconds),
 * "90s", "15m", "90min", "8h", "1 h", "1h30min", "1d 3h", "2w" -> seconds
 * in [0, 100 years]; -EINVAL/-ERANGE.  Units s, sec, second(s), m, min,
 * minute(s), h, hr, hour(s), d, day(s), w, week(s). */
int nhi_parse_duration(const char *s, int64_t *out);
/* "2h 5m", "59s", "1d 3h": for people; into buf. Returns buf. */
char *nhi_format_duration(int64_t secs, char *buf, size_t bufsz);

/*
 * Parses a --since/--until argument into Unix microseconds:
 *   "now", "today", "yesterday", "tomorrow" (midnight),
 *   "-2h", "-30m", "-90min", "-3h30min", "-1w", "+1h", "-90" (seconds),
 *     "1h ago", "2h left": relative to now (spans of nhi_parse_duration),
 *   "YYYY-MM-DD", "YYYY-MM-DD HH:MM", "YYYY-MM-DD HH:MM:SS" (a 'T' may
 *     replace the blank), optionally followed by "Z", " UTC" or a numeric
 *     offset "+HH:MM"; without one the time is local, or UTC when utc is set,
 *   "@UNIX" seconds, with up to six decimals.
 * Pure but for the local time zone (TZ, through mktime/localtime_r) when
 * utc is false.  -EINVAL on anything else, -ERANGE outside years 1970..9999.
 */
int nhi_parse_when(const char *s, int64_t now_usec, bool utc, int64_t *out_usec);

/* CLOCK_MONOTONIC in milliseconds: for deadlines and time limits. */
int64_t nhi_mono_ms(void);
/* The wall clock in microseconds since the epoch. */
int64_t nhi_now_usec(void);

#endif
