/*
 * super.c - watch, fence and respawn replicas; fail over.
 *
 * Does: the supervision rules of DESIGN.md on the loop thread. A death is
 * seen through libuv's exit callback (SIGCHLD), a stall through the watchdog
 * timer reading heartbeats from untrusted replica memory. Either way the
 * primary is demoted at once and a standby promoted; the sink needs no help
 * for that (it already takes a standby's copy of a missing block), so the
 * promotion only decides whose ring is asked first and who renders in warm
 * mode. Damage to a replica's segment (resized, cut under our mapping, a
 * bad header or heartbeat, blocks failing their checksum at the sink) is
 * treated like a crash the replica caused: fenced, failed over, and the
 * segment rebuilt before the slot is respawned (group_replica_restore).
 * Does not: touch audio, run processes (spawn.c starts, reaps and times
 * restarts; it reports back through super_reaped and super_respawn), or
 * trust anything a replica wrote beyond bounds-checked numbers.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "confine.h"
#include "judge.h"
#include "log.h"
#include "params.h"
#include "rtprio.h"
#include "notes.h"
#include "spawn.h"
#include "super.h"

#define START_TIMEOUT_NS   (5 * NSEC_PER_SEC)   /* spawn to READY */
#define QUICK_DEATH_NS     (1 * NSEC_PER_SEC)   /* lived less: counts toward start_limit */
#define GRACE_MS           1000                 /* SIGTERM to SIGKILL at shutdown */
#define FUTURE_SLACK_NS    (1 * NSEC_PER_SEC)   /* heartbeats further ahead are garbage */

static void on_watchdog(uv_timer_t *t);

/* "SIGSEGV" for a log line (a number means nothing to most readers). */
static const char *signal_name(int sig)
{
	static char buf[24];
	const char *abbrev = sigabbrev_np(sig);  /* glibc >= 2.32; "SEGV" */

	if (abbrev != NULL)
		snprintf(buf, sizeof(buf), "SIG%s", abbrev);
	else
		snprintf(buf, sizeof(buf), "signal %d", sig);
	return buf;
}

const char *super_state_name(int state)
{
	static const char *const names[] = { "starting", "running", "degraded", "stopping" };
	return state >= 0 && state <= DSTATE_STOPPING ? names[state] : "unknown";
}

const char *super_role_name(int role)
{
	static const char *const names[] = { "starting", "standby", "primary", "dead" };
	return role >= 0 && role <= ROLE_DEAD ? names[role] : "unknown";
}

static void emit(struct super *s, const char *type, int index, const char *detail)
{
	if (s->on_event != NULL)
		s->on_event(s, type, index, detail);
}

static uint64_t period(const struct super *s)
{
	return s->gr->period_ns;
}

static void set_role(struct super *s, uint32_t i, int role)
{
	s->slot[i].role = role;
	group_set_role(s->gr, i, (enum replica_role)role);
}

/* now - t, saturating: a replica may stamp its heartbeat after we read the clock. */
static uint64_t age_ns(uint64_t t, uint64_t now)
{
	return t < now ? now - t : 0;
}

/* Heartbeat of slot i, or 0 if none or if it is garbage (in the future). */
static uint64_t heartbeat(const struct super *s, uint32_t i, uint64_t now)
{
	uint64_t hb = atomic_load_explicit(&s->gr->r[i]->heartbeat_ns, memory_order_acquire);

	if (hb > now + FUTURE_SLACK_NS || hb < s->slot[i].spawn_ns)
		return 0;
	return hb;
}

uint64_t super_heartbeat_age_us(const struct super *s, uint32_t i)
{
	uint64_t now = clock_now_ns();
	uint64_t hb = heartbeat(s, i, now);

	if (s->slot[i].proc == NULL)
		return 0;
	if (hb == 0)
		hb = s->slot[i].spawn_ns;
	return age_ns(hb, now) / NSEC_PER_USEC;
}

/* A running standby not being fenced, whatever its heartbeat says. */
static bool live_standby(const struct super *s, uint32_t i)
{
	const struct slot *sl = &s->slot[i];

	return sl->proc != NULL && sl->kill_ns == 0 && sl->role == ROLE_STANDBY;
}

static bool healthy(const struct super *s, uint32_t i, uint64_t now)
{
	uint64_t hb = heartbeat(s, i, now);

	return live_standby(s, i) && hb != 0 &&
	       age_ns(hb, now) <= (uint64_t)s->cfg->stall_periods * period(s);
}

/* Lowest-index healthy standby other than `except`, or -1. */
static int pick_standby(const struct super *s, int except, uint64_t now)
{
	for (uint32_t i = 0; i < s->n; i++)
		if ((int)i != except && healthy(s, i, now))
			return (int)i;
	return -1;
}

/*
 * Who takes over from `except`: a healthy standby if there is one; else the
 * live standby heard from last. A standby that is merely late (a host
 * hiccup as long as the stall limit) still holds its rendered blocks and
 * renders on when it runs again, which beats no primary until a respawn;
 * if it really is stuck, the watchdog fences it like any late primary.
 */
static int pick_takeover(const struct super *s, int except, uint64_t now)
{
	int best = pick_standby(s, except, now);
	uint64_t newest = 0;

	/* judge.c's hint: the replicas that agree with the majority. */
	for (uint32_t i = 0; i < s->n && s->prefer != 0; i++)
		if ((s->prefer >> i & 1u) != 0 && (int)i != except && healthy(s, i, now))
			return (int)i;
	if (best >= 0)
		return best;
	for (uint32_t i = 0; i < s->n; i++) {
		uint64_t hb = heartbeat(s, i, now);
		if ((int)i != except && live_standby(s, i) && hb > newest) {
			newest = hb;
			best = (int)i;
		}
	}
	return best;
}

static void promote(struct super *s, int to)
{
	s->epoch++;
	s->primary = to;
	if (to >= 0)
		set_role(s, (uint32_t)to, ROLE_PRIMARY);
	group_set_leader(s->gr, s->epoch, to >= 0 ? (uint32_t)to : LAYOUT_NO_PRIMARY);
}

/*
 * Demote primary `from` for `reason`, promote the best standby and record
 * it. `fault_ns` is when the fault happened, or our best lower bound of it.
 */
static void failover(struct super *s, int from, int reason, uint64_t fault_ns)
{
	uint64_t now = clock_now_ns();
	int to = pick_takeover(s, from, now);

	if (from >= 0)
		set_role(s, (uint32_t)from, reason == REASON_MANUAL ? ROLE_STANDBY : ROLE_DEAD);
	promote(s, to);

	/*
	 * Count the cost from a period before the fault (the block it was
	 * rendering may already be missing) until the rings have drained.
	 */
	const struct failover_rec *fo = failover_record(
	    &s->fo, reason, from, to, fault_ns, fault_ns > period(s) ? fault_ns - period(s) : 0,
	    now + (uint64_t)(s->gr->lead + s->cfg->stall_periods + 4) * period(s), now);
	failover_note_sync(&s->fo, to >= 0 ? play_sync_of(&s->sink->play, (uint32_t)to)
	                                   : SYNC_UNKNOWN);

	char detail[96];
	snprintf(detail, sizeof(detail), "%s: %d -> %d, detected in %llu us",
	         failover_reason_name(reason), from, to, (unsigned long long)fo->detect_us);
	if (to >= 0)
		log_warn("failover (%s): primary %d -> %d, detected in %llu us",
		         failover_reason_name(reason), from, to, (unsigned long long)fo->detect_us);
	else
		log_error("failover (%s): primary %d lost and no healthy standby",
		          failover_reason_name(reason), from);
	emit(s, "failover", to, detail);
}

/* SIGKILL slot i's process group (once), remembering why. */
static void fence(struct super *s, uint32_t i, int reason)
{
	struct slot *sl = &s->slot[i];

	if (sl->proc == NULL || sl->kill_ns != 0)
		return;
	sl->kill_ns = clock_now_ns();
	sl->kill_reason = reason;
	if (kill(-sl->pid, SIGKILL) < 0 && kill(sl->pid, SIGKILL) < 0)
		log_warn("replica %u: kill %d: %s", i, sl->pid, strerror(errno));
}

static void update_state(struct super *s)
{
	bool looping = false;
	int st;

	for (uint32_t i = 0; i < s->n; i++)
		if (s->slot[i].quick_deaths >= s->cfg->start_limit)
			looping = true;
	if (s->stopping)
		st = DSTATE_STOPPING;
	else if (s->primary >= 0)
		st = looping ? DSTATE_DEGRADED : sink_playing(s->sink) ? DSTATE_RUNNING
		                                                      : DSTATE_STARTING;
	else
		st = looping || s->fo.count > 0 ? DSTATE_DEGRADED : DSTATE_STARTING;
	if (st == s->state)
		return;
	if (st == DSTATE_DEGRADED) {
		log_warn("state: degraded (%s)", s->primary < 0 ? "no primary" : "crash loop");
		emit(s, "degraded", s->primary, NULL);
	} else if (s->state == DSTATE_DEGRADED) {
		log_info("state: %s (recovered)", super_state_name(st));
		emit(s, "recovered", s->primary, NULL);
	} else {
		log_info("state: %s", super_state_name(st));
	}
	s->state = st;
}

/* Report new underruns: at most one log line and event a second. */
static void report_underruns(struct super *s, uint64_t now)
{
	const struct play_stats *st = &s->sink->play.st;
	uint64_t n = atomic_load_explicit(&st->underruns, memory_order_acquire);

	if (n < s->underruns_seen)
		s->underruns_seen = n;  /* stats reset */
	if (n == s->underruns_seen || age_ns(s->underrun_report_ns, now) < NSEC_PER_SEC)
		return;
	uint64_t seq = atomic_load_explicit(&st->last_underrun, memory_order_relaxed);
	char detail[96];
	snprintf(detail, sizeof(detail), "%llu underruns, last at block %llu",
	         (unsigned long long)(n - s->underruns_seen), (unsigned long long)seq);
	log_warn("sink: %s (primary %d)", detail, s->primary);
	emit(s, "underrun", s->primary, detail);
	s->underruns_seen = n;
	s->underrun_report_ns = now;
}

/*
 * Report the sink falling behind its clock (sink.c counts it): at most one
 * log line and "slip" event a second, with the time skipped since the last.
 */
static void report_slips(struct super *s, uint64_t now)
{
	uint64_t n = atomic_load_explicit(&s->sink->slips, memory_order_relaxed);
	uint64_t ns = atomic_load_explicit(&s->sink->slip_ns, memory_order_relaxed);

	if (n < s->slips_seen || ns < s->slip_ns_seen) {
		s->slips_seen = n;  /* stats reset */
		s->slip_ns_seen = ns;
	}
	if (n == s->slips_seen || age_ns(s->slip_report_ns, now) < NSEC_PER_SEC)
		return;
	char detail[96];
	snprintf(detail, sizeof(detail), "behind its clock %llu time(s), %.1f ms skipped",
	         (unsigned long long)(n - s->slips_seen), (double)(ns - s->slip_ns_seen) / 1e6);
	log_warn("sink: %s", detail);
	emit(s, "slip", s->primary, detail);
	s->slips_seen = n;
	s->slip_ns_seen = ns;
	s->slip_report_ns = now;
}

/*
 * Re-arm the watchdog for the first moment anything can need us: a heartbeat
 * turning stale, a starting replica, a failover record to settle. Detection
 * is as prompt as a fixed 1 ms tick, at a fraction of the wake-ups, because a
 * heartbeat can only go stale at (its time + the limit), never earlier.
 */
static void arm(struct super *s, uint64_t now)
{
	uint64_t limit = (uint64_t)s->cfg->stall_periods * period(s);
	uint64_t soonest = now + 100 * NSEC_PER_MSEC;  /* reports, snapshots */

	for (uint32_t i = 0; i < s->n; i++) {
		const struct slot *sl = &s->slot[i];
		if (sl->proc == NULL || sl->kill_ns != 0)
			continue;
		if (sl->role == ROLE_STARTING) {
			soonest = now;
			break;
		}
		uint64_t hb = heartbeat(s, i, now);
		uint64_t due = (hb != 0 ? hb : sl->spawn_ns) + (sl->late_logged ? 4 : 1) * limit;
		if (due < soonest)
			soonest = due;
	}
	soonest = failover_next_due(&s->fo, soonest);
	uint64_t ms = (age_ns(now, soonest) + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
	if (ms < s->cfg->interval_ms)
		ms = s->cfg->interval_ms;
	uv_timer_start(&s->watchdog, on_watchdog, ms, 0);
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

	if (group_replica_damaged(s->gr, i, sl->spawn_ns, now + FUTURE_SLACK_NS, why, len))
		return true;
	if (bad > sl->bad_seen) {
		snprintf(why, len, "%llu block(s) failed their checksum",
		         (unsigned long long)(bad - sl->bad_seen));
		sl->bad_seen = bad;
		return true;
	}
	return false;
}

/* A device sink (alsa) lost its device or got it back: one `sink` event each. */
static void sink_dev_events(struct super *s)
{
	const struct sink_dev *v = &s->sink->dev;
	uint64_t c = atomic_load_explicit(&v->changes, memory_order_acquire);
	char detail[160];

	if (!s->sink->has_dev || c == s->dev_changes_seen)
		return;
	s->dev_changes_seen = c;
	snprintf(detail, sizeof detail, "%s %s",
	         atomic_load_explicit(&v->up, memory_order_relaxed) ? "device-back" : "device-lost",
	         v->name);
	emit(s, "sink", -1, detail);
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
	int rc = confine_boost(s->slot[i].pid, prio);
	if (rc < 0) {
		log_debug("replica %u: cannot set SCHED_FIFO for it: %s", i, strerror(-rc));
		return;
	}
	atomic_store_explicit(&r->rt_priority, prio, memory_order_relaxed);
	atomic_store_explicit(&r->rt_error, 0, memory_order_relaxed);
	atomic_store_explicit(&r->rt_policy, RTPRIO_FIFO, memory_order_release);
	log_debug("replica %u: SCHED_FIFO/%d set by rtaudiod", i, prio);
}

/*
 * The way out of a crash loop: a slot that has been a healthy primary or
 * standby (on-time heartbeats) for the backoff window, restart_backoff_max_ms
 * (at least the quick-death limit), forgets its quick deaths; once no slot
 * has start_limit of them the state leaves "degraded" (update_state emits
 * "recovered"). Without this the count only reset at a slow death, and a
 * storm that ended left the group degraded for ever.
 */
static void recover_slot(struct super *s, struct slot *sl, uint64_t now)
{
	uint64_t window = (uint64_t)s->cfg->restart_backoff_max_ms * NSEC_PER_MSEC;

	if (window < QUICK_DEATH_NS)
		window = QUICK_DEATH_NS;
	if (sl->healthy_ns == 0) {
		sl->healthy_ns = now;
		return;
	}
	if (sl->quick_deaths == 0 || age_ns(sl->healthy_ns, now) < window)
		return;
	log_info("replica %u (pid %d) healthy for %llu ms: its %u quick deaths are forgiven",
	         sl->index, sl->pid, (unsigned long long)(window / NSEC_PER_MSEC),
	         sl->quick_deaths);
	sl->quick_deaths = 0;
}

static void on_watchdog(uv_timer_t *t)
{
	struct super *s = t->data;
	uint64_t now = clock_now_ns();
	uint64_t limit = (uint64_t)s->cfg->stall_periods * period(s);

	sink_dev_events(s);
	failover_snapshot(&s->fo, &s->sink->play.st, now);
	for (uint32_t i = 0; i < s->n; i++) {
		struct slot *sl = &s->slot[i];
		const struct replica_seg *r = s->gr->r[i];
		uint64_t bad = atomic_load_explicit(&s->sink->play.st.bad_from[i],
		                                    memory_order_acquire);
		char why[96];

		if (bad < sl->bad_seen)
			sl->bad_seen = bad; /* stats reset */
		if (sl->proc == NULL || sl->kill_ns != 0) {
			/* Bad blocks in a dead replica's ring: rebuild it before reuse. */
			if (bad > sl->bad_seen)
				sl->tainted = true;
			sl->bad_seen = bad;
			continue;
		}
		if (damaged(s, i, bad, now, why, sizeof(why))) {
			log_warn("replica %u (pid %d): %s; fencing it", i, sl->pid, why);
			emit(s, "corrupt", (int)i, why);
			sl->tainted = true;
			if (sl->role == ROLE_PRIMARY)
				failover(s, (int)i, REASON_CORRUPT, now);
			else
				set_role(s, i, ROLE_DEAD);
			fence(s, i, REASON_CORRUPT);
			continue;
		}
		uint64_t hb = heartbeat(s, i, now);
		if (sl->role == ROLE_STARTING) {
			if (hb != 0 && atomic_load_explicit(&r->state, memory_order_acquire) ==
			                   RSTATE_READY) {
				set_role(s, i, ROLE_STANDBY);
				boost(s, i);
				log_info("replica %u (pid %d) ready", i, sl->pid);
				emit(s, "ready", (int)i, NULL);
				if (s->primary < 0) {
					promote(s, (int)i);
					log_info("replica %u is primary (epoch %llu)", i,
					         (unsigned long long)s->epoch);
				}
			} else if (age_ns(sl->spawn_ns, now) > START_TIMEOUT_NS) {
				log_warn("replica %u (pid %d) not ready after 5 s; killing it", i, sl->pid);
				fence(s, i, REASON_STALL);
			}
			continue;
		}
		if (hb != 0 && age_ns(hb, now) <= limit) {
			sl->late_logged = false;
			recover_slot(s, sl, now);
			continue;
		}
		sl->healthy_ns = 0;
		uint64_t last = hb != 0 ? hb : sl->spawn_ns;
		/*
		 * 4x the limit to show life, where killing at once costs more
		 * than waiting: a primary with nobody to hand over to (the kill
		 * guarantees a gap, a respawn's restart delay), and a standby,
		 * which plays nothing and which no failover picks while another
		 * will do (fencing it for one host hiccup would leave the group
		 * without redundancy for a respawn; the soak's kill cycles found
		 * exactly that).
		 */
		bool lone = sl->role == ROLE_PRIMARY && pick_standby(s, (int)i, now) < 0;
		if ((lone || sl->role == ROLE_STANDBY) && age_ns(last, now) <= 4 * limit) {
			if (!sl->late_logged && lone)
				log_warn("primary %u (pid %d) late by %llu us and no standby to take "
				         "over: waiting", i, sl->pid,
				         (unsigned long long)(age_ns(last, now) / NSEC_PER_USEC));
			else if (!sl->late_logged)
				log_info("standby %u (pid %d) late by %llu us: waiting", i, sl->pid,
				         (unsigned long long)(age_ns(last, now) / NSEC_PER_USEC));
			sl->late_logged = true;
			continue;
		}
		sl->late_logged = false;
		log_warn("replica %u (pid %d) stalled: no heartbeat for %llu us", i, sl->pid,
		         (unsigned long long)(age_ns(last, now) / NSEC_PER_USEC));
		emit(s, "stall", (int)i, NULL);
		if (sl->role == ROLE_PRIMARY)
			failover(s, (int)i, REASON_STALL, last);
		else
			set_role(s, i, ROLE_DEAD);
		fence(s, i, REASON_STALL);
	}
	judge_tick(s, now);
	failover_settle(&s->fo, &s->sink->play.st, clock_now_ns());
	report_underruns(s, now);
	report_slips(s, now);
	notes_poll(s, now);
	update_state(s);
	if (!s->stopping)
		arm(s, clock_now_ns());
}

static void notify_waiters(struct super *s, uint32_t index, int pid)
{
	for (unsigned k = 0; k < SUPER_WAITERS; k++) {
		if (s->waiter[k].cb == NULL || s->waiter[k].index != (int)index ||
		    s->waiter[k].pid != pid)
			continue;
		super_kill_cb cb = s->waiter[k].cb;
		void *arg = s->waiter[k].arg;
		s->waiter[k].cb = NULL;
		cb(arg, (int)index, pid, s->primary);
	}
}

void super_fence_replica(struct super *s, uint32_t i, int reason, uint32_t prefer)
{
	if (s->slot[i].proc == NULL || s->slot[i].kill_ns != 0)
		return;
	if (s->slot[i].role == ROLE_PRIMARY) {
		s->prefer = prefer;
		failover(s, (int)i, reason, clock_now_ns());
		s->prefer = 0;
	} else {
		set_role(s, i, ROLE_DEAD);
	}
	fence(s, i, reason);
	update_state(s);
}

void super_reaped(struct slot *sl, int pid, int64_t status, int term_signal)
{
	struct super *s = sl->sup;
	uint64_t now = clock_now_ns();
	bool quick = age_ns(sl->spawn_ns, now) < QUICK_DEATH_NS;

	s->live--;
	sl->healthy_ns = 0;
	if (s->stopping) {
		set_role(s, sl->index, ROLE_DEAD);
		if (s->live == 0 && s->on_stopped != NULL)
			s->on_stopped(s);
		return;
	}
	/* SIGSYS is what the seccomp lock kills with (lib/sandbox.h); a
	 * renderer could raise it itself, but then it only lies about itself. */
	bool sandboxed = term_signal == SIGSYS;
	if (sandboxed)
		log_warn("replica %u (pid %d) killed by the sandbox: a forbidden system call "
		         "(SIGSYS; the kernel's audit log names it)", sl->index, pid);
	else if (term_signal != 0)
		log_warn("replica %u (pid %d) killed by %s", sl->index, pid, signal_name(term_signal));
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

	if (sl->role == ROLE_PRIMARY) {
		/* We killed it ourselves (kill-primary): the fault began then. */
		uint64_t fault = sl->kill_ns;
		if (fault == 0) {
			fault = heartbeat(s, sl->index, now);
			if (fault == 0)
				fault = sl->spawn_ns;
		}
		failover(s, (int)sl->index, sandboxed ? REASON_SANDBOX : REASON_CRASH, fault);
	} else {
		set_role(s, sl->index, ROLE_DEAD);
	}
	/* A fence or kill-primary is not the replica's fault: no backoff growth. */
	spawn_restart_later(sl, quick && sl->kill_ns == 0);
	sl->kill_ns = 0;
	sl->kill_reason = -1;
	notify_waiters(s, sl->index, pid);
	update_state(s);
}

void super_respawn(struct slot *sl)
{
	struct super *s = sl->sup;
	int rc;

	if (s->stopping)
		return;
	/* The old process is reaped: nobody writes the segment while we look. */
	if (sl->tainted || !group_replica_reusable(s->gr, sl->index)) {
		rc = group_replica_restore(s->gr, sl->index);
		if (rc < 0)
			log_error("replica %u: cannot rebuild its segment: %s", sl->index,
			          strerror(-rc));
		else
			log_info("replica %u: segment checked and rebuilt before the respawn",
			         sl->index);
		sl->tainted = rc < 0;
	}
	/* Whatever failed its checksum before this process existed is not its doing. */
	sl->bad_seen = atomic_load_explicit(&s->sink->play.st.bad_from[sl->index],
	                                    memory_order_acquire);
	group_replica_reset(s->gr, sl->index);
	judge_respawned(s, sl->index);
	notes_reset(s, sl->index);
	set_role(s, sl->index, ROLE_STARTING);
	sl->kill_ns = 0;
	sl->kill_reason = -1;
	rc = spawn_start(sl);
	if (rc < 0) {
		log_warn("replica %u: cannot spawn %s: %s", sl->index, s->cfg->replica,
		         uv_strerror(rc));
		set_role(s, sl->index, ROLE_DEAD);
		spawn_restart_later(sl, true);
		update_state(s);
		return;
	}
	s->live++;
	/* A starting replica is polled every interval_ms until it is ready. */
	uv_timer_start(&s->watchdog, on_watchdog, s->cfg->interval_ms, 0);
	if (sl->restarts++ > 0)
		emit(s, "respawn", (int)sl->index, NULL);
}

int super_start(struct super *s, uv_loop_t *loop, struct config *cfg, struct group *gr,
                struct sink *sink, char *err, size_t errlen)
{
	s->loop = loop;
	s->cfg = cfg;
	s->gr = gr;
	s->sink = sink;
	s->n = gr->n;
	s->primary = -1;
	s->state = DSTATE_STARTING;
	int rc = confine_user(cfg, &s->cred);
	if (rc < 0) {
		snprintf(err, errlen, "key 'replica_user': %s '%s'",
		         rc == -EPERM ? "replicas may not run as root: user" : "no such user",
		         cfg->replica_user);
		return rc;
	}
	if (s->cred.drop && (rc = confine_inheritable_limits(cfg->rt_priority)) < 0)
		log_info("cannot raise RLIMIT_RTPRIO/RLIMIT_MEMLOCK for replicas (%s): rtaudiod "
		         "will set their SCHED_FIFO itself; their mlockall is bounded",
		         strerror(-rc));
	uv_timer_init(loop, &s->watchdog);
	uv_timer_init(loop, &s->grace);
	s->watchdog.data = s->grace.data = s;
	for (uint32_t i = 0; i < s->n; i++) {
		struct slot *sl = &s->slot[i];
		sl->sup = s;
		sl->index = i;
		sl->kill_reason = -1;
		uv_timer_init(loop, &sl->restart);
		sl->restart.data = sl;
	}
	for (uint32_t i = 0; i < s->n; i++)
		super_respawn(&s->slot[i]);
	uv_timer_start(&s->watchdog, on_watchdog, cfg->interval_ms, 0);
	return 0;
}

void super_reconfigure(struct super *s)
{
	if (!s->stopping)
		uv_timer_start(&s->watchdog, on_watchdog, s->cfg->interval_ms, 0);
}

static void on_grace(uv_timer_t *t)
{
	struct super *s = t->data;

	for (uint32_t i = 0; i < s->n; i++)
		if (s->slot[i].proc != NULL) {
			log_warn("replica %u (pid %d) ignored SIGTERM; killing it", i, s->slot[i].pid);
			kill(-s->slot[i].pid, SIGKILL);
		}
}

void super_stop(struct super *s)
{
	if (s->stopping)
		return;
	s->stopping = true;
	s->state = DSTATE_STOPPING;
	uv_timer_stop(&s->watchdog);
	atomic_store_explicit(&s->gr->g->run, GROUP_SHUTDOWN, memory_order_release);
	group_wake(s->gr);
	for (uint32_t i = 0; i < s->n; i++) {
		uv_timer_stop(&s->slot[i].restart);
		if (s->slot[i].proc != NULL)
			kill(s->slot[i].pid, SIGTERM);
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
	for (uint32_t i = 0; i < s->n; i++)
		uv_close((uv_handle_t *)&s->slot[i].restart, NULL);
}

int super_kill_primary(struct super *s, bool force, super_kill_cb cb, void *arg)
{
	if (s->primary < 0 || s->slot[s->primary].proc == NULL)
		return -ESRCH;
	if (!force && pick_standby(s, s->primary, clock_now_ns()) < 0)
		return -EAGAIN;
	for (unsigned k = 0; k < SUPER_WAITERS; k++) {
		if (s->waiter[k].cb != NULL)
			continue;
		struct slot *sl = &s->slot[s->primary];
		s->waiter[k].cb = cb;
		s->waiter[k].arg = arg;
		s->waiter[k].index = (int)sl->index;
		s->waiter[k].pid = sl->pid;
		log_info("kill-primary: SIGKILL to replica %u (pid %d)", sl->index, sl->pid);
		sl->kill_ns = clock_now_ns();
		sl->kill_reason = REASON_CRASH;
		kill(-sl->pid, SIGKILL);
		return 0;
	}
	return -EBUSY;
}

void super_cancel(struct super *s, void *arg)
{
	for (unsigned k = 0; k < SUPER_WAITERS; k++)
		if (s->waiter[k].arg == arg)
			s->waiter[k].cb = NULL;
}

int super_failover(struct super *s, int *from, int *to)
{
	uint64_t now = clock_now_ns();
	int old = s->primary;

	if (old < 0)
		return -ESRCH;
	if (pick_standby(s, old, now) < 0)
		return -EAGAIN;
	failover(s, old, REASON_MANUAL, now);
	*from = old;
	*to = s->primary;
	update_state(s);
	return 0;
}
