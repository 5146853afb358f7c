/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diagnostics through one door.  The sink is per thread because one process
 * (a threaded PAM application) may run several PAM handles at once, each with
 * its own pamh for pam_syslog.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "log.h"

static __thread nhi_log_fn log_fn;
static __thread void *log_ud;

void
nhi_log_set(nhi_log_fn fn, void *ud)
{
	log_fn = fn;
	log_ud = ud;
}

void
nhi_log(int prio, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (log_fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_fn(log_ud, prio, buf);
}
