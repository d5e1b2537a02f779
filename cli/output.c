/*
 * output.c - rtaudioctl's human-readable rendering of daemon replies.
 *
 * What it does: the status page (header, stream, params, sink, failovers,
 * one table row per replica), the status --watch frame (one header line and
 * the replica table), the stats tables (sink counters; per replica counters
 * and render time as a share of the period, like pw-top's BUSY), one line
 * per other verb, indented JSON as the fallback (unknown shapes); events
 * are output_event.c's.
 * What it does not do: socket I/O, exit codes, --json (rtaudioctl.c). It
 * trusts nothing in the reply: every field is looked up with its type
 * checked and prints as "-" when absent, null or of another type.
 */
#include "output.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Room for any formatted cell: a 64-bit number, a duration, a short word,
 * a replica's rt ("none (EPERM, RLIMIT_RTPRIO=0), mlocked (audio path)"). */
#define CELL 80

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

/*
 * A table: a header row and nrows rows of ncol cells (row-major), columns as
 * wide as their widest cell, two blanks apart; right[c] right-aligns column
 * c (numbers), else left. The last column is not padded.
 */
struct table {
	int ncol;
	const char *const *head;
	const bool *right;       /* NULL: every column left-aligned */
	size_t nrows;
	char (*cells)[CELL];
};

#define TABLE_MAXCOL 16

/* One row: cell[c] for c < t->ncol. */
static void print_cells(FILE *out, const struct table *t, const int *width,
			const char *const *cell)
{
	for (int c = 0; c < t->ncol; c++) {
		const char *sep = c == t->ncol - 1 ? "\n" : "  ";
		if (t->right != NULL && t->right[c])
			fprintf(out, "%*s%s", width[c], cell[c], sep);
		else if (c == t->ncol - 1)
			fprintf(out, "%s\n", cell[c]);
		else
			fprintf(out, "%-*s%s", width[c], cell[c], sep);
	}
}

static void print_table(FILE *out, const struct table *t)
{
	int width[TABLE_MAXCOL];
	const char *cell[TABLE_MAXCOL];

	if (t->ncol > TABLE_MAXCOL)
		return;
	for (int c = 0; c < t->ncol; c++)
		width[c] = (int)strlen(t->head[c]);
	for (size_t i = 0; i < t->nrows * (size_t)t->ncol; i++) {
		int w = (int)strlen(t->cells[i]), c = (int)(i % (size_t)t->ncol);
		if (w > width[c])
			width[c] = w;
	}
	print_cells(out, t, width, t->head);
	for (size_t r = 0; r < t->nrows; r++) {
		for (int c = 0; c < t->ncol; c++)
			cell[c] = t->cells[r * (size_t)t->ncol + (size_t)c];
		print_cells(out, t, width, cell);
	}
}

/* Cells for n rows of ncol columns, zeroed; NULL when out of memory. */
static char (*table_cells(size_t n, int ncol))[CELL]
{
	return calloc(n * (size_t)ncol, CELL);
}

enum { COL_INDEX, COL_ROLE, COL_PID, COL_ALIVE, COL_HB, COL_RENDERED, COL_RESTARTS, COL_CPU,
       COL_RT, NCOL };

static const char *const col_head[NCOL] = {
	"INDEX", "ROLE", "PID", "ALIVE", "HEARTBEAT", "RENDERED", "RESTARTS", "CPU", "RT",
};

static void print_replicas(FILE *out, json_t *replicas)
{
	size_t n = json_array_size(replicas);
	struct table t = { .ncol = NCOL, .head = col_head, .nrows = n };

	if (n == 0) {
		fprintf(out, "\nNo replicas.\n");
		return;
	}
	if ((t.cells = table_cells(n, NCOL)) == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(replicas, i);
		json_t *alive = json_object_get(r, "alive");
		char (*row)[CELL] = t.cells + i * NCOL;
		num(r, "index", row[COL_INDEX]);
		snprintf(row[COL_ROLE], CELL, "%s", str(r, "role"));
		num(r, "pid", row[COL_PID]);
		snprintf(row[COL_ALIVE], CELL, "%s",
			 json_is_boolean(alive) ? (json_is_true(alive) ? "yes" : "no") : "-");
		fmt_us(r, "heartbeat_age_us", row[COL_HB]);
		num(r, "rendered_seq", row[COL_RENDERED]);
		num(r, "restarts", row[COL_RESTARTS]);
		num(r, "cpu", row[COL_CPU]);
		snprintf(row[COL_RT], CELL, "%s", str(r, "rt"));
	}
	fputc('\n', out);
	print_table(out, &t);
	free(t.cells);
	/* What each renderer says it plays (rta_status), and a pre-roll in
	 * progress: below the table, which keeps its columns. */
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(replicas, i);
		const char *src = str(r, "source"), *state = str(r, "state");
		char idx[CELL];
		if (strcmp(state, "catching-up") == 0)
			fprintf(out, "  %s: catching-up (pre-roll)\n", num(r, "index", idx));
		else if (src[0] != '\0' && strcmp(src, "-") != 0)
			fprintf(out, "  %s: %s\n", num(r, "index", idx), src);
	}
}

enum { HC_TIME, HC_REASON, HC_FROM, HC_TO, HC_DETECT, HC_LOST, HC_RESCUED, HC_FINAL, NHC };

static const char *const hc_head[NHC] = {
	"TIME", "REASON", "FROM", "TO", "DETECTED", "LOST", "RESCUED", "FINAL",
};
static const bool hc_right[NHC] = { false, false, true, true, true, true, true, false };

/* history: one row per record, oldest first, then the sum of their losses. */
static void print_history(FILE *out, json_t *reply)
{
	json_t *list = json_object_get(reply, "failovers");
	size_t n = json_array_size(list);
	struct table t = { .ncol = NHC, .head = hc_head, .right = hc_right, .nrows = n };
	double lost = 0, v;
	char a[CELL];

	if (n == 0) {
		fprintf(out, "No failovers.\n");
		return;
	}
	if ((t.cells = table_cells(n, NHC)) == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(list, i);
		char (*row)[CELL] = t.cells + i * NHC;
		fmt_when(r, 0, false, row[HC_TIME]);
		snprintf(row[HC_REASON], CELL, "%s", str(r, "reason"));
		num(r, "from", row[HC_FROM]);
		num(r, "to", row[HC_TO]);
		fmt_us(r, "detect_us", row[HC_DETECT]);
		num(r, "lost_samples", row[HC_LOST]);
		num(r, "rescued", row[HC_RESCUED]);
		snprintf(row[HC_FINAL], CELL, "%s",
			 json_is_true(json_object_get(r, "settled")) ? "yes" : "no");
		if (get_num(r, "lost_samples", &v))
			lost += v;
	}
	print_table(out, &t);
	free(t.cells);
	fprintf(out, "%zu records of %s failovers, %.0f samples lost in all\n", n,
		num(reply, "count", a), lost);
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
	fprintf(out, "     Params:");
	const char *pname;
	json_t *pval;
	bool first = true;
	json_object_foreach(params, pname, pval) {
		fprintf(out, "%s %s %s", first ? "" : ",", pname, num(params, pname, a));
		first = false;
	}
	fputc('\n', out);

	json_t *primary = json_object_get(reply, "primary");
	fprintf(out, "    Primary: %s\n", json_is_integer(primary) ? num(reply, "primary", a) : "none");

	fprintf(out, "       Sink: %s, block %s, underruns %s, rescued %s, lost samples %s\n",
		str(sink, "type"), num(sink, "seq", a), num(sink, "underruns", b),
		num(sink, "rescued", c), num(sink, "lost_samples", d));
	fprintf(out, "    Sink RT: %s\n", str(sink, "rt"));
	json_t *dev = json_object_get(sink, "device"), *cap = json_object_get(dev, "capture");
	if (json_is_object(dev)) {
		fprintf(out, "     Device: %s %s, period %s, buffer %s, xruns %s%s", str(dev, "name"),
			str(dev, "format"), num(dev, "period", a), num(dev, "buffer", b),
			num(dev, "xruns", c), json_is_true(json_object_get(dev, "up")) ? "" : " (lost)");
		if (json_integer_value(json_object_get(dev, "paced")) > 0)
			fprintf(out, ", paced by rtaudiod (%s periods held)", num(dev, "paced", d));
		if (json_is_object(cap))
			fprintf(out, "; capture %s %s, %s ch, xruns %s%s", str(cap, "name"),
				str(cap, "format"), num(cap, "channels", a), num(cap, "xruns", b),
				json_is_true(json_object_get(cap, "linked")) ? ", linked" : "");
		fputc('\n', out);
	}

	fprintf(out, "  Failovers: %s\n", num(fo, "count", a));
	if (json_is_object(last))
		fprintf(out, "       Last: %s %s -> %s %s, detected in %s, lost %s samples, rescued %s\n",
			str(last, "reason"), num(last, "from", a), num(last, "to", b),
			fmt_when(last, uptime, have_uptime, f), fmt_us(last, "detect_us", c),
			num(last, "lost_samples", e), num(last, "rescued", d));

	print_replicas(out, json_object_get(reply, "replicas"));
}

/* A duration in nanoseconds at o.key: "171us", "1.2ms", or "-". */
static const char *fmt_ns(json_t *o, const char *key, char buf[CELL])
{
	double ns;

	if (!get_num(o, key, &ns) || !(ns >= 0 && ns < 1e15))
		snprintf(buf, CELL, "-");
	else if (ns < 1e6)
		snprintf(buf, CELL, "%.0fus", ns / 1e3);
	else
		snprintf(buf, CELL, "%.1fms", ns / 1e6);
	return buf;
}

/*
 * A render-time percentile: the replica counts blocks in buckets of 1% of
 * the period and the daemon reports the bucket b (b% <= t < b+1%) where the
 * percentile falls; the last bucket holds everything from 127% up.
 */
static const char *fmt_busy_bucket(json_t *o, const char *key, char buf[CELL])
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		snprintf(buf, CELL, "-");
	else if (json_integer_value(v) == 0)
		snprintf(buf, CELL, "<1%%");
	else if (json_integer_value(v) >= 127)
		snprintf(buf, CELL, ">=127%%");
	else
		snprintf(buf, CELL, "%" JSON_INTEGER_FORMAT "%%", json_integer_value(v));
	return buf;
}

enum { SK_TYPE, SK_PLAYED, SK_PRIMARY, SK_RESCUED, SK_UNDERRUNS, SK_LOST, SK_BAD, SK_LATE, NSK };
static const char *const sk_head[NSK] = {
	"SINK", "PLAYED", "FROM PRIMARY", "RESCUED", "UNDERRUNS", "LOST SAMPLES", "BAD BLOCKS", "LATE",
};
static const bool sk_right[NSK] = { false, true, true, true, true, true, true, true };

enum { ST_INDEX, ST_ROLE, ST_BLOCKS, ST_PLAYED, ST_WAKEUPS, ST_TIMEOUTS, ST_OVERRUNS,
       ST_BUSY, ST_BUSY_P99, ST_BUSY_MAX, ST_RENDER_MAX, NST };
static const char *const st_head[NST] = {
	"REPLICA", "ROLE", "BLOCKS", "PLAYED", "WAKEUPS", "TIMEOUTS", "OVERRUNS",
	"BUSY", "P99", "MAX", "RENDER MAX",
};
static const bool st_right[NST] = {
	true, false, true, true, true, true, true, true, true, true, true,
};

/* `stats`: one table for the sink, one row per replica, a legend. */
static void print_stats(FILE *out, json_t *reply)
{
	json_t *sink = json_object_get(reply, "sink");
	json_t *reps = json_object_get(reply, "replicas");
	size_t n = json_array_size(reps);
	char sk[NSK][CELL], period[CELL];
	double period_ns, pct;
	struct table t = { .ncol = NSK, .head = sk_head, .right = sk_right, .nrows = 1,
			   .cells = sk };

	snprintf(sk[SK_TYPE], CELL, "%s", str(sink, "type"));
	num(sink, "played", sk[SK_PLAYED]);
	num(sink, "from_primary", sk[SK_PRIMARY]);
	num(sink, "rescued", sk[SK_RESCUED]);
	num(sink, "underruns", sk[SK_UNDERRUNS]);
	num(sink, "lost_samples", sk[SK_LOST]);
	num(sink, "bad_blocks", sk[SK_BAD]);
	num(sink, "late", sk[SK_LATE]);
	print_table(out, &t);

	t = (struct table){ .ncol = NST, .head = st_head, .right = st_right, .nrows = n };
	if (n == 0 || (t.cells = table_cells(n, NST)) == NULL) {
		fprintf(out, "\nNo replicas.\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(reps, i);
		char (*row)[CELL] = t.cells + i * NST;
		num(r, "index", row[ST_INDEX]);
		snprintf(row[ST_ROLE], CELL, "%s", str(r, "role"));
		num(r, "blocks", row[ST_BLOCKS]);
		num(r, "played_from", row[ST_PLAYED]);
		num(r, "wakeups", row[ST_WAKEUPS]);
		num(r, "timeouts", row[ST_TIMEOUTS]);
		num(r, "overruns", row[ST_OVERRUNS]);
		fmt_busy_bucket(r, "busy_median_pct", row[ST_BUSY]);
		fmt_busy_bucket(r, "busy_p99_pct", row[ST_BUSY_P99]);
		if (get_num(r, "busy_max_pct", &pct) && pct >= 0)
			snprintf(row[ST_BUSY_MAX], CELL, "%.1f%%", pct);
		else
			snprintf(row[ST_BUSY_MAX], CELL, "-");
		fmt_ns(r, "render_ns_max", row[ST_RENDER_MAX]);
	}
	fputc('\n', out);
	print_table(out, &t);
	free(t.cells);

	if (get_num(reply, "period_ns", &period_ns) && period_ns > 0)
		snprintf(period, CELL, "the %.3f ms period", period_ns / 1e6);
	else
		snprintf(period, CELL, "the period");
	fprintf(out, "\nBUSY: median time to render a block, as a share of %s;\n"
		"P99: 99th percentile; MAX and RENDER MAX: the longest. PLAYED: blocks the\n"
		"sink took from the replica.\n", period);
}

void output_watch(FILE *out, json_t *status, bool utf8, const char *when)
{
	json_t *daemon = json_object_get(status, "daemon");
	json_t *sink = json_object_get(status, "sink");
	json_t *fo = json_object_get(status, "failovers");
	json_t *primary = json_object_get(status, "primary");
	char a[CELL], b[CELL], c[CELL], d[CELL], e[CELL];

	fprintf(out, "%s rtaudiod %s  %s  primary %s  sink block %s  underruns %s  "
		"lost samples %s  failovers %s\n",
		utf8 ? "\xe2\x97\x8f" : "*", str(daemon, "state"), when,
		json_is_integer(primary) ? num(status, "primary", a) : "none",
		num(sink, "seq", b), num(sink, "underruns", c), num(sink, "lost_samples", d),
		num(fo, "count", e));
	print_replicas(out, json_object_get(status, "replicas"));
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

/* One row per parameter: name, value, range, default, unit. */
static void print_params(FILE *out, json_t *reply)
{
	json_t *list = json_object_get(reply, "params"), *p;
	char v[CELL], lo[CELL], hi[CELL], def[CELL];
	size_t i;

	fprintf(out, "%-31s %12s %25s %12s  %s\n", "NAME", "VALUE", "RANGE", "DEFAULT", "UNIT");
	json_array_foreach(list, i, p) {
		char range[2 * CELL + 4];
		snprintf(range, sizeof range, "%s..%s", num(p, "min", lo), num(p, "max", hi));
		fprintf(out, "%-31s %12s %25s %12s  %s\n", str(p, "name"), num(p, "value", v), range,
		        num(p, "default", def), str(p, "unit"));
	}
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

json_t *output_decode(const char *line, size_t len, bool stream, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *reply = json_loadb(line, len, 0, &jerr);
	json_t *ok;

	if (reply == NULL) {
		snprintf(err, errlen, "%s", jerr.text);
		return NULL;
	}
	ok = json_object_get(reply, "ok");
	if (!json_is_object(reply) || (ok == NULL && !stream) || (ok != NULL && !json_is_boolean(ok))) {
		snprintf(err, errlen, "not an object with \"ok\"");
		json_decref(reply);
		return NULL;
	}
	return reply;
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
	case CMD_PARAMS:
		print_params(out, reply);
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
	case CMD_HISTORY:
		print_history(out, reply);
		break;
	case CMD_RELOAD:
		fprintf(out, "reloaded\n");
		if (json_is_string(json_object_get(reply, "restart_needed")))
			fprintf(out, "note: %s\n", str(reply, "restart_needed"));
		break;
	case CMD_STATS:
		if (req->argc == 1 && json_object_size(reply) <= 1)
			fprintf(out, "statistics reset\n");
		else if (json_is_object(json_object_get(reply, "sink")))
			print_stats(out, reply);
		else
			print_json(out, reply);
		break;
	case CMD_EVENTS:
		output_event(out, reply);
		break;
	/* tap.c and live.c print their own (tap's description is JSON). */
	case CMD_TAP:
	case CMD_RECORD:
	case CMD_METER:
	case CMD_WAIT_READY:
	case CMD__COUNT:
		print_json(out, reply);
		break;
	}
}
