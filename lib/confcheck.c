/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct check-config's core (confcheck.h).  Reads what the module would
 * read, the way it would read it; decides nothing about a login.
 */
#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "confcheck.h"
#include "recording.h"
#include "fileio.h"
#include "signature.h"
#include "identity.h"
#include "idmap.h"
#include "text.h"

#define PAM_FILE_MAX (64 * 1024)
#define PAM_LINE_MAX 1024

const char *const nhi_doors[] = { "cron", "atd", "systemd-user", "su", "sudo", NULL };

int
nhi_findings_worst(const struct nhi_findings *f)
{
	int worst = 0;

	for (size_t i = 0; i < f->n; i++)
		if ((int)f->v[i].severity > worst)
			worst = (int)f->v[i].severity;
	return worst;
}

void
nhi_finding_add(struct nhi_findings *f, enum nhi_severity sev, const char *where,
		const char *fmt, ...)
{
	struct nhi_finding *x;
	va_list ap;

	if (f->n >= NHI_FINDINGS_MAX) {
		f->dropped++;
		return;
	}
	x = &f->v[f->n++];
	x->severity = sev;
	nhi_escape(x->where, sizeof(x->where), where);
	va_start(ap, fmt);
	nhi_vescapef(x->what, sizeof(x->what), fmt, ap);
	va_end(ap);
}

/* ---- the configuration ------------------------------------------------------ */

/* Does each name of list exist (as a group when group, else a user)?
 * Names starting with '@' are groups whatever group says. */
static void
names_exist(const char *key, const struct nhi_strv *list, bool group, enum nhi_severity sev,
	    struct nhi_findings *f)
{
	for (size_t i = 0; i < list->n; i++) {
		const char *name = list->v[i];
		bool g = group || name[0] == '@';
		int r;

		if (name[0] == '@')
			name++;
		if ((r = nhi_name_lookup(name, g)) == 1)
			continue;
		if (r == 0)
			nhi_finding_add(f, g && sev == NHI_SEV_WARNING ? NHI_SEV_ERROR : sev, key,
					"%s %s does not exist", g ? "group" : "user", name);
		else
			nhi_finding_add(f, NHI_SEV_ERROR, key, "cannot look up %s %s: %s",
					g ? "group" : "user", name, strerror(-r));
	}
}

/* A file the module must read: err when it cannot. */
static void
file_usable(const char *key, const char *path, const struct nhi_file_rules *rules,
	    struct nhi_findings *f)
{
	char err[512];
	int fd;

	if (path == NULL)
		return;
	if ((fd = nhi_file_open(AT_FDCWD, path, rules, err, sizeof(err))) < 0) {
		nhi_finding_add(f, NHI_SEV_ERROR, key, "%s", err);
		return;
	}
	close(fd);
}

static void
backend_usable(const struct nhi_conf *c, struct nhi_findings *f)
{
	const struct nhi_file_rules token = {
		.max = 4096, .owner = NHI_OWNER_ROOT, .private_mode = true,
	};
	const struct nhi_file_rules any = { .max = (size_t)64 << 20, .owner = NHI_OWNER_ANY };
	const struct nhi_backend_ops *ops;
	char err[512];
	int fd;

	if (c->backend == NHI_BACKEND_FILE) {
		if ((fd = open(c->ticket_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
			nhi_finding_add(f, NHI_SEV_ERROR, "ticket_dir", "%s: %s", c->ticket_dir,
					strerror(errno));
			return;
		}
		if (nhi_check_owner_mode(fd, c->ticket_dir, err, sizeof(err)) < 0)
			nhi_finding_add(f, NHI_SEV_ERROR, "ticket_dir", "%s", err);
		close(fd);
		return;
	}
	file_usable("token_file", c->token_file, &token, f);
	file_usable("ca_file", c->ca_file, &any, f);
	if (nhi_backend_get(c, &ops, err, sizeof(err)) < 0)
		nhi_finding_add(f, NHI_SEV_ERROR, "backend", "the http backend object does not "
				"load: %s", err);
	else if (ops->check != NULL && ops->check(c, err, sizeof(err)) < 0)
		nhi_finding_add(f, NHI_SEV_ERROR, "field", "%s", err);
}

void
nhi_confcheck_conf(const struct nhi_conf *c, struct nhi_findings *f)
{
	names_exist("vendor_groups", &c->vendor_groups, true, NHI_SEV_ERROR, f);
	names_exist("vendor_users", &c->vendor_users, false, NHI_SEV_WARNING, f);
	names_exist("exempt_users", &c->exempt_users, false, NHI_SEV_WARNING, f);
	names_exist("approvers", &c->approvers, false, NHI_SEV_WARNING, f);
	if (c->identity_map != NULL) {
		const struct nhi_file_rules map = {
			.max = NHI_IDMAP_MAX, .owner = c->check_perms ? NHI_OWNER_ROOT : NHI_OWNER_ANY,
		};

		file_usable("identity_map", c->identity_map, &map, f);
	}
	if (c->approver_keys != NULL) {
		const struct nhi_file_rules keys = {
			.max = NHI_SIGNERS_MAX, .owner = c->check_perms ? NHI_OWNER_ROOT : NHI_OWNER_ANY,
		};

		file_usable("approver_keys", c->approver_keys, &keys, f);
	}
	if (c->signatures == NHI_SIGNATURES_REQUIRED && access(NHI_SSH_KEYGEN, X_OK) < 0)
		nhi_finding_add(f, NHI_SEV_ERROR, "signatures", "%s cannot be run (install "
				"openssh-client): every vendor login would be refused", NHI_SSH_KEYGEN);
	if (c->vendor_groups.n == 0 && c->vendor_users.n == 0)
		nhi_finding_add(f, NHI_SEV_WARNING, "vendor_groups", "neither vendor_groups nor "
				"vendor_users is set: nobody is a vendor, the module changes nothing");
	backend_usable(c, f);
}

/* ---- the PAM stacks ----------------------------------------------------------- */

/* What a PAM file (and the files it @includes) does with the module. */
struct stack {
	int account_line;               /* first "account ... pam_nhiacct" line, or 0 */
	int session_line;               /* first "session ... pam_nhiacct" line, or 0 */
	int systemd_line;               /* first "session ... pam_systemd" line, or 0 */
	int loginuid_line;              /* first "session ... pam_loginuid" line, or 0 */
	int order;                      /* lines read so far, in the order PAM runs them */
	char account_where[600];
	char session_where[600];
	char systemd_where[600];
};

/* Does the module word w name module (with or without a path, .so)? */
static bool
names_module(const char *w, const char *module)
{
	const char *base = strrchr(w, '/');
	size_t n = strlen(module);

	base = base ? base + 1 : w;
	return strncmp(base, module, n) == 0 && (base[n] == '\0' || strcmp(base + n, ".so") == 0);
}

static void read_stack(const char *pamdir, const char *name, int depth, struct stack *st,
		       struct nhi_findings *f);

/* One line of a PAM file, at "FILE:N" (where). */
static void
stack_line(const char *pamdir, char *line, const char *where, int lineno, int depth,
	   struct stack *st, struct nhi_findings *f)
{
	char *save = NULL, *type, *control, *module;

	if ((type = strtok_r(line, " \t", &save)) == NULL || type[0] == '#')
		return;
	if (strcmp(type, "@include") == 0) {
		if ((control = strtok_r(NULL, " \t", &save)) != NULL && depth < 2)
			read_stack(pamdir, control, depth + 1, st, f);
		return;
	}
	if (type[0] == '-')
		type++;
	if ((control = strtok_r(NULL, " \t", &save)) == NULL)
		return;
	if (control[0] == '[') {        /* [value=action ...] may hold blanks */
		while (strchr(control, ']') == NULL &&
		       (control = strtok_r(NULL, " \t", &save)) != NULL)
			;
		if (control == NULL)
			return;
	}
	if ((module = strtok_r(NULL, " \t", &save)) == NULL)
		return;
	if (names_module(module, "pam_nhiacct") && strcmp(type, "account") == 0 &&
	    st->account_line == 0) {
		st->account_line = lineno;
		snprintf(st->account_where, sizeof(st->account_where), "%s", where);
	} else if (names_module(module, "pam_nhiacct") && strcmp(type, "session") == 0 &&
		   st->session_line == 0) {
		st->session_line = lineno;
		snprintf(st->session_where, sizeof(st->session_where), "%s", where);
	} else if (names_module(module, "pam_loginuid") && strcmp(type, "session") == 0 &&
		   st->loginuid_line == 0) {
		st->loginuid_line = lineno;
	} else if (names_module(module, "pam_systemd") && strcmp(type, "session") == 0 &&
		   st->systemd_line == 0) {
		st->systemd_line = lineno;
		snprintf(st->systemd_where, sizeof(st->systemd_where), "%s", where);
	}
}

/* Reads pamdir/name into st.  Lines are numbered across includes in the
 * order PAM runs them, so that "before" compares what runs first. */
static void
read_stack(const char *pamdir, const char *name, int depth, struct stack *st,
	   struct nhi_findings *f)
{
	const struct nhi_file_rules rules = { .max = PAM_FILE_MAX, .owner = NHI_OWNER_ANY };
	char path[512], where[600], err[512], *buf = NULL, *line, *save = NULL;
	size_t len;
	int n = 0;

	if (strchr(name, '/') != NULL || name[0] == '.')
		return;
	snprintf(path, sizeof(path), "%s/%s", pamdir, name);
	if (nhi_file_read(AT_FDCWD, path, &rules, &buf, &len, err, sizeof(err)) < 0) {
		if (depth > 0)
			nhi_finding_add(f, NHI_SEV_WARNING, path, "cannot read it: %s", err);
		return;
	}
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		n++;
		if (strlen(line) >= PAM_LINE_MAX)
			continue;
		snprintf(where, sizeof(where), "%s:%d", path, n);
		stack_line(pamdir, line, where, ++st->order, depth, st, f);
	}
	free(buf);
}

/* Does pamdir/name exist? */
static bool
pam_file_exists(const char *pamdir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", pamdir, name);
	return access(path, F_OK) == 0;
}

static void
check_sshd(const char *pamdir, const struct nhi_conf *c, struct nhi_findings *f)
{
	struct stack st = { 0 };
	char path[512];

	snprintf(path, sizeof(path), "%s/sshd", pamdir);
	if (!pam_file_exists(pamdir, "sshd")) {
		nhi_finding_add(f, NHI_SEV_WARNING, path, "no sshd stack: vendors' SSH logins are "
				"not gated");
		return;
	}
	read_stack(pamdir, "sshd", 0, &st, f);
	if (st.account_line == 0)
		nhi_finding_add(f, NHI_SEV_WARNING, path, "no 'account required pam_nhiacct.so' "
				"line: SSH logins are not gated (see pam_nhiacct(8))");
	if (st.session_line == 0)
		nhi_finding_add(f, NHI_SEV_WARNING, path, "no 'session required pam_nhiacct.so' "
				"line: sessions are not recorded and cannot be ended at the window end");
	else if (st.systemd_line != 0 && st.session_line > st.systemd_line)
		nhi_finding_add(f, NHI_SEV_WARNING, st.session_where, "pam_nhiacct's session line "
				"comes after pam_systemd (%s): systemd does not learn the window end; "
				"put it before", st.systemd_where);
	if (c != NULL && c->record == NHI_RECORD_REQUIRED && st.session_line != 0 &&
	    (st.loginuid_line == 0 || st.loginuid_line > st.session_line))
		nhi_finding_add(f, NHI_SEV_ERROR, st.session_where, "record = required needs "
				"'session required pam_loginuid.so' before pam_nhiacct's session line: "
				"without an audit session id every vendor session is refused "
				"(recording_unavailable)");
}

void
nhi_confcheck_pam(const char *pamdir, const struct nhi_conf *c, struct nhi_findings *f)
{
	check_sshd(pamdir, c, f);
	for (size_t i = 0; nhi_doors[i] != NULL; i++) {
		struct stack st = { 0 };
		char path[512];

		if (!pam_file_exists(pamdir, nhi_doors[i]))
			continue;
		read_stack(pamdir, nhi_doors[i], 0, &st, f);
		snprintf(path, sizeof(path), "%s/%s", pamdir, nhi_doors[i]);
		if (st.account_line == 0)
			nhi_finding_add(f, NHI_SEV_WARNING, path, "a door vendors' code can use is not "
					"gated: no 'account required pam_nhiacct.so' (see the "
					"examples in /usr/share/doc/libpam-nhiacct/examples/pam.d)");
	}
}

/* ---- recording ------------------------------------------------------------------ */

#define ACCOUNTS_MAX 100000     /* getpwent entries looked at */
#define SHELL_FINDINGS_MAX 20

void
nhi_confcheck_recording(const struct nhi_conf *c, char *vendor, size_t vendorsz,
			struct nhi_findings *f)
{
	const struct nhi_recorder_paths *p = &nhi_recorder_default;
	char why[512];
	size_t seen = 0, bad = 0;
	struct passwd pwbuf = { 0 }, *pw = NULL;
	char buf[4096];
	int r;

	vendor[0] = '\0';
	if (c->record != NHI_RECORD_REQUIRED)
		return;
	/* the programs, tlog's locks and the journal, for an account that is
	 * neither root nor the folder's owner */
	if ((r = nhi_recording_ready(p, p->shell, 65534, 1, why, sizeof(why))) < 0)
		nhi_finding_add(f, NHI_SEV_ERROR, "record", "%s: every vendor session would be "
				"refused (recording_unavailable)", why);
	setpwent();
	while (seen++ < ACCOUNTS_MAX && getpwent_r(&pwbuf, buf, sizeof(buf), &pw) == 0 &&
	       pw != NULL) {
		struct nhi_identity id;
		char err[512];

		if (pw->pw_uid == 0 ||
		    nhi_classify(c, pw->pw_name, &id, err, sizeof(err)) != NHI_CLASS_VENDOR)
			continue;
		if (vendor[0] == '\0')
			snprintf(vendor, vendorsz, "%s", pw->pw_name);
		if (strcmp(pw->pw_shell, p->shell) != 0 && bad++ < SHELL_FINDINGS_MAX)
			nhi_finding_add(f, NHI_SEV_ERROR, "record", "vendor %s has the login shell "
					"%s, not %s: its sessions are refused (usermod -s %s %s)",
					pw->pw_name, pw->pw_shell, p->shell, p->shell, pw->pw_name);
	}
	endpwent();
}

/* The value of keyword kw in sshd -T's text ("kw value\n"), or NULL. */
static const char *
sshd_value(const char *text, const char *kw, char *buf, size_t bufsz)
{
	size_t n = strlen(kw);

	for (const char *l = text, *nl; l != NULL; l = nl != NULL ? nl + 1 : NULL) {
		size_t len;

		nl = strchr(l, '\n');
		if (strncmp(l, kw, n) != 0 || l[n] != ' ')
			continue;
		if ((len = strcspn(l + n + 1, "\n")) >= bufsz)
			len = bufsz - 1;
		memcpy(buf, l + n + 1, len);
		buf[len] = '\0';
		return buf;
	}
	return NULL;
}

static bool
sshd_is(const char *text, const char *kw, const char *want)
{
	char v[256];
	const char *got = sshd_value(text, kw, v, sizeof(v));

	return got != NULL && strcmp(got, want) == 0;
}

void
nhi_confcheck_sshd_effective(const char *text, const char *vendor, struct nhi_findings *f)
{
	static const char *const kinds[] = { "allowtcpforwarding", "allowstreamlocalforwarding",
					     "x11forwarding", "allowagentforwarding" };
	char where[320], v[512];
	const char *sftp;

	snprintf(where, sizeof(where), "sshd (for %s)", vendor);
	if (!sshd_is(text, "disableforwarding", "yes"))
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (!sshd_is(text, kinds[i], "no"))
				nhi_finding_add(f, NHI_SEV_ERROR, where, "%s is not off: a vendor's "
						"forwarding is not recorded (install the Match block "
						"of sshd_config.d/nhiacct-record.conf.example)",
						kinds[i]);
	if (!sshd_is(text, "permittunnel", "no"))
		nhi_finding_add(f, NHI_SEV_ERROR, where, "permittunnel is not no: a vendor's "
				"tunnel is not recorded");
	if (!sshd_is(text, "permituserrc", "no"))
		nhi_finding_add(f, NHI_SEV_ERROR, where, "permituserrc is not no: ~/.ssh/rc runs "
				"before the recorder");
	/* "subsystem sftp /usr/lib/openssh/sftp-server" */
	if ((sftp = sshd_value(text, "subsystem", v, sizeof(v))) != NULL &&
	    strncmp(sftp, "sftp ", 5) == 0 &&
	    strncmp(sftp + 5 + strspn(sftp + 5, " "), "internal-sftp", 13) == 0)
		nhi_finding_add(f, NHI_SEV_ERROR, where, "Subsystem sftp is internal-sftp, which "
				"never reaches the vendor's login shell: use %s", NHI_SFTP_SERVER);
	if (sshd_is(text, "forcecommand", "internal-sftp"))
		nhi_finding_add(f, NHI_SEV_ERROR, where, "ForceCommand internal-sftp: the vendor's "
				"sftp is not recorded");
}
