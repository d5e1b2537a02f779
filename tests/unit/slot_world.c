/*
 * slot_world.c - the fake world of slot_world.h: what it does there; it
 * asserts (check) what every test takes for granted after world_boot().
 */
#include <string.h>

#include <check.h>

#include "slot_world.h"

void world_ev(struct world *w, uint32_t i, enum fsm_event_id e, int reason, uint32_t prefer,
              uint64_t arg)
{
	struct fsm_actions out = { 0 };

	fsm_event(&w->m, i, e, reason, prefer, arg, w->now, &out);
	world_run(w, &out);
}

/* The fake process operations and timers. */
void world_run(struct world *w, const struct fsm_actions *out)
{
	for (unsigned k = 0; k < out->n; k++) {
		const struct fsm_action *a = &out->a[k];
		w->count[a->id]++;
		switch (a->id) {
		case ACT_SPAWN:
			w->rebuild[a->slot] = a->arg != 0;
			w->killed[a->slot] = false;
			world_ev(w, (uint32_t)a->slot, w->spawn_fails ? EV_SPAWN_FAILED : EV_SPAWNED,
			         -1, 0, 0);
			break;
		case ACT_FENCE:
			w->killed[a->slot] = true;
			break;
		case ACT_RESPAWN_IN:
			w->timer[a->slot] = true;
			w->timer_at[a->slot] = w->now + a->arg * MS;
			w->last_delay_ms[a->slot] = a->arg;
			break;
		case ACT_FAILOVER:
			w->failovers++;
			w->fo = *a;
			break;
		case ACT_STATE:
			if (a->to == 1)
				w->degraded++;
			if (a->to == 2)
				w->recovered++;
			break;
		default:
			break;
		}
	}
}

/* The watchdog: heartbeats handed in, each live slot classified. */
void world_tick(struct world *w)
{
	for (uint32_t i = 0; i < w->m.n; i++) {
		uint64_t age;
		int e;
		if (!fsm_live(&w->m, i))
			continue;
		e = fsm_classify(&w->m, i, w->ready[i], w->now, &age);
		if (e >= 0)
			world_ev(w, i, (enum fsm_event_id)e, -1, 0, age);
	}
}

/* Time passes in 1 ms steps: beating replicas beat, timers fire, the watchdog looks. */
void world_advance(struct world *w, uint64_t ns)
{
	for (uint64_t t = 0; t < ns; t += MS) {
		w->now += MS;
		for (uint32_t i = 0; i < w->m.n; i++) {
			if (w->beating[i] && fsm_has_process(&w->m, i) && !w->killed[i])
				fsm_heard(&w->m, i, w->now);
			if (w->timer[i] && w->now >= w->timer_at[i]) {
				w->timer[i] = false;
				world_ev(w, i, EV_BACKOFF_EXPIRED, -1, 0, 0);
			}
		}
		world_tick(w);
	}
}

/* The fake kernel reaps slot i. */
void world_reap(struct world *w, uint32_t i)
{
	w->killed[i] = false;
	world_ev(w, i, EV_EXITED, -1, 0, 0);
}

/* n replicas started, all ready and beating, slot 0 primary, the sink playing. */
void world_boot(struct world *w, uint32_t n)
{
	struct fsm_policy pol = { .stall_ns = STALL, .backoff_ms = 100, .backoff_max_ms = 1000,
	                          .start_limit = 3 };
	struct fsm_actions out = { 0 };

	memset(w, 0, sizeof(*w));
	w->now = 1000 * MS;
	fsm_init(&w->m, n, &pol);
	w->m.playing = true;
	fsm_start(&w->m, w->now, &out);
	world_run(w, &out);
	for (uint32_t i = 0; i < n; i++) {
		ck_assert_int_eq(w->m.s[i].state, FSM_STARTING);
		w->ready[i] = w->beating[i] = true;
	}
	world_advance(w, 2 * MS);
	ck_assert_int_eq(w->m.primary, 0);
	ck_assert_int_eq(w->m.s[0].state, FSM_PRIMARY);
	for (uint32_t i = 1; i < n; i++)
		ck_assert_int_eq(w->m.s[i].state, FSM_STANDBY);
	ck_assert_int_eq(w->m.dstate, DSTATE_RUNNING);
	ck_assert_uint_eq(w->m.epoch, 1);
}
