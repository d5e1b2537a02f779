/*
 * slot_world.h - a fake world for the state machine's unit tests
 * (check_slot.c, check_slot_life.c): a fake clock in 1 ms steps, fake
 * process operations (a spawn always works unless told to fail, a kill is
 * a flag, a death is an event the test sends, a respawn timer fires when
 * the clock passes it) and a fake watchdog. No process, no sleeping.
 */
#ifndef RTAUDIO_TESTS_SLOT_WORLD_H
#define RTAUDIO_TESTS_SLOT_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "slot.h"

#define MS 1000000ull
#define PERIOD (5 * MS)
#define STALL (4 * PERIOD) /* stall_periods 4 */

struct world {
	struct fsm m;
	uint64_t now;
	bool ready[LAYOUT_MAX_REPLICAS];     /* what the fake replica says */
	bool beating[LAYOUT_MAX_REPLICAS];   /* heartbeats on every advance */
	bool killed[LAYOUT_MAX_REPLICAS];
	bool timer[LAYOUT_MAX_REPLICAS];
	uint64_t timer_at[LAYOUT_MAX_REPLICAS];
	uint64_t last_delay_ms[LAYOUT_MAX_REPLICAS];
	bool rebuild[LAYOUT_MAX_REPLICAS];   /* the last ACT_SPAWN asked for it */
	bool spawn_fails;
	unsigned failovers;
	struct fsm_action fo;                /* the last ACT_FAILOVER */
	unsigned count[FSM__ACTIONS];
	int degraded, recovered;
};

/* One event at the world's time, its actions carried out. */
void world_ev(struct world *w, uint32_t i, enum fsm_event_id e, int reason, uint32_t prefer,
              uint64_t arg);
/* The fake process operations and timers for `out`. */
void world_run(struct world *w, const struct fsm_actions *out);
/* The watchdog: each live slot classified. */
void world_tick(struct world *w);
/* Time passes in 1 ms steps: beating replicas beat, timers fire, the watchdog looks. */
void world_advance(struct world *w, uint64_t ns);
/* The fake kernel reaps slot i. */
void world_reap(struct world *w, uint32_t i);
/* n replicas started, all ready and beating, slot 0 primary, the sink playing. */
void world_boot(struct world *w, uint32_t n);

#endif
