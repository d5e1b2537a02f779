/*
 * cmd.c - the daemon's side of the control protocol.
 *
 * Does: parse a request with the shared table (lib/proto.c), refuse
 * mutating verbs to unprivileged peers, run the handler indexed by the
 * command id, build the JSON reply (jansson). kill-primary replies only once
 * the death has been seen and a standby promoted (a deferred reply).
 * Does not: touch sockets (ctl.c), make supervision decisions (slot.c), or
 * read replica memory (super_slot_info, group_replica_info/stats do).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cmd.h"
#include "judge.h"
#include "log.h"
#include "notes.h"
#include "rtprio.h"

typedef json_t *(*cmd_fn)(struct daemon *d, struct ctl_client *c, const struct proto_req *r);

static struct daemon *daemon_of(const struct ctl_client *c)
{
	return c->ctl->user;
}

static json_t *ok(void)
{
	return json_pack("{s:b}", "ok", 1);
}

static json_t *fail(int code, const char *msg)
{
	return ctl_refusal(code, msg);
}

static json_t *json_index(int i)
{
	return i >= 0 ? json_integer(i) : json_null();
}

/*
 * A thread's real-time state as status says it, the sink's and each
 * replica's alike: "fifo/80, mlocked (audio path)" in buf, and whether its
 * memory is locked. A replica's value is its own word: locked only for a
 * value that names a lock.
 */
static bool rt_text(const struct rtprio_status *st, char *buf, size_t len)
{
	char sched[96], mem[48];

	snprintf(buf, len, "%s, %s", rtprio_describe(st, sched, sizeof(sched)),
	         rtprio_describe_mlock(st, mem, sizeof(mem)));
	return st->mlocked >= RTPRIO_MLOCK_ALL && st->mlocked <= RTPRIO_MLOCK_PATH;
}

static json_t *replica_json(struct daemon *d, uint32_t i)
{
	struct super_slot_info sl;
	struct group_replica_info gi;
	char rt[160];

	super_slot_info(&d->sup, i, &sl);
	group_replica_info(&d->gr, i, &gi);
	bool locked = rt_text(&gi.rt, rt, sizeof(rt)) && sl.alive;
	return json_pack("{s:i, s:o, s:s, s:s, s:b, s:I, s:I, s:i, s:s, s:b, s:o, s:o, s:s, s:f}",
	                 "index", (int)i,
	                 "pid", sl.pid > 0 ? json_integer(sl.pid) : json_null(),
	                 "role", fsm_role_name(sl.role),
	                 "state", sl.alive ? notes_state_name(gi.state) : "-",
	                 "alive", sl.alive,
	                 "heartbeat_age_us", (json_int_t)sl.heartbeat_age_us,
	                 "rendered_seq", (json_int_t)gi.rendered_seq,
	                 "restarts", (int)sl.restarts,
	                 "rt", sl.alive ? rt : "-", "mlocked", locked,
	                 "cpu", sl.alive && gi.cpu >= 0 ? json_integer(gi.cpu) : json_null(),
	                 "sync", judge_sync_json(&d->sup, i),
	                 "source", sl.alive ? gi.source : "",
	                 /* Untrusted: a hostile value is a big number, nothing worse. */
	                 "preroll_ms", (double)gi.preroll_ns / 1e6);
}

static json_t *failover_json(const struct failover_rec *fo)
{
	if (fo == NULL)
		return json_null();
	return json_pack("{s:s, s:i, s:o, s:I, s:I, s:I, s:I, s:I, s:b, s:s, s:o}",
	                 "reason", failover_reason_name(fo->reason),
	                 "from", fo->from,
	                 "to", json_index(fo->to),
	                 "detect_us", (json_int_t)fo->detect_us,
	                 "detected_mono_ns", (json_int_t)fo->mono_ns,
	                 "time_ms", (json_int_t)fo->wall_ms,
	                 "lost_samples", (json_int_t)fo->lost_samples,
	                 "rescued", (json_int_t)fo->rescued,
	                 "settled", fo->settled,
	                 "sync", play_sync_name(fo->sync),
	                 "identical", fo->sync == SYNC_UNKNOWN ? json_null()
	                                                       : json_boolean(fo->sync == SYNC_IDENTICAL));
}

/*
 * A device sink's device as it is in use now (alsa; jack: its server), and
 * its capture (or null).
 */
static json_t *sink_dev_json(const struct sink_dev *v)
{
	json_t *cap = v->cap_name[0] == '\0' ? json_null() :
	    json_pack("{s:s, s:s, s:i, s:i, s:i, s:b, s:I}", "name", v->cap_name,
	              "format", sink_format_name(atomic_load(&v->cap_format)),
	              "channels", (int)atomic_load(&v->cap_channels),
	              "period", (int)atomic_load(&v->period),
	              "buffer", (int)atomic_load(&v->cap_buffer),
	              "linked", atomic_load(&v->cap_linked) != 0,
	              "xruns", (json_int_t)atomic_load(&v->cap_xruns));
	return json_pack("{s:s, s:b, s:s, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:o}", "name", v->name,
	                 "up", atomic_load(&v->up) != 0,
	                 "format", sink_format_name(atomic_load(&v->format)),
	                 "rate", (int)atomic_load(&v->rate), "period", (int)atomic_load(&v->period),
	                 "buffer", (int)atomic_load(&v->buffer),
	                 "xruns", (json_int_t)atomic_load(&v->xruns),
	                 "losses", (json_int_t)atomic_load(&v->losses),
	                 "reopens", (json_int_t)atomic_load(&v->reopens),
	                 "paced", (json_int_t)atomic_load(&v->paced), "capture", cap);
}

/* Status keys added after the main object (kept apart to keep that one readable). */
static void status_more(struct daemon *d, json_t *o)
{
	if (o == NULL)
		return;
	/* Clocked sinks: how often, and for how long in all, they fell behind. */
	json_t *sink = json_object_get(o, "sink");
	if (sink != NULL) {
		json_object_set_new(sink, "slips", json_integer((json_int_t)atomic_load(&d->sink.slips)));
		json_object_set_new(sink, "slip_ms", json_integer((json_int_t)(
		                    atomic_load(&d->sink.slip_ns) / NSEC_PER_MSEC)));
	}
	/* The watchdog in force: what a reload of [watchdog] changed. */
	json_object_set_new(o, "watchdog", json_pack("{s:i, s:i}", "interval_ms",
	                    (int)d->cfg.interval_ms, "stall_periods", (int)d->cfg.stall_periods));
}

static json_t *cmd_status(struct daemon *d, struct ctl_client *c, const struct proto_req *r)
{
	const struct config *cfg = &d->cfg;
	const struct play_stats *st = &d->sink.play.st;
	json_t *reps = json_array();

	for (uint32_t i = 0; i < d->gr.n; i++)
		json_array_append_new(reps, replica_json(d, i));
	/* What wait-ready waits for, and READY=1 means (notify.c): one rule. */
	bool ready = super_ready(&d->sup);
	struct rtprio_status srt;
	char rt[160];

	/* "fifo/80, mlocked": the thread that runs the periods, and the daemon's memory. */
	sink_rt_status(&d->sink, &srt);
	bool locked = rt_text(&srt, rt, sizeof(rt));

	json_t *o = json_pack(
	    "{s:b, s:b, s:{s:i, s:s, s:I, s:s, s:s}, s:{s:i, s:i, s:i, s:I, s:i, s:i, s:s},"
	    " s:o, s:o, s:o,"
	    " s:{s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:o}}",
	    "ok", 1, "ready", ready,
	    "daemon", "pid", (int)getpid(), "version", PACKAGE_VERSION,
	    "uptime_ms", (json_int_t)((clock_now_ns() - d->start_ns) / NSEC_PER_MSEC),
	    "state", fsm_dstate_name(super_state(&d->sup)), "group", d->gr.name,
	    "stream", "sample_rate", (int)cfg->sample_rate, "channels", (int)cfg->channels,
	    "frames", (int)cfg->frames, "period_ns", (json_int_t)d->gr.period_ns,
	    "lead", (int)cfg->lead, "ring_capacity", (int)cfg->ring_capacity,
	    "standby", config_standby_name(cfg->standby),
	    "params", cmd_params_json(d),
	    "primary", json_index(super_primary(&d->sup)),
	    "replicas", reps,
	    "sink", "type", sink_name(&d->sink),
	    "rt", rt, "mlocked", locked,
	    "seq", (json_int_t)group_position(&d->gr),
	    "played", (json_int_t)atomic_load(&st->played),
	    "underruns", (json_int_t)atomic_load(&st->underruns),
	    "rescued", (json_int_t)atomic_load(&st->rescued),
	    "lost_samples", (json_int_t)atomic_load(&st->lost_samples),
	    "late", (json_int_t)atomic_load(&d->sink.late),
	    "failovers", "count", (json_int_t)d->sup.fo.count,
	    "last", failover_json(failover_last(&d->sup.fo)));
	json_t *stream = o != NULL ? json_object_get(o, "stream") : NULL;
	if (stream != NULL) {
		/* Output block s is rendered from input block s, captured lead
		 * periods earlier, in a period of its own: lead + 1 periods; a
		 * device sink (alsa) keeps its buffer full, so a block waits
		 * behind buffer - period frames there. */
		double lat = (double)(cfg->lead + 1) * cfg->frames;
		if (d->sink.has_dev)
			lat += (double)atomic_load(&d->sink.dev.buffer) -
			       (double)atomic_load(&d->sink.dev.period);
		json_object_set_new(stream, "input_channels", json_integer(d->gr.input_channels));
		json_object_set_new(stream, "input_latency_ms",
		                    d->gr.input_channels > 0
		                        ? json_real(lat * 1000.0 / cfg->sample_rate)
		                        : json_null());
	}
	json_t *sink = o != NULL ? json_object_get(o, "sink") : NULL;
	if (sink != NULL && d->sink.has_dev)
		json_object_set_new(sink, "device", sink_dev_json(&d->sink.dev));
	status_more(d, o);
	return o;
}

static void kill_done(void *arg, int index, int pid, int primary)
{
	struct ctl_client *c = arg;

	ctl_reply(c, json_pack("{s:b, s:{s:i, s:i}, s:o}", "ok", 1, "killed", "index", index,
	                       "pid", pid, "primary", json_index(primary)));
	ctl_resume(c);
}

static json_t *cmd_kill_primary(struct daemon *d, struct ctl_client *c,
                                const struct proto_req *r)
{
	bool force = r->argc == 1;  /* the parser allows only "force" */
	int rc = super_kill_primary(&d->sup, force, kill_done, c);

	if (rc == -ESRCH)
		return fail(PERR_NO_PRIMARY, "no primary to kill");
	if (rc == -EAGAIN)
		return fail(PERR_NO_STANDBY, "no healthy standby to take over; 'kill-primary force' kills it anyway");
	if (rc < 0)
		return fail(PERR_BUSY, "too many kill-primary requests pending");
	c->deferred = true;
	return NULL;
}

static json_t *cmd_failover(struct daemon *d, struct ctl_client *c, const struct proto_req *r)
{
	int from, to;
	int rc = super_failover(&d->sup, &from, &to);

	if (rc == -ESRCH)
		return fail(PERR_NO_PRIMARY, "no primary");
	if (rc < 0)
		return fail(PERR_NO_STANDBY, "no healthy standby to take over");
	return json_pack("{s:b, s:i, s:i}", "ok", 1, "from", from, "to", to);
}

static json_t *cmd_stats(struct daemon *d, struct ctl_client *c, const struct proto_req *r)
{
	const struct play_stats *st = &d->sink.play.st;
	json_t *reps = json_array();

	if (r->argc == 1) {
		json_decref(reps);
		play_stats_reset(&d->sink.play);
		atomic_store_explicit(&d->sink.late, 0, memory_order_relaxed);
		atomic_store_explicit(&d->sink.slips, 0, memory_order_relaxed);
		atomic_store_explicit(&d->sink.slip_ns, 0, memory_order_relaxed);
		for (uint32_t i = 0; i < d->gr.n; i++)
			group_replica_stats_reset(&d->gr, i);
		log_info("stats reset");
		return ok();
	}
	for (uint32_t i = 0; i < d->gr.n; i++) {
		struct group_replica_stats rs;
		struct super_slot_info sl;
		group_replica_stats(&d->gr, i, &rs);
		super_slot_info(&d->sup, i, &sl);
		json_array_append_new(reps, judge_replica_stats(json_pack(
		    "{s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:f, s:I}",
		    "index", (int)i, "role", fsm_role_name(sl.role),
		    "blocks", (json_int_t)rs.blocks,
		    "wakeups", (json_int_t)rs.wakeups,
		    "timeouts", (json_int_t)rs.timeouts,
		    "overruns", (json_int_t)rs.overruns,
		    "late_renders", (json_int_t)rs.late_renders,
		    "render_ns_max", (json_int_t)rs.render_ns_max,
		    "busy_median_pct", rs.busy_median_pct,
		    "busy_p99_pct", rs.busy_p99_pct,
		    "busy_max_pct", 100.0 * (double)rs.render_ns_max / (double)d->gr.period_ns,
		    "played_from", (json_int_t)atomic_load(&st->from_replica[i])), &d->sink.play, i));
	}
	return json_pack("{s:b, s:I, s:{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:o, s:o}", "ok", 1,
	                 "period_ns", (json_int_t)d->gr.period_ns,
	                 "sink", "type", sink_name(&d->sink),
	                 "played", (json_int_t)atomic_load(&st->played),
	                 "from_primary", (json_int_t)atomic_load(&st->from_primary),
	                 "rescued", (json_int_t)atomic_load(&st->rescued),
	                 "underruns", (json_int_t)atomic_load(&st->underruns),
	                 "lost_samples", (json_int_t)atomic_load(&st->lost_samples),
	                 "bad_blocks", (json_int_t)atomic_load(&st->bad_blocks),
	                 "late", (json_int_t)atomic_load(&d->sink.late),
	                 "vote", judge_stats_json(&d->sink.play),
	                 "replicas", reps);
}

static json_t *cmd_events(struct daemon *d, struct ctl_client *c, const struct proto_req *r)
{
	c->streaming = true;
	return json_pack("{s:b, s:b}", "ok", 1, "streaming", 1);
}

static json_t *cmd_reload_verb(struct daemon *d, struct ctl_client *c, const struct proto_req *r)
{
	char err[512], note[256];

	int rc = cmd_reload(d, err, sizeof(err), note, sizeof(note));
	if (rc < 0)  /* EBUSY: parameters changing too fast; the file was fine */
		return fail(rc == -EBUSY ? PERR_BUSY : PERR_CONFIG, err);
	if (note[0] != '\0')
		return json_pack("{s:b, s:s}", "ok", 1, "restart_needed", note);
	return ok();
}

/* The kept failover records, oldest first, so that their losses can be summed. */
static json_t *cmd_history(struct daemon *d, struct ctl_client *c, const struct proto_req *r)
{
	json_t *list = json_array();
	uint64_t n = failover_kept(&d->sup.fo);

	for (uint64_t k = 0; k < n; k++)
		json_array_append_new(list, failover_json(failover_nth(&d->sup.fo, k)));
	return json_pack("{s:b, s:I, s:o}", "ok", 1, "count", (json_int_t)d->sup.fo.count,
	                 "failovers", list);
}

static json_t *cmd_version(struct daemon *d, struct ctl_client *c, const struct proto_req *r)
{
	return json_pack("{s:b, s:s}", "ok", 1, "version", PACKAGE_VERSION);
}

/*
 * tap: the group's geometry as JSON, with read-only descriptors of the group
 * segment and of every replica segment (in that order) passed in the same
 * message (SCM_RIGHTS). The reply is sent here, not returned: it must be one
 * sendmsg with the descriptors attached to its first byte.
 */
static json_t *cmd_tap(struct daemon *d, struct ctl_client *c, const struct proto_req *r)
{
	int fds[1 + LAYOUT_MAX_REPLICAS];
	int n = group_tap_fds(&d->gr, fds, sizeof(fds) / sizeof(fds[0]));

	if (n < 0) {
		log_warn("tap: cannot open the segments: %s", strerror(-n));
		return fail(PERR_INTERNAL, "cannot open the segments");
	}
	json_t *segs = json_array();
	json_array_append_new(segs, json_pack("{s:s, s:I}", "name", d->gr.gseg.name, "bytes",
	                                      (json_int_t)d->gr.gseg.size));
	for (uint32_t i = 0; i < d->gr.n; i++)
		json_array_append_new(segs, json_pack("{s:s, s:I}", "name", d->gr.rseg[i].name,
		                                      "bytes", (json_int_t)d->gr.rseg[i].size));
	const struct group_seg *g = d->gr.g;
	json_t *reply = json_pack("{s:b, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:o}", "ok", 1,
	                          "group", d->gr.name, "replicas", (int)d->gr.n,
	                          "sample_rate", (int)g->sample_rate, "channels", (int)g->channels,
	                          "frames", (int)g->frames, "lead", (int)g->lead,
	                          "ring_capacity", (int)g->ring_capacity,
	                          "period_ns", (json_int_t)g->period_ns, "segments", segs);
	int rc = ctl_reply_fds(c, reply, fds, (unsigned)n);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	if (rc == -EAGAIN)
		return fail(PERR_BUSY, "tap: replies to this client are still queued; retry on a new connection");
	if (rc == 0)
		log_info("tap: segments passed to pid %d (uid %d)", (int)c->pid, (int)c->uid);
	return NULL;
}

static const cmd_fn handlers[CMD__COUNT] = {
	[CMD_STATUS] = cmd_status,
	[CMD_GET] = cmd_get,
	[CMD_SET] = cmd_set,
	[CMD_PARAMS] = cmd_params,
	[CMD_KILL_PRIMARY] = cmd_kill_primary,
	[CMD_FAILOVER] = cmd_failover,
	[CMD_STATS] = cmd_stats,
	[CMD_EVENTS] = cmd_events,
	[CMD_RELOAD] = cmd_reload_verb,
	[CMD_VERSION] = cmd_version,
	[CMD_HISTORY] = cmd_history,
	[CMD_TAP] = cmd_tap,
	/* PROTO_LOCAL verbs (record, meter, wait-ready) have no handler: refused. */
};

void cmd_line(struct ctl_client *c, const char *line, size_t len)
{
	struct daemon *d = daemon_of(c);
	struct proto_req req;
	const char *why = "bad request";
	json_t *reply;

	if (proto_parse(line, len, &req, &why) < 0) {
		ctl_reply(c, fail(req.code, why));
		return;
	}
	if ((req.cmd->flags & PROTO_LOCAL) != 0) {
		ctl_error(c, PERR_UNKNOWN_VERB, "'%s' runs in rtaudioctl, not in the daemon", req.cmd->verb);
		return;
	}
	if (handlers[req.cmd->id] == NULL) {
		ctl_error(c, PERR_UNKNOWN_VERB, "'%s' is not supported by this daemon", req.cmd->verb);
		return;
	}
	bool mutating = (req.cmd->flags & PROTO_MUTATING) != 0 ||
	                (req.cmd->id == CMD_STATS && req.argc > 0);
	/* PROTO_PRIVILEGED (tap) hands out the segments: the owners only, for now. */
	bool owner_only = mutating || (req.cmd->flags & PROTO_PRIVILEGED) != 0;
	if (owner_only ? !ctl_client_privileged(c) : !ctl_client_reader(c)) {
		ctl_error(c, PERR_DENIED, "permission denied: '%s' needs root or uid %d%s", req.cmd->verb,
		          (int)c->ctl->uid, owner_only ? "" : " or the socket's group");
		return;
	}
	if (d->stopping) {
		ctl_reply(c, fail(PERR_SHUTTING_DOWN, "daemon is shutting down"));
		return;
	}
	reply = handlers[req.cmd->id](d, c, &req);
	if (reply != NULL)
		ctl_reply(c, reply);
}

void cmd_client_closed(struct ctl_client *c)
{
	super_cancel(&daemon_of(c)->sup, c);
}

void cmd_event(struct super *s, const char *type, int index, const char *detail)
{
	struct daemon *d = s->user;
	json_t *ev = json_pack("{s:s, s:I, s:o, s:s}", "event", type, "mono_ns",
	                       (json_int_t)clock_now_ns(), "index", json_index(index),
	                       "state", fsm_dstate_name(super_state(s)));
	if (ev == NULL)
		return;
	if (detail != NULL)
		json_object_set_new(ev, "detail", json_string(detail));
	char *line = json_dumps(ev, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(ev);
	if (line != NULL && d->ctl.listening)
		ctl_broadcast(&d->ctl, line);
	free(line);
}

int cmd_reload(struct daemon *d, char *err, size_t errlen, char *note, size_t notelen)
{
	struct config fresh;
	const struct config_key *k;
	int rc;

	if (notelen > 0)
		note[0] = '\0';
	config_defaults(&fresh);
	rc = config_load(&fresh, d->config_path, !d->config_required, err, errlen);
	if (rc < 0) {
		log_warn("reload refused: %s", err);
		return rc;
	}
	if (d->socket_override != NULL)  /* -S wins over the file, as at start */
		snprintf(fresh.socket, sizeof(fresh.socket), "%s", d->socket_override);
	/*
	 * Keys that need a restart are compared with the file as it was at start
	 * (d->loaded), not with d->cfg, which the sink may have changed (a jack
	 * server's rate and block size). Reported, never silently ignored.
	 */
	k = config_static_change(&d->loaded, &fresh);
	if (k != NULL) {
		snprintf(note, notelen, "[%s] %s changed: takes effect at the next restart",
		         k->section, k->name);
		log_warn("reload: %s", note);
	}
	/*
	 * The parameters first, compared with the values in force (so the file's
	 * come back after a `set`); the configuration is committed only once
	 * they applied, so a refused reload (EBUSY) changes nothing and its retry
	 * finds the same differences.
	 */
	rc = cmd_params_reload(d, &fresh, err, errlen);
	if (rc < 0) {
		log_warn("reload refused: %s", err);
		return rc;
	}
	int changed = config_apply_reload(&d->cfg, &fresh);
	if (changed & 2) {
		super_reconfigure(&d->sup);
		log_info("reload: watchdog every %u ms, stall after %u periods", d->cfg.interval_ms,
		         d->cfg.stall_periods);
	}
	if (changed == 0)
		log_info("reload: nothing changed");
	return 0;
}
