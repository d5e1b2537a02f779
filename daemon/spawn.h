/*
 * spawn.h - replica processes: start one, reap it, start it again later.
 *
 * What it does: builds a replica's command line (group, index, parent pid,
 * CPU when cpu_affinity spreads them), starts it with uv_spawn in its own
 * process group (so a fence is one kill(-pid)), owns the uv_process_t and
 * frees it in its close callback, and runs the per-slot restart timer with
 * the exponential backoff of rtaudiod.conf(5).
 *
 * What it does not do: decide anything. Whether a death costs a failover,
 * whether a segment must be rebuilt before a respawn, what the daemon's
 * state becomes: super.c decides, told of each death by super_reaped() and
 * of each due restart by super_respawn(). Everything here runs on the loop
 * thread.
 */
#ifndef RTAUDIOD_SPAWN_H
#define RTAUDIOD_SPAWN_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct slot;

/*
 * Start slot `sl`'s replica process. On success sets sl->proc, sl->pid and
 * sl->spawn_ns and returns 0; the process's exit is then reported once
 * through super_reaped(). On failure returns a negative libuv error and
 * leaves sl->proc NULL (the handle is closed and freed here). Runs out of
 * memory fatally, like the rest of the daemon's loop-thread allocations.
 */
int spawn_start(struct slot *sl);

/*
 * Arm sl's restart timer: after restart_backoff_ms, doubled for each quick
 * death in a row (`quick` says this one was), capped at
 * restart_backoff_max_ms, which is also the delay once start_limit quick
 * deaths are reached. Calls super_respawn(sl) when due.
 */
void spawn_restart_later(struct slot *sl, bool quick);

#endif
