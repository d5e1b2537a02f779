/*
 * sandbox.h - what a replica does to itself so that its renderer (untrusted
 * code: a plugin, a user's program) can break only that replica.
 *
 * What it does: resource limits (address space, processes, core dumps) set
 * hard, so the renderer cannot raise them back; non-dumpable (no ptrace, no
 * /proc/PID/mem or /proc/PID/fd for other processes of the same user); two
 * seccomp filters (libseccomp): the guard, from start-up, which kills the
 * process on any attempt to signal, trace or read another process; and the
 * lock, after the renderer's open, an allow-list of what the render loop
 * and typical plugins need at run time (rtaudiod(8) lists it): no new file,
 * socket, exec or process. A forbidden call kills the whole replica with
 * SIGSYS (SECCOMP_RET_KILL_PROCESS), which the daemon reports as a failover
 * of reason "sandbox".
 *
 * What it does not do: choose the user a replica runs as (the daemon does,
 * before exec), or anything on macOS beyond the limits (no seccomp there).
 * Nothing here runs on the audio path; none of it can be undone by the
 * process once done.
 */
#ifndef RTAUDIO_SANDBOX_H
#define RTAUDIO_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>

/* Limits for sandbox_limits(); 0 = leave that limit as inherited. */
struct sandbox_limits {
	uint64_t max_memory;     /* RLIMIT_AS, bytes */
	uint64_t max_processes;  /* RLIMIT_NPROC: tasks (threads too) of the real uid */
	bool core_dumps;         /* false: RLIMIT_CORE 0 and not dumpable */
};

/*
 * Whether this build can filter system calls (Linux with libseccomp, not
 * under AddressSanitizer, whose runtime needs calls a filter forbids).
 * *why (may be NULL) gets a static reason when it cannot. Pure.
 */
bool sandbox_available(const char **why);

/*
 * Apply `l` to this process, soft and hard limit alike, and make it
 * non-dumpable unless core dumps are wanted. Returns 0 or -errno from the
 * first call that failed (the rest are still tried).
 */
int sandbox_limits(const struct sandbox_limits *l);

/*
 * Install the guard filter: from now on kill, tgkill, rt_sigqueueinfo and
 * rt_tgsigqueueinfo aimed at any process but this one, tkill,
 * pidfd_send_signal, pidfd_getfd, ptrace and process_vm_readv/writev kill
 * this process; everything else is allowed. Applies to every thread and to
 * what the process execs (no_new_privs). First it makes the C library read
 * the file glibc opens lazily the first time a thread's heap shrinks
 * (/proc/sys/vm/overcommit_memory), which the lock would forbid: a renderer
 * that only freed memory in a worker thread would be killed for that open.
 * Here, before the renderer's open, malloc's trim threshold is still its
 * default, which the priming relies on. Returns 0, -ENOSYS when
 * !sandbox_available(), or -errno from libseccomp.
 */
int sandbox_guard(void);

/*
 * Install the lock filter on every thread (TSYNC: a plugin's worker
 * threads started in open included): only the allow-list of rtaudiod(8)
 * remains; clone only with CLONE_THREAD, clone3 fails with ENOSYS (so
 * the C library falls back to clone, whose flags can be checked), kill and
 * tgkill only on this process; any other call kills the process with
 * SIGSYS. Call it last before the render loop. Returns 0, -ENOSYS when
 * !sandbox_available(), or -errno from libseccomp (the filter is then not
 * installed).
 */
int sandbox_lock(void);

#endif
