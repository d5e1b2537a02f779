/*
 * clock.c - monotonic nanoseconds, audio periods, absolute sleeps.
 *
 * What it does: wraps CLOCK_MONOTONIC as a uint64_t count of nanoseconds,
 * computes a period in integer arithmetic (no floating point, so every
 * process derives the same period from the same rate and block size), and
 * sleeps until an absolute deadline (clock_nanosleep TIMER_ABSTIME on Linux,
 * so a late wake-up does not accumulate drift; a nanosleep loop on macOS,
 * which has no absolute sleep).
 *
 * What it does not do: wall-clock time, timers, or allocation. Everything
 * here is safe on the audio path.
 */
#include <errno.h>
#include <time.h>
#ifndef __APPLE__
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "clock.h"

uint64_t clock_now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer; no error path. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t clock_period_ns(uint32_t rate, uint32_t frames)
{
	if (rate == 0)
		return 0;
	/* frames * 1e9 fits in 64 bits for any uint32_t frames (< 4.3e18). */
	return (uint64_t)frames * NSEC_PER_SEC / rate;
}

#ifdef __APPLE__

/*
 * macOS has no clock_nanosleep. Sleep the remaining relative time in a
 * loop, re-reading the clock after each sleep (nanosleep returns early on a
 * signal). clock_gettime(CLOCK_MONOTONIC) exists there since 10.12, so
 * deadlines stay in the clock clock_now_ns() reports on every platform.
 */
int clock_sleep_until_ns(uint64_t deadline_ns)
{
	for (;;) {
		uint64_t now = clock_now_ns();
		struct timespec rel;

		if (now >= deadline_ns)
			return 0;
		uint64_t left = deadline_ns - now;
		rel.tv_sec = (time_t)(left / NSEC_PER_SEC);
		rel.tv_nsec = (long)(left % NSEC_PER_SEC);
		if (nanosleep(&rel, NULL) != 0 && errno != EINTR)
			return -errno;
	}
}

#else

int clock_sleep_until_ns(uint64_t deadline_ns)
{
	struct timespec ts;
	int rc;

	ts.tv_sec = (time_t)(deadline_ns / NSEC_PER_SEC);
	ts.tv_nsec = (long)(deadline_ns % NSEC_PER_SEC);
	/*
	 * Absolute deadline: restarting after EINTR with the same ts is exact.
	 * The raw system call, not glibc's clock_nanosleep(): that wrapper is
	 * a cancellation point, and glibc (2.34 to 2.36 at least) sets and
	 * clears the cancel-type bit in the calling thread's descriptor around
	 * it. The descriptor lives at the top of the thread's stack, so in a
	 * process that forks (the supervisor spawning a replica) every sleep
	 * after a spawn would take a copy-on-write page fault there.
	 */
	do {
		rc = (int)syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		rc = rc != 0 ? errno : 0;
	} while (rc == EINTR);
	return -rc;
}

#endif
