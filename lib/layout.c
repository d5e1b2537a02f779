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
#include <math.h>
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

int layout_params_publish(struct group_seg *g, uint64_t at, const double *v, uint32_t nv,
                          uint64_t oldest_needed)
{
	/* Static: 8 KiB is too much for a stack the daemon keeps small, and
	 * there is one writer (the loop thread). */
	static struct param_hist h;
	uint32_t n, drop = 0;

	if (nv > LAYOUT_MAX_PARAMS)
		return -EINVAL;
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
	memset(&h.e[n], 0, sizeof h.e[n]);
	h.e[n].at = at;
	if (nv > 0)
		memcpy(h.e[n].v, v, nv * sizeof v[0]);
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
	uint32_t s0 = 0;

	for (int tries = 0; tries < LAYOUT_SNAPSHOT_TRIES; tries++) {
		/* The segment is mapped read-only by readers: loads only. */
		s0 = atomic_load_explicit((_Atomic uint32_t *)&g->param_seq, memory_order_acquire);
		if (s0 & 1u) {
			layout_cpu_relax();
			continue;
		}
		/*
		 * Straight into *out: a torn copy is only kept when the retry
		 * below also fails, and then *out is marked by the odd return
		 * (callers keep using the values they had only when the seqlock
		 * said nothing changed). No 8 KiB stack copy on the audio path.
		 */
		memcpy(out, &g->params, sizeof *out);
		atomic_thread_fence(memory_order_acquire);
		uint32_t s1 =
		        atomic_load_explicit((_Atomic uint32_t *)&g->param_seq, memory_order_relaxed);
		if (s1 != s0)
			continue;
		out->count = layout_hist_count(out);
		return s0;
	}
	/*
	 * Writer stuck mid-write: keep the caller's previous snapshot. Return an
	 * odd value, which never equals a completed param_seq, so a caller that
	 * compares will try again next time.
	 */
	return s0 | 1u;
}

const struct param_entry *layout_params_at(const struct param_hist *h, uint64_t seq)
{
	uint32_t n = layout_hist_count(h);
	uint32_t i = n - 1;

	while (i > 0 && h->e[i].at > seq)
		i--;
	return &h->e[i];
}

bool layout_param_name_ok(const char *name)
{
	size_t n = 0;

	for (; name[n] != '\0'; n++) {
		char c = name[n];
		if (n + 1 >= LAYOUT_PARAM_NAME)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return n > 0;
}

int layout_param_decl_ok(const struct param_decl *d)
{
	if (memchr(d->name, '\0', sizeof d->name) == NULL || !layout_param_name_ok(d->name))
		return -EINVAL;
	if (memchr(d->unit, '\0', sizeof d->unit) == NULL)
		return -EINVAL;
	for (size_t i = 0; d->unit[i] != '\0'; i++)
		if (d->unit[i] < 0x20 || d->unit[i] > 0x7e)
			return -EINVAL;
	if (!isfinite(d->min) || !isfinite(d->max) || !isfinite(d->def) || !(d->min < d->max) ||
	    d->def < d->min || d->def > d->max)
		return -EINVAL;
	return 0;
}

int layout_params_table(const struct group_seg *g, struct param_decl *out)
{
	uint32_t n = ((const volatile struct group_seg *)g)->nparams;

	if (n < 2 || n > LAYOUT_MAX_PARAMS)
		return -EPROTO;
	memcpy(out, g->decl, n * sizeof out[0]);
	for (uint32_t i = 0; i < n; i++) {
		if (layout_param_decl_ok(&out[i]) < 0)
			return -EPROTO;
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(out[i].name, out[j].name) == 0)
				return -EPROTO;
	}
	if (strcmp(out[LAYOUT_PARAM_GAIN].name, "gain") != 0 ||
	    strcmp(out[LAYOUT_PARAM_PAN].name, "pan") != 0)
		return -EPROTO;
	return (int)n;
}

void layout_note_write(struct replica_seg *r, bool event, const char *text)
{
	_Atomic uint32_t *seq = event ? &r->event_seq : &r->status_seq;
	char *dst = event ? r->event : r->status;
	uint32_t s = atomic_load_explicit(seq, memory_order_relaxed) | 1u;
	size_t n = 0;

	atomic_store_explicit(seq, s, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	while (n + 1 < LAYOUT_NOTE_TEXT && text[n] != '\0') {
		dst[n] = text[n];
		n++;
	}
	dst[n] = '\0';
	atomic_store_explicit(seq, s + 1u, memory_order_release);
}

uint32_t layout_note_read(const struct replica_seg *r, bool event, char *out)
{
	const _Atomic uint32_t *seq = event ? &r->event_seq : &r->status_seq;
	const char *src = event ? r->event : r->status;
	uint32_t s0 = 0;

	for (int tries = 0; tries < LAYOUT_SNAPSHOT_TRIES; tries++) {
		s0 = atomic_load_explicit(seq, memory_order_acquire);
		if (s0 & 1u) {
			layout_cpu_relax();
			continue;
		}
		memcpy(out, src, LAYOUT_NOTE_TEXT);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(seq, memory_order_relaxed) != s0)
			continue;
		out[LAYOUT_NOTE_TEXT - 1] = '\0';
		for (size_t i = 0; out[i] != '\0'; i++)
			if (out[i] < 0x20 || out[i] > 0x7e)
				out[i] = '?';
		return s0;
	}
	out[0] = '\0';
	return s0 | 1u;
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

size_t layout_group_bytes(uint32_t capacity, uint32_t input_bytes)
{
	if (capacity == 0)
		return GROUP_SEG_BYTES;
	size_t r = ring_bytes(capacity, input_bytes);
	return r == 0 ? 0 : GROUP_INPUT_OFFSET + r;
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
		.input_channels = v->input_channels,
		.preroll_blocks = v->preroll_blocks,
		.preroll_align = v->preroll_align,
		.input_capacity = v->input_capacity,
	};

	geo.block_bytes = layout_block_bytes(geo.frames, geo.channels);
	geo.input_bytes = layout_block_bytes(geo.frames, geo.input_channels);
	geo.group_bytes = layout_group_bytes(geo.input_capacity, geo.input_bytes);
	*out = geo;
	if (geo.replicas < 1 || geo.replicas > LAYOUT_MAX_REPLICAS ||
	    geo.channels < 1 || geo.channels > LAYOUT_MAX_CHANNELS ||
	    geo.frames < LAYOUT_MIN_FRAMES || geo.frames > LAYOUT_MAX_FRAMES ||
	    geo.sample_rate < 1 || geo.sample_rate > LAYOUT_MAX_RATE ||
	    geo.period_ns == 0 || geo.period_ns > NSEC_PER_SEC ||
	    geo.lead < 1 || geo.lead >= geo.ring_capacity ||
	    geo.input_channels > LAYOUT_MAX_CHANNELS ||
	    (geo.input_channels == 0) != (geo.input_capacity == 0) || geo.group_bytes == 0 ||
	    geo.preroll_blocks > LAYOUT_MAX_PREROLL || geo.preroll_align > LAYOUT_MAX_PREROLL ||
	    layout_replica_bytes(geo.ring_capacity, geo.block_bytes) == 0)
		return -EPROTO;
	return 0;
}
