/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): an invariant check
 * that aborts (libFuzzer records the input as a crash), and the "no raw
 * control characters" test for text meant for a terminal or a MESSAGE.
 */
#ifndef NHI_FUZZ_H
#define NHI_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nhi.h"

#define CHECK(cond) do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* 9999-12-31T23:59:59Z: the latest instant the time parser may return. */
#define FUZZ_TIME_MAX INT64_C(253402300799)

/*
 * Is s free of bytes a terminal would act on?  C0 controls, DEL, and the
 * C1 controls U+0080..U+009F (UTF-8 C2 80..C2 9F: U+009B is CSI, U+009D
 * OSC, 8-bit forms of ESC [ and ESC ]).  Also: valid UTF-8 throughout
 * (nhi_escape promises to escape bytes that are not).
 */
static inline bool
fuzz_terminal_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n;

		if (*p < 0x20 || *p == 0x7f)
			return false;
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return false;           /* C1 control */
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 2;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 3;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 4;
		else
			return false;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return false;
		p += n;
	}
	return true;
}

/* nhi_conf_set that must succeed: a key of a target's set-up. */
static inline void
fuzz_set(struct nhi_conf *c, const char *key, const char *value)
{
	char err[256];

	if (nhi_conf_set(c, key, value, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz: %s = %s: %s\n", key, value, err);
		abort();
	}
}

/* Bounded lists of bounded strings (an empty entry is allowed: it
 * matches no host and no account). */
static inline bool
fuzz_strv_ok(const struct nhi_strv *sv)
{
	if (sv->n > NHI_LIST_MAX)
		return false;
	for (size_t i = 0; i < sv->n; i++)
		if (sv->v[i] == NULL || strlen(sv->v[i]) > 4096)
			return false;
	return true;
}

/* A NUL-terminated copy of the input (caller frees). */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
