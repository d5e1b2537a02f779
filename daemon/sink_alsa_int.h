/*
 * sink_alsa_int.h - what sink_alsa.c (the sink thread, start-up and
 * shutdown) shares with sink_alsa_link.c (opening the devices, and the link
 * thread that reopens them), and nothing else: not part of the sink
 * interface (sink.h). sink_alsa.h is what all three share with
 * sink_alsa_dev.c (one PCM).
 */
#ifndef RTAUDIOD_SINK_ALSA_INT_H
#define RTAUDIOD_SINK_ALSA_INT_H

#include <alsa/asoundlib.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtthread.h"
#include "sink.h"
#include "sink_alsa.h"

#define ALSA_STUCK_MS 500u                        /* no progress: the device is gone */
#define ALSA_BACKOFF_MIN_NS (100 * NSEC_PER_MSEC)
#define ALSA_BACKOFF_MAX_NS (5000 * NSEC_PER_MSEC)
#define ALSA_LINK_TICK_NS (100 * NSEC_PER_MSEC)
/* Xruns with no period written: pipewire-alsa's PCM, its server gone, fails
 * every write and every recovery succeeds (unbounded: a SCHED_FIFO spin). */
#define ALSA_XRUN_RUN_MAX 4u
#define ALSA_ERR_XRUNS (-ELOOP)                   /* a->failed: that bound hit */
#define ALSA_PACE_SLACK 256u                      /* al_pace: 1/256 (0.4%) fast at most */

/* A sink-thread wait for a device that has nothing yet (al_wait). */
struct al_waiting {
	uint64_t since;                  /* when it was first found missing (0: not yet) */
	bool ready;                      /* the last poll said ready */
};

struct al {
	/* Owned by the sink thread while `up`, by the loop/link thread otherwise. */
	snd_pcm_t *pcm;
	const struct al_fmt *fmt;
	snd_pcm_uframes_t buffer;
	bool prefill;                    /* write buffer - period of silence first */
	int failed;                      /* sink thread: the error that lost the device */
	uint32_t xrun_run;               /* sink thread: xruns since a period was written */
	uint64_t tat_ns;                 /* sink thread: al_pace's theoretical time */
	snd_pcm_t *cap;                  /* capture PCM; NULL without live input */
	const struct al_fmt *cfmt;
	bool linked;                     /* cap is snd_pcm_link()ed to pcm */
	bool cap_run;                    /* sink thread: the capture runs behind the playback */
	/* Fixed after probe. */
	unsigned char *conv;             /* one period in the widest format */
	unsigned char *zero;             /* one period of silence, likewise */
	unsigned char *craw;             /* one captured period, in the device's format */
	uint32_t wait_ms;                /* one snd_pcm_wait */
	/* Hand-over between the two threads. */
	_Atomic int up;                  /* 1: the sink thread owns pcm */
	_Atomic uint32_t sink_word;      /* futex: link -> sink (device back, stop) */
	_Atomic uint32_t link_word;      /* futex: sink -> link (device lost, stop) */
	_Atomic int stop;
	struct rtthread thread;          /* the sink thread (rtthread.h: no fork faults, no signals) */
	pthread_t link;
	bool thread_started, link_started;
	size_t conv_bytes, craw_bytes;   /* rtprio_rt_alloc sizes of conv/zero and craw */
	/* link thread only */
	uint64_t down_ns, retry_ns, backoff_ns;
	int last_err;                    /* last reopen error logged */
	bool lost;                       /* loss logged, PCMs not reopened yet */
	bool paced_logged;               /* al_pace's hold said once */
};

/* Loop thread (probe) or link thread (reopen): publish what the device took. */
void al_publish(struct sink *s, const struct al_fmt *fmt, const struct al_want *w);

/*
 * Loop or link thread: open [sink] capture_device beside a->pcm at exactly
 * the playback's rate and period (*play), and snd_pcm_link() them if they
 * can be; the capture's state published in s->dev. 0, or -errno with a
 * message in err and no capture open.
 */
int al_open_cap(struct sink *s, struct al *a, const struct config *cfg,
                const struct al_want *play, char *err, size_t errlen);

/*
 * The link thread (pthread start routine, arg the sink; normal priority):
 * while a->stop is 0, on each loss the sink thread hands over (a->up 0,
 * link_word bumped) log it, close both PCMs and reopen them with backoff,
 * then hand them back; also logs, once, that the sink paces a device that
 * does not keep time. Never touches the PCMs while a->up is 1.
 */
void *al_link(void *arg);

#endif
