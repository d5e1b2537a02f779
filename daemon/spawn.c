/*
 * spawn.c - start, reap and restart replica processes.
 *
 * Does: the process mechanics of supervision (see spawn.h): argv, CPU
 * pinning request, the segment descriptors and the user a replica gets,
 * uv_spawn in a detached process group, the exit
 * callback, the restart backoff timer.
 * Does not: decide roles, fence, touch segments or log a death's meaning;
 * super.c does, from super_reaped() and super_respawn().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "params.h"
#include "rtprio.h"
#include "spawn.h"
#include "super.h"

static void on_proc_close(uv_handle_t *h)
{
	free(h);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int term_signal)
{
	struct slot *sl = p->data;
	int pid = sl->pid;

	uv_close((uv_handle_t *)p, on_proc_close);
	sl->proc = NULL;
	sl->pid = 0;
	sl->last_exit = term_signal != 0 ? -term_signal : (int)status;
	super_reaped(sl, pid, status, term_signal);
}

int spawn_start(struct slot *sl)
{
	struct super *s = sl->sup;
	char idx[16], ppid[16], cpu[16];
	char *extra[] = { "--group", s->gr->name, "--index", idx, "--parent", ppid, NULL, NULL,
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
		{ .flags = UV_INHERIT_FD, .data.fd = s->gr->tapfd[0] },
		{ .flags = UV_INHERIT_FD, .data.fd = s->gr->rfd[sl->index] },
	};
	uv_process_options_t opt = {
		.exit_cb = on_exit_cb,
		.file = s->cfg->replica,
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
	if (s->cred.drop) {
		opt.flags |= UV_PROCESS_SETUID | UV_PROCESS_SETGID;
		opt.uid = s->cred.uid;
		opt.gid = s->cred.gid;
	}

	snprintf(idx, sizeof(idx), "%u", sl->index);
	snprintf(ppid, sizeof(ppid), "%d", (int)getpid());
	/* Replica i on the i-th of our CPUs: one core taken away (a stolen
	 * virtual CPU, a long kernel section) then delays one replica, and the
	 * sink takes the other's copy, instead of delaying both at once. */
	int c = s->cfg->cpu_affinity == AFFINITY_SPREAD ? rtprio_nth_cpu(sl->index) : -1;
	if (c >= 0) {
		snprintf(cpu, sizeof(cpu), "%d", c);
		extra[6] = "--cpu";
		extra[7] = cpu;
	}
	/* The renderer's keys follow: it reads its [source] and [plugin] keys
	 * from its command line, as in the --check run (params.c). */
	char **args = params_argv(s->cfg, extra);
	if (args == NULL)
		return -ENOMEM;
	opt.args = args;
	sl->proc = calloc(1, sizeof(*sl->proc));
	if (sl->proc == NULL)
		fatal("out of memory");
	sl->proc->data = sl;
	sl->spawn_ns = clock_now_ns();
	int rc = uv_spawn(s->loop, sl->proc, &opt);
	free(args);
	if (rc < 0) {
		/* uv_spawn initialised the handle even on failure: close, not free. */
		uv_close((uv_handle_t *)sl->proc, on_proc_close);
		sl->proc = NULL;
		return rc;
	}
	sl->pid = sl->proc->pid;
	log_debug("replica %u: spawned pid %d", sl->index, sl->pid);
	return 0;
}

/* The restart delay in ms after `quick_deaths` quick deaths in a row. */
static uint64_t backoff_ms(const struct config *cfg, unsigned quick_deaths)
{
	if (quick_deaths >= cfg->start_limit)
		return cfg->restart_backoff_max_ms;
	if (quick_deaths <= 1)
		return cfg->restart_backoff_ms;
	unsigned shift = quick_deaths - 1 < 20 ? quick_deaths - 1 : 20;
	uint64_t delay = (uint64_t)cfg->restart_backoff_ms << shift;
	return delay > cfg->restart_backoff_max_ms ? cfg->restart_backoff_max_ms : delay;
}

static void on_restart(uv_timer_t *t)
{
	struct slot *sl = t->data;

	sl->restart_pending = false;
	super_respawn(sl);
}

void spawn_restart_later(struct slot *sl, bool quick)
{
	uint64_t delay;

	sl->quick_deaths = quick ? sl->quick_deaths + 1 : 0;
	delay = backoff_ms(sl->sup->cfg, sl->quick_deaths);
	sl->restart_pending = true;
	uv_timer_start(&sl->restart, on_restart, delay, 0);
	log_debug("replica %u: respawn in %llu ms (quick deaths %u)", sl->index,
	          (unsigned long long)delay, sl->quick_deaths);
}
