/*
 * sink_jack_int.h - what sink_jack.c (the client, its callbacks, start-up
 * and shutdown) shares with sink_jack_link.c (the link thread), and nothing
 * else: not part of the sink interface (sink.h).
 */
#ifndef RTAUDIOD_SINK_JACK_INT_H
#define RTAUDIOD_SINK_JACK_INT_H

#include <jack/jack.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sink.h"

#define JK_REASON_MAX 128

struct jk {
	/* The loop thread until the link thread starts, then only the link thread. */
	jack_client_t *client;                    /* NULL while the server is away */
	jack_port_t *port[LAYOUT_MAX_CHANNELS];   /* set before jack_activate */
	jack_port_t *iport[LAYOUT_MAX_CHANNELS];  /* live input: in_1..N */
	float *out[LAYOUT_MAX_CHANNELS];          /* process callback only */
	_Atomic int gone;                         /* shutdown callback -> link */
	_Atomic uint32_t server_frames;           /* buffer-size callback -> link */
	_Atomic uint32_t wake;                    /* futex word the link thread waits on */
	_Atomic int stop;                         /* loop -> link: exit */
	_Atomic uint32_t exited;                  /* link -> loop: returned (futex word) */
	_Atomic int32_t ntid;                     /* libjack's notification thread, by tid */
	char reason[JK_REASON_MAX];               /* written before `gone` is set */
	pthread_t link;
	bool link_started;
	/* link thread only */
	uint64_t down_ns;                         /* when the audio stopped */
	uint64_t lost_ns;                         /* when the server last went */
	uint64_t retry_ns;                        /* next reconnect attempt */
	uint64_t close_by;                        /* lost: close by then, quiet or not */
	bool closing;                             /* lost, its client not closed yet */
	bool active;                              /* client activated: played into */
	uint32_t frames_logged;                   /* last server size reported */
	uint32_t bad_rate_logged, bad_frames_logged;
	bool activate_logged;                     /* a failed reactivation said */
	uint64_t active_ns;                       /* when last activated */
	bool pipewire;                            /* libjack is PipeWire's (jk_start) */
};

/* JACK_DEFAULT_SERVER, or "default": for messages. Any thread. */
const char *jk_server_name(void);

/*
 * Open s->priv's client (never starting a server, exact name), its shutdown
 * callback set (it raises `gone`). 0, or -EEXIST (name taken), -ECONNREFUSED
 * (no server), -EPROTO, -EIO with `err` saying why. Blocks for as long as
 * the server takes to answer: loop thread at start-up, link thread after.
 */
int jk_client_open(struct sink *s, const char *name, char *err, size_t errlen);

/* Close j->client if open (deactivates it first); forgets its ports. */
void jk_client_close(struct jk *j);

/*
 * Set the other callbacks, register the ports, activate, connect: on a
 * client not activated yet. 0 or -EIO with `err`. May be called again on
 * the same client after a failure: a port registered by the failed call is
 * kept, not registered twice (the link thread retries rather than close a
 * live client, sink_jack_link.c); at start-up the caller closes it.
 */
int jk_activate(struct sink *s, char *err, size_t errlen);

/* The link thread (pthread_create with the sink); owns j->client from then on. */
void *jk_link(void *arg);

/* Wait up to JK_JOIN_NS for the link thread to return; true if it did. */
bool jk_link_exited(struct jk *j);

#endif
