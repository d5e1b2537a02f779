/*
 * spawn.h - replica processes: start one, reap it, say so through a callback.
 *
 * What it does: builds a replica's command line (group, index, parent pid,
 * CPU when cpu_affinity spreads them), starts it with uv_spawn in its own
 * process group (so a fence is one kill(-pid)), owns the uv_process_t and
 * frees it in its close callback, and reports the exit once through the
 * caller's callback, in the way uv_spawn takes exit_cb.
 *
 * What it does not do: decide anything, or know who called it (the caller
 * is an opaque pointer). Whether a death costs a failover, when to start
 * the process again (the backoff), whether a segment must be rebuilt first:
 * slot.c decides, super.c carries it out. Everything here runs on the loop
 * thread.
 */
#ifndef RTAUDIOD_SPAWN_H
#define RTAUDIOD_SPAWN_H

#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "confine.h"
#include "group.h"

/* The process `pid` was reaped: exit `status`, or killed by `term_signal`
 * when non-zero. The handle is already closed and p->pid is 0. */
typedef void (*spawn_exit_cb)(void *arg, int pid, int64_t status, int term_signal);

struct spawn_proc {
	uv_process_t *h;        /* NULL when no process; freed in its close callback */
	int pid;                /* 0 when no process */
	spawn_exit_cb exit_cb;
	void *arg;
};

/*
 * Start replica `index` of group `gr` as `cfg` says, into `p` (which must
 * have no process): its segments passed as descriptors, as the user `cred`
 * names when it says to drop root. On success sets p->h and p->pid and returns 0;
 * the exit is then reported once through exit_cb(arg, ...). On failure
 * returns a negative libuv error or -ENOMEM and leaves p->h NULL (the
 * handle is closed and freed here). `cfg`, `gr` and `cred` are only read
 * during the call. Runs out of handle memory fatally, like the rest of the
 * daemon's loop-thread allocations. Loop thread.
 */
int spawn_start(struct spawn_proc *p, uv_loop_t *loop, const struct config *cfg,
                const struct group *gr, const struct confine_cred *cred, uint32_t index,
                spawn_exit_cb exit_cb, void *arg);

#endif
