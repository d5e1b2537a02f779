/*
 * play.h - choose the block the sink plays at each deadline.
 *
 * What it does: for sequence number `next`, copies block `next` from the
 * primary's ring; if it is not there (dead, stalled, late) or fails its
 * check (length, CRC-32C of the copy: see crc32c.h), from a standby
 * ("rescued"); if no ring has it, fills silence and counts an underrun and
 * the samples lost. A block that fails its check is counted against the
 * replica it came from (bad_from), for the watchdog to fence that replica.
 * Counters are C11 atomics the loop thread reads.
 *
 * What it does not do: pace time (sink.c), output audio (sink backends), or
 * decide who is primary (super.c publishes the leader word; play reads it).
 * play_next() is the audio path: no allocation, lock, log or syscall.
 */
#ifndef RTAUDIOD_PLAY_H
#define RTAUDIOD_PLAY_H

#include <stdatomic.h>
#include <stdint.h>

#include "group.h"

struct play_stats {
	_Atomic uint64_t played;        /* blocks handed to the sink */
	_Atomic uint64_t from_primary;  /* ... taken from the primary's ring */
	_Atomic uint64_t rescued;       /* ... taken from another replica's ring */
	_Atomic uint64_t underruns;     /* blocks no ring had: silence */
	_Atomic uint64_t lost_samples;  /* frames x channels of silence played */
	_Atomic uint64_t bad_blocks;    /* blocks that failed validation (all replicas) */
	_Atomic uint64_t last_ok_ns;    /* when a real block was last played */
	_Atomic uint64_t last_underrun; /* sequence number of the last silent block */
	_Atomic uint64_t from_replica[LAYOUT_MAX_REPLICAS];
	_Atomic uint64_t bad_from[LAYOUT_MAX_REPLICAS]; /* ... per replica */
};

struct play {
	const struct group *gr;
	uint32_t frames;
	uint32_t channels;
	uint32_t block_bytes;
	uint64_t next;          /* sink thread only */
	float *buf;             /* block_bytes, allocated by play_init */
	struct play_stats st;
};

/* Allocate the block buffer (locked, pre-faulted by touching). 0 or -ENOMEM. */
int play_init(struct play *p, const struct group *gr, uint32_t frames, uint32_t channels);
void play_free(struct play *p);

/*
 * Sink thread: true if block `seq` is available, intact, from some replica
 * now (used to wait for the first audio before starting the clock). Counts
 * nothing. RT-safe.
 */
int play_peek(const struct play *p, uint64_t seq);

/*
 * Sink thread: fill p->buf with block p->next and advance next. Returns the
 * replica index the block came from, or -1 for silence. RT-safe.
 */
int play_next(struct play *p);

/* Reset the counters (stats reset), any thread. */
void play_stats_reset(struct play *p);

#endif
