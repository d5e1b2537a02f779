/*
 * output.c - rtaudioctl's human-readable rendering of daemon replies.
 *
 * What it does: the status page (header, stream, params, sink, failovers,
 * one table row per replica), one line per other verb, one line per event,
 * indented JSON as the fallback (stats, unknown shapes).
 * What it does not do: socket I/O, exit codes, --json (rtaudioctl.c). It
 * trusts nothing in the reply: every field is looked up with its type
 * checked and prints as "-" when absent, null or of another type.
 */
#include "output.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Room for any formatted cell: a 64-bit number, a duration, a short word. */
#define CELL 48

/* The string at o.key, or "-". */
static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s != NULL ? s : "-";
}

/* A number as it came (integer, or real with %g), or "-". */
static const char *num(json_t *o, const char *key, char buf[CELL])
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		snprintf(buf, CELL, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, CELL, "%g", json_real_value(v));
	else
		snprintf(buf, CELL, "-");
	return buf;
}

/* Sets *out to the number at o.key; false when there is none. */
static bool get_num(json_t *o, const char *key, double *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return true;
}

/* "1m 12s": the two most significant units, like systemctl's "1min 12s". */
static const char *fmt_duration_ms(double ms, char buf[CELL])
{
	if (!(ms >= 0 && ms < 1e15)) {
		snprintf(buf, CELL, "-");
		return buf;
	}
	uint64_t s = (uint64_t)(ms / 1000);
	unsigned d = (unsigned)(s / 86400), h = (unsigned)(s / 3600 % 24);
	unsigned m = (unsigned)(s / 60 % 60), sec = (unsigned)(s % 60);

	if (d > 0)
		snprintf(buf, CELL, "%ud %uh", d, h);
	else if (h > 0)
		snprintf(buf, CELL, "%uh %um", h, m);
	else if (m > 0)
		snprintf(buf, CELL, "%um %us", m, sec);
	else
		snprintf(buf, CELL, "%us", sec);
	return buf;
}

/* A short latency in microseconds: "312us", "1.2ms", "3.4s". */
static const char *fmt_us(json_t *o, const char *key, char buf[CELL])
{
	double us;

	if (!get_num(o, key, &us) || !(us >= 0))
		snprintf(buf, CELL, "-");
	else if (us < 1000)
		snprintf(buf, CELL, "%.0fus", us);
	else if (us < 1e6)
		snprintf(buf, CELL, "%.1fms", us / 1e3);
	else
		snprintf(buf, CELL, "%.1fs", us / 1e6);
	return buf;
}

/* The reply without "ok", indented; the layout for what has no other. */
static void print_json(FILE *out, json_t *reply)
{
	json_t *copy = json_copy(reply);
	char *s;

	if (copy == NULL)
		return;
	json_object_del(copy, "ok");
	s = json_dumps(copy, JSON_INDENT(2));
	if (s != NULL) {
		fprintf(out, "%s\n", s);
		free(s);
	}
	json_decref(copy);
}

/*
 * When the last failover happened. time_ms is read as wall-clock
 * milliseconds since the epoch when it is that large (past 2001), else as
 * the daemon's uptime at the failover, shown as an age.
 */
static const char *fmt_when(json_t *last, double uptime_ms, bool have_uptime, char buf[CELL])
{
	double t;

	if (!get_num(last, "time_ms", &t) || !(t >= 0)) {
		snprintf(buf, CELL, "-");
	} else if (t >= 1e12 && t < 1e15) {
		time_t secs = (time_t)(t / 1000);
		struct tm tm;
		if (localtime_r(&secs, &tm) == NULL ||
		    strftime(buf, CELL, "at %Y-%m-%d %H:%M:%S", &tm) == 0)
			snprintf(buf, CELL, "-");
	} else if (have_uptime && uptime_ms >= t) {
		char d[CELL];
		snprintf(buf, CELL, "%s ago", fmt_duration_ms(uptime_ms - t, d));
	} else {
		char d[CELL];
		snprintf(buf, CELL, "at up %s", fmt_duration_ms(t, d));
	}
	return buf;
}

enum { COL_INDEX, COL_ROLE, COL_PID, COL_ALIVE, COL_HB, COL_RENDERED, COL_RESTARTS, COL_RT, NCOL };

static const char *const col_head[NCOL] = {
	"INDEX", "ROLE", "PID", "ALIVE", "HEARTBEAT", "RENDERED", "RESTARTS", "RT",
};

static void print_row(FILE *out, char cells[NCOL][CELL], const int width[NCOL])
{
	for (int c = 0; c < NCOL; c++) {
		if (c == NCOL - 1)
			fprintf(out, "%s\n", cells[c]);
		else
			fprintf(out, "%-*s  ", width[c], cells[c]);
	}
}

static void print_replicas(FILE *out, json_t *replicas)
{
	size_t n = json_array_size(replicas);
	char (*rows)[NCOL][CELL];
	int width[NCOL];
	char head[NCOL][CELL];

	if (n == 0) {
		fprintf(out, "\nNo replicas.\n");
		return;
	}
	if ((rows = calloc(n, sizeof *rows)) == NULL)
		return;
	for (int c = 0; c < NCOL; c++) {
		snprintf(head[c], CELL, "%s", col_head[c]);
		width[c] = (int)strlen(col_head[c]);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(replicas, i);
		json_t *alive = json_object_get(r, "alive");
		num(r, "index", rows[i][COL_INDEX]);
		snprintf(rows[i][COL_ROLE], CELL, "%s", str(r, "role"));
		num(r, "pid", rows[i][COL_PID]);
		snprintf(rows[i][COL_ALIVE], CELL, "%s",
			 json_is_boolean(alive) ? (json_is_true(alive) ? "yes" : "no") : "-");
		fmt_us(r, "heartbeat_age_us", rows[i][COL_HB]);
		num(r, "rendered_seq", rows[i][COL_RENDERED]);
		num(r, "restarts", rows[i][COL_RESTARTS]);
		snprintf(rows[i][COL_RT], CELL, "%s", str(r, "rt"));
		for (int c = 0; c < NCOL; c++) {
			int w = (int)strlen(rows[i][c]);
			if (w > width[c])
				width[c] = w;
		}
	}
	fputc('\n', out);
	print_row(out, head, width);
	for (size_t i = 0; i < n; i++)
		print_row(out, rows[i], width);
	free(rows);
}

static void print_status(FILE *out, json_t *reply, bool utf8)
{
	json_t *daemon = json_object_get(reply, "daemon");
	json_t *stream = json_object_get(reply, "stream");
	json_t *params = json_object_get(reply, "params");
	json_t *sink = json_object_get(reply, "sink");
	json_t *fo = json_object_get(reply, "failovers");
	json_t *last = json_object_get(fo, "last");
	char a[CELL], b[CELL], c[CELL], d[CELL], e[CELL], f[CELL];
	double uptime = 0, period_ns;
	bool have_uptime = get_num(daemon, "uptime_ms", &uptime);

	fprintf(out, "%s rtaudiod - %s, pid %s, up %s\n", utf8 ? "\xe2\x97\x8f" : "*",
		str(daemon, "state"), num(daemon, "pid", a),
		have_uptime ? fmt_duration_ms(uptime, b) : "-");
	fprintf(out, "    Version: %s\n", str(daemon, "version"));

	if (get_num(stream, "period_ns", &period_ns))
		snprintf(e, CELL, "%.3f ms", period_ns / 1e6);
	else
		snprintf(e, CELL, "-");
	fprintf(out, "     Stream: %s Hz, %s ch, %s frames (%s), lead %s, standby %s\n",
		num(stream, "sample_rate", a), num(stream, "channels", b),
		num(stream, "frames", c), e, num(stream, "lead", d), str(stream, "standby"));
	fprintf(out, "     Params: gain %s, pan %s\n", num(params, "gain", a), num(params, "pan", b));

	json_t *primary = json_object_get(reply, "primary");
	fprintf(out, "    Primary: %s\n", json_is_integer(primary) ? num(reply, "primary", a) : "none");

	fprintf(out, "       Sink: %s, block %s, underruns %s, rescued %s, lost samples %s\n",
		str(sink, "type"), num(sink, "seq", a), num(sink, "underruns", b),
		num(sink, "rescued", c), num(sink, "lost_samples", d));

	fprintf(out, "  Failovers: %s\n", num(fo, "count", a));
	if (json_is_object(last))
		fprintf(out, "       Last: %s %s -> %s %s, detected in %s, lost %s samples, rescued %s\n",
			str(last, "reason"), num(last, "from", a), num(last, "to", b),
			fmt_when(last, uptime, have_uptime, f), fmt_us(last, "detect_us", c),
			num(last, "lost_samples", e), num(last, "rescued", d));

	print_replicas(out, json_object_get(reply, "replicas"));
}

/* "gain 0.5", "pan -0.5 (applies at block 1234)". */
static void print_param(FILE *out, const struct proto_req *req, json_t *reply)
{
	const char *name = req->argv[0];
	char a[CELL], b[CELL];

	if (json_object_get(reply, name) == NULL) {
		print_json(out, reply);
		return;
	}
	fprintf(out, "%s %s", name, num(reply, name, a));
	if (json_object_get(reply, "apply_at") != NULL)
		fprintf(out, " (applies at block %s)", num(reply, "apply_at", b));
	fputc('\n', out);
}

static void print_kill(FILE *out, json_t *reply)
{
	json_t *killed = json_object_get(reply, "killed");
	char a[CELL], b[CELL], c[CELL];

	fprintf(out, "killed primary %s (pid %s); ", num(killed, "index", a), num(killed, "pid", b));
	if (json_is_integer(json_object_get(reply, "primary")))
		fprintf(out, "new primary %s\n", num(reply, "primary", c));
	else
		fprintf(out, "no primary left\n");
}

void output_reply(FILE *out, const struct proto_req *req, json_t *reply, bool utf8)
{
	char a[CELL], b[CELL];

	switch (req->cmd->id) {
	case CMD_STATUS:
		print_status(out, reply, utf8);
		break;
	case CMD_GET:
	case CMD_SET:
		print_param(out, req, reply);
		break;
	case CMD_KILL_PRIMARY:
		print_kill(out, reply);
		break;
	case CMD_FAILOVER:
		fprintf(out, "primary %s -> %s\n", num(reply, "from", a), num(reply, "to", b));
		break;
	case CMD_VERSION:
		fprintf(out, "rtaudiod %s\n", str(reply, "version"));
		break;
	case CMD_RELOAD:
		fprintf(out, "reloaded\n");
		break;
	case CMD_STATS:
		if (req->argc == 1 && json_object_size(reply) <= 1)
			fprintf(out, "statistics reset\n");
		else
			print_json(out, reply);
		break;
	case CMD_EVENTS:
		output_event(out, reply);
		break;
	case CMD__COUNT:
		print_json(out, reply);
		break;
	}
}

/* Strings bare when they are one plain word, else (and all else) as JSON. */
static void print_value(FILE *out, json_t *v)
{
	const char *s = json_string_value(v);

	if (s != NULL && s[0] != '\0' && strpbrk(s, " \t\n\r\"=") == NULL) {
		fputs(s, out);
		return;
	}
	char *j = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (j != NULL) {
		fputs(j, out);
		free(j);
	}
}

void output_event(FILE *out, json_t *ev)
{
	const char *name_key = json_is_string(json_object_get(ev, "event")) ? "event" : "type";
	const char *name = json_string_value(json_object_get(ev, name_key));
	const char *key;
	json_t *v;
	bool first = true;

	if (!json_is_object(ev))
		return;
	if (name != NULL) {
		fputs(name, out);
		first = false;
	}
	json_object_foreach(ev, key, v) {
		if (strcmp(key, "ok") == 0 || (name != NULL && strcmp(key, name_key) == 0))
			continue;
		fprintf(out, "%s%s=", first ? "" : " ", key);
		print_value(out, v);
		first = false;
	}
	if (!first)
		fputc('\n', out);
}
