/*
 * report.c - the sink's troubles told (see report.h).
 *
 * Does: log lines and events for underruns, clock slips and device
 * changes, each from a counter the sink thread publishes (it cannot log).
 * Does not: act on them; an underrun is not a replica's fault to fence.
 */
#include <stdio.h>

#include "clock.h"
#include "log.h"
#include "report.h"
#include "super.h"

static void emit(struct super *s, const char *type, int index, const char *detail)
{
	if (s->on_event != NULL)
		s->on_event(s, type, index, detail);
}

static uint64_t age_ns(uint64_t t, uint64_t now)
{
	return t < now ? now - t : 0;
}

/* Report new underruns: at most one log line and event a second. */
static void report_underruns(struct super *s, uint64_t now)
{
	const struct play_stats *st = &s->sink->play.st;
	uint64_t n = atomic_load_explicit(&st->underruns, memory_order_acquire);

	if (n < s->underruns_seen)
		s->underruns_seen = n;  /* stats reset */
	if (n == s->underruns_seen || age_ns(s->underrun_report_ns, now) < NSEC_PER_SEC)
		return;
	uint64_t seq = atomic_load_explicit(&st->last_underrun, memory_order_relaxed);
	char detail[96];
	snprintf(detail, sizeof(detail), "%llu underruns, last at block %llu",
	         (unsigned long long)(n - s->underruns_seen), (unsigned long long)seq);
	log_warn("sink: %s (primary %d)", detail, super_primary(s));
	emit(s, "underrun", super_primary(s), detail);
	s->underruns_seen = n;
	s->underrun_report_ns = now;
}

/*
 * Report the sink falling behind its clock (sink.c counts it): at most one
 * log line and "slip" event a second, with the time skipped since the last.
 */
static void report_slips(struct super *s, uint64_t now)
{
	uint64_t n = atomic_load_explicit(&s->sink->slips, memory_order_relaxed);
	uint64_t ns = atomic_load_explicit(&s->sink->slip_ns, memory_order_relaxed);

	if (n < s->slips_seen || ns < s->slip_ns_seen) {
		s->slips_seen = n;  /* stats reset */
		s->slip_ns_seen = ns;
	}
	if (n == s->slips_seen || age_ns(s->slip_report_ns, now) < NSEC_PER_SEC)
		return;
	char detail[96];
	snprintf(detail, sizeof(detail), "behind its clock %llu time(s), %.1f ms skipped",
	         (unsigned long long)(n - s->slips_seen), (double)(ns - s->slip_ns_seen) / 1e6);
	log_warn("sink: %s", detail);
	emit(s, "slip", super_primary(s), detail);
	s->slips_seen = n;
	s->slip_ns_seen = ns;
	s->slip_report_ns = now;
}

/*
 * A device sink (alsa; jack: its server) lost its device or got it back: one
 * `sink` event each.
 */
static void sink_dev_events(struct super *s)
{
	const struct sink_dev *v = &s->sink->dev;
	uint64_t c = atomic_load_explicit(&v->changes, memory_order_acquire);
	char detail[160];

	if (!s->sink->has_dev || c == s->dev_changes_seen)
		return;
	s->dev_changes_seen = c;
	snprintf(detail, sizeof detail, "%s %s",
	         atomic_load_explicit(&v->up, memory_order_relaxed) ? "device-back" : "device-lost",
	         v->name);
	emit(s, "sink", -1, detail);
}

void report_sink(struct super *s, uint64_t now)
{
	sink_dev_events(s);
	report_underruns(s, now);
	report_slips(s, now);
}
