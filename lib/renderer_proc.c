/*
 * renderer_proc.c - the runtime's process set-up: die with the daemon, and
 * confine the process before and after the renderer's open.
 *
 * What it does: PR_SET_PDEATHSIG (on macOS a kqueue thread waiting for the
 * parent's exit), the --parent check; the limits, non-dumpability and
 * seccomp guard before open, the seccomp lock after it (sandbox.h), as the
 * daemon's --sandbox and --max-* arguments say.
 *
 * What it does not do: map segments or render (renderer.c). Failures print
 * one line on stderr and exit 1, as every set-up error of the runtime does.
 * Under AddressSanitizer, whose runtime the filters would kill, they are
 * skipped with a warning; a build without libseccomp refuses
 * "--sandbox strict" rather than run unconfined while the daemon believes
 * otherwise.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif
#ifdef __APPLE__
#include <pthread.h>
#include <sys/event.h>
#endif

#include "renderer_int.h"
#include "sandbox.h"

static void proc_die(const char *prog, const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err < 0 ? -err : err));
	exit(1);
}

#ifdef __APPLE__
/* macOS has no PR_SET_PDEATHSIG: a thread waits for the parent's exit. */
static void *replica_parent_watch(void *arg)
{
	int kq = (int)(intptr_t)arg;
	struct kevent ev;

	for (;;) {
		int n = kevent(kq, NULL, 0, &ev, 1, NULL);
		if (n > 0 || (n < 0 && errno != EINTR))
			_exit(1);
	}
	return NULL;
}

static int replica_watch_parent(pid_t parent)
{
	struct kevent ev;
	pthread_t tid;
	int kq = kqueue();

	if (kq < 0)
		return -errno;
	EV_SET(&ev, parent, EVFILT_PROC, EV_ADD | EV_ONESHOT, NOTE_EXIT, 0, NULL);
	if (kevent(kq, &ev, 1, NULL, 0, NULL) < 0) {
		int e = errno;
		close(kq);
		return -e; /* ESRCH: the parent is already gone */
	}
	int rc = pthread_create(&tid, NULL, replica_parent_watch, (void *)(intptr_t)kq);
	if (rc != 0) {
		close(kq);
		return -rc;
	}
	pthread_detach(tid);
	return 0;
}
#endif

/* Die with the daemon. A --parent check closes the race where the daemon
 * died between fork and prctl (we would then be a child of init already). */
void renderer_bind_parent(const char *prog, bool have_parent, uint32_t parent)
{
#ifdef __linux__
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		proc_die(prog, "prctl(PR_SET_PDEATHSIG)", errno);
#endif
	pid_t ppid = getppid();
	if (have_parent && ppid != (pid_t)parent) {
		fprintf(stderr, "%s: parent %" PRIu32 " is gone\n", prog, parent);
		exit(1);
	}
#ifdef __APPLE__
	int rc = replica_watch_parent(have_parent ? (pid_t)parent : ppid);
	if (rc < 0)
		proc_die(prog, "watching the parent", rc);
#endif
}

/*
 * A filter that cannot be had: fatal, except in a sanitizer build (CI's
 * ASan stage), where it is skipped without a word: a warning on stderr
 * would be the first line of every --check error rtaudiod prints, and such
 * a build is never a production one (sandbox.c: SANDBOX_ASAN).
 */
static void proc_filter_failed(const char *prog, const char *which, int rc)
{
	const char *why = NULL;

	if (rc == -ENOSYS && !sandbox_available(&why) && strstr(why, "Sanitizer") != NULL)
		return;
	if (rc == -ENOSYS) {
		fprintf(stderr, "%s: --sandbox strict: %s\n", prog, why != NULL ? why : "unavailable");
		exit(1);
	}
	proc_die(prog, which, rc);
}

void renderer_confine(const char *prog, const struct rta_confine *c)
{
	int rc = sandbox_limits(&c->limits);

	if (rc < 0)
		proc_die(prog, "resource limits", rc);
	if (c->strict && (rc = sandbox_guard()) < 0)
		proc_filter_failed(prog, "guard filter", rc);
}

void renderer_lock(const char *prog, const struct rta_confine *c)
{
	int rc;

	if (c->strict && (rc = sandbox_lock()) < 0)
		proc_filter_failed(prog, "lock filter", rc);
}
