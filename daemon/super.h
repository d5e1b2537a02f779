/*
 * super.h - the supervisor: replica processes, watchdog, failover.
 *
 * What it does: carries out what the state machine (slot.h) decides, on
 * the loop thread: has each replica spawned (spawn.c), feeds the machine
 * its events (a death from spawn.c's exit callback, heartbeats read from
 * replica memory by a uv_timer every interval_ms at the most, damage to a
 * segment or blocks failing their checksum at the sink, fence requests
 * from judge.c, kill-primary and failover from the control socket) and
 * does its actions: publish roles and the leader, SIGKILL a process group,
 * arm the per-slot restart timer, rebuild a damaged segment before a
 * respawn, record each failover (failover.c), log and emit events.
 *
 * What it does not do: decide (slot.c), play audio (sink.c) or talk to
 * clients (ctl.c, cmd.c). Everything here runs on the loop thread.
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
#include "slot.h"
#include "spawn.h"
#include "watch.h"

#define SUPER_WAITERS      16u

struct super;

/* A slot's mechanics; its state is the machine's (struct super.m.s[index]). */
struct slot {
	struct super *sup;
	uint32_t index;
	struct spawn_proc proc; /* spawn.c: the process, if any */
	uv_timer_t restart;     /* embedded; closed by super_close() */
	int last_exit;          /* exit status or -signal of the last death */
	bool died_unsure;       /* failed over by its life lock, the reason not known */
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
	uv_timer_t watchdog;    /* the slow tick, and failover records to settle */
	struct watch watch;     /* watch.c: rings the loop when a heartbeat goes stale */
	uint64_t note_window_ns;  /* notes.c's rate limit: window start, count, dropped */
	unsigned note_count;
	unsigned note_dropped;
	uv_timer_t grace;
	struct fsm m;           /* slot.c: every state and decision */
	unsigned live;          /* processes not yet reaped */
	void (*on_stopped)(struct super *);
	void (*on_event)(struct super *, const char *type, int index, const char *detail);
	void *user;
	struct failover_log fo;     /* failover.c */
	struct confine_cred cred;   /* whom replicas run as (confine.c) */
	uint64_t underruns_seen;    /* sink underruns already reported */
	uint64_t dev_changes_seen;  /* sink device losses/returns already reported */
	uint64_t underrun_report_ns;/* last report: at most one a second */
	struct judge judge;         /* judge.c: group-wide report times */
	uint64_t slips_seen;        /* sink clock slips already reported */
	uint64_t slip_ns_seen;
	uint64_t slip_report_ns;
	struct { super_kill_cb cb; void *arg; int index; int pid; } waiter[SUPER_WAITERS];
};

/*
 * Initialise the timers and the heartbeat watcher (watch.h), and spawn
 * every replica. 0 or -errno with err set; on an error no replica was
 * started, and super_stop() and super_close() are still due (every handle
 * is initialised before anything can fail).
 */
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
 * Fence slot i for `reason` (judge.c: the sink found its output wrong): if
 * it is the primary, fail over to a healthy standby, one in the bit mask
 * `prefer` if any (the replicas that agree with the majority); else demote
 * it. Then SIGKILL it; it is respawned as usual. Does nothing if the slot has
 * no process or is already being fenced. Loop thread.
 */
void super_fence_replica(struct super *s, uint32_t i, int reason, uint32_t prefer);

/* Heartbeat age in µs of slot i (0 if unknown). */
uint64_t super_heartbeat_age_us(const struct super *s, uint32_t i);

/* What status and stats say of slot i. */
struct super_slot_info {
	int pid;                /* 0: no process */
	int role;               /* enum replica_role */
	bool alive;             /* has a process that is not dead to us */
	unsigned restarts;      /* respawns so far */
	uint64_t heartbeat_age_us;
	const char *state;      /* fsm_state_name */
};
void super_slot_info(const struct super *s, uint32_t i, struct super_slot_info *out);

/* The primary's index, or -1. */
int super_primary(const struct super *s);

/* enum daemon_state. */
int super_state(const struct super *s);

/*
 * Whether the primary's audio reaches the sink: status "ready" (so
 * wait-ready) and READY=1 (notify.c) both ask this (fsm_ready). Loop thread.
 */
bool super_ready(struct super *s);

/* Slot i has a process the supervisor is not fencing or killing (judge.c). */
bool super_slot_live(const struct super *s, uint32_t i);


#endif
