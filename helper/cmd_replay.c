/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct replay SESSION: plays a recorded session back through tlog-play
 * (design.md section 9; helper/evidence.h says what counts as its
 * recording).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "evidence.h"
#include "recording.h"
#include "session_store.h"
#include "text.h"

static int
replay_usage(FILE *f)
{
	fprintf(f,
		"usage: nhiacct replay [--speed N] [--goto TIME] [-D DIR | --file FILE...] SESSION\n"
		"\n"
		"Plays back the terminal of a recorded vendor session (pam_nhiacct(8),\n"
		"RECORDING) through tlog-play: each recording of the session in turn\n"
		"(a connection may carry several), announced on stderr with its command.\n"
		"SESSION is the NHIACCT_SESSION of its records (nhiacct review --json).\n"
		"\n"
		"  --speed N        play N times as fast\n"
		"  --goto TIME      skip to TIME (HH:MM:SS, or end: print it all at once)\n"
		"  -D, --directory DIR  read the journal files in DIR instead of the system journal\n"
		"  --file FILE      read FILE (repeatable) instead of the system journal\n"
		"\n"
		"Exit status: 0 played, 1 no such session or it was not recorded, 2 usage\n"
		"error, unreadable journal, or tlog-play failed.\n");
	return f == stdout ? NHI_EXIT_OK : NHI_EXIT_USAGE;
}

int
cmd_replay(const struct nhi_cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "speed", required_argument, NULL, 's' },
		{ "goto", required_argument, NULL, 'g' },
		{ "directory", required_argument, NULL, 'D' },
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct evidence_source src = { 0 };
	struct evidence_session es;
	char speed[64] = "", go[64] = "", *extra[3] = { NULL };
	const char *session;
	sd_journal *j = NULL;
	size_t n = 0;
	int ch, r, rc = NHI_EXIT_USAGE;

	(void)ctx;      /* the journal only, no configuration */
	optind = 1;
	while ((ch = getopt_long(argc, argv, "D:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (!nhi_str_in_set(optarg, 1, 16, "0123456789."))
				return nhi_cmd_usage_error(argv[0], "--speed: a number");
			snprintf(speed, sizeof(speed), "--speed=%s", optarg);
			break;
		case 'g':
			if (!nhi_str_in_set(optarg, 1, 16, "0123456789.:startend"))
				return nhi_cmd_usage_error(argv[0], "--goto: HH:MM:SS, start or end");
			snprintf(go, sizeof(go), "--goto=%s", optarg);
			break;
		case 'D': src.dir = optarg; break;
		case 'f':
			if (src.n_files >= EVIDENCE_FILES_MAX)
				return nhi_cmd_usage_error(argv[0], "too many --file");
			src.files[src.n_files++] = optarg;
			break;
		case 'h': return replay_usage(stdout);
		default: return nhi_cmd_usage_error(argv[0], NULL);
		}
	}
	if (optind != argc - 1)
		return nhi_cmd_usage_error(argv[0], "one SESSION");
	if (src.dir && src.n_files)
		return nhi_cmd_usage_error(argv[0], "-D and --file exclude each other");
	session = argv[optind];
	if (!nhi_session_id_valid(session))
		return nhi_cmd_usage_error(argv[0], "not a session id (32 hex digits)");
	if (speed[0])
		extra[n++] = speed;
	if (go[0])
		extra[n++] = go;
	if (evidence_open("nhiacct replay", &src, true, &j) < 0)
		return NHI_EXIT_USAGE;
	r = evidence_find_session(j, session, &es);
	if (r == -ENOENT) {
		fprintf(stderr, "nhiacct replay: no session %s in the journal\n", session);
		rc = NHI_EXIT_NO;
	} else if (r < 0) {
		fprintf(stderr, "nhiacct replay: reading the journal: %s\n", strerror(-r));
	} else if (es.recording[0] == '\0') {
		fprintf(stderr, "nhiacct replay: session %s of %s was not recorded\n", session,
			es.user);
		rc = NHI_EXIT_NO;
	} else if ((r = evidence_replay(j, &es, extra)) == -ENOENT) {
		fprintf(stderr, "nhiacct replay: session %s has no terminal recording in the "
			"journal (nhiacct review --commands shows what it ran)\n", session);
		rc = NHI_EXIT_NO;
	} else if (r == -ENOEXEC) {
		fprintf(stderr, "nhiacct replay: %s cannot run (apt install tlog)\n", NHI_TLOG_PLAY);
	} else if (r < 0) {
		fprintf(stderr, "nhiacct replay: %s\n", strerror(-r));
	} else {
		rc = NHI_EXIT_OK;
	}
	sd_journal_close(j);
	return rc;
}
