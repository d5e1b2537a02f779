/*
 * live.c - rtaudioctl's polling verbs: `status --watch` and `wait-ready`
 * (contracts in live.h).
 *
 * What it does: fetches "status" on a fresh connection per poll; for
 * --watch renders each frame into memory first (output_watch), then either
 * redraws the terminal in place with plain ANSI sequences (cursor home,
 * erase to end of line and of screen: no curses, no flicker) or, when
 * stdout is not a terminal (or TERM=dumb), appends the frame as a block;
 * for wait-ready polls every WAIT_POLL_MS until the reply says "ready"
 * (or, from a daemon without that member, state "running" with a primary).
 * What it does not do: keep a connection open, send anything but "status",
 * or handle signals: ^C ends a watch where it stands (the cursor is below
 * the last complete frame).
 */
#include "live.h"

#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "conn.h"
#include "output.h"

#define REQUEST_TIMEOUT_MS 5000      /* connect and reply, per poll (as one request) */
#define WATCH_INTERVAL_MS 1000       /* status --watch default refresh */
#define WAIT_TIMEOUT_MS 10000        /* wait-ready default time-out */
#define WAIT_POLL_MS 20              /* wait-ready: time between polls */
#define WHY_MAX 256
#define EXIT_REFUSED 1               /* ok:false, or not ready in time */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_until(uint64_t deadline_ms)
{
	uint64_t now;

	while ((now = now_ms()) < deadline_ms) {
		uint64_t left = deadline_ms - now;
		struct timespec ts = { .tv_sec = (time_t)(left / 1000),
				       .tv_nsec = (long)(left % 1000) * 1000000L };
		(void)nanosleep(&ts, NULL);  /* EINTR: the loop re-computes */
	}
}

/* The number after the last `flag` among req's words, or dflt. The table's
 * check accepted the words, so the number is a valid whole number in range. */
static long opt_num(const struct proto_req *req, const char *flag, long dflt)
{
	long v = dflt;

	for (int i = 0; i + 1 < req->argc; i++)
		if (strcmp(req->argv[i], flag) == 0)
			v = (long)strtod(req->argv[i + 1], NULL);
	return v;
}

bool live_handles(const struct proto_req *req)
{
	/* status takes no arguments but --watch and its -n, -i (check_status). */
	return req->cmd->id == CMD_WAIT_READY || (req->cmd->id == CMD_STATUS && req->argc > 0);
}

/*
 * One "status" request on a fresh connection, waiting at most timeout_ms
 * for the connection and for the reply. Returns the reply with "ok":true
 * (the caller owns it) and its raw line in *line (valid until b is reused),
 * or NULL with a message in why and the exit status in *code: the
 * connection's (69, 77...), 69 when no reply came, 70 for a bad reply,
 * the status of the refusal's code (proto_error_exit) when the daemon refused. *connected tells
 * whether the daemon accepted the connection.
 */
static json_t *fetch_status(const char *path, int timeout_ms, struct conn_buf *b,
			    const char **line, char why[WHY_MAX], int *code, bool *connected)
{
	json_t *reply, *ok;
	char *l = NULL, jerr[128];
	size_t len = 0;
	int fd, rc;

	*connected = false;
	b->len = b->start = 0;  /* nothing of an earlier connection */
	if ((fd = conn_open(path, timeout_ms)) < 0) {
		snprintf(why, WHY_MAX, "cannot connect to %s: %s", path, strerror(-fd));
		*code = conn_exit_code(fd);
		return NULL;
	}
	*connected = true;
	rc = conn_send(fd, "status\n", 7);
	if (rc == 0)
		rc = conn_read_line(fd, b, &l, &len);
	close(fd);
	if (rc <= 0) {
		if (rc == -EAGAIN)
			snprintf(why, WHY_MAX, "no reply from the daemon within %d ms", timeout_ms);
		else if (rc == 0)
			snprintf(why, WHY_MAX, "%s closed the connection without a reply", path);
		else
			snprintf(why, WHY_MAX, "no reply from %s: %s", path, strerror(-rc));
		*code = rc == -EMSGSIZE ? EX_SOFTWARE : EX_UNAVAILABLE;
		return NULL;
	}
	if ((reply = output_decode(l, len, false, jerr, sizeof jerr)) == NULL) {
		snprintf(why, WHY_MAX, "unparsable reply from the daemon: %s", jerr);
		*code = EX_SOFTWARE;
		return NULL;
	}
	ok = json_object_get(reply, "ok");
	if (json_is_false(ok)) {
		const char *e = json_string_value(json_object_get(reply, "error"));
		snprintf(why, WHY_MAX, "%s", e != NULL ? e : "the daemon refused the command");
		*code = proto_error_exit(json_string_value(json_object_get(reply, "code")));
		json_decref(reply);
		return NULL;
	}
	*line = l;
	*code = 0;
	return reply;
}

static void flush_or_die(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		err(EX_IOERR, "stdout");
}

/*
 * Put `text` (whole lines) on the terminal over the previous frame: home,
 * each line followed by "erase to end of line", then "erase below", so
 * nothing of a longer earlier frame stays and nothing blinks.
 */
static void redraw(const char *text, bool first)
{
	fputs(first ? "\033[H\033[2J" : "\033[H", stdout);
	for (const char *p = text; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		fwrite(p, 1, n, stdout);
		fputs("\033[K\n", stdout);
		p += n + (nl != NULL);
	}
	fputs("\033[J", stdout);
}

static bool is_terminal(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && (term == NULL || strcmp(term, "dumb") != 0);
}

static int watch(const char *path, long count, long interval_ms, bool json, bool utf8)
{
	bool tty = !json && is_terminal();
	struct conn_buf b = { 0 };
	uint64_t next = now_ms();
	int code = 0;
	bool shown = false;  /* a frame is on stdout already */

	for (long i = 0; count == 0 || i < count; i++) {
		char why[WHY_MAX], hms[32];
		const char *line = NULL;
		bool connected;
		time_t t;
		struct tm tm;

		if (i > 0) {
			next += (uint64_t)interval_ms;
			if (next < now_ms())  /* a slow reply: keep the pace, skip the lost ticks */
				next = now_ms();
			sleep_until(next);
		}
		json_t *st = fetch_status(path, REQUEST_TIMEOUT_MS, &b, &line, why, &code,
					  &connected);
		if (json) {
			if (st != NULL)
				printf("%s\n", line);
			else
				warnx("%s", why);
			json_decref(st);
			flush_or_die();
			continue;
		}
		t = time(NULL);
		if (localtime_r(&t, &tm) == NULL || strftime(hms, sizeof hms, "%H:%M:%S", &tm) == 0)
			snprintf(hms, sizeof hms, "--:--:--");

		char *text = NULL;
		size_t tlen = 0;
		FILE *m = open_memstream(&text, &tlen);
		if (m == NULL)
			err(EX_OSERR, "open_memstream");
		if (st != NULL)
			output_watch(m, st, utf8, hms);
		else
			fprintf(m, "rtaudioctl: %s  %s (retrying every %ld ms)\n", hms, why,
				interval_ms);
		if (fclose(m) != 0 || text == NULL)
			err(EX_OSERR, "open_memstream");
		if (tty) {
			redraw(text, i == 0);
		} else if (st != NULL) {
			if (shown)
				putchar('\n');  /* blocks apart, as top -b */
			fputs(text, stdout);
			shown = true;
		} else {
			fputs(text, stderr);
		}
		free(text);
		json_decref(st);
		flush_or_die();
	}
	conn_buf_free(&b);
	return code;
}

/* Ready: the daemon says so; a daemon without "ready": running with a primary. */
static bool status_ready(json_t *st)
{
	json_t *ready = json_object_get(st, "ready");
	const char *state = json_string_value(json_object_get(json_object_get(st, "daemon"), "state"));

	if (json_is_boolean(ready))
		return json_is_true(ready);
	return state != NULL && strcmp(state, "running") == 0 &&
	       json_is_integer(json_object_get(st, "primary"));
}

static int wait_ready(const char *path, long timeout_ms, bool json)
{
	uint64_t start = now_ms(), deadline = start + (uint64_t)timeout_ms;
	struct conn_buf b = { 0 };
	char why[WHY_MAX] = "", last[WHY_MAX] = "";
	bool answered = false;
	int code = EX_UNAVAILABLE, conn_code = EX_UNAVAILABLE;

	for (;;) {
		uint64_t now = now_ms();
		/* Each poll waits at most what is left, but gives a reply a fair chance. */
		long left = deadline > now ? (long)(deadline - now) : 0;
		int t = left < 100 ? 100 : left > REQUEST_TIMEOUT_MS ? REQUEST_TIMEOUT_MS : (int)left;
		const char *line = NULL;
		bool connected;
		json_t *st = fetch_status(path, t, &b, &line, why, &code, &connected);

		if (st != NULL) {
			json_t *sink = json_object_get(st, "sink");
			char seq[32];
			if (status_ready(st)) {
				json_t *v = json_object_get(sink, "seq");
				snprintf(seq, sizeof seq, "%" JSON_INTEGER_FORMAT,
					 json_is_integer(v) ? json_integer_value(v) : -1);
				if (json)
					printf("%s\n", line);
				else
					printf("ready: primary %" JSON_INTEGER_FORMAT ", sink at block %s\n",
					       json_integer_value(json_object_get(st, "primary")), seq);
				json_decref(st);
				conn_buf_free(&b);
				flush_or_die();
				return 0;
			}
			const char *state = json_string_value(
				json_object_get(json_object_get(st, "daemon"), "state"));
			answered = true;
			snprintf(last, sizeof last, "state %s, %s", state != NULL ? state : "-",
				 json_is_integer(json_object_get(st, "primary")) ?
				 "the sink is not playing yet" : "no primary");
			json_decref(st);
		} else if (code == EXIT_REFUSED || code == EX_SOFTWARE) {
			answered = true;  /* a daemon that answers, just not "ready" */
			snprintf(last, sizeof last, "%s", why);
		} else if (!connected) {
			conn_code = code;
		}
		now = now_ms();
		if (now >= deadline)
			break;
		sleep_until(now + (deadline - now < WAIT_POLL_MS ? deadline - now : WAIT_POLL_MS));
	}
	conn_buf_free(&b);
	if (!answered) {
		warnx("%s; gave up after %ld ms", why, timeout_ms);
		return conn_code == EX_NOPERM ? EX_NOPERM : EX_UNAVAILABLE;
	}
	warnx("not ready after %ld ms (%s)", timeout_ms, last);
	return EXIT_REFUSED;
}

int live_run(const struct proto_req *req, const char *path, bool json, bool utf8)
{
	if (req->cmd->id == CMD_WAIT_READY)
		return wait_ready(path, opt_num(req, "-t", WAIT_TIMEOUT_MS), json);
	return watch(path, opt_num(req, "-n", 0), opt_num(req, "-i", WATCH_INTERVAL_MS), json,
		     utf8);
}
