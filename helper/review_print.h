/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct review's output: the rows of lib/review.c as JSON lines with the
 * stable keys of nhiacct(8), or as aligned tables for people.
 */
#ifndef NHI_REVIEW_PRINT_H
#define NHI_REVIEW_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "review.h"

/* One row as JSON with the stable keys of nhiacct(8).  Caller json_decref()s;
 * NULL on allocation failure. */
json_t *review_session_json(const struct nhi_review_session *s);
json_t *review_denial_json(const struct nhi_review_denial *d);

/* A time (Unix microseconds) for people: "YYYY-MM-DD HH:MM:SS UTC", or
 * local with its zone; "-" for NHI_USEC_UNKNOWN. */
void review_format_time(char *buf, size_t bufsz, int64_t usec, bool utc);

/* JSON lines: sessions, then denials.  0 or -EIO. */
int review_print_json(const struct nhi_review *rv, FILE *out);

/* Aligned tables for people: values escaped, times local or UTC.  0 or -EIO. */
int review_print_table(const struct nhi_review *rv, FILE *out, bool utc);

#endif
