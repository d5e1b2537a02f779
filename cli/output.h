/*
 * output.h - rtaudioctl's human-readable rendering of daemon replies.
 *
 * What it does: turns a successful JSON reply ({"ok":true,...}) or one event
 * line into text for people: a systemctl-like status page with a replica
 * table, one concise line for the other verbs, indented JSON for anything it
 * has no layout for.
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
 * Print the successful reply `reply` to the request `req` (parsed, so
 * req->cmd is set) on `out`. `utf8` selects the "●" status bullet over "*".
 * Borrows both; write errors are left in ferror(out) for the caller.
 */
void output_reply(FILE *out, const struct proto_req *req, json_t *reply, bool utf8);

/*
 * Print one event object of the `events` stream as one line:
 * "NAME key=value ..." (NAME from "event" or "type"; nested values as compact
 * JSON). A bare {"ok":true} acknowledgement prints nothing. Borrows `ev`.
 */
void output_event(FILE *out, json_t *ev);

#endif
