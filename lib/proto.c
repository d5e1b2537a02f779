/*
 * proto.c - the control protocol's command table, parameter table, request
 * tokenizer and argument checks (see proto.h for the contracts).
 *
 * What it does: tokenizes one request line into words in place (no
 * allocation, never reading past the given length), looks the verb up in
 * proto_cmds, checks the arity and runs the verb's `check`; builds a request
 * line back from words with the quoting the tokenizer undoes (proto_join).
 *
 * What it does not do: I/O, JSON, permission checks or executing a command.
 * Numbers are parsed with strtod and therefore follow LC_NUMERIC; both the
 * daemon and rtaudioctl leave it at "C", so the decimal point is '.'.
 */
#include "proto.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The parameters, once: the table and its "out of range" messages are both
 * generated from this list, so a message can never disagree with the range
 * it describes. Bounds are written as plain literals for the stringification.
 */
#define PROTO_PARAM_LIST(X) \
	X("gain", 0, 4, "output gain, linear (1 = unity)") \
	X("pan", -1, 1, "stereo balance (-1 = left, 0 = centre, 1 = right)")

#define PARAM_ENTRY(name, lo, hi, help) { name, lo, hi, help },
#define PARAM_RANGE_MSG(name, lo, hi, help) "out of range " #lo ".." #hi,

const struct proto_param proto_params[] = {
	PROTO_PARAM_LIST(PARAM_ENTRY)
	{ NULL, 0, 0, NULL }
};

static const char *const param_range_msg[] = {
	PROTO_PARAM_LIST(PARAM_RANGE_MSG)
};

#define NPARAMS (sizeof param_range_msg / sizeof param_range_msg[0])
_Static_assert(sizeof proto_params / sizeof proto_params[0] == NPARAMS + 1,
	       "one range message per parameter");

/* Kept in step with PROTO_PARAM_LIST by a unit test (every name appears):
 * the usage text names the two every group has, and NAME the others. */
#define PARAM_ALTS "gain|pan|NAME"

static int check_get(int argc, char *const argv[], const char **err);
static int check_set(int argc, char *const argv[], const char **err);
static int check_stats(int argc, char *const argv[], const char **err);
static int check_kill(int argc, char *const argv[], const char **err);
static int check_record(int argc, char *const argv[], const char **err);
static int check_meter(int argc, char *const argv[], const char **err);
static int check_status(int argc, char *const argv[], const char **err);
static int check_wait_ready(int argc, char *const argv[], const char **err);

/* Designated by id, so proto_cmds[id].id == id holds by construction. */
#define CMD(id_, verb_, usage_, min_, max_, flags_, check_, help_) \
	[id_] = { .id = (id_), .verb = (verb_), .usage = (usage_), .help = (help_), \
		  .min_args = (min_), .max_args = (max_), .flags = (flags_), .check = (check_) }

const struct proto_cmd proto_cmds[CMD__COUNT + 1] = {
	/* --watch, -n, -i are rtaudioctl's (it polls "status"); the daemon ignores them. */
	CMD(CMD_STATUS, "status", "[--watch [-n COUNT] [-i MS]]", 0, 5, 0, check_status,
	    "show the daemon, stream, sink, failovers and one row per replica"),
	CMD(CMD_GET, "get", PARAM_ALTS, 1, 1, 0, check_get,
	    "print the current value of a parameter"),
	CMD(CMD_SET, "set", PARAM_ALTS " VALUE", 2, 2, PROTO_MUTATING, check_set,
	    "change a parameter; every replica applies it at the same block"),
	CMD(CMD_PARAMS, "params", "", 0, 0, 0, NULL,
	    "list the parameters: gain, pan and the renderer's (value, range, unit)"),
	CMD(CMD_KILL_PRIMARY, "kill-primary", "[force]", 0, 1, PROTO_MUTATING, check_kill,
	    "SIGKILL the primary replica and report the new primary; refused when no "
	    "standby is healthy, unless 'force'"),
	CMD(CMD_FAILOVER, "failover", "", 0, 0, PROTO_MUTATING, NULL,
	    "hand the primary role to a standby without killing anything"),
	/* Mutating only with "reset": the daemon decides from the arguments. */
	CMD(CMD_STATS, "stats", "[reset]", 0, 1, 0, check_stats,
	    "print the counters; 'stats reset' zeroes them"),
	CMD(CMD_EVENTS, "events", "", 0, 0, PROTO_STREAM, NULL,
	    "print events (failover, crash, stall, param...) as they happen, until interrupted"),
	CMD(CMD_RELOAD, "reload", "", 0, 0, PROTO_MUTATING, NULL,
	    "re-read [params] and [watchdog] from the configuration file"),
	CMD(CMD_VERSION, "version", "", 0, 0, 0, NULL,
	    "print the daemon's version"),
	CMD(CMD_HISTORY, "history", "", 0, 0, 0, NULL,
	    "print the last 64 failover records, oldest first, and their total loss"),
	CMD(CMD_TAP, "tap", "", 0, 0, PROTO_PRIVILEGED, NULL,
	    "describe the group's segments and pass read-only descriptors of them"),
	/* Client-side verbs built on tap (rtaudioctl runs them, see PROTO_LOCAL). */
	CMD(CMD_RECORD, "record", "FILE [-d SECONDS]", 1, 3, PROTO_LOCAL, check_record,
	    "record the audio the sink plays to a float WAV file, across failovers"),
	CMD(CMD_METER, "meter", "[-n COUNT] [-i MS]", 0, 4, PROTO_LOCAL, check_meter,
	    "show live peak and RMS levels per channel in dBFS"),
	CMD(CMD_WAIT_READY, "wait-ready", "[-t MS]", 0, 2, PROTO_LOCAL, check_wait_ready,
	    "wait until the primary's audio reaches the sink (for scripts and units)"),
	[CMD__COUNT] = { .id = CMD__COUNT, .verb = NULL },
};

const struct proto_cmd *proto_lookup(const char *verb)
{
	if (verb == NULL)
		return NULL;
	for (const struct proto_cmd *c = proto_cmds; c->verb != NULL; c++)
		if (strcmp(c->verb, verb) == 0)
			return c;
	return NULL;
}

const struct proto_param *proto_param_lookup(const char *name)
{
	if (name == NULL)
		return NULL;
	for (const struct proto_param *p = proto_params; p->name != NULL; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

/*
 * strtod also takes hex, "nan", "inf" and leading blanks; a control
 * protocol wants one spelling per number, so the plain decimal grammar
 * [+-]digits[.digits][(e|E)[+-]digits] (at least one mantissa digit) is
 * checked first.
 */
static int is_decimal(const char *s)
{
	size_t digits = 0;

	if (*s == '+' || *s == '-')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		digits++;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits++;
	if (digits == 0)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

int proto_param_value(const struct proto_param *p, const char *s, double *out, const char **err)
{
	char *end;
	double v;

	if (p == NULL || s == NULL) {
		*err = "no such parameter";
		return -EINVAL;
	}
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0') {
		*err = "not a number";
		return -EINVAL;
	}
	/* 1e999 overflows to inf with ERANGE; underflow to 0 is harmless. */
	if (!isfinite(v)) {
		*err = "not a finite number";
		return -EINVAL;
	}
	if (!is_decimal(s)) {
		*err = "not a decimal number";
		return -EINVAL;
	}
	if (!(v >= p->min && v <= p->max)) {
		/* A caller's own struct (not from the table) gets no bounds. */
		*err = "out of range";
		for (size_t i = 0; i < NPARAMS; i++)
			if (p == &proto_params[i])
				*err = param_range_msg[i];
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* A name a renderer could declare (layout.h's rule, repeated here so the
 * protocol table needs no shared-memory header). */
static int param_name_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (n >= 31 || !((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		                 (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '.' ||
		                 s[n] == '-'))
			return 0;
	return n > 0;
}

static int check_get(int argc, char *const argv[], const char **err)
{
	if (argc < 1 || !param_name_ok(argv[0])) {
		*err = "unknown parameter (expected " PARAM_ALTS ")";
		return -EINVAL;
	}
	return 0;
}

/*
 * gain and pan are range-checked here, so rtaudioctl refuses them before
 * sending; a renderer's parameter gets the number check only, and the
 * daemon, which has the renderer's table, checks its range.
 */
static int check_set(int argc, char *const argv[], const char **err)
{
	static const struct proto_param any = { "", -HUGE_VAL, HUGE_VAL, "" };
	const struct proto_param *p;
	double v;

	if (argc < 2 || !param_name_ok(argv[0])) {
		*err = "unknown parameter (expected " PARAM_ALTS ")";
		return -EINVAL;
	}
	p = proto_param_lookup(argv[0]);
	return proto_param_value(p != NULL ? p : &any, argv[1], &v, err);
}

static int check_stats(int argc, char *const argv[], const char **err)
{
	if (argc == 1 && strcmp(argv[0], "reset") != 0) {
		*err = "unknown argument (expected reset)";
		return -EINVAL;
	}
	return 0;
}

static int check_kill(int argc, char *const argv[], const char **err)
{
	if (argc == 1 && strcmp(argv[0], "force") != 0) {
		*err = "unknown argument (expected force)";
		return -EINVAL;
	}
	return 0;
}

/*
 * A number given to an option of a client-side verb: plain decimal (the
 * grammar of proto_param_value) in [lo, hi], a whole number if `whole`.
 * `range` is the message for a value out of bounds.
 */
static int check_opt(const char *s, double lo, double hi, bool whole, const char *range,
		     const char **err)
{
	const struct proto_param p = { "option", lo, hi, NULL };
	double v;

	if (proto_param_value(&p, s, &v, err) < 0) {
		if (strcmp(*err, "out of range") == 0)
			*err = range;
		return -EINVAL;
	}
	if (whole && v != floor(v)) {
		*err = "not a whole number";
		return -EINVAL;
	}
	return 0;
}

/* record FILE [-d SECONDS], options before or after the file. */
static int check_record(int argc, char *const argv[], const char **err)
{
	int files = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-d") == 0) {
			if (++i == argc) {
				*err = "-d needs SECONDS";
				return -EINVAL;
			}
			if (check_opt(argv[i], 0.01, 86400, false,
				      "SECONDS out of range 0.01..86400", err) < 0)
				return -EINVAL;
		} else if (argv[i][0] == '-' || argv[i][0] == '\0') {
			*err = "expected FILE [-d SECONDS] (name a file starting with '-' as ./-x)";
			return -EINVAL;
		} else {
			files++;
		}
	}
	if (files != 1) {
		*err = "expected one FILE";
		return -EINVAL;
	}
	return 0;
}

/* meter [-n COUNT] [-i MS]. */
static int check_meter(int argc, char *const argv[], const char **err)
{
	for (int i = 0; i < argc; i++) {
		bool n = strcmp(argv[i], "-n") == 0;

		if (!n && strcmp(argv[i], "-i") != 0) {
			*err = "unknown argument (expected -n COUNT or -i MS)";
			return -EINVAL;
		}
		if (++i == argc) {
			*err = n ? "-n needs COUNT" : "-i needs MS";
			return -EINVAL;
		}
		if (n ? check_opt(argv[i], 1, 1000000, true, "COUNT out of range 1..1000000", err)
		      : check_opt(argv[i], 10, 60000, true, "MS out of range 10..60000", err))
			return -EINVAL;
	}
	return 0;
}

/* status [--watch [-n COUNT] [-i MS]]: -n and -i only with --watch. */
static int check_status(int argc, char *const argv[], const char **err)
{
	bool watch = false, timing = false;

	for (int i = 0; i < argc; i++) {
		bool n = strcmp(argv[i], "-n") == 0;

		if (strcmp(argv[i], "--watch") == 0 || strcmp(argv[i], "-w") == 0) {
			watch = true;
			continue;
		}
		if (!n && strcmp(argv[i], "-i") != 0) {
			*err = "unknown argument (expected --watch, -n COUNT or -i MS)";
			return -EINVAL;
		}
		if (++i == argc) {
			*err = n ? "-n needs COUNT" : "-i needs MS";
			return -EINVAL;
		}
		if (n ? check_opt(argv[i], 1, 1000000000, true, "COUNT out of range 1..1000000000", err)
		      : check_opt(argv[i], 10, 3600000, true, "MS out of range 10..3600000", err))
			return -EINVAL;
		timing = true;
	}
	if (timing && !watch) {
		*err = "-n and -i go with --watch";
		return -EINVAL;
	}
	return 0;
}

/* wait-ready [-t MS]. */
static int check_wait_ready(int argc, char *const argv[], const char **err)
{
	if (argc == 0)
		return 0;
	if (strcmp(argv[0], "-t") != 0) {
		*err = "unknown argument (expected -t MS)";
		return -EINVAL;
	}
	if (argc != 2) {
		*err = "-t needs MS";
		return -EINVAL;
	}
	return check_opt(argv[1], 0, 86400000, true, "MS out of range 0..86400000", err);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Tab is a blank; every other C0 byte (NUL, CR, LF, ESC...) and DEL are refused. */
static int is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* req->argc is left alone: after tokenizing, the words stay for the caller. */
static int fail(struct proto_req *req, const char **err, const char *msg)
{
	req->cmd = NULL;
	*err = msg;
	return -EINVAL;
}

/*
 * Splits line[0..len) into NUL-terminated words in req->buf. The output
 * never exceeds len + 1 bytes (quotes and blanks vanish, one NUL per word and
 * each word but the first is preceded by a consumed blank), and len is at
 * most PROTO_LINE_MAX, so buf cannot overflow.
 */
static int tokenize(const char *line, size_t len, struct proto_req *req,
		    char **verb, const char **err)
{
	size_t i = 0, o = 0;
	int nwords = 0;

	*verb = NULL;
	while (i < len) {
		while (i < len && is_blank(line[i]))
			i++;
		if (i == len)
			break;
		if (nwords == 1 + PROTO_ARGS_MAX)
			return fail(req, err, "too many arguments");
		char *word = req->buf + o;
		while (i < len && !is_blank(line[i])) {
			char q = line[i];
			if (q == '\'' || q == '"') {
				for (i++; i < len && line[i] != q; i++)
					req->buf[o++] = line[i];
				if (i == len)
					return fail(req, err, "unterminated quote");
				i++;
			} else {
				req->buf[o++] = line[i++];
			}
		}
		req->buf[o++] = '\0';
		if (nwords == 0)
			*verb = word;
		else
			req->argv[nwords - 1] = word;
		nwords++;
	}
	if (nwords == 0)
		return fail(req, err, "empty request");
	req->argc = nwords - 1;
	return 0;
}

int proto_parse(const char *line, size_t len, struct proto_req *req, const char **err)
{
	const struct proto_cmd *cmd;
	char *verb;
	int r;

	req->cmd = NULL;
	req->argc = 0;
	req->code = PERR_USAGE;
	req->errbuf[0] = '\0';
	if (line == NULL)
		return fail(req, err, "empty request");
	/* Tolerate the line terminator, LF or CRLF, if the caller kept it. */
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > PROTO_LINE_MAX)
		return fail(req, err, "line too long");
	for (size_t i = 0; i < len; i++)
		if (is_control((unsigned char)line[i]))
			return fail(req, err, "control character in request");

	if ((r = tokenize(line, len, req, &verb, err)) < 0)
		return r;

	if ((cmd = proto_lookup(verb)) == NULL) {
		req->code = PERR_UNKNOWN_VERB;
		snprintf(req->errbuf, sizeof req->errbuf, "unknown command '%.64s%s'",
			 verb, strlen(verb) > 64 ? "..." : "");
		return fail(req, err, req->errbuf);
	}
	if ((unsigned)req->argc < cmd->min_args || (unsigned)req->argc > cmd->max_args) {
		snprintf(req->errbuf, sizeof req->errbuf, "usage: %s%s%s",
			 cmd->verb, cmd->usage[0] != '\0' ? " " : "", cmd->usage);
		return fail(req, err, req->errbuf);
	}
	if (cmd->check != NULL) {
		const char *why = "invalid arguments";
		if (cmd->check(req->argc, req->argv, &why) < 0) {
			/* Name what was refused: "set gain 9: out of range 0..4". */
			char *words[1 + PROTO_ARGS_MAX];
			char what[64];
			words[0] = verb;
			memcpy(words + 1, req->argv, (size_t)req->argc * sizeof words[0]);
			if (proto_join(what, sizeof what, req->argc + 1, words) < 0)
				snprintf(what, sizeof what, "%s ...", cmd->verb);
			snprintf(req->errbuf, sizeof req->errbuf, "%s: %s", what, why);
			/* proto_param_value's own range messages ("out of range 0..4"). */
			if (strncmp(why, "out of range", 12) == 0 || strstr(why, " out of range ") != NULL)
				req->code = PERR_RANGE;
			return fail(req, err, req->errbuf);
		}
	}
	req->cmd = cmd;
	return 0;
}

static int needs_quotes(const char *w)
{
	if (*w == '\0')
		return 1;
	for (; *w != '\0'; w++)
		if (is_blank(*w) || *w == '\'' || *w == '"')
			return 1;
	return 0;
}

/*
 * Quoted words are concatenations of segments, as in sh: a run without
 * single quotes goes inside '...', a run of single quotes inside "...", so
 * any word survives the round trip (it's -> 'it'"'"'s').
 */
int proto_join(char *buf, size_t buflen, int argc, char *const argv[])
{
	size_t cap, o = 0;

	if (buf == NULL || buflen == 0)
		return -ENAMETOOLONG;
	cap = buflen - 1 < PROTO_LINE_MAX ? buflen - 1 : PROTO_LINE_MAX;
#define PUT(c) do { if (o >= cap) goto toolong; buf[o++] = (c); } while (0)
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		if (i > 0)
			PUT(' ');
		if (!needs_quotes(w)) {
			for (; *w != '\0'; w++)
				PUT(*w);
			continue;
		}
		if (*w == '\0') {
			PUT('\'');
			PUT('\'');
			continue;
		}
		while (*w != '\0') {
			char q = *w == '\'' ? '"' : '\'';
			PUT(q);
			for (; *w != '\0' && (*w == '\'') == (q == '"'); w++)
				PUT(*w);
			PUT(q);
		}
	}
#undef PUT
	buf[o] = '\0';
	return (int)o;
toolong:
	buf[0] = '\0';
	return -ENAMETOOLONG;
}

/* Exit statuses from sysexits(3), spelled out: lib/ needs no BSD header. */
const struct proto_error proto_errors[] = {
	{ PERR_USAGE, "usage", 64, "the request is malformed or its arguments wrong" },
	{ PERR_UNKNOWN_VERB, "unknown-verb", 64, "the daemon does not serve this verb" },
	{ PERR_DENIED, "denied", 77, "permission denied to this peer" },
	{ PERR_BUSY, "busy", 75, "a limit is reached for now; retry later" },
	{ PERR_NO_PRIMARY, "no-primary", 1, "there is no primary to act on" },
	{ PERR_NO_STANDBY, "no-standby", 1, "no healthy standby could take over" },
	{ PERR_RANGE, "range", 1, "a value is outside its range" },
	{ PERR_UNKNOWN_PARAM, "unknown-param", 1, "no parameter of that name" },
	{ PERR_NOT_READY, "not-ready", 1, "not ready (in time)" },
	{ PERR_SHUTTING_DOWN, "shutting-down", 69, "the daemon is shutting down" },
	{ PERR_CONFIG, "config", 1, "the configuration file was refused" },
	{ PERR_TIMEOUT, "timeout", 69, "the request did not arrive in time" },
	{ PERR_INTERNAL, "internal", 70, "the daemon failed to do it" },
	{ PERR__COUNT, NULL, 0, NULL },
};

const char *proto_error_code(enum proto_err e)
{
	return (unsigned)e < PERR__COUNT ? proto_errors[e].code : "internal";
}

const struct proto_error *proto_error_lookup(const char *code)
{
	if (code == NULL)
		return NULL;
	for (const struct proto_error *e = proto_errors; e->code != NULL; e++)
		if (strcmp(e->code, code) == 0)
			return e;
	return NULL;
}

int proto_error_exit(const char *code)
{
	const struct proto_error *e = proto_error_lookup(code);

	return e != NULL ? e->exit_status : 1;
}
