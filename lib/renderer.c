/*
 * renderer.c - rta_renderer_main(): the runtime every renderer runs on.
 *
 * What it does: started by rtaudiod only, as
 *     PROGRAM --group NAME --index I [--parent PID] [--cpu N] [--sandbox strict|off]
 *             [--max-memory MIB] [--max-processes N] [--core-dumps] [--key S.K=V]...
 * with the group segment on descriptor 3 (read-only) and its own replica
 * segment on descriptor 4 (read-write), both anonymous (no name to open),
 * it arranges to die with the daemon, confines itself (renderer_proc.c:
 * limits, non-dumpable, the seccomp guard), maps both segments and closes
 * the descriptors, validates the stream configuration,
 * calls the renderer's open (and checks the parameters it declares against
 * the table the daemon published), asks for real-time scheduling and locked
 * memory (and publishes what it got), locks the sandbox (the seccomp
 * allow-list, sandbox.h) and then renders blocks on demand
 * (DESIGN.md "The audio path"): while its ring holds fewer than `lead`
 * blocks past the sink position it renders the next one, applies the output
 * stage (gain, pan) and stamps it with its CRC-32C (crc32c_block), which the
 * sink and the taps verify; then it sleeps on the group's futex word for at
 * most half a period, heartbeating at every wake. A warm standby only
 * heartbeats until it is the leader. With
 *     PROGRAM --check --rate R --channels C --frames F [--input-channels N]
 *             [--key S.K=V]...
 * it calls open and close only and prints the report rtaudiod reads
 * (renderer_int.h: rhost_report), exit 0 or 78. With
 *     PROGRAM --render FILE.wav --seconds S --rate R --channels C --frames F
 *             [--gain G] [--pan P] [--key S.K=V]...
 * it renders blocks 0.. offline, as fast as it can, into a float32 WAV
 * (renderer_offline.c): what a group with these keys plays, for tests and
 * for checking a chain before it goes live.
 *
 * Pre-roll: a hot replica that starts (or falls) behind the sink renders
 * up to the group's preroll_blocks before its first ring block into a
 * scratch buffer, chasing the sink's moving position as fast as it can, so
 * that a renderer with memory (a delay line, a reverb) holds the state the
 * others hold when its first block reaches the ring. Meanwhile it says
 * RSTATE_CATCHUP, and it is READY (a rescue source) only after.
 *
 * What it does not do: decide roles, talk to the control socket, log through
 * the daemon, or restart itself. Setup errors go to stderr and exit 1 (the
 * daemon sees the exit status); usage errors exit 64, configuration errors
 * 78. Inside the render loop there is no allocation, lock, output or syscall
 * other than futex and clock calls, the renderer's render included
 * (tests/integration/replica_syscalls.sh checks that).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include <rtaudio/renderer.h>

#include "clock.h"
#include "crc32c.h"
#include "futex.h"
#include "layout.h"
#include "outstage.h"
#include "renderer_int.h"
#include "ring.h"
#include "rtprio.h"
#include "sandbox.h"
#include "shm.h"

#define REPLICA_STACK_LOCK (256u * 1024u)

/* Set by SIGTERM/SIGINT; the loop polls it at every wake. */
static volatile sig_atomic_t replica_stop;

/* Everything the loop touches, set up once before it starts. */
struct replica {
	uint32_t index;
	const struct group_seg *g;
	struct replica_seg *r;
	struct ring ring;
	struct ring in_ring;      /* live input (the group segment's, read-only) */
	float *in;                /* one input block, copied out and checked */
	uint32_t in_bytes;        /* 0: no live input */
	struct rta_stream stream;
	const struct rta_renderer *rd;
	void *state;
	struct rta_host *host;
	uint32_t lead;
	bool hot;
	uint64_t period_ns;
	uint64_t next;            /* next block this replica renders */
	uint32_t preroll;         /* blocks rendered to scratch before catching up */
	bool started;             /* the first catch-up is done */
	float scratch[LAYOUT_MAX_FRAMES * LAYOUT_MAX_CHANNELS]; /* pre-roll output */
	uint32_t nparams;         /* the group's table: gain, pan, then the renderer's */
	struct param_decl table[LAYOUT_MAX_PARAMS];
	uint32_t snap_seq;        /* seqlock value *snap was read at */
	struct param_hist *snap;  /* the history in use */
	struct param_hist *spare; /* where the next snapshot is read */
	struct param_hist hist[2];
	double pv[RTA_PARAMS_MAX];  /* the renderer's values for one block, clamped */
};

/* The program's name, for messages (argv[0] without its directory). */
static const char *replica_prog = "rtaudio-replica";

static void replica_usage(void)
{
	fprintf(stderr, "usage: %s --group NAME --index I [--parent PID] [--cpu N] "
	        "[--sandbox strict|off] [--max-memory MIB] [--max-processes N] [--core-dumps] "
	        "[--key SECTION.KEY=VALUE]...\n"
	        "       %s --check --rate R --channels C --frames F [--input-channels N] "
	        "[--key SECTION.KEY=VALUE]...\n"
	        "       %s --render FILE.wav --seconds S --rate R --channels C --frames F "
	        "[--gain G] [--pan P] [--key SECTION.KEY=VALUE]...\n"
	        "  (started by rtaudiod; --render renders offline)\n",
	        replica_prog, replica_prog, replica_prog);
	exit(RTA_EX_USAGE);
}

static void replica_die(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", replica_prog, what, strerror(err < 0 ? -err : err));
	exit(1);
}

static bool replica_parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static void replica_on_signal(int sig)
{
	(void)sig;
	replica_stop = 1;
}

/* The header's group name must be ours (and NUL-terminated in its field). */
static bool replica_hdr_group_is(const struct shm_hdr *h, const char *group)
{
	if (memchr(h->group, '\0', sizeof h->group) == NULL)
		return false;
	return strcmp(h->group, group) == 0;
}

/*
 * Map both segments and validate everything the loop will trust. The stream
 * configuration is copied out once: the daemon never changes it after the
 * replicas start, and a copy cannot change under our feet if it did.
 */
static void replica_map(struct replica *rp, const char *group, struct shm_seg *gseg,
                        struct shm_seg *rseg)
{
	int rc;

	/* Descriptors, not names: the daemon's segments have none, so this
	 * replica reaches its own and the group's, and no other. The group's
	 * is an O_RDONLY descriptor of a sealed memfd: no writable mapping of
	 * it can be had, here or by the renderer. Any size for now: with live
	 * input it is known from the geometry only. */
	rc = shm_seg_map_fd(gseg, RTA_GROUP_FD, false, GROUP_MAGIC, LAYOUT_VERSION, SHM_KIND_GROUP,
	                    0);
	if (rc < 0)
		replica_die("group segment (descriptor 3)", rc);
	const struct group_seg *g = gseg->base;
	if (!replica_hdr_group_is(&g->hdr, group))
		replica_die("group segment belongs to another group", EPROTO);

	struct layout_geometry geo;
	if ((rc = layout_group_sane(g, &geo)) < 0)
		replica_die("group segment: invalid stream geometry", rc);
	rp->stream.sample_rate = geo.sample_rate;
	rp->stream.channels = geo.channels;
	rp->stream.frames = geo.frames;
	rp->stream.input_channels = geo.input_channels;
	if (gseg->size != geo.group_bytes)
		replica_die("group segment: size does not match its input ring", EPROTO);
	if (geo.input_channels > 0) {
		rc = ring_attach(&rp->in_ring, (unsigned char *)gseg->base + GROUP_INPUT_OFFSET,
		                 gseg->size - GROUP_INPUT_OFFSET);
		if (rc < 0)
			replica_die("group segment: input ring", rc);
		if (rp->in_ring.capacity != geo.input_capacity ||
		    rp->in_ring.max_payload < geo.input_bytes)
			replica_die("group segment: input ring does not match the stream", EPROTO);
		rp->in_bytes = geo.input_bytes;
		rp->in = calloc(1, geo.input_bytes);
		if (rp->in == NULL)
			replica_die("input buffer", ENOMEM);
	}
	rp->stream.period_ns = geo.period_ns;
	rp->stream.replica = rp->index;
	uint32_t capacity = geo.ring_capacity;
	uint32_t standby = g->standby;
	rp->lead = geo.lead;
	rp->preroll = geo.preroll_blocks;
	rp->period_ns = geo.period_ns;

	if ((rc = layout_params_table(g, rp->table)) < 0)
		replica_die("group segment: invalid parameter table", rc);
	rp->nparams = (uint32_t)rc;
	if (rp->index >= geo.replicas)
		replica_die("group segment: index beyond the group's replicas", EINVAL);
	if (standby != STANDBY_HOT && standby != STANDBY_WARM)
		replica_die("group segment: invalid standby mode", EINVAL);
	rp->hot = standby == STANDBY_HOT;

	uint32_t block = geo.block_bytes;
	size_t size = layout_replica_bytes(capacity, block);

	rc = shm_seg_map_fd(rseg, RTA_REPLICA_FD, true, REPLICA_MAGIC, LAYOUT_VERSION,
	                    SHM_KIND_REPLICA, size);
	if (rc < 0)
		replica_die("replica segment (descriptor 4)", rc);
	/* Mapped: the descriptors are no longer needed, and closing them leaves
	 * the renderer nothing to resize the segment with or pass on. */
	close(RTA_GROUP_FD);
	close(RTA_REPLICA_FD);
	struct replica_seg *r = rseg->base;
	if (r->hdr.index != rp->index || !replica_hdr_group_is(&r->hdr, group))
		replica_die("replica segment belongs to another replica", EPROTO);

	rc = ring_attach(&rp->ring, (unsigned char *)rseg->base + REPLICA_RING_OFFSET,
	                 size - REPLICA_RING_OFFSET);
	if (rc < 0)
		replica_die("replica ring", rc);
	if (rp->ring.capacity != capacity || rp->ring.max_payload < block)
		replica_die("replica ring does not match the stream", EINVAL);
	ring_set_consumer(&rp->ring, &g->position);

	rp->g = g;
	rp->r = r;
}

static void replica_publish_rt(struct replica_seg *r, const struct rtprio_status *st)
{
	atomic_store_explicit(&r->rt_policy, st->policy, memory_order_relaxed);
	atomic_store_explicit(&r->rt_priority, st->priority, memory_order_relaxed);
	atomic_store_explicit(&r->rt_error, st->error, memory_order_relaxed);
	atomic_store_explicit(&r->rt_rlimit, st->rlimit, memory_order_relaxed);
	atomic_store_explicit(&r->rt_mlocked, st->mlocked, memory_order_relaxed);
	atomic_store_explicit(&r->rt_mlock_error, st->mlock_error, memory_order_release);
}

/*
 * Touch every page the loop will use, so that (when mlockall failed) the
 * first periods do not take page faults, and bind the clock. The renderer
 * is not run here: a warm-up block would advance a stateful renderer's
 * state (a delay line's memory) differently in each replica, against the
 * determinism contract. A renderer warms up its own code in open.
 */
static void replica_prefault(struct replica *rp, const struct shm_seg *gseg,
                             const struct shm_seg *rseg)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t step = pg > 0 ? (size_t)pg : 4096u;
	volatile unsigned char sink = 0;

	for (size_t off = 0; off < rseg->size; off += step)
		sink ^= ((const volatile unsigned char *)rseg->base)[off];
	for (size_t off = 0; off < gseg->size; off += step)
		sink ^= ((const volatile unsigned char *)gseg->base)[off];
	(void)sink;
	memset(rp->hist, 0, sizeof rp->hist);
	memset(rp->pv, 0, sizeof rp->pv);
	if (rp->in != NULL)
		memset(rp->in, 0, rp->in_bytes);
	rp->snap = &rp->hist[0];
	rp->spare = &rp->hist[1];
	rp->snap_seq = layout_params_snapshot(rp->g, rp->snap);
	(void)clock_now_ns();
}

static void replica_count(_Atomic uint64_t *c, uint64_t add)
{
	/* An atomic add, not load + store: "stats reset" may zero the counters
	 * from the daemon side, and a reset must not be undone by a stale load. */
	atomic_fetch_add_explicit(c, add, memory_order_relaxed);
}

static void replica_account(struct replica *rp, uint64_t t)
{
	struct replica_seg *r = rp->r;
	uint64_t max = atomic_load_explicit(&r->render_ns_max, memory_order_relaxed);
	uint64_t bucket = t * 100u / rp->period_ns;

	if (t > rp->period_ns)
		replica_count(&r->late_renders, 1);
	atomic_store_explicit(&r->render_ns_last, t, memory_order_relaxed);
	if (t > max)
		atomic_store_explicit(&r->render_ns_max, t, memory_order_relaxed);
	replica_count(&r->render_ns_total, t);
	if (bucket >= LAYOUT_HIST_BUCKETS)
		bucket = LAYOUT_HIST_BUCKETS - 1;
	atomic_fetch_add_explicit(&r->render_hist[bucket], 1u, memory_order_relaxed);
}

/*
 * Re-read the parameter history. If the daemon is mid-write, sleep on the
 * seqlock word (it wakes us when done) instead of spinning at real-time
 * priority against a normal-priority writer. If it never finishes, keep the
 * previous snapshot: a change applies beyond every block being rendered
 * now, so the old values are still right for this one. Audio path.
 */
static void replica_refresh_params(struct replica *rp)
{
	_Atomic uint32_t *word = (_Atomic uint32_t *)&rp->g->param_seq;

	for (int i = 0; i < 8; i++) {
		uint32_t got = layout_params_snapshot(rp->g, rp->spare);
		if ((got & 1u) == 0) {
			struct param_hist *t = rp->snap;
			rp->snap = rp->spare;
			rp->spare = t;
			rp->snap_seq = got;
			return;
		}
		futex_wait(word, got, 100 * 1000);
	}
}

/*
 * Render block `seq` into slot payload p (block_bytes bytes): zero it, let
 * the renderer write it with the values in force at seq, then the output
 * stage. The renderer's values are clamped to its declared ranges (a NaN
 * becomes the default): the daemon checks them, but a value that reaches a
 * plugin out of range is the renderer's crash, not ours to cause. Audio path.
 */
static void replica_render_one(struct replica *rp, uint64_t seq, float *p, uint32_t len)
{
	const struct param_entry *e = layout_params_at(rp->snap, seq);
	uint32_t n = rp->nparams - 2;

	for (uint32_t i = 0; i < n; i++) {
		const struct param_decl *d = &rp->table[i + 2];
		double v = e->v[i + 2];
		rp->pv[i] = isnan(v) ? d->def : v < d->min ? d->min : v > d->max ? d->max : v;
	}
	memset(p, 0, len);
	const float *in = NULL;
	if (rp->in_bytes > 0) {
		/*
		 * Input block seq, as the sink wrote it: checked like a block the
		 * sink reads (length, CRC). One that is gone (older than the ring
		 * holds) or damaged is silence, the same in every replica that
		 * renders seq (they read the same ring).
		 */
		uint32_t ilen = 0, check = 0;
		int rc = ring_read_seq(&rp->in_ring, seq, rp->in, rp->in_bytes, &ilen, &check);
		if (rc != 0 || ilen != rp->in_bytes || crc32c_block(seq, rp->in, ilen) != check)
			memset(rp->in, 0, rp->in_bytes);
		in = rp->in;
	}
	struct rta_block b = {
		.seq = seq,
		.frames = rp->stream.frames,
		.channels = rp->stream.channels,
		.out = p,
		.in = in,
		.params = rp->pv,
		.nparams = n,
	};
	rp->rd->render(rp->state, &b);
	outstage_apply(p, rp->stream.frames, rp->stream.channels, e->v[LAYOUT_PARAM_GAIN],
	               e->v[LAYOUT_PARAM_PAN]);
}

/*
 * Pre-roll: when rp->next is behind max(sink position, ring head), render
 * the blocks in between into scratch (at most rp->preroll of them, the
 * latest ones), re-reading the moving position after each, so the
 * renderer's state is continuous when the ring's next block is rendered.
 * A hot replica only: a warm standby promoted to primary must play at once.
 * Heartbeats as it goes (the daemon must not take the pre-roll for a
 * stall). With live input, the blocks come from the input ring's history
 * (silence where it no longer holds them, as in replica_render_one).
 * Audio path: the same calls as rendering.
 */
static void replica_catch_up(struct replica *rp, uint64_t pos)
{
	const struct group_seg *g = rp->g;
	uint64_t head = ring_head(&rp->ring);
	uint64_t target = pos > head ? pos : head;
	bool first = !rp->started;

	rp->started = true;
	if (!rp->hot || rp->next >= target || rp->preroll == 0)
		return;
	uint64_t seq = rp->next;
	if (target - seq > rp->preroll)
		seq = target - rp->preroll;
	if (first)
		atomic_store_explicit(&rp->r->state, RSTATE_CATCHUP, memory_order_release);
	uint64_t t0 = clock_now_ns();
	uint32_t len = layout_block_bytes(rp->stream.frames, rp->stream.channels);
	while (!replica_stop) {
		pos = atomic_load_explicit(&g->position, memory_order_acquire);
		target = pos > head ? pos : head;
		if (seq >= target)
			break;
		uint32_t ps = atomic_load_explicit(&g->param_seq, memory_order_acquire);
		if (ps != rp->snap_seq)
			replica_refresh_params(rp);
		replica_render_one(rp, seq, rp->scratch, len);
		seq++;
		atomic_store_explicit(&rp->r->heartbeat_ns, clock_now_ns(), memory_order_release);
	}
	rp->next = seq;
	if (first)
		atomic_store_explicit(&rp->r->preroll_ns, clock_now_ns() - t0, memory_order_relaxed);
}

/* Render every block from rp->next up to pos + lead - 1. Audio path. */
static void replica_render_due(struct replica *rp, uint64_t pos)
{
	const struct group_seg *g = rp->g;
	uint64_t head = ring_head(&rp->ring);
	uint64_t end = pos + rp->lead;

	replica_catch_up(rp, pos);
	/* Never behind the sink (nothing older is wanted) nor our own ring. */
	if (rp->next < pos)
		rp->next = pos;
	if (rp->next < head)
		rp->next = head;
	if (end < pos) /* a hostile position near 2^64 */
		return;
	/* Live input: block s is rendered from input block s, once the sink wrote it. */
	if (rp->in_bytes > 0) {
		uint64_t ih = ring_head(&rp->in_ring);
		if (end > ih)
			end = ih;
	}
	while (rp->next < end && !replica_stop) {
		uint32_t ps = atomic_load_explicit(&g->param_seq, memory_order_acquire);
		if (ps != rp->snap_seq)
			replica_refresh_params(rp);

		uint64_t seq = rp->next;
		uint64_t t0 = clock_now_ns();
		void *p = ring_write_begin(&rp->ring, seq);
		if (p == NULL) /* beyond the ring's seq range: a hostile position */
			return;
		uint32_t len = layout_block_bytes(rp->stream.frames, rp->stream.channels);
		replica_render_one(rp, seq, p, len);
		/*
		 * The check is computed on the slot itself, as the sink will
		 * read it: anything that changes the block between here and the
		 * sink's copy (a stray write, a scribbling peer) makes it fail.
		 */
		if (ring_write_commit(&rp->ring, seq, len, crc32c_block(seq, p, len)))
			replica_count(&rp->r->overruns, 1);
		uint64_t t1 = clock_now_ns();

		atomic_store_explicit(&rp->r->next_seq, seq + 1, memory_order_release);
		replica_count(&rp->r->blocks, 1);
		replica_account(rp, t1 - t0);
		rp->next = seq + 1;
	}
}

/* The render loop: the audio path. Futex and clock calls only. */
static void replica_loop(struct replica *rp)
{
	const struct group_seg *g = rp->g;
	struct replica_seg *r = rp->r;
	/* futex_wait only reads the word; the group mapping is read-only. */
	_Atomic uint32_t *wake = (_Atomic uint32_t *)&g->wake;
	bool ready = false;

	while (!replica_stop) {
		atomic_store_explicit(&r->heartbeat_ns, clock_now_ns(), memory_order_release);
		if (atomic_load_explicit(&g->run, memory_order_acquire) == GROUP_SHUTDOWN)
			break;
		/* Read the wake word before the position: a wake that lands in
		 * between changes it, so the futex_wait below returns at once. */
		uint32_t w = atomic_load_explicit(&g->wake, memory_order_acquire);
		uint64_t leader = atomic_load_explicit(&g->leader, memory_order_acquire);
		bool active = rp->hot || layout_leader_index(leader) == rp->index;

		if (active)
			replica_render_due(rp, atomic_load_explicit(&g->position,
			                                            memory_order_acquire));
		/* READY only after the first pass: a hot standby the daemon counts
		 * on then already holds the blocks up to the sink's horizon, so a
		 * primary killed the moment it is announced costs nothing. */
		if (!ready) {
			atomic_store_explicit(&r->state, RSTATE_READY, memory_order_release);
			ready = true;
		}
		if (replica_stop)
			break;
		/* Half a period: the heartbeat then never ages past one period
		 * plus scheduling latency, twice the margin below the daemon's
		 * stall limit (2 periods) that one wake a period would leave. */
		int rc = futex_wait(wake, w, (int64_t)(rp->period_ns / 2));
		if (rc == -ETIMEDOUT)
			replica_count(&r->timeouts, 1);
		else if (rc != -EINTR)
			replica_count(&r->wakeups, 1);
	}
}

/* An option's real value within [min, max]. */
static double replica_opt_double(const char *s, double min, double max)
{
	char *end;
	double v = strtod(s, &end);

	if (s[0] == '\0' || *end != '\0' || !isfinite(v) || v < min || v > max)
		replica_usage();
	return v;
}

/* Copy an option's value: whole, within [min, max]. */
static uint32_t replica_opt_u32(const char *s, uint32_t min, uint32_t max)
{
	uint32_t v;

	if (!replica_parse_u32(s, max, &v) || v < min)
		replica_usage();
	return v;
}

/*
 * open, and the checks that follow it: no configuration error, no unused
 * key. Returns 0, or RTA_EX_CONFIG with the error recorded in host.
 */
static int replica_open(struct replica *rp)
{
	return rhost_open(rp->host, rp->rd, rp->state, &rp->stream);
}

/* --check: open and close only, and the report on stdout. */
static int replica_check(struct replica *rp, uint32_t rate, uint32_t channels, uint32_t frames,
                         uint32_t inputs)
{
	rp->stream = (struct rta_stream){
		.sample_rate = rate,
		.channels = channels,
		.frames = frames,
		.input_channels = inputs,
		.period_ns = (uint64_t)frames * NSEC_PER_SEC / rate,
		.flags = RTA_STREAM_CHECK,
	};
	int rc = replica_open(rp);
	if (rp->rd->close != NULL)
		rp->rd->close(rp->state);
	rhost_report(rp->host, stdout);
	if (fflush(stdout) != 0)
		return 1;
	return rc;
}

int rta_renderer_main(int argc, char **argv, const struct rta_renderer *rd, void *state)
{
	static const struct option longopts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "index", required_argument, NULL, 'i' },
		{ "parent", required_argument, NULL, 'p' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "check", no_argument, NULL, 'C' },
		{ "rate", required_argument, NULL, 'r' },
		{ "channels", required_argument, NULL, 'n' },
		{ "frames", required_argument, NULL, 'f' },
		{ "input-channels", required_argument, NULL, 'I' },
		{ "sandbox", required_argument, NULL, 'S' },
		{ "max-memory", required_argument, NULL, 'M' },
		{ "max-processes", required_argument, NULL, 'P' },
		{ "core-dumps", no_argument, NULL, 'D' },
		{ "render", required_argument, NULL, 'R' },
		{ "seconds", required_argument, NULL, 's' },
		{ "gain", required_argument, NULL, 'G' },
		{ "pan", required_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 },
	};
	/* Static: the parameter histories are 16 KiB, and main's frame is
	 * pre-faulted with the rest of the stack anyway. */
	static struct replica rp;
	static struct rta_host host;
	uint64_t boot_ns = clock_now_ns();
	const char *group = NULL, *render_path = NULL;
	double seconds = 0, gain = 1.0, pan = 0.0;
	bool have_index = false, have_parent = false, have_cpu = false, check = false;
	uint32_t parent = 0, cpu = 0, rate = 0, channels = 0, frames = 0, inputs = 0;
	/* Strict by default where it can be had: a renderer started without the
	 * daemon's word (by hand, by a test driver) is confined the same way. */
	struct rta_confine confine = { .strict = sandbox_available(NULL) };
	int opt, rc;

	if (argc > 0 && argv[0] != NULL) {
		const char *slash = strrchr(argv[0], '/');
		replica_prog = slash != NULL ? slash + 1 : argv[0];
	}
	if (rd == NULL || rd->abi != RTA_RENDERER_ABI || rd->open == NULL || rd->render == NULL) {
		fprintf(stderr, "%s: renderer built for another ABI (or without open/render)\n",
		        replica_prog);
		return 1;
	}
	rp.rd = rd;
	rp.state = state;
	rp.host = &host;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'g':
			group = optarg;
			break;
		case 'i':
			rp.index = replica_opt_u32(optarg, 0, LAYOUT_MAX_REPLICAS - 1);
			have_index = true;
			break;
		case 'p':
			parent = replica_opt_u32(optarg, 1, INT32_MAX);
			have_parent = true;
			break;
		case 'c':
			cpu = replica_opt_u32(optarg, 0, LAYOUT_MAX_CPUS - 1);
			have_cpu = true;
			break;
		case 'k':
			if ((rc = rhost_add_key(&host, optarg)) < 0) {
				fprintf(stderr, "%s: --key '%.64s': %s\n", replica_prog, optarg,
				        strerror(-rc));
				return RTA_EX_USAGE;
			}
			break;
		case 'C':
			check = true;
			break;
		case 'R':
			render_path = optarg;
			break;
		case 's':
			seconds = replica_opt_double(optarg, 0, 86400);
			break;
		case 'G':
			gain = replica_opt_double(optarg, 0, 4);
			break;
		case 'O':
			pan = replica_opt_double(optarg, -1, 1);
			break;
		case 'r':
			rate = replica_opt_u32(optarg, 1, LAYOUT_MAX_RATE);
			break;
		case 'n':
			channels = replica_opt_u32(optarg, 1, LAYOUT_MAX_CHANNELS);
			break;
		case 'f':
			frames = replica_opt_u32(optarg, LAYOUT_MIN_FRAMES, LAYOUT_MAX_FRAMES);
			break;
		case 'I':
			inputs = replica_opt_u32(optarg, 0, LAYOUT_MAX_CHANNELS);
			break;
		case 'S':
			if (strcmp(optarg, "strict") != 0 && strcmp(optarg, "off") != 0)
				replica_usage();
			confine.strict = strcmp(optarg, "strict") == 0;
			break;
		case 'M':
			confine.limits.max_memory =
			    (uint64_t)replica_opt_u32(optarg, 1, UINT32_MAX) << 20;
			break;
		case 'P':
			confine.limits.max_processes = replica_opt_u32(optarg, 1, UINT32_MAX);
			break;
		case 'D':
			confine.limits.core_dumps = true;
			break;
		default:
			replica_usage();
		}
	}
	if (optind != argc)
		replica_usage();
	if (render_path != NULL) {
		if (check || rate == 0 || channels == 0 || frames == 0 || group != NULL ||
		    have_index || !(seconds > 0) || inputs != 0)
			replica_usage();
		struct rta_stream os = {
			.sample_rate = rate, .channels = channels, .frames = frames,
			.period_ns = (uint64_t)frames * NSEC_PER_SEC / rate,
			.flags = RTA_STREAM_OFFLINE,
		};
		rc = rhost_run_offline(&host, rd, state, &os, render_path, seconds, gain, pan);
		rhost_free(&host);
		return rc;
	}
	if (check) {
		if (rate == 0 || channels == 0 || frames == 0 || group != NULL || have_index)
			replica_usage();
		/* The renderer's open runs here too: confined as in a replica. */
		renderer_confine(replica_prog, &confine);
		rc = replica_check(&rp, rate, channels, frames, inputs);
		rhost_free(&host);
		return rc;
	}
	if (group == NULL || !have_index || !shm_group_valid(group))
		replica_usage();

	renderer_bind_parent(replica_prog, have_parent, parent);
	renderer_confine(replica_prog, &confine);

	struct shm_seg gseg = { 0 }, rseg = { 0 };
	replica_map(&rp, group, &gseg, &rseg);
	struct replica_seg *r = rp.r;

	atomic_store_explicit(&r->pid, (uint32_t)getpid(), memory_order_relaxed);
	atomic_store_explicit(&r->boot_ns, boot_ns, memory_order_relaxed);
	atomic_store_explicit(&r->heartbeat_ns, clock_now_ns(), memory_order_release);

	if (replica_open(&rp) != 0) {
		fprintf(stderr, "%s: [%s] %s: %s\n", replica_prog, host.err_section,
		        host.err_key[0] != '\0' ? host.err_key : "-", host.err_text);
		if (rd->close != NULL)
			rd->close(state);
		return RTA_EX_CONFIG;
	}
	if (!rhost_table_matches(&host, rp.table, rp.nparams)) {
		fprintf(stderr, "%s: the parameters declared differ from the group's table "
		        "(a renderer must declare the same ones in every run)\n", replica_prog);
		if (rd->close != NULL)
			rd->close(state);
		return RTA_EX_CONFIG;
	}
	host.seg = r;
	atomic_store_explicit(&r->heartbeat_ns, clock_now_ns(), memory_order_release);

	/* Pinned (the daemon gives each replica its own core) or not, say so:
	 * the segment may be a predecessor's, with its predecessor's CPU. */
	bool pinned = have_cpu && rtprio_pin_cpu((int)cpu) == 0;
	atomic_store_explicit(&r->cpu1, pinned ? (int32_t)cpu + 1 : 0, memory_order_relaxed);

	struct rtprio_status st = { 0 };
	(void)rtprio_lock_memory(REPLICA_STACK_LOCK, &st);

	replica_prefault(&rp, &gseg, &rseg);
	/*
	 * Real-time only now, after the slow start-up (open, mlockall,
	 * pre-faulting): at SCHED_FIFO that work would hold a CPU the running
	 * replicas and the sink, at the same priority, could not take back, and
	 * on a small machine make them miss their deadlines. Running without RT
	 * is allowed; what we got is published for status.
	 */
	if (rp.g->rt_priority > 0)
		(void)rtprio_set(rp.g->rt_priority > 99 ? 99 : rp.g->rt_priority, rp.period_ns, &st);
	replica_publish_rt(r, &st);

	/* Everything that needs more than the allow-list is done: lock. */
	renderer_lock(replica_prog, &confine);

	/* Last set-up step: the syscall test takes it as the loop's start. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = replica_on_signal; /* no SA_RESTART: futex_wait returns -EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
		replica_die("sigaction", errno);
	/* rp.next starts at 0: the loop moves it to max(position, ring head),
	 * and says READY after its first pass. */
	replica_loop(&rp);

	atomic_store_explicit(&r->state, RSTATE_EXITING, memory_order_release);
	host.seg = NULL;
	if (rd->close != NULL)
		rd->close(state);
	rhost_free(&host);
	shm_seg_close(&rseg);
	shm_seg_close(&gseg);
	return 0;
}
