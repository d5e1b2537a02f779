/*
 * fuzz_proto.c - libFuzzer target: the control protocol's request parser.
 *
 * What it does: hands arbitrary bytes to proto_parse() as one request line
 * (the daemon does this with whatever a client sends) and checks what the
 * contract promises: a parsed request has a verb from the table and an arity
 * within its bounds, an error leaves req->cmd NULL with a NUL-terminated
 * message, and a request that parsed survives proto_join() + proto_parse()
 * with the same words. The same bytes split at NUL bytes are also taken as a
 * word list (as rtaudioctl gets argv): proto_join() then proto_parse() must
 * give those words back, whatever they contain except control characters.
 * Every word is also tried as a value of every parameter. A broken property
 * aborts, which libFuzzer reports as a crash.
 *
 * What it does not do: run the daemon's dispatcher (cmd_line needs a live
 * group, supervisor and control client; the socket-level tests drive it).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WORDS_MAX (1 + PROTO_ARGS_MAX)

static void require(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_proto: property broken: %s\n", what);
		abort();
	}
}

/* The error message is static or in req->errbuf, and terminated there. */
static void check_error(const struct proto_req *req, const char *err)
{
	require(req->cmd == NULL, "error with req->cmd set");
	require(err != NULL, "error without a message");
	if (err >= req->errbuf && err < req->errbuf + sizeof req->errbuf)
		require(memchr(err, '\0', (size_t)(req->errbuf + sizeof req->errbuf - err)) != NULL,
			"errbuf not terminated");
	require(req->argc >= 0 && req->argc <= PROTO_ARGS_MAX, "argc out of bounds");
}

static void check_parsed(const struct proto_req *req)
{
	const struct proto_cmd *c = req->cmd;

	require(c >= proto_cmds && c < proto_cmds + CMD__COUNT, "cmd outside the table");
	require(proto_cmds[c->id].id == c->id, "table id mismatch");
	require(proto_lookup(req->buf) == c, "verb does not look up to cmd");
	require((unsigned)req->argc >= c->min_args && (unsigned)req->argc <= c->max_args,
		"arity outside the verb's bounds");
	for (int i = 0; i < req->argc; i++)
		require(req->argv[i] > req->buf && req->argv[i] < req->buf + sizeof req->buf,
			"argv outside buf");
}

/* Every word as every parameter's value: success means finite and in range. */
static void check_values(int argc, char *const argv[])
{
	static const struct proto_param own = { "own", -1e300, 1e300, NULL };

	for (int i = 0; i < argc; i++) {
		for (const struct proto_param *p = proto_params; ; p++) {
			const struct proto_param *q = p->name != NULL ? p : &own;
			const char *why = NULL;
			double v = NAN;

			if (proto_param_value(q, argv[i], &v, &why) == 0)
				require(isfinite(v) && v >= q->min && v <= q->max,
					"accepted value out of range");
			else
				require(why != NULL && isnan(v), "refused value without a reason or with *out set");
			if (p->name == NULL)
				break;
		}
	}
}

/* words -> proto_join -> proto_parse must give the same words back. */
static void round_trip(int nwords, char *const words[])
{
	char line[PROTO_LINE_MAX + 1];
	struct proto_req req;
	const char *err = NULL;
	int len = proto_join(line, sizeof line, nwords, words);

	if (len < 0) {
		require(line[0] == '\0', "failed join left text");
		return;
	}
	require((size_t)len == strlen(line) && len <= PROTO_LINE_MAX, "join length");
	for (int i = 0; i < nwords; i++)
		for (const char *w = words[i]; *w != '\0'; w++)
			if ((unsigned char)*w < 0x20 || *w == 0x7f) {
				/* Copied as they are; the parser must refuse or strip them. */
				if (proto_parse(line, (size_t)len, &req, &err) < 0)
					check_error(&req, err);
				return;
			}
	if (proto_parse(line, (size_t)len, &req, &err) == 0)
		check_parsed(&req);
	else
		check_error(&req, err);
	/* Parsed or refused after tokenizing: either way the words are back. */
	require(strcmp(req.buf, words[0]) == 0, "round trip changed the verb");
	require(req.argc == nwords - 1, "round trip changed the word count");
	for (int i = 1; i < nwords; i++)
		require(strcmp(req.argv[i - 1], words[i]) == 0, "round trip changed a word");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_req req;
	const char *err = NULL;

	/* 1. The bytes as a request line, as the daemon receives it. */
	if (proto_parse((const char *)data, size, &req, &err) == 0) {
		char *words[WORDS_MAX];

		check_parsed(&req);
		check_values(req.argc, req.argv);
		words[0] = req.buf;
		memcpy(words + 1, req.argv, (size_t)req.argc * sizeof words[0]);
		round_trip(req.argc + 1, words);
	} else {
		check_error(&req, err);
	}

	/* 2. The bytes as argv words separated by NUL, as rtaudioctl gets them. */
	char *copy = malloc(size + 1);
	char *words[WORDS_MAX];
	int nwords = 0;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (size_t o = 0; o <= size && nwords < WORDS_MAX; o += strlen(copy + o) + 1)
		words[nwords++] = copy + o;
	check_values(nwords, words);
	round_trip(nwords, words);
	free(copy);
	return 0;
}
