/*
 * output.h - rtaudioctl's human-readable rendering of daemon replies.
 *
 * What it does: decodes one reply line (JSON object with a boolean "ok");
 * turns a successful JSON reply ({"ok":true,...}) or one event line into
 * text for people: a systemctl-like status page with a replica
 * table, the status --watch frame, the stats tables, one concise line for
 * the other verbs, indented JSON for anything it has no layout for.
 * What it does not do: I/O on the socket, error replies (ok:false, handled
 * by rtaudioctl.c) or --json output (the reply is printed verbatim there).
 * Missing or mistyped fields print as "-" rather than failing, so an older
 * or newer daemon still gives readable output.
 */
#ifndef RTAUDIO_CLI_OUTPUT_H
#define RTAUDIO_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "proto.h"

/*
 * Decode one reply line of `len` bytes (no NUL needed): it must be a JSON
 * object whose "ok", when present, is a boolean, and "ok" is required unless
 * `stream` (events of a stream need none). Returns the object (the caller
 * owns it: json_decref), or NULL with the reason in err (NUL-terminated,
 * truncated to errlen). Never reads line[len]; no I/O; thread-safe.
 */
json_t *output_decode(const char *line, size_t len, bool stream, char *err, size_t errlen);

/*
 * Print the successful reply `reply` to the request `req` (parsed, so
 * req->cmd is set) on `out`. `utf8` selects the "●" status bullet over "*".
 * Borrows both; write errors are left in ferror(out) for the caller.
 */
void output_reply(FILE *out, const struct proto_req *req, json_t *reply, bool utf8);

/*
 * Print one status --watch frame for the status reply `status`: a header
 * line (state, the time `when` as given, primary, sink block, underruns,
 * samples lost, failovers), a blank line and the replica table. Borrows
 * both.
 */
void output_watch(FILE *out, json_t *status, bool utf8, const char *when);

/*
 * Print one event object of the `events` stream as one line: the local time
 * it is printed at (HH:MM:SS.mmm), the event name (from "event" or "type"),
 * "replica N" or "-", the daemon's state, the detail text, then any other
 * member as key=value (nested values as compact JSON); the daemon's
 * monotonic time stamp is left to --json. The stream's acknowledgement
 * ({"ok":true,...} without an event name) prints nothing. Borrows `ev`.
 */
void output_event(FILE *out, json_t *ev);

#endif
