/*
 * layout.c - consistent access to the group and replica segment layouts.
 *
 * What it does: sizes a replica segment; publishes the parameter history
 * (daemon, single writer) and reads it back (any process) through a seqlock
 * on group_seg.param_seq; looks up the parameters in force at a sequence
 * number; checks a replica segment's header before the daemon believes it,
 * and a group segment's stream geometry before a replica or a tap does.
 *
 * What it does not do: map segments (shm.c), move audio (ring.c), or decide
 * when a parameter change applies (the daemon picks `at`).
 *
 * Seqlock protocol (Boehm, "Can seqlocks get along with programming language
 * memory models?"): the writer stores an odd param_seq (relaxed), issues a
 * release fence, writes the history, then stores the next even value with
 * release. A reader loads param_seq with acquire, copies, issues an acquire
 * fence, reloads param_seq (relaxed) and keeps the copy only if the value was
 * even and unchanged. The history itself is plain memory: a torn copy is
 * always detected and thrown away, and every field of a kept copy is still
 * validated, because the group segment is trusted only as far as its bounds.
 */
#include <errno.h>
#include <string.h>

#include "clock.h"
#include "layout.h"

/*
 * How many times a reader retries before giving up on a writer that stays
 * mid-write (preempted by the reader itself on one CPU, or dead). A write
 * is a few hundred bytes of stores, so this is generous.
 */
/*
 * Few: a real-time reader must not spin against a writer that runs at
 * normal priority (it could be the very thing keeping the writer off the
 * CPU). Callers that need the new values sleep on param_seq and retry.
 */
#define LAYOUT_SNAPSHOT_TRIES 64

/* Spin-wait hint: lets the writer's hyper-thread run, saves power. */
static inline void layout_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

size_t layout_replica_bytes(uint32_t capacity, uint32_t max_payload)
{
	size_t rb = ring_bytes(capacity, max_payload);

	return rb == 0 ? 0 : (size_t)REPLICA_RING_OFFSET + rb;
}

/* count clamped to 1..LAYOUT_PARAM_HIST: never trust it for indexing. */
static uint32_t layout_hist_count(const struct param_hist *h)
{
	uint32_t n = h->count;

	if (n == 0)
		return 1;
	return n > LAYOUT_PARAM_HIST ? LAYOUT_PARAM_HIST : n;
}

int layout_params_publish(struct group_seg *g, uint64_t at, double gain, double pan,
                          uint64_t oldest_needed)
{
	struct param_hist h;
	uint32_t n, drop = 0;

	/* Build the new history privately; the odd window is one memcpy. */
	memcpy(&h, &g->params, sizeof h);
	n = h.count;
	if (n > LAYOUT_PARAM_HIST)
		return -EPROTO; /* only this writer writes it: memory corruption */
	if (n > 0) {
		if (at < h.e[n - 1].at)
			return -EINVAL;
		/*
		 * e[i] is needed by no seq >= oldest_needed once the entry after
		 * it (the new one, after the newest) applies at or before it.
		 */
		while (drop < n && (drop + 1 < n ? h.e[drop + 1].at : at) <= oldest_needed)
			drop++;
		if (drop > 0) {
			memmove(&h.e[0], &h.e[drop], (n - drop) * sizeof h.e[0]);
			memset(&h.e[n - drop], 0, drop * sizeof h.e[0]);
			n -= drop;
		}
	}
	if (n > 0 && h.e[n - 1].at == at) {
		n--; /* same apply point: replace the newest entry */
	} else if (n == LAYOUT_PARAM_HIST) {
		return -EBUSY;
	}
	h.e[n].at = at;
	h.e[n].gain = gain;
	h.e[n].pan = pan;
	h.e[n].reserved = 0;
	h.count = n + 1;

	uint32_t s = atomic_load_explicit(&g->param_seq, memory_order_relaxed);
	s |= 1u; /* odd: readers retry (already odd only if a writer died mid-way) */
	atomic_store_explicit(&g->param_seq, s, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	memcpy(&g->params, &h, sizeof h);
	atomic_store_explicit(&g->param_seq, s + 1u, memory_order_release);
	return 0;
}

uint32_t layout_params_snapshot(const struct group_seg *g, struct param_hist *out)
{
	struct param_hist h;
	uint32_t s0 = 0;

	for (int tries = 0; tries < LAYOUT_SNAPSHOT_TRIES; tries++) {
		/* The segment is mapped read-only by readers: loads only. */
		s0 = atomic_load_explicit((_Atomic uint32_t *)&g->param_seq, memory_order_acquire);
		if (s0 & 1u) {
			layout_cpu_relax();
			continue;
		}
		memcpy(&h, &g->params, sizeof h);
		atomic_thread_fence(memory_order_acquire);
		uint32_t s1 =
		        atomic_load_explicit((_Atomic uint32_t *)&g->param_seq, memory_order_relaxed);
		if (s1 != s0)
			continue;
		h.count = layout_hist_count(&h);
		memcpy(out, &h, sizeof h);
		return s0;
	}
	/*
	 * Writer stuck mid-write: keep the caller's previous snapshot. Return an
	 * odd value, which never equals a completed param_seq, so a caller that
	 * compares will try again next time.
	 */
	return s0 | 1u;
}

void layout_params_at(const struct param_hist *h, uint64_t seq, double *gain, double *pan)
{
	uint32_t n = layout_hist_count(h);
	uint32_t i = n - 1;

	while (i > 0 && h->e[i].at > seq)
		i--;
	*gain = h->e[i].gain;
	*pan = h->e[i].pan;
}

int layout_replica_sane(const struct replica_seg *r, uint32_t index, const char *group,
                        size_t size)
{
	struct shm_hdr h;

	/* One copy, then checks on the copy: the replica may be rewriting it. */
	memcpy(&h, &r->hdr, sizeof h);
	if (h.magic != REPLICA_MAGIC || h.version != LAYOUT_VERSION || h.kind != SHM_KIND_REPLICA ||
	    h.index != index || h.size != (uint64_t)size)
		return -EPROTO;
	if (group == NULL || memchr(h.group, '\0', sizeof h.group) == NULL ||
	    strcmp(h.group, group) != 0)
		return -EPROTO;
	return 0;
}

int layout_group_sane(const struct group_seg *g, struct layout_geometry *out)
{
	/*
	 * Volatile: one load per field, so a segment rewritten while we look
	 * cannot pass the check with one value and be used with another.
	 */
	const volatile struct group_seg *v = g;
	struct layout_geometry geo = {
		.sample_rate = v->sample_rate,
		.channels = v->channels,
		.frames = v->frames,
		.lead = v->lead,
		.ring_capacity = v->ring_capacity,
		.replicas = v->replicas,
		.period_ns = v->period_ns,
	};

	geo.block_bytes = layout_block_bytes(geo.frames, geo.channels);
	*out = geo;
	if (geo.replicas < 1 || geo.replicas > LAYOUT_MAX_REPLICAS ||
	    geo.channels < 1 || geo.channels > LAYOUT_MAX_CHANNELS ||
	    geo.frames < LAYOUT_MIN_FRAMES || geo.frames > LAYOUT_MAX_FRAMES ||
	    geo.sample_rate < 1 || geo.sample_rate > LAYOUT_MAX_RATE ||
	    geo.period_ns == 0 || geo.period_ns > NSEC_PER_SEC ||
	    geo.lead < 1 || geo.lead >= geo.ring_capacity ||
	    layout_replica_bytes(geo.ring_capacity, geo.block_bytes) == 0)
		return -EPROTO;
	return 0;
}
