/*
 * failover_bench.c - failover figures of the real daemon (make bench).
 *
 * Starts rtaudiod (benchd.c: the binary named by $RTAUDIOD, replicas from
 * $REPLICA) at 48 kHz / 256 frames with the null sink, then:
 *  - N kill cycles (default 200, BENCH_KILLS; hot standby): SIGKILL the primary from here,
 *    time from our kill() to the daemon's detection (its failover record
 *    carries the CLOCK_MONOTONIC detection time), wait for the respawn;
 *    right before each, the peer: kill->waitpid of a bare child of the
 *    replica's size (peer_kill);
 *  - M SIGSTOP cycles (default 20, BENCH_STOPS; hot): same, from SIGSTOP to detection;
 *  - K kill cycles with standby = warm (default 100, BENCH_WARM_KILLS);
 *  - 3 s (BENCH_IDLE_S) of idle supervision: daemon CPU % of one core and RSS.
 * Prints median / p99 (nearest rank: enough cycles that it is not the
 * max) / max detection latency, samples lost (those the failover records
 * hold: what failing over cost; the sink's other losses in the run are
 * said on a line of their own), and each figure
 * against its goal. Exit status: 0 if every goal is met, 2 if any is MISSED
 * (CI runs a short bench and fails on it), 1 if the daemon could not run.
 * FAILOVER_BENCH_MARGIN (default 1) multiplies the latency and CPU goals:
 * CI uses 3 on its loaded 2-core VM (README). The loss goal is 0 always.
 *
 * usage: failover_bench [KILLS [STOPS [WARM_KILLS [IDLE_SECONDS]]]]
 */
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchd.h"
#include "clock.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct result {
	uint64_t *lat_ns;
	uint64_t *exit_ns;      /* SIGKILL: kill() to the process's exit (pidfd), or NULL */
	int n;
	long long lost;         /* the sink's, over the whole run of cycles */
	long long lost_fo;      /* the failover records' (failover.c): the cost of failing over */
	long long underruns;
	long long rescued;
	char rt[64];
};

static void result_free(struct result *r)
{
	free(r->lat_ns);
	free(r->exit_ns);
	r->lat_ns = r->exit_ns = NULL;
}

/*
 * The peer: one kill(SIGKILL) to waitpid() of a child with `anon_kb` of
 * touched, locked private memory, ns (0 if it cannot fork): the floor under
 * any supervisor's crash detection for a process of a replica's size.
 * cycles() runs one right before each of its kills, so a host that slows
 * down for a moment slows either side alike.
 */
static uint64_t peer_kill(long anon_kb)
{
	pid_t p = fork();

	if (p == 0) {
		size_t bytes = anon_kb > 0 ? (size_t)anon_kb * 1024 : 0;
		unsigned char *mem = bytes > 0 ? malloc(bytes) : NULL;
		if (mem != NULL)
			memset(mem, 1, bytes);
		mlockall(MCL_CURRENT | MCL_FUTURE);
		for (;;)
			pause();
	}
	if (p < 0)
		return 0;
	usleep(20000);
	uint64_t t0 = clock_now_ns();
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	return clock_now_ns() - t0;
}


/*
 * Sum the lost_samples of the failover records detected at or after
 * `since` (CLOCK_MONOTONIC), once all of them have settled (up to 3 s).
 * -1 if the daemon does not answer.
 */
static long long failover_lost(struct benchd *b, uint64_t since)
{
	uint64_t end = clock_now_ns() + 3 * NSEC_PER_SEC;
	long long sum = -1;

	for (;;) {
		json_t *h = benchd_request(b, "history");
		json_t *fos = json_object_get(h, "failovers");
		bool settled = true;
		size_t i;
		json_t *fo;

		sum = h != NULL ? 0 : -1;
		json_array_foreach(fos, i, fo) {
			if (json_integer_value(json_object_get(fo, "detected_mono_ns")) < (json_int_t)since)
				continue;
			sum += json_integer_value(json_object_get(fo, "lost_samples"));
			settled = settled && json_is_true(json_object_get(fo, "settled"));
		}
		json_decref(h);
		if (h == NULL || settled || clock_now_ns() >= end)
			return sum;
		usleep(50 * 1000);
	}
}

/*
 * One failover per cycle, caused by `sig` sent to the primary from here.
 * Detection is timed from our kill() to the daemon's failover event, both
 * CLOCK_MONOTONIC; nothing polls the daemon while it works. With `peer`,
 * a peer_kill of a child of `anon_kb` right before each kill, into it.
 */
static int cycles(struct benchd *b, int n, int sig, struct result *r, struct result *peer,
                  long anon_kb)
{
	uint64_t since = clock_now_ns();
	struct benchd_events ev;
	json_t *st0 = benchd_request(b, "status");
	json_int_t lost0 = benchd_int(st0, "sink.lost_samples"), under0 = benchd_int(st0, "sink.underruns");
	json_int_t resc0 = benchd_int(st0, "sink.rescued");

	json_decref(st0);
	r->lat_ns = calloc((size_t)n, sizeof(uint64_t));
	r->exit_ns = sig == SIGKILL ? calloc((size_t)n, sizeof(uint64_t)) : NULL;
	r->n = 0;
	if (peer != NULL) {
		memset(peer, 0, sizeof(*peer));
		peer->lat_ns = calloc((size_t)n, sizeof(uint64_t));
	}
	if (benchd_events_open(b, &ev) < 0)
		return -1;
	json_decref(benchd_events_next(&ev, clock_now_ns() + NSEC_PER_SEC)); /* {"ok":true} */
	for (int i = 0; i < n; i++) {
		json_int_t primary;
		json_int_t pid = benchd_primary_pid(b, &primary);
		if (pid <= 0)
			break;
		/* A peer that could not run is no figure: the cycles fail. */
		if (peer != NULL && (peer->lat_ns[peer->n++] = peer_kill(anon_kb)) == 0)
			break;
		/* The same process's own exit, as its parent could first see it. */
		int pfd = r->exit_ns != NULL ? (int)syscall(SYS_pidfd_open, (pid_t)pid, 0) : -1;
		uint64_t t0 = clock_now_ns(), texit = 0;
		kill((pid_t)pid, sig);
		if (pfd >= 0) {
			struct pollfd p = { .fd = pfd, .events = POLLIN };
			if (poll(&p, 1, 1000) == 1)
				texit = clock_now_ns();
			close(pfd);
		}
		int64_t det = benchd_events_wait(&ev, "failover", -1, 5);
		if (det < 0 || benchd_events_wait(&ev, "ready", (int)primary, 10) < 0)
			break;
		if (r->exit_ns != NULL)
			r->exit_ns[r->n] = texit > t0 ? texit - t0 : 0;
		r->lat_ns[r->n++] = (uint64_t)det > t0 ? (uint64_t)det - t0 : 0;
	}
	close(ev.fd);
	if (r->n < n || !benchd_wait_ready(b, 10))
		return -1;
	usleep(100 * 1000);  /* let the last record settle */
	json_t *st = benchd_request(b, "status");
	r->lost = benchd_int(st, "sink.lost_samples") - lost0;
	r->underruns = benchd_int(st, "sink.underruns") - under0;
	r->rescued = benchd_int(st, "sink.rescued") - resc0;
	r->lost_fo = failover_lost(b, since);
	const char *rt = json_string_value(json_object_get(
	    json_array_get(json_object_get(st, "replicas"), 0), "rt"));
	snprintf(r->rt, sizeof(r->rt), "%s", rt != NULL ? rt : "?");
	json_decref(st);
	qsort(r->lat_ns, (size_t)r->n, sizeof(uint64_t), cmp_u64);
	if (r->exit_ns != NULL)
		qsort(r->exit_ns, (size_t)r->n, sizeof(uint64_t), cmp_u64);
	if (peer != NULL)
		qsort(peer->lat_ns, (size_t)peer->n, sizeof(uint64_t), cmp_u64);
	return 0;
}

static int missed;        /* goals MISSED in this run: the exit status */
static double margin = 1; /* FAILOVER_BENCH_MARGIN */

static const char *goal(bool met)
{
	if (!met)
		missed++;
	return met ? "met" : "MISSED";
}

/*
 * The nearest-rank p99: the smallest figure at least 99% of the run are at
 * or below, the ceil(0.99 n)-th (1-based). Below 100 figures it is the
 * largest, so one slow wake-up of the host decides it: make bench's
 * defaults run enough kills that it is not.
 */
static double p99_us(const struct result *r)
{
	int rank = (r->n * 99 + 99) / 100;

	return r->lat_ns[rank > 0 ? rank - 1 : 0] / 1e3;
}

static void report(const char *name, const struct result *r, double goal_p99_us)
{
	goal_p99_us *= margin;
	double med = r->lat_ns[r->n / 2] / 1e3;
	double p99 = p99_us(r);
	double max = r->lat_ns[r->n - 1] / 1e3;

	printf("%-22s %5d %10.0f %10.0f %10.0f %12lld %10lld %8lld   p99 goal < %.0f us: %s; "
	       "lost goal 0: %s\n",
	       name, r->n, med, p99, max, r->lost_fo, r->underruns, r->rescued, goal_p99_us,
	       goal(p99 < goal_p99_us), goal(r->lost_fo == 0));
	/*
	 * A loss no failover record holds came between failovers: a replica
	 * late on its own (this VM's wake-ups reach 10-20 ms late, jitter.sh)
	 * while its peer was being respawned. Said, not counted as a cost of
	 * failing over.
	 */
	if (r->lost > r->lost_fo)
		printf("  %s: %lld more samples lost between failovers (no failover record holds "
		       "them: a late replica, not a failover)\n", name, r->lost - r->lost_fo);
}

/* Nanoseconds on CPU of every thread of `pid` (schedstat: exact, not ticks). */
static uint64_t cpu_ns(pid_t pid)
{
	char path[64], line[128];
	uint64_t total = 0;

	for (int tid = pid; tid < pid + 64; tid++) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid, tid);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		unsigned long long ns;
		if (fgets(line, sizeof(line), f) != NULL && sscanf(line, "%llu", &ns) == 1)
			total += ns;
		fclose(f);
	}
	return total;
}

static void idle(struct benchd *b, int seconds)
{
	char path[64], line[256];
	long rss_kb = -1, anon_kb = -1, shmem_kb = 0;
	FILE *f;

	uint64_t c0 = cpu_ns(b->pid), t0 = clock_now_ns();
	sleep((unsigned)seconds);
	uint64_t c1 = cpu_ns(b->pid), t1 = clock_now_ns();
	double cpu = 100.0 * (double)(c1 - c0) / (double)(t1 - t0);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)b->pid);
	f = fopen(path, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &rss_kb) != 1 &&
		    sscanf(line, "RssAnon: %ld", &anon_kb) != 1)
			(void)sscanf(line, "RssShmem: %ld", &shmem_kb);
	if (f != NULL)
		fclose(f);
	printf("idle supervision (%.1f s): daemon CPU %.2f%% of one core, all threads, from "
	       "schedstat (goal < 2%%: %s), RSS %.2f MiB, of it %.2f MiB not file-backed "
	       "(anonymous + shared memory; goal < 8 MiB: %s; mlockall keeps every page of "
	       "every mapped library resident, pages other processes share)\n",
	       (double)(t1 - t0) / 1e9, cpu, goal(cpu < 2 * margin), rss_kb / 1024.0,
	       (anon_kb + shmem_kb) / 1024.0,
	       goal(anon_kb >= 0 && anon_kb + shmem_kb < 8 * 1024));
}

/* A /proc/PID/status field in kB (VmRSS, RssAnon), or -1. */
static long status_kb(pid_t pid, const char *key)
{
	char path[64], line[128];
	size_t klen = strlen(key);
	long kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			kb = atol(line + klen + 1);
	fclose(f);
	return kb;
}

/* RssAnon of the group's primary replica, or -1. */
static long replica_anon_kb(struct benchd *b)
{
	json_int_t primary;
	json_int_t pid = benchd_primary_pid(b, &primary);

	return pid > 0 ? status_kb((pid_t)pid, "RssAnon") : -1;
}

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);

	return v != NULL && atoi(v) > 0 ? atoi(v) : def;
}

int main(int argc, char **argv)
{
	/* Defaults for make bench's 3-minute budget; BENCH_* ask for longer runs. */
	int kills = argc > 1 ? atoi(argv[1]) : env_int("BENCH_KILLS", 200);
	int stops = argc > 2 ? atoi(argv[2]) : env_int("BENCH_STOPS", 20);
	int warm = argc > 3 ? atoi(argv[3]) : env_int("BENCH_WARM_KILLS", 100);
	int idle_s = argc > 4 ? atoi(argv[4]) : env_int("BENCH_IDLE_S", 3);
	double period_us = 256 * 1e6 / 48000;
	struct benchd b;
	struct result r;

	const char *m = getenv("FAILOVER_BENCH_MARGIN");
	if (m != NULL && atof(m) >= 1)
		margin = atof(m);
	signal(SIGPIPE, SIG_IGN);
	printf("failover_bench: rtaudiod at 48000 Hz / 256 frames (period %.0f us), lead 2, "
	       "null sink\n", period_us);
	printf("%-22s %5s %10s %10s %10s %12s %10s %8s\n", "scenario", "n", "median us", "p99 us",
	       "max us", "lost samples", "underruns", "rescued");
	if (benchd_start(&b, "hot") < 0) {
		benchd_stop(&b);
		return 1;
	}
	long anon_kb = replica_anon_kb(&b);
	struct result peer;
	if (cycles(&b, kills, SIGKILL, &r, &peer, anon_kb) == 0) {
		char peer_name[40];
		snprintf(peer_name, sizeof(peer_name), "peer: waitpid %ldk", anon_kb > 0 ? anon_kb : 0);
		int before = missed;
		report(peer_name, &peer, 1000);
		missed = before;  /* the machine's floor is a figure, not a goal of ours */
		double floor_med = peer.lat_ns[peer.n / 2] / 1e3, floor_p99 = p99_us(&peer);
		report("crash (hot, SIGKILL)", &r, 1000);
		/* The goal: p99 within 1.3x a bare supervisor's kill->waitpid. */
		double bare = p99_us(&r) / floor_p99;
		printf("crash detection / kill->waitpid peer (a child of the replica's %ld kB "
		       "RssAnon): median %.2f (%.0f us above it), p99 %.2f (goal <= %.1f: %s)\n",
		       anon_kb, r.lat_ns[r.n / 2] / 1e3 / floor_med,
		       r.lat_ns[r.n / 2] / 1e3 - floor_med, bare, 1.3 * margin,
		       goal(bare <= 1.3 * margin));
		/*
		 * The peer that counts: the same replica's kill->exit, timed in the
		 * same cycle through a pidfd (the moment its parent is signalled).
		 * The kernel's teardown of a replica is its own cost; what rtaudiod
		 * adds is the rest.
		 */
		struct result ex = r;
		ex.lat_ns = r.exit_ns;
		double ratio = p99_us(&r) / p99_us(&ex);
		printf("crash: the replica's own kill->exit (pidfd): median %.0f us, p99 %.0f us; "
		       "detection / it: median %.2f, p99 %.2f (goal <= %.1f: %s)\n",
		       ex.lat_ns[ex.n / 2] / 1e3, p99_us(&ex),
		       (double)r.lat_ns[r.n / 2] / (double)ex.lat_ns[ex.n / 2], ratio, 1.3 * margin,
		       goal(ratio <= 1.3 * margin));
	} else
		printf("crash cycles failed after %d\n", r.n), missed++;
	result_free(&peer);
	result_free(&r);
	if (cycles(&b, stops, SIGSTOP, &r, NULL, 0) == 0)
		report("stall (hot, SIGSTOP)", &r, 2 * period_us + 1000);
	else
		printf("stall cycles failed after %d\n", r.n), missed++;
	printf("replica RT scheduling: %s\n", r.rt);
	result_free(&r);
	idle(&b, idle_s);
	benchd_stop(&b);

	if (benchd_start(&b, "warm") < 0) {
		benchd_stop(&b);
		return 1;
	}
	if (cycles(&b, warm, SIGKILL, &r, NULL, 0) == 0)
		report("crash (warm, SIGKILL)", &r, 1000);
	else
		printf("warm crash cycles failed after %d\n", r.n), missed++;
	result_free(&r);
	benchd_stop(&b);
	printf("failover_bench: %d goal(s) MISSED (margin %.1fx on latency and CPU)\n", missed,
	       margin);
	return missed > 0 ? 2 : 0;
}
