/*
 * judge.c - fence and report what the sink found wrong (loop thread).
 *
 * Does: the loop thread's half of "Wrong output: vote and content guard"
 * and of the sync check (DESIGN.md). The sink thread cannot log, signal or
 * allocate, so it only counts (play.c); a fence request is a counter that
 * moved past what this file already acted on, the same pattern as
 * bad_from/bad_seen in super.c. A fence of the primary is a failover (to a
 * replica of the majority, which the sink publishes); a fence of a standby
 * is recorded in the same failover log, from it to the unchanged primary,
 * so every replica the sink judged wrong leaves a record. Events are rate
 * limited (one a second per replica) because a liar produces one verdict
 * per block.
 * Does not: look at audio, or keep any state the sink needs.
 */
#include <stdio.h>

#include "clock.h"
#include "judge.h"
#include "log.h"
#include "play.h"
#include "super.h"

#define LOAD(c) atomic_load_explicit(&(c), memory_order_acquire)

static void emit(struct super *s, const char *type, int index, const char *detail)
{
	if (s->on_event != NULL)
		s->on_event(s, type, index, detail);
}

/* A counter's news since `seen` (a reset by the sink restarts from 0). */
static uint64_t news(uint64_t cur, uint64_t *seen)
{
	if (cur < *seen)
		*seen = 0;
	return cur - *seen;
}

static void fence_for(struct super *s, uint32_t i, int reason, const char *why, uint64_t now)
{
	bool primary = super_primary(s) == (int)i;

	log_warn("replica %u (pid %d): %s; fencing it (%s)", i, s->slot[i].proc.pid, why,
	         failover_reason_name(reason));
	emit(s, "fenced", (int)i, why);
	if (!primary) {
		/* Nothing changes hands; the record says who was fenced and why. */
		uint64_t p = s->gr->period_ns;
		failover_record(&s->fo, reason, (int)i, super_primary(s), now, now > p ? now - p : 0,
		                now + (uint64_t)(s->gr->lead + s->cfg->stall_periods + 4) * p, now);
	}
	super_fence_replica(s, i, reason,
	                    atomic_load_explicit(&s->sink->play.st.majority, memory_order_relaxed));
}

/* Events for slot i's new verdicts, at most one a second. */
static void report(struct super *s, uint32_t i, uint64_t now)
{
	const struct play_replica *r = &s->sink->play.rep[i];
	struct judge_slot *j = &s->slot[i].judge;
	uint64_t div = news(LOAD(r->diverged), &j->diverged_seen);
	uint64_t out = news(LOAD(r->outvoted), &j->outvoted_seen);
	uint64_t bad = news(LOAD(r->bad_content), &j->bad_content_seen);
	char detail[128];

	if ((div | out | bad) == 0 || now - j->report_ns < NSEC_PER_SEC)
		return;
	j->report_ns = now;
	if (div != 0) {
		snprintf(detail, sizeof detail, "%llu block(s) differ from the primary's, last %llu",
		         (unsigned long long)div,
		         (unsigned long long)LOAD(r->last_diverged));
		log_warn("replica %u: %s", i, detail);
		emit(s, "diverged", (int)i, detail);
	}
	if (out != 0) {
		snprintf(detail, sizeof detail, "outvoted on %llu block(s)", (unsigned long long)out);
		log_warn("replica %u: %s", i, detail);
		emit(s, "outvoted", (int)i, detail);
	}
	if (bad != 0) {
		snprintf(detail, sizeof detail,
		         "%llu block(s) with NaN, Inf or beyond max_level refused",
		         (unsigned long long)bad);
		log_warn("replica %u: %s", i, detail);
		emit(s, "bad_content", (int)i, detail);
	}
	j->diverged_seen += div;
	j->outvoted_seen += out;
	j->bad_content_seen += bad;
}

void judge_tick(struct super *s, uint64_t now)
{
	const struct play *p = &s->sink->play;
	char why[128];

	for (uint32_t i = 0; i < s->n; i++) {
		struct judge_slot *j = &s->slot[i].judge;
		uint64_t fc = LOAD(p->rep[i].fence_content);
		uint64_t fo = LOAD(p->rep[i].fence_outvoted);

		report(s, i, now);
		if (!super_slot_live(s, i)) {
			j->fence_content_seen = fc;
			j->fence_outvoted_seen = fo;
			continue;
		}
		/* Content first: the more specific verdict, if both came at once. */
		if (fc != j->fence_content_seen) {
			j->fence_content_seen = fc;
			j->fence_outvoted_seen = fo;
			snprintf(why, sizeof why, "%u block(s) in a row with NaN, Inf or beyond max_level",
			         p->pol.content_strikes);
			fence_for(s, i, REASON_CONTENT, why, now);
		} else if (fo != j->fence_outvoted_seen) {
			j->fence_outvoted_seen = fo;
			snprintf(why, sizeof why, "outvoted %u block(s) in a row", p->pol.vote_strikes);
			fence_for(s, i, REASON_OUTVOTED, why, now);
		}
	}
	uint64_t nm = news(LOAD(p->st.no_majority), &s->judge.no_majority_seen);
	if (nm != 0 && now - s->judge.report_ns >= NSEC_PER_SEC) {
		snprintf(why, sizeof why, "%llu block(s) without a majority: primary's copy played",
		         (unsigned long long)nm);
		log_warn("vote: %s", why);
		emit(s, "no_majority", super_primary(s), why);
		s->judge.report_ns = now;
		s->judge.no_majority_seen += nm;
	}
}

void judge_respawned(struct super *s, uint32_t i)
{
	struct play *p = &s->sink->play;
	struct judge_slot *j = &s->slot[i].judge;

	play_forget(p, i);
	/* Requests made against the old process are void; counters restart at 0. */
	j->fence_content_seen = LOAD(p->rep[i].fence_content);
	j->fence_outvoted_seen = LOAD(p->rep[i].fence_outvoted);
	j->diverged_seen = j->outvoted_seen = j->bad_content_seen = 0;
}

static json_t *seq_or_null(uint64_t seq, bool have)
{
	return have ? json_integer((json_int_t)seq) : json_null();
}

json_t *judge_sync_json(const struct super *s, uint32_t i)
{
	const struct play_replica *r = &s->sink->play.rep[i];
	int sync = play_sync_of(&s->sink->play, i);
	uint64_t div = LOAD(r->diverged);

	return json_pack("{s:s, s:o, s:I, s:I, s:o}",
	                 "state", (int)i == super_primary(s) ? "primary" : play_sync_name(sync),
	                 "since", seq_or_null(LOAD(r->since), sync == SYNC_IDENTICAL),
	                 "identical", (json_int_t)LOAD(r->identical),
	                 "diverged", (json_int_t)div,
	                 "last_diverged", seq_or_null(LOAD(r->last_diverged), div != 0));
}

json_t *judge_replica_stats(json_t *obj, const struct play *p, uint32_t i)
{
	const struct play_replica *r = &p->rep[i];

	json_object_set_new(obj, "identical", json_integer((json_int_t)LOAD(r->identical)));
	json_object_set_new(obj, "diverged", json_integer((json_int_t)LOAD(r->diverged)));
	json_object_set_new(obj, "outvoted", json_integer((json_int_t)LOAD(r->outvoted)));
	json_object_set_new(obj, "bad_content", json_integer((json_int_t)LOAD(r->bad_content)));
	return obj;
}

json_t *judge_stats_json(const struct play *p)
{
	return json_pack("{s:s, s:i, s:i, s:f, s:I, s:I, s:I, s:I, s:I}",
	                 "mode", p->pol.vote == PLAY_VOTE_MAJORITY ? "majority" : "off",
	                 "vote_strikes", (int)p->pol.vote_strikes,
	                 "content_strikes", (int)p->pol.content_strikes,
	                 "max_abs", (double)p->pol.max_abs,
	                 "voted", (json_int_t)LOAD(p->st.voted),
	                 "no_majority", (json_int_t)LOAD(p->st.no_majority),
	                 "outvoted", (json_int_t)LOAD(p->st.outvoted),
	                 "bad_content", (json_int_t)LOAD(p->st.bad_content),
	                 "guard_silence", (json_int_t)LOAD(p->st.guard_silence));
}
