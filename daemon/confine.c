/*
 * confine.c - replica_user resolution, the privilege drop before exec, the
 * limits children inherit (confine.h says why each).
 *
 * Does: getpwnam, the setgroups/setgid/setuid drop, setrlimit, and the
 * text saying which limits could not be raised.
 * Does not: log (it formats; super.c logs), spawn, or decide when (spawn.c
 * and params.c call it).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif
#include <unistd.h>

#include "confine.h"

int confine_user(const struct config *c, struct confine_cred *cr)
{
	cr->drop = geteuid() == 0;
	cr->uid = geteuid();
	cr->gid = getegid();
	if (!cr->drop)
		return 0;
	const struct passwd *pw = getpwnam(c->replica_user);
	if (pw == NULL)
		return -ENOENT;
	if (pw->pw_uid == 0)
		return -EPERM;
	cr->uid = pw->pw_uid;
	cr->gid = pw->pw_gid;
	return 0;
}

#ifdef __linux__
/* 32-bit ABIs with 16-bit legacy calls name the full-width ones *32. */
#ifdef SYS_setuid32
#define SET_GROUPS_NONE() syscall(SYS_setgroups32, 0, NULL)
#define SET_GID(g) syscall(SYS_setgid32, (g))
#define SET_UID(u) syscall(SYS_setuid32, (u))
#else
#define SET_GROUPS_NONE() syscall(SYS_setgroups, 0, NULL)
#define SET_GID(g) syscall(SYS_setgid, (g))
#define SET_UID(u) syscall(SYS_setuid, (u))
#endif
#else
/* Elsewhere the libc calls are the process's own (and syscall(2) is
 * deprecated on macOS); only Linux children share our memory. */
#define SET_GROUPS_NONE() setgroups(0, NULL)
#define SET_GID(g) setgid(g)
#define SET_UID(u) setuid(u)
#endif

int confine_child(const struct confine_cred *cr)
{
	if (!cr->drop)
		return 0;
	/* On Linux system calls, not glibc's setgroups/setgid/setuid: those
	 * change every thread of the process glibc believes it is in, which
	 * for a child sharing our memory (spawn_clone) is rtaudiod itself. The
	 * raw calls change the calling task only, in a forked child as well.
	 * Groups first, uid last: after setuid we could change neither. */
	if (SET_GROUPS_NONE() != 0 || SET_GID(cr->gid) != 0 || SET_UID(cr->uid) != 0)
		return -1;
	if (SET_UID(0) == 0) { /* a drop that can be undone is no drop */
		errno = EPERM;
		return -1;
	}
	return 0;
}

/*
 * Raise `res` to at least `want` (RLIM_INFINITY: unlimited), soft and hard.
 * Raising a hard limit needs CAP_SYS_RESOURCE, which a root in a container
 * may lack (EPERM): then raise the soft limit up to the hard one, which
 * needs nothing, so children get all there is. Returns 0 if `want` is in
 * force, else -errno of the full raise (what the caller reports); the
 * soft-to-hard step's own outcome shows in getrlimit.
 */
static int confine_raise(int res, rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(res, &rl) != 0)
		return -errno;
	if (rl.rlim_cur == RLIM_INFINITY || (want != RLIM_INFINITY && rl.rlim_cur >= want))
		return 0;
	struct rlimit full = { .rlim_cur = want, .rlim_max = rl.rlim_max };
	if (rl.rlim_max != RLIM_INFINITY && (want == RLIM_INFINITY || rl.rlim_max < want))
		full.rlim_max = want;
	if (setrlimit(res, &full) == 0)
		return 0;
	int rc = -errno;
	if (rc == -EPERM && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(res, &rl);
	}
	return rc;
}

int confine_inheritable_limits(int rt_priority, struct confine_limits *got)
{
	struct rlimit rl;

	got->rtprio_error = got->memlock_error = 0;
	got->rtprio = got->memlock = RLIM_INFINITY;
	if (geteuid() != 0)
		return 0;
	/* Independent: a refused RLIMIT_RTPRIO (rtaudiod boosts replicas
	 * itself then) must not cost them the locked memory, nor the reverse. */
	got->rtprio_error = -confine_raise(RLIMIT_RTPRIO, (rlim_t)(rt_priority > 0 ? rt_priority : 0));
	got->memlock_error = -confine_raise(RLIMIT_MEMLOCK, RLIM_INFINITY);
	if (getrlimit(RLIMIT_RTPRIO, &rl) == 0)
		got->rtprio = rl.rlim_cur;
	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0)
		got->memlock = rl.rlim_cur;
	return got->rtprio_error != 0 ? -got->rtprio_error : -got->memlock_error;
}

const char *confine_limits_describe(const struct confine_limits *got, char *buf, size_t len)
{
	char rt[160] = "", mem[160] = "";

	if (got->rtprio_error != 0)
		snprintf(rt, sizeof rt, "RLIMIT_RTPRIO stays %lld (%s): rtaudiod sets their "
		         "SCHED_FIFO itself", got->rtprio == RLIM_INFINITY ? -1LL : (long long)got->rtprio,
		         strerror(got->rtprio_error));
	if (got->memlock_error != 0)
		snprintf(mem, sizeof mem, "RLIMIT_MEMLOCK stays %lld KiB (%s): a replica whose "
		         "mlockall fails locks its audio path only",
		         got->memlock == RLIM_INFINITY ? -1LL : (long long)(got->memlock / 1024),
		         strerror(got->memlock_error));
	snprintf(buf, len, "%s%s%s", rt, rt[0] != '\0' && mem[0] != '\0' ? "; " : "", mem);
	return buf;
}

int confine_boost(pid_t pid, int priority)
{
#ifdef __linux__
	struct sched_param sp = { .sched_priority = priority };

	return sched_setscheduler(pid, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) == 0 ? 0 : -errno;
#else
	(void)pid;
	(void)priority;
	return -ENOTSUP;
#endif
}
