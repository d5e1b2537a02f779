/*
 * super_info.c - what the supervisor tells the control verbs and notify.c:
 * the primary, the daemon state, "ready", and each slot's pid, role,
 * restarts and heartbeat age.
 *
 * Does: read the machine (slot.c) and the validated heartbeat
 * (group_replica_heartbeat), on the loop thread.
 * Does not: change anything but the machine's copy of "the sink plays"
 * (super_ready refreshes it), or format JSON (cmd.c).
 */
#include "clock.h"
#include "super.h"

uint64_t super_heartbeat_age_us(const struct super *s, uint32_t i)
{
	uint64_t now = clock_now_ns();
	uint64_t hb = group_replica_heartbeat(s->gr, i, s->m.s[i].spawn_ns, now);

	if (!fsm_has_process(&s->m, i))
		return 0;
	if (hb == 0)
		hb = s->m.s[i].spawn_ns;
	return (hb < now ? now - hb : 0) / NSEC_PER_USEC;
}

int super_primary(const struct super *s)
{
	return s->m.primary;
}

int super_state(const struct super *s)
{
	return s->m.dstate;
}

bool super_ready(struct super *s)
{
	s->m.playing = sink_playing(s->sink);
	return fsm_ready(&s->m);
}

bool super_slot_live(const struct super *s, uint32_t i)
{
	return fsm_live(&s->m, i);
}

void super_slot_info(const struct super *s, uint32_t i, struct super_slot_info *out)
{
	const struct fsm_slot *f = &s->m.s[i];

	out->pid = s->slot[i].proc.pid;
	out->role = fsm_role(f->state);
	out->alive = fsm_has_process(&s->m, i) && out->role != ROLE_DEAD;
	out->restarts = f->restarts;
	out->heartbeat_age_us = super_heartbeat_age_us(s, i);
	out->state = fsm_state_name(f->state);
}
