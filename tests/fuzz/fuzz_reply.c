/*
 * fuzz_reply.c - libFuzzer target: rtaudioctl's decoding and printing of
 * daemon replies.
 *
 * What it does: the first byte picks a request (one real command line per
 * verb, parsed with proto_parse as rtaudioctl does) and whether the reply
 * is read as a stream; the rest is one reply line from a daemon that may be
 * broken, older, newer or hostile. It goes through output_decode() (what
 * rtaudioctl does before anything else) and, when accepted and not ok:false,
 * through output_reply() and output_event() into a memory stream, so every
 * layout (status page, replica table, durations, events) meets arbitrary
 * JSON types and values. A decoded reply must be an object with a boolean
 * or absent "ok"; a refused one must come with a reason. A broken property
 * aborts; ASan and UBSan catch the rest (and LeakSanitizer a lost reference).
 *
 * What it does not do: socket I/O or exit codes (rtaudioctl.c's), or verbs
 * that run entirely in rtaudioctl (record, meter, wait-ready: no reply of
 * the daemon is printed by output.c for them, but they are tried anyway).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "output.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Requests rtaudioctl can send; lines the current table refuses are skipped. */
static const char *const requests[] = {
	"status", "get gain", "get pan", "set gain 0.5", "set pan -0.5", "kill-primary",
	"failover", "stats", "stats reset", "events", "reload", "version", "tap",
	"status --watch", "record x.wav", "meter", "wait-ready",
};
#define NREQ (sizeof requests / sizeof requests[0])

static void require(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_reply: property broken: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_req req;
	const char *why;
	char err[JSON_ERROR_TEXT_LENGTH];
	json_t *reply, *ok;
	char *text = NULL;
	size_t textlen = 0;
	FILE *out;

	if (size == 0)
		return 0;
	const char *line = requests[(data[0] & 0x7f) % NREQ];
	bool stream = (data[0] & 0x80) != 0;
	if (proto_parse(line, strlen(line), &req, &why) != 0)
		return 0;
	/* A copy of exactly the reply's bytes: a read past them is an ASan error. */
	char *copy = malloc(size - 1 > 0 ? size - 1 : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	memset(err, 'x', sizeof err);
	reply = output_decode(copy, size - 1, stream, err, sizeof err);
	free(copy);
	if (reply == NULL) {
		require(memchr(err, '\0', sizeof err) != NULL && err[0] != '\0',
			"refused reply without a reason");
		return 0;
	}
	ok = json_object_get(reply, "ok");
	require(json_is_object(reply), "decoded reply is not an object");
	require(ok == NULL ? stream : json_is_boolean(ok), "decoded reply has a bad \"ok\"");

	if ((out = open_memstream(&text, &textlen)) != NULL) {
		if (!json_is_false(ok))
			output_reply(out, &req, reply, (data[0] & 1) != 0);
		output_event(out, reply);
		fclose(out);
		free(text);
	}
	json_decref(reply);
	return 0;
}
