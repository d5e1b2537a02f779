/*
 * spawn.c - start and reap replica processes.
 *
 * Does: the process mechanics of supervision (see spawn.h): argv, CPU
 * pinning request, the segment descriptors and the user a replica gets,
 * uv_spawn in a detached process group, the exit callback passed on to
 * the caller's.
 * Does not: decide roles, fence, time restarts, touch segments or log a
 * death's meaning; the caller does, from its exit callback.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "params.h"
#include "rtprio.h"
#include "spawn.h"

static void on_proc_close(uv_handle_t *h)
{
	free(h);
}

static void on_exit_cb(uv_process_t *h, int64_t status, int term_signal)
{
	struct spawn_proc *p = h->data;
	int pid = p->pid;

	uv_close((uv_handle_t *)h, on_proc_close);
	p->h = NULL;
	p->pid = 0;
	p->exit_cb(p->arg, pid, status, term_signal);
}

int spawn_start(struct spawn_proc *p, uv_loop_t *loop, const struct config *cfg,
                const struct group *gr, const struct confine_cred *cred, uint32_t index,
                spawn_exit_cb exit_cb, void *arg)
{
	char idx[16], ppid[16], cpu[16];
	char *extra[] = { "--group", (char *)gr->name, "--index", idx, "--parent", ppid, NULL, NULL,
	                  NULL };
	/*
	 * The segments as descriptors at fixed numbers (lib/renderer_int.h:
	 * RTA_GROUP_FD, RTA_REPLICA_FD): the group's read-only and sealed, the
	 * replica's own read-write. Nothing else of ours is inherited (all our
	 * descriptors are close-on-exec), so no replica holds another's.
	 */
	uv_stdio_container_t stdio[5] = {
		{ .flags = UV_IGNORE },
		{ .flags = UV_INHERIT_FD, .data.fd = 1 },
		{ .flags = UV_INHERIT_FD, .data.fd = 2 },
		{ .flags = UV_INHERIT_FD, .data.fd = gr->tapfd[0] },
		{ .flags = UV_INHERIT_FD, .data.fd = gr->rfd[index] },
	};
	uv_process_options_t opt = {
		.exit_cb = on_exit_cb,
		.file = cfg->replica,
		.flags = UV_PROCESS_DETACHED,  /* own process group: fence with kill(-pid) */
		.stdio_count = 5,
		.stdio = stdio,
	};
	/*
	 * A root daemon's replicas run as replica_user. libuv's child calls
	 * setgroups(0, NULL), then setgid, then setuid, before exec; the
	 * runtime sets PR_SET_PDEATHSIG after exec, so the credential change
	 * (which clears it) cannot undo it.
	 */
	if (cred->drop) {
		opt.flags |= UV_PROCESS_SETUID | UV_PROCESS_SETGID;
		opt.uid = cred->uid;
		opt.gid = cred->gid;
	}

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
	opt.args = args;
	p->exit_cb = exit_cb;
	p->arg = arg;
	p->h = calloc(1, sizeof(*p->h));
	if (p->h == NULL)
		fatal("out of memory");
	p->h->data = p;
	int rc = uv_spawn(loop, p->h, &opt);
	free(args);
	if (rc < 0) {
		/* uv_spawn initialised the handle even on failure: close, not free. */
		uv_close((uv_handle_t *)p->h, on_proc_close);
		p->h = NULL;
		return rc;
	}
	p->pid = p->h->pid;
	log_debug("replica %u: spawned pid %d", index, p->pid);
	return 0;
}
