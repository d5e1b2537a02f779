/*
 * rtthread.c - a real-time thread on a stack fork() does not write-protect.
 *
 * Does: map the stack, start the thread on it through a trampoline that
 * marks the stack below its own frame MADV_DONTFORK and moves the thread's
 * frames below that line; join and unmap. See rtthread.h for why the top of
 * the stack stays inherited.
 * Does not: log, schedule, or lock memory (mlockall(MCL_FUTURE), when the
 * caller has it, locks the mapping; the pages are pre-faulted here).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef HAVE_SYS_RSEQ_H
#include <sys/rseq.h>
#include <sys/syscall.h>
#endif

#include "rtthread.h"

#define RTTHREAD_MIN_STACK (64u * 1024u)

static size_t rtthread_page(void)
{
	long pg = sysconf(_SC_PAGESIZE);

	return pg > 0 ? (size_t)pg : 4096u;
}

/*
 * Give up the calling thread's restartable-sequences registration. The
 * kernel writes the rseq area (the CPU number) each time it returns the
 * thread to user space after a preemption or a migration, and glibc keeps
 * that area in the thread's descriptor, at the top of its stack: after a
 * fork it is write-protected, and the kernel's next write is a page fault
 * taken in the thread. glibc itself uses the area only for sched_getcpu(),
 * which falls back to the getcpu call when the area says -1 (the kernel
 * sets that on unregistering). Returns 0 or errno (ENOSYS without rseq).
 */
static int rtthread_drop_rseq(void)
{
#if defined(HAVE_SYS_RSEQ_H) && defined(SYS_rseq) && defined(RSEQ_SIG)
	if (__rseq_size == 0)
		return 0;  /* glibc did not register (tunable glibc.pthread.rseq=0) */
	void *area = (char *)__builtin_thread_pointer() + __rseq_offset;
	/* The length must be the registered one: 32 bytes (struct rseq) in the
	   glibc versions whose __rseq_size is the smaller feature size. */
	if (syscall(SYS_rseq, area, __rseq_size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0 ||
	    (errno == EINVAL && syscall(SYS_rseq, area, 32u, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0))
		return 0;
	return errno;
#else
	return ENOSYS;
#endif
}

/* Kept out of line, so its frame (and all below it) is under the line. */
__attribute__((noinline)) static void *rtthread_call(struct rtthread *t)
{
	return t->fn(t->arg);
}

static void *rtthread_entry(void *p)
{
	struct rtthread *t = p;
	size_t pg = rtthread_page();
	volatile unsigned char here = 0;
	uintptr_t lo = (uintptr_t)t->map + pg;  /* above the guard page */
	uintptr_t cut = (uintptr_t)&here / pg * pg - pg;

	t->rseq_error = rtthread_drop_rseq();
	/* Not on our stack (a sanitizer's fake stack frame): mark nothing. */
	if ((uintptr_t)&here < lo || (uintptr_t)&here >= (uintptr_t)t->map + t->map_bytes) {
		t->dontfork_error = EFAULT;
		return rtthread_call(t);
	}
	if (cut <= lo || cut - lo < RTTHREAD_MIN_STACK / 2) {
		t->dontfork_error = ENOSPC;
		return rtthread_call(t);
	}
#ifdef MADV_DONTFORK
	if (madvise((void *)lo, cut - lo, MADV_DONTFORK) != 0)
		t->dontfork_error = errno;
#else
	t->dontfork_error = ENOTSUP;
#endif
	/*
	 * Drop the stack pointer below `cut`: a variable-length array whose
	 * last byte is touched after the call, so neither it nor the call can
	 * be optimised away or turned into a tail call.
	 */
	size_t drop = (size_t)((uintptr_t)&here - cut) + 256u;
	volatile unsigned char pad[drop];

	pad[0] = here;
	void *ret = rtthread_call(t);
	pad[drop - 1] = pad[0];
	return ret;
}

int rtthread_start(struct rtthread *t, size_t stack_bytes, void *(*fn)(void *), void *arg)
{
	size_t pg = rtthread_page();
	pthread_attr_t attr;
	int rc;

	memset(t, 0, sizeof(*t));
	if (stack_bytes < RTTHREAD_MIN_STACK)
		stack_bytes = RTTHREAD_MIN_STACK;
	stack_bytes = (stack_bytes + pg - 1) / pg * pg;
	t->map_bytes = stack_bytes + pg;
	t->map = mmap(NULL, t->map_bytes, PROT_READ | PROT_WRITE,
	              MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (t->map == MAP_FAILED) {
		t->map = NULL;
		return -errno;
	}
	if (mprotect(t->map, pg, PROT_NONE) != 0) {
		rc = -errno;
		goto fail;
	}
	/* Resident now: the thread's first deadlines take no fault. */
	for (size_t off = pg; off < t->map_bytes; off += pg)
		((volatile unsigned char *)t->map)[off] = 0;
	t->fn = fn;
	t->arg = arg;
	rc = -pthread_attr_init(&attr);
	if (rc < 0)
		goto fail;
	rc = -pthread_attr_setstack(&attr, (unsigned char *)t->map + pg, stack_bytes);
	/*
	 * The thread starts with every asynchronous signal blocked (it
	 * inherits the mask): a process-directed signal (SIGCHLD, SIGTERM)
	 * must not run its handler, and its system calls, on a real-time
	 * thread. The synchronous ones stay open: a fault blocked there would
	 * kill the process instead of reaching a handler (the daemon's SIGBUS
	 * guard runs in whichever thread touched a cut segment).
	 */
	sigset_t block, old;
	sigfillset(&block);
	sigdelset(&block, SIGBUS);
	sigdelset(&block, SIGSEGV);
	sigdelset(&block, SIGFPE);
	sigdelset(&block, SIGILL);
	sigdelset(&block, SIGTRAP);
	sigdelset(&block, SIGSYS);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (rc == 0)
		rc = -pthread_create(&t->tid, &attr, rtthread_entry, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc < 0)
		goto fail;
	t->started = 1;
	return 0;
fail:
	(void)munmap(t->map, t->map_bytes);
	t->map = NULL;
	return rc;
}

int rtthread_join(struct rtthread *t)
{
	int rc = 0;

	if (!t->started)
		return 0;
	rc = -pthread_join(t->tid, NULL);
	t->started = 0;
	(void)munmap(t->map, t->map_bytes);
	t->map = NULL;
	return rc;
}
