/*
 * play.h - choose the block the sink plays at each deadline.
 *
 * What it does: for sequence number `next`, reads the header (length and
 * CRC-32C) of every replica's copy of block `next` and
 *  - measures bit-identity: compares the primary's CRC with each hot
 *    standby's (per standby: identical / diverged, and since when);
 *  - with `vote = majority` and two or more voting copies (primary and
 *    standbys), takes the copy whose CRC a strict majority shares, counts
 *    the minority as outvoted and asks for a replica outvoted vote_strikes
 *    times in a row to be fenced; with no majority it plays what vote = off
 *    would (the primary's copy first) and counts it;
 *  - copies the chosen block, checks it (length, CRC of the copy: see
 *    crc32c.h) and guards its content: a block with a NaN, an infinity or a
 *    sample beyond max_level is never played; the next copy with other
 *    contents is tried, then silence (counted as an underrun). A replica
 *    whose copy is bad content_strikes times in a row is asked to be fenced;
 *  - if no ring has a good copy, fills silence and counts an underrun and the
 *    samples lost. A block that fails its check is counted against the
 *    replica it came from (bad_from), for the watchdog to fence it.
 * Counters are C11 atomics the loop thread reads; fence requests are
 * counters too (judge.c compares them with what it already acted on).
 *
 * What it does not do: pace time (sink.c), output audio (sink backends),
 * decide who is primary (super.c publishes the leader word and the roles;
 * play reads them), fence, log or emit events (judge.c, on the loop thread).
 * play_next() is the audio path: no allocation, lock, log or syscall.
 */
#ifndef RTAUDIOD_PLAY_H
#define RTAUDIOD_PLAY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "group.h"

enum play_vote { PLAY_VOTE_OFF = 0, PLAY_VOTE_MAJORITY = 1 };
enum play_sync { SYNC_UNKNOWN = 0, SYNC_IDENTICAL = 1, SYNC_DIVERGED = 2 };

/* What the sink enforces; fixed while it runs (set before sink_start's thread). */
struct play_policy {
	unsigned vote;             /* enum play_vote */
	unsigned vote_strikes;     /* outvoted this many blocks in a row: fence */
	unsigned content_strikes;  /* bad content this many blocks in a row: fence */
	float max_abs;             /* |sample| above this (or NaN) is bad content */
};

/* Per replica, written by the sink thread (reset_req by the loop thread). */
struct play_replica {
	_Atomic uint64_t identical;     /* blocks whose CRC equalled the primary's */
	_Atomic uint64_t diverged;      /* ... differed from it */
	_Atomic uint64_t since;         /* first block of the current identical run */
	_Atomic uint64_t last_diverged; /* last block that differed */
	_Atomic uint32_t sync;          /* enum play_sync */
	_Atomic uint64_t outvoted;      /* blocks in the minority of a vote */
	_Atomic uint64_t bad_content;   /* copies with NaN, Inf or beyond max_level */
	_Atomic uint64_t fence_outvoted;/* times vote_strikes in a row were reached */
	_Atomic uint64_t fence_content; /* times content_strikes in a row were reached */
	_Atomic uint64_t reset_req;     /* loop thread: +1 = forget this slot (respawn) */
};

struct play_stats {
	_Atomic uint64_t played;        /* blocks handed to the sink */
	_Atomic uint64_t from_primary;  /* ... taken from the primary's ring */
	_Atomic uint64_t rescued;       /* ... taken from another replica's ring */
	_Atomic uint64_t underruns;     /* blocks no ring had (or none good): silence */
	_Atomic uint64_t lost_samples;  /* frames x channels of silence played */
	_Atomic uint64_t bad_blocks;    /* blocks that failed validation (all replicas) */
	_Atomic uint64_t last_ok_ns;    /* when a real block was last played */
	_Atomic uint64_t last_underrun; /* sequence number of the last silent block */
	_Atomic uint64_t voted;         /* blocks decided by a strict majority */
	_Atomic uint64_t no_majority;   /* votes with no majority (tie): primary first */
	_Atomic uint64_t outvoted;      /* minority copies, all replicas */
	_Atomic uint64_t bad_content;   /* copies refused by the content guard */
	_Atomic uint64_t guard_silence; /* blocks silenced because every copy was bad */
	_Atomic uint32_t majority;      /* bit mask of the last majority (takeover hint) */
	_Atomic uint64_t from_replica[LAYOUT_MAX_REPLICAS];
	_Atomic uint64_t bad_from[LAYOUT_MAX_REPLICAS]; /* ... per replica */
};

/* Sink thread only: the runs behind the fence requests. */
struct play_run {
	uint32_t strikes;        /* outvoted in a row */
	uint32_t content;        /* bad content in a row */
	uint64_t reset_seen;
};

struct play {
	const struct group *gr;
	uint32_t frames;
	uint32_t channels;
	uint32_t block_bytes;
	uint64_t next;          /* sink thread only */
	float *buf;             /* block_bytes, allocated by play_init */
	float *scratch;         /* block_bytes: judging copies that are not played */
	struct play_policy pol;
	struct play_run run[LAYOUT_MAX_REPLICAS];
	struct play_replica rep[LAYOUT_MAX_REPLICAS];
	struct play_stats st;
};

/*
 * Allocate the block buffers (locked, pre-faulted by touching); the policy
 * starts as vote off, 3 strikes each, max_level +12 dBFS. 0 or -ENOMEM.
 */
int play_init(struct play *p, const struct group *gr, uint32_t frames, uint32_t channels);
void play_free(struct play *p);

/*
 * Loop thread, before the sink's first period: the rules to enforce.
 * `max_level_db` is in dBFS (0 = full scale 1.0). Strikes below 1 are 1.
 */
void play_set_policy(struct play *p, unsigned vote, unsigned vote_strikes,
                     unsigned content_strikes, double max_level_db);

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

/*
 * Loop thread, when slot i is respawned: its sync state, counters and runs
 * start again from unknown (the sink does it at its next block). Any thread.
 */
void play_forget(struct play *p, uint32_t i);

/* Reset the counters (stats reset), any thread; the sync states start over too. */
void play_stats_reset(struct play *p);

/* enum play_sync of replica i as the sink last measured it. Any thread. */
int play_sync_of(const struct play *p, uint32_t i);

/* "unknown", "identical", "diverged"; a static string. */
const char *play_sync_name(int sync);

/*
 * Pure, audio-path safe: whether none of the n samples of x is NaN, infinite
 * or of magnitude above max_abs.
 */
bool play_content_ok(const float *x, uint32_t n, float max_abs);

#endif
