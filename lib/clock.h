/*
 * clock.h - monotonic time in integer nanoseconds.
 *
 * What it does: reads CLOCK_MONOTONIC (the clock heartbeats, deadlines and
 * failover records use, comparable across processes on one host), computes an
 * audio period in integer nanoseconds, sleeps until an absolute deadline.
 *
 * What it does not do: wall-clock time, or anything that can allocate. All
 * functions are safe on the audio path (clock calls only) and thread-safe.
 */
#ifndef RTAUDIO_CLOCK_H
#define RTAUDIO_CLOCK_H

#include <stdint.h>

#define NSEC_PER_SEC  1000000000ull
#define NSEC_PER_MSEC 1000000ull
#define NSEC_PER_USEC 1000ull

/* CLOCK_MONOTONIC now, in ns. */
uint64_t clock_now_ns(void);

/*
 * Duration of `frames` frames at `rate` Hz in ns, rounded down:
 * clock_period_ns(48000, 256) == 5333333. Returns 0 if rate is 0.
 */
uint64_t clock_period_ns(uint32_t rate, uint32_t frames);

/*
 * Sleep until CLOCK_MONOTONIC reaches `deadline_ns` (absolute). Returns at
 * once if it is past. Restarts after signals. Returns 0 or -errno.
 */
int clock_sleep_until_ns(uint64_t deadline_ns);

#endif
