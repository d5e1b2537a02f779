/*
 * group.h - the daemon's side of a group's shared memory.
 *
 * What it does: takes the group lock, removes stale segments an older daemon
 * left under /dev/shm, creates the group segment and one segment per replica,
 * all anonymous (memfds: no name a replica could open; each replica gets
 * its own and the group's as descriptors, spawn.c), seals the group segment
 * against writable mappings once mapped here,
 * writes the stream configuration, formats each replica's ring and attaches
 * the daemon's reading handles to it; publishes roles, the leader word and
 * parameter changes (choosing the sequence number a change applies at);
 * releases everything at shutdown. Keeps a read-write descriptor of each
 * replica segment, and has daemon/guard.c watch its mapping, so that a
 * replica that shrinks or scribbles over its segment can neither kill the
 * daemon (SIGBUS) nor keep its slot broken: the segment is checked and, if
 * need be, rebuilt in place before the slot is respawned.
 *
 * What it does not do: spawn or judge replicas (super.c), play audio
 * (play.c, sink.c). Everything here runs on the loop thread, except that the
 * sink thread reads the rings and the leader word through struct group.
 */
#ifndef RTAUDIOD_GROUP_H
#define RTAUDIOD_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "params.h"
#include "layout.h"
#include "ring.h"
#include "rtprio.h"
#include "shm.h"

struct group {
	char name[SHM_GROUP_MAX + 1];
	uint32_t n;                 /* replicas */
	uint32_t block_bytes;       /* payload of one block */
	uint32_t lead;
	uint64_t period_ns;
	size_t rbytes;              /* bytes of each replica segment */
	int lock_fd;
	struct shm_seg gseg;
	struct group_seg *g;
	struct shm_seg rseg[LAYOUT_MAX_REPLICAS];
	struct replica_seg *r[LAYOUT_MAX_REPLICAS];
	struct ring ring[LAYOUT_MAX_REPLICAS];  /* daemon's cached-geometry handles */
	uint32_t input_channels;    /* 0: no live input */
	uint32_t input_bytes;       /* one input block */
	struct ring in_ring;        /* the input ring in gseg; the sink thread writes it */
	int rfd[LAYOUT_MAX_REPLICAS];  /* replica segments, O_RDWR, close-on-exec; -1 */
	int gfd;                    /* the group segment, O_RDWR, sealed; -1 */
	bool sealed;                /* F_SEAL_FUTURE_WRITE took (Linux) */
	/* O_RDONLY descriptors for taps: [0] the group segment (also what
	 * replicas get as fd 3), [1 + i] replica i; -1. */
	int tapfd[1 + LAYOUT_MAX_REPLICAS];
};

/*
 * Create the group's shared memory from `cfg`. On failure writes a reason into
 * err, releases whatever was made and returns -errno (-EBUSY: another daemon
 * holds the group; -EEXIST: a foreign segment uses one of our names).
 */
int group_create(struct group *gr, const struct config *cfg, const struct params *pt,
                 const double *values, char *err, size_t errlen);

/* Unmap and close every segment, release the lock. Idempotent. */
void group_destroy(struct group *gr);

/* Reset replica slot i's segment header fields before a (re)spawn. */
void group_replica_reset(struct group *gr, uint32_t i);

/*
 * Loop thread: the current size of replica i's segment (fstat on the kept
 * descriptor: a replica can resize the object, never swap our descriptor).
 * Returns 0 with *size set, or -errno.
 */
int group_replica_size(const struct group *gr, uint32_t i, size_t *size);

/*
 * Loop thread: whether replica i's segment shows damage its writer (or
 * anyone who can write it) did, checked in this order: its header, read
 * first because that read is what a cut segment turns into a bus error
 * (guard.h gives zeros instead, and guard_hit() says so); its size (fstat);
 * the header's fields; a heartbeat that is nonzero but before `spawn_ns` or
 * after `latest_ns`. Writes a reason into why. Only compares numbers read
 * from the segment.
 */
bool group_replica_damaged(const struct group *gr, uint32_t i, uint64_t spawn_ns,
                           uint64_t latest_ns, char *why, size_t len);

/*
 * Loop thread, while slot i has no process: whether its segment can be
 * handed to a new replica as it is - the right size, not cut under our
 * mapping (guard_hit), a sane header, an intact ring header with the
 * group's geometry, and a ring head no further ahead than a replica could
 * have rendered. Reads untrusted memory: only compares numbers.
 */
bool group_replica_reusable(const struct group *gr, uint32_t i);

/*
 * Loop thread, while slot i has no process (its writer is dead): rebuild
 * replica i's segment in place - size it back with ftruncate on the kept
 * descriptor, map it again over the daemon's mapping if it had been cut
 * (guard_remap), zero its header page, stamp the header and format an empty
 * ring with the group's geometry. The daemon's ring handle stays valid (same
 * address and geometry); the sink, reading meanwhile, sees blocks missing,
 * never wrong ones (stamps, then checksums). Returns 0 or -errno (the slot
 * then stays unusable: the respawned replica will refuse the segment and
 * exit, which the supervisor's backoff handles).
 */
int group_replica_restore(struct group *gr, uint32_t i);

/* Publish role of slot i and, for the primary, the leader word; wakes replicas. */
void group_set_role(struct group *gr, uint32_t i, enum replica_role role);
void group_set_leader(struct group *gr, uint64_t epoch, uint32_t index);

/* Wake every replica: those waiting on the group's wake word and warm
 * standbys on its bell (layout.h). Loop thread; two futex wakes. */
void group_wake(struct group *gr);

/*
 * Make the values v[0..n-1] (one per entry of the group's parameter table,
 * validated by the caller) apply at a sequence number beyond every
 * replica's render horizon; stores it in *at. Returns 0 or -EBUSY (changes
 * too fast), -EINVAL (n is not the table's size).
 */
int group_set_params(struct group *gr, const double *v, uint32_t n, uint64_t *at);

/* The newest published values, v[LAYOUT_MAX_PARAMS]; returns how many. */
uint32_t group_params(const struct group *gr, double *v);

/* Sink position (next block to play). */
uint64_t group_position(const struct group *gr);

/*
 * For a tap: read-only descriptors (close-on-exec) of the group segment, into
 * fds[0], and of each replica segment i, into fds[1 + i]; `max` must be at
 * least 1 + gr->n. They are duplicates of descriptors group_create() opened
 * O_RDONLY while the names were surely ours, so a replica that replaces a
 * segment's name later cannot pass a tap its own object. The segments keep
 * their mode (0600): the descriptors are what grants access, to whoever they
 * are passed to. The caller closes them. Returns the number given, or -errno
 * (nothing left open; -ENOSPC if max is too small).
 */
int group_tap_fds(const struct group *gr, int *fds, size_t max);

/* What replica i published about itself (group_stats.c), as copied numbers. */
struct group_replica_info {
	struct rtprio_status rt;
	int64_t rendered_seq;       /* last block rendered, -1 before the first */
	int cpu;                    /* the CPU it runs on, -1 if not pinned or garbage */
	uint32_t state;             /* enum replica_state as it says (unchecked) */
	uint64_t preroll_ns;        /* as it says (unchecked) */
	char source[LAYOUT_NOTE_TEXT]; /* its status text, printable ASCII, or "" */
};
struct group_replica_stats {
	uint64_t blocks, wakeups, timeouts, overruns, late_renders, render_ns_max;
	int busy_median_pct, busy_p99_pct;  /* render-time histogram, % of the period */
};

/* Heartbeats further ahead of our clock than this are garbage. */
#define GROUP_FUTURE_SLACK_NS 1000000000ull

/*
 * Replica i's heartbeat (CLOCK_MONOTONIC ns), or 0 if it has none yet or
 * it is garbage: from before its process was spawned at `spawn_ns`, or
 * further than GROUP_FUTURE_SLACK_NS ahead of `now`. Loop thread.
 */
uint64_t group_replica_heartbeat(const struct group *gr, uint32_t i, uint64_t spawn_ns,
                                 uint64_t now);

/* Copy replica i's published state / counters out of its (untrusted)
 * segment. Loop thread; the replica may be writing: each number is one
 * atomic load, the set is not a snapshot. */
void group_replica_info(const struct group *gr, uint32_t i, struct group_replica_info *out);
void group_replica_stats(const struct group *gr, uint32_t i, struct group_replica_stats *out);

/* "stats reset": zero replica i's counters. Loop thread. */
void group_replica_stats_reset(struct group *gr, uint32_t i);

#endif
