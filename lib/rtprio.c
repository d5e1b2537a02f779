/*
 * rtprio.c - real-time scheduling and memory locking for audio threads.
 *
 * What it does: Linux: SCHED_FIFO on the calling thread, and when refused the
 * errno and the RLIMIT_RTPRIO soft limit that explain why; macOS:
 * THREAD_TIME_CONSTRAINT_POLICY (period, computation = period/2,
 * constraint = period, preemptible) as the seed did. mlockall plus a
 * pre-fault of the stack, so the first deep call on the audio path does not
 * page-fault; when mlockall is refused, mlock of the ranges the caller names
 * and of the stack. Pinning a thread to one CPU of its allowed set (Linux), so
 * redundant replicas do not share a core. A one-line description for
 * status output.
 *
 * What it does not do: log, retry at other priorities, raise rlimits, or
 * treat a refusal as fatal: the caller decides (running without RT is
 * allowed, with a warning logged by the daemon).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rtprio.h"

#ifdef __APPLE__
#include <mach/mach.h>
#include <mach/mach_time.h>
#include <mach/thread_policy.h>
#endif

/* Largest stack pre-fault we honour (bigger requests are clamped): far more
 * than an audio callback uses, far less than a default thread stack. */
#define RTPRIO_PREFAULT_MAX (1024u * 1024u)
#define RTPRIO_PREFAULT_CHUNK 4096u

#ifdef __APPLE__

/* ns to mach absolute time units (numer/denom converts units to ns). */
static uint32_t rtprio_ns_to_abs(uint64_t ns)
{
	mach_timebase_info_data_t tb;

	if (mach_timebase_info(&tb) != KERN_SUCCESS || tb.numer == 0)
		return 0;
	uint64_t abs = ns * tb.denom / tb.numer;
	return abs > UINT32_MAX ? UINT32_MAX : (uint32_t)abs;
}

int rtprio_set(int priority, uint64_t period_ns, struct rtprio_status *st)
{
	thread_time_constraint_policy_data_t pol;
	kern_return_t kr;

	(void)priority;
	st->policy = RTPRIO_NONE;
	st->priority = 0;
	st->rlimit = -1;
	if (period_ns == 0) {
		st->error = EINVAL;
		return -EINVAL;
	}
	pol.period = rtprio_ns_to_abs(period_ns);
	pol.computation = rtprio_ns_to_abs(period_ns / 2);
	pol.constraint = rtprio_ns_to_abs(period_ns);
	pol.preemptible = 1;
	kr = thread_policy_set(pthread_mach_thread_np(pthread_self()),
	                       THREAD_TIME_CONSTRAINT_POLICY, (thread_policy_t)&pol,
	                       THREAD_TIME_CONSTRAINT_POLICY_COUNT);
	if (kr != KERN_SUCCESS) {
		st->error = EPERM; /* mach has no errno; any refusal reads as "not allowed" */
		return -EPERM;
	}
	st->policy = RTPRIO_TIMECONS;
	st->error = 0;
	return 0;
}

#else

static int32_t rtprio_rlimit(void)
{
#ifdef RLIMIT_RTPRIO
	struct rlimit rl;

	if (getrlimit(RLIMIT_RTPRIO, &rl) != 0)
		return 0;
	if (rl.rlim_cur == RLIM_INFINITY)
		return -1;
	return rl.rlim_cur > INT32_MAX ? INT32_MAX : (int32_t)rl.rlim_cur;
#else
	return -1; /* no such limit on this system */
#endif
}

int rtprio_set(int priority, uint64_t period_ns, struct rtprio_status *st)
{
	struct sched_param sp;
	int policy, rc;

	(void)period_ns;
	memset(&sp, 0, sizeof sp);
	sp.sched_priority = priority;
	st->rlimit = rtprio_rlimit();
	rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	st->error = rc;
	/* Report what is in force, whatever was asked. */
	if (pthread_getschedparam(pthread_self(), &policy, &sp) == 0 &&
	    policy == SCHED_FIFO) {
		st->policy = RTPRIO_FIFO;
		st->priority = sp.sched_priority;
	} else {
		st->policy = RTPRIO_NONE;
		st->priority = 0;
	}
	return -rc;
}

#endif

/*
 * Touch `bytes` of stack below the caller so those pages are resident (and,
 * after mlockall(MCL_FUTURE), locked). Recurses one page-sized frame at a
 * time rather than using one big array, so a thread with a small stack never
 * gets a frame (or compiler stack-clash probes) larger than asked for. The
 * read after the call keeps it from becoming a tail call (which would reuse
 * one frame); the volatile stores cannot be optimised away.
 */
__attribute__((noinline)) static unsigned rtprio_prefault_stack(size_t bytes)
{
	volatile unsigned char chunk[RTPRIO_PREFAULT_CHUNK];
	unsigned sum = 0;

	chunk[0] = 0;
	chunk[RTPRIO_PREFAULT_CHUNK - 1] = 0;
	/* The array's address escapes, so all of it is on the stack: without
	 * this clang keeps only the two bytes touched (an 8-byte frame), and 256
	 * KiB asked for pre-faulted about 1 KiB. */
	__asm__ volatile("" : : "r"(chunk) : "memory");
	if (bytes > RTPRIO_PREFAULT_CHUNK)
		sum = rtprio_prefault_stack(bytes - RTPRIO_PREFAULT_CHUNK);
	return sum + chunk[0] + chunk[RTPRIO_PREFAULT_CHUNK - 1];
}

int rtprio_lock_memory(size_t stack_bytes, struct rtprio_status *st)
{
	int rc = 0;

	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
		rc = -errno;
		st->mlocked = 0;
		st->mlock_error = errno;
	} else {
		st->mlocked = 1;
		st->mlock_error = 0;
	}
	if (stack_bytes > RTPRIO_PREFAULT_MAX)
		stack_bytes = RTPRIO_PREFAULT_MAX;
	if (stack_bytes > 0)
		(void)rtprio_prefault_stack(stack_bytes);
	return rc;
}

void rtprio_touch_stack(size_t bytes)
{
	if (bytes > RTPRIO_PREFAULT_MAX)
		bytes = RTPRIO_PREFAULT_MAX;
	if (bytes > 0)
		(void)rtprio_prefault_stack(bytes);
}

static size_t rtprio_page(void);

/* The top (highest address) of the calling thread's stack; 0 if unknown. */
static uintptr_t rtprio_stack_top(void)
{
#if defined(__APPLE__)
	return (uintptr_t)pthread_get_stackaddr_np(pthread_self());
#elif defined(__linux__)
	/* For the main thread glibc reads /proc/self/maps: the end of the
	 * stack's mapping, exactly what mlock needs. */
	pthread_attr_t a;
	void *addr;
	size_t size;

	if (pthread_getattr_np(pthread_self(), &a) != 0)
		return 0;
	int rc = pthread_attr_getstack(&a, &addr, &size);
	(void)pthread_attr_destroy(&a);
	return rc == 0 ? (uintptr_t)addr + size : 0;
#else
	return 0;
#endif
}

/* mlock (or, lock false, munlock) the whole pages over [lo, hi). */
static int rtprio_lock_pages(uintptr_t lo, uintptr_t hi, bool lock)
{
	uintptr_t pg = (uintptr_t)rtprio_page();

	lo = lo / pg * pg;
	hi = (hi + pg - 1) / pg * pg;
	if (hi <= lo)
		return 0;
	if (!lock)
		return munlock((void *)lo, hi - lo) == 0 ? 0 : -errno;
	return mlock((void *)lo, hi - lo) == 0 ? 0 : -errno;
}

__attribute__((noinline)) int rtprio_lock_ranges(const struct rtprio_range *r, size_t n,
                                                 size_t stack_bytes, struct rtprio_status *st)
{
	volatile unsigned char here = 0;
	size_t done = 0;
	int rc;

	if (st->mlocked != RTPRIO_MLOCK_NONE)
		return 0;
	if (stack_bytes > RTPRIO_PREFAULT_MAX)
		stack_bytes = RTPRIO_PREFAULT_MAX;
	/*
	 * The stack: from stack_bytes below this frame (touched again from here,
	 * so every page of it is mapped: mlock does not grow a stack) to the
	 * top, which holds the frames the audio path returns to.
	 */
	(void)rtprio_prefault_stack(stack_bytes);
	uintptr_t sp = (uintptr_t)&here, top = rtprio_stack_top();
	if (top <= sp || sp < stack_bytes) {
		rc = -EFAULT;
		goto out;
	}
	if ((rc = rtprio_lock_pages(sp - stack_bytes, top, true)) < 0)
		goto out;
	for (; done < n; done++) {
		uintptr_t b = (uintptr_t)r[done].base;
		if (r[done].base == NULL || r[done].bytes == 0)
			continue;
		if ((rc = rtprio_lock_pages(b, b + r[done].bytes, true)) < 0)
			break;
	}
	if (rc < 0) {
		/* All or nothing: a part locked would be neither "mlocked" (its
		 * rest can still be paged out) nor, by VmLck, "not mlocked". */
		while (done-- > 0)
			if (r[done].base != NULL && r[done].bytes != 0)
				(void)rtprio_lock_pages((uintptr_t)r[done].base,
				                        (uintptr_t)r[done].base + r[done].bytes, false);
		(void)rtprio_lock_pages(sp - stack_bytes, top, false);
	}
out:
	st->mlocked = rc == 0 ? RTPRIO_MLOCK_PATH : RTPRIO_MLOCK_NONE;
	st->mlock_error = -rc;
	return rc;
}

int rtprio_lock_process(struct rtprio_status *st)
{
	struct rlimit rl;
	int flags = MCL_CURRENT;

	/*
	 * MCL_FUTURE under a finite limit would make any later allocation past
	 * the limit fail (malloc, a thread's stack): a daemon that must keep
	 * serving locks what it has and pre-faults the rest itself.
	 */
	if (geteuid() == 0 ||
	    (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur == RLIM_INFINITY))
		flags |= MCL_FUTURE;
	if (mlockall(flags) != 0) {
		st->mlocked = 0;
		st->mlock_error = errno;
		return -st->mlock_error;
	}
	st->mlocked = (flags & MCL_FUTURE) != 0 ? 1 : 2;
	st->mlock_error = 0;
	return 0;
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22  /* Linux 5.14 */
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

int rtprio_prefault_range(void *base, size_t bytes, bool write)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t step = pg > 0 ? (size_t)pg : 4096u;
	int rc = 0;

	if (base == NULL || bytes == 0)
		return -EINVAL;
#ifdef __linux__
	if (madvise(base, bytes, write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) != 0) {
		if (errno != EINVAL)  /* EINVAL: a kernel before 5.14; touch instead */
			return -errno;
#else
	{
#endif
		unsigned char *p = base;
		volatile unsigned char sum = 0;

		for (size_t off = 0; off < bytes; off += step) {
			if (write)
				__atomic_fetch_add(p + off, 0, __ATOMIC_RELAXED);
			else
				sum ^= ((volatile unsigned char *)p)[off];
		}
		(void)sum;
	}
	if (mlock(base, bytes) != 0)
		rc = -errno;
	return rc;
}

static size_t rtprio_page(void)
{
	long pg = sysconf(_SC_PAGESIZE);

	return pg > 0 ? (size_t)pg : 4096u;
}

int rtprio_rt_alloc(size_t bytes, void **out)
{
	size_t pg = rtprio_page();

	*out = NULL;
	if (bytes == 0 || bytes > SIZE_MAX - pg)
		return -EINVAL;
	bytes = (bytes + pg - 1) / pg * pg;
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
#ifdef MADV_DONTFORK
	(void)madvise(p, bytes, MADV_DONTFORK);
#endif
	(void)rtprio_prefault_range(p, bytes, true);
	*out = p;
	return 0;
}

void rtprio_rt_free(void *p, size_t bytes)
{
	size_t pg = rtprio_page();

	if (p != NULL && bytes > 0)
		(void)munmap(p, (bytes + pg - 1) / pg * pg);
}

int rtprio_dontfork(void *base, size_t bytes)
{
	size_t pg = rtprio_page();
	uintptr_t lo = ((uintptr_t)base + pg - 1) / pg * pg;
	uintptr_t hi = ((uintptr_t)base + bytes) / pg * pg;

	if (hi <= lo)
		return -EINVAL;
#ifdef MADV_DONTFORK
	return madvise((void *)lo, hi - lo, MADV_DONTFORK) == 0 ? 0 : -errno;
#else
	return -ENOTSUP;
#endif
}

const char *rtprio_describe_mlock(const struct rtprio_status *st, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (st->mlocked == RTPRIO_MLOCK_ALL)
		snprintf(buf, len, "mlocked");
	else if (st->mlocked == RTPRIO_MLOCK_CURRENT)
		snprintf(buf, len, "mlocked (current)");
	else if (st->mlocked == RTPRIO_MLOCK_PATH)
		snprintf(buf, len, "mlocked (audio path)");
	else if (st->mlock_error == 0)
		snprintf(buf, len, "not mlocked");
	else
		snprintf(buf, len, "not mlocked (%s)",
		         st->mlock_error == ENOMEM ? "ENOMEM"
		         : st->mlock_error == EPERM ? "EPERM"
		         : st->mlock_error == EAGAIN ? "EAGAIN" : "error");
	return buf;
}

#ifdef __APPLE__
int rtprio_nth_cpu(unsigned n)
{
	(void)n;
	return -ENOTSUP;
}

int rtprio_pin_cpu(int cpu)
{
	(void)cpu;
	return -ENOTSUP;
}
#else
int rtprio_nth_cpu(unsigned n)
{
	cpu_set_t set;
	int count;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return -errno;
	count = CPU_COUNT(&set);
	if (count < 2)
		return -ENOENT;
	n %= (unsigned)count;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set) && n-- == 0)
			return cpu;
	return -ENOENT;
}

int rtprio_pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0 ? 0 : -errno;
}
#endif

const char *rtprio_describe(const struct rtprio_status *st, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	switch (st->policy) {
	case RTPRIO_FIFO:
		snprintf(buf, len, "fifo/%d", (int)st->priority);
		return buf;
	case RTPRIO_TIMECONS:
		snprintf(buf, len, "timecons");
		return buf;
	default:
		break;
	}
	if (st->error == 0) {
		snprintf(buf, len, "none");
	} else {
		const char *name = st->error == EPERM ? "EPERM"
		                 : st->error == EINVAL ? "EINVAL"
		                 : st->error == EAGAIN ? "EAGAIN"
		                 : NULL;
		char num[16];

		if (name == NULL) {
			snprintf(num, sizeof num, "errno %d", (int)st->error);
			name = num;
		}
		if (st->rlimit < 0)
			snprintf(buf, len, "none (%s, RLIMIT_RTPRIO=unlimited)", name);
		else
			snprintf(buf, len, "none (%s, RLIMIT_RTPRIO=%d)", name, (int)st->rlimit);
	}
	return buf;
}
