/*
 * tap.h - rtaudioctl's client-side verbs built on a tap: record and meter.
 *
 * What it does: runs the commands of the protocol table flagged PROTO_LOCAL
 * in rtaudioctl itself, on a read-only tap of the group (lib/client.h):
 * `record FILE [-d SECONDS]` writes the audio the sink plays to a float32
 * WAV file, block by block across failovers; `meter [-n COUNT] [-i MS]`
 * prints peak and RMS levels per channel in dBFS.
 *
 * What it does not do: parse or check the arguments (proto_parse already
 * did, with the table's check functions), or change anything in the daemon
 * or its shared memory (the tap is read-only).
 */
#ifndef RTAUDIO_CLI_TAP_H
#define RTAUDIO_CLI_TAP_H

#include <stdbool.h>

#include "proto.h"

/*
 * Run the parsed PROTO_LOCAL request `req` against the daemon listening on
 * `path`; `json` selects JSON output lines. Prints its results on stdout and
 * its errors on stderr; returns rtaudioctl's exit status (0, 1 refused,
 * 64 usage, 69 unavailable, 70 bad reply or segments, 73 cannot create the
 * file, 74 output error, 77 permission denied). Installs SIGINT/SIGTERM
 * handlers that end the command cleanly (the WAV file is finalized).
 */
int tap_run(const char *path, const struct proto_req *req, bool json);

#endif
