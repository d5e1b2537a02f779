/*
 * spawn.c - start and reap replica processes.
 *
 * Does: the process mechanics of supervision (see spawn.h): argv, CPU
 * pinning request, the segment descriptors and the user a replica gets,
 * the start in a session of its own (spawn_clone, or uv_spawn where there
 * are no pidfds), the watch for its exit (a uv_poll_t on its pidfd, or
 * uv_spawn's SIGCHLD), the reap, the exit callback passed on to the
 * caller's.
 * Does not: decide roles, fence, time restarts, touch segments or log a
 * death's meaning; the caller does, from its exit callback.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "params.h"
#include "rtprio.h"
#include "spawn.h"
#include "spawn_clone.h"

struct spawn_handle {
	union {
		uv_handle_t any;
		uv_poll_t poll;         /* spawn_clone: the pidfd turning readable */
		uv_process_t proc;      /* uv_spawn */
	} u;
	int pidfd;                      /* -1 with uv_spawn; closed after the handle */
	struct spawn_proc *owner;
};

/* The replica's descriptors: stdin /dev/null, our stdout and stderr, then
 * its segments at fixed numbers (lib/renderer_int.h: RTA_GROUP_FD,
 * RTA_REPLICA_FD), the group's read-only and sealed, the replica's own
 * read-write. Nothing else of ours is inherited (all our descriptors are
 * close-on-exec), so no replica holds another's. */
#define NFDS 5

static void on_handle_close(uv_handle_t *h)
{
	struct spawn_handle *sh = h->data;

	/* Only now: libuv must not poll a descriptor number we gave back. */
	if (sh->pidfd >= 0)
		close(sh->pidfd);
	free(sh);
}

static void reaped(struct spawn_handle *sh, int64_t status, int term_signal)
{
	struct spawn_proc *p = sh->owner;
	int pid = p->pid;

	uv_close(&sh->u.any, on_handle_close);
	p->h = NULL;
	p->pid = 0;
	p->exit_cb(p->arg, pid, status, term_signal);
}

static void on_uv_exit(uv_process_t *h, int64_t status, int term_signal)
{
	reaped(h->data, status, term_signal);
}

#ifdef __linux__
/* The pidfd is readable once the process has exited: reap it. */
static void on_pidfd(uv_poll_t *h, int status, int events)
{
	struct spawn_handle *sh = h->data;
	int pid = sh->owner->pid, st = 0;
	pid_t r;

	(void)events;
	while ((r = waitpid(pid, &st, WNOHANG)) < 0 && errno == EINTR)
		;
	if (r == 0)
		return; /* still running: a wake with nothing behind it */
	if (r < 0) {
		/* Reaped by someone else (nothing of ours waits for all
		 * children): its status is lost, its death is not. */
		log_error("replica pid %d: cannot reap it: %s (poll status %s)", pid,
		          strerror(errno), status < 0 ? uv_strerror(status) : "ok");
		reaped(sh, -1, 0);
		return;
	}
	if (WIFSIGNALED(st))
		reaped(sh, 0, WTERMSIG(st));
	else
		reaped(sh, WEXITSTATUS(st), 0);
}

static int start_clone(struct spawn_proc *p, uv_loop_t *loop, const char *file, char **args,
                       const int *fds, const struct confine_cred *cred)
{
	struct spawn_clone_plan pl = { .file = file, .argv = args, .nfds = NFDS,
	                               .new_session = true, .cred = cred };
	int pid, pidfd;

	memcpy(pl.fd, fds, NFDS * sizeof(*fds));
	int rc = spawn_clone(&pl, &pid, &pidfd);
	if (rc < 0)
		return rc;
	struct spawn_handle *sh = calloc(1, sizeof(*sh));
	if (sh == NULL)
		fatal("out of memory");
	sh->pidfd = pidfd;
	sh->owner = p;
	rc = uv_poll_init(loop, &sh->u.poll, pidfd);
	if (rc == 0) {
		sh->u.poll.data = sh;
		rc = uv_poll_start(&sh->u.poll, UV_READABLE, on_pidfd);
		if (rc < 0)
			uv_close(&sh->u.any, on_handle_close);
	} else {
		close(pidfd);
		free(sh);
	}
	if (rc < 0) {
		/* Not watched, so not kept: a replica nobody would reap. */
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return rc;
	}
	p->h = sh;
	p->pid = pid;
	return 0;
}
#endif

static int start_uv(struct spawn_proc *p, uv_loop_t *loop, const char *file, char **args,
                    const int *fds, const struct confine_cred *cred)
{
	uv_stdio_container_t stdio[NFDS] = { { .flags = UV_IGNORE } };
	uv_process_options_t opt = {
		.exit_cb = on_uv_exit,
		.file = file,
		.args = args,
		.flags = UV_PROCESS_DETACHED,  /* setsid: fence with kill(-pid) */
		.stdio_count = NFDS,
		.stdio = stdio,
	};

	for (unsigned i = 1; i < NFDS; i++) {
		stdio[i].flags = UV_INHERIT_FD;
		stdio[i].data.fd = fds[i];
	}
	/* libuv's child calls setgroups(0, NULL), then setgid, then setuid,
	 * before exec. */
	if (cred->drop) {
		opt.flags |= UV_PROCESS_SETUID | UV_PROCESS_SETGID;
		opt.uid = cred->uid;
		opt.gid = cred->gid;
	}
	struct spawn_handle *sh = calloc(1, sizeof(*sh));
	if (sh == NULL)
		fatal("out of memory");
	sh->pidfd = -1;
	sh->owner = p;
	sh->u.proc.data = sh;
	int rc = uv_spawn(loop, &sh->u.proc, &opt);
	if (rc < 0) {
		/* uv_spawn initialised the handle even on failure: close, not free. */
		uv_close(&sh->u.any, on_handle_close);
		return rc;
	}
	p->h = sh;
	p->pid = sh->u.proc.pid;
	return 0;
}

int spawn_start(struct spawn_proc *p, uv_loop_t *loop, const struct config *cfg,
                const struct group *gr, const struct confine_cred *cred, uint32_t index,
                spawn_exit_cb exit_cb, void *arg)
{
	char idx[16], ppid[16], cpu[16];
	char *extra[] = { "--group", (char *)gr->name, "--index", idx, "--parent", ppid, NULL, NULL,
	                  NULL };
	const int fds[NFDS] = { -1, 1, 2, gr->tapfd[0], gr->rfd[index] };

	/*
	 * A root daemon's replicas run as replica_user: the child clears its
	 * groups, then sets its gid, then its uid, before exec. The runtime
	 * sets PR_SET_PDEATHSIG after exec, so the credential change (which
	 * clears it) cannot undo it.
	 */
	snprintf(idx, sizeof(idx), "%u", index);
	snprintf(ppid, sizeof(ppid), "%d", (int)getpid());
	/* Replica i on the i-th of our CPUs: one core taken away (a stolen
	 * virtual CPU, a long kernel section) then delays one replica, and the
	 * sink takes the other's copy, instead of delaying both at once. */
	int c = cfg->cpu_affinity == AFFINITY_SPREAD ? rtprio_nth_cpu(index) : -1;
	if (c >= 0) {
		snprintf(cpu, sizeof(cpu), "%d", c);
		extra[6] = "--cpu";
		extra[7] = cpu;
	}
	/* The renderer's keys follow: it reads its [source] and [plugin] keys
	 * from its command line, as in the --check run (params.c). */
	char **args = params_argv(cfg, extra);
	if (args == NULL)
		return -ENOMEM;
	p->exit_cb = exit_cb;
	p->arg = arg;
	int rc;
#ifdef __linux__
	if (spawn_clone_supported())
		rc = start_clone(p, loop, cfg->replica, args, fds, cred);
	else
#endif
		rc = start_uv(p, loop, cfg->replica, args, fds, cred);
	free(args);
	if (rc < 0)
		return rc;
	log_debug("replica %u: spawned pid %d", index, p->pid);
	return 0;
}
