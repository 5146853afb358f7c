/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct check-config: sshd -t for pam_nhiacct.  The configuration as the
 * module reads it, what it names, and the PAM stacks that load the module,
 * checked without a login (lib/confcheck.c).  Exit 0 clean, 1 warnings,
 * 2 errors.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "conf.h"
#include "confcheck.h"
#include "spawn.h"

#define SSHD_PATH "/usr/sbin/sshd"
#define SSHD_T_MAX (256 * 1024)     /* sshd -T prints a few KiB */
#define SSHD_T_MS  10000

static int
check_config_usage(FILE *f)
{
	fprintf(f,
		"usage: nhiacct [--conf PATH] check-config [--json] [--pam-dir DIR]\n"
		"\n"
		"Checks the configuration (syntax, ownership and modes, the groups and\n"
		"users it names, ticket_dir, token_file, ca_file, the backend object,\n"
		"this host's name) and the PAM stacks under DIR (default /etc/pam.d):\n"
		"sshd's account and session lines, and the doors cron, atd,\n"
		"systemd-user, su and sudo.\n"
		"  --json   one JSON object: host, config, findings, errors, warnings\n"
		"Exit status: 0 clean, 1 warnings, 2 errors.\n");
	return f == stdout ? NHI_EXIT_OK : NHI_EXIT_USAGE;
}

/* The configuration: loaded, its host name settled, then what it names. */
static void
check_conf(const char *path, struct nhi_conf *c, struct nhi_findings *f)
{
	char err[512];

	if (nhi_conf_init(c) < 0) {
		nhi_finding_add(f, NHI_SEV_ERROR, path, "out of memory");
		return;
	}
	if (nhi_conf_load(c, path, err, sizeof(err)) < 0) {
		nhi_finding_add(f, NHI_SEV_ERROR, path, "%s: every login but exempt_users' is "
				"refused with config_error", err);
		return;
	}
	if (nhi_conf_settle_host(c) < 0)
		nhi_finding_add(f, NHI_SEV_ERROR, "host", "cannot tell this host's name; set host");
	nhi_confcheck_conf(c, f);
}

static const char *
sev_name(enum nhi_severity s)
{
	return s == NHI_SEV_ERROR ? "error" : "warning";
}

/*
 * record = required: what sshd applies to a vendor, as `sshd -T -C`
 * prints it (as root: it reads the host keys), checked by
 * nhi_confcheck_sshd_effective.  An sshd that cannot tell is a warning.
 */
static void
check_sshd_for(const char *vendor, struct nhi_findings *f)
{
	char spec[512], *text = malloc(SSHD_T_MAX);
	const char *argv[] = { SSHD_PATH, "-T", "-C", spec, NULL };
	struct nhi_spawn sp = { .argv = argv, .timeout_ms = SSHD_T_MS, .out = text,
				.outsz = SSHD_T_MAX };
	int st = 0;

	snprintf(spec, sizeof(spec), "user=%s,host=check-config.invalid,addr=192.0.2.1", vendor);
	if (access(SSHD_PATH, X_OK) < 0)
		nhi_finding_add(f, NHI_SEV_WARNING, "record", "%s is not installed: cannot check "
				"what sshd applies to vendors", SSHD_PATH);
	else if (text == NULL || nhi_spawn_run(&sp, &st) < 0 || !WIFEXITED(st) ||
		 WEXITSTATUS(st) != 0 || text[0] == '\0')
		nhi_finding_add(f, NHI_SEV_WARNING, "record", "%s -T -C %s failed: cannot check "
				"what sshd applies to vendors", SSHD_PATH, spec);
	else
		nhi_confcheck_sshd_effective(text, vendor, f);
	free(text);
}

static size_t
count(const struct nhi_findings *f, enum nhi_severity s)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += f->v[i].severity == s;
	return n;
}

static void
print_text(const char *path, const struct nhi_conf *c, const struct nhi_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		printf("%s: %s: %s\n", sev_name(f->v[i].severity), f->v[i].where, f->v[i].what);
	if (f->dropped)
		printf("warning: %zu more findings not shown\n", f->dropped);
	printf("%s: %zu error(s), %zu warning(s); host %s\n", path, count(f, NHI_SEV_ERROR),
	       count(f, NHI_SEV_WARNING), c->host ? c->host : "(unknown)");
}

static void
print_json(const char *path, const struct nhi_conf *c, const struct nhi_findings *f)
{
	json_t *o = json_object(), *a = json_array();
	char *text;

	for (size_t i = 0; a != NULL && i < f->n; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "severity",
						   sev_name(f->v[i].severity), "where",
						   f->v[i].where, "what", f->v[i].what));
	json_object_set_new(o, "config", json_string(path));
	json_object_set_new(o, "host", c->host ? json_string(c->host) : json_null());
	json_object_set_new(o, "findings", a);
	json_object_set_new(o, "errors", json_integer((json_int_t)count(f, NHI_SEV_ERROR)));
	json_object_set_new(o, "warnings", json_integer((json_int_t)count(f, NHI_SEV_WARNING)));
	if ((text = json_dumps(o, JSON_COMPACT)) != NULL)
		printf("%s\n", text);
	free(text);
	json_decref(o);
}

int
cmd_check_config(const struct nhi_cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pam-dir", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = ctx->conf_path ? ctx->conf_path : NHI_DEFAULT_CONF;
	const char *pamdir = "/etc/pam.d";
	struct nhi_findings *f;
	struct nhi_conf c;
	char vendor[256];
	bool json = false;
	int ch, worst;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = true; break;
		case 'p': pamdir = optarg; break;
		case 'h': return check_config_usage(stdout);
		default: return nhi_cmd_usage_error(argv[0], NULL);
		}
	}
	if (optind < argc)
		return nhi_cmd_usage_error(argv[0], "unexpected argument");
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return NHI_EXIT_USAGE;
	}
	check_conf(path, &c, f);
	nhi_confcheck_pam(pamdir, &c, f);
	nhi_confcheck_recording(&c, vendor, sizeof(vendor), f);
	if (vendor[0] != '\0')
		check_sshd_for(vendor, f);
	if (json)
		print_json(path, &c, f);
	else
		print_text(path, &c, f);
	worst = nhi_findings_worst(f);
	nhi_conf_free(&c);
	free(f);
	return worst == NHI_SEV_ERROR ? NHI_EXIT_USAGE : worst == NHI_SEV_WARNING ? NHI_EXIT_NO :
	       NHI_EXIT_OK;
}
