/*
 * renderer_loop.c - the runtime's audio path: the render loop of every
 * renderer (rta_renderer_main calls rloop_run once set up).
 *
 * What it does: heartbeats at every wake; pre-rolls a new hot standby (or
 * one that fell behind) into scratch so a stateful renderer's state is
 * continuous; renders block by block up to the sink's horizon with the
 * parameters in force at each block (seqlock snapshot, double-buffered),
 * the input block when there is live input, the output stage and the
 * block's CRC-32C; accounts render times; sleeps on the group's wake word
 * (a warm standby on the group's bell, layout.h).
 *
 * What it does not do: allocate, lock, log, print, or make any system call
 * but futex and clock calls (tests/integration/replica_syscalls.sh traces
 * it); map segments or parse arguments (renderer.c).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <rtaudio/renderer.h>

#include "clock.h"
#include "crc32c.h"
#include "futex.h"
#include "layout.h"
#include "outstage.h"
#include "renderer_int.h"
#include "ring.h"

volatile sig_atomic_t rloop_stop;

/*
 * Touch every page the loop will use, so that (when mlockall failed) the
 * first periods do not take page faults, and bind the clock. The renderer
 * is not run here: a warm-up block would advance a stateful renderer's
 * state (a delay line's memory) differently in each replica, against the
 * determinism contract. A renderer warms up its own code in open.
 */
void rloop_prefault(struct replica *rp, const struct shm_seg *gseg, const struct shm_seg *rseg)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t step = pg > 0 ? (size_t)pg : 4096u;
	volatile unsigned char sink = 0;

	for (size_t off = 0; off < rseg->size; off += step)
		sink ^= ((const volatile unsigned char *)rseg->base)[off];
	for (size_t off = 0; off < gseg->size; off += step)
		sink ^= ((const volatile unsigned char *)gseg->base)[off];
	(void)sink;
	memset(rp->hist, 0, sizeof rp->hist);
	memset(rp->pv, 0, sizeof rp->pv);
	if (rp->in != NULL)
		memset(rp->in, 0, rp->in_bytes);
	rp->snap = &rp->hist[0];
	rp->spare = &rp->hist[1];
	rp->snap_seq = layout_params_snapshot(rp->g, rp->snap);
	(void)clock_now_ns();
}

static void replica_count(_Atomic uint64_t *c, uint64_t add)
{
	/* An atomic add, not load + store: "stats reset" may zero the counters
	 * from the daemon side, and a reset must not be undone by a stale load. */
	atomic_fetch_add_explicit(c, add, memory_order_relaxed);
}

static void replica_account(struct replica *rp, uint64_t t)
{
	struct replica_seg *r = rp->r;
	uint64_t max = atomic_load_explicit(&r->render_ns_max, memory_order_relaxed);
	uint64_t bucket = t * 100u / rp->period_ns;

	if (t > rp->period_ns)
		replica_count(&r->late_renders, 1);
	atomic_store_explicit(&r->render_ns_last, t, memory_order_relaxed);
	if (t > max)
		atomic_store_explicit(&r->render_ns_max, t, memory_order_relaxed);
	replica_count(&r->render_ns_total, t);
	if (bucket >= LAYOUT_HIST_BUCKETS)
		bucket = LAYOUT_HIST_BUCKETS - 1;
	atomic_fetch_add_explicit(&r->render_hist[bucket], 1u, memory_order_relaxed);
}

/*
 * Re-read the parameter history. If the daemon is mid-write, sleep on the
 * seqlock word (it wakes us when done) instead of spinning at real-time
 * priority against a normal-priority writer. If it never finishes, keep the
 * previous snapshot: a change applies beyond every block being rendered
 * now, so the old values are still right for this one. Audio path.
 */
static void replica_refresh_params(struct replica *rp)
{
	_Atomic uint32_t *word = (_Atomic uint32_t *)&rp->g->param_seq;

	for (int i = 0; i < 8; i++) {
		uint32_t got = layout_params_snapshot(rp->g, rp->spare);
		if ((got & 1u) == 0) {
			struct param_hist *t = rp->snap;
			rp->snap = rp->spare;
			rp->spare = t;
			rp->snap_seq = got;
			return;
		}
		futex_wait(word, got, 100 * 1000);
	}
}

/*
 * Render block `seq` into slot payload p (block_bytes bytes): zero it, let
 * the renderer write it with the values in force at seq, then the output
 * stage. The renderer's values are clamped to its declared ranges (a NaN
 * becomes the default): the daemon checks them, but a value that reaches a
 * plugin out of range is the renderer's crash, not ours to cause. Audio path.
 */
static void replica_render_one(struct replica *rp, uint64_t seq, float *p, uint32_t len)
{
	const struct param_entry *e = layout_params_at(rp->snap, seq);
	uint32_t n = rp->nparams - 2;

	for (uint32_t i = 0; i < n; i++) {
		const struct param_decl *d = &rp->table[i + 2];
		double v = e->v[i + 2];
		rp->pv[i] = isnan(v) ? d->def : v < d->min ? d->min : v > d->max ? d->max : v;
	}
	memset(p, 0, len);
	const float *in = NULL;
	if (rp->in_bytes > 0) {
		/*
		 * Input block seq, as the sink wrote it: checked like a block the
		 * sink reads (length, CRC). One that is gone (older than the ring
		 * holds) or damaged is silence, the same in every replica that
		 * renders seq (they read the same ring).
		 */
		uint32_t ilen = 0, check = 0;
		int rc = ring_read_seq(&rp->in_ring, seq, rp->in, rp->in_bytes, &ilen, &check);
		if (rc != 0 || ilen != rp->in_bytes || crc32c_block(seq, rp->in, ilen) != check)
			memset(rp->in, 0, rp->in_bytes);
		in = rp->in;
	}
	struct rta_block b = {
		.seq = seq,
		.frames = rp->stream.frames,
		.channels = rp->stream.channels,
		.out = p,
		.in = in,
		.params = rp->pv,
		.nparams = n,
	};
	rp->rd->render(rp->state, &b);
	outstage_apply(p, rp->stream.frames, rp->stream.channels, e->v[LAYOUT_PARAM_GAIN],
	               e->v[LAYOUT_PARAM_PAN]);
}

/*
 * Pre-roll: when rp->next is behind max(sink position, ring head), render
 * the blocks in between into scratch (the latest ones, at least rp->preroll
 * of them unless fewer are missing, from a block a whole number of
 * rp->preroll_align blocks after rp->next), re-reading the moving position
 * after each, so the renderer's state is continuous when the ring's next
 * block is rendered.
 *
 * Why aligned: a renderer's state is not only its memory of the last
 * blocks but also how many samples it has run since it started: a
 * plugin's write index into a power-of-two delay buffer, the fill of an
 * FFT frame, an oscillator's phase. swh delay_n, for one, misplaces the
 * block that straddles its buffer's end (it restarts its in/out index at
 * 0 there), so at 256 frames (a 100 ms delay is 18.75 blocks) its output
 * depends on its sample count modulo its 65536-sample buffer. The replicas
 * that started with the stream, and the offline render, ran block s as
 * their s-th; a replica has run a number of blocks congruent to rp->next
 * (both start at 0, both step by one, and skips here are multiples of
 * preroll_align), so its sample count stays congruent to theirs modulo
 * preroll_align x frames ([group] preroll_align samples, rounded up by
 * the daemon to whole blocks).
 *
 * A hot replica only: a warm standby promoted to primary must play at once.
 * Heartbeats as it goes (the daemon must not take the pre-roll for a
 * stall). With live input, the blocks come from the input ring's history
 * (silence where it no longer holds them, as in replica_render_one).
 * Audio path: the same calls as rendering.
 */
static void replica_catch_up(struct replica *rp, uint64_t pos)
{
	const struct group_seg *g = rp->g;
	uint64_t head = ring_head(&rp->ring);
	uint64_t target = pos > head ? pos : head;
	bool first = !rp->started;

	rp->started = true;
	if (!rp->hot || rp->next >= target || rp->preroll == 0)
		return;
	uint64_t seq = rp->next;
	if (target - seq > rp->preroll) {
		uint64_t skip = target - rp->preroll - seq;
		seq += skip - skip % rp->preroll_align;
	}
	if (first)
		atomic_store_explicit(&rp->r->state, RSTATE_CATCHUP, memory_order_release);
	uint64_t t0 = clock_now_ns();
	uint32_t len = layout_block_bytes(rp->stream.frames, rp->stream.channels);
	while (!rloop_stop) {
		pos = atomic_load_explicit(&g->position, memory_order_acquire);
		target = pos > head ? pos : head;
		if (seq >= target)
			break;
		uint32_t ps = atomic_load_explicit(&g->param_seq, memory_order_acquire);
		if (ps != rp->snap_seq)
			replica_refresh_params(rp);
		replica_render_one(rp, seq, rp->scratch, len);
		seq++;
		atomic_store_explicit(&rp->r->heartbeat_ns, clock_now_ns(), memory_order_release);
	}
	rp->next = seq;
	if (first)
		atomic_store_explicit(&rp->r->preroll_ns, clock_now_ns() - t0, memory_order_relaxed);
}

/* Render every block from rp->next up to pos + lead - 1. Audio path. */
static void replica_render_due(struct replica *rp, uint64_t pos)
{
	const struct group_seg *g = rp->g;
	uint64_t head = ring_head(&rp->ring);
	uint64_t end = pos + rp->lead;

	replica_catch_up(rp, pos);
	/* Never behind the sink (nothing older is wanted) nor our own ring. */
	if (rp->next < pos)
		rp->next = pos;
	if (rp->next < head)
		rp->next = head;
	if (end < pos) /* a hostile position near 2^64 */
		return;
	/* Live input: block s is rendered from input block s, once the sink wrote it. */
	if (rp->in_bytes > 0) {
		uint64_t ih = ring_head(&rp->in_ring);
		if (end > ih)
			end = ih;
	}
	while (rp->next < end && !rloop_stop) {
		uint32_t ps = atomic_load_explicit(&g->param_seq, memory_order_acquire);
		if (ps != rp->snap_seq)
			replica_refresh_params(rp);

		uint64_t seq = rp->next;
		uint64_t t0 = clock_now_ns();
		void *p = ring_write_begin(&rp->ring, seq);
		if (p == NULL) /* beyond the ring's seq range: a hostile position */
			return;
		uint32_t len = layout_block_bytes(rp->stream.frames, rp->stream.channels);
		replica_render_one(rp, seq, p, len);
		/*
		 * The check is computed on the slot itself, as the sink will
		 * read it: anything that changes the block between here and the
		 * sink's copy (a stray write, a scribbling peer) makes it fail.
		 */
		if (ring_write_commit(&rp->ring, seq, len, crc32c_block(seq, p, len)))
			replica_count(&rp->r->overruns, 1);
		uint64_t t1 = clock_now_ns();

		atomic_store_explicit(&rp->r->next_seq, seq + 1, memory_order_release);
		replica_count(&rp->r->blocks, 1);
		replica_account(rp, t1 - t0);
		rp->next = seq + 1;
	}
}

/* The render loop: the audio path. Futex and clock calls only. */
void rloop_run(struct replica *rp)
{
	const struct group_seg *g = rp->g;
	struct replica_seg *r = rp->r;
	/* futex_wait only reads the words; the group mapping is read-only. */
	_Atomic uint32_t *wake = (_Atomic uint32_t *)&g->wake;
	_Atomic uint32_t *bell = (_Atomic uint32_t *)&g->bell;
	bool ready = false;
	bool rang = true;  /* the last wake was the sink's ring */

	while (!rloop_stop) {
		atomic_store_explicit(&r->heartbeat_ns, clock_now_ns(), memory_order_release);
		/* The bell before what it announces (shutdown, a new leader): one
		 * rung in between changes it, so the futex_wait returns at once. */
		uint32_t b = atomic_load_explicit(&g->bell, memory_order_acquire);
		if (atomic_load_explicit(&g->run, memory_order_acquire) == GROUP_SHUTDOWN)
			break;
		/* Read the wake word before the position: a wake that lands in
		 * between changes it, so the futex_wait below returns at once. */
		uint32_t w = atomic_load_explicit(&g->wake, memory_order_acquire);
		uint64_t leader = atomic_load_explicit(&g->leader, memory_order_acquire);
		bool active = rp->hot || layout_leader_index(leader) == rp->index;

		if (active)
			replica_render_due(rp, atomic_load_explicit(&g->position,
			                                            memory_order_acquire));
		/* READY only after the first pass: a hot standby the daemon counts
		 * on then already holds the blocks up to the sink's horizon, so a
		 * primary killed the moment it is announced costs nothing. */
		if (!ready) {
			atomic_store_explicit(&r->state, RSTATE_READY, memory_order_release);
			ready = true;
		}
		if (rloop_stop)
			break;
		/* The cadence the daemon's stall limit counts on (layout.h): a
		 * warm standby sleeps on the bell, not through every period. */
		int rc;
		if (active) {
			rc = futex_wait(wake, w, layout_beat_timeout_ns(rp->period_ns, rang));
			rang = rc == 0 || rc == -EAGAIN;
		} else {
			rc = futex_wait(bell, b, LAYOUT_WARM_BEAT_NS);
			rang = false;  /* promoted: beat at P/2 until the sink rings */
		}
		if (rc == -ETIMEDOUT)
			replica_count(&r->timeouts, 1);
		else if (rc != -EINTR)
			replica_count(&r->wakeups, 1);
	}
}

