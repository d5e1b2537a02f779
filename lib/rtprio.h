/*
 * rtprio.h - real-time scheduling and memory locking for audio threads.
 *
 * What it does: puts the calling thread on SCHED_FIFO at a priority (Linux),
 * or on THREAD_TIME_CONSTRAINT_POLICY with period / computation = period/2 /
 * constraint = period (macOS, as the seed did); locks the process's memory
 * (mlockall, or when that is refused the audio path's ranges with mlock);
 * reports what it got, or why not (EPERM, RLIMIT_RTPRIO), so the
 * caller can publish it ("rt: fifo/80", "rt: none (EPERM)"); picks and pins
 * a CPU, so that redundant replicas run on different cores.
 *
 * What it does not do: log, retry with other priorities, or fail the caller:
 * running without RT is allowed (with a warning by whoever logs).
 */
#ifndef RTAUDIO_RTPRIO_H
#define RTAUDIO_RTPRIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rtprio_policy {
	RTPRIO_NONE = 0,      /* normal time-sharing */
	RTPRIO_FIFO = 1,      /* Linux SCHED_FIFO */
	RTPRIO_TIMECONS = 2,  /* macOS THREAD_TIME_CONSTRAINT_POLICY */
};

/* What memory is locked (struct rtprio_status.mlocked, and a replica's
 * segment: rt_mlocked, read by the daemon for status). */
enum rtprio_mlock {
	RTPRIO_MLOCK_NONE = 0,     /* nothing (or nothing known) */
	RTPRIO_MLOCK_ALL = 1,      /* mlockall, current and future mappings */
	RTPRIO_MLOCK_CURRENT = 2,  /* mlockall, current mappings only */
	RTPRIO_MLOCK_PATH = 3,     /* mlockall refused: the audio path only, with
	                            * mlock (rtprio_lock_ranges) */
};

struct rtprio_status {
	int32_t policy;     /* enum rtprio_policy actually in force */
	int32_t priority;   /* SCHED_FIFO priority in force, 0 otherwise */
	int32_t error;      /* errno of the failed attempt, 0 if it worked */
	int32_t rlimit;     /* RLIMIT_RTPRIO soft limit seen (-1 = unlimited) */
	int32_t mlocked;    /* enum rtprio_mlock */
	int32_t mlock_error;
};

/*
 * Put the calling thread on real-time scheduling: SCHED_FIFO at `priority`
 * (1..99) on Linux; the time-constraint policy for `period_ns` on macOS
 * (priority ignored). Fills policy, priority (read back from the kernel:
 * what is in force, not what was asked), error and rlimit of *st; leaves the
 * mlock fields alone. Returns 0 or -errno (-EPERM when not allowed;
 * st->rlimit says what RLIMIT_RTPRIO allows, -1 if unlimited or, on macOS,
 * not applicable; -EINVAL for a priority out of range, or period_ns 0 on
 * macOS). Thread-safe (affects the calling thread only).
 */
int rtprio_set(int priority, uint64_t period_ns, struct rtprio_status *st);

/*
 * mlockall(MCL_CURRENT | MCL_FUTURE) and pre-fault `stack_bytes` (at most
 * 1 MiB; keep it below the thread's stack size) of the calling thread's
 * stack, one page-sized frame at a time. Records the outcome in st->mlocked
 * and st->mlock_error only. The stack is pre-faulted even if mlockall fails.
 * Returns 0 or -errno (-EPERM / -ENOMEM under RLIMIT_MEMLOCK).
 */
int rtprio_lock_memory(size_t stack_bytes, struct rtprio_status *st);

/* One range of memory for rtprio_lock_ranges(); any alignment. */
struct rtprio_range {
	const void *base;
	size_t bytes;
};

/*
 * The fallback when rtprio_lock_memory()'s mlockall was refused (ENOMEM: a
 * process larger than its RLIMIT_MEMLOCK, as an unprivileged replica is):
 * mlock(2) what the audio path touches, within the limit: each of the `n`
 * ranges (rounded out to whole pages; overlaps are fine) and the calling
 * thread's stack from `stack_bytes` (at most 1 MiB) below the caller's
 * frame, which rtprio_lock_memory() pre-faulted, up to the stack's top. All
 * or nothing: when one mlock fails, those done are undone, so
 * st->mlocked never claims more than is locked. Sets st->mlocked to
 * RTPRIO_MLOCK_PATH and st->mlock_error to 0, or leaves st->mlocked at
 * RTPRIO_MLOCK_NONE with the failing errno in st->mlock_error. Does
 * nothing (returns 0) when st->mlocked is already set. Returns 0 or -errno
 * (-ENOMEM past the limit, -EPERM with a limit of 0). Code pages and
 * memory not named (a renderer's heap) are not locked. Call from the
 * thread that will run the audio path, in the same function (or deeper)
 * it is called from; not on the audio path.
 */
int rtprio_lock_ranges(const struct rtprio_range *r, size_t n, size_t stack_bytes,
                       struct rtprio_status *st);

/*
 * Lock the process's memory for a supervisor that must keep running when
 * locking is refused later: mlockall(MCL_CURRENT | MCL_FUTURE) when the
 * caller may lock without limit (RLIMIT_MEMLOCK unlimited, or euid 0, whose
 * CAP_IPC_LOCK ignores the limit), else mlockall(MCL_CURRENT) only, so that
 * a later malloc or thread stack can never fail on the locked-memory limit.
 * Fills st->mlocked (0 none, 1 current and future, 2 current only) and
 * st->mlock_error. Returns 0 or -errno (-ENOMEM / -EPERM under
 * RLIMIT_MEMLOCK). Any thread; not for the audio path (slow: it faults in
 * every mapping).
 */
int rtprio_lock_process(struct rtprio_status *st);

/*
 * Touch `bytes` of the calling thread's stack (at most 1 MiB, one page-sized
 * frame at a time), so the first deep call on the audio path does not
 * page-fault. Call at the top of a real-time thread, before its loop; keep
 * it below the thread's stack size. Not for the audio path itself.
 */
void rtprio_touch_stack(size_t bytes);

/*
 * Make [base, base + bytes) resident in this process's page tables and lock
 * it: MADV_POPULATE_WRITE (`write`) or MADV_POPULATE_READ, falling back on
 * older kernels to touching one byte per page (a read, or an atomic add of
 * zero, which changes nothing another writer could see), then mlock(). For
 * shared mappings the audio path reads (or writes) after a (re)map, so its
 * first access is not a page fault. A page that cannot be populated (a file
 * cut short) is left alone: EFAULT from the kernel, never a SIGBUS here in
 * the madvise path. Returns 0, or -errno of the mlock (the pages are still
 * populated) or of the populate. Any thread; not for the audio path.
 */
int rtprio_prefault_range(void *base, size_t bytes, bool write);

/*
 * The `n`-th CPU (counting from 0, wrapping around) of the calling thread's
 * allowed set, so a supervisor can give each replica its own core from the
 * cores it was itself given (taskset, systemd CPUAffinity=). Returns the CPU
 * number, or -ENOENT when fewer than two CPUs are allowed (nothing to
 * spread over), or -errno from sched_getaffinity; -ENOTSUP on macOS, whose
 * scheduler has no hard affinity. Thread-safe; not for the audio path.
 */
int rtprio_nth_cpu(unsigned n);

/*
 * Pin the calling thread to `cpu` (sched_setaffinity), so that a core taken
 * away for a while (a host stealing a virtual CPU, a long non-preemptible
 * kernel section) stalls one replica, not the primary and its standby
 * together. Returns 0 or -errno (-EINVAL for a CPU outside the allowed
 * set); -ENOTSUP on macOS. Call before going real-time; never on the audio
 * path. Thread-safe (affects the calling thread only).
 */
int rtprio_pin_cpu(int cpu);

/*
 * Memory a real-time thread writes, in a process that forks (a supervisor
 * spawning children): `bytes` rounded up to whole pages, zeroed, resident,
 * locked when allowed, and marked MADV_DONTFORK. fork() write-protects every
 * private page of the parent for copy-on-write, so the RT thread's next
 * store to each page it writes would be a page fault, at every spawn; pages
 * the child does not inherit are left alone. The child must never touch it
 * between fork and exec (it does not exist there). Stores the address in
 * *out. Returns 0 or -errno (-ENOMEM). Free with rtprio_rt_free(). Any
 * thread; not for the audio path.
 */
int rtprio_rt_alloc(size_t bytes, void **out);

/* Release what rtprio_rt_alloc(bytes) gave (same bytes). NULL is a no-op. */
void rtprio_rt_free(void *p, size_t bytes);

/*
 * Mark the whole pages inside [base, base + bytes) MADV_DONTFORK (the
 * partial pages at either end are left inherited: they may hold someone
 * else's data). For RT-written state that lives in static storage, laid out
 * on its own pages. Returns 0 or -errno. Any thread; not for the audio path.
 */
int rtprio_dontfork(void *base, size_t bytes);

/*
 * Human summary of the memory lock in *st: "mlocked", "mlocked (current)",
 * "mlocked (audio path)", "not mlocked (ENOMEM)". Returns buf.
 */
const char *rtprio_describe_mlock(const struct rtprio_status *st, char *buf, size_t len);

/*
 * Human summary of *st into buf: "fifo/80", "timecons", "none (EPERM,
 * RLIMIT_RTPRIO=0)". Returns buf.
 */
const char *rtprio_describe(const struct rtprio_status *st, char *buf, size_t len);

#endif
