/* SPDX-License-Identifier: BSD-3-Clause */
/* Commands whose issues are not done yet say so and fail. */
#include <stdio.h>

#include "cmd.h"

#define PENDING(fn, name) \
	int fn(const struct nhi_cmd_ctx *ctx, int argc, char **argv) \
	{ (void)ctx, (void)argc, (void)argv; \
	  fprintf(stderr, "nhiacct " name ": not available in this build\n"); \
	  return NHI_EXIT_USAGE; }

PENDING(cmd_watch, "watch")
PENDING(cmd_sweep, "sweep")
PENDING(cmd_sessions, "sessions")
PENDING(cmd_revoke, "revoke")
