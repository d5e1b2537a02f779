/*
 * slot.c - the supervision state machine (see slot.h): states, events,
 * the one transition function, the takeover pick, the backoff.
 *
 * Does: decide. Each (state, event) pair is a case of fsm_event(); what
 * the pairs do is the table of rtaudiod(8). Group-wide facts (who is
 * primary, the epoch, degraded or not) change only as consequences of a
 * slot's transition, in promote() and update().
 * Does not: read a clock or any memory but its own, or do what it decides
 * (super.c does, action by action). No allocation, no I/O.
 */
#include <errno.h>

#include "slot.h"

static void push(struct fsm_actions *out, enum fsm_action_id id, int slot, int to, int reason,
                 uint64_t arg)
{
	/* The longest list one event makes is a failover with a state change
	 * (role, role, promote, record, fence, state): far below the bound. */
	if (out->n < FSM_ACTIONS_MAX)
		out->a[out->n++] = (struct fsm_action){ id, slot, to, reason, arg };
}

static uint64_t age_ns(uint64_t t, uint64_t now)
{
	return t < now ? now - t : 0;
}

enum replica_role fsm_role(enum fsm_state st)
{
	switch (st) {
	case FSM_STARTING:
		return ROLE_STARTING;
	case FSM_STANDBY:
	case FSM_STANDBY_LATE:
		return ROLE_STANDBY;
	case FSM_PRIMARY:
	case FSM_PRIMARY_LATE:
	case FSM_KILLING:
		return ROLE_PRIMARY;
	default:
		return ROLE_DEAD;
	}
}

static void enter(struct fsm *m, uint32_t i, enum fsm_state st, struct fsm_actions *out)
{
	enum replica_role was = fsm_role(m->s[i].state);

	m->s[i].state = st;
	if (fsm_role(st) != was)
		push(out, ACT_ROLE, (int)i, -1, -1, fsm_role(st));
}

static bool is_primary_state(enum fsm_state st)
{
	return st == FSM_PRIMARY || st == FSM_PRIMARY_LATE;
}

static bool is_standby_state(enum fsm_state st)
{
	return st == FSM_STANDBY || st == FSM_STANDBY_LATE;
}

bool fsm_live(const struct fsm *m, uint32_t i)
{
	enum fsm_state st = m->s[i].state;

	return st == FSM_STARTING || is_standby_state(st) || is_primary_state(st);
}

bool fsm_has_process(const struct fsm *m, uint32_t i)
{
	return m->s[i].state != FSM_EMPTY && m->s[i].state != FSM_BACKOFF;
}

/*
 * The age at which slot i's heartbeat is stale: the stall limit, or a warm
 * standby's longer one (it beats every LAYOUT_WARM_BEAT_NS, not each period).
 */
static uint64_t limit_of(const struct fsm *m, uint32_t i)
{
	return m->pol.warm_ns != 0 && is_standby_state(m->s[i].state) ? m->pol.warm_ns
	                                                                : m->pol.stall_ns;
}

bool fsm_healthy(const struct fsm *m, uint32_t i, uint64_t now)
{
	const struct fsm_slot *sl = &m->s[i];

	return is_standby_state(sl->state) && sl->hb_ns != 0 &&
	       age_ns(sl->hb_ns, now) <= limit_of(m, i);
}

/* Lowest-index healthy standby other than `except`, or -1. */
static int pick_healthy(const struct fsm *m, int except, uint64_t now)
{
	for (uint32_t i = 0; i < m->n; i++)
		if ((int)i != except && fsm_healthy(m, i, now))
			return (int)i;
	return -1;
}

/*
 * A standby that is merely late (a host hiccup as long as the stall
 * limit) still holds its rendered blocks and renders on when it runs
 * again, which beats no primary until a respawn; if it really is stuck,
 * it is fenced like any late primary.
 */
int fsm_pick_takeover(const struct fsm *m, int except, uint32_t prefer, uint64_t now)
{
	uint64_t newest = 0;
	int best = -1;

	for (uint32_t i = 0; i < m->n && prefer != 0; i++)
		if ((prefer >> i & 1u) != 0 && (int)i != except && fsm_healthy(m, i, now))
			return (int)i;
	best = pick_healthy(m, except, now);
	if (best >= 0)
		return best;
	for (uint32_t i = 0; i < m->n; i++)
		if ((int)i != except && is_standby_state(m->s[i].state) && m->s[i].hb_ns > newest) {
			newest = m->s[i].hb_ns;
			best = (int)i;
		}
	return best;
}

uint64_t fsm_backoff_ms(const struct fsm_policy *pol, unsigned quick)
{
	if (quick >= pol->start_limit)
		return pol->backoff_max_ms;
	if (quick <= 1)
		return pol->backoff_ms;
	unsigned shift = quick - 1 < 20 ? quick - 1 : 20;
	uint64_t delay = pol->backoff_ms << shift;
	return delay > pol->backoff_max_ms ? pol->backoff_max_ms : delay;
}

static void promote(struct fsm *m, int to, uint64_t now, struct fsm_actions *out)
{
	m->epoch++;
	m->primary = to;
	if (to >= 0) {
		/* A warm standby's last beat may be older than a primary's limit. */
		m->s[to].since_ns = now;
		enter(m, (uint32_t)to, FSM_PRIMARY, out);
	}
	push(out, ACT_PROMOTE, to, to, -1, m->epoch);
}

/*
 * Primary `from` leaves for `reason` into state `next`; the best standby
 * is promoted and the failover recorded from `fault_ns`, the fault or our
 * best lower bound of it.
 */
static void failover(struct fsm *m, uint32_t from, int reason, enum fsm_state next,
                     uint64_t fault_ns, uint32_t prefer, uint64_t now, struct fsm_actions *out)
{
	int to = fsm_pick_takeover(m, (int)from, prefer, now);

	enter(m, from, next, out);
	promote(m, to, now, out);
	m->failovers++;
	push(out, ACT_FAILOVER, (int)from, to, reason, fault_ns);
}

static void fence(struct fsm *m, uint32_t i, int reason, uint64_t now, struct fsm_actions *out)
{
	m->s[i].kill_ns = now;
	m->s[i].kill_reason = reason;
	push(out, ACT_FENCE, (int)i, -1, reason, 0);
}

/* Out of service for `reason`: hand over first if it was the primary. */
static void take_out(struct fsm *m, uint32_t i, int reason, uint32_t prefer, uint64_t fault_ns,
                     uint64_t now, struct fsm_actions *out)
{
	if (is_primary_state(m->s[i].state))
		failover(m, i, reason, FSM_FENCING, fault_ns, prefer, now, out);
	else
		enter(m, i, FSM_FENCING, out);
	fence(m, i, reason, now, out);
}

/*
 * The way out of a crash loop: a slot heartbeating on time for the backoff
 * window, restart_backoff_max_ms (at least the quick-death limit), forgets
 * its quick deaths; once no slot has start_limit of them the daemon leaves
 * "degraded". Without this a storm that ended left it degraded for ever.
 */
static void on_time(struct fsm *m, uint32_t i, uint64_t now, struct fsm_actions *out)
{
	struct fsm_slot *sl = &m->s[i];
	uint64_t window = m->pol.backoff_max_ms * 1000000u;

	if (window < FSM_QUICK_DEATH_NS)
		window = FSM_QUICK_DEATH_NS;
	enter(m, i, is_primary_state(sl->state) ? FSM_PRIMARY : FSM_STANDBY, out);
	if (sl->healthy_ns == 0) {
		sl->healthy_ns = now;
		return;
	}
	if (sl->quick_deaths == 0 || age_ns(sl->healthy_ns, now) < window)
		return;
	push(out, ACT_FORGIVEN, (int)i, -1, -1, sl->quick_deaths);
	sl->quick_deaths = 0;
}

/*
 * FSM_LATE_GRACE x the limit to show life, where killing at once costs
 * more than waiting: a primary with nobody to hand over to (the kill
 * guarantees a gap, then a respawn's delay), and a standby, which plays
 * nothing and which no failover picks while another will do (fencing it
 * for one host hiccup would leave the group without redundancy for a
 * respawn; the soak's kill cycles found exactly that).
 */
static void stale(struct fsm *m, uint32_t i, uint64_t age, uint64_t now, struct fsm_actions *out)
{
	struct fsm_slot *sl = &m->s[i];
	bool primary = is_primary_state(sl->state);
	bool lone = primary && pick_healthy(m, (int)i, now) < 0;

	sl->healthy_ns = 0;
	if ((lone || !primary) && age <= FSM_LATE_GRACE * limit_of(m, i)) {
		enum fsm_state late = primary ? FSM_PRIMARY_LATE : FSM_STANDBY_LATE;
		if (sl->state != late)
			push(out, ACT_LATE, (int)i, lone ? (int)i : -1, -1, age);
		enter(m, i, late, out);
		return;
	}
	push(out, ACT_STALLED, (int)i, -1, REASON_STALL, age);
	take_out(m, i, REASON_STALL, 0, age_ns(age, now), now, out);
}

/* A death of the primary (or of the one kill-primary is killing): hand over. */
static void died(struct fsm *m, uint32_t i, int reason, enum fsm_state next, uint64_t now,
                 struct fsm_actions *out)
{
	struct fsm_slot *sl = &m->s[i];

	if (is_primary_state(sl->state) || sl->state == FSM_KILLING) {
		/* Killed by kill-primary: the fault began with our kill. */
		uint64_t fault = sl->kill_ns != 0 ? sl->kill_ns : sl->hb_ns != 0 ? sl->hb_ns
		                                                                   : sl->spawn_ns;
		failover(m, i, reason >= 0 ? reason : REASON_CRASH, next, fault, 0, now, out);
	} else {
		enter(m, i, next, out);
	}
}

/*
 * The kernel says the process is exiting (its life lock): the failover
 * need not wait for the reap, which comes once its memory is freed. Until
 * then the slot is FENCING; the SIGKILL costs nothing to a dying process
 * and ends one that is not. kill_ns stays as it was: a crash counts toward
 * the backoff at its EV_EXITED as it would have.
 */
static void dying(struct fsm *m, uint32_t i, int reason, uint64_t now, struct fsm_actions *out)
{
	m->s[i].healthy_ns = 0;
	died(m, i, reason, FSM_FENCING, now, out);
	push(out, ACT_FENCE, (int)i, -1, reason >= 0 ? reason : REASON_CRASH, 0);
}

static void exited(struct fsm *m, uint32_t i, int reason, uint64_t now,
                   struct fsm_actions *out)
{
	struct fsm_slot *sl = &m->s[i];
	bool quick = age_ns(sl->spawn_ns, now) < FSM_QUICK_DEATH_NS;

	sl->healthy_ns = 0;
	if (m->stopping) {
		enter(m, i, FSM_EMPTY, out);
		return;
	}
	died(m, i, reason, FSM_BACKOFF, now, out);
	/* A fence or kill-primary is not the replica's fault: no backoff growth. */
	sl->quick_deaths = quick && sl->kill_ns == 0 ? sl->quick_deaths + 1 : 0;
	sl->kill_ns = 0;
	sl->kill_reason = -1;
	push(out, ACT_RESPAWN_IN, (int)i, -1, -1, fsm_backoff_ms(&m->pol, sl->quick_deaths));
}

/* The daemon state from the slots'; emitted when it changes. */
static void update(struct fsm *m, struct fsm_actions *out)
{
	bool looping = false;
	int st;

	for (uint32_t i = 0; i < m->n; i++)
		if (m->s[i].quick_deaths >= m->pol.start_limit)
			looping = true;
	if (m->stopping)
		st = DSTATE_STOPPING;
	else if (m->primary >= 0)
		st = looping ? DSTATE_DEGRADED : m->playing ? DSTATE_RUNNING : DSTATE_STARTING;
	else
		st = looping || m->failovers > 0 ? DSTATE_DEGRADED : DSTATE_STARTING;
	if (st == m->dstate)
		return;
	int how = st == DSTATE_DEGRADED ? 1 : m->dstate == DSTATE_DEGRADED ? 2 : 0;
	m->dstate = st;
	push(out, ACT_STATE, -1, how, -1, (uint64_t)st);
}

void fsm_event(struct fsm *m, uint32_t i, enum fsm_event_id ev, int reason, uint32_t prefer,
               uint64_t arg, uint64_t now, struct fsm_actions *out)
{
	if (i >= m->n)
		return;
	struct fsm_slot *sl = &m->s[i];
	enum fsm_state st = sl->state;

	switch (ev) {
	case EV_SPAWNED:
		if (st != FSM_EMPTY && st != FSM_BACKOFF)
			break;
		if (sl->spawned_once)
			sl->restarts++;
		sl->spawned_once = true;
		sl->spawn_ns = sl->since_ns = now;
		sl->hb_ns = 0;
		sl->kill_ns = 0;
		sl->kill_reason = -1;
		sl->healthy_ns = 0;
		sl->tainted = arg != 0;  /* the caller could not rebuild its segment */
		enter(m, i, FSM_STARTING, out);
		break;
	case EV_SPAWN_FAILED:
		if (st != FSM_EMPTY && st != FSM_BACKOFF)
			break;
		enter(m, i, m->stopping ? FSM_EMPTY : FSM_BACKOFF, out);
		if (m->stopping)
			break;
		sl->quick_deaths++;
		push(out, ACT_RESPAWN_IN, (int)i, -1, -1, fsm_backoff_ms(&m->pol, sl->quick_deaths));
		break;
	case EV_BACKOFF_EXPIRED:
		if (st == FSM_BACKOFF && !m->stopping)
			push(out, ACT_SPAWN, (int)i, -1, -1, sl->tainted ? 1 : 0);
		break;
	case EV_READY:
		if (st != FSM_STARTING)
			break;
		enter(m, i, FSM_STANDBY, out);
		if (m->primary < 0)
			promote(m, (int)i, now, out);
		push(out, ACT_READY, (int)i, m->primary == (int)i ? (int)i : -1, -1, m->epoch);
		break;
	case EV_START_TIMEOUT:
		if (st != FSM_STARTING)
			break;
		push(out, ACT_NOT_READY, (int)i, -1, REASON_STALL, age_ns(sl->spawn_ns, now));
		enter(m, i, FSM_FENCING, out);
		fence(m, i, REASON_STALL, now, out);
		break;
	case EV_HB_FRESH:
		if (is_standby_state(st) || is_primary_state(st))
			on_time(m, i, now, out);
		break;
	case EV_HB_STALE:
		if (is_standby_state(st) || is_primary_state(st))
			stale(m, i, arg, now, out);
		break;
	case EV_DAMAGED:
		sl->tainted = true;  /* in any state: rebuild before the next process */
		if (!fsm_live(m, i))
			break;
		push(out, ACT_CORRUPT, (int)i, -1, REASON_CORRUPT, 0);
		take_out(m, i, REASON_CORRUPT, 0, now, now, out);
		break;
	case EV_FENCE_REQUEST:
		if (fsm_live(m, i))
			take_out(m, i, reason, prefer, now, now, out);
		break;
	case EV_DYING:
		/* Not while stopping (replicas exit then), nor twice. */
		if (!m->stopping && fsm_has_process(m, i) && st != FSM_FENCING)
			dying(m, i, reason, now, out);
		break;
	case EV_EXITED:
		if (fsm_has_process(m, i))
			exited(m, i, reason, now, out);
		break;
	case EV_STOP:
		m->stopping = true;
		for (uint32_t k = 0; k < m->n; k++)
			if (m->s[k].state == FSM_BACKOFF)
				enter(m, k, FSM_EMPTY, out);
		break;
	default:
		break;
	}
	update(m, out);
}

int fsm_classify(const struct fsm *m, uint32_t i, bool ready, uint64_t now, uint64_t *age)
{
	const struct fsm_slot *sl = &m->s[i];
	uint64_t last = sl->hb_ns > sl->since_ns ? sl->hb_ns : sl->since_ns;

	*age = age_ns(last, now);
	if (sl->state == FSM_STARTING) {
		if (sl->hb_ns != 0 && ready)
			return EV_READY;
		*age = age_ns(sl->spawn_ns, now);
		return *age > FSM_START_TIMEOUT_NS ? EV_START_TIMEOUT : -1;
	}
	if (!is_standby_state(sl->state) && !is_primary_state(sl->state))
		return -1;
	return sl->hb_ns != 0 && *age <= limit_of(m, i) ? EV_HB_FRESH : EV_HB_STALE;
}

void fsm_init(struct fsm *m, uint32_t n, const struct fsm_policy *pol)
{
	*m = (struct fsm){ .pol = *pol, .n = n <= LAYOUT_MAX_REPLICAS ? n : LAYOUT_MAX_REPLICAS,
	                   .primary = -1, .dstate = DSTATE_STARTING };
	for (uint32_t i = 0; i < LAYOUT_MAX_REPLICAS; i++)
		m->s[i].kill_reason = -1;
}

void fsm_start(struct fsm *m, uint64_t now, struct fsm_actions *out)
{
	(void)now;
	for (uint32_t i = 0; i < m->n; i++)
		if (m->s[i].state == FSM_EMPTY)
			push(out, ACT_SPAWN, (int)i, -1, -1, m->s[i].tainted ? 1 : 0);
}

void fsm_heard(struct fsm *m, uint32_t i, uint64_t hb_ns)
{
	if (i < m->n)
		m->s[i].hb_ns = hb_ns;
}

int fsm_kill_primary(struct fsm *m, bool force, uint64_t now, struct fsm_actions *out)
{
	if (m->primary < 0)
		return -ESRCH;
	uint32_t p = (uint32_t)m->primary;
	if (m->s[p].state == FSM_KILLING)
		return 0;  /* already under way: the caller waits for the same death */
	if (!is_primary_state(m->s[p].state))
		return -ESRCH;
	if (!force && pick_healthy(m, (int)p, now) < 0)
		return -EAGAIN;
	enter(m, p, FSM_KILLING, out);
	fence(m, p, REASON_CRASH, now, out);
	return 0;
}

int fsm_failover(struct fsm *m, uint64_t now, int *from, int *to, struct fsm_actions *out)
{
	int old = m->primary;

	if (old < 0 || !is_primary_state(m->s[old].state))
		return -ESRCH;
	if (pick_healthy(m, old, now) < 0)
		return -EAGAIN;
	failover(m, (uint32_t)old, REASON_MANUAL, FSM_STANDBY, now, 0, now, out);
	*from = old;
	*to = m->primary;
	update(m, out);
	return 0;
}

void fsm_update(struct fsm *m, struct fsm_actions *out)
{
	update(m, out);
}

enum fsm_watch_mode fsm_watch(const struct fsm *m, uint32_t i, uint64_t *since_ns,
                             uint64_t *limit_ns)
{
	const struct fsm_slot *sl = &m->s[i];

	*since_ns = *limit_ns = 0;
	if (m->stopping)
		return FSM_WATCH_NONE;
	if (sl->state == FSM_STARTING)
		return FSM_WATCH_READY;  /* polled until it is ready */
	if (!is_standby_state(sl->state) && !is_primary_state(sl->state))
		return FSM_WATCH_NONE;
	/* A heartbeat can only go stale at its time + the limit, never earlier. */
	bool late = sl->state == FSM_STANDBY_LATE || sl->state == FSM_PRIMARY_LATE;
	/* The spawn or the promotion, not the last heartbeat heard: the watcher
	   reads the newer heartbeat itself, and a since that moved with each
	   would be a publish a tick. */
	*since_ns = sl->since_ns;
	*limit_ns = (late ? FSM_LATE_GRACE : 1u) * limit_of(m, i);
	return FSM_WATCH_HEARTBEAT;
}

uint64_t fsm_next_due(const struct fsm *m, uint64_t now, uint64_t latest)
{
	uint64_t soonest = latest;

	for (uint32_t i = 0; i < m->n; i++) {
		uint64_t since, limit;
		enum fsm_watch_mode w = fsm_watch(m, i, &since, &limit);
		if (w == FSM_WATCH_READY)
			return now;
		if (m->s[i].hb_ns > since)
			since = m->s[i].hb_ns;
		if (w == FSM_WATCH_HEARTBEAT && since + limit < soonest)
			soonest = since + limit;
	}
	return soonest;
}

bool fsm_ready(const struct fsm *m)
{
	return m->playing && m->primary >= 0 && !m->stopping;
}

const char *fsm_state_name(enum fsm_state st)
{
	static const char *const names[FSM__STATES] = {
		"empty", "backoff", "starting", "standby", "standby-late",
		"primary", "primary-late", "killing", "fencing",
	};
	return (unsigned)st < FSM__STATES ? names[st] : "unknown";
}

const char *fsm_event_name(enum fsm_event_id ev)
{
	static const char *const names[FSM__EVENTS] = {
		"spawned", "spawn-failed", "ready", "heartbeat-fresh", "heartbeat-stale",
		"start-timeout", "damaged", "fence-request", "dying", "exited", "backoff-expired",
		"stop",
	};
	return (unsigned)ev < FSM__EVENTS ? names[ev] : "unknown";
}

const char *fsm_dstate_name(int state)
{
	static const char *const names[] = { "starting", "running", "degraded", "stopping" };
	return state >= 0 && state <= DSTATE_STOPPING ? names[state] : "unknown";
}

const char *fsm_role_name(int role)
{
	static const char *const names[] = { "starting", "standby", "primary", "dead" };
	return role >= 0 && role <= ROLE_DEAD ? names[role] : "unknown";
}
