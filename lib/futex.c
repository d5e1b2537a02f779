/*
 * futex.c - cross-process wait/wake on a 32-bit word.
 *
 * What it does: Linux futex(2) FUTEX_WAIT / FUTEX_WAKE WITHOUT
 * FUTEX_PRIVATE_FLAG (the word lives in a MAP_SHARED segment mapped by
 * several processes, and a private futex would key the wait on the process's
 * own mm, so a waker in another process would never find the waiter). On
 * macOS: os_sync_wait_on_address_with_timeout / os_sync_wake_by_address_*
 * with OS_SYNC_WAIT_ON_ADDRESS_SHARED (macOS 14.4+), else the private but
 * long-stable __ulock_wait/__ulock_wake with UL_COMPARE_AND_WAIT_SHARED.
 *
 * futex_wait_any is futex_waitv(2), several words at once (Linux 5.16+).
 *
 * What it does not do: modify the word, loop on spurious wake-ups (callers
 * re-check), or allocate. Only the futex syscall: audio-path safe.
 */
#include <errno.h>
#include <limits.h>

#include "futex.h"

#define FUTEX_NSEC_PER_SEC 1000000000ll

#if defined(__linux__)

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int futex_wait(_Atomic uint32_t *word, uint32_t expected, int64_t timeout_ns)
{
	struct timespec ts, *tsp = NULL;

	if (timeout_ns >= 0) {
		ts.tv_sec = (time_t)(timeout_ns / FUTEX_NSEC_PER_SEC);
		ts.tv_nsec = (long)(timeout_ns % FUTEX_NSEC_PER_SEC);
		tsp = &ts;
	}
	/* FUTEX_WAIT's timeout is relative (CLOCK_MONOTONIC). */
	long rc = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected, tsp, NULL, 0);
	if (rc == 0)
		return 0;
	switch (errno) {
	case EAGAIN:
		return -EAGAIN;
	case ETIMEDOUT:
		return -ETIMEDOUT;
	case EINTR:
		return -EINTR;
	default:
		return -errno;
	}
}

int futex_wake(_Atomic uint32_t *word, int n)
{
	long rc = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, n < 0 ? INT_MAX : n, NULL,
	                  NULL, 0);
	if (rc < 0)
		return -errno;
	return (int)rc;
}

int futex_wait_any(_Atomic uint32_t *const words[], const uint32_t expected[], unsigned n,
                   int64_t timeout_ns)
{
#ifdef SYS_futex_waitv
	struct futex_waitv w[FUTEX_ANY_MAX];
	struct timespec ts, *tsp = NULL;

	if (n == 0 || n > FUTEX_ANY_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		/* FUTEX_32 without FUTEX_PRIVATE_FLAG: keyed like futex_wait's. */
		w[i] = (struct futex_waitv){ .val = expected[i],
		                             .uaddr = (uint64_t)(uintptr_t)words[i],
		                             .flags = FUTEX_32 };
	if (timeout_ns >= 0) {
		/* futex_waitv's time-out is absolute. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		int64_t ns = (int64_t)ts.tv_nsec + timeout_ns % FUTEX_NSEC_PER_SEC;
		ts.tv_sec += (time_t)(timeout_ns / FUTEX_NSEC_PER_SEC + ns / FUTEX_NSEC_PER_SEC);
		ts.tv_nsec = (long)(ns % FUTEX_NSEC_PER_SEC);
		tsp = &ts;
	}
	long rc = syscall(SYS_futex_waitv, w, n, 0, tsp, CLOCK_MONOTONIC);
	return rc >= 0 ? (int)rc : -errno;
#else
	(void)words, (void)expected, (void)n, (void)timeout_ns;
	return -ENOSYS;
#endif
}

#elif defined(__APPLE__)

#include <AvailabilityMacros.h>

/*
 * os_sync_wait_on_address is public from the macOS 14.4 SDK on. Use it
 * unconditionally when the deployment target guarantees it, behind a run-time
 * check when only the SDK has it (clang's __builtin_available), and fall back
 * to __ulock_* otherwise (older SDKs, or gcc, which lacks
 * __builtin_available).
 */
#if defined(__has_include)
#if __has_include(<os/os_sync_wait_on_address.h>) && __has_include(<os/clock.h>)
#include <os/clock.h>
#include <os/os_sync_wait_on_address.h>
#define FUTEX_SDK_OS_SYNC 1
#endif
#endif

#if defined(FUTEX_SDK_OS_SYNC) && defined(MAC_OS_X_VERSION_MIN_REQUIRED) && \
	MAC_OS_X_VERSION_MIN_REQUIRED >= 140400
#define FUTEX_USE_OS_SYNC 1 /* always there */
#define FUTEX_USE_ULOCK   0
#elif defined(FUTEX_SDK_OS_SYNC) && defined(__clang__)
#define FUTEX_USE_OS_SYNC 1 /* there from 14.4: checked at run time */
#define FUTEX_USE_ULOCK   1
#else
#define FUTEX_USE_OS_SYNC 0
#define FUTEX_USE_ULOCK   1
#endif

#if FUTEX_USE_OS_SYNC
#ifdef __clang__
#define FUTEX_OS_SYNC_AVAIL __attribute__((availability(macos, introduced = 14.4)))
#else
#define FUTEX_OS_SYNC_AVAIL
#endif

FUTEX_OS_SYNC_AVAIL
static int futex_os_sync_wait(_Atomic uint32_t *word, uint32_t expected, int64_t timeout_ns)
{
	int rc;

	if (atomic_load_explicit(word, memory_order_relaxed) != expected)
		return -EAGAIN;
	if (timeout_ns < 0)
		rc = os_sync_wait_on_address((void *)word, expected, sizeof(uint32_t),
		                             OS_SYNC_WAIT_ON_ADDRESS_SHARED);
	else /* relative, in ns of the given clock; 0 is refused with EINVAL */
		rc = os_sync_wait_on_address_with_timeout((void *)word, expected, sizeof(uint32_t),
		                                          OS_SYNC_WAIT_ON_ADDRESS_SHARED,
		                                          OS_CLOCK_MACH_ABSOLUTE_TIME,
		                                          timeout_ns == 0 ? 1u : (uint64_t)timeout_ns);
	return rc >= 0 ? 0 : -errno;
}

FUTEX_OS_SYNC_AVAIL
static int futex_os_sync_wake(_Atomic uint32_t *word, int n)
{
	int rc = n == 1 ? os_sync_wake_by_address_any((void *)word, sizeof(uint32_t),
	                                              OS_SYNC_WAKE_BY_ADDRESS_SHARED)
	                : os_sync_wake_by_address_all((void *)word, sizeof(uint32_t),
	                                              OS_SYNC_WAKE_BY_ADDRESS_SHARED);
	if (rc != 0 && errno != ENOENT) /* ENOENT: nobody was waiting */
		return -errno;
	return 0; /* the platform does not say how many woke */
}
#endif

#if FUTEX_USE_ULOCK
/*
 * Private xnu interface (bsd/sys/ulock.h), not in any SDK header; stable
 * ABI since macOS 10.12 and used by libc++'s std::atomic::wait. The
 * timeout is in microseconds, 0 meaning forever; with ULF_NO_ERRNO errors
 * come back as -errno.
 */
#define UL_COMPARE_AND_WAIT_SHARED 3u
#define ULF_WAKE_ALL               0x00000100u
#define ULF_NO_ERRNO               0x01000000u
extern int __ulock_wait(uint32_t operation, void *addr, uint64_t value, uint32_t timeout_us);
extern int __ulock_wake(uint32_t operation, void *addr, uint64_t wake_value);

static int futex_ulock_wait(_Atomic uint32_t *word, uint32_t expected, int64_t timeout_ns)
{
	uint32_t us = 0;

	if (timeout_ns >= 0) {
		int64_t t = (timeout_ns + 999) / 1000;
		if (t == 0)
			t = 1; /* 0 would mean "forever" */
		us = t > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)t;
	}
	if (atomic_load_explicit(word, memory_order_relaxed) != expected)
		return -EAGAIN;
	int rc = __ulock_wait(UL_COMPARE_AND_WAIT_SHARED | ULF_NO_ERRNO, (void *)word, expected, us);
	return rc >= 0 ? 0 : rc;
}

static int futex_ulock_wake(_Atomic uint32_t *word, int n)
{
	uint32_t op = UL_COMPARE_AND_WAIT_SHARED | ULF_NO_ERRNO;

	if (n != 1)
		op |= ULF_WAKE_ALL;
	int rc = __ulock_wake(op, (void *)word, 0);
	if (rc < 0 && rc != -ENOENT) /* ENOENT: nobody was waiting */
		return rc;
	return 0; /* the kernel does not say how many woke */
}
#endif

int futex_wait(_Atomic uint32_t *word, uint32_t expected, int64_t timeout_ns)
{
#if FUTEX_USE_OS_SYNC && FUTEX_USE_ULOCK
	if (__builtin_available(macOS 14.4, *))
		return futex_os_sync_wait(word, expected, timeout_ns);
	return futex_ulock_wait(word, expected, timeout_ns);
#elif FUTEX_USE_OS_SYNC
	return futex_os_sync_wait(word, expected, timeout_ns);
#else
	return futex_ulock_wait(word, expected, timeout_ns);
#endif
}

int futex_wake(_Atomic uint32_t *word, int n)
{
#if FUTEX_USE_OS_SYNC && FUTEX_USE_ULOCK
	if (__builtin_available(macOS 14.4, *))
		return futex_os_sync_wake(word, n);
	return futex_ulock_wake(word, n);
#elif FUTEX_USE_OS_SYNC
	return futex_os_sync_wake(word, n);
#else
	return futex_ulock_wake(word, n);
#endif
}

/* No wait on several addresses here: the caller falls back to futex_wait. */
int futex_wait_any(_Atomic uint32_t *const words[], const uint32_t expected[], unsigned n,
                   int64_t timeout_ns)
{
	(void)words, (void)expected, (void)n, (void)timeout_ns;
	return -ENOSYS;
}

#else
#error "futex.c: no wait-on-address primitive for this platform"
#endif
