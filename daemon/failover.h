/*
 * failover.h - the record of each failover, and the sink counters it is
 * measured against.
 *
 * What it does: keeps the last FAILOVER_LOG failover records (time, reason,
 * from, to, detection latency, blocks rescued, samples lost, settling) and a
 * ring of FAILOVER_SNAPSHOTS snapshots of the sink's lost/rescued counters,
 * so that a failover's cost can be counted from just before its fault rather
 * than from the moment it was detected.
 *
 * What it does not do: decide that a failover happens or who takes over
 * (super.c), or reply to clients (cmd.c). Everything here runs on the loop
 * thread; the sink thread only writes the counters it reads.
 */
#ifndef RTAUDIOD_FAILOVER_H
#define RTAUDIOD_FAILOVER_H

#include <stdbool.h>
#include <stdint.h>

struct play_stats;

enum failover_reason { REASON_CRASH = 0, REASON_STALL, REASON_MANUAL, REASON_CORRUPT,
                       REASON_OUTVOTED, REASON_CONTENT, REASON_SANDBOX };

#define FAILOVER_LOG       64u   /* `rtaudioctl history` shows them all */
#define FAILOVER_SNAPSHOTS 256u

struct failover_rec {
	uint64_t mono_ns;       /* detection time, CLOCK_MONOTONIC */
	uint64_t wall_ms;       /* detection time, Unix epoch ms */
	int reason;             /* enum failover_reason */
	int from;
	int to;                 /* -1: no standby could take over */
	uint64_t detect_us;     /* from the fault (or last sign of life) to detection */
	uint64_t base_lost;     /* sink counters before the fault */
	uint64_t base_rescued;
	uint64_t lost_samples;  /* final once settled */
	uint64_t rescued;
	uint64_t settle_ns;     /* not final before this */
	uint64_t quiet_ns;      /* since when the sink has lost nothing (open records) */
	bool settled;
	int sync;               /* enum play_sync of `to` against `from` at the switch */
};

/* Zero-initialised (as part of struct super) is the empty log. */
struct failover_log {
	struct failover_rec rec[FAILOVER_LOG];
	uint64_t count;         /* failovers ever recorded */
	struct { uint64_t t, lost, rescued; } snap[FAILOVER_SNAPSHOTS];
	uint32_t snap_head;
};

/*
 * Remember the sink's lost/rescued counters at `now`, overwriting the
 * oldest snapshot. Called from every watchdog tick, so the snapshots are at
 * most one tick apart. Cannot fail; loop thread only.
 */
void failover_snapshot(struct failover_log *fl, const struct play_stats *st, uint64_t now);

/*
 * Record a failover detected at `now` of primary `from` to `to` (-1: none)
 * for `reason`. `fault_ns` is when the fault happened (or our best lower
 * bound of it) and gives the detection latency; the lost/rescued counts are
 * measured from the newest snapshot taken at or before `base_ns`, until
 * `settle_ns`. Overwrites the oldest record; reads the wall clock. Returns
 * the record, owned by `fl` and valid until FAILOVER_LOG more failovers.
 * Cannot fail; loop thread only.
 */
const struct failover_rec *failover_record(struct failover_log *fl, int reason, int from, int to,
                                           uint64_t fault_ns, uint64_t base_ns,
                                           uint64_t settle_ns, uint64_t now);

/*
 * Bring the lost/rescued counts of unsettled records up to date from `st`
 * and settle those whose settle time has come and after which the sink has
 * lost nothing for FAILOVER_QUIET_NS (audio is back), logging a warning for
 * a settled failover that lost samples. Cannot fail; loop thread only.
 *
 * Attribution: every sample the sink loses between a record's base and the
 * next record's base (or its settling) counts to that record, and to no
 * other: a new failover closes the one before it, whose count stops where
 * the new one's starts. So the records of a run add up to the sink's
 * lost_samples when failovers caused all of the loss.
 */
void failover_settle(struct failover_log *fl, const struct play_stats *st, uint64_t now);

/*
 * The earliest of `soonest` and the settle times of the records still to
 * settle, so the watchdog can be armed to settle them on time. Pure.
 */
uint64_t failover_next_due(const struct failover_log *fl, uint64_t soonest);

/* Audio back for this long (no sample lost) settles a record past its time. */
#define FAILOVER_QUIET_NS (200u * 1000u * 1000u)

/*
 * The k-th oldest record still kept (k = 0 the oldest; at most FAILOVER_LOG
 * of them, failover_kept() says how many), or NULL. Pure.
 */
const struct failover_rec *failover_nth(const struct failover_log *fl, uint64_t k);
uint64_t failover_kept(const struct failover_log *fl);

/* The most recent failover record (owned by `fl`), or NULL if none. Pure. */
const struct failover_rec *failover_last(const struct failover_log *fl);

/*
 * The sink's sync state (enum play_sync) of the replica that took over in
 * the most recent record, as measured against the primary it replaced.
 * Does nothing when there is no record. Loop thread only.
 */
void failover_note_sync(struct failover_log *fl, int sync);

/*
 * The most recent record, if it is a failover from `from` for `was`: its
 * reason becomes `now` (a death first told as a crash, whose reap then
 * said sandbox). True if it did. Loop thread only.
 */
bool failover_amend(struct failover_log *fl, int from, int was, int now);

/* "crash", "stall", "manual", "corrupt", "outvoted", "content", "sandbox"
 * (killed by its seccomp filter: SIGSYS), or "unknown"; a static string. */
const char *failover_reason_name(int reason);

#endif
