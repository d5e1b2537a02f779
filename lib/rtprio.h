/*
 * rtprio.h - real-time scheduling and memory locking for audio threads.
 *
 * What it does: puts the calling thread on SCHED_FIFO at a priority (Linux),
 * or on THREAD_TIME_CONSTRAINT_POLICY with period / computation = period/2 /
 * constraint = period (macOS, as the seed did); locks the process's memory
 * (mlockall); reports what it got, or why not (EPERM, RLIMIT_RTPRIO), so the
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

struct rtprio_status {
	int32_t policy;     /* enum rtprio_policy actually in force */
	int32_t priority;   /* SCHED_FIFO priority in force, 0 otherwise */
	int32_t error;      /* errno of the failed attempt, 0 if it worked */
	int32_t rlimit;     /* RLIMIT_RTPRIO soft limit seen (-1 = unlimited) */
	int32_t mlocked;    /* 1 if mlockall succeeded */
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
 * Human summary of *st into buf: "fifo/80", "timecons", "none (EPERM,
 * RLIMIT_RTPRIO=0)". Returns buf.
 */
const char *rtprio_describe(const struct rtprio_status *st, char *buf, size_t len);

#endif
