/*
 * benchd.h - a bench's hold on one real rtaudiod: start it on a config of
 * its own, ask it over its control socket, follow its event stream, stop it.
 *
 * What it does: writes a config (null sink, 48 kHz / 256 frames, the
 * group's standby mode, backoff out of the way), forks and execs the binary
 * named by $RTAUDIOD with replicas from $REPLICA, and waits until every
 * slot is primary or standby. What it does not: time anything, judge a
 * figure, or kill a replica; that is the bench's (failover_bench.c).
 *
 * Test code, single-threaded, blocking; every call may allocate. Errors are
 * said on stderr where the caller could not tell them apart otherwise.
 */
#ifndef RTAUDIO_BENCHD_H
#define RTAUDIO_BENCHD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct benchd {
	char dir[64];
	char sock[100];
	char conf[128];
	char log[128];
	pid_t pid;
};

/*
 * Start rtaudiod with one hot-or-`standby` group (standby = "hot" or
 * "warm") in a fresh temporary directory and wait up to 10 s for it to be
 * ready. 0, or -1 with the reason on stderr ($RTAUDIOD / $REPLICA unset, no
 * directory, fork failed, not ready); on -1 after the directory is made,
 * call benchd_stop all the same: it stops a started daemon and cleans up.
 */
int benchd_start(struct benchd *d, const char *standby);

/*
 * SIGTERM the daemon, reap it, print (up to 20 lines) what its log says
 * went wrong (underruns, losses, lateness, errors), remove the directory.
 */
void benchd_stop(struct benchd *d);

/*
 * One control line, its one-line JSON reply (the caller owns it), or NULL
 * if the daemon cannot be reached or the reply does not parse.
 */
json_t *benchd_request(const struct benchd *d, const char *line);

/*
 * The integer at a dotted path of `j` ("sink.lost_samples",
 * "replicas.0.pid": a number indexes an array), or -1 if there is none.
 */
json_int_t benchd_int(json_t *j, const char *path);

/* Poll status every 2 ms for up to `seconds` until every slot is ready. */
bool benchd_wait_ready(const struct benchd *d, int seconds);

/* The primary's index (in *primary, -1 if none) and pid (<= 0 if none). */
json_int_t benchd_primary_pid(const struct benchd *d, json_int_t *primary);

/* A connection following the daemon's event stream. */
struct benchd_events {
	int fd;
	size_t len;
	char buf[65536];
};

/* Connect and subscribe; 0 or -1. The caller closes ev->fd. */
int benchd_events_open(const struct benchd *d, struct benchd_events *ev);

/*
 * The next event line as JSON (the caller owns it), or NULL once
 * CLOCK_MONOTONIC passes `deadline` (ns) or the stream ends.
 */
json_t *benchd_events_next(struct benchd_events *ev, uint64_t deadline);

/*
 * Wait up to `seconds` for an event of `type` (and slot `index` unless
 * < 0), skipping others; its mono_ns, or -1 on time-out.
 */
int64_t benchd_events_wait(struct benchd_events *ev, const char *type, int index,
                           int seconds);

#endif
