/*
 * slot.h - the supervision rules as one state machine (pure).
 *
 * What it does: holds each replica slot's state as one enum and the
 * group's few shared facts (primary, epoch, daemon state), and changes them
 * in one transition function, fsm_event(), over (slot state, event), in the
 * manner of s6-supervise's state/event table. Every decision of
 * supervision is made here: promote, fence, respawn and after how long
 * (the backoff), the grace a late replica gets, the takeover pick, refusing
 * or forcing kill-primary, degraded and recovered. Decisions come out as a
 * list of actions for the caller to carry out.
 *
 * What it does not do: read a clock, shared memory, processes or timers.
 * Time is an argument of every call; the heartbeat of each slot is handed
 * in (fsm_heard) by the caller, who validated it; carrying out an action
 * (kill, spawn, arming a timer, logging, emitting) is the caller's
 * (super.c). So the machine runs the same under a fake clock in the unit
 * tests (tests/unit/check_slot.c). Not thread-safe: one owner thread.
 *
 * The states and events, and what each pair does, are tabled in
 * rtaudiod(8), SUPERVISION STATE MACHINE.
 */
#ifndef RTAUDIOD_SLOT_H
#define RTAUDIOD_SLOT_H

#include <stdbool.h>
#include <stdint.h>

#include "failover.h"   /* enum failover_reason */
#include "layout.h"     /* LAYOUT_MAX_REPLICAS, enum replica_role */

enum fsm_state {
	FSM_EMPTY = 0,  /* no process and none coming (before start, after stop) */
	FSM_BACKOFF,    /* no process; respawn when the backoff expires */
	FSM_STARTING,   /* spawned, not yet ready */
	FSM_STANDBY,    /* ready, heartbeating on time */
	FSM_STANDBY_LATE, /* a standby whose heartbeat is late, within the grace */
	FSM_PRIMARY,    /* ready, the one the sink asks first */
	FSM_PRIMARY_LATE, /* a lone primary late within the grace */
	FSM_KILLING,    /* the primary, SIGKILLed by kill-primary: primary until reaped */
	FSM_FENCING,    /* fenced (SIGKILL sent), waiting to be reaped */
	FSM__STATES
};

enum fsm_event_id {
	EV_SPAWNED = 0,     /* a process was started for the slot */
	EV_SPAWN_FAILED,    /* starting it failed */
	EV_READY,           /* it says it is ready, with a valid heartbeat */
	EV_HB_FRESH,        /* its heartbeat is within the stall limit */
	EV_HB_STALE,        /* its heartbeat (or spawn, if none) is older: arg = age ns */
	EV_START_TIMEOUT,   /* not ready within FSM_START_TIMEOUT_NS of its spawn */
	EV_DAMAGED,         /* its segment or its blocks are corrupt */
	EV_FENCE_REQUEST,   /* the sink judged its output wrong: reason, prefer mask */
	EV_DYING,           /* its process is exiting, by its life lock: reason crash or sandbox */
	EV_EXITED,          /* its process was reaped: reason crash or sandbox */
	EV_BACKOFF_EXPIRED, /* the respawn delay is over */
	EV_STOP,            /* the daemon shuts down */
	FSM__EVENTS
};

/* What the caller must do, in order. */
enum fsm_action_id {
	ACT_ROLE = 0,   /* publish slot's role `arg` (enum replica_role) */
	ACT_PROMOTE,    /* publish leader `slot` (-1: none) at epoch `arg` */
	ACT_FAILOVER,   /* record: reason, from `slot` to `to`, fault at `arg` ns */
	ACT_FENCE,      /* SIGKILL slot's process group, reason `reason` */
	ACT_SPAWN,      /* start slot's process; `arg` 1: rebuild its segment first */
	ACT_RESPAWN_IN, /* call back EV_BACKOFF_EXPIRED in `arg` ms */
	ACT_READY,      /* say: slot is ready (and `to` is slot if it became primary) */
	ACT_LATE,       /* say: slot late by `arg` ns, waiting (`to` >= 0: lone primary) */
	ACT_STALLED,    /* say: slot stalled, no heartbeat for `arg` ns */
	ACT_NOT_READY,  /* say: slot not ready within the start time-out */
	ACT_CORRUPT,    /* say: slot's damage (the caller has the text) */
	ACT_FORGIVEN,   /* say: slot healthy long enough, `arg` quick deaths forgotten */
	ACT_STATE,      /* the daemon state became `arg` (enum daemon_state); `to`: 1
	                 * degraded, 2 recovered, 0 neither */
	FSM__ACTIONS
};

enum daemon_state { DSTATE_STARTING = 0, DSTATE_RUNNING, DSTATE_DEGRADED, DSTATE_STOPPING };

#define FSM_START_TIMEOUT_NS (5ull * 1000000000ull) /* spawn to READY */
#define FSM_QUICK_DEATH_NS   (1ull * 1000000000ull) /* lived less: counts toward start_limit */
#define FSM_LATE_GRACE       4u                     /* x the stall limit, see slot.c */
#define FSM_ACTIONS_MAX      32u

struct fsm_action {
	enum fsm_action_id id;
	int slot;
	int to;
	int reason;         /* enum failover_reason, or -1 */
	uint64_t arg;
};

struct fsm_actions {
	unsigned n;
	struct fsm_action a[FSM_ACTIONS_MAX];
};

/* The rules' numbers ([watchdog] of rtaudiod.conf(5), the period). */
struct fsm_policy {
	uint64_t stall_ns;          /* layout_stall_limit_ns(stall_periods, period) */
	uint64_t warm_ns;           /* a standby's limit when standbys are warm
	                               (layout_warm_limit_ns); 0: they are hot */
	uint64_t backoff_ms;        /* restart_backoff_ms */
	uint64_t backoff_max_ms;    /* restart_backoff_max_ms */
	unsigned start_limit;
};

struct fsm_slot {
	enum fsm_state state;
	uint64_t spawn_ns;      /* when its process started (0: none yet) */
	uint64_t hb_ns;         /* its last valid heartbeat (0: none), from fsm_heard */
	uint64_t since_ns;      /* its limit counts from here at the earliest: the
	                           spawn, or its promotion (a warm standby's last
	                           beat may be older than a primary's limit) */
	uint64_t kill_ns;       /* when we killed it (0: we did not) */
	int kill_reason;        /* enum failover_reason, or -1 */
	unsigned quick_deaths;  /* in a row, each under FSM_QUICK_DEATH_NS */
	unsigned restarts;      /* processes started, minus one */
	uint64_t healthy_ns;    /* on time since then (0: not now) */
	bool tainted;           /* its segment was damaged: rebuild before a respawn */
	bool spawned_once;
};

struct fsm {
	struct fsm_policy pol;
	struct fsm_slot s[LAYOUT_MAX_REPLICAS];
	uint32_t n;
	int primary;            /* -1: none */
	uint64_t epoch;
	int dstate;             /* enum daemon_state */
	bool stopping;
	bool playing;           /* the sink plays (the caller keeps it current) */
	uint64_t failovers;     /* failovers so far */
};

/* A machine of n slots, all EMPTY, no primary, epoch 0. Pure. */
void fsm_init(struct fsm *m, uint32_t n, const struct fsm_policy *pol);

/*
 * Begin: every EMPTY slot is spawned (ACT_SPAWN). Pure. The caller answers
 * each ACT_SPAWN with EV_SPAWNED or EV_SPAWN_FAILED.
 */
void fsm_start(struct fsm *m, uint64_t now, struct fsm_actions *out);

/* Slot i's heartbeat as last read and validated by the caller (0: none). */
void fsm_heard(struct fsm *m, uint32_t i, uint64_t hb_ns);

/*
 * THE transition function: event `ev` for slot i at `now`. `reason`
 * (enum failover_reason) matters to EV_FENCE_REQUEST, EV_DYING and EV_EXITED (the
 * failover's reason if it was the primary: crash, or sandbox for a death
 * by its seccomp filter; -1 means crash); `prefer` to EV_FENCE_REQUEST
 * only (the bit mask of replicas agreeing with the majority, preferred as
 * takeover);
 * `arg` to EV_HB_STALE (the heartbeat's age in ns). An event that means
 * nothing in the slot's state (a heartbeat for a slot being fenced) is
 * ignored. Appends the actions to `out` (which the caller empties), then
 * the daemon state's change if any. Pure.
 */
void fsm_event(struct fsm *m, uint32_t i, enum fsm_event_id ev, int reason, uint32_t prefer,
               uint64_t arg, uint64_t now, struct fsm_actions *out);

/* Re-evaluate the daemon state (after `playing` changed). Pure. */
void fsm_update(struct fsm *m, struct fsm_actions *out);

/*
 * The watchdog's question for slot i: which event its observations make,
 * or -1 for none. `ready`: the replica says READY. Only for live slots
 * (STARTING to PRIMARY_LATE); uses the heartbeat given to fsm_heard. Pure.
 */
int fsm_classify(const struct fsm *m, uint32_t i, bool ready, uint64_t now, uint64_t *age);

/*
 * kill-primary: the primary becomes KILLING (ACT_FENCE; the failover comes
 * with its EV_EXITED, counted from now). Refused unless `force` when no
 * standby is healthy (a drill must not become an outage). 0, -ESRCH (no
 * primary, or it is already being killed), -EAGAIN (no healthy standby). Pure.
 */
int fsm_kill_primary(struct fsm *m, bool force, uint64_t now, struct fsm_actions *out);

/* failover: hand over to a healthy standby, the old primary stays a standby.
 * 0 with *from and *to set, -ESRCH (no primary), -EAGAIN (no healthy standby). */
int fsm_failover(struct fsm *m, uint64_t now, int *from, int *to, struct fsm_actions *out);

/*
 * Who takes over from `except`: a healthy standby in `prefer`, else the
 * lowest-index healthy standby, else the live standby heard from last
 * (a late one still holds rendered blocks), else -1. Pure.
 */
int fsm_pick_takeover(const struct fsm *m, int except, uint32_t prefer, uint64_t now);

/* A STANDBY (not late, not fenced) heartbeating within the stall limit. */
bool fsm_healthy(const struct fsm *m, uint32_t i, uint64_t now);

/* Has a process that is neither being fenced nor killed (judge.c's "live"). */
bool fsm_live(const struct fsm *m, uint32_t i);

/* Has a process at all (not EMPTY or BACKOFF). */
bool fsm_has_process(const struct fsm *m, uint32_t i);

/* The role a state publishes. */
enum replica_role fsm_role(enum fsm_state st);

/* The restart delay in ms after `quick` quick deaths in a row. Pure. */
uint64_t fsm_backoff_ms(const struct fsm_policy *pol, unsigned quick);

/*
 * What must be watched of slot i between events, for daemon/watch.c's
 * thread: nothing (no process, or one being killed, or stopping); whether
 * it became ready (STARTING); or its heartbeat, which is stale once the
 * newest of (the heartbeat, *since_ns) is older than *limit_ns (the stall
 * limit, times FSM_LATE_GRACE for a late slot). Only says when to look;
 * what a look finds is decided by fsm_classify. Pure.
 */
enum fsm_watch_mode { FSM_WATCH_NONE, FSM_WATCH_READY, FSM_WATCH_HEARTBEAT };
enum fsm_watch_mode fsm_watch(const struct fsm *m, uint32_t i, uint64_t *since_ns,
                             uint64_t *limit_ns);

/* When the watchdog must next look, at the latest `latest` (from fsm_watch:
 * now while a slot is starting). Pure. */
uint64_t fsm_next_due(const struct fsm *m, uint64_t now, uint64_t latest);

/* What wait-ready, status "ready" and READY=1 mean: the primary's audio
 * reaches the sink. The one place this rule is written. */
bool fsm_ready(const struct fsm *m);

const char *fsm_state_name(enum fsm_state st);
/* enum daemon_state and enum replica_role as status shows them. */
const char *fsm_dstate_name(int state);
const char *fsm_role_name(int role);
const char *fsm_event_name(enum fsm_event_id ev);

#endif
