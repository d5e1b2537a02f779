/*
 * replica_driver.c - plays the daemon's part for one real rtaudio-replica.
 *
 * What it does: creates a group segment and one replica segment (with its
 * ring) the way rtaudiod does - 48 kHz, 2 channels, 256 frames, lead 2,
 * capacity 4 - spawns the real rtaudio-replica on them, and acts as the sink:
 * every period it reads block `position` from the replica's ring, compares it
 * bit for bit with what source_block() renders locally, advances the
 * position, bumps the wake word and FUTEX_WAKEs the replica. Then it shuts the
 * replica down (run = SHUTDOWN, or SIGTERM) and checks its exit and counters.
 *
 *   replica_driver REPLICA MODE [SECONDS]
 *   MODE  hot      hot standby index 0; a gain/pan change mid-run; shutdown
 *                  through the group's run word (replica_syscalls.sh runs
 *                  this one under strace)
 *         warm     warm standby index 1 of 2 while index 0 leads: must render
 *                  nothing but heartbeat; then promoted: renders from the
 *                  sink position on
 *         sigterm  hot; SIGTERM must end the replica promptly with status 0
 *         badcfg   a group segment with 9 channels: the replica must refuse
 *                  it with exit status 1
 *         keys     hot, with the --key arguments that follow SECONDS (e.g.
 *                  a file source through an LV2 chain): the parameter table
 *                  is the one the replica's --check run reports, blocks
 *                  are counted, not compared (no reference here), and the
 *                  sink starts at block 1000 with a pre-roll of 300 blocks,
 *                  so the catch-up runs inside the traced loop too
 * The first line on stdout is "replica-pid PID" (for the strace log name).
 * Exit 0 when every check passed, 1 otherwise.
 *
 * What it does not do: supervise, fail over or run the real daemon (the
 * integration tests of rtaudiod do), or assert on timing beyond generous
 * bounds: blocks that are late are counted, only wrong bits fail outright.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "futex.h"
#include "layout.h"
#include "params2.h"
#include "ring.h"
#include "rtprio.h"
#include "shm.h"
#include "sine.h"

#define DRV_RATE     48000u
#define DRV_CHANNELS 2u
#define DRV_FRAMES   256u
#define DRV_LEAD     2u
#define DRV_CAPACITY 4u
#define DRV_FREQ     997.3
#define DRV_BLOCK    (DRV_FRAMES * DRV_CHANNELS * 4u)

/* Reads of the replica's segment: it writes them concurrently. */
#define LOAD(p) atomic_load_explicit((p), memory_order_acquire)

struct drv {
	char group[SHM_GROUP_MAX + 1];
	struct shm_seg gseg, rseg;
	int gfd, grofd, rfd, rrofd;   /* as rtaudiod holds them (group.c) */
	struct group_seg *g;
	struct replica_seg *r;
	struct ring ring;
	struct source_stream stream;
	uint32_t index;
	pid_t child;
	int failed;
	char **keys;       /* keys mode: "SECTION.KEY=VALUE" arguments */
	int nkeys;
	bool nocheck;      /* keys mode: count blocks, do not compare them */
};

static struct drv drv;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("FAIL: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	drv.failed = 1;
}

/* Runs on every exit path: no child, no segment left behind. */
static void drv_cleanup(void)
{
	if (drv.child > 0) {
		kill(drv.child, SIGKILL);
		waitpid(drv.child, NULL, 0);
		drv.child = 0;
	}
	shm_seg_close(&drv.rseg);
	shm_seg_close(&drv.gseg);
}

static void die(const char *what, int err)
{
	fail("%s: %s", what, strerror(err < 0 ? -err : err));
	exit(1); /* drv_cleanup runs from atexit */
}

static void drv_setup(uint32_t replicas, uint32_t index, uint32_t standby, uint32_t channels)
{
	int rc;

	snprintf(drv.group, sizeof drv.group, "rdrv%ld", (long)getpid());
	drv.index = index;
	rc = shm_anon_create(&drv.gseg, "rdrv-group", GROUP_SEG_BYTES, GROUP_MAGIC, LAYOUT_VERSION,
	                     SHM_KIND_GROUP, 0, drv.group, &drv.gfd, &drv.grofd);
	if (rc < 0)
		die("create group segment", rc);
	struct group_seg *g = drv.gseg.base;
	g->sample_rate = DRV_RATE;
	g->channels = channels;
	g->frames = DRV_FRAMES;
	g->lead = DRV_LEAD;
	g->ring_capacity = DRV_CAPACITY;
	g->standby = standby;
	g->replicas = replicas;
	g->period_ns = clock_period_ns(DRV_RATE, DRV_FRAMES);
	table2(g);
	g->rt_priority = 80; /* root gets SCHED_FIFO; others run without RT */
	atomic_store_explicit(&g->leader, layout_leader_make(1, 0), memory_order_relaxed);
	for (uint32_t i = 0; i < replicas; i++)
		atomic_store_explicit(&g->role[i], i == 0 ? ROLE_PRIMARY : ROLE_STANDBY,
		                      memory_order_relaxed);
	if ((rc = publish2(g, 0, 0.8, 0.25, 0)) < 0)
		die("layout_params_publish", rc);
	drv.g = g;

	uint32_t block = DRV_FRAMES * DRV_CHANNELS * 4u;
	size_t size = layout_replica_bytes(DRV_CAPACITY, block);
	if (size == 0)
		die("layout_replica_bytes", EINVAL);
	rc = shm_anon_create(&drv.rseg, "rdrv-replica", size, REPLICA_MAGIC, LAYOUT_VERSION,
	                     SHM_KIND_REPLICA, index, drv.group, &drv.rfd, &drv.rrofd);
	if (rc < 0)
		die("create replica segment", rc);
	rc = ring_init(&drv.ring, (unsigned char *)drv.rseg.base + REPLICA_RING_OFFSET,
	               size - REPLICA_RING_OFFSET, DRV_CAPACITY, block);
	if (rc < 0)
		die("ring_init", rc);
	drv.r = drv.rseg.base;

	drv.stream = (struct source_stream){
		.sample_rate = DRV_RATE, .channels = DRV_CHANNELS, .frames = DRV_FRAMES,
		.frequency = DRV_FREQ,
	};
}

static void drv_spawn(const char *replica)
{
	char index[16], parent[16], freq[64];

	snprintf(freq, sizeof freq, "source.frequency=%.17g", (double)DRV_FREQ);
	snprintf(index, sizeof index, "%" PRIu32, drv.index);
	snprintf(parent, sizeof parent, "%ld", (long)getpid());
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		/* The segments where rtaudiod puts them: fd 3 the group's (read-only,
		 * sealed here as the daemon seals it), fd 4 the replica's. */
		(void)shm_anon_seal(drv.gfd, true);
		if (dup2(drv.grofd, 3) < 0 || dup2(drv.rfd, 4) < 0)
			_exit(127);
		char *av[16 + 2 * 64];
		int n = 0;
		av[n++] = (char *)replica;
		av[n++] = "--group";
		av[n++] = drv.group;
		av[n++] = "--index";
		av[n++] = index;
		av[n++] = "--parent";
		av[n++] = parent;
		if (drv.nkeys == 0) {
			av[n++] = "--key";
			av[n++] = freq;
		}
		for (int k = 0; k < drv.nkeys && k < 64; k++) {
			av[n++] = "--key";
			av[n++] = drv.keys[k];
		}
		av[n] = NULL;
		execv(replica, av);
		_exit(127);
	}
	drv.child = pid;
	printf("replica-pid %ld\n", (long)pid);
	fflush(stdout);
}

/* Wait for the child to exit within timeout_ns; returns its status or -1. */
static int drv_reap(uint64_t timeout_ns)
{
	uint64_t until = clock_now_ns() + timeout_ns;
	int status;

	while (clock_now_ns() < until) {
		pid_t w = waitpid(drv.child, &status, WNOHANG);
		if (w == drv.child) {
			drv.child = 0;
			return status;
		}
		clock_sleep_until_ns(clock_now_ns() + NSEC_PER_MSEC);
	}
	return -1;
}

static void drv_wait_ready(void)
{
	uint64_t until = clock_now_ns() + 10 * NSEC_PER_SEC; /* strace start-up is slow */

	while (atomic_load_explicit(&drv.r->state, memory_order_acquire) != RSTATE_READY) {
		int status;
		if (waitpid(drv.child, &status, WNOHANG) == drv.child) {
			drv.child = 0;
			fail("replica exited before READY (status 0x%x)", (unsigned)status);
			exit(1);
		}
		if (clock_now_ns() > until) {
			fail("replica not READY after 10 s");
			exit(1);
		}
		clock_sleep_until_ns(clock_now_ns() + NSEC_PER_MSEC);
	}
}

struct sink_stats {
	uint64_t periods, identical, missing, mismatched, new_params;
};

/*
 * One sink period: check block `position`, then publish position + 1 and
 * wake the replicas. Bits must match exactly; a missing block is counted.
 */
static void sink_period(struct sink_stats *st, uint64_t params_at)
{
	static float got[DRV_BLOCK / 4], want[DRV_BLOCK / 4];
	static struct param_hist h;
	struct group_seg *g = drv.g;
	uint64_t pos = atomic_load_explicit(&g->position, memory_order_relaxed);
	uint32_t len = 0;

	layout_params_snapshot(g, &h);
	int rc = ring_read_seq(&drv.ring, pos, got, sizeof got, &len, NULL);
	if (rc == 0 && drv.nocheck) {
		st->identical++; /* present; keys mode has no reference to compare with */
	} else if (rc == 0) {
		uint32_t n = source_block(&drv.stream, &h, pos, want, sizeof want);
		if (len != n || memcmp(got, want, n) != 0) {
			if (st->mismatched++ == 0)
				fail("block %" PRIu64 " differs from source_block() (len %u)", pos,
				     len);
		} else {
			st->identical++;
			if (pos >= params_at)
				st->new_params++;
		}
	} else if (rc == -EAGAIN || rc == -ENODATA) {
		st->missing++;
	} else {
		fail("ring_read_seq(%" PRIu64 "): %s", pos, strerror(-rc));
	}
	st->periods++;
	atomic_store_explicit(&g->position, pos + 1, memory_order_release);
	atomic_fetch_add_explicit(&g->wake, 1u, memory_order_release);
	futex_wake(&g->wake, -1);
}

/* Play `seconds` of audio; at `change_after` periods (if not 0) publish a
 * gain/pan change past the replica's horizon, as the daemon's `set` does. */
static uint64_t sink_run(struct sink_stats *st, double seconds, uint64_t change_after)
{
	uint64_t period = drv.g->period_ns;
	uint64_t n = (uint64_t)(seconds * (double)NSEC_PER_SEC) / period;
	uint64_t deadline = clock_now_ns();
	uint64_t params_at = UINT64_MAX;

	for (uint64_t k = 0; k < n; k++) {
		deadline += period;
		clock_sleep_until_ns(deadline);
		if (change_after != 0 && k == change_after) {
			uint64_t pos = atomic_load_explicit(&drv.g->position, memory_order_relaxed);
			params_at = pos + DRV_LEAD + 2;
			int rc = publish2(drv.g, params_at, 0.5, -0.5, pos);
			if (rc < 0)
				fail("layout_params_publish: %s", strerror(-rc));
		}
		sink_period(st, params_at);
	}
	return params_at;
}

static void drv_shutdown_by_run_word(void)
{
	atomic_store_explicit(&drv.g->run, GROUP_SHUTDOWN, memory_order_release);
	atomic_fetch_add_explicit(&drv.g->wake, 1u, memory_order_release);
	futex_wake(&drv.g->wake, -1);
}

static void drv_check_exit(int status, const char *how)
{
	if (status < 0)
		fail("replica did not exit within 5 s of %s", how);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("replica exit status 0x%x after %s, want exit 0", (unsigned)status, how);
	if (atomic_load_explicit(&drv.r->state, memory_order_acquire) != RSTATE_EXITING)
		fail("replica state is not EXITING after %s", how);
}

static void drv_report(const char *mode, const struct sink_stats *st)
{
	struct replica_seg *r = drv.r;
	struct rtprio_status rt = {
		.policy = LOAD(&r->rt_policy), .priority = LOAD(&r->rt_priority),
		.error = LOAD(&r->rt_error), .rlimit = LOAD(&r->rt_rlimit),
		.mlocked = LOAD(&r->rt_mlocked), .mlock_error = LOAD(&r->rt_mlock_error),
	};
	char rtbuf[96];
	uint64_t blocks = LOAD(&r->blocks);
	uint64_t total = LOAD(&r->render_ns_total);
	uint64_t hist = 0;

	for (uint32_t i = 0; i < LAYOUT_HIST_BUCKETS; i++)
		hist += LOAD(&r->render_hist[i]);
	printf("%s: periods %" PRIu64 ", identical %" PRIu64 ", missing %" PRIu64
	       ", mismatched %" PRIu64 "; replica: blocks %" PRIu64 ", wakeups %" PRIu64
	       ", timeouts %" PRIu64 ", overruns %" PRIu64 ", render avg %.1f us max %.1f us"
	       ", rt %s, mlocked %d\n",
	       mode, st->periods, st->identical, st->missing, st->mismatched, blocks,
	       (uint64_t)LOAD(&r->wakeups), (uint64_t)LOAD(&r->timeouts),
	       (uint64_t)LOAD(&r->overruns),
	       blocks ? (double)total / (double)blocks / 1e3 : 0.0,
	       (double)LOAD(&r->render_ns_max) / 1e3,
	       rtprio_describe(&rt, rtbuf, sizeof rtbuf), rt.mlocked);
	if (hist != blocks)
		fail("render histogram holds %" PRIu64 " blocks, counter says %" PRIu64, hist,
		     blocks);
	if (LOAD(&r->pid) != (uint32_t)drv.child && drv.child != 0)
		fail("replica segment pid %" PRIu32 " is not the child's", LOAD(&r->pid));
}

/* Late blocks are tolerated (a loaded CI machine, strace); wrong ones never. */
static void drv_check_stats(const struct sink_stats *st, uint64_t allowed_missing)
{
	if (st->mismatched != 0)
		fail("%" PRIu64 " blocks were not bit-identical", st->mismatched);
	if (st->missing > allowed_missing)
		fail("%" PRIu64 " of %" PRIu64 " blocks missing (allowed %" PRIu64 ")", st->missing,
		     st->periods, allowed_missing);
	if (st->identical == 0)
		fail("no block arrived");
}

static void mode_hot(const char *replica, double seconds, bool by_signal)
{
	struct sink_stats st = { 0 };

	drv_setup(1, 0, STANDBY_HOT, DRV_CHANNELS);
	drv_spawn(replica);
	drv_wait_ready();
	uint64_t hb0 = LOAD(&drv.r->heartbeat_ns);
	uint64_t n = (uint64_t)(seconds * (double)NSEC_PER_SEC) / drv.g->period_ns;
	uint64_t at = sink_run(&st, seconds, by_signal ? 0 : n / 2);
	if (LOAD(&drv.r->heartbeat_ns) <= hb0)
		fail("heartbeat did not advance");
	if (LOAD(&drv.r->next_seq) < st.periods)
		fail("replica next_seq %" PRIu64 " behind the sink's %" PRIu64,
		     (uint64_t)LOAD(&drv.r->next_seq), st.periods);
	if (!by_signal && st.new_params == 0)
		fail("no block after the parameter change at %" PRIu64 " arrived", at);

	pid_t pid = drv.child;
	if (by_signal) {
		kill(pid, SIGTERM);
		drv_check_exit(drv_reap(5 * NSEC_PER_SEC), "SIGTERM");
	} else {
		drv_shutdown_by_run_word();
		drv_check_exit(drv_reap(5 * NSEC_PER_SEC), "run = SHUTDOWN");
	}
	drv.child = pid; /* for the pid check in the report */
	drv_report(by_signal ? "sigterm" : "hot", &st);
	drv.child = 0;
	drv_check_stats(&st, st.periods / 10);
}

static void mode_warm(const char *replica, double seconds)
{
	struct sink_stats idle = { 0 }, st = { 0 };

	drv_setup(2, 1, STANDBY_WARM, DRV_CHANNELS);
	drv_spawn(replica);
	drv_wait_ready();

	/* Not the leader: heartbeats every period, renders nothing. */
	uint64_t hb0 = LOAD(&drv.r->heartbeat_ns);
	sink_run(&idle, 0.3, 0);
	if (LOAD(&drv.r->blocks) != 0 || ring_head(&drv.ring) != 0)
		fail("warm standby rendered %" PRIu64 " blocks before promotion",
		     (uint64_t)LOAD(&drv.r->blocks));
	if (LOAD(&drv.r->heartbeat_ns) <= hb0)
		fail("warm standby did not heartbeat");
	if (LOAD(&drv.r->wakeups) + LOAD(&drv.r->timeouts) < idle.periods / 2)
		fail("warm standby woke %" PRIu64 " times in %" PRIu64 " periods",
		     (uint64_t)(LOAD(&drv.r->wakeups) + LOAD(&drv.r->timeouts)),
		     idle.periods);

	/* Promoted: renders from the sink position, nothing older. */
	uint64_t pos = LOAD(&drv.g->position);
	atomic_store_explicit(&drv.g->role[0], ROLE_DEAD, memory_order_relaxed);
	atomic_store_explicit(&drv.g->role[1], ROLE_PRIMARY, memory_order_relaxed);
	atomic_store_explicit(&drv.g->leader, layout_leader_make(2, 1), memory_order_release);
	sink_run(&st, seconds, 0);
	uint64_t blocks = LOAD(&drv.r->blocks);
	uint64_t head = ring_head(&drv.ring);
	if (head < pos || blocks > head - pos)
		fail("promoted warm standby rendered blocks before position %" PRIu64
		     " (blocks %" PRIu64 ", head %" PRIu64 ")", pos, blocks, head);

	pid_t pid = drv.child;
	drv_shutdown_by_run_word();
	drv_check_exit(drv_reap(5 * NSEC_PER_SEC), "run = SHUTDOWN");
	drv.child = pid;
	drv_report("warm", &st);
	drv.child = 0;
	/* The first period or two after promotion are the warm gap. */
	drv_check_stats(&st, 2 + st.periods / 10);
}

static void mode_badcfg(const char *replica)
{
	drv_setup(1, 0, STANDBY_HOT, 9);
	drv_spawn(replica);
	int status = drv_reap(5 * NSEC_PER_SEC);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 1)
		fail("replica on a 9-channel group: status 0x%x, want exit 1", (unsigned)status);
	else if (LOAD(&drv.r->state) != RSTATE_BOOT)
		fail("replica on a bad group reached state %" PRIu32, LOAD(&drv.r->state));
	else
		printf("badcfg: refused with exit 1\n");
}

/* keys mode: the replica's --check report gives the parameter table. */
static void drv_table_from_check(const char *replica)
{
	char cmd[8192], line[512];
	size_t at = (size_t)snprintf(cmd, sizeof cmd, "'%s' --check --rate %u --channels %u "
	                             "--frames %u", replica, DRV_RATE, DRV_CHANNELS, DRV_FRAMES);
	for (int k = 0; k < drv.nkeys && at < sizeof cmd; k++)
		at += (size_t)snprintf(cmd + at, sizeof cmd - at, " --key '%s'", drv.keys[k]);
	FILE *f = popen(cmd, "r");
	if (f == NULL)
		die("popen --check", errno);
	struct group_seg *g = drv.g;
	double v[LAYOUT_MAX_PARAMS] = { 0.8, 0.25 };
	uint32_t n = 2;
	bool okline = false;
	while (fgets(line, sizeof line, f) != NULL) {
		struct param_decl d = { 0 };
		if (strcmp(line, "ok\n") == 0)
			okline = true;
		else if (sscanf(line, "param\t%31[^\t]\t%lf\t%lf\t%lf", d.name, &d.min, &d.max,
		                &d.def) == 4 && n < LAYOUT_MAX_PARAMS) {
			v[n] = d.def;
			g->decl[n++] = d;
		} else
			fail("--check said: %s", line);
	}
	if (pclose(f) != 0 || !okline) {
		fail("the replica's --check run failed");
		exit(1);
	}
	g->nparams = n;
	int rc = layout_params_publish(g, 0, v, n, 0);
	if (rc < 0)
		die("layout_params_publish", rc);
}

static void mode_keys(const char *replica, double seconds)
{
	struct sink_stats st = { 0 };

	drv.nocheck = true;
	drv_setup(1, 0, STANDBY_HOT, DRV_CHANNELS);
	drv_table_from_check(replica);
	drv.g->preroll_blocks = 300;
	atomic_store_explicit(&drv.g->position, 1000, memory_order_release);
	drv_spawn(replica);
	drv_wait_ready();
	uint64_t pre = LOAD(&drv.r->preroll_ns);
	(void)sink_run(&st, seconds, 0);
	if (pre == 0)
		fail("no pre-roll was timed");
	drv_shutdown_by_run_word();
	drv_check_exit(drv_reap(5 * NSEC_PER_SEC), "run = SHUTDOWN");
	drv_report("keys", &st);
	printf("keys: pre-roll of 300 blocks took %.3f ms\n", (double)pre / 1e6);
	drv_check_stats(&st, st.periods / 10 + 3);
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[2], "keys") == 0) {
		drv.keys = argv + 4;
		drv.nkeys = argc - 4;
		argc = 4;
	}
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: replica_driver REPLICA hot|warm|sigterm|badcfg [SECONDS]\n"
		        "       replica_driver REPLICA keys SECONDS SECTION.KEY=VALUE...\n");
		return 64;
	}
	double seconds = argc == 4 ? strtod(argv[3], NULL) : 1.0;
	if (!(seconds > 0.05 && seconds < 60.0)) {
		fprintf(stderr, "replica_driver: SECONDS must be in (0.05, 60)\n");
		return 64;
	}
	atexit(drv_cleanup);

	if (strcmp(argv[2], "hot") == 0)
		mode_hot(argv[1], seconds, false);
	else if (strcmp(argv[2], "sigterm") == 0)
		mode_hot(argv[1], seconds, true);
	else if (strcmp(argv[2], "warm") == 0)
		mode_warm(argv[1], seconds);
	else if (strcmp(argv[2], "badcfg") == 0)
		mode_badcfg(argv[1]);
	else if (strcmp(argv[2], "keys") == 0 && drv.nkeys > 0)
		mode_keys(argv[1], seconds);
	else {
		fprintf(stderr, "replica_driver: unknown mode '%s'\n", argv[2]);
		return 64;
	}
	return drv.failed ? 1 : 0;
}
