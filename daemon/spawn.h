/*
 * spawn.h - replica processes: start one, reap it, say so through a callback.
 *
 * What it does: builds a replica's command line (group, index, parent pid,
 * CPU when cpu_affinity spreads them), starts it in its own session and
 * process group (so a fence is one kill(-pid)), watches for its exit and
 * reaps it, and reports the exit once through the caller's callback, in
 * the way uv_spawn takes exit_cb. On Linux it starts it with spawn_clone
 * (no copy of our address space: spawn_clone.h says why) and hears of the
 * exit through a pidfd polled by the loop; elsewhere, or on a kernel
 * without pidfds, through uv_spawn. Either way it owns the handle and
 * frees it in its close callback.
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

struct spawn_handle;         /* spawn.c's: the poll of a pidfd, or a uv_process_t */

struct spawn_proc {
	struct spawn_handle *h; /* NULL when no process; freed in its close callback */
	int pid;                /* 0 when no process */
	spawn_exit_cb exit_cb;
	void *arg;
};

/*
 * Start replica `index` of group `gr` as `cfg` says, into `p` (which must
 * have no process): its segments passed as descriptors, as the user `cred`
 * names when it says to drop root. On success sets p->h and p->pid and
 * returns 0; the exit is then reported once through exit_cb(arg, ...). On
 * failure returns -errno (clone's, or the exec's: -ENOENT, -EACCES, ...),
 * a negative libuv error, or -ENOMEM, and leaves p->h NULL (a child whose
 * set-up or exec failed is reaped here, and no callback comes). `cfg`,
 * `gr` and `cred` are only read during the call. Runs out of handle memory
 * fatally, like the rest of the daemon's loop-thread allocations. Loop
 * thread.
 */
int spawn_start(struct spawn_proc *p, uv_loop_t *loop, const struct config *cfg,
                const struct group *gr, const struct confine_cred *cred, uint32_t index,
                spawn_exit_cb exit_cb, void *arg);

#endif
