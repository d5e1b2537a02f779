/*
 * sink.h - the sink thread and its backends.
 *
 * What it does: runs the one real-time thread of rtaudiod. The sink is the
 * clock of the whole group: each period it plays block `next` (play.c),
 * hands it to the backend, then publishes its position and wakes the
 * replicas (futex), which render ahead by `lead` blocks. Clocked backends
 * (null, wav) are paced here with absolute deadlines; a callback backend
 * (jack) calls sink_period() from its own RT thread instead.
 *
 * What it does not do: decide roles, log from the RT thread, or block on I/O:
 * the wav backend's file writes happen on a separate, non-RT writer thread.
 */
#ifndef RTAUDIOD_SINK_H
#define RTAUDIOD_SINK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "group.h"
#include "play.h"
#include "rtprio.h"

struct sink;

struct sink_backend {
	const char *name;
	/* Loop thread, before the sink thread starts. 0 or -errno with err set. */
	int (*open)(struct sink *s, char *err, size_t errlen);
	/* Sink thread (RT): consume one block of s->play.frames frames. */
	void (*write)(struct sink *s, const float *buf);
	/* Loop thread, after the sink thread stopped: flush and release. */
	void (*close)(struct sink *s);
};

enum sink_state { SINK_IDLE = 0, SINK_WAITING = 1, SINK_RUNNING = 2, SINK_STOPPED = 3 };

struct sink {
	const struct config *cfg;
	struct group *gr;
	const struct sink_backend *be;
	void *priv;                 /* backend state */
	struct play play;
	uint64_t period_ns;
	pthread_t thread;
	bool thread_started;
	_Atomic int stop;
	_Atomic int state;          /* enum sink_state */
	_Atomic uint64_t beat_ns;   /* last time the sink thread went round its loop */
	_Atomic uint64_t late;      /* periods started over half a period late */
	_Atomic uint64_t started_ns;/* when the first real block was played */
	_Atomic uint64_t stall_ns;  /* test hook: sleep this long once (SIGUSR2 sets it) */
	struct rtprio_status rt;
};

/*
 * Open the backend named by cfg->sink and start the sink thread on `gr`.
 * Returns 0, or -errno with a reason in err (nothing left running).
 */
int sink_start(struct sink *s, struct group *gr, const struct config *cfg, char *err,
               size_t errlen);

/* Stop and join the sink thread, close the backend. Idempotent. */
void sink_stop(struct sink *s);

/* Backend name, and whether the first block of real audio was played. */
const char *sink_name(const struct sink *s);
bool sink_playing(const struct sink *s);

extern const struct sink_backend sink_null_backend;
extern const struct sink_backend sink_wav_backend;

#endif
