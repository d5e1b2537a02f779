/*
 * rtaudioctl.c - the control CLI: one request to rtaudiod, one reply printed.
 *
 * What it does: parses its options, checks the command with the protocol's
 * own parser (proto_join + proto_parse, so it refuses what the daemon would
 * refuse without connecting), connects to the control socket (-s, else
 * $RTAUDIO_SOCKET, else RUNSTATEDIR/rtaudiod/rtaudiod.sock), sends the line,
 * reads one JSON reply line (every line until EOF for `events`) and prints
 * it for people (output.c) or verbatim (--json). Exit codes are sysexits(3)
 * and listed in usage() and rtaudioctl(1).
 *
 * What it does not do: retry, reconnect, or interpret a refusal beyond
 * "permission denied" (exit 77); the daemon decides what is allowed.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "output.h"
#include "proto.h"

#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

#define DEFAULT_SOCKET RUNSTATEDIR "/rtaudiod/rtaudiod.sock"
#define TIMEOUT_S 5                  /* connect (Linux) and each reply line */
#define REPLY_MAX (1024 * 1024)      /* bytes of one reply line */
#define EXIT_REFUSED 1               /* the daemon answered ok:false */

/* A receive buffer that hands out whole lines. */
struct rbuf {
	char *data;
	size_t len;   /* bytes held */
	size_t start; /* first byte not yet handed out */
	size_t cap;
};

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
		"Exit status: 0 success; 1 the daemon refused the command; 64 usage error;\n"
		"69 the daemon is unreachable or did not answer; 70 the reply is not valid\n"
		"JSON; 74 output could not be written; 77 permission denied.\n");
}

/* For usage errors: short, on stderr. */
static int usage_error(void)
{
	fprintf(stderr,
		"usage: rtaudioctl [-s SOCKET] [-j|--json] COMMAND [ARGS...]\n"
		"Try 'rtaudioctl -h' for more information.\n");
	return EX_USAGE;
}

/* `rtaudioctl help [VERB]`. */
static int cmd_help(int argc, char **argv)
{
	if (argc <= 1) {
		print_commands(stdout);
		return 0;
	}
	const struct proto_cmd *c = proto_lookup(argv[1]);
	if (c == NULL || argc > 2) {
		warnx("help: unknown command '%s'", argv[1]);
		return EX_USAGE;
	}
	printf("usage: rtaudioctl %s%s%s\n  %s\n", c->verb, c->usage[0] ? " " : "",
	       c->usage, c->help);
	return 0;
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

static void set_timeout(int fd, int which, int seconds)
{
	struct timeval tv = { .tv_sec = seconds, .tv_usec = 0 };
	(void)setsockopt(fd, SOL_SOCKET, which, &tv, sizeof tv);
}

/*
 * Connect to `path`; on Linux SO_SNDTIMEO also bounds connect() on a Unix
 * socket whose listen backlog is full. Exits 69/77/64 on failure.
 */
static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof sa.sun_path)
		errx(EX_USAGE, "socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
#ifdef __APPLE__
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0) {
		int one = 1;
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		(void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
	}
#else
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
#endif
	if (fd < 0)
		err(EX_OSERR, "socket");
	set_timeout(fd, SO_SNDTIMEO, TIMEOUT_S);
	set_timeout(fd, SO_RCVTIMEO, TIMEOUT_S);
	while (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (errno == EINTR)
			continue;
		err(errno == EACCES || errno == EPERM ? EX_NOPERM : EX_UNAVAILABLE,
		    "cannot connect to %s", path);
	}
	return fd;
}

static void send_line(int fd, const char *line, size_t len, const char *path)
{
#ifdef MSG_NOSIGNAL
	const int flags = MSG_NOSIGNAL;  /* a vanished daemon is an error, not a signal */
#else
	const int flags = 0;             /* SO_NOSIGPIPE is set instead */
#endif
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(fd, line + off, len - off, flags);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err(EX_UNAVAILABLE, "cannot send to %s", path);
		off += (size_t)n;
	}
}

/*
 * The next line (without "\n", NUL-terminated) into *line and *len. Returns 1,
 * 0 at EOF before any byte of a line, or exits: 69 on a receive error or
 * timeout, 70 on a line longer than REPLY_MAX.
 */
static int read_line(int fd, struct rbuf *rb, char **line, size_t *len)
{
	for (;;) {
		char *nl = rb->len > rb->start ?
			   memchr(rb->data + rb->start, '\n', rb->len - rb->start) : NULL;
		if (nl != NULL) {
			*nl = '\0';
			*line = rb->data + rb->start;
			*len = (size_t)(nl - *line);
			rb->start += *len + 1;
			return 1;
		}
		if (rb->start > 0) {  /* keep only the partial line */
			memmove(rb->data, rb->data + rb->start, rb->len - rb->start);
			rb->len -= rb->start;
			rb->start = 0;
		}
		if (rb->len > REPLY_MAX)
			errx(EX_SOFTWARE, "reply longer than %d bytes", REPLY_MAX);
		if (rb->cap - rb->len < 4096) {
			size_t cap = rb->cap == 0 ? 16384 : rb->cap * 2;
			char *p = realloc(rb->data, cap + 1);
			if (p == NULL)
				err(EX_OSERR, "realloc");
			rb->data = p;
			rb->cap = cap;
		}
		ssize_t n = recv(fd, rb->data + rb->len, rb->cap - rb->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			errx(EX_UNAVAILABLE, "no reply from the daemon within %d s", TIMEOUT_S);
		if (n < 0)
			err(EX_UNAVAILABLE, "cannot read the reply");
		if (n == 0) {
			if (rb->len == 0)
				return 0;
			/* A last line without "\n": take it as it is. */
			rb->data[rb->len] = '\0';
			*line = rb->data;
			*len = rb->len;
			rb->start = rb->len;
			return 1;
		}
		rb->len += (size_t)n;
	}
}

/*
 * Parses one reply line; exits 70 unless it is a JSON object with a boolean
 * "ok" (events of a stream need no "ok"; when they have one it counts).
 */
static json_t *parse_reply(const char *line, size_t len, bool stream)
{
	json_error_t jerr;
	json_t *reply = json_loadb(line, len, 0, &jerr);
	json_t *ok;

	if (reply == NULL)
		errx(EX_SOFTWARE, "unparsable reply from the daemon: %s", jerr.text);
	ok = json_object_get(reply, "ok");
	if (!json_is_object(reply) || (ok == NULL && !stream) || (ok != NULL && !json_is_boolean(ok)))
		errx(EX_SOFTWARE, "unparsable reply from the daemon: not an object with \"ok\"");
	return reply;
}

/* For ok:false: prints the daemon's reason, returns the exit code. */
static int refused(json_t *reply)
{
	const char *why = json_string_value(json_object_get(reply, "error"));

	if (why == NULL)
		why = "the daemon refused the command";
	warnx("%s", why);
	return strncmp(why, "permission denied", 17) == 0 ? EX_NOPERM : EXIT_REFUSED;
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
	if (strcmp(argv[0], "help") == 0) {
		int rc = cmd_help(argc, argv);
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
	bool stream = (req.cmd->flags & PROTO_STREAM) != 0;
	struct rbuf rb = { 0 };
	int fd = ctl_connect(path);
	char *reply_line;
	size_t reply_len;
	int rc = 0;

	/* A stream may stay quiet for as long as nothing happens. */
	if (stream)
		set_timeout(fd, SO_RCVTIMEO, 0);
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

	close(fd);
	free(rb.data);
	return rc;
}
