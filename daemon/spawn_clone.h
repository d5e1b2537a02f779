/*
 * spawn_clone.h - start a program without copying rtaudiod's address space.
 *
 * What it does: on Linux, clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD) a
 * child that shares the daemon's memory until it calls execve (the calling
 * thread waits until then), sets up its descriptors, session and user, and
 * execs. The caller gets the pid and a pidfd, or the exec's errno.
 *
 * Why not fork (uv_spawn, fork + exec): fork write-protects every private
 * page of the daemon, so that each thread touching memory afterwards takes
 * a copy-on-write fault, until the child execs. rtaudiod's own audio
 * threads keep their memory out of forks (rtprio_dontfork), but the data
 * threads a sound server's client library runs inside rtaudiod
 * (pipewire-alsa's, at SCHED_FIFO) cannot be reached that way: measured, a
 * respawn cost them tens of faults (README, Known gaps).
 * A child that shares the address space copies nothing and protects
 * nothing (glibc's posix_spawn works this way too; it cannot change the
 * user, which a root rtaudiod needs).
 *
 * What it does not do: build the command line, reap, or watch the child
 * (spawn.c and params.c do, with the pidfd or waitpid), or log. Off Linux
 * there is no spawn_clone(): callers use uv_spawn or fork there.
 */
#ifndef RTAUDIOD_SPAWN_CLONE_H
#define RTAUDIOD_SPAWN_CLONE_H

#include <stdbool.h>

#include "confine.h"

/* The child's descriptors 0 .. SPAWN_CLONE_FDS - 1 at most. */
#define SPAWN_CLONE_FDS 8

struct spawn_clone_plan {
	const char *file;       /* executed as is: no PATH search */
	char *const *argv;      /* NULL-terminated */
	/*
	 * What the child's descriptor i is: fd[i] of ours, inherited whether or
	 * not it is close-on-exec; -1 for descriptor 0 only: /dev/null, read
	 * only. Descriptors nfds and above are those of ours without
	 * close-on-exec (rtaudiod opens all its own with it).
	 */
	int fd[SPAWN_CLONE_FDS];
	unsigned nfds;          /* 1 .. SPAWN_CLONE_FDS */
	bool new_session;       /* setsid(): own session and process group */
	const struct confine_cred *cred; /* the user to drop to, or NULL */
};

#ifdef __linux__
/*
 * Whether this kernel gives pidfds (Linux 5.3 and later): probed once, on
 * the first call. Callers that need a pidfd fall back to fork where not.
 * Loop thread.
 */
bool spawn_clone_supported(void);

/*
 * Start `plan->file` as `plan` says. The child has every signal's action
 * at its default (but glibc's two internal ones, which C may not touch)
 * and none blocked, our environment, and as its user
 * plan->cred's (groups cleared, root not regainable) when plan->cred->drop.
 * Returns 0 with *pid and *pidfd (close-on-exec, the caller's to close and
 * to reap through), or -errno: of clone, or of the child's set-up or
 * execve (the child is then reaped here). The calling thread is suspended
 * until the child execs or exits; other threads run on (they must not
 * change the plan's descriptors meanwhile). All signals are blocked in the
 * calling thread for the duration, so that no handler of ours runs in the
 * child. Not async-signal-safe, not thread-safe: one thread calls it (the
 * loop thread; it maps the children's stack on the first call).
 */
int spawn_clone(const struct spawn_clone_plan *plan, int *pid, int *pidfd);
#endif

#endif
