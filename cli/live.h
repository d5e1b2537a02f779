/*
 * live.h - rtaudioctl's polling verbs: `status --watch` and `wait-ready`.
 *
 * What it does: both ask the daemon for "status" again and again, each time
 * on a fresh connection (so a restarted daemon is simply found again):
 * status --watch prints a frame per refresh (redrawn in place on a
 * terminal, one block after another otherwise, one JSON line each with
 * --json); wait-ready returns once the primary's audio reaches the sink.
 * What it does not do: check the arguments (proto_parse did, with the
 * table's check functions) or send the daemon anything but "status".
 */
#ifndef RTAUDIO_CLI_LIVE_H
#define RTAUDIO_CLI_LIVE_H

#include <stdbool.h>

#include "proto.h"

/* Whether `req` (parsed) is one of live.c's: wait-ready, or status with options. */
bool live_handles(const struct proto_req *req);

/*
 * Run `req` against the daemon at `path`; `json` prints the daemon's status
 * lines as they came, `utf8` picks the status bullet. Returns rtaudioctl's
 * exit status:
 * - status --watch: that of the last refresh (0; 1 refused; 69 unreachable
 *   or no reply; 70 bad reply; 77 permission denied); 74 when stdout fails.
 *   An unreachable daemon does not end the watch: the next refresh retries.
 * - wait-ready: 0 once ready; 1 when the daemon answered but was not ready
 *   by the time-out; 69 (77 for a permission error) when it never answered.
 * Prints on stdout, errors on stderr (in place of the frame on a terminal).
 */
int live_run(const struct proto_req *req, const char *path, bool json, bool utf8);

#endif
