/*
 * super_req.c - the requests that act on the supervision state machine from
 * the control socket: kill-primary (with its waiters, answered once the
 * death was seen and acted on) and failover.
 *
 * Does: hand each request to slot.c (fsm_kill_primary, fsm_failover) and
 * carry out its actions through super.c, on the loop thread.
 * Does not: decide (slot.c), reply (cmd.c), or see the death itself
 * (super.c's reap calls super_notify_waiters).
 */
#include <errno.h>

#include "clock.h"
#include "log.h"
#include "super.h"
#include "super_int.h"

void super_notify_waiters(struct super *s, uint32_t index, int pid)
{
	for (unsigned k = 0; k < SUPER_WAITERS; k++) {
		if (s->waiter[k].cb == NULL || s->waiter[k].index != (int)index ||
		    s->waiter[k].pid != pid)
			continue;
		super_kill_cb cb = s->waiter[k].cb;
		void *arg = s->waiter[k].arg;
		s->waiter[k].cb = NULL;
		cb(arg, (int)index, pid, s->m.primary);
	}
}

int super_kill_primary(struct super *s, bool force, super_kill_cb cb, void *arg)
{
	struct fsm_actions out = { 0 };
	unsigned k;

	for (k = 0; k < SUPER_WAITERS && s->waiter[k].cb != NULL; k++)
		;
	super_refresh(s, clock_now_ns());
	if (s->m.primary < 0)
		return -ESRCH;
	if (k == SUPER_WAITERS)
		return -EBUSY;
	int rc = fsm_kill_primary(&s->m, force, clock_now_ns(), &out);
	if (rc < 0)
		return rc;
	struct slot *sl = &s->slot[s->m.primary];
	s->waiter[k].cb = cb;
	s->waiter[k].arg = arg;
	s->waiter[k].index = (int)sl->index;
	s->waiter[k].pid = sl->proc.pid;
	if (out.n > 0)
		log_info("kill-primary: SIGKILL to replica %u (pid %d)", sl->index, sl->proc.pid);
	super_act_all(s, &out);
	return 0;
}

void super_cancel(struct super *s, void *arg)
{
	for (unsigned k = 0; k < SUPER_WAITERS; k++)
		if (s->waiter[k].arg == arg)
			s->waiter[k].cb = NULL;
}

int super_failover(struct super *s, int *from, int *to)
{
	struct fsm_actions out = { 0 };

	super_refresh(s, clock_now_ns());
	int rc = fsm_failover(&s->m, clock_now_ns(), from, to, &out);
	super_act_all(s, &out);
	return rc;
}
