/*
 * watch.h - the supervisor's doorbell: stalls and starts reach the loop
 * thread as events, so that it does not poll heartbeats.
 *
 * What it does: the loop publishes, after each change of the state machine,
 * what is to be watched of each slot (fsm_watch: its heartbeat against a
 * limit, or whether a starting replica is ready). The sink thread, which is
 * awake each period anyway, compares the heartbeats with their limits
 * (watch_check: a few atomic loads) and rings the bell, a futex word, when
 * one will be stale before its next look, with the moment it will. A small
 * thread ("rtaudiod-watch") sleeps on the bell until that moment, looks
 * again (the heartbeat may have come), polls starting replicas every
 * interval_ms, and wakes the loop (uv_async_send, which the sink thread may
 * not call) at most once per interval_ms. So a stall is seen when it
 * happens, as a timer would see it, but with no wake-up while heartbeats
 * come on time; between events the loop thread wakes only for its slow
 * tick.
 * It also sleeps on each ready replica's life lock (lib/life.h), which the
 * kernel marks when the replica's process dies, before its memory is freed
 * and long before the reap: a crash wakes the loop at once (watch_life).
 * What it does not do: decide anything (the loop's state machine classifies
 * what it finds: slot.c), log, or read a segment but for the heartbeat,
 * state and life lock words. Without a running sink (before the audio starts, a device
 * being retried) stalls are seen by the loop's slow tick only.
 */
#ifndef RTAUDIOD_WATCH_H
#define RTAUDIOD_WATCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "group.h"
#include "slot.h"

/* Written by the sink thread: lives in its DONTFORK'd state (struct sink). */
struct watch_bell {
	_Atomic uint32_t word;      /* futex word the watcher sleeps on: bumped by a
	                               publish, a ring and stop */
	_Atomic uint64_t due_ns;    /* the sink's last ring: when a heartbeat goes stale */
	uint64_t rung_at;           /* sink thread only: the due time it last rang with */
	uint64_t verdicts_seen;     /* sink thread only: its verdict count last rung for */
	_Atomic uint32_t verdict_rings; /* rings for new verdicts so far */
	uint64_t period_ns;         /* how far ahead the sink looks: until its next look */
};

struct watch_slot {
	_Atomic uint32_t mode;      /* enum fsm_watch_mode */
	_Atomic uint64_t since_ns;
	_Atomic uint64_t limit_ns;
	_Atomic uint32_t life_pid;  /* loop: the process whose life lock to watch (0: none) */
	_Atomic uint32_t dying_pid; /* watcher: that process is exiting (0: nothing new) */
	_Atomic int32_t dying_code; /* its exit code, as waitpid would say it */
	_Atomic uint32_t refused_pid; /* watcher: that process's life lock was given up on */
};

struct watch {
	struct group *gr;
	struct watch_bell *bell;
	uv_async_t async;           /* owned; closed by watch_close() */
	bool async_open;            /* uv_async_init succeeded: watch_close closes it */
	void (*cb)(void *arg);      /* loop thread, on a ring */
	void *arg;
	pthread_t tid;
	bool started;
	_Atomic uint64_t poll_ns;   /* a starting replica is looked at this often, and the
	                               loop woken at most this often */
	_Atomic uint32_t gen;       /* publishes so far */
	_Atomic int stop;
	struct watch_slot slot[LAYOUT_MAX_REPLICAS];
	uint32_t life_done[LAYOUT_MAX_REPLICAS]; /* watcher only: pid reported or given up on */
	uint32_t life_pid[LAYOUT_MAX_REPLICAS];  /* watcher only: the life self_wakes counts for */
	uint32_t self_wakes[LAYOUT_MAX_REPLICAS]; /* watcher only: its wakes of its own word */
	uint32_t blind_wakes;       /* watcher only: early returns nothing explained */
	bool life_off;              /* watcher only: no futex_waitv here */
	int rt_priority;            /* SCHED_FIFO priority asked for (0: none) */
	pid_t loop_tid;             /* the loop thread, to raise (0: never raised) */
	int loop_policy;            /* its policy at watch_start, given back after */
	_Atomic int loop_boosted;   /* the watcher raised it; the loop's next async lowers it */
};

/*
 * Start the watcher over group `gr` on `loop`, sleeping on *bell (the
 * sink's, which looks every period_ns); cb(arg) runs on the loop thread
 * each time it rings (coalesced). The thread runs at SCHED_FIFO
 * rt_priority where allowed (0: not real-time), so that it is not queued
 * behind a dying replica; when it rings for a death, a stale heartbeat or
 * a verdict (not for a readiness) it raises the calling (loop) thread to
 * SCHED_FIFO 1 until cb has run, then gives it back the policy it has now.
 * Nothing is watched until watch_publish(). *w is owned by the caller and
 * must stay in place until watch_close()'s handle is closed. Returns 0 or
 * -errno (uv or pthread errors; nothing left running, watch_close() still
 * due). Loop thread.
 */
int watch_start(struct watch *w, uv_loop_t *loop, struct group *gr, struct watch_bell *bell,
                uint64_t period_ns, uint64_t poll_ns, int rt_priority,
                void (*cb)(void *arg), void *arg);

/*
 * Tell the watcher and the sink what to watch now: each slot's mode, since
 * and limit as fsm_watch() gives them. Wakes the watcher (one futex wake:
 * call after state changes, not per period); re-arms the sink's ring. Loop
 * thread.
 */
void watch_publish(struct watch *w, const struct fsm *m);

/*
 * The sink thread's look, once a period (bell->period_ns apart): ring the
 * bell if a watched heartbeat will be older than its limit before the next
 * look (or is from the future), once per such moment, or if `verdicts`
 * (the sink's count of what the supervisor acts on: blocks that failed
 * their checksum, fence requests of the vote and the content guard, its
 * first block played) moved.
 * Audio-path safe: atomic loads, and a futex wake when it rings.
 */
void watch_check(struct watch *w, uint64_t now, uint64_t verdicts);

/*
 * Watch process `pid` of slot i through its life lock (lib/life.h), or
 * nothing (pid 0): the watcher sleeps on the lock's word with the bell,
 * and when the kernel marks it, checks in /proc/PID/stat that the process
 * is exiting and reads its exit code (set before its memory is freed, so
 * already there, but shown only to a daemon that may trace the replica:
 * root), and wakes the loop at once; watch_dying() then has it. A lock the
 * process does not hold as expected, or a mark with no exit under way (a
 * replica that lies), is given up on without a word: the reap still tells.
 * So is one the replica keeps waking (more than a few times a life), or,
 * when which one cannot be told, every watched lock after many early
 * returns nothing explains: a replica may not keep a real-time thread of
 * the daemon busy; watch_refused() says so. At a death the watcher lowers
 * the dying process to SCHED_OTHER and raises the loop thread to
 * SCHED_FIFO 1, below every audio thread, until it has looked (the async
 * callback gives it back its own policy; a loop started real-time is left
 * alone). Call once the replica is ready
 * (it took the lock before its renderer's open). Loop thread.
 */
void watch_life(struct watch *w, uint32_t i, uint32_t pid);

/*
 * The death the watcher heard of in slot i since the last call, if any:
 * true with *pid and *code (the exit code, as waitpid's status: a signal
 * number, | 0x80 with a core dump, or status << 8; 0: not ours to read).
 * Loop thread.
 */
bool watch_dying(struct watch *w, uint32_t i, uint32_t *pid, int *code);

/*
 * Whether the watcher gave up on slot i's life lock since the last call
 * (the replica woke it itself, see watch_life): true with *pid, once per
 * giving up. Loop thread.
 */
bool watch_refused(struct watch *w, uint32_t i, uint32_t *pid);

/* Stop and join the thread (idempotent). Loop thread. */
void watch_stop(struct watch *w);

/* Stop, then uv_close the async handle (no callback: *w is the caller's). */
void watch_close(struct watch *w);

#endif
