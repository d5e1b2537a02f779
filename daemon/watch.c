/*
 * watch.c - the supervisor's doorbell (see watch.h).
 *
 * Does: the loop side's publish, the sink thread's check, and the watcher
 * thread that turns a ring (or a starting replica that became ready) into
 * a uv_async_send. The published table is atomics only: the loop writes the
 * slots and then bumps `gen` (release); readers load `gen` (acquire) first,
 * so a torn read can only make one look early or late, and the next
 * publish corrects it.
 * Does not: read anything of a segment but heartbeat_ns and state (the
 * mappings stay in place for the daemon's life: a rebuild rewrites them),
 * log, allocate after start, or take locks.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "clock.h"
#include "futex.h"
#include "layout.h"
#include "watch.h"

#define WATCH_STACK_BYTES (64u * 1024u)
#define WATCH_IDLE_NS     (1000ull * NSEC_PER_MSEC)  /* nothing pending: look again in 1 s */

static void watch_on_async(uv_async_t *a)
{
	struct watch *w = a->data;

	w->cb(w->arg);
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

static void *watch_main(void *arg)
{
	struct watch *w = arg;
	struct watch_bell *b = w->bell;
	uint32_t gen_seen = atomic_load_explicit(&w->gen, memory_order_acquire);
	uint64_t handled = 0;      /* the sink's ring last dealt with */
	uint32_t verdicts_seen = atomic_load_explicit(&b->verdict_rings, memory_order_relaxed);
	bool ready_sent = false;   /* for this publish */
	uint64_t quiet_until = 0;  /* the loop is woken at most once per poll_ns */

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
		uint32_t verdicts = atomic_load_explicit(&b->verdict_rings, memory_order_relaxed);
		if (ready || wake || verdicts != verdicts_seen) {
			if (now < quiet_until) {
				wait = quiet_until - now;
				if (wake)
					handled = 0;  /* look again then */
			} else {
				verdicts_seen = verdicts;
				ready_sent = ready_sent || ready;
				quiet_until = now + poll_ns;
				(void)uv_async_send(&w->async);
			}
		}
		(void)futex_wait(&b->word, word, (int64_t)wait);
	}
	return NULL;
}

int watch_start(struct watch *w, uv_loop_t *loop, struct group *gr, struct watch_bell *bell,
                uint64_t period_ns, uint64_t poll_ns, void (*cb)(void *arg), void *arg)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int rc;

	memset(w, 0, sizeof(*w));
	w->gr = gr;
	w->bell = bell;
	w->cb = cb;
	w->arg = arg;
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
	/* Signals stay with the loop thread, where libuv handles them. */
	sigfillset(&all);
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
