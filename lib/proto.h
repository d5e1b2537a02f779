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

enum proto_cmd_id {
	CMD_STATUS = 0,
	CMD_GET,
	CMD_SET,
	CMD_KILL_PRIMARY,
	CMD_FAILOVER,
	CMD_STATS,
	CMD_EVENTS,
	CMD_RELOAD,
	CMD_VERSION,
	CMD__COUNT
};

/* Command flags. */
#define PROTO_MUTATING 0x1u  /* changes state: root or the daemon's uid only */
#define PROTO_STREAM   0x2u  /* the reply is a stream of lines until close */

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

/* A tunable parameter ("gain", "pan") and its range. */
struct proto_param {
	const char *name;
	double min;
	double max;
	const char *help;
};

/* A parsed request. Owns copies of the words in buf. */
struct proto_req {
	const struct proto_cmd *cmd;
	int argc;                       /* words after the verb */
	char *argv[PROTO_ARGS_MAX];
	char buf[PROTO_LINE_MAX + 1];
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
 * Parse a finite number in [p->min, p->max] from `s` into *out. Returns 0, or
 * -EINVAL with *err set to a static message ("not a number", "out of range
 * 0..4", ...).
 */
int proto_param_value(const struct proto_param *p, const char *s, double *out, const char **err);

/*
 * Tokenize `line` (`len` bytes, no newline needed; a trailing "\r" is
 * ignored) into *req, look the verb up and check the arguments. Returns 0 or
 * -EINVAL with *err set to a static, human-readable reason ("empty request",
 * "unknown command 'x'", "line too long", "usage: set gain|pan VALUE", ...).
 * Pure (no I/O); thread-safe on distinct reqs.
 */
int proto_parse(const char *line, size_t len, struct proto_req *req, const char **err);

/*
 * Build a request line from words (as the CLI got them from argv), quoting
 * words that contain blanks or quotes, into buf (without newline). Returns
 * the length, or -ENAMETOOLONG if it does not fit PROTO_LINE_MAX/buflen.
 */
int proto_join(char *buf, size_t buflen, int argc, char *const argv[]);

#endif
