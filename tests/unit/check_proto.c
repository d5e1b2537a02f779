/*
 * check_proto.c - the proto suite: the command table, parameter values, the
 * request tokenizer and parser.
 *
 * What it covers: table consistency (ids, unique verbs, help, flags), every
 * error message proto_parse can give, the length limits at their exact
 * boundaries, and that the parser never reads past `len` (the line is placed
 * against a PROT_NONE page).
 * What it does not cover: proto_join (check_proto_join.c), the daemon's
 * dispatch or rtaudioctl's I/O (the integration scripts do).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "proto.h"
#include "suites.h"

/* Parse a NUL-terminated line; returns proto_parse's result. */
static int parse(const char *line, struct proto_req *req, const char **err)
{
	return proto_parse(line, strlen(line), req, err);
}

static void assert_ok(const char *line, enum proto_cmd_id id, int argc)
{
	struct proto_req req;
	const char *err = NULL;
	int r = parse(line, &req, &err);

	ck_assert_msg(r == 0, "'%s' refused: %s", line, err ? err : "(null)");
	ck_assert_ptr_eq(req.cmd, &proto_cmds[id]);
	ck_assert_int_eq(req.argc, argc);
}

static void assert_err(const char *line, size_t len, const char *want)
{
	struct proto_req req;
	const char *err = NULL;
	int r = proto_parse(line, len, &req, &err);

	ck_assert_int_eq(r, -EINVAL);
	ck_assert_ptr_null(req.cmd);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err, want);
}

#define ERR(line, want) assert_err(line, strlen(line), want)

/* --- table --------------------------------------------------------------- */

START_TEST(table_ids_match_indexes)
{
	for (int i = 0; i < CMD__COUNT; i++) {
		ck_assert_int_eq(proto_cmds[i].id, i);
		ck_assert_ptr_nonnull(proto_cmds[i].verb);
	}
	ck_assert_ptr_null(proto_cmds[CMD__COUNT].verb);
}
END_TEST

START_TEST(table_entries_well_formed)
{
	for (int i = 0; i < CMD__COUNT; i++) {
		const struct proto_cmd *c = &proto_cmds[i];
		ck_assert_msg(c->verb[0] != '\0', "verb %d empty", i);
		ck_assert_msg(strpbrk(c->verb, " \t'\"") == NULL, "verb %s needs quoting", c->verb);
		ck_assert_msg(c->help != NULL && c->help[0] != '\0', "%s has no help", c->verb);
		ck_assert_msg(strchr(c->help, '\n') == NULL, "%s help not one line", c->verb);
		ck_assert_ptr_nonnull(c->usage);
		ck_assert_uint_le(c->min_args, c->max_args);
		ck_assert_uint_le(c->max_args, PROTO_ARGS_MAX);
		ck_assert_msg((c->max_args == 0) == (c->usage[0] == '\0'),
			      "%s: usage text disagrees with arity", c->verb);
		for (int j = 0; j < i; j++)
			ck_assert_msg(strcmp(c->verb, proto_cmds[j].verb) != 0,
				      "verb %s twice", c->verb);
	}
}
END_TEST

START_TEST(table_flags)
{
	static const enum proto_cmd_id mutating[] = {
		CMD_SET, CMD_KILL_PRIMARY, CMD_FAILOVER, CMD_RELOAD,
	};
	unsigned nmut = 0, nstream = 0;

	for (size_t i = 0; i < sizeof mutating / sizeof mutating[0]; i++)
		ck_assert(proto_cmds[mutating[i]].flags & PROTO_MUTATING);
	for (int i = 0; i < CMD__COUNT; i++) {
		nmut += !!(proto_cmds[i].flags & PROTO_MUTATING);
		nstream += !!(proto_cmds[i].flags & PROTO_STREAM);
	}
	ck_assert_uint_eq(nmut, sizeof mutating / sizeof mutating[0]);
	ck_assert_uint_eq(nstream, 1);
	ck_assert(proto_cmds[CMD_EVENTS].flags & PROTO_STREAM);
	/* stats is mutating only with "reset", which the daemon decides. */
	ck_assert(!(proto_cmds[CMD_STATS].flags & PROTO_MUTATING));
}
END_TEST

START_TEST(table_lookup)
{
	for (int i = 0; i < CMD__COUNT; i++)
		ck_assert_ptr_eq(proto_lookup(proto_cmds[i].verb), &proto_cmds[i]);
	ck_assert_ptr_null(proto_lookup("STATUS"));
	ck_assert_ptr_null(proto_lookup("stat"));
	ck_assert_ptr_null(proto_lookup("statuss"));
	ck_assert_ptr_null(proto_lookup(""));
	ck_assert_ptr_null(proto_lookup("help"));
	ck_assert_ptr_null(proto_lookup(NULL));
}
END_TEST

START_TEST(params_table)
{
	const struct proto_param *g = proto_param_lookup("gain");
	const struct proto_param *p = proto_param_lookup("pan");

	ck_assert_ptr_nonnull(g);
	ck_assert_ptr_nonnull(p);
	ck_assert(g->min == 0.0 && g->max == 4.0);
	ck_assert(p->min == -1.0 && p->max == 1.0);
	ck_assert_ptr_null(proto_param_lookup("volume"));
	ck_assert_ptr_null(proto_param_lookup("Gain"));
	ck_assert_ptr_null(proto_param_lookup(""));
	ck_assert_ptr_null(proto_param_lookup(NULL));
	/* The usage and refusal texts name every parameter there is. */
	for (const struct proto_param *q = proto_params; q->name != NULL; q++) {
		struct proto_req req;
		const char *err;
		ck_assert(q->help != NULL && q->help[0] != '\0');
		ck_assert(q->min < q->max);
		ck_assert_ptr_nonnull(strstr(proto_cmds[CMD_GET].usage, q->name));
		ck_assert_ptr_nonnull(strstr(proto_cmds[CMD_SET].usage, q->name));
		ck_assert_int_eq(parse("get no/such", &req, &err), -EINVAL);
		ck_assert_ptr_nonnull(strstr(err, q->name));
	}
}
END_TEST

/* --- proto_param_value --------------------------------------------------- */

START_TEST(value_accepts)
{
	static const struct { const char *param, *s; double want; } ok[] = {
		{ "gain", "0", 0.0 },      { "gain", "4", 4.0 },     { "gain", "4.0", 4.0 },
		{ "gain", "-0", 0.0 },     { "gain", "+1", 1.0 },    { "gain", "1e0", 1.0 },
		{ "gain", ".5", 0.5 },     { "pan", "1.", 1.0 },     { "gain", "0.5e-1", 0.05 },
		{ "gain", "1E-999", 0.0 }, { "gain", "0.000", 0.0 }, { "gain", "4e0", 4.0 },
		{ "pan", "-1", -1.0 },     { "pan", "1", 1.0 },      { "pan", "-0.5", -0.5 },
		{ "pan", "0", 0.0 },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		const struct proto_param *p = proto_param_lookup(ok[i].param);
		const char *err = NULL;
		double v = 123.0;
		int r = proto_param_value(p, ok[i].s, &v, &err);
		ck_assert_msg(r == 0, "%s %s: %s", ok[i].param, ok[i].s, err);
		ck_assert_msg(v == ok[i].want, "%s %s -> %g", ok[i].param, ok[i].s, v);
	}
}
END_TEST

START_TEST(value_refuses)
{
	static const struct { const char *param, *s, *err; } bad[] = {
		{ "gain", "", "not a number" },
		{ "gain", "abc", "not a number" },
		{ "gain", "1x", "not a number" },
		{ "gain", "0.5 ", "not a number" },
		{ "gain", "1e", "not a number" },
		{ "gain", "e1", "not a number" },
		{ "gain", ".", "not a number" },
		{ "gain", "+", "not a number" },
		{ "gain", "--1", "not a number" },
		{ "gain", "1,5", "not a number" },
		{ "gain", "nan", "not a finite number" },
		{ "gain", "NaN", "not a finite number" },
		{ "gain", "inf", "not a finite number" },
		{ "gain", "-inf", "not a finite number" },
		{ "gain", "infinity", "not a finite number" },
		{ "gain", "1e999", "not a finite number" },
		{ "pan", "-1e999", "not a finite number" },
		{ "gain", "0x10", "not a decimal number" },
		{ "gain", "0x1p1", "not a decimal number" },
		{ "gain", " 1", "not a decimal number" },
		{ "gain", "4.0001", "out of range 0..4" },
		{ "gain", "-1", "out of range 0..4" },
		{ "gain", "-0.0000001", "out of range 0..4" },
		{ "gain", "1e300", "out of range 0..4" },
		{ "pan", "1.5", "out of range -1..1" },
		{ "pan", "-1.0001", "out of range -1..1" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const struct proto_param *p = proto_param_lookup(bad[i].param);
		const char *err = NULL;
		double v = 123.0;
		ck_assert_msg(proto_param_value(p, bad[i].s, &v, &err) == -EINVAL,
			      "%s '%s' accepted", bad[i].param, bad[i].s);
		ck_assert_msg(err != NULL && strcmp(err, bad[i].err) == 0,
			      "%s '%s': '%s', want '%s'", bad[i].param, bad[i].s, err, bad[i].err);
		ck_assert(v == 123.0);
	}
}
END_TEST

START_TEST(value_foreign_param)
{
	/* A struct not from the table: its own bounds, a generic message. */
	const struct proto_param mine = { "mine", 10, 20, "test" };
	const char *err = NULL;
	double v = 0;

	ck_assert_int_eq(proto_param_value(&mine, "15", &v, &err), 0);
	ck_assert(v == 15.0);
	ck_assert_int_eq(proto_param_value(&mine, "5", &v, &err), -EINVAL);
	ck_assert_str_eq(err, "out of range");
	ck_assert_int_eq(proto_param_value(NULL, "5", &v, &err), -EINVAL);
}
END_TEST

/* --- proto_parse --------------------------------------------------------- */

START_TEST(parse_every_verb)
{
	assert_ok("status", CMD_STATUS, 0);
	assert_ok("get gain", CMD_GET, 1);
	assert_ok("get pan", CMD_GET, 1);
	assert_ok("set gain 0.5", CMD_SET, 2);
	assert_ok("set pan -0.5", CMD_SET, 2);
	assert_ok("kill-primary", CMD_KILL_PRIMARY, 0);
	assert_ok("kill-primary force", CMD_KILL_PRIMARY, 1);
	assert_ok("failover", CMD_FAILOVER, 0);
	assert_ok("stats", CMD_STATS, 0);
	assert_ok("stats reset", CMD_STATS, 1);
	assert_ok("events", CMD_EVENTS, 0);
	assert_ok("reload", CMD_RELOAD, 0);
	assert_ok("version", CMD_VERSION, 0);
	assert_ok("history", CMD_HISTORY, 0);
}
END_TEST

START_TEST(parse_words)
{
	struct proto_req req;
	const char *err;

	ck_assert_int_eq(parse("  set\t gain \t0.25\t ", &req, &err), 0);
	ck_assert_int_eq(req.argc, 2);
	ck_assert_str_eq(req.argv[0], "gain");
	ck_assert_str_eq(req.argv[1], "0.25");
	ck_assert_str_eq(req.buf, "set");
	/* Quotes, and quoted segments glued to plain text. */
	ck_assert_int_eq(parse("'set' \"gain\" 0.'2'\"5\"", &req, &err), 0);
	ck_assert_str_eq(req.argv[0], "gain");
	ck_assert_str_eq(req.argv[1], "0.25");
	ck_assert_int_eq(parse("s'e't pan '-1'", &req, &err), 0);
	ck_assert_ptr_eq(req.cmd, &proto_cmds[CMD_SET]);
	ck_assert_str_eq(req.argv[1], "-1");
}
END_TEST

START_TEST(parse_line_endings)
{
	assert_ok("status\n", CMD_STATUS, 0);
	assert_ok("status\r\n", CMD_STATUS, 0);
	assert_ok("status\r", CMD_STATUS, 0);
	assert_ok("get gain \r\n", CMD_GET, 1);
	ERR("", "empty request");
	ERR("   \t ", "empty request");
	ERR("\n", "empty request");
	ERR("\r\n", "empty request");
	ERR("status\n\n", "control character in request");
	ERR("status\r\r\n", "control character in request");
	ERR("status\n\r", "control character in request");
	ERR("sta\rtus", "control character in request");
	{
		struct proto_req req;
		const char *err;
		ck_assert_int_eq(proto_parse(NULL, 0, &req, &err), -EINVAL);
		ck_assert_int_eq(proto_parse("status", 0, &req, &err), -EINVAL);
		ck_assert_str_eq(err, "empty request");
	}
}
END_TEST

START_TEST(parse_quotes)
{
	ERR("get 'gain", "unterminated quote");
	ERR("get \"gain", "unterminated quote");
	ERR("get gain'", "unterminated quote");
	ERR("'", "unterminated quote");
	ERR("set gain \"0.5'", "unterminated quote");
	/* A quoted empty word is a word. */
	ERR("set gain ''", "set gain '': not a number");
	ERR("''", "unknown command ''");
	ERR("get \"\"", "get '': unknown parameter (expected gain|pan|NAME)");
	/* Quoted blanks do not separate. */
	ERR("'get gain'", "unknown command 'get gain'");
}
END_TEST

START_TEST(parse_control_chars)
{
	static const char *const bad[] = {
		"status\x01", "\x1bstatus", "get gain\x7f", "get\x0bgain", "get\x0cgain",
		"set gain '0.5\n'", "set gain 0.5\x1b[2J",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ERR(bad[i], "control character in request");
	/* NUL bytes inside len are data, and refused, wherever they are. */
	assert_err("status\0", 7, "control character in request");
	assert_err("\0status", 7, "control character in request");
	assert_err("get ga\0in", 9, "control character in request");
	assert_err("\0", 1, "control character in request");
	/* Tabs are blanks; bytes >= 0x80 are ordinary (refused by lookup only). */
	assert_ok("\tget\tpan\t", CMD_GET, 1);
	ERR("get g\xc3\xa4in", "get g\xc3\xa4in: unknown parameter (expected gain|pan|NAME)");
}
END_TEST

START_TEST(parse_length_limits)
{
	char line[PROTO_LINE_MAX + 8];

	/* "status" padded with blanks to exactly PROTO_LINE_MAX bytes: fine. */
	memset(line, ' ', sizeof line);
	memcpy(line, "status", 6);
	{
		struct proto_req req;
		const char *err = NULL;
		ck_assert_int_eq(proto_parse(line, PROTO_LINE_MAX, &req, &err), 0);
		/* The terminator does not count. */
		line[PROTO_LINE_MAX] = '\r';
		line[PROTO_LINE_MAX + 1] = '\n';
		ck_assert_int_eq(proto_parse(line, PROTO_LINE_MAX + 2, &req, &err), 0);
		ck_assert_int_eq(proto_parse(line, PROTO_LINE_MAX + 1, &req, &err), 0);
		line[PROTO_LINE_MAX] = ' ';
	}
	assert_err(line, PROTO_LINE_MAX + 1, "line too long");
	assert_err(line, sizeof line, "line too long");

	/* One word of PROTO_LINE_MAX bytes fills buf exactly (with its NUL). */
	memset(line, 'x', PROTO_LINE_MAX);
	{
		char want[PROTO_ERR_MAX];
		memcpy(want, "unknown command '", 17);
		memset(want + 17, 'x', 64);
		strcpy(want + 17 + 64, "...'");
		assert_err(line, PROTO_LINE_MAX, want);
	}
	/* A long quoted argument: the message is shortened, not overflowed. */
	memcpy(line, "stats '", 7);
	line[PROTO_LINE_MAX - 1] = '\'';
	{
		struct proto_req req;
		const char *err = NULL;
		ck_assert_int_eq(proto_parse(line, PROTO_LINE_MAX, &req, &err), -EINVAL);
		ck_assert_str_eq(err, "stats ...: unknown argument (expected reset)");
		ck_assert_int_eq(req.argc, 1);
		ck_assert_uint_eq(strlen(req.argv[0]), PROTO_LINE_MAX - 8);
	}
}
END_TEST

START_TEST(parse_arg_count)
{
	ERR("version a b c d e f g h", "usage: version");
	ERR("version a b c d e f g h i", "too many arguments");
	ERR("set gain 1 2 3 4 5 6 7 8 9 10", "too many arguments");
	ERR("version x", "usage: version");
	ERR("status --watch -n 1 -i 10 x", "usage: status [--watch [-n COUNT] [-i MS]]");
	ERR("wait-ready -t 1 x", "usage: wait-ready [-t MS]");
	ERR("get", "usage: get gain|pan|NAME");
	ERR("get gain pan", "usage: get gain|pan|NAME");
	ERR("set", "usage: set gain|pan|NAME VALUE");
	ERR("set gain", "usage: set gain|pan|NAME VALUE");
	ERR("set gain 1 2", "usage: set gain|pan|NAME VALUE");
	ERR("stats reset now", "usage: stats [reset]");
	ERR("kill-primary force now", "usage: kill-primary [force]");
	ERR("events all", "usage: events");
	/* Blanks do not count as words. */
	assert_ok("status        ", CMD_STATUS, 0);
}
END_TEST

START_TEST(parse_checks)
{
	ERR("frobnicate", "unknown command 'frobnicate'");
	ERR("Status", "unknown command 'Status'");
	ERR("help", "unknown command 'help'");
	/* A renderer's parameter: any valid name passes here (the daemon has the
	 * table); a name no renderer could declare does not. */
	assert_ok("get volume", CMD_GET, 1);
	assert_ok("set amp.gain -6", CMD_SET, 2);
	assert_ok("params", CMD_PARAMS, 0);
	ERR("get vol/ume", "get vol/ume: unknown parameter (expected gain|pan|NAME)");
	ERR("set vol/ume 1", "set vol/ume 1: unknown parameter (expected gain|pan|NAME)");
	ERR("set volume nan", "set volume nan: not a finite number");
	ERR("set gain nan", "set gain nan: not a finite number");
	ERR("set gain inf", "set gain inf: not a finite number");
	ERR("set gain 1e999", "set gain 1e999: not a finite number");
	ERR("set gain 0x10", "set gain 0x10: not a decimal number");
	ERR("set gain 4.0001", "set gain 4.0001: out of range 0..4");
	ERR("set gain -1", "set gain -1: out of range 0..4");
	ERR("set gain 1abc", "set gain 1abc: not a number");
	ERR("set gain ' 1'", "set gain ' 1': not a decimal number");
	ERR("set pan 2", "set pan 2: out of range -1..1");
	ERR("stats clear", "stats clear: unknown argument (expected reset)");
	ERR("kill-primary 0", "kill-primary 0: unknown argument (expected force)");
	/* rtaudioctl's own options of status and wait-ready. */
	ERR("status x", "status x: unknown argument (expected --watch, -n COUNT or -i MS)");
	ERR("status -n 2", "status -n 2: -n and -i go with --watch");
	ERR("status --watch -n", "status --watch -n: -n needs COUNT");
	ERR("status --watch -n 0", "status --watch -n 0: COUNT out of range 1..1000000000");
	ERR("status --watch -n 1.5", "status --watch -n 1.5: not a whole number");
	ERR("status --watch -i 9", "status --watch -i 9: MS out of range 10..3600000");
	ERR("status -w -i x", "status -w -i x: not a number");
	ERR("wait-ready 5", "wait-ready 5: unknown argument (expected -t MS)");
	ERR("wait-ready -t", "wait-ready -t: -t needs MS");
	ERR("wait-ready -t -1", "wait-ready -t -1: MS out of range 0..86400000");
	assert_ok("status --watch", CMD_STATUS, 1);
	assert_ok("status -w -n 3 -i 10", CMD_STATUS, 5);
	assert_ok("status --watch -i 3600000 -n 1000000000", CMD_STATUS, 5);
	assert_ok("wait-ready", CMD_WAIT_READY, 0);
	assert_ok("wait-ready -t 0", CMD_WAIT_READY, 2);
	assert_ok("set gain 4", CMD_SET, 2);
	assert_ok("set pan -1", CMD_SET, 2);
}
END_TEST

/* tap, and rtaudioctl's record and meter (PROTO_LOCAL, built on tap). */
START_TEST(parse_tap_verbs)
{
	assert_ok("tap", CMD_TAP, 0);
	assert_ok("record out.wav", CMD_RECORD, 1);
	assert_ok("record out.wav -d 3", CMD_RECORD, 3);
	assert_ok("record -d 0.01 'my take.wav'", CMD_RECORD, 3);
	assert_ok("meter", CMD_METER, 0);
	assert_ok("meter -n 2", CMD_METER, 2);
	assert_ok("meter -i 10 -n 1000000", CMD_METER, 4);
	ERR("tap x", "usage: tap");
	ERR("record", "usage: record FILE [-d SECONDS]");
	ERR("record a.wav b.wav", "record a.wav b.wav: expected one FILE");
	ERR("record -d 3", "record -d 3: expected one FILE");
	ERR("record a.wav -d", "record a.wav -d: -d needs SECONDS");
	ERR("record a.wav -d 0", "record a.wav -d 0: SECONDS out of range 0.01..86400");
	ERR("record a.wav -d 1e9", "record a.wav -d 1e9: SECONDS out of range 0.01..86400");
	ERR("record a.wav -d nan", "record a.wav -d nan: not a finite number");
	ERR("record -x a.wav", "record -x a.wav: expected FILE [-d SECONDS] "
			       "(name a file starting with '-' as ./-x)");
	ERR("record ''", "record '': expected FILE [-d SECONDS] "
			 "(name a file starting with '-' as ./-x)");
	ERR("meter 2", "meter 2: unknown argument (expected -n COUNT or -i MS)");
	ERR("meter -n", "meter -n: -n needs COUNT");
	ERR("meter -n 0", "meter -n 0: COUNT out of range 1..1000000");
	ERR("meter -n 2.5", "meter -n 2.5: not a whole number");
	ERR("meter -i 5", "meter -i 5: MS out of range 10..60000");
	ck_assert(proto_cmds[CMD_TAP].flags & PROTO_PRIVILEGED);
	ck_assert(!(proto_cmds[CMD_TAP].flags & (PROTO_MUTATING | PROTO_LOCAL)));
	ck_assert(proto_cmds[CMD_RECORD].flags & PROTO_LOCAL);
	ck_assert(proto_cmds[CMD_METER].flags & PROTO_LOCAL);
}
END_TEST

/*
 * The line is copied against a PROT_NONE page: reading line[len] faults,
 * which check reports as a failure of this test.
 */
START_TEST(error_codes)
{
	struct proto_req r;
	const char *why;
	unsigned n = 0;

	/* Indexed by id, codes unique and spelled as documented, exit statuses sane. */
	for (const struct proto_error *e = proto_errors; e->code != NULL; e++, n++) {
		ck_assert_int_eq(e->id, (int)n);
		ck_assert_ptr_eq(proto_error_lookup(e->code), e);
		ck_assert_str_eq(proto_error_code(e->id), e->code);
		ck_assert_int_eq(proto_error_exit(e->code), e->exit_status);
		ck_assert(e->exit_status == 1 || (e->exit_status >= 64 && e->exit_status <= 78));
		ck_assert(e->meaning != NULL && e->meaning[0] != '\0');
		for (const char *c = e->code; *c != '\0'; c++)
			ck_assert((*c >= 'a' && *c <= 'z') || *c == '-');
	}
	ck_assert_uint_eq(n, PERR__COUNT);
	ck_assert_int_eq(proto_error_exit("denied"), 77);
	ck_assert_int_eq(proto_error_exit("usage"), 64);
	ck_assert_int_eq(proto_error_exit("busy"), 75);
	ck_assert_int_eq(proto_error_exit("no-standby"), 1);
	ck_assert_int_eq(proto_error_exit(NULL), 1);          /* an old daemon: a refusal */
	ck_assert_int_eq(proto_error_exit("frobnicated"), 1);
	ck_assert_ptr_null(proto_error_lookup("Denied"));
	ck_assert_str_eq(proto_error_code(PERR__COUNT), "internal");
	/* What proto_parse says a refused line is. */
	ck_assert_int_lt(proto_parse("frob", 4, &r, &why), 0);
	ck_assert_int_eq(r.code, PERR_UNKNOWN_VERB);
	ck_assert_int_lt(proto_parse("set gain 9", 10, &r, &why), 0);
	ck_assert_int_eq(r.code, PERR_RANGE);
	ck_assert_int_lt(proto_parse("set gain x", 10, &r, &why), 0);
	ck_assert_int_eq(r.code, PERR_USAGE);
	ck_assert_int_lt(proto_parse("status a b c", 12, &r, &why), 0);
	ck_assert_int_eq(r.code, PERR_USAGE);
	ck_assert_int_lt(proto_parse("", 0, &r, &why), 0);
	ck_assert_int_eq(r.code, PERR_USAGE);
}
END_TEST

START_TEST(parse_never_reads_past_len)
{
	static const char *const lines[] = {
		"status", "get gain", "set pan -0.5", "get 'gain", "set gain \"", "x",
		"stats reset", "set gain 0.", "'", "set gain 1e", "   ", "status\r",
	};
	long pg = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(map, MAP_FAILED);
	ck_assert_int_eq(mprotect(map + pg, (size_t)pg, PROT_NONE), 0);
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		size_t len = strlen(lines[i]);
		char *at = map + pg - len;
		struct proto_req req;
		const char *err;
		memcpy(at, lines[i], len);  /* no NUL: the next byte is unmapped */
		(void)proto_parse(at, len, &req, &err);
	}
	/* And a full-length line of one word. */
	memset(map + pg - PROTO_LINE_MAX, 'z', PROTO_LINE_MAX);
	{
		struct proto_req req;
		const char *err;
		ck_assert_int_eq(proto_parse(map + pg - PROTO_LINE_MAX, PROTO_LINE_MAX, &req, &err),
				 -EINVAL);
	}
	munmap(map, (size_t)pg * 2);
}
END_TEST

Suite *proto_suite(void)
{
	Suite *s = suite_create("proto");
	TCase *tc;

	tc = tcase_create("table");
	tcase_add_test(tc, table_ids_match_indexes);
	tcase_add_test(tc, table_entries_well_formed);
	tcase_add_test(tc, table_flags);
	tcase_add_test(tc, table_lookup);
	tcase_add_test(tc, params_table);
	suite_add_tcase(s, tc);

	tc = tcase_create("value");
	tcase_add_test(tc, value_accepts);
	tcase_add_test(tc, value_refuses);
	tcase_add_test(tc, value_foreign_param);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, parse_every_verb);
	tcase_add_test(tc, parse_words);
	tcase_add_test(tc, parse_line_endings);
	tcase_add_test(tc, parse_quotes);
	tcase_add_test(tc, parse_control_chars);
	tcase_add_test(tc, parse_length_limits);
	tcase_add_test(tc, parse_arg_count);
	tcase_add_test(tc, parse_checks);
	tcase_add_test(tc, parse_tap_verbs);
	tcase_add_test(tc, parse_never_reads_past_len);
	tcase_add_test(tc, error_codes);
	suite_add_tcase(s, tc);
	return s;
}
