/*
 * proto.h - the control protocol's command table and request parser.
 *
 * What it does: one table of verbs (name, arguments, help, flags) that the
 * daemon's dispatcher, rtaudioctl's parser and its help text all use; a
 * tokenizer for one request line (words separated by blanks, '...' and "..."
 * quoting, at most PROTO_LINE_MAX bytes); argument validation shared by both
 * sides (parameter names, finite numbers in range), so the CLI rejects what
 * the daemon would reject before connecting.
 *
 * What it does not do: I/O, JSON, or executing anything. The daemon maps
 * each enum proto_cmd_id to a handler in its own table (indexed by the id).
 */
#ifndef RTAUDIO_PROTO_H
#define RTAUDIO_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#define PROTO_LINE_MAX 1024  /* bytes of one request line, without the newline */
#define PROTO_ARGS_MAX 8     /* words after the verb */
#define PROTO_ERR_MAX 128    /* bytes of a composed error message, with NUL */

enum proto_cmd_id {
	CMD_STATUS = 0,
	CMD_GET,
	CMD_SET,
	CMD_PARAMS,
	CMD_KILL_PRIMARY,
	CMD_FAILOVER,
	CMD_STATS,
	CMD_EVENTS,
	CMD_RELOAD,
	CMD_VERSION,
	CMD_HISTORY,
	CMD_TAP,
	CMD_RECORD,
	CMD_METER,
	CMD_WAIT_READY,
	CMD__COUNT
};

/* Command flags. */
#define PROTO_MUTATING 0x1u  /* changes state: root or the daemon's uid only */
#define PROTO_STREAM   0x2u  /* the reply is a stream of lines until close */
#define PROTO_PRIVILEGED 0x4u /* reads no state but hands out access: root or the daemon's uid */
/*
 * Runs in rtaudioctl, not in the daemon: a client-side verb built on other
 * verbs (record and meter on `tap`, wait-ready on `status`). In the table so
 * that help, the man page check and completion know it; the daemon refuses
 * it if it is sent raw.
 */
#define PROTO_LOCAL    0x8u

struct proto_cmd {
	enum proto_cmd_id id;
	const char *verb;
	const char *usage;  /* arguments, e.g. "gain|pan VALUE" */
	const char *help;   /* one line */
	unsigned min_args;
	unsigned max_args;
	unsigned flags;
	/* Extra argument checks beyond arity; NULL = none. Returns 0 or sets *err. */
	int (*check)(int argc, char *const argv[], const char **err);
};

/* A parameter every group has ("gain", "pan": the output stage) and its
 * range. A renderer declares more; their ranges are the daemon's to check. */
struct proto_param {
	const char *name;
	double min;
	double max;
	const char *help;
};

/*
 * A parsed request. Owns copies of the words in buf; argv points into buf.
 * errbuf holds a message proto_parse composed (one naming the user's word),
 * so errors need no allocation and stay thread-safe.
 */
struct proto_req {
	const struct proto_cmd *cmd;
	int code;                       /* on a refusal: enum proto_err (usage, unknown-verb) */
	int argc;                       /* words after the verb */
	char *argv[PROTO_ARGS_MAX];
	char buf[PROTO_LINE_MAX + 1];
	char errbuf[PROTO_ERR_MAX];
};

/* The table, terminated by an entry whose verb is NULL; proto_cmds[id].id == id. */
extern const struct proto_cmd proto_cmds[];
/* The parameters, terminated by an entry whose name is NULL. */
extern const struct proto_param proto_params[];

/* The command named `verb`, or NULL. Pure. */
const struct proto_cmd *proto_lookup(const char *verb);

/* The parameter named `name`, or NULL. Pure. */
const struct proto_param *proto_param_lookup(const char *name);

/*
 * Parse a finite number in [p->min, p->max] from `s` into *out. Only plain
 * decimal is accepted ([+-]digits[.digits][e[+-]digits]: no hex, no blanks,
 * no "nan"/"inf"). Returns 0, or -EINVAL with *out untouched and *err set to
 * a static message: "not a number" (empty, trailing junk), "not a finite
 * number" (nan, inf, 1e999), "not a decimal number" (0x10), "out of range
 * 0..4" (the bounds of a table entry). Pure; follows LC_NUMERIC (keep "C").
 */
int proto_param_value(const struct proto_param *p, const char *s, double *out, const char **err);

/*
 * Tokenize `line` (`len` bytes, no newline needed; one trailing "\n" and then
 * one trailing "\r" are ignored) into *req, look the verb up and check the
 * arguments. Words are separated by blanks (space, tab); '...' and "..."
 * quote literally (no escapes) and concatenate with adjacent text as in sh.
 * Never reads line[len] or beyond; NUL bytes inside len are data (refused as
 * control characters). Returns 0 with req->cmd set, or -EINVAL with
 * req->cmd NULL and *err set to a human-readable reason, either static or in
 * req->errbuf (valid until req is reused): "empty request", "line too long"
 * (over PROTO_LINE_MAX), "control character in request" (C0 other than tab,
 * DEL), "unterminated quote", "too many arguments" (over PROTO_ARGS_MAX),
 * "unknown command 'x'", "usage: set gain|pan VALUE", or the verb's check
 * as "set gain 9: out of range 0..4"; req->code says unknown-verb for the
 * unknown command, range for a value out of its range, usage for the rest. When the line tokenized but was then
 * refused (unknown verb, arity, check), req->buf starts with the verb and
 * argc/argv hold the other words (for logging); otherwise argc is 0.
 * No allocation, no I/O; thread-safe on distinct reqs.
 */
int proto_parse(const char *line, size_t len, struct proto_req *req, const char **err);

/*
 * Build a request line from words (as the CLI got them from argv), quoting
 * words that are empty or contain blanks or quotes, into buf (NUL-terminated,
 * without newline), so that proto_parse gives the same words back. Control
 * characters are copied as they are (proto_parse then refuses the line).
 * Returns the length, or -ENAMETOOLONG (buf set to "") if it does not fit
 * min(PROTO_LINE_MAX, buflen - 1) bytes. Pure; thread-safe.
 */
int proto_join(char *buf, size_t buflen, int argc, char *const argv[]);

/*
 * A refusal's stable, machine-readable code, sent next to the message:
 * {"ok":false,"code":"denied","error":"permission denied: ..."}. Scripts
 * and rtaudioctl's exit status go by the code; the message is for people
 * and may be reworded. The table is listed in rtaudioctl(1), EXIT STATUS.
 */
enum proto_err {
	PERR_USAGE = 0,         /* malformed request, wrong arguments */
	PERR_UNKNOWN_VERB,      /* a verb this daemon does not serve */
	PERR_DENIED,            /* the peer may not do this */
	PERR_BUSY,              /* a limit reached for now: retry later */
	PERR_NO_PRIMARY,        /* there is no primary to act on */
	PERR_NO_STANDBY,        /* no healthy standby could take over */
	PERR_RANGE,             /* a value outside its range */
	PERR_UNKNOWN_PARAM,     /* no parameter of that name */
	PERR_NOT_READY,         /* not ready (in time) */
	PERR_SHUTTING_DOWN,     /* the daemon is stopping */
	PERR_CONFIG,            /* the configuration file was refused (reload) */
	PERR_TIMEOUT,           /* the request line did not arrive in time */
	PERR_INTERNAL,          /* the daemon failed to do it */
	PERR__COUNT
};

struct proto_error {
	enum proto_err id;
	const char *code;       /* "denied" */
	int exit_status;        /* rtaudioctl's, sysexits(3) or 1 */
	const char *meaning;    /* one line, for help and the man page check */
};

/* The table, indexed by enum proto_err, terminated by an entry whose code is NULL. */
extern const struct proto_error proto_errors[];

/* The code string of `e` ("internal" for a value out of range). Pure. */
const char *proto_error_code(enum proto_err e);

/* The entry whose code is `code`, or NULL (unknown, or NULL). Pure. */
const struct proto_error *proto_error_lookup(const char *code);

/* rtaudioctl's exit status for a refusal with `code`: the table's, or 1
 * when the code is unknown or absent (a refusal all the same). Pure. */
int proto_error_exit(const char *code);

#endif
