/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The nhiacct command's subcommands.  Each gets argv starting at its own
 * name (argv[0] = "check") and the --conf path given before or after it
 * (NULL: the default), and returns the process exit code.  Common exit
 * codes: 0 success, 1 "no" (deny, nothing found), 2 usage or config error.
 */
#ifndef NHI_CMD_H
#define NHI_CMD_H

#define NHI_EXIT_OK     0
#define NHI_EXIT_NO     1
#define NHI_EXIT_USAGE  2

/* SYSLOG_IDENTIFIER of the records the command writes */
#define NHI_CMD_IDENTIFIER "nhiacct"

struct nhi_conf;

struct nhi_cmd_ctx {
	const char *conf_path;  /* --conf, or NULL for NHI_DEFAULT_CONF */
};

/* A usage error of a subcommand (cmd: its argv[0], "nhiacct check"):
 * "nhiacct check: what" (unless what is NULL: getopt said it already) and
 * a hint to --help, on stderr.  Returns NHI_EXIT_USAGE. */
int nhi_cmd_usage_error(const char *cmd, const char *what);

/*
 * Who ran the command, for records that name a person (revoke's operator,
 * review's reviewer): "name(uid)" into who, the name alone into name (may
 * be NULL).  The invoking user, or the user sudo ran it for
 * (SUDO_USER/SUDO_UID, believed only when we are root through sudo);
 * "?(uid)" for a name that cannot be had or shown.
 */
void nhi_cmd_invoker(char *who, size_t whosz, char *name, size_t namesz);

/* Loads the configuration for a subcommand; prints the error on stderr. */
int nhi_cmd_load_conf(const struct nhi_cmd_ctx *ctx, struct nhi_conf *c);

int cmd_check(const struct nhi_cmd_ctx *ctx, int argc, char **argv);
int cmd_watch(const struct nhi_cmd_ctx *ctx, int argc, char **argv);
int cmd_sweep(const struct nhi_cmd_ctx *ctx, int argc, char **argv);
int cmd_sessions(const struct nhi_cmd_ctx *ctx, int argc, char **argv);
int cmd_revoke(const struct nhi_cmd_ctx *ctx, int argc, char **argv);
int cmd_review(const struct nhi_cmd_ctx *ctx, int argc, char **argv);
int cmd_check_config(const struct nhi_cmd_ctx *ctx, int argc, char **argv);
int cmd_ticket(const struct nhi_cmd_ctx *ctx, int argc, char **argv);
int cmd_replay(const struct nhi_cmd_ctx *ctx, int argc, char **argv);

#endif
