/*
 * replica.c - rtaudio-replica, the render process of an rtaudio group.
 *
 * What it does: started by rtaudiod only, as
 *     rtaudio-replica --group NAME --index I [--parent PID]
 * it arranges to die with the daemon, maps the group segment read-only and
 * its own replica segment read-write, validates the stream configuration,
 * asks for real-time scheduling and locked memory (and publishes what it
 * got), then renders blocks on demand (DESIGN.md "The audio path"): while
 * its ring holds fewer than `lead` blocks past the sink position it renders
 * the next one; then it sleeps on the group's futex word for at most one
 * period, heartbeating at every wake. A warm standby only heartbeats until it
 * is the leader. Each block carries its CRC-32C check (crc32c_block), which
 * the sink and the taps verify.
 *
 * What it does not do: decide roles, talk to the control socket, log through
 * the daemon, or restart itself. Setup errors go to stderr and exit 1 (the
 * daemon sees the exit status); usage errors exit 64. Inside the render loop
 * there is no allocation, lock, output or syscall other than futex and clock
 * calls (tests/integration/replica_syscalls.sh checks that).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif
#ifdef __APPLE__
#include <pthread.h>
#include <sys/event.h>
#endif

#include "clock.h"
#include "crc32c.h"
#include "futex.h"
#include "layout.h"
#include "ring.h"
#include "rtprio.h"
#include "shm.h"
#include "sine.h"
#include "testlie.h"

#define REPLICA_EX_USAGE   64
#define REPLICA_STACK_LOCK (256u * 1024u)

/* Set by SIGTERM/SIGINT; the loop polls it at every wake. */
static volatile sig_atomic_t replica_stop;

/* Everything the loop touches, set up once before it starts. */
struct replica {
	uint32_t index;
	const struct group_seg *g;
	struct replica_seg *r;
	struct ring ring;
	struct source_stream stream;
	uint32_t lead;
	bool hot;
	uint64_t period_ns;
	uint64_t next;            /* next block this replica renders */
	uint32_t snap_seq;        /* seqlock value `snap` was read at */
	struct param_hist snap;   /* cached parameter history */
	struct testlie lie;       /* tests only: RTAUDIO_TEST_LIE */
};

static void replica_usage(void)
{
	fputs("usage: rtaudio-replica --group NAME --index I [--parent PID] [--cpu N]\n"
	      "  (started by rtaudiod; not meant to be run by hand)\n", stderr);
	exit(REPLICA_EX_USAGE);
}

static void replica_die(const char *what, int err)
{
	fprintf(stderr, "rtaudio-replica: %s: %s\n", what, strerror(err < 0 ? -err : err));
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

#ifdef __APPLE__
/* macOS has no PR_SET_PDEATHSIG: a thread waits for the parent's exit. */
static void *replica_parent_watch(void *arg)
{
	int kq = (int)(intptr_t)arg;
	struct kevent ev;

	for (;;) {
		int n = kevent(kq, NULL, 0, &ev, 1, NULL);
		if (n > 0 || (n < 0 && errno != EINTR))
			_exit(1);
	}
	return NULL;
}

static int replica_watch_parent(pid_t parent)
{
	struct kevent ev;
	pthread_t tid;
	int kq = kqueue();

	if (kq < 0)
		return -errno;
	EV_SET(&ev, parent, EVFILT_PROC, EV_ADD | EV_ONESHOT, NOTE_EXIT, 0, NULL);
	if (kevent(kq, &ev, 1, NULL, 0, NULL) < 0) {
		int e = errno;
		close(kq);
		return -e; /* ESRCH: the parent is already gone */
	}
	int rc = pthread_create(&tid, NULL, replica_parent_watch, (void *)(intptr_t)kq);
	if (rc != 0) {
		close(kq);
		return -rc;
	}
	pthread_detach(tid);
	return 0;
}
#endif

/* Die with the daemon. A --parent check closes the race where the daemon
 * died between fork and prctl (we would then be a child of init already). */
static void replica_bind_to_parent(bool have_parent, uint32_t parent)
{
#ifdef __linux__
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		replica_die("prctl(PR_SET_PDEATHSIG)", errno);
#endif
	pid_t ppid = getppid();
	if (have_parent && ppid != (pid_t)parent) {
		fprintf(stderr, "rtaudio-replica: parent %" PRIu32 " is gone\n", parent);
		exit(1);
	}
#ifdef __APPLE__
	int rc = replica_watch_parent(have_parent ? (pid_t)parent : ppid);
	if (rc < 0)
		replica_die("watching the parent", rc);
#endif
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
	char name[SHM_NAME_MAX];
	char what[8];
	int rc;

	if ((rc = shm_seg_name(name, sizeof name, group, "group")) < 0)
		replica_die("group segment name", rc);
	rc = shm_seg_open(gseg, name, false, GROUP_MAGIC, LAYOUT_VERSION, SHM_KIND_GROUP,
	                  GROUP_SEG_BYTES);
	if (rc < 0)
		replica_die(name, rc);
	const struct group_seg *g = gseg->base;
	if (!replica_hdr_group_is(&g->hdr, group))
		replica_die("group segment belongs to another group", EPROTO);

	struct layout_geometry geo;
	if ((rc = layout_group_sane(g, &geo)) < 0)
		replica_die("group segment: invalid stream geometry", rc);
	rp->stream.sample_rate = geo.sample_rate;
	rp->stream.channels = geo.channels;
	rp->stream.frames = geo.frames;
	rp->stream.source = g->source;
	rp->stream.frequency = g->frequency;
	uint32_t capacity = geo.ring_capacity;
	uint32_t standby = g->standby;
	rp->lead = geo.lead;
	rp->period_ns = geo.period_ns;

	if (source_stream_check(&rp->stream) < 0)
		replica_die("group segment: invalid source or frequency", EINVAL);
	if (rp->index >= geo.replicas)
		replica_die("group segment: index beyond the group's replicas", EINVAL);
	if (standby != STANDBY_HOT && standby != STANDBY_WARM)
		replica_die("group segment: invalid standby mode", EINVAL);
	rp->hot = standby == STANDBY_HOT;

	uint32_t block = geo.block_bytes;
	size_t size = layout_replica_bytes(capacity, block);

	snprintf(what, sizeof what, "r%" PRIu32, rp->index);
	if ((rc = shm_seg_name(name, sizeof name, group, what)) < 0)
		replica_die("replica segment name", rc);
	rc = shm_seg_open(rseg, name, true, REPLICA_MAGIC, LAYOUT_VERSION, SHM_KIND_REPLICA, size);
	if (rc < 0)
		replica_die(name, rc);
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
 * first periods do not take page faults, and run the renderer once into a
 * private scratch block so libm's code is paged in and its symbols bound.
 * Nothing is written to the ring: a warm-up block there would be a lie.
 */
static void replica_prefault(struct replica *rp, const struct shm_seg *gseg,
                             const struct shm_seg *rseg)
{
	static float scratch[RING_MAX_PAYLOAD / sizeof(float)];
	long pg = sysconf(_SC_PAGESIZE);
	size_t step = pg > 0 ? (size_t)pg : 4096u;
	volatile unsigned char sink = 0;

	for (size_t off = 0; off < rseg->size; off += step)
		sink ^= ((const volatile unsigned char *)rseg->base)[off];
	for (size_t off = 0; off < gseg->size; off += step)
		sink ^= ((const volatile unsigned char *)gseg->base)[off];
	(void)sink;

	rp->snap_seq = layout_params_snapshot(rp->g, &rp->snap);
	uint32_t len = source_block(&rp->stream, &rp->snap, 0, scratch, sizeof scratch);
	(void)crc32c_block(0, scratch, len);
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
		uint32_t got = layout_params_snapshot(rp->g, &rp->snap);
		if ((got & 1u) == 0) {
			rp->snap_seq = got;
			return;
		}
		futex_wait(word, got, 100 * 1000);
	}
}

/* Render every block from rp->next up to pos + lead - 1. Audio path. */
static void replica_render_due(struct replica *rp, uint64_t pos)
{
	const struct group_seg *g = rp->g;
	uint64_t head = ring_head(&rp->ring);
	uint64_t end = pos + rp->lead;

	/* Never behind the sink (nothing older is wanted) nor our own ring. */
	if (rp->next < pos)
		rp->next = pos;
	if (rp->next < head)
		rp->next = head;
	if (end < pos) /* a hostile position near 2^64 */
		return;
	while (rp->next < end && !replica_stop) {
		uint32_t ps = atomic_load_explicit(&g->param_seq, memory_order_acquire);
		if (ps != rp->snap_seq)
			replica_refresh_params(rp);

		uint64_t seq = rp->next;
		uint64_t t0 = clock_now_ns();
		void *p = ring_write_begin(&rp->ring, seq);
		if (p == NULL) /* beyond the ring's seq range: a hostile position */
			return;
		uint32_t len = source_block(&rp->stream, &rp->snap, seq, p, rp->ring.max_payload);
		testlie_apply(&rp->lie, seq, p, len / (uint32_t)sizeof(float));
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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "index", required_argument, NULL, 'i' },
		{ "parent", required_argument, NULL, 'p' },
		{ "cpu", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	static struct replica rp;
	uint64_t boot_ns = clock_now_ns();
	const char *group = NULL;
	bool have_index = false, have_parent = false;
	uint32_t parent = 0, cpu = 0;
	bool have_cpu = false;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'g':
			group = optarg;
			break;
		case 'i':
			if (!replica_parse_u32(optarg, LAYOUT_MAX_REPLICAS - 1, &rp.index))
				replica_usage();
			have_index = true;
			break;
		case 'p':
			if (!replica_parse_u32(optarg, INT32_MAX, &parent) || parent < 1)
				replica_usage();
			have_parent = true;
			break;
		case 'c':
			if (!replica_parse_u32(optarg, LAYOUT_MAX_CPUS - 1, &cpu))
				replica_usage();
			have_cpu = true;
			break;
		default:
			replica_usage();
		}
	}
	if (optind != argc || group == NULL || !have_index || !shm_group_valid(group))
		replica_usage();

	replica_bind_to_parent(have_parent, parent);
	if (testlie_parse(getenv("RTAUDIO_TEST_LIE"), rp.index, (uint32_t)getpid(), &rp.lie) < 0)
		replica_die("RTAUDIO_TEST_LIE (INDEX:corrupt|nan|loud|nondet[:FROM[:COUNT]])", EINVAL);

	struct shm_seg gseg = { 0 }, rseg = { 0 };
	replica_map(&rp, group, &gseg, &rseg);
	struct replica_seg *r = rp.r;

	atomic_store_explicit(&r->pid, (uint32_t)getpid(), memory_order_relaxed);
	atomic_store_explicit(&r->boot_ns, boot_ns, memory_order_relaxed);
	atomic_store_explicit(&r->heartbeat_ns, clock_now_ns(), memory_order_release);

	/* Pinned (the daemon gives each replica its own core) or not, say so:
	 * the segment may be a predecessor's, with its predecessor's CPU. */
	bool pinned = have_cpu && rtprio_pin_cpu((int)cpu) == 0;
	atomic_store_explicit(&r->cpu1, pinned ? (int32_t)cpu + 1 : 0, memory_order_relaxed);

	struct rtprio_status st = { 0 };
	(void)rtprio_lock_memory(REPLICA_STACK_LOCK, &st);

	replica_prefault(&rp, &gseg, &rseg);
	/*
	 * Real-time only now, after the slow start-up (mlockall, pre-faulting):
	 * at SCHED_FIFO that work would hold a CPU the running replicas and the
	 * sink, at the same priority, could not take back, and on a small
	 * machine make them miss their deadlines. Running without RT is
	 * allowed; what we got is published for status.
	 */
	if (rp.g->rt_priority > 0)
		(void)rtprio_set(rp.g->rt_priority > 99 ? 99 : rp.g->rt_priority, rp.period_ns, &st);
	replica_publish_rt(r, &st);

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
	shm_seg_close(&rseg);
	shm_seg_close(&gseg);
	return 0;
}
