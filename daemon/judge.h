/*
 * judge.h - act on the sink's verdicts about wrong output.
 *
 * What it does, on the loop thread, from the watchdog tick: reads the
 * counters play.c publishes (sync identical/diverged, outvoted, bad content,
 * fence requests), fences a replica the sink asked to be fenced (reason
 * `outvoted` or `content`: super_fence_replica, recorded like a failover),
 * logs and emits events for divergence, outvotes, refused content and votes
 * without a majority (each at most once a second per replica, or per group
 * for no_majority); tells the sink to forget a slot when it is respawned;
 * builds the JSON of the sync state and the counters for status and stats.
 *
 * What it does not do: look at audio (play.c does, in the sink thread), or
 * decide who takes over beyond naming the majority (slot.c decides).
 */
#ifndef RTAUDIOD_JUDGE_H
#define RTAUDIOD_JUDGE_H

#include <jansson.h>
#include <stdint.h>

struct super;
struct play;

/* Per slot: what of the sink's counters was already acted on or reported. */
struct judge_slot {
	uint64_t fence_outvoted_seen;
	uint64_t fence_content_seen;
	uint64_t diverged_seen, outvoted_seen, bad_content_seen;
	uint64_t report_ns;     /* last event of this slot */
};

/* Per group. */
struct judge {
	uint64_t no_majority_seen;
	uint64_t report_ns;
};

/* Watchdog tick: fence on request, report. Loop thread. */
void judge_tick(struct super *s, uint64_t now);

/* Slot i is being respawned: the sink forgets it, old requests are void. */
void judge_respawned(struct super *s, uint32_t i);

/*
 * Status: replica i's sync as {"state", "since", "identical", "diverged",
 * "last_diverged"}; state is "primary" for the primary (nothing to compare
 * with), else unknown|identical|diverged. New reference, or NULL.
 */
json_t *judge_sync_json(const struct super *s, uint32_t i);

/*
 * Stats: add replica i's counters (identical, diverged, outvoted,
 * bad_content) to `obj`. Returns obj.
 */
json_t *judge_replica_stats(json_t *obj, const struct play *p, uint32_t i);

/* Stats: the group-wide vote and guard counters, and the policy. New reference. */
json_t *judge_stats_json(const struct play *p);

#endif
