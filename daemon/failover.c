/*
 * failover.c - record failovers and what each one cost.
 *
 * Does: the bookkeeping half of "every failover is recorded" (DESIGN.md).
 * A failover's cost is the sink's lost/rescued counters after it minus
 * before it; "before" is a snapshot from ahead of the fault, not from its
 * detection, because a stall has been costing blocks since the replica went
 * quiet. Counting goes on until the settle time the supervisor chose (long
 * enough for the rings to drain) and on until the sink has lost nothing for
 * FAILOVER_QUIET_NS (audio is back), after which the record is final. A new
 * failover closes the open one at its own base, so overlapping failovers
 * share out the loss instead of each counting part of it.
 * Does not: pick who takes over, change roles, or emit events (super.c);
 * build JSON (cmd.c). Loop thread only.
 */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "failover.h"
#include "log.h"
#include "play.h"

const char *failover_reason_name(int reason)
{
	static const char *const names[] = { "crash", "stall", "manual", "corrupt", "outvoted",
		                             "content", "sandbox" };
	return reason >= 0 && reason <= REASON_SANDBOX ? names[reason] : "unknown";
}

void failover_snapshot(struct failover_log *fl, const struct play_stats *st, uint64_t now)
{
	uint32_t h = fl->snap_head++ % FAILOVER_SNAPSHOTS;

	fl->snap[h].t = now;
	fl->snap[h].lost = atomic_load_explicit(&st->lost_samples, memory_order_relaxed);
	fl->snap[h].rescued = atomic_load_explicit(&st->rescued, memory_order_relaxed);
}

/* The newest snapshot taken at or before `t` (the oldest we have otherwise). */
static uint32_t snapshot_at(const struct failover_log *fl, uint64_t t)
{
	uint32_t n = fl->snap_head < FAILOVER_SNAPSHOTS ? fl->snap_head : FAILOVER_SNAPSHOTS;

	for (uint32_t k = 1; k <= n; k++) {
		uint32_t h = (fl->snap_head - k) % FAILOVER_SNAPSHOTS;
		if (fl->snap[h].t <= t || k == n)
			return h;
	}
	return 0;
}

const struct failover_rec *failover_record(struct failover_log *fl, int reason, int from, int to,
                                           uint64_t fault_ns, uint64_t base_ns,
                                           uint64_t settle_ns, uint64_t now)
{
	struct failover_rec *prev = fl->count > 0 ? &fl->rec[(fl->count - 1) % FAILOVER_LOG] : NULL;
	uint32_t base = snapshot_at(fl, base_ns);
	uint64_t base_lost = fl->snap[base].lost, base_rescued = fl->snap[base].rescued;
	struct timespec ts;

	/*
	 * The previous record ends where this one begins, and this one cannot
	 * begin before the previous one's end: no sample is counted twice or
	 * dropped between two failovers that overlap (a kill while the last
	 * one's gap still lasts).
	 */
	if (prev != NULL) {
		uint64_t end_lost = prev->base_lost + prev->lost_samples;
		uint64_t end_resc = prev->base_rescued + prev->rescued;

		if (!prev->settled) {
			end_lost = base_lost > prev->base_lost ? base_lost : prev->base_lost;
			end_resc = base_rescued > prev->base_rescued ? base_rescued : prev->base_rescued;
			prev->lost_samples = end_lost - prev->base_lost;
			prev->rescued = end_resc - prev->base_rescued;
			prev->settled = true;
		}
		if (base_lost < end_lost)
			base_lost = end_lost;
		if (base_rescued < end_resc)
			base_rescued = end_resc;
	}
	struct failover_rec *fo = &fl->rec[fl->count++ % FAILOVER_LOG];
	clock_gettime(CLOCK_REALTIME, &ts);
	memset(fo, 0, sizeof(*fo));
	fo->mono_ns = now;
	fo->wall_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	fo->reason = reason;
	fo->from = from;
	fo->to = to;
	/* Saturating: a replica may stamp its heartbeat after we read the clock. */
	fo->detect_us = (fault_ns < now ? now - fault_ns : 0) / NSEC_PER_USEC;
	fo->base_lost = base_lost;
	fo->base_rescued = base_rescued;
	fo->settle_ns = settle_ns;
	fo->quiet_ns = now;
	return fo;
}

void failover_settle(struct failover_log *fl, const struct play_stats *st, uint64_t now)
{
	uint64_t n = fl->count < FAILOVER_LOG ? fl->count : FAILOVER_LOG;

	for (uint64_t k = 0; k < n; k++) {
		struct failover_rec *fo = &fl->rec[k];
		uint64_t lost = atomic_load_explicit(&st->lost_samples, memory_order_relaxed);
		uint64_t resc = atomic_load_explicit(&st->rescued, memory_order_relaxed);

		if (fo->settled)
			continue;
		/* "stats reset" may have zeroed the counters under us: clamp. */
		uint64_t n_lost = lost >= fo->base_lost ? lost - fo->base_lost : 0;
		if (n_lost != fo->lost_samples)
			fo->quiet_ns = now;  /* still losing: audio is not back */
		fo->lost_samples = n_lost;
		fo->rescued = resc >= fo->base_rescued ? resc - fo->base_rescued : 0;
		if (now >= fo->settle_ns && now - fo->quiet_ns >= FAILOVER_QUIET_NS) {
			fo->settled = true;
			if (fo->lost_samples > 0)
				log_warn("failover %d -> %d lost %llu samples", fo->from, fo->to,
				         (unsigned long long)fo->lost_samples);
		}
	}
}

uint64_t failover_next_due(const struct failover_log *fl, uint64_t soonest)
{
	uint64_t n = fl->count < FAILOVER_LOG ? fl->count : FAILOVER_LOG;

	for (uint64_t k = 0; k < n; k++) {
		const struct failover_rec *fo = &fl->rec[k];
		uint64_t due = fo->quiet_ns + FAILOVER_QUIET_NS;

		if (fo->settled)
			continue;
		if (due < fo->settle_ns)
			due = fo->settle_ns;
		if (due < soonest)
			soonest = due;
	}
	return soonest;
}

uint64_t failover_kept(const struct failover_log *fl)
{
	return fl->count < FAILOVER_LOG ? fl->count : FAILOVER_LOG;
}

const struct failover_rec *failover_nth(const struct failover_log *fl, uint64_t k)
{
	uint64_t n = failover_kept(fl);

	if (k >= n)
		return NULL;
	return &fl->rec[(fl->count - n + k) % FAILOVER_LOG];
}

const struct failover_rec *failover_last(const struct failover_log *fl)
{
	if (fl->count == 0)
		return NULL;
	return &fl->rec[(fl->count - 1) % FAILOVER_LOG];
}

bool failover_amend(struct failover_log *fl, int from, int was, int now)
{
	struct failover_rec *r = fl->count > 0 ? &fl->rec[(fl->count - 1) % FAILOVER_LOG] : NULL;

	if (r == NULL || r->from != from || r->reason != was)
		return false;
	r->reason = now;
	return true;
}

void failover_note_sync(struct failover_log *fl, int sync)
{
	if (fl->count > 0)
		fl->rec[(fl->count - 1) % FAILOVER_LOG].sync = sync;
}
