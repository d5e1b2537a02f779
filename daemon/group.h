/*
 * group.h - the daemon's side of a group's shared memory.
 *
 * What it does: takes the group lock, removes the group's stale segments,
 * creates the group segment and one segment per replica (mode 0600, O_EXCL),
 * writes the stream configuration, formats each replica's ring and attaches
 * the daemon's reading handles to it; publishes roles, the leader word and
 * parameter changes (choosing the sequence number a change applies at);
 * unlinks everything at shutdown.
 *
 * What it does not do: spawn or judge replicas (super.c), play audio
 * (play.c, sink.c). Everything here runs on the loop thread, except that the
 * sink thread reads the rings and the leader word through struct group.
 */
#ifndef RTAUDIOD_GROUP_H
#define RTAUDIOD_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "layout.h"
#include "ring.h"
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
};

/*
 * Create the group's shared memory from `cfg`. On failure writes a reason into
 * err, releases whatever was made and returns -errno (-EBUSY: another daemon
 * holds the group; -EEXIST: a foreign segment uses one of our names).
 */
int group_create(struct group *gr, const struct config *cfg, char *err, size_t errlen);

/* Unmap and unlink every segment, release the lock. Idempotent. */
void group_destroy(struct group *gr);

/* Reset replica slot i's segment header fields before a (re)spawn. */
void group_replica_reset(struct group *gr, uint32_t i);

/* Publish role of slot i and, for the primary, the leader word; wakes replicas. */
void group_set_role(struct group *gr, uint32_t i, enum replica_role role);
void group_set_leader(struct group *gr, uint64_t epoch, uint32_t index);

/* Wake every replica waiting on the group's futex word. */
void group_wake(struct group *gr);

/*
 * Make gain/pan apply at a sequence number beyond every replica's render
 * horizon; stores it in *at. Returns 0 or -EBUSY (changes too fast).
 */
int group_set_params(struct group *gr, double gain, double pan, uint64_t *at);

/* The newest published parameters. */
void group_params(const struct group *gr, double *gain, double *pan);

/* Sink position (next block to play). */
uint64_t group_position(const struct group *gr);

#endif
