/*
 * super.h - the supervisor: replica processes, watchdog, failover.
 *
 * What it does: has each replica spawned (spawn.c: uv_spawn, own process
 * group, restart backoff), makes the first one ready PRIMARY and on a
 * failover the lowest-index healthy standby, watches heartbeats from a
 * uv_timer every interval_ms, reacts to deaths (the libuv exit callback) and stalls
 * (heartbeat older than stall_periods periods) and corruption (a segment
 * resized or cut under the daemon, a bad header or heartbeat, blocks failing
 * their checksum at the sink): demotes the primary at once,
 * promotes a standby (epoch + 1), fences the bad process (SIGKILL to its
 * group), respawns it as STANDBY with exponential backoff, and records each
 * failover (kept by failover.c: reason, detection latency, blocks rescued,
 * samples lost). After start_limit quick deaths in a row a slot waits at the
 * maximum backoff and the daemon is "degraded": never a busy loop, never an
 * exit.
 *
 * What it does not do: play audio (sink.c) or talk to clients (ctl.c, cmd.c).
 * Everything here runs on the loop thread.
 */
#ifndef RTAUDIOD_SUPER_H
#define RTAUDIOD_SUPER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "confine.h"
#include "failover.h"
#include "group.h"
#include "judge.h"
#include "sink.h"

enum daemon_state { DSTATE_STARTING = 0, DSTATE_RUNNING, DSTATE_DEGRADED, DSTATE_STOPPING };
#define SUPER_WAITERS      16u

struct super;

struct slot {
	struct super *sup;
	uint32_t index;
	uv_process_t *proc;     /* NULL when no process; freed in its close callback */
	int pid;
	int role;               /* enum replica_role */
	uint64_t spawn_ns;
	uint64_t kill_ns;       /* when we fenced it, 0 if we did not */
	int kill_reason;        /* enum failover_reason, or -1 */
	unsigned restarts;
	unsigned quick_deaths;
	uint64_t healthy_ns;    /* heartbeating on time since then (0: not now) */
	bool restart_pending;
	bool late_logged;       /* "late, no standby" already said */
	uv_timer_t restart;     /* embedded; closed by super_close() */
	int last_exit;          /* exit status or -signal of the last death */
	bool tainted;           /* its segment was damaged: rebuild it before a respawn */
	uint64_t bad_seen;      /* sink's bad_from[index] already acted on */
	uint32_t event_seen;    /* its event seqlock value already handled (notes.c) */
	struct judge_slot judge;/* judge.c: the sink's verdicts already acted on */
};

/* Reply hook for kill-primary: called once the death was seen and acted on. */
typedef void (*super_kill_cb)(void *arg, int index, int pid, int primary);

struct super {
	uv_loop_t *loop;
	struct config *cfg;
	struct group *gr;
	struct sink *sink;
	struct slot slot[LAYOUT_MAX_REPLICAS];
	uint32_t n;
	uv_timer_t watchdog;
	uint64_t note_window_ns;  /* notes.c's rate limit: window start, count, dropped */
	unsigned note_count;
	unsigned note_dropped;
	uv_timer_t grace;
	uint64_t epoch;
	int primary;            /* -1: none */
	int state;              /* enum daemon_state */
	bool stopping;
	unsigned live;          /* processes not yet reaped */
	void (*on_stopped)(struct super *);
	void (*on_event)(struct super *, const char *type, int index, const char *detail);
	void *user;
	struct failover_log fo;     /* failover.c */
	struct confine_cred cred;   /* whom replicas run as (confine.c) */
	uint64_t underruns_seen;    /* sink underruns already reported */
	uint64_t dev_changes_seen;  /* sink device losses/returns already reported */
	uint64_t underrun_report_ns;/* last report: at most one a second */
	uint32_t prefer;            /* takeover hint during super_fence_replica, or 0 */
	struct judge judge;         /* judge.c: group-wide report times */
	uint64_t slips_seen;        /* sink clock slips already reported */
	uint64_t slip_ns_seen;
	uint64_t slip_report_ns;
	struct { super_kill_cb cb; void *arg; int index; int pid; } waiter[SUPER_WAITERS];
};

/* Initialise the timers and spawn every replica. 0 or -errno with err set. */
int super_start(struct super *s, uv_loop_t *loop, struct config *cfg, struct group *gr,
                struct sink *sink, char *err, size_t errlen);

/*
 * Begin shutdown: tell replicas to stop (shutdown flag, then SIGTERM, then
 * SIGKILL after a grace period). Calls on_stopped once every process has been
 * reaped (maybe before returning).
 */
void super_stop(struct super *s);

/* Close the supervisor's timers (after super_stop completed). */
void super_close(struct super *s);

/*
 * kill-primary: SIGKILL the primary's process group; `cb` is called with its
 * index and pid and the new primary once the exit was handled. Unless
 * `force`, refuses when no standby is healthy: a failover drill must not
 * become an outage (a standby being fenced or respawned, a lone replica).
 * Returns 0, -ESRCH if there is no primary, -EAGAIN if no standby could
 * take over, -EBUSY if too many requests are pending.
 */
int super_kill_primary(struct super *s, bool force, super_kill_cb cb, void *arg);

/* Forget pending kill-primary callbacks for `arg` (the client went away). */
void super_cancel(struct super *s, void *arg);

/* failover: hand over to a healthy standby without killing. 0, -ESRCH, -EAGAIN. */
int super_failover(struct super *s, int *from, int *to);

/* Apply reloaded [watchdog] settings (interval). */
void super_reconfigure(struct super *s);

/*
 * For spawn.c, which owns the processes: slot `sl`'s process `pid` was
 * reaped (exit `status`, or killed by `term_signal` when non-zero); the
 * handle is already closed. Fails over if it was the primary, schedules its
 * restart, answers kill-primary waiters. Loop thread only.
 */
void super_reaped(struct slot *sl, int pid, int64_t status, int term_signal);

/*
 * (Re)start slot `sl`: rebuild its segment first if it was damaged, reset
 * its counters, spawn it as STARTING; on a spawn failure the slot is DEAD
 * and retried after the backoff. Does nothing while stopping. Loop thread.
 */
void super_respawn(struct slot *sl);

/*
 * Fence slot i for `reason` (judge.c: the sink found its output wrong): if
 * it is the primary, fail over to a healthy standby, one in the bit mask
 * `prefer` if any (the replicas that agree with the majority); else demote
 * it. Then SIGKILL it; it is respawned as usual. Does nothing if the slot has
 * no process or is already being fenced. Loop thread.
 */
void super_fence_replica(struct super *s, uint32_t i, int reason, uint32_t prefer);

/* Heartbeat age in µs of slot i (0 if unknown). */
uint64_t super_heartbeat_age_us(const struct super *s, uint32_t i);

const char *super_state_name(int state);
const char *super_role_name(int role);

#endif
