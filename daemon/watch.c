/*
 * watch.c - the supervisor's doorbell (see watch.h).
 *
 * Does: the loop side's publish, the sink thread's check, and the watcher
 * thread that turns a ring (or a starting replica that became ready) into
 * a uv_async_send. The published table is atomics only: the loop writes the
 * slots and then bumps `gen` (release); readers load `gen` (acquire) first,
 * so a torn read can only make one look early or late, and the next
 * publish corrects it.
 * Life locks: the watcher sleeps on the bell and every watched life word
 * at once (futex_wait_any); where that call is missing, on the bell alone,
 * and deaths are heard at the reap.
 * Does not: read anything of a segment but heartbeat_ns, state and the
 * life word (the mappings stay in place for the daemon's life: a rebuild
 * rewrites them), log, allocate after start, or take locks.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "futex.h"
#include "layout.h"
#include "life.h"
#include "rtprio.h"
#include "watch.h"

#define WATCH_STACK_BYTES (64u * 1024u)
#define WATCH_IDLE_NS     (1000ull * NSEC_PER_MSEC)  /* nothing pending: look again in 1 s */
/*
 * The guard of a real-time watcher against replicas that wake it: an
 * honest replica never wakes its own life word (only the kernel does, with
 * the word marked), and nothing but a changed word makes the wait return
 * early. Past these budgets the life locks concerned are given up on.
 */
#define WATCH_SELF_WAKES  16u  /* per life: wakes with the word still "alive" */
#define WATCH_BLIND_WAKES 64u  /* per set of lives: early returns nothing explains */

/*
 * The loop's side of the hand-over (watch_boost): once it has
 * looked (cb), it goes back to the policy it had at watch_start. A boost
 * whose flag a callback already cleared is followed by an async that runs
 * this again, so the loop is never left real-time past the event it was
 * raised for.
 */
static void watch_on_async(uv_async_t *a)
{
	struct watch *w = a->data;

	w->cb(w->arg);
#ifdef __linux__
	if (atomic_exchange_explicit(&w->loop_boosted, 0, memory_order_acquire)) {
		struct sched_param sp = { .sched_priority = 0 };
		(void)sched_setscheduler(0, w->loop_policy, &sp);
	}
#endif
}

static void watch_bump(struct watch_bell *b)
{
	atomic_fetch_add_explicit(&b->word, 1, memory_order_release);
	(void)futex_wake(&b->word, 1);
}

/*
 * When the first watched heartbeat is (or will be) stale, as of `now`;
 * UINT64_MAX if none is watched. From the future counts as stale now: the
 * loop's damage check says it is garbage.
 */
static uint64_t watch_due(struct watch *w, uint64_t now)
{
	uint64_t due = UINT64_MAX;

	for (uint32_t i = 0; i < w->gr->n; i++) {
		const struct watch_slot *ws = &w->slot[i];
		if (atomic_load_explicit(&ws->mode, memory_order_relaxed) != FSM_WATCH_HEARTBEAT)
			continue;
		uint64_t hb = atomic_load_explicit(&w->gr->r[i]->heartbeat_ns, memory_order_acquire);
		uint64_t since = atomic_load_explicit(&ws->since_ns, memory_order_relaxed);
		uint64_t limit = atomic_load_explicit(&ws->limit_ns, memory_order_relaxed);
		uint64_t at = hb > now + GROUP_FUTURE_SLACK_NS ? now : (hb > since ? hb : since) + limit;
		if (at < due)
			due = at;
	}
	return due;
}

void watch_check(struct watch *w, uint64_t now, uint64_t verdicts)
{
	struct watch_bell *b = w->bell;

	if (verdicts != b->verdicts_seen) {
		b->verdicts_seen = verdicts;
		atomic_fetch_add_explicit(&b->verdict_rings, 1, memory_order_relaxed);
		watch_bump(b);
	}

	(void)atomic_load_explicit(&w->gen, memory_order_acquire);  /* the slots as published */
	uint64_t due = watch_due(w, now);
	if (due > now + b->period_ns || due == b->rung_at)
		return;  /* fresh until our next look, or rung for already */
	b->rung_at = due;
	atomic_store_explicit(&b->due_ns, due, memory_order_relaxed);
	watch_bump(b);
}

/* Whether a starting replica is ready; *poll: whether any is still starting. */
static bool watch_ready(struct watch *w, bool *poll)
{
	bool ready = false;

	*poll = false;
	for (uint32_t i = 0; i < w->gr->n; i++) {
		if (atomic_load_explicit(&w->slot[i].mode, memory_order_relaxed) != FSM_WATCH_READY)
			continue;
		if (atomic_load_explicit(&w->gr->r[i]->state, memory_order_acquire) == RSTATE_READY)
			ready = true;
		else
			*poll = true;
	}
	return ready;
}

#define WATCH_PF_EXITING 0x4u  /* include/linux/sched.h: the task is in do_exit() */

/*
 * Whether process `pid` is exiting, by /proc/PID/stat: its flags (field 9,
 * PF_EXITING) or its state (field 3, a zombie or dead); and *code, its exit
 * code (field 52, set by do_exit() before the memory is freed), which the
 * kernel shows only to who may trace it (0 then, as for "not yet").
 */
static bool watch_exiting(uint32_t pid, int *code)
{
	char path[32], buf[1024];
	ssize_t n;
	int fd;

	*code = 0;
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* After the command's ')' (which may itself hold blanks) come fields 3.. */
	char *p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ')
		return false;
	char state = p[2];
	unsigned long flags = 0;
	for (int field = 2; field < 52 && p != NULL; field++) {
		p = strchr(p + 1, ' ');
		if (p != NULL && field + 1 == 9)
			flags = strtoul(p + 1, NULL, 10);
		if (p != NULL && field + 1 == 52)
			*code = (int)strtol(p + 1, NULL, 10);
	}
	return (flags & WATCH_PF_EXITING) != 0 || state == 'Z' || state == 'X';
}

/*
 * The dying replica runs its exit (freeing its locked memory: hundreds of
 * microseconds) at its SCHED_FIFO priority, on a CPU the loop thread that
 * is about to be woken may be queued on; there the loop would wait behind
 * the teardown. Its pid is a zombie-to-be of ours, not reusable before
 * the loop reaps it, so lowering it now cannot touch another process.
 * Best effort: a daemon that may not (not root) leaves it as it is.
 */
static void watch_demote(uint32_t pid)
{
#ifdef __linux__
	struct sched_param sp = { .sched_priority = 0 };

	(void)sched_setscheduler((pid_t)pid, SCHED_OTHER, &sp);
#else
	(void)pid;
#endif
}

/*
 * Raise the loop thread, which is to act on what the watcher heard (a
 * death, a heartbeat gone stale, a verdict of the sink), to SCHED_FIFO 1
 * until it has (watch_on_async); not for a starting replica's readiness,
 * which waits for nothing. At SCHED_OTHER its wake-up waits for the
 * scheduler's fair share on a host whose other core runs the replicas and
 * the sink: in failover_bench, crash detection p99 was 494 to 768 us so,
 * against 430 to 535 us for a bare kill->waitpid in the same runs; raised,
 * 313 to 506 us in all runs but one (README). Priority 1 is below every
 * audio thread, so the loop can delay none of them; RESET_ON_FORK, so a
 * replacement it spawns meanwhile starts at SCHED_OTHER. Only where the
 * watcher itself was allowed real-time, and not when the loop was started
 * real-time by whoever runs the daemon (its policy is theirs); before the
 * async is sent.
 */
static void watch_boost(struct watch *w)
{
#ifdef __linux__
	struct sched_param sp = { .sched_priority = 1 };

	if (w->loop_tid > 0 &&
	    sched_setscheduler(w->loop_tid, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) == 0)
		atomic_store_explicit(&w->loop_boosted, 1, memory_order_release);
#else
	(void)w;
#endif
}

/* Give up on slot i's life lock (it is the replica's doing): its death is
 * heard at the reap, and the loop is told once (watch_refused). */
static void watch_refuse(struct watch *w, uint32_t i, uint32_t pid)
{
	w->life_done[i] = pid;
	atomic_store_explicit(&w->slot[i].refused_pid, pid, memory_order_release);
}

/*
 * Look at each watched life word: add the held ones to the wait
 * (words/expect from index *n on, slot_of naming their slots), report a
 * marked one whose process is exiting. True if one was reported; a word
 * that is neither is given up on without a word (the reap tells).
 */
static bool watch_lives(struct watch *w, _Atomic uint32_t **words, uint32_t *expect,
                        uint32_t *slot_of, unsigned *n)
{
	bool died = false;

	for (uint32_t i = 0; i < w->gr->n && i < LAYOUT_MAX_REPLICAS; i++) {
		struct watch_slot *ws = &w->slot[i];
		uint32_t pid = atomic_load_explicit(&ws->life_pid, memory_order_acquire);

		if (pid == 0 || pid == w->life_done[i])
			continue;
		if (pid != w->life_pid[i]) {  /* a new life: a new budget */
			w->life_pid[i] = pid;
			w->self_wakes[i] = 0;
		}
		_Atomic uint32_t *word = life_word(w->gr->r[i]);
		enum life_look look = life_look(atomic_load_explicit(word, memory_order_acquire), pid);
		if (look == LIFE_ALIVE) {
			if (*n < FUTEX_ANY_MAX) {
				words[*n] = word;
				slot_of[*n] = i;
				expect[(*n)++] = life_alive(pid);
			}
			continue;
		}
		w->life_done[i] = pid;
		int code;
		if (look != LIFE_DEAD || !watch_exiting(pid, &code))
			continue;  /* a scribble, a lie, or gone already: the reap tells */
		watch_demote(pid);
		watch_boost(w);
		atomic_store_explicit(&ws->dying_code, code, memory_order_relaxed);
		atomic_store_explicit(&ws->dying_pid, pid, memory_order_release);
		died = true;
	}
	return died;
}

/*
 * After the wait returned `rc` over words[0..n) (0: the bell): charge a
 * replica that woke its own life word (the word still says "alive"), and
 * count early returns nothing explains (-EAGAIN with every word as
 * expected again: a word flipped and back, which only a replica does). Over
 * budget, give up on the life locks concerned. True if any was.
 */
static bool watch_guard(struct watch *w, int rc, _Atomic uint32_t *const *words,
                        const uint32_t *expect, const uint32_t *slot_of, unsigned n)
{
	bool refused = false;

	if (rc >= 1 && (unsigned)rc < n) {
		uint32_t i = slot_of[rc];
		if (atomic_load_explicit(words[rc], memory_order_acquire) == expect[rc] &&
		    ++w->self_wakes[i] > WATCH_SELF_WAKES) {
			watch_refuse(w, i, w->life_pid[i]);
			refused = true;
		}
		return refused;
	}
	if (rc != -EAGAIN || n < 2)
		return false;
	for (unsigned k = 0; k < n; k++)
		if (atomic_load_explicit(words[k], memory_order_acquire) != expect[k]) {
			w->blind_wakes = 0;  /* explained: the next look deals with it */
			return false;
		}
	if (++w->blind_wakes <= WATCH_BLIND_WAKES)
		return false;
	/* Which replica it is cannot be told: every life watched now is given
	 * up on (an honest one's death is then heard at the reap). */
	for (unsigned k = 1; k < n; k++)
		watch_refuse(w, slot_of[k], w->life_pid[slot_of[k]]);
	w->blind_wakes = 0;
	return true;
}

static void *watch_main(void *arg)
{
	struct watch *w = arg;
	struct watch_bell *b = w->bell;
	uint32_t gen_seen = atomic_load_explicit(&w->gen, memory_order_acquire);
	uint64_t handled = 0;      /* the sink's ring last dealt with */
	uint32_t verdicts_seen = atomic_load_explicit(&b->verdict_rings, memory_order_relaxed);
	bool ready_sent = false;   /* for this publish */
	uint64_t quiet_until = 0;  /* the loop is woken at most once per poll_ns */

	/*
	 * Real-time above the replicas (at the sink's priority): a death wakes
	 * this thread on the dying replica's CPU as often as not, and at
	 * SCHED_OTHER it would wait there behind the replica's teardown. What
	 * it does per wake is bounded: a look at the table, and at a death one
	 * read of /proc; replicas that wake it are given up on (watch_guard).
	 */
	if (w->rt_priority > 0) {
		struct rtprio_status st = { 0 };
		(void)rtprio_set(w->rt_priority, b->period_ns, &st);  /* or not: it still works */
	}
	rtprio_touch_stack(WATCH_STACK_BYTES / 2);
	while (!atomic_load_explicit(&w->stop, memory_order_acquire)) {
		/* Loaded before looking: a bump after it makes the wait return at once. */
		uint32_t word = atomic_load_explicit(&b->word, memory_order_acquire);
		uint64_t now = clock_now_ns();
		uint64_t poll_ns = atomic_load_explicit(&w->poll_ns, memory_order_relaxed);
		uint64_t wait = WATCH_IDLE_NS;
		uint32_t g = atomic_load_explicit(&w->gen, memory_order_acquire);
		bool starting, wake = false;

		if (g != gen_seen) {
			gen_seen = g;
			ready_sent = false;
		}
		bool ready = watch_ready(w, &starting) && !ready_sent;
		if (starting)
			wait = poll_ns;
		uint64_t rung = atomic_load_explicit(&b->due_ns, memory_order_relaxed);
		if (rung != handled) {
			if (rung > now) {
				if (rung - now < wait)
					wait = rung - now;  /* sleep until the moment it goes stale */
			} else {
				handled = rung;
				wake = watch_due(w, now) <= now;  /* or its heartbeat came after all */
			}
		}
		_Atomic uint32_t *words[FUTEX_ANY_MAX] = { &b->word };
		uint32_t expect[FUTEX_ANY_MAX] = { word }, slot_of[FUTEX_ANY_MAX] = { 0 };
		unsigned nw = 1;
		/* A death is told at once, whatever the rate limit. */
		if (!w->life_off && watch_lives(w, words, expect, slot_of, &nw))
			(void)uv_async_send(&w->async);
		uint32_t verdicts = atomic_load_explicit(&b->verdict_rings, memory_order_relaxed);
		if (ready || wake || verdicts != verdicts_seen) {
			if (now < quiet_until) {
				wait = quiet_until - now;
				if (wake)
					handled = 0;  /* look again then */
			} else {
				if (wake || verdicts != verdicts_seen)
					watch_boost(w);  /* a stall or a verdict: acted on now */
				verdicts_seen = verdicts;
				ready_sent = ready_sent || ready;
				quiet_until = now + poll_ns;
				(void)uv_async_send(&w->async);
			}
		}
		int rc = nw > 1 ? futex_wait_any(words, expect, nw, (int64_t)wait) : -ENOSYS;
		if (rc == -ENOSYS && nw > 1)
			w->life_off = true;  /* an old kernel: the reap tells from now on */
		/* -EFAULT: a cut segment; the next look reads zeros there (guard.c). */
		if (rc == -ENOSYS || rc == -EFAULT)
			(void)futex_wait(&b->word, word, (int64_t)wait);
		else if (nw > 1 && watch_guard(w, rc, words, expect, slot_of, nw))
			(void)uv_async_send(&w->async);
	}
	return NULL;
}

int watch_start(struct watch *w, uv_loop_t *loop, struct group *gr, struct watch_bell *bell,
                uint64_t period_ns, uint64_t poll_ns, int rt_priority,
                void (*cb)(void *arg), void *arg)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int rc;

	memset(w, 0, sizeof(*w));
	w->gr = gr;
	w->bell = bell;
	w->cb = cb;
	w->arg = arg;
	w->rt_priority = rt_priority;
#ifdef __linux__
	/* Raised at all (watch_boost) only with a real-time watcher, and a
	 * loop whose policy is known and not real-time already. */
	w->loop_policy = sched_getscheduler(0);
	int pol = w->loop_policy & ~SCHED_RESET_ON_FORK;
	if (rt_priority > 0 && w->loop_policy >= 0 && pol != SCHED_FIFO && pol != SCHED_RR)
		w->loop_tid = (pid_t)syscall(SYS_gettid);
#endif
	atomic_store_explicit(&w->poll_ns, poll_ns, memory_order_relaxed);
	bell->period_ns = period_ns;
	bell->rung_at = 0;
	bell->verdicts_seen = 0;
	atomic_store_explicit(&bell->verdict_rings, 0, memory_order_relaxed);
	atomic_store_explicit(&bell->due_ns, 0, memory_order_relaxed);
	rc = uv_async_init(loop, &w->async, watch_on_async);
	if (rc < 0)
		return rc;
	w->async.data = w;
	w->async_open = true;
	rc = -pthread_attr_init(&attr);
	if (rc < 0)
		return rc;
	/* Small: under mlockall(MCL_FUTURE) every page of it is locked. */
	rc = -pthread_attr_setstacksize(&attr, WATCH_STACK_BYTES);
	/*
	 * Signals stay with the loop thread, where libuv handles them; but not
	 * the synchronous ones: a bus error on a cut segment (this thread reads
	 * heartbeats and life words) that is blocked kills the process instead
	 * of reaching guard.c's handler.
	 */
	sigfillset(&all);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (rc == 0)
		rc = -pthread_create(&w->tid, &attr, watch_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc < 0)
		return rc;
	w->started = true;
	(void)pthread_setname_np(w->tid, "rtaudiod-watch");
	return 0;
}

void watch_publish(struct watch *w, const struct fsm *m)
{
	bool changed = false;

	for (uint32_t i = 0; i < m->n && i < LAYOUT_MAX_REPLICAS; i++) {
		struct watch_slot *ws = &w->slot[i];
		uint64_t since, limit;
		enum fsm_watch_mode mode = fsm_watch(m, i, &since, &limit);
		/* Only this thread writes the table: its own values read back as stored. */
		if (atomic_load_explicit(&ws->mode, memory_order_relaxed) == (uint32_t)mode &&
		    atomic_load_explicit(&ws->since_ns, memory_order_relaxed) == since &&
		    atomic_load_explicit(&ws->limit_ns, memory_order_relaxed) == limit)
			continue;
		atomic_store_explicit(&ws->since_ns, since, memory_order_relaxed);
		atomic_store_explicit(&ws->limit_ns, limit, memory_order_relaxed);
		atomic_store_explicit(&ws->mode, (uint32_t)mode, memory_order_relaxed);
		changed = true;
	}
	/* Nothing new: no wake-up (the slow tick publishes each time). */
	if (!changed)
		return;
	atomic_fetch_add_explicit(&w->gen, 1, memory_order_release);
	if (w->bell != NULL)
		watch_bump(w->bell);
}

void watch_life(struct watch *w, uint32_t i, uint32_t pid)
{
	if (i >= LAYOUT_MAX_REPLICAS)
		return;
	atomic_store_explicit(&w->slot[i].life_pid, pid, memory_order_release);
	if (w->bell != NULL)
		watch_bump(w->bell);
}

bool watch_dying(struct watch *w, uint32_t i, uint32_t *pid, int *code)
{
	if (i >= LAYOUT_MAX_REPLICAS)
		return false;
	uint32_t p = atomic_exchange_explicit(&w->slot[i].dying_pid, 0, memory_order_acquire);
	if (p == 0)
		return false;
	*pid = p;
	*code = atomic_load_explicit(&w->slot[i].dying_code, memory_order_relaxed);
	return true;
}

bool watch_refused(struct watch *w, uint32_t i, uint32_t *pid)
{
	if (i >= LAYOUT_MAX_REPLICAS)
		return false;
	uint32_t p = atomic_exchange_explicit(&w->slot[i].refused_pid, 0, memory_order_acquire);
	if (p == 0)
		return false;
	*pid = p;
	return true;
}

void watch_stop(struct watch *w)
{
	if (!w->started)
		return;
	atomic_store_explicit(&w->stop, 1, memory_order_release);
	watch_bump(w->bell);
	pthread_join(w->tid, NULL);
	w->started = false;
}

void watch_close(struct watch *w)
{
	watch_stop(w);
	if (w->async_open)
		uv_close((uv_handle_t *)&w->async, NULL);
	w->async_open = false;
}
