/*
 * ring_bench.c - throughput and latency of lib/ring.c against JACK's
 * jack_ringbuffer and plain memcpy. Run by `make bench`; prints figures, it
 * does not pass or fail.
 *
 * What it does: moves 256-frame stereo float32 blocks (2048-byte payload)
 * from a producer to a consumer and prints blocks/s, GB/s (10^9 payload
 * bytes) and one-way latency (median, p99) for:
 *   - memcpy: one thread copying each block into a capacity-slot buffer, the
 *     ceiling (one copy, no second core, no synchronisation);
 *   - ours, cross-thread and cross-process (fork + MAP_SHARED mapping),
 *     ring_write_overwrite() -> ring_read();
 *   - JACK, cross-thread only: jack_ringbuffer_create() is heap memory, so
 *     it cannot be shared with another process.
 * Throughput runs are lossless for fairness: the producer waits while the
 * ring is full (ours: the consumer publishes its position; JACK: its own
 * write space). Latency runs keep one block in flight: the producer waits
 * until the consumer took the previous block, stamps CLOCK_MONOTONIC into
 * the block and writes it; the consumer computes now - stamp. The cases run
 * interleaved, in a rotating order, several times; each keeps its best run.
 * Last, the cost of the per-block CRC-32C check (crc32c.h) that replicas
 * store and the sink verifies: hardware (SSE4.2 / ARMv8) and software.
 *
 * What it does not do: pin threads or raise priorities (on a shared machine
 * the figures are noisy; run it on an idle one for numbers to quote), or
 * assert anything.
 *
 * Usage: ring_bench [blocks]   (default 300000 per throughput run)
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

/* HAVE_JACK comes from ac-config.h, which the build force-includes. */
#ifdef HAVE_JACK
#include <jack/ringbuffer.h>
#endif

#include "crc32c.h"
#include "ring.h"

#define FRAMES   256u
#define CHANNELS 2u
#define BLOCK    (FRAMES * CHANNELS * (uint32_t)sizeof(float)) /* 2048 bytes */
#define CAP      16u

/* A block: its sequence number and send time, then the rest of the samples. */
struct block {
	uint64_t seq;
	uint64_t sent_ns;
	float samples[(BLOCK - 16) / sizeof(float)];
};
_Static_assert(sizeof(struct block) == BLOCK, "a block is 2 KiB");

enum mode { THROUGHPUT, LATENCY };

/* Shared by producer and consumer (in a MAP_SHARED mapping for processes). */
struct ctl {
	_Alignas(64) _Atomic uint64_t pos; /* blocks the consumer has taken */
	_Alignas(64) _Atomic uint32_t go;
	_Atomic uint32_t ready;
	_Alignas(64) unsigned char pad[64];
};

struct result {
	double secs;
	uint64_t blocks;
	uint64_t bad;       /* blocks out of order (must stay 0 in lossless runs) */
	uint64_t p50, p99;  /* latency, ns */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Busy-wait step; yields now and then, as the machine may have 2 shared cores. */
static void relax(unsigned *spins)
{
	if (++*spins % 256 == 0) {
		sched_yield();
		return;
	}
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static void fill(struct block *b)
{
	for (size_t i = 0; i < sizeof b->samples / sizeof b->samples[0]; i++)
		b->samples[i] = (float)i / 512.0f;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void percentiles(uint64_t *lat, uint64_t n, struct result *res)
{
	qsort(lat, n, sizeof *lat, cmp_u64);
	res->p50 = lat[n / 2];
	res->p99 = lat[n * 99 / 100];
}

/* Start line: both sides ready, then go. Returns the start time. */
static uint64_t start_together(struct ctl *c)
{
	unsigned spins = 0;

	while (atomic_load_explicit(&c->ready, memory_order_acquire) == 0)
		relax(&spins);
	uint64_t t0 = now_ns();
	atomic_store_explicit(&c->go, 1, memory_order_release);
	return t0;
}

static void wait_go(struct ctl *c)
{
	unsigned spins = 0;

	atomic_store_explicit(&c->ready, 1, memory_order_release);
	while (atomic_load_explicit(&c->go, memory_order_acquire) == 0)
		relax(&spins);
}

/* ---- ours ----------------------------------------------------------------- */

struct ours {
	struct ring ring;
	struct ctl *ctl;
	enum mode mode;
	uint64_t n;
};

static void ours_produce(struct ours *o)
{
	struct block b;
	uint64_t pos = 0;
	unsigned spins = 0;

	fill(&b);
	wait_go(o->ctl);
	for (uint64_t i = 0; i < o->n; i++) {
		/* Lossless: wait for room (throughput) or for an empty ring (latency). */
		uint64_t room = o->mode == THROUGHPUT ? CAP : 1;
		while (i - pos >= room) {
			pos = atomic_load_explicit(&o->ctl->pos, memory_order_acquire);
			if (i - pos >= room)
				relax(&spins);
		}
		b.seq = i;
		b.sent_ns = o->mode == LATENCY ? now_ns() : 0;
		ring_write_overwrite(&o->ring, &b, BLOCK);
	}
}

static void *ours_produce_thread(void *arg)
{
	ours_produce(arg);
	return NULL;
}

static void ours_consume(struct ours *o, uint64_t *lat, struct result *res)
{
	struct block b;
	struct ring_reader rd = { 0 };
	unsigned spins = 0;
	uint64_t t0 = start_together(o->ctl);

	for (uint64_t i = 0; i < o->n;) {
		uint32_t len;
		uint64_t seq;
		int rc = ring_read(&o->ring, &rd, &b, sizeof b, &len, &seq);
		if (rc != 1) {
			relax(&spins);
			continue;
		}
		if (lat != NULL)
			lat[i] = now_ns() - b.sent_ns;
		if (seq != i || b.seq != i || len != BLOCK)
			res->bad++;
		atomic_store_explicit(&o->ctl->pos, ++i, memory_order_release);
	}
	res->secs = (double)(now_ns() - t0) / 1e9;
	res->blocks = o->n;
	res->bad += rd.lost;
}

static int ours_run(bool process, enum mode mode, uint64_t n, uint64_t *lat, struct result *res)
{
	size_t rbytes = ring_bytes(CAP, BLOCK);
	size_t total = sizeof(struct ctl) + rbytes;
	unsigned char *mem = mmap(NULL, total, PROT_READ | PROT_WRITE,
	                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct ours o = { .mode = mode, .n = n };
	int rc = 0;

	if (mem == MAP_FAILED)
		return -errno;
	memset(res, 0, sizeof *res);
	o.ctl = (struct ctl *)mem;
	if ((rc = ring_init(&o.ring, mem + sizeof(struct ctl), rbytes, CAP, BLOCK)) < 0)
		goto out;
	if (process) {
		pid_t pid = fork();
		if (pid < 0) {
			rc = -errno;
			goto out;
		}
		if (pid == 0) {
			struct ours child = o;
			if (ring_attach(&child.ring, mem + sizeof(struct ctl), rbytes) != 0)
				_exit(1);
			ours_produce(&child);
			_exit(0);
		}
		ours_consume(&o, lat, res);
		int status;
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = -ECHILD;
	} else {
		pthread_t t;
		if ((rc = -pthread_create(&t, NULL, ours_produce_thread, &o)) < 0)
			goto out;
		ours_consume(&o, lat, res);
		pthread_join(t, NULL);
	}
	if (lat != NULL)
		percentiles(lat, n, res);
out:
	munmap(mem, total);
	return rc;
}

/* ---- JACK ----------------------------------------------------------------- */

#ifdef HAVE_JACK
struct jack {
	jack_ringbuffer_t *rb;
	struct ctl ctl;
	enum mode mode;
	uint64_t n;
};

static void *jack_produce(void *arg)
{
	struct jack *j = arg;
	struct block b;
	unsigned spins = 0;

	fill(&b);
	wait_go(&j->ctl);
	for (uint64_t i = 0; i < j->n; i++) {
		if (j->mode == LATENCY)
			while (atomic_load_explicit(&j->ctl.pos, memory_order_acquire) != i)
				relax(&spins);
		while (jack_ringbuffer_write_space(j->rb) < BLOCK)
			relax(&spins);
		b.seq = i;
		b.sent_ns = j->mode == LATENCY ? now_ns() : 0;
		jack_ringbuffer_write(j->rb, (const char *)&b, BLOCK);
	}
	return NULL;
}

static int jack_run(enum mode mode, uint64_t n, uint64_t *lat, struct result *res)
{
	/* The same bytes as our slots; JACK keeps one byte free: CAP - 1 blocks. */
	struct jack j = { .rb = jack_ringbuffer_create(CAP * BLOCK), .mode = mode, .n = n };
	struct block b;
	unsigned spins = 0;
	pthread_t t;
	int rc;

	if (j.rb == NULL)
		return -ENOMEM;
	memset(res, 0, sizeof *res);
	if ((rc = -pthread_create(&t, NULL, jack_produce, &j)) < 0) {
		jack_ringbuffer_free(j.rb);
		return rc;
	}
	uint64_t t0 = start_together(&j.ctl);
	for (uint64_t i = 0; i < n;) {
		if (jack_ringbuffer_read_space(j.rb) < BLOCK) {
			relax(&spins);
			continue;
		}
		jack_ringbuffer_read(j.rb, (char *)&b, BLOCK);
		if (lat != NULL)
			lat[i] = now_ns() - b.sent_ns;
		if (b.seq != i)
			res->bad++;
		atomic_store_explicit(&j.ctl.pos, ++i, memory_order_release);
	}
	res->secs = (double)(now_ns() - t0) / 1e9;
	res->blocks = n;
	pthread_join(t, NULL);
	jack_ringbuffer_free(j.rb);
	if (lat != NULL)
		percentiles(lat, n, res);
	return 0;
}
#endif

/* ---- memcpy ceiling ---------------------------------------------------------- */

static int memcpy_run(uint64_t n, struct result *res)
{
	static _Alignas(64) unsigned char dst[CAP][BLOCK];
	struct block b;

	fill(&b);
	memset(res, 0, sizeof *res);
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < n; i++) {
		b.seq = i;
		memcpy(dst[i % CAP], &b, BLOCK);
		__asm__ __volatile__("" ::: "memory"); /* keep every copy */
	}
	res->secs = (double)(now_ns() - t0) / 1e9;
	res->blocks = n;
	return 0;
}

/* ---- checksums ------------------------------------------------------------- */

/*
 * ns per block of the check a replica stores and the sink verifies (CRC-32C
 * of seq + 2 KiB payload), with `fn`; best of several passes.
 */
static double crc_ns(uint32_t (*fn)(uint32_t, const void *, size_t), uint64_t n)
{
	static struct block b;
	double best = 0;

	fill(&b);
	for (int rep = 0; rep < 5; rep++) {
		volatile uint32_t acc = 0;
		uint64_t t0 = now_ns();
		for (uint64_t i = 0; i < n; i++) {
			b.seq = i;
			acc ^= fn(fn(0, &b.seq, sizeof b.seq), &b, BLOCK);
		}
		double ns = (double)(now_ns() - t0) / (double)n;
		if (rep == 0 || ns < best)
			best = ns;
		(void)acc;
	}
	return best;
}

static void crc_report(uint64_t n)
{
	double period_ns = 1e9 * FRAMES / 48000.0;
	double hw = crc32c_hw_available() ? crc_ns(crc32c_hw, n) : 0;
	double sw = crc_ns(crc32c_sw, n);
	double used = crc32c_hw_available() ? hw : sw;

	printf("\nchecksum: CRC-32C of one block (seq + %u bytes), what each replica stores\n"
	       "          and the sink recomputes on its copy (crc32c_block):\n", BLOCK);
	if (crc32c_hw_available())
		printf("  %-26s %8.0f ns per block  %6.2f GB/s\n", crc32c_impl(), hw,
		       BLOCK / hw);
	printf("  %-26s %8.0f ns per block  %6.2f GB/s\n", "software (slicing-by-8)", sw,
	       BLOCK / sw);
	printf("  in use: %s, %.4f%% of a %u-frame period at 48 kHz (%.2f ms), per side\n",
	       crc32c_impl(), 100.0 * used / period_ns, FRAMES, period_ns / 1e6);
}

/* ---- report ---------------------------------------------------------------- */

static double rate(const struct result *r)
{
	return r->secs > 0 ? (double)r->blocks / r->secs : 0;
}

static void row(const char *name, int rc, const struct result *res, bool latency)
{
	if (rc < 0) {
		printf("%-28s failed: %s\n", name, strerror(-rc));
		return;
	}
	printf("%-28s %12.0f %8.2f", name, rate(res), rate(res) * BLOCK / 1e9);
	if (latency)
		printf(" %10llu %10llu", (unsigned long long)res->p50, (unsigned long long)res->p99);
	else
		printf(" %10s %10s", "-", "-");
	if (res->bad != 0)
		printf("  (%llu blocks out of order!)", (unsigned long long)res->bad);
	printf("\n");
}

/* Keep the better of two results: higher throughput, lower median latency. */
static void keep_best(struct result *best, const struct result *r, bool first)
{
	if (first || rate(r) > rate(best)) {
		best->secs = r->secs;
		best->blocks = r->blocks;
	}
	if (first || r->p50 < best->p50) {
		best->p50 = r->p50;
		best->p99 = r->p99;
	}
	best->bad = (first ? 0 : best->bad) + r->bad;
}

enum bench_case { MEMCPY, OURS_THREAD, OURS_PROCESS, JACK_THREAD, NCASES };

/* One throughput run, then (for the rings) one latency run, into *res. */
static int run_case(enum bench_case c, uint64_t n, uint64_t nlat, uint64_t *lat,
                    struct result *res)
{
	struct result rl;
	int rc;

	switch (c) {
	case MEMCPY:
		return memcpy_run(n, res);
	case OURS_THREAD:
	case OURS_PROCESS:
		rc = ours_run(c == OURS_PROCESS, THROUGHPUT, n, NULL, res);
		if (rc == 0)
			rc = ours_run(c == OURS_PROCESS, LATENCY, nlat, lat, &rl);
		break;
	case JACK_THREAD:
#ifdef HAVE_JACK
		rc = jack_run(THROUGHPUT, n, NULL, res);
		if (rc == 0)
			rc = jack_run(LATENCY, nlat, lat, &rl);
		break;
#else
		return -ENOSYS;
#endif
	default:
		return -EINVAL;
	}
	if (rc == 0) {
		res->p50 = rl.p50;
		res->p99 = rl.p99;
		res->bad += rl.bad;
	}
	return rc;
}

#define REPS 5

int main(int argc, char **argv)
{
	uint64_t n = 300000;

	if (argc > 1) {
		char *end;
		n = strtoull(argv[1], &end, 10);
		if (*end != '\0' || n < 1000) {
			fprintf(stderr, "usage: %s [blocks >= 1000]\n", argv[0]);
			return 2;
		}
	}
	uint64_t nlat = n / 5 < 100000 ? n / 5 : 100000;
	uint64_t *lat = malloc(nlat * sizeof *lat);
	if (lat == NULL)
		return 1;

	/*
	 * Interleave the cases, rotating their order, and keep each one's best
	 * run: the changing load of a shared machine then favours none of them.
	 */
	struct result best[NCASES] = { { 0 } };
	int rc[NCASES] = { 0 };
	int ncases = NCASES;
#ifndef HAVE_JACK
	ncases = JACK_THREAD;
	rc[JACK_THREAD] = -ENOSYS;
#endif
	for (int i = 0; i < REPS; i++) {
		for (int k = 0; k < ncases; k++) {
			enum bench_case c = (enum bench_case)((k + i) % ncases);
			struct result r;
			if (rc[c] == 0 && (rc[c] = run_case(c, n, nlat, lat, &r)) == 0)
				keep_best(&best[c], &r, i == 0);
		}
	}
	const struct result *mc = &best[MEMCPY], *ot = &best[OURS_THREAD];
	const struct result *op = &best[OURS_PROCESS], *jt = &best[JACK_THREAD];

	printf("ring_bench: %u-byte blocks (%u frames x %u ch float32), ring capacity %u blocks;\n"
	       "            best of %d runs of %llu blocks (throughput) and %llu (latency)\n",
	       BLOCK, FRAMES, CHANNELS, CAP, REPS, (unsigned long long)n, (unsigned long long)nlat);
	printf("throughput: lossless mode (the producer waits while the ring is full)\n"
	       "latency:    one block in flight; CLOCK_MONOTONIC stamp in the block, now - stamp\n\n");
	printf("%-28s %12s %8s %10s %10s\n", "case", "blocks/s", "GB/s", "p50 ns", "p99 ns");
	row("memcpy, 1 thread (ceiling)", rc[MEMCPY], mc, false);
	row("ours, cross-thread", rc[OURS_THREAD], ot, true);
	row("ours, cross-process", rc[OURS_PROCESS], op, true);
#ifdef HAVE_JACK
	row("JACK, cross-thread", rc[JACK_THREAD], jt, true);
	printf("\nJACK: jack_ringbuffer_create() is heap memory, so cross-thread only;\n"
	       "      it keeps one byte free, so it holds %u blocks in flight, ours %u.\n",
	       CAP - 1, CAP);
#else
	printf("\nJACK: not available\n");
#endif
	printf("memcpy: one copy per block on one core; the rings copy in and out on two.\n");
	printf("\nratios (throughput):\n");
	if (rc[OURS_THREAD] == 0 && rc[MEMCPY] == 0)
		printf("  ours/memcpy, cross-thread   %.2f\n", rate(ot) / rate(mc));
	if (rc[OURS_PROCESS] == 0 && rc[MEMCPY] == 0)
		printf("  ours/memcpy, cross-process  %.2f\n", rate(op) / rate(mc));
	if (rc[OURS_THREAD] == 0 && rc[JACK_THREAD] == 0) {
		printf("  ours/JACK,   cross-thread   %.2f\n", rate(ot) / rate(jt));
		printf("latency p50 ours/JACK, cross-thread  %.2f\n",
		       (double)ot->p50 / (double)jt->p50);
	}
	crc_report(n);
	free(lat);
	return 0;
}
