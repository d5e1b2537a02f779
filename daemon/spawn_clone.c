/*
 * spawn_clone.c - exec a program from a child that shares our memory.
 *
 * Does: the clone, the child's set-up before execve (signals, session,
 * descriptors, user), and the report of its errno through the shared
 * memory. See spawn_clone.h for why.
 * Does not: reap a child that exec'd, watch it, or build its arguments.
 *
 * The child runs on its own small stack but in our address space, with the
 * calling thread's TLS, until execve: so it only makes system calls, writes
 * nothing of ours but the report (and errno, whose owner is suspended),
 * and never returns into our code. It must not call glibc's setuid family:
 * those change every thread of the process glibc believes it is in (ours);
 * confine_child changes the user by raw system calls, which act on the
 * calling task only.
 */
#ifdef __linux__

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn_clone.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* The child's stack: its calls before execve need little; a guard page
 * below it turns an overflow into a fault instead of a write into our heap. */
#define CHILD_STACK (64 * 1024)
#define GUARD 4096

/* The child must not write AddressSanitizer's shadow of its stack frames:
 * they never return (execve or _exit), so a frame's poisoned redzones would
 * stay in the memory we share, and the next child's frames differ. */
#if defined(__has_attribute)
#if __has_attribute(no_sanitize_address)
#define CHILD __attribute__((no_sanitize_address))
#endif
#endif
#ifndef CHILD
#define CHILD
#endif

extern char **environ;

struct child {
	const struct spawn_clone_plan *plan;
	volatile int err;       /* the child's: 0, or errno of what failed */
};

CHILD static int child_fds(const struct spawn_clone_plan *pl)
{
	int fd[SPAWN_CLONE_FDS];
	unsigned n = pl->nfds;

	for (unsigned i = 0; i < SPAWN_CLONE_FDS; i++)
		fd[i] = pl->fd[i];
	if (fd[0] < 0 && (fd[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	/* A source sitting on another's target would be overwritten by that
	 * target's dup2: move it above them all first (close-on-exec, so the
	 * copy goes away at the exec). */
	for (unsigned i = 0; i < n; i++)
		if (fd[i] != (int)i && fd[i] < (int)n &&
		    (fd[i] = fcntl(fd[i], F_DUPFD_CLOEXEC, (int)n)) < 0)
			return -1;
	/* dup2 clears close-on-exec on its target; a source already in place
	 * needs it cleared by hand. */
	for (unsigned i = 0; i < n; i++)
		if (fd[i] == (int)i ? fcntl((int)i, F_SETFD, 0) < 0 : dup2(fd[i], (int)i) < 0)
			return -1;
	return 0;
}

CHILD static int child_main(void *arg)
{
	struct child *c = arg;
	const struct spawn_clone_plan *pl = c->plan;
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	/* Our handlers would run on our memory: default them all while every
	 * signal is still blocked (the parent blocked them), then unblock.
	 * glibc refuses its own internal signals (EINVAL): nothing to reset. */
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			(void)sigaction(s, &dfl, NULL);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0 || (pl->new_session && setsid() < 0) ||
	    child_fds(pl) < 0 || (pl->cred != NULL && confine_child(pl->cred) < 0))
		goto fail;
	execve(pl->file, pl->argv, environ);
fail:
	c->err = errno != 0 ? errno : EINVAL;
	_exit(127);
}

bool spawn_clone_supported(void)
{
	static int known; /* 0 not probed, 1 yes, -1 no; loop thread only */

	if (known == 0) {
		known = -1;
#ifdef SYS_pidfd_open
		long fd = syscall(SYS_pidfd_open, (long)getpid(), 0L);
		if (fd >= 0) {
			close((int)fd);
			known = 1;
		}
#endif
	}
	return known > 0;
}

/*
 * The child's stack, mapped on the first spawn and kept: a new mapping per
 * spawn would be locked and pre-faulted each time (mlockall MCL_FUTURE),
 * 17 faults of the loop thread a respawn. One child at a time uses it:
 * the caller is suspended until its child execs or exits, and every caller
 * is the loop thread.
 */
static char *child_stack;

int spawn_clone(const struct spawn_clone_plan *pl, int *pid, int *pidfd)
{
	struct child c = { .plan = pl, .err = 0 };
	sigset_t all, old;
	int fd = -1, rc = 0;

	if (pl->nfds < 1 || pl->nfds > SPAWN_CLONE_FDS)
		return -EINVAL;
	if (child_stack == NULL) {
		char *m = mmap(NULL, CHILD_STACK + GUARD, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (m == MAP_FAILED)
			return -errno;
		if (mprotect(m, GUARD, PROT_NONE) != 0) {
			rc = -errno;
			munmap(m, CHILD_STACK + GUARD);
			return rc;
		}
		child_stack = m;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	/* SIGCHLD: a plain child, reaped with waitpid like a forked one. */
	int p = clone(child_main, child_stack + GUARD + CHILD_STACK,
	              CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &c, &fd);
	if (p < 0)
		rc = -errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc < 0)
		return rc;
	if (c.err != 0 || fd < 0) {
		/* fd < 0: a kernel that ignored CLONE_PIDFD (before 5.2) ran the
		 * child anyway; spawn_clone_supported() says no there. */
		if (fd < 0)
			kill(p, SIGKILL);
		while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
		if (fd >= 0)
			close(fd);
		return c.err != 0 ? -c.err : -ENOSYS;
	}
	*pid = p;
	*pidfd = fd;
	return 0;
}

#endif
