/*
 * rtthread.h - a real-time thread whose stack a fork() does not touch.
 *
 * What it does: starts a thread on a stack it maps itself (a guard page
 * below, resident, locked when the process is) and marks the part of that
 * stack the thread's own frames use MADV_DONTFORK. fork() write-protects
 * every private page of the parent for copy-on-write, so without this a
 * real-time thread in a process that spawns children (the supervisor) takes
 * a page fault on each stack page it writes after every spawn.
 *
 * Why only part of the stack: glibc keeps a thread's descriptor and static
 * TLS at the top of its stack, also for a stack the caller provides, and a
 * forked child rewrites the thread list there (its copy of the neighbours'
 * list links). So the top pages stay inherited; the entry trampoline marks
 * everything below the page its own frame is on DONTFORK and moves the
 * thread's frames below that line before calling the thread's function.
 *
 * The kernel also writes there: the rseq area glibc registers for each
 * thread sits in the descriptor, so the thread gives up its rseq
 * registration (glibc uses it only to speed up sched_getcpu()).
 *
 * What it does not do: set a scheduling policy (rtprio_set does, from the
 * thread), or protect what the thread writes outside its stack (use
 * rtprio_rt_alloc / rtprio_dontfork for that).
 */
#ifndef RTAUDIO_RTTHREAD_H
#define RTAUDIO_RTTHREAD_H

#include <pthread.h>
#include <stddef.h>

struct rtthread {
	pthread_t tid;
	void *(*fn)(void *);
	void *arg;
	void *map;           /* guard page + stack, or NULL */
	size_t map_bytes;
	int dontfork_error;  /* 0, or the errno of the thread's madvise (a figure) */
	int rseq_error;      /* 0, or why the thread could not give up rseq */
	int started;
};

/*
 * Start fn(arg) on a new thread with a stack of `stack_bytes` (rounded up
 * to pages; at least 64 KiB) that fork() leaves alone below its top pages,
 * with every signal blocked but the synchronous fault signals (SIGBUS,
 * SIGSEGV, SIGFPE, SIGILL, SIGTRAP, SIGSYS).
 * *t is owned by the caller and must stay in place until rtthread_join().
 * Returns 0 or -errno (mmap, pthread errors); on error nothing is left
 * mapped or running. Any thread; not for the audio path. Linux: the
 * DONTFORK part; elsewhere an ordinary thread on the mapped stack.
 */
int rtthread_start(struct rtthread *t, size_t stack_bytes, void *(*fn)(void *), void *arg);

/*
 * Join the thread started by rtthread_start() and unmap its stack. A *t
 * that was never started (or already joined) is a no-op. Returns 0 or
 * -errno from pthread_join. Not from the thread itself.
 */
int rtthread_join(struct rtthread *t);

#endif
