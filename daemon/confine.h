/*
 * confine.h - the daemon's side of a replica's confinement: whose user it
 * runs as, and the limits it inherits.
 *
 * What it does: when rtaudiod runs as root, resolves [group] replica_user
 * to the uid and gid every renderer process (replicas and --check runs)
 * switches to before exec, with no supplementary groups (confine_child,
 * in spawn_clone's child or params.c's forked one; libuv's own where
 * spawn.c falls back to uv_spawn); raises the
 * daemon's own RLIMIT_RTPRIO and RLIMIT_MEMLOCK so that replicas, which
 * inherit them and lose root's capabilities, still get SCHED_FIFO and
 * locked memory (each limit on its own, as far as this root may).
 *
 * What it does not do: the replica's own confinement (limits, seccomp:
 * lib/renderer_proc.c, told by the arguments params_argv() adds), or log.
 * A non-root rtaudiod runs its replicas as itself (nothing to drop to).
 */
#ifndef RTAUDIOD_CONFINE_H
#define RTAUDIOD_CONFINE_H

#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "config.h"

struct confine_cred {
	bool drop;      /* rtaudiod is root: switch to uid/gid */
	uid_t uid;
	gid_t gid;
};

/*
 * Fill *cr for config `c`: drop = (geteuid() == 0), and then replica_user's
 * uid and gid, which must not be root's. Returns 0, -ENOENT (no such user)
 * or -EPERM (the user is root, uid 0). Loop thread (getpwnam).
 */
int confine_user(const struct config *c, struct confine_cred *cr);

/*
 * In a child before exec (forked, or sharing our memory: spawn_clone):
 * setgroups(0), setgid, setuid to *cr (if cr->drop), as system calls of
 * the calling task alone, and check that root cannot be regained.
 * Async-signal-safe. Returns 0 or -1 (errno set); the caller must then
 * _exit.
 */
int confine_child(const struct confine_cred *cr);

/* What confine_inheritable_limits() got: the soft limits children inherit. */
struct confine_limits {
	int rtprio_error;    /* 0, or errno of the refused raise of RLIMIT_RTPRIO */
	int memlock_error;   /* the same for RLIMIT_MEMLOCK */
	rlim_t rtprio;       /* soft limits in force after (RLIM_INFINITY: none) */
	rlim_t memlock;      /* bytes */
};

/*
 * Root only (no-op otherwise, *got all zero errors and unlimited): raise
 * this process's RLIMIT_RTPRIO to at least `rt_priority` and RLIMIT_MEMLOCK
 * to unlimited, soft and hard, so that children that drop to replica_user
 * inherit them. Each limit on its own: when a full raise is refused (EPERM:
 * no CAP_SYS_RESOURCE) its soft limit is still raised to its hard one.
 * Harmless for the daemon itself (root has CAP_SYS_NICE and CAP_IPC_LOCK
 * already). Fills *got; returns 0 or the first -errno (RTPRIO's, then
 * MEMLOCK's).
 */
int confine_inheritable_limits(int rt_priority, struct confine_limits *got);

/*
 * One line for the log saying which limits in *got stayed below what was
 * asked, at what, why, and what follows for the replicas ("" if none).
 * Returns buf.
 */
const char *confine_limits_describe(const struct confine_limits *got, char *buf, size_t len);

/*
 * Put process `pid` (a replica's render thread: its main thread) on
 * SCHED_FIFO at `priority`, with SCHED_RESET_ON_FORK, from the daemon: the
 * way a replica that dropped root gets real-time scheduling when
 * confine_inheritable_limits() could not give it RLIMIT_RTPRIO (a root
 * without CAP_SYS_RESOURCE, as in some containers). Returns 0, -ENOTSUP off
 * Linux, or -errno.
 */
int confine_boost(pid_t pid, int priority);

#endif
