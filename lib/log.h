/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diagnostics, through one door: the front-end installs its sink.
 */
#ifndef NHI_LOG_H
#define NHI_LOG_H

/* Diagnostics go through one door: the front-end installs its sink
 * (pam_syslog in the module, stderr in the command).  prio as syslog(3). */
typedef void (*nhi_log_fn)(void *ud, int prio, const char *msg);
void nhi_log_set(nhi_log_fn fn, void *ud);
void nhi_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
