/*
 * group_stats.c - what a replica published about itself, read for status
 * and stats, and the "stats reset" of its counters.
 *
 * Does: copy the numbers a replica writes into its segment (real-time
 * state, CPU, position, render counters and histogram) into plain structs,
 * so cmd.c builds replies without touching replica memory. The memory is
 * untrusted: only copied into numbers, bounds-checked where a number picks
 * something (the CPU).
 * Does not: judge a replica (super.c, slot.c) or format JSON (cmd.c).
 */
#include "group.h"

#define LOADR(x) atomic_load_explicit(&(x), memory_order_relaxed)

uint64_t group_replica_heartbeat(const struct group *gr, uint32_t i, uint64_t spawn_ns,
                                 uint64_t now)
{
	uint64_t hb = atomic_load_explicit(&gr->r[i]->heartbeat_ns, memory_order_acquire);

	if (hb > now + GROUP_FUTURE_SLACK_NS || hb < spawn_ns)
		return 0;
	return hb;
}

void group_replica_info(const struct group *gr, uint32_t i, struct group_replica_info *out)
{
	const struct replica_seg *r = gr->r[i];
	int32_t cpu1 = LOADR(r->cpu1);

	out->rt = (struct rtprio_status){
		.policy = LOADR(r->rt_policy),
		.priority = LOADR(r->rt_priority),
		.error = LOADR(r->rt_error),
		.rlimit = LOADR(r->rt_rlimit),
		.mlocked = LOADR(r->rt_mlocked),
		.mlock_error = LOADR(r->rt_mlock_error),
	};
	out->rendered_seq = (int64_t)LOADR(r->next_seq) - 1;
	out->state = LOADR(r->state);
	out->preroll_ns = LOADR(r->preroll_ns);
	/*
	 * Printable ASCII only, bounded. Mid-write (odd seqlock, or torn):
	 * read again, a few times (a renderer that updates its status each
	 * block is often mid-write); then no text.
	 */
	unsigned tries = 0;
	while ((layout_note_read(r, false, out->source) & 1u) && ++tries < 8)
		;
	if (tries == 8)
		out->source[0] = '\0';
	/* cpu1 is the CPU + 1 (0: not pinned); anything else is garbage. */
	out->cpu = cpu1 >= 1 && cpu1 <= (int32_t)LAYOUT_MAX_CPUS ? cpu1 - 1 : -1;
}

/* The pct-th percentile bucket of a render-time histogram (% of the period). */
static int hist_percentile(const struct replica_seg *rs, unsigned pct)
{
	uint64_t total = 0, acc = 0;

	for (uint32_t b = 0; b < LAYOUT_HIST_BUCKETS; b++)
		total += LOADR(rs->render_hist[b]);
	if (total == 0)
		return 0;
	for (uint32_t b = 0; b < LAYOUT_HIST_BUCKETS; b++) {
		acc += LOADR(rs->render_hist[b]);
		if (acc * 100 >= total * pct)
			return (int)b;
	}
	return LAYOUT_HIST_BUCKETS - 1;
}

void group_replica_stats(const struct group *gr, uint32_t i, struct group_replica_stats *out)
{
	const struct replica_seg *rs = gr->r[i];

	out->blocks = LOADR(rs->blocks);
	out->wakeups = LOADR(rs->wakeups);
	out->timeouts = LOADR(rs->timeouts);
	out->overruns = LOADR(rs->overruns);
	out->late_renders = LOADR(rs->late_renders);
	out->render_ns_max = LOADR(rs->render_ns_max);
	out->busy_median_pct = hist_percentile(rs, 50);
	out->busy_p99_pct = hist_percentile(rs, 99);
}

/*
 * The replica adds to its counters with atomic read-modify-writes
 * (replica_count, replica_account), so a reset is never undone by a stale
 * value; only render_ns_max, a plain load and store there, may keep the
 * time of one block rendered during the reset.
 */
void group_replica_stats_reset(struct group *gr, uint32_t i)
{
	struct replica_seg *rs = gr->r[i];

	atomic_store_explicit(&rs->blocks, 0, memory_order_relaxed);
	atomic_store_explicit(&rs->wakeups, 0, memory_order_relaxed);
	atomic_store_explicit(&rs->timeouts, 0, memory_order_relaxed);
	atomic_store_explicit(&rs->overruns, 0, memory_order_relaxed);
	atomic_store_explicit(&rs->late_renders, 0, memory_order_relaxed);
	atomic_store_explicit(&rs->render_ns_max, 0, memory_order_relaxed);
	atomic_store_explicit(&rs->render_ns_total, 0, memory_order_relaxed);
	for (uint32_t b = 0; b < LAYOUT_HIST_BUCKETS; b++)
		atomic_store_explicit(&rs->render_hist[b], 0, memory_order_relaxed);
}
