/*
 * check_slot_life.c - slot_life_suite: EV_DYING, the state machine's side
 * of the life lock (lib/life.h), on slot_world.h's fake clock.
 *
 * What it proves: a primary the kernel says is exiting is failed over at
 * once, from its last heartbeat, with the reason given (crash, sandbox),
 * fenced, and its reap later neither fails over again nor skips the
 * respawn; a dying standby is fenced without a failover; a crash told this
 * way still counts as a quick death (the fence is not "our doing"), while
 * the death of a primary kill-primary is killing counts from our kill and
 * does not; EV_DYING means nothing while stopping, twice, or for a slot
 * with no process.
 *
 * What it does not do: the watcher (daemon/watch.c) or the life lock
 * itself (check_life.c, and the integration tests).
 */
#include <string.h>

#include "slot.h"
#include "slot_world.h"
#include "suites.h"

START_TEST(dying_primary)
{
	struct world w;

	world_boot(&w, 3);
	world_advance(&w, 1500 * MS);
	uint64_t hb = w.m.s[0].hb_ns;
	world_ev(&w, 0, EV_DYING, REASON_CRASH, 0, 0);
	ck_assert_int_eq(w.m.primary, 1);
	ck_assert_uint_eq(w.failovers, 1);
	ck_assert_int_eq(w.fo.reason, REASON_CRASH);
	ck_assert_uint_eq(w.fo.arg, hb);
	ck_assert_int_eq(w.m.s[0].state, FSM_FENCING);
	ck_assert(w.killed[0]);
	ck_assert(!w.timer[0]);  /* the respawn waits for the reap */
	world_advance(&w, 50 * MS);
	ck_assert_int_eq(w.m.s[0].state, FSM_FENCING);
	world_reap(&w, 0);
	ck_assert_uint_eq(w.failovers, 1);
	ck_assert_int_eq(w.m.s[0].state, FSM_BACKOFF);
	ck_assert_uint_eq(w.last_delay_ms[0], 100);
	ck_assert_uint_eq(w.m.s[0].quick_deaths, 0);
	world_advance(&w, 102 * MS);
	ck_assert_int_eq(w.m.s[0].state, FSM_STANDBY);
	ck_assert_int_eq(w.m.primary, 1);
	ck_assert_int_eq(w.m.dstate, DSTATE_RUNNING);
}
END_TEST

START_TEST(dying_sandboxed)
{
	struct world w;

	world_boot(&w, 2);
	world_ev(&w, 0, EV_DYING, REASON_SANDBOX, 0, 0);
	ck_assert_int_eq(w.fo.reason, REASON_SANDBOX);
	ck_assert_int_eq(w.m.primary, 1);
	world_ev(&w, 1, EV_DYING, -1, 0, 0);  /* no reason given: a crash */
	ck_assert_int_eq(w.fo.reason, REASON_CRASH);
	ck_assert_int_eq(w.fo.to, -1);
	ck_assert_int_eq(w.m.dstate, DSTATE_DEGRADED);
}
END_TEST

START_TEST(dying_standby)
{
	struct world w;

	world_boot(&w, 2);
	world_advance(&w, 1500 * MS);
	world_ev(&w, 1, EV_DYING, REASON_CRASH, 0, 0);
	ck_assert_uint_eq(w.failovers, 0);
	ck_assert_int_eq(w.m.primary, 0);
	ck_assert_int_eq(w.m.s[1].state, FSM_FENCING);
	ck_assert(w.killed[1]);
	world_reap(&w, 1);
	ck_assert_int_eq(w.m.s[1].state, FSM_BACKOFF);
	/* Respawned; then a quick death told the same way counts as one. */
	world_advance(&w, 110 * MS);
	ck_assert_int_eq(w.m.s[1].state, FSM_STANDBY);
	world_ev(&w, 1, EV_DYING, REASON_CRASH, 0, 0);
	world_reap(&w, 1);
	ck_assert_uint_eq(w.m.s[1].quick_deaths, 1);
}
END_TEST

START_TEST(dying_while_killed)
{
	struct world w;
	struct fsm_actions out = { 0 };

	world_boot(&w, 2);
	world_advance(&w, 10 * MS);
	uint64_t at = w.now;
	ck_assert_int_eq(fsm_kill_primary(&w.m, false, w.now, &out), 0);
	world_run(&w, &out);
	ck_assert_uint_eq(w.failovers, 0);
	world_advance(&w, 1 * MS);
	world_ev(&w, 0, EV_DYING, REASON_CRASH, 0, 0);
	ck_assert_uint_eq(w.failovers, 1);
	ck_assert_uint_eq(w.fo.arg, at);  /* from our kill */
	ck_assert_int_eq(w.m.primary, 1);
	world_reap(&w, 0);
	ck_assert_uint_eq(w.failovers, 1);
	ck_assert_uint_eq(w.m.s[0].quick_deaths, 0);  /* quick, but our doing */
}
END_TEST

START_TEST(dying_ignored)
{
	struct world w;

	world_boot(&w, 2);
	world_ev(&w, 0, EV_DYING, REASON_CRASH, 0, 0);
	unsigned fences = w.count[ACT_FENCE];
	world_ev(&w, 0, EV_DYING, REASON_CRASH, 0, 0);  /* twice */
	ck_assert_uint_eq(w.failovers, 1);
	ck_assert_uint_eq(w.count[ACT_FENCE], fences);
	world_reap(&w, 0);
	world_ev(&w, 0, EV_DYING, REASON_CRASH, 0, 0);  /* no process */
	ck_assert_int_eq(w.m.s[0].state, FSM_BACKOFF);
	ck_assert_uint_eq(w.count[ACT_FENCE], fences);
	world_ev(&w, 1, EV_STOP, -1, 0, 0);
	world_ev(&w, 1, EV_DYING, REASON_CRASH, 0, 0);  /* stopping: replicas exit */
	ck_assert_uint_eq(w.failovers, 1);
	ck_assert_int_eq(w.m.s[1].state, FSM_PRIMARY);
	ck_assert_uint_eq(w.count[ACT_FENCE], fences);
}
END_TEST

Suite *slot_life_suite(void)
{
	Suite *s = suite_create("slot_life");
	TCase *tc = tcase_create("dying");

	tcase_add_test(tc, dying_primary);
	tcase_add_test(tc, dying_sandboxed);
	tcase_add_test(tc, dying_standby);
	tcase_add_test(tc, dying_while_killed);
	tcase_add_test(tc, dying_ignored);
	suite_add_tcase(s, tc);
	return s;
}
