/*
 * confine.c - replica_user resolution, the privilege drop before exec, the
 * limits children inherit (confine.h says why each).
 *
 * Does: getpwnam, setgroups/setgid/setuid, setrlimit.
 * Does not: log, spawn, or decide when (spawn.c and params.c call it).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <sys/resource.h>
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

int confine_child(const struct confine_cred *cr)
{
	if (!cr->drop)
		return 0;
	/* Groups first, uid last: after setuid we could change neither. */
	if (setgroups(0, NULL) != 0 || setgid(cr->gid) != 0 || setuid(cr->uid) != 0)
		return -1;
	if (setuid(0) == 0) { /* a drop that can be undone is no drop */
		errno = EPERM;
		return -1;
	}
	return 0;
}

int confine_inheritable_limits(int rt_priority)
{
	struct rlimit rl;

	if (geteuid() != 0)
		return 0;
	if (getrlimit(RLIMIT_RTPRIO, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)rt_priority) {
		rl.rlim_cur = (rlim_t)rt_priority;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_RTPRIO, &rl) != 0)
			return -errno;
	}
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	return setrlimit(RLIMIT_MEMLOCK, &rl) == 0 ? 0 : -errno;
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
