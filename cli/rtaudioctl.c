/*
 * rtaudioctl.c - the control CLI: one request to rtaudiod, one reply printed.
 *
 * What it does: parses its options, checks the command with the protocol's
 * own parser (proto_join + proto_parse, so it refuses what the daemon would
 * refuse without connecting), connects to the control socket (-s, else
 * $RTAUDIO_SOCKET, else RUNSTATEDIR/rtaudiod/rtaudiod.sock), sends the line,
 * reads one JSON reply line (every line until EOF for `events`) and prints
 * it for people (output.c) or verbatim (--json). Exit codes are sysexits(3)
 * and listed in usage() and rtaudioctl(1). The polling verbs (status
 * --watch, wait-ready) run in live.c; `help --verbs` and `help --words VERB`
 * feed the bash completion from the command table.
 *
 * What it does not do: socket details (conn.c), retry or reconnect for a
 * single request, or read a refusal's message: its exit status is the
 * one lib/proto.h's table gives the refusal's "code"; the daemon decides
 * what is allowed.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "conn.h"
#include "live.h"
#include "output.h"
#include "proto.h"
#include "tap.h"

#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

#define DEFAULT_SOCKET RUNSTATEDIR "/rtaudiod/rtaudiod.sock"
#define TIMEOUT_S 5                  /* connect (Linux) and each reply line */
#define EXIT_REFUSED 1               /* the daemon answered ok:false */

static void print_commands(FILE *out)
{
	int w = 0;
	char col[64];

	for (const struct proto_cmd *c = proto_cmds; c->verb != NULL; c++) {
		int n = snprintf(col, sizeof col, "%s %s", c->verb, c->usage);
		if (n > w)
			w = n;
	}
	fprintf(out, "Commands:\n");
	for (const struct proto_cmd *c = proto_cmds; c->verb != NULL; c++) {
		snprintf(col, sizeof col, "%s %s", c->verb, c->usage);
		fprintf(out, "  %-*s  %s\n", w, col, c->help);
	}
	fprintf(out, "  %-*s  %s\n", w, "help [COMMAND]", "list the commands, or show one");
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: rtaudioctl [-s SOCKET] [-j|--json] COMMAND [ARGS...]\n"
		"       rtaudioctl help [COMMAND] | -h | -V\n"
		"\n"
		"Send one command to rtaudiod over its control socket and print the reply.\n"
		"\n"
		"Options:\n"
		"  -s, --socket SOCKET  the control socket (default: $RTAUDIO_SOCKET if set,\n"
		"                       else " DEFAULT_SOCKET ")\n"
		"  -j, --json           print the daemon's JSON reply as it came\n"
		"  -h, --help           print this help and exit\n"
		"  -V, --version        print rtaudioctl's version and exit\n"
		"\n");
	print_commands(out);
	fprintf(out,
		"\n"
		"Exit status: 0 success; 1 the daemon refused the command (wait-ready: not\n"
		"ready in time); 64 usage error; 69 the daemon is unreachable, did not\n"
		"answer or is shutting down; 70 the reply is not valid JSON, or the daemon\n"
		"failed; 73 record cannot create its file; 74 output could not be written;\n"
		"75 busy, retry later; 77 permission denied. A refusal's exit status\n"
		"follows its code (see rtaudioctl(1)).\n");
}

/* For usage errors: short, on stderr. */
static int usage_error(void)
{
	fprintf(stderr,
		"usage: rtaudioctl [-s SOCKET] [-j|--json] COMMAND [ARGS...]\n"
		"Try 'rtaudioctl -h' for more information.\n");
	return EX_USAGE;
}

static void print_verbs(void)
{
	for (const struct proto_cmd *c = proto_cmds; c->verb != NULL; c++)
		puts(c->verb);
	puts("help");
}

/*
 * What may follow `c` on the command line, one a line, read from its usage
 * string: the alternatives of its first word unless that is an option
 * ("gain|pan VALUE" gives gain and pan, "[reset]" reset, "FILE [-d
 * SECONDS]" the placeholder FILE), then every option ("[--watch [-n
 * COUNT]" gives --watch and -n). Other placeholders are left out.
 */
static void print_words(const struct proto_cmd *c)
{
	const char *u = c->usage;
	bool leading = true;

	while (*u != '\0') {
		char w[64];
		size_t n = 0;

		for (; *u == ' '; u++)
			;
		for (; *u != '\0' && *u != ' '; u++)
			if (*u != '[' && *u != ']' && n < sizeof w - 1)
				w[n++] = *u;
		w[n] = '\0';
		if (n == 0)
			continue;
		if (w[0] == '-') {
			puts(w);
			leading = false;
			continue;
		}
		if (leading)
			for (char *alt = strtok(w, "|"); alt != NULL; alt = strtok(NULL, "|"))
				if (!(alt[0] >= 'A' && alt[0] <= 'Z'))  /* NAME, FILE: placeholders */
					puts(alt);
		leading = false;
	}
}

static const char *socket_path(const char *opt)
{
	const char *env = getenv("RTAUDIO_SOCKET");

	if (opt != NULL)
		return opt;
	if (env != NULL && env[0] != '\0')
		return env;
	return DEFAULT_SOCKET;
}

/*
 * The renderer's parameter names, one a line, asked from the daemon at
 * `path` ("params") when it answers within a moment: completion of get and
 * set offers them. Silent when there is no daemon or no answer.
 */
static void print_param_names(const char *path)
{
	struct conn_buf rb = { 0 };
	char *line;
	size_t len;
	int fd = conn_open(path, 300);

	if (fd < 0)
		return;
	conn_set_recv_timeout(fd, 300);
	if (conn_send(fd, "params\n", 7) == 0 && conn_read_line(fd, &rb, &line, &len) == 1) {
		json_t *reply = json_loadb(line, len, 0, NULL), *p;
		size_t i;
		json_array_foreach(json_object_get(reply, "params"), i, p) {
			const char *name = json_string_value(json_object_get(p, "name"));
			if (name != NULL && proto_param_lookup(name) == NULL)
				puts(name);
		}
		json_decref(reply);
	}
	conn_buf_free(&rb);
	close(fd);
}

/*
 * `rtaudioctl help [VERB]`; for the bash completion also `help --verbs`
 * (every verb, one a line) and `help --words VERB` (print_words; for help,
 * the verbs). Both come from the command table, so completion cannot lag.
 */
static int cmd_help(int argc, char **argv, const char *path)
{
	const struct proto_cmd *c;

	if (argc <= 1) {
		print_commands(stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--verbs") == 0) {
		print_verbs();
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--words") == 0) {
		if (strcmp(argv[2], "help") == 0) {
			print_verbs();
			return 0;
		}
		if ((c = proto_lookup(argv[2])) == NULL) {
			warnx("help: unknown command '%s'", argv[2]);
			return EX_USAGE;
		}
		print_words(c);
		if (c->id == CMD_GET || c->id == CMD_SET)
			print_param_names(path);
		return 0;
	}
	c = proto_lookup(argv[1]);
	if (c == NULL || argc > 2) {
		warnx("help: unknown command '%s'", argv[1]);
		return EX_USAGE;
	}
	printf("usage: rtaudioctl %s%s%s\n  %s\n", c->verb, c->usage[0] ? " " : "",
	       c->usage, c->help);
	return 0;
}


/* Connect to `path` (conn_open), or exit 69, 77 or 64 with the reason. */
static int ctl_connect(const char *path)
{
	int fd = conn_open(path, TIMEOUT_S * 1000);

	if (fd == -ENAMETOOLONG)
		errx(EX_USAGE, "socket path too long: %s", path);
	if (fd < 0) {
		errno = -fd;
		err(conn_exit_code(fd), "cannot connect to %s", path);
	}
	return fd;
}

static void send_line(int fd, const char *line, size_t len, const char *path)
{
	int rc = conn_send(fd, line, len);

	if (rc < 0) {
		errno = -rc;
		err(EX_UNAVAILABLE, "cannot send to %s", path);
	}
}

/*
 * The next line (conn_read_line). Returns 1, 0 at EOF before any byte of a
 * line, or exits: 69 on a receive error or time-out, 70 on a line longer
 * than CONN_REPLY_MAX, 71 out of memory.
 */
static int read_line(int fd, struct conn_buf *rb, char **line, size_t *len)
{
	int rc = conn_read_line(fd, rb, line, len);

	if (rc == -EAGAIN)
		errx(EX_UNAVAILABLE, "no reply from the daemon within %d s", TIMEOUT_S);
	if (rc == -EMSGSIZE)
		errx(EX_SOFTWARE, "reply longer than %d bytes", CONN_REPLY_MAX);
	if (rc == -ENOMEM)
		errx(EX_OSERR, "out of memory for the reply");
	if (rc < 0) {
		errno = -rc;
		err(EX_UNAVAILABLE, "cannot read the reply");
	}
	return rc;
}

/*
 * Parses one reply line; exits 70 unless it is a JSON object with a boolean
 * "ok" (events of a stream need no "ok"; when they have one it counts).
 */
static json_t *parse_reply(const char *line, size_t len, bool stream)
{
	char why[JSON_ERROR_TEXT_LENGTH];
	json_t *reply = output_decode(line, len, stream, why, sizeof why);

	if (reply == NULL)
		errx(EX_SOFTWARE, "unparsable reply from the daemon: %s", why);
	return reply;
}

/* For ok:false: prints the daemon's reason, returns the exit status of its code. */
static int refused(json_t *reply)
{
	const char *why = json_string_value(json_object_get(reply, "error"));

	if (why == NULL)
		why = "the daemon refused the command";
	warnx("%s", why);
	return proto_error_exit(json_string_value(json_object_get(reply, "code")));
}

static void flush_or_die(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		err(EX_IOERR, "stdout");
}

/* Whether the terminal's codeset can show the status bullet. */
static bool utf8_locale(void)
{
	const char *cs;

	/* LC_CTYPE only: LC_NUMERIC stays "C" for proto's strtod and printf. */
	if (setlocale(LC_CTYPE, "") == NULL)
		return false;
	cs = nl_langinfo(CODESET);
	return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock_opt = NULL;
	bool json = false;
	int ch;

	/* "+": stop at the verb, so "set pan -0.5" keeps its "-0.5". */
	while ((ch = getopt_long(argc, argv, "+s:jhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			sock_opt = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			flush_or_die();
			return 0;
		case 'V':
			printf("rtaudioctl %s\n", PACKAGE_VERSION);
			flush_or_die();
			return 0;
		default:
			return usage_error();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return usage_error();
	/* -j/--json after the verb too ("rtaudioctl status -j"): no verb has an
	 * argument spelled so, and getopt stops at the verb ("set pan -0.5"). */
	int kept = 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-j") == 0 || strcmp(argv[i], "--json") == 0)
			json = true;
		else
			argv[kept++] = argv[i];
	}
	argc = kept;
	if (strcmp(argv[0], "help") == 0) {
		int rc = cmd_help(argc, argv, socket_path(sock_opt));
		flush_or_die();
		return rc;
	}

	char line[PROTO_LINE_MAX + 2];
	struct proto_req req;
	const char *why;
	int len = proto_join(line, sizeof line, argc, argv);
	if (len < 0)
		errx(EX_USAGE, "command longer than %d bytes", PROTO_LINE_MAX);
	if (proto_parse(line, (size_t)len, &req, &why) < 0) {
		warnx("%s", why);
		fprintf(stderr, "Try 'rtaudioctl help'.\n");
		return EX_USAGE;
	}
	line[len++] = '\n';

	const char *path = socket_path(sock_opt);
	bool utf8 = !json && utf8_locale();
	if (live_handles(&req))  /* status --watch, wait-ready: polling loops */
		return live_run(&req, path, json, utf8);
	if ((req.cmd->flags & PROTO_LOCAL) != 0)  /* record, meter: on a tap (tap.c) */
		return tap_run(path, &req, json);

	bool stream = (req.cmd->flags & PROTO_STREAM) != 0;
	struct conn_buf rb = { 0 };
	int fd = ctl_connect(path);
	char *reply_line;
	size_t reply_len;
	int rc = 0;

	/* A stream may stay quiet for as long as nothing happens. */
	if (stream)
		conn_set_recv_timeout(fd, 0);
	send_line(fd, line, (size_t)len, path);

	if (read_line(fd, &rb, &reply_line, &reply_len) == 0)
		errx(EX_UNAVAILABLE, "%s closed the connection without a reply", path);
	do {
		json_t *reply = parse_reply(reply_line, reply_len, stream);
		if (json)
			printf("%s\n", reply_line);
		if (json_is_false(json_object_get(reply, "ok"))) {
			flush_or_die();
			rc = refused(reply);
			json_decref(reply);
			break;
		}
		if (!json)
			output_reply(stdout, &req, reply, utf8);
		json_decref(reply);
		flush_or_die();  /* each event as it comes, even into a pipe */
	} while (stream && read_line(fd, &rb, &reply_line, &reply_len) == 1);
	/* A stream ends only when the daemon goes away (shutdown, crash): say
	 * so and exit 69, as record and meter do, so a script can tell. */
	if (stream && rc == 0) {
		warnx("%s closed the event stream (the daemon stopped)", path);
		rc = EX_UNAVAILABLE;
	}

	close(fd);
	conn_buf_free(&rb);
	return rc;
}
