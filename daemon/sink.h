/*
 * sink.h - the sink and its backends.
 *
 * What it does: drives the group's clock. Each period the sink plays block
 * `next` (play.c), hands it to the backend, then publishes its position and
 * wakes the replicas (futex), which render ahead by `lead` blocks. Clocked
 * backends (null, wav) are paced by sink.c's own real-time thread with
 * absolute deadlines; a callback backend (jack) calls sink_prime() and
 * sink_period() from the audio server's real-time thread instead, so the
 * server's clock is the group's clock; a device backend (alsa) runs a sink
 * thread of its own that waits on the device, so the device's clock is.
 *
 * What it does not do: decide roles, log from a real-time thread, or block
 * on I/O there: the wav backend writes its file on a non-RT writer thread,
 * the jack backend reconnects from a non-RT link thread.
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
#include "rtthread.h"
#include "watch.h"

struct sink;

struct sink_backend {
	const char *name;
	/*
	 * Loop thread, before the group exists; may be NULL. Reach the device
	 * and make the stream follow it (may change cfg->sample_rate and
	 * cfg->frames). 0 or -errno with err set.
	 */
	int (*probe)(struct sink *s, struct config *cfg, char *err, size_t errlen);
	/* Loop thread, once the group and s->play exist; may be NULL. 0 or -errno with err set. */
	int (*open)(struct sink *s, char *err, size_t errlen);
	/*
	 * Real-time context (the sink thread, or the device's thread through
	 * sink_period()): consume one block of s->play.frames frames.
	 */
	void (*write)(struct sink *s, const float *buf);
	/*
	 * Callback backends: make the device's thread start calling
	 * sink_prime()/sink_period() once per period. NULL for a clocked backend:
	 * sink.c then runs its own sink thread. 0 or -errno with err set.
	 */
	int (*start)(struct sink *s, char *err, size_t errlen);
	/*
	 * Loop thread: stop the device (after which write is never called again)
	 * and release whatever probe and open made; must cope with either having
	 * failed or not having run (s->priv NULL or partial).
	 */
	void (*close)(struct sink *s);
	/*
	 * Non-NULL if the backend can capture live input (the text says from
	 * where); its probe then refuses an input it cannot capture.
	 */
	const char *captures;
	/* start runs a sink thread of the backend's own (alsa): SIGUSR2's hook holds it. */
	bool own_thread;
};

enum sink_state { SINK_IDLE = 0, SINK_WAITING = 1, SINK_RUNNING = 2, SINK_STOPPED = 3 };

/* Sample formats a device backend may use (sink_format_name). */
enum sink_format {
	SINK_FMT_NONE = 0, SINK_FMT_FLOAT, SINK_FMT_S32, SINK_FMT_S24, SINK_FMT_S24_3, SINK_FMT_S16,
};

/*
 * What a device backend (alsa; jack: its server) says about its device,
 * for status and the watchdog's events. name is set before start and then
 * fixed; the rest are written by the backend's threads and read by the
 * loop thread.
 */
struct sink_dev {
	char name[128];
	_Atomic int up;             /* 1: playing into it; 0: lost, being reopened */
	_Atomic uint32_t format;    /* enum sink_format */
	_Atomic uint32_t rate, period, buffer;   /* Hz, frames, frames */
	_Atomic uint64_t xruns;     /* underruns recovered */
	_Atomic uint64_t paced;     /* periods held: the device took them too fast (alsa) */
	_Atomic uint64_t losses;    /* times the device went away */
	_Atomic uint64_t reopens;   /* times it came back */
	_Atomic uint64_t changes;   /* bumped at each loss and return (events) */
	/* Full duplex (alsa capture_device): the capture PCM beside it. */
	char cap_name[128];         /* "" without capture; fixed before start */
	_Atomic uint32_t cap_format;  /* enum sink_format */
	_Atomic uint32_t cap_channels, cap_buffer;
	_Atomic int cap_linked;     /* 1: snd_pcm_link()ed to the playback PCM */
	_Atomic uint64_t cap_xruns; /* overruns (and restarts) recovered */
};

/*
 * Page-aligned (so its size is whole pages): the sink thread writes its
 * counters and play state here every period, and sink_start() marks these
 * pages MADV_DONTFORK, so that spawning a replica (fork) does not
 * write-protect them and cost the sink thread a page fault each.
 */
#define SINK_ALIGN 4096

struct sink {
	_Alignas(SINK_ALIGN) struct config *cfg;
	struct group *gr;
	const struct sink_backend *be;
	void *priv;                 /* backend state */
	bool opened;                /* sink_open succeeded: close the backend on stop */
	bool play_ready;            /* play_init succeeded */
	struct play play;
	uint64_t period_ns;
	struct rtthread thread;     /* clocked backends */
	bool thread_started;
	struct watch_bell bell;     /* the supervisor's doorbell (watch.h): rung from here */
	_Atomic(struct watch *) watch; /* set by super_start; NULL: nothing to check */
	_Atomic int stop;
	_Atomic int state;          /* enum sink_state */
	_Atomic uint64_t beat_ns;   /* last time the sink went round a period */
	_Atomic uint64_t late;      /* clocked: periods started over half a period late;
	                               jack: xruns the server reported */
	_Atomic uint64_t slips;     /* clocked: times it fell behind its clock by more than a
	                               period (a SIGSTOP, a VM pause): that time is skipped */
	_Atomic uint64_t slip_ns;   /* the time skipped so, in all */
	_Atomic uint64_t started_ns;/* when the first real block was played */
	_Atomic uint64_t stall_ns;  /* test hook: sleep this long once (SIGUSR2 sets it;
	                               the clocked and alsa sinks' threads) */
	struct rtprio_status rt;    /* the sink thread's scheduling, once rt_ready */
	_Atomic int rt_ready;       /* the sink (or the device's) thread filled rt */
	struct rtprio_status mem;   /* the process's memory lock (mlocked fields), loop thread */
	uint64_t in_seq;            /* real-time context: input block being written */
	bool has_dev;               /* dev is meaningful (device backends) */
	struct sink_dev dev;
};

/* The clocked sink thread: its name (pthread_setname_np), stack, touched stack. */
#define SINK_THREAD_NAME "rtaudiod-sink"
#define SINK_STACK_BYTES (256u * 1024u)
#define SINK_STACK_TOUCH (64u * 1024u)

/*
 * Loop thread: the sink's real-time state for status - the scheduling of
 * the thread that runs the periods (the sink thread, or the JACK server's
 * thread as libjack reports it; policy NONE until that thread started) and
 * the daemon's memory lock (mlocked, mlock_error).
 */
void sink_rt_status(const struct sink *s, struct rtprio_status *st);

/*
 * Loop thread, before group_create(): choose the backend named by cfg->sink
 * and let it reach its device. A backend that has a clock of its own (jack)
 * may change cfg->sample_rate and cfg->frames so that the group is created
 * at the device's rate and block size; it logs when it does. Returns 0, or
 * -errno with a reason in err (nothing left open).
 */
int sink_open(struct sink *s, struct config *cfg, char *err, size_t errlen);

/*
 * Loop thread, after sink_open() and group_create(): allocate the play
 * buffer, open the backend and start the audio (the sink thread, or the
 * device's callbacks). Returns 0, or -errno
 * with a reason in err; on failure call sink_stop() to release the backend.
 */
int sink_start(struct sink *s, struct group *gr, char *err, size_t errlen);

/*
 * Loop thread: stop the audio (join the sink thread or stop the device),
 * close the backend, free the play buffer. Safe after a
 * failed or partial start, and idempotent.
 */
void sink_stop(struct sink *s);

/*
 * Real-time context, before the first period: true once the group has
 * rendered its first `lead` blocks (state becomes SINK_RUNNING); until then
 * publishes position 0 and wakes the replicas so they keep rendering. No
 * allocation, lock, log or syscall but clock and futex calls.
 */
bool sink_prime(struct sink *s);

/*
 * Real-time context, once per period after sink_prime() returned true: play
 * block `next` (primary, standby or silence), hand it to the backend's
 * write, publish the new position, wake the replicas, beat. Returns the time
 * it finished (CLOCK_MONOTONIC ns). Same rules as sink_prime().
 */
uint64_t sink_period(struct sink *s);

/*
 * Real-time context, once per period before sink_period(), live input only:
 * the payload of input block next + lead (one block of input_channels
 * interleaved floats) to fill, or NULL when the group has no input; then
 * sink_input_commit() with the same pointer publishes it (its CRC-32C
 * stamped like a replica's block). Output block s is rendered from input
 * block s, so the input captured in the period that plays block p is heard
 * in block p + lead: the latency is lead periods plus the capture period.
 * Only the sink's thread writes the input ring. No allocation, lock, log or
 * syscall.
 */
float *sink_input_begin(struct sink *s);
void sink_input_commit(struct sink *s, const float *p);

/* Backend name, and whether the first block of real audio was played. */
const char *sink_name(const struct sink *s);
/* Name of an enum sink_format value ("FLOAT_LE", "S16_LE", ...; "" for none). */
const char *sink_format_name(uint32_t fmt);
bool sink_playing(const struct sink *s);

/*
 * The sink thread's SCHED_FIFO priority: one above the replicas'
 * ([group] rt_priority), at most 99. Its deadline is the audio's, and a
 * replica pre-rolling (a burst of several periods of CPU at its priority
 * on a shared core) must not hold it back: among equal SCHED_FIFO
 * priorities nobody preempts anybody. Pure.
 */
static inline int sink_rt_priority(const struct config *cfg)
{
	return cfg->rt_priority < 99 ? cfg->rt_priority + 1 : 99;
}

extern const struct sink_backend sink_null_backend;
extern const struct sink_backend sink_wav_backend;
#ifdef HAVE_JACK
extern const struct sink_backend sink_jack_backend;
#endif
#ifdef HAVE_ALSA
extern const struct sink_backend sink_alsa_backend;
#endif

#endif
