/*
 * report.h - tell what the sink counted: underruns, clock slips, a device
 * lost or back.
 *
 * What it does, from the watchdog tick on the loop thread: compares the
 * sink's counters with what was already reported and logs and emits an
 * event for the news, rate limited to one a second for underruns and
 * slips (a sink in trouble counts once a period).
 *
 * What it does not do: decide anything (slot.c) or count (sink.c, play.c).
 */
#ifndef RTAUDIOD_REPORT_H
#define RTAUDIOD_REPORT_H

#include <stdint.h>

struct super;

/* Report the sink's news since the last call. Loop thread. */
void report_sink(struct super *s, uint64_t now);

#endif
