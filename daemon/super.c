/*
 * super.c - carry out the supervision state machine's decisions.
 *
 * Does: the glue between slot.c's pure machine and the world, on the loop
 * thread. A reap comes through spawn.c's exit callback (SIGCHLD), a stall
 * or a late start when watch.c's thread rings (it sleeps until a
 * heartbeat can be stale) and this thread reads the heartbeats from
 * untrusted replica memory (validated here, handed to the machine with
 * fsm_heard), damage from the segment checks (group_replica_damaged) and
 * the sink's checksum counters, fence requests from judge.c. Each becomes
 * one fsm_event(); its actions are done in order by act(): roles and the
 * leader published in the group segment, SIGKILL to a process group, a
 * respawn timer, a segment rebuilt before a respawn (a replica that
 * damaged its segment is not trusted to have left it usable), failover
 * records, log lines and events. The sink needs no help for a failover
 * (it already takes a standby's copy of a missing block), so a promotion
 * only decides whose ring is asked first and who renders in warm mode.
 * A death is also heard earlier, from the replica's life lock (watch.c:
 * the kernel marks it at the start of the exit), and failed over then.
 * Does not: decide (slot.c), touch audio, take the control socket's
 * requests (super_req.c), or trust anything a replica wrote beyond
 * bounds-checked numbers.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "confine.h"
#include "errtext.h"
#include "judge.h"
#include "log.h"
#include "notes.h"
#include "params.h"
#include "report.h"
#include "rtprio.h"
#include "super.h"
#include "super_int.h"

#define GRACE_MS           1000                 /* SIGTERM to SIGKILL at shutdown */
#define SUPER_TICK_MS      100                  /* the slow tick, between events */

static void on_watchdog(uv_timer_t *t);

static void emit(struct super *s, const char *type, int index, const char *detail)
{
	if (s->on_event != NULL)
		s->on_event(s, type, index, detail);
}

/* now - t, saturating: a replica may stamp its heartbeat after we read the clock. */
static uint64_t age_ns(uint64_t t, uint64_t now)
{
	return t < now ? now - t : 0;
}

/* Heartbeat of slot i, or 0 if none or garbage (group_replica_heartbeat). */
static uint64_t heartbeat(const struct super *s, uint32_t i, uint64_t now)
{
	return group_replica_heartbeat(s->gr, i, s->m.s[i].spawn_ns, now);
}

static void step(struct super *s, uint32_t i, enum fsm_event_id ev, int reason, uint32_t prefer,
                 uint64_t arg);
static void respawn(struct slot *sl, bool rebuild);

/* Hand the machine every slot's heartbeat as of now, validated. */
void super_refresh(struct super *s, uint64_t now)
{
	for (uint32_t i = 0; i < s->n; i++)
		fsm_heard(&s->m, i, fsm_has_process(&s->m, i) ? heartbeat(s, i, now) : 0);
	s->m.playing = sink_playing(s->sink);
}

/* ACT_FAILOVER: record it, say it. */
static void record_failover(struct super *s, const struct fsm_action *a, uint64_t now)
{
	uint64_t fault_ns = a->arg, per = s->gr->period_ns;
	/*
	 * Count the cost from a period before the fault (the block it was
	 * rendering may already be missing) until the rings have drained.
	 */
	const struct failover_rec *fo = failover_record(
	    &s->fo, a->reason, a->slot, a->to, fault_ns,
	    fault_ns > per ? fault_ns - per : 0,
	    now + (uint64_t)(s->gr->lead + s->cfg->stall_periods + 4) * per, now);
	failover_note_sync(&s->fo, a->to >= 0 ? play_sync_of(&s->sink->play, (uint32_t)a->to)
	                                      : SYNC_UNKNOWN);

	char detail[96];
	snprintf(detail, sizeof(detail), "%s: %d -> %d, detected in %llu us",
	         failover_reason_name(a->reason), a->slot, a->to,
	         (unsigned long long)fo->detect_us);
	if (a->to >= 0)
		log_warn("failover (%s): primary %d -> %d, detected in %llu us",
		         failover_reason_name(a->reason), a->slot, a->to,
		         (unsigned long long)fo->detect_us);
	else
		log_error("failover (%s): primary %d lost and no healthy standby",
		          failover_reason_name(a->reason), a->slot);
	emit(s, "failover", a->to, detail);
}

static void on_restart(uv_timer_t *t)
{
	struct slot *sl = t->data;

	step(sl->sup, sl->index, EV_BACKOFF_EXPIRED, -1, 0, 0);
}

static void say_state(struct super *s, const struct fsm_action *a)
{
	int st = (int)a->arg;

	if (st == DSTATE_STOPPING)
		return;  /* super_stop said it */
	if (a->to == 1) {
		log_warn("state: degraded (%s)", s->m.primary < 0 ? "no primary" : "crash loop");
		emit(s, "degraded", s->m.primary, NULL);
	} else if (a->to == 2) {
		log_info("state: %s (recovered)", fsm_dstate_name(st));
		emit(s, "recovered", s->m.primary, NULL);
	} else {
		log_info("state: %s", fsm_dstate_name(st));
	}
}

/*
 * A replica that dropped to replica_user may have been refused SCHED_FIFO
 * (no RLIMIT_RTPRIO we could give it): set it from here, now that its slow
 * set-up is over, and publish what is in force where status reads it.
 */
static void boost(struct super *s, uint32_t i)
{
	struct replica_seg *r = s->gr->r[i];
	int prio = s->cfg->rt_priority;

	if (!s->cred.drop || prio <= 0 ||
	    atomic_load_explicit(&r->rt_policy, memory_order_acquire) == RTPRIO_FIFO)
		return;
	int rc = confine_boost(s->slot[i].proc.pid, prio);
	if (rc < 0) {
		log_debug("replica %u: cannot set SCHED_FIFO for it: %s", i, strerror(-rc));
		return;
	}
	atomic_store_explicit(&r->rt_priority, prio, memory_order_relaxed);
	atomic_store_explicit(&r->rt_error, 0, memory_order_relaxed);
	atomic_store_explicit(&r->rt_policy, RTPRIO_FIFO, memory_order_release);
	log_debug("replica %u: SCHED_FIFO/%d set by rtaudiod", i, prio);
}

/* One action of the machine, carried out. */
static void act(struct super *s, const struct fsm_action *a, uint64_t now)
{
	struct slot *sl = a->slot >= 0 && (uint32_t)a->slot < s->n ? &s->slot[a->slot] : NULL;
	unsigned long long us = (unsigned long long)(a->arg / NSEC_PER_USEC);

	/* Every action but the group's own names a slot; one that does not is
	 * a bug of the machine, and is not carried out. */
	if (sl == NULL && a->id != ACT_PROMOTE && a->id != ACT_FAILOVER && a->id != ACT_STATE &&
	    a->id != ACT_CORRUPT)
		return;

	switch (a->id) {
	case ACT_ROLE:
		group_set_role(s->gr, sl->index, (enum replica_role)a->arg);
		break;
	case ACT_PROMOTE:
		group_set_leader(s->gr, a->arg, a->slot >= 0 ? (uint32_t)a->slot : LAYOUT_NO_PRIMARY);
		break;
	case ACT_FAILOVER:
		record_failover(s, a, now);
		break;
	case ACT_FENCE:
		if (sl->proc.pid > 0 && kill(-sl->proc.pid, SIGKILL) < 0 &&
		    kill(sl->proc.pid, SIGKILL) < 0)
			log_warn("replica %u: kill %d: %s", sl->index, sl->proc.pid, strerror(errno));
		break;
	case ACT_SPAWN:
		respawn(sl, a->arg != 0);
		break;
	case ACT_RESPAWN_IN:
		uv_timer_start(&sl->restart, on_restart, a->arg, 0);
		log_debug("replica %u: respawn in %llu ms (quick deaths %u)", sl->index,
		          (unsigned long long)a->arg, s->m.s[sl->index].quick_deaths);
		break;
	case ACT_READY:
		/* It took its life lock before its renderer's open. */
		watch_life(&s->watch, sl->index, sl->proc.pid > 0 ? (uint32_t)sl->proc.pid : 0);
		boost(s, sl->index);
		log_info("replica %u (pid %d) ready", sl->index, sl->proc.pid);
		emit(s, "ready", (int)sl->index, NULL);
		if (a->to >= 0)
			log_info("replica %u is primary (epoch %llu)", sl->index,
			         (unsigned long long)a->arg);
		break;
	case ACT_LATE:
		if (a->to >= 0)
			log_warn("primary %u (pid %d) late by %llu us and no standby to take over: "
			         "waiting", sl->index, sl->proc.pid, us);
		else
			log_info("standby %u (pid %d) late by %llu us: waiting", sl->index,
			         sl->proc.pid, us);
		break;
	case ACT_STALLED:
		log_warn("replica %u (pid %d) stalled: no heartbeat for %llu us", sl->index,
		         sl->proc.pid, us);
		emit(s, "stall", (int)sl->index, NULL);
		break;
	case ACT_NOT_READY:
		log_warn("replica %u (pid %d) not ready after %llu s; killing it", sl->index,
		         sl->proc.pid, (unsigned long long)(FSM_START_TIMEOUT_NS / NSEC_PER_SEC));
		break;
	case ACT_CORRUPT:
		break;  /* said by the watchdog, which has the text */
	case ACT_FORGIVEN:
		log_info("replica %u (pid %d) healthy for %llu ms: its %u quick deaths are "
		         "forgiven", sl->index, sl->proc.pid,
		         (unsigned long long)(s->cfg->restart_backoff_max_ms > 1000
		                                  ? s->cfg->restart_backoff_max_ms : 1000),
		         (unsigned)a->arg);
		break;
	case ACT_STATE:
		say_state(s, a);
		break;
	default:
		break;
	}
}

void super_act_all(struct super *s, const struct fsm_actions *out)
{
	uint64_t now = clock_now_ns();

	for (unsigned k = 0; k < out->n; k++)
		act(s, &out->a[k], now);
}

/* One event for the machine, at now, and its actions done. */
static void step_at(struct super *s, uint32_t i, enum fsm_event_id ev, int reason,
                    uint32_t prefer, uint64_t arg, uint64_t now)
{
	struct fsm_actions out = { 0 };

	super_refresh(s, clock_now_ns());
	fsm_event(&s->m, i, ev, reason, prefer, arg, now, &out);
	super_act_all(s, &out);
	watch_publish(&s->watch, &s->m);
}

static void step(struct super *s, uint32_t i, enum fsm_event_id ev, int reason, uint32_t prefer,
                 uint64_t arg)
{
	step_at(s, i, ev, reason, prefer, arg, clock_now_ns());
}

/* The daemon state after the sink started or stopped playing. */
static void update_state(struct super *s)
{
	struct fsm_actions out = { 0 };

	s->m.playing = sink_playing(s->sink);
	fsm_update(&s->m, &out);
	super_act_all(s, &out);
}

/*
 * Whether replica i's segment shows damage (done by the replica, or by
 * anyone else who can write it: group_replica_damaged), or blocks from its
 * ring failed their checksum at the sink since we last looked; `why` gets
 * a reason. Runs before anything else is believed from the segment.
 */
static bool damaged(struct super *s, uint32_t i, uint64_t bad, uint64_t now, char *why,
                    size_t len)
{
	struct slot *sl = &s->slot[i];

	if (group_replica_damaged(s->gr, i, s->m.s[i].spawn_ns, now + GROUP_FUTURE_SLACK_NS, why, len))
		return true;
	if (bad > sl->bad_seen) {
		snprintf(why, len, "%llu block(s) failed their checksum",
		         (unsigned long long)(bad - sl->bad_seen));
		sl->bad_seen = bad;
		return true;
	}
	return false;
}

/*
 * Re-arm the slow tick and tell the watcher what to watch. Heartbeats are
 * the watcher's (watch.c): it rings at the first moment one can be stale,
 * so between events this thread wakes only for the slow tick (reports,
 * notes, verdicts, segment checks: SUPER_TICK_MS) or a failover record to
 * settle.
 */
static void arm(struct super *s, uint64_t now)
{
	uint64_t soonest = failover_next_due(&s->fo, now + SUPER_TICK_MS * NSEC_PER_MSEC);
	uint64_t ms = (age_ns(now, soonest) + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
	if (ms < s->cfg->interval_ms)
		ms = s->cfg->interval_ms;
	uv_timer_start(&s->watchdog, on_watchdog, ms, 0);
	watch_publish(&s->watch, &s->m);
}

/* Slot i at a watchdog tick: damage first, then what its heartbeat says. */
static void watch_slot(struct super *s, uint32_t i, uint64_t now)
{
	struct slot *sl = &s->slot[i];
	uint64_t bad = atomic_load_explicit(&s->sink->play.st.bad_from[i], memory_order_acquire);
	uint64_t age;
	char why[96];

	if (bad < sl->bad_seen)
		sl->bad_seen = bad; /* stats reset */
	if (!fsm_live(&s->m, i)) {
		/* Bad blocks in a dead replica's ring: rebuild it before reuse. */
		if (bad > sl->bad_seen)
			step(s, i, EV_DAMAGED, REASON_CORRUPT, 0, 0);
		sl->bad_seen = bad;
		return;
	}
	if (damaged(s, i, bad, now, why, sizeof(why))) {
		log_warn("replica %u (pid %d): %s; fencing it", i, sl->proc.pid, why);
		emit(s, "corrupt", (int)i, why);
		step(s, i, EV_DAMAGED, REASON_CORRUPT, 0, 0);
		return;
	}
	bool ready = atomic_load_explicit(&s->gr->r[i]->state, memory_order_acquire) ==
	             RSTATE_READY;
	int ev = fsm_classify(&s->m, i, ready, now, &age);
	if (ev >= 0)
		step_at(s, i, (enum fsm_event_id)ev, -1, 0, age, now);
}

/*
 * A death the watcher heard of through the life lock: the process is
 * exiting (its exit code says how), and is failed over now. What it died
 * of is logged at the reap, as for any exit.
 */
static void dying_slot(struct super *s, uint32_t i)
{
	struct slot *sl = &s->slot[i];
	uint32_t pid;
	int code;

	if (watch_refused(&s->watch, i, &pid))
		log_warn("replica %u (pid %u) keeps waking its own life lock: its death will "
		         "be heard at the reap", i, pid);
	if (!watch_dying(&s->watch, i, &pid, &code) || sl->proc.pid <= 0 ||
	    (uint32_t)sl->proc.pid != pid)
		return;
	/* SIGSYS: the seccomp lock's kill, as at the reap (on_reaped). An exit
	 * code we may not read (a daemon that is not root) is a crash until
	 * the reap says otherwise. */
	bool sandboxed = (code & 0x7f) == SIGSYS;
	sl->died_unsure = code == 0;
	log_debug("replica %u (pid %d) is exiting (exit code %#x): failing over before the reap",
	          i, sl->proc.pid, (unsigned)code);
	step(s, i, EV_DYING, sandboxed ? REASON_SANDBOX : REASON_CRASH, 0, 0);
}

/* A look at everything: on the slow tick, and when the watcher rings. */
static void tick(struct super *s)
{
	uint64_t now = clock_now_ns();

	failover_snapshot(&s->fo, &s->sink->play.st, now);
	super_refresh(s, now);
	for (uint32_t i = 0; i < s->n; i++)
		dying_slot(s, i);
	for (uint32_t i = 0; i < s->n; i++)
		watch_slot(s, i, now);
	judge_tick(s, now);
	failover_settle(&s->fo, &s->sink->play.st, clock_now_ns());
	report_sink(s, now);
	notes_poll(s, now);
	update_state(s);
	if (!s->m.stopping)
		arm(s, clock_now_ns());
}

static void on_watchdog(uv_timer_t *t)
{
	tick(t->data);
}

static void on_ring(void *arg)
{
	tick(arg);
}

void super_fence_replica(struct super *s, uint32_t i, int reason, uint32_t prefer)
{
	step(s, i, EV_FENCE_REQUEST, reason, prefer, 0);
}

/* spawn.c's exit callback: slot `arg`'s process `pid` was reaped. */
static void on_reaped(void *arg, int pid, int64_t status, int term_signal)
{
	struct slot *sl = arg;
	struct super *s = sl->sup;

	s->live--;
	watch_life(&s->watch, sl->index, 0);
	sl->last_exit = term_signal != 0 ? -term_signal : (int)status;
	if (s->m.stopping) {
		step(s, sl->index, EV_EXITED, -1, 0, 0);
		if (s->live == 0 && s->on_stopped != NULL)
			s->on_stopped(s);
		return;
	}
	/* SIGSYS is what the seccomp lock kills with (lib/sandbox.h); a
	 * renderer could raise it itself, but then it only lies about itself. */
	bool sandboxed = term_signal == SIGSYS;
	if (sandboxed && sl->died_unsure)
		(void)failover_amend(&s->fo, (int)sl->index, REASON_CRASH, REASON_SANDBOX);
	sl->died_unsure = false;
	if (sandboxed)
		log_warn("replica %u (pid %d) killed by the sandbox: a forbidden system call "
		         "(SIGSYS; the kernel's audit log names it)", sl->index, pid);
	else if (term_signal != 0)
		log_warn("replica %u (pid %d) killed by %s", sl->index, pid,
		         errtext_signal(term_signal, (char[24]){ 0 }, 24));
	else if (status == PARAMS_EXIT_CONFIG)
		/* The renderer refused what the --check run accepted: its keys, or
		 * a parameter table other than the group's (a renderer must
		 * declare the same in every run). Its stderr line says which. */
		log_error("replica %u (pid %d) refused its configuration (exit 78): the renderer "
		          "does not behave as in its --check run", sl->index, pid);
	else
		log_warn("replica %u (pid %d) exited with status %lld", sl->index, pid,
		         (long long)status);
	emit(s, "crash", (int)sl->index, sandboxed ? "sandbox" : NULL);
	step(s, sl->index, EV_EXITED, sandboxed ? REASON_SANDBOX : REASON_CRASH, 0, 0);
	super_notify_waiters(s, sl->index, pid);
}

/*
 * ACT_SPAWN: (re)start slot `sl`, rebuilding its segment first if it was
 * damaged or is no longer usable (the old process is reaped: nobody writes
 * the segment while we look), then tell the machine how it went.
 */
static void respawn(struct slot *sl, bool rebuild)
{
	struct super *s = sl->sup;
	bool tainted = false;
	int rc;

	if (s->m.stopping)
		return;
	if (rebuild || !group_replica_reusable(s->gr, sl->index)) {
		rc = group_replica_restore(s->gr, sl->index);
		if (rc < 0)
			log_error("replica %u: cannot rebuild its segment: %s", sl->index,
			          strerror(-rc));
		else
			log_info("replica %u: segment checked and rebuilt before the respawn",
			         sl->index);
		tainted = rc < 0;
	}
	/* Whatever failed its checksum before this process existed is not its doing. */
	sl->bad_seen = atomic_load_explicit(&s->sink->play.st.bad_from[sl->index],
	                                    memory_order_acquire);
	group_replica_reset(s->gr, sl->index);
	judge_respawned(s, sl->index);
	notes_reset(s, sl->index);
	uint64_t t0 = clock_now_ns();  /* heartbeats before this are garbage */
	rc = spawn_start(&sl->proc, s->loop, s->cfg, s->gr, &s->cred, sl->index, on_reaped, sl);
	if (rc < 0) {
		log_warn("replica %u: cannot spawn %s: %s", sl->index, s->cfg->replica,
		         uv_strerror(rc));
		step(s, sl->index, EV_SPAWN_FAILED, -1, 0, 0);
		return;
	}
	s->live++;
	/* The watcher polls it every interval_ms from here until it is ready. */
	step_at(s, sl->index, EV_SPAWNED, -1, 0, tainted, t0);
	if (s->m.s[sl->index].restarts > 0)
		emit(s, "respawn", (int)sl->index, NULL);
}

/* The machine's heartbeat limits from [watchdog] stall_periods and the standby mode. */
static void set_limits(struct fsm_policy *pol, const struct config *cfg, uint64_t period_ns)
{
	pol->stall_ns = layout_stall_limit_ns(cfg->stall_periods, period_ns);
	pol->warm_ns = cfg->standby == STANDBY_WARM ? layout_warm_limit_ns(pol->stall_ns) : 0;
}

int super_start(struct super *s, uv_loop_t *loop, struct config *cfg, struct group *gr,
                struct sink *sink, char *err, size_t errlen)
{
	struct fsm_policy pol = {
		.backoff_ms = cfg->restart_backoff_ms,
		.backoff_max_ms = cfg->restart_backoff_max_ms,
		.start_limit = cfg->start_limit,
	};
	struct fsm_actions out = { 0 };

	set_limits(&pol, cfg, gr->period_ns);
	s->loop = loop;
	s->cfg = cfg;
	s->gr = gr;
	s->sink = sink;
	s->n = gr->n;
	fsm_init(&s->m, s->n, &pol);
	/* Every handle first: whatever fails below, super_close() closes them all. */
	uv_timer_init(loop, &s->watchdog);
	uv_timer_init(loop, &s->grace);
	s->watchdog.data = s->grace.data = s;
	for (uint32_t i = 0; i < s->n; i++) {
		struct slot *sl = &s->slot[i];
		sl->sup = s;
		sl->index = i;
		uv_timer_init(loop, &sl->restart);
		sl->restart.data = sl;
	}
	int rc = confine_user(cfg, &s->cred);
	if (rc < 0) {
		snprintf(err, errlen, "key 'replica_user': %s '%s'",
		         rc == -EPERM ? "replicas may not run as root: user" : "no such user",
		         cfg->replica_user);
		return rc;
	}
	struct confine_limits lim;
	char why[320];
	if (s->cred.drop && confine_inheritable_limits(cfg->rt_priority, &lim) < 0)
		log_info("replicas' limits: %s", confine_limits_describe(&lim, why, sizeof why));
	rc = watch_start(&s->watch, loop, gr, &sink->bell, gr->period_ns,
	                 (uint64_t)cfg->interval_ms * NSEC_PER_MSEC,
	                 cfg->rt_priority > 0 ? sink_rt_priority(cfg) : 0, on_ring, s);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start the heartbeat watcher: %s", strerror(-rc));
		return rc;
	}
	atomic_store_explicit(&sink->watch, &s->watch, memory_order_release);
	fsm_start(&s->m, clock_now_ns(), &out);
	super_act_all(s, &out);
	uv_timer_start(&s->watchdog, on_watchdog, cfg->interval_ms, 0);
	return 0;
}

void super_reconfigure(struct super *s)
{
	/* [watchdog] stall_periods may have changed: the machine's limits with it. */
	set_limits(&s->m.pol, s->cfg, s->gr->period_ns);
	atomic_store_explicit(&s->watch.poll_ns, (uint64_t)s->cfg->interval_ms * NSEC_PER_MSEC,
	                      memory_order_relaxed);
	watch_publish(&s->watch, &s->m);
	if (!s->m.stopping)
		uv_timer_start(&s->watchdog, on_watchdog, s->cfg->interval_ms, 0);
}

static void on_grace(uv_timer_t *t)
{
	struct super *s = t->data;

	for (uint32_t i = 0; i < s->n; i++)
		if (s->slot[i].proc.h != NULL) {
			log_warn("replica %u (pid %d) ignored SIGTERM; killing it", i,
			         s->slot[i].proc.pid);
			kill(-s->slot[i].proc.pid, SIGKILL);
		}
}

void super_stop(struct super *s)
{
	if (s->m.stopping)
		return;
	step(s, 0, EV_STOP, -1, 0, 0);
	uv_timer_stop(&s->watchdog);
	watch_stop(&s->watch);
	atomic_store_explicit(&s->gr->g->run, GROUP_SHUTDOWN, memory_order_release);
	group_wake(s->gr);
	for (uint32_t i = 0; i < s->n; i++) {
		uv_timer_stop(&s->slot[i].restart);
		if (s->slot[i].proc.h != NULL)
			kill(s->slot[i].proc.pid, SIGTERM);
	}
	for (unsigned k = 0; k < SUPER_WAITERS; k++)
		s->waiter[k].cb = NULL;
	if (s->live == 0) {
		if (s->on_stopped != NULL)
			s->on_stopped(s);
		return;
	}
	uv_timer_start(&s->grace, on_grace, GRACE_MS, 0);
}

void super_close(struct super *s)
{
	uv_close((uv_handle_t *)&s->watchdog, NULL);
	uv_close((uv_handle_t *)&s->grace, NULL);
	watch_close(&s->watch);
	for (uint32_t i = 0; i < s->n; i++)
		uv_close((uv_handle_t *)&s->slot[i].restart, NULL);
}
