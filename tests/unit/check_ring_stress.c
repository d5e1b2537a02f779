/*
 * check_ring_stress.c - ring_stress_suite: the ring (lib/ring.c) under load.
 *
 * What it proves: that a forked producer writing 10 million blocks unpaced
 * never hands the reader a torn, stale or repeated block (every sample
 * verified, and the loss count matches the gaps seen), and that read_seq
 * readers on threads asking for recent, current and future blocks of a ring
 * a producer thread is lapping never get a torn copy either.
 *
 * What it does not do: the ring's single-threaded semantics and its
 * validation of bad geometry or corrupt headers (check_ring.c), or measure
 * speed (tests/bench/ring_bench.c). A suite of its own so that
 * CK_RUN_SUITE=ring runs the quick tests alone.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ring.h"
#include "suites.h"

static uint32_t mix32(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return (uint32_t)x;
}

/* Block `seq` of the stress tests: its seq, then 16..64 floats derived from it. */
#define STRESS_MAX_FLOATS 64u
#define STRESS_MAX_BYTES  (8u + 4u * STRESS_MAX_FLOATS)

struct sblock {
	uint64_t seq;
	float f[STRESS_MAX_FLOATS];
};

static uint32_t sblock_fill(struct sblock *b, uint64_t seq)
{
	uint32_t n = 16u + (uint32_t)(seq % 49u);

	b->seq = seq;
	for (uint32_t i = 0; i < n; i++)
		b->f[i] = (float)(mix32(seq * 64u + i) >> 8); /* 24 bits: exact */
	return 8u + 4u * n;
}

/* True iff `b` of `len` bytes is exactly block `seq`, every sample. */
static bool sblock_ok(const struct sblock *b, uint32_t len, uint64_t seq)
{
	struct sblock want;

	return len == sblock_fill(&want, seq) && memcmp(b, &want, len) == 0;
}

#define STRESS_BLOCKS 10000000u
#define STRESS_CAP    8u

struct stress_shared {
	_Atomic uint32_t done;
	uint8_t pad[60];
	/* the ring follows, 64-byte aligned */
};

START_TEST(test_stress_cross_process)
{
	size_t rbytes = ring_bytes(STRESS_CAP, STRESS_MAX_BYTES);
	size_t total = sizeof(struct stress_shared) + rbytes;
	unsigned char *mem = mmap(NULL, total, PROT_READ | PROT_WRITE,
	                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(mem != MAP_FAILED);
	struct stress_shared *sh = (struct stress_shared *)mem;
	struct ring r;
	ck_assert_int_eq(ring_init(&r, mem + sizeof *sh, rbytes, STRESS_CAP, STRESS_MAX_BYTES), 0);

	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct ring w;
		struct sblock b;
		if (ring_attach(&w, mem + sizeof *sh, rbytes) != 0)
			_exit(2);
		for (uint64_t s = 0; s < STRESS_BLOCKS; s++)
			ring_write_overwrite(&w, &b, sblock_fill(&b, s));
		atomic_store_explicit(&sh->done, 1, memory_order_release);
		_exit(0);
	}

	struct ring_reader rd = { 0 };
	struct sblock b;
	uint64_t reads = 0, torn = 0, gaps = 0, nonmono = 0, errors = 0, last = 0;
	bool any = false, reaped = false;
	int status = 0;
	for (unsigned idle = 0;;) {
		uint32_t done = atomic_load_explicit(&sh->done, memory_order_acquire);
		uint32_t len = 0;
		uint64_t s = 0;
		int rc = ring_read(&r, &rd, &b, sizeof b, &len, &s);
		if (rc == 1) {
			idle = 0;
			if (any && s <= last)
				nonmono++;
			gaps += s - (any ? last + 1 : 0);
			if (!sblock_ok(&b, len, s))
				torn++;
			last = s;
			any = true;
			reads++;
		} else if (rc == 0) {
			if (done || (reaped && !atomic_load(&sh->done)))
				break; /* drained, or the producer died: fail below */
			if (++idle % 64 == 0)
				sched_yield(); /* 2 cores may be shared with the producer */
			if (idle % 65536 == 0 && !reaped)
				reaped = waitpid(pid, &status, WNOHANG) == pid;
		} else {
			errors++;
		}
	}
	if (!reaped)
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	printf("ring stress (cross-process, capacity %u): %llu blocks written, %llu read, "
	       "%llu lost, %llu torn\n", STRESS_CAP, (unsigned long long)STRESS_BLOCKS,
	       (unsigned long long)reads, (unsigned long long)rd.lost, (unsigned long long)torn);
	fflush(stdout);
	ck_assert_uint_eq(torn, 0);
	ck_assert_uint_eq(nonmono, 0);
	ck_assert_uint_eq(errors, 0);
	ck_assert(any);
	ck_assert_uint_eq(last, STRESS_BLOCKS - 1);    /* saw the final block */
	ck_assert_uint_eq(rd.lost, gaps);
	ck_assert_uint_eq(reads + rd.lost, STRESS_BLOCKS);
	munmap(mem, total);
}
END_TEST

#define THREAD_BLOCKS  2000000u
#define THREAD_READERS 2

enum { T_OK, T_GONE, T_NOTYET, T_TORN, T_OTHER, T_N };

struct tstress {
	struct ring *r;
	_Atomic uint32_t done;
	_Atomic uint64_t n[T_N];
};

static void *tstress_producer(void *arg)
{
	struct tstress *t = arg;
	struct sblock b;

	for (uint64_t s = 0; s < THREAD_BLOCKS; s++) {
		void *p = ring_write_begin(t->r, s);
		uint32_t len = sblock_fill(&b, s);
		memcpy(p, &b, len);
		ring_write_commit(t->r, s, len, 0);
	}
	atomic_store_explicit(&t->done, 1, memory_order_release);
	return NULL;
}

/* Asks for recent, current and future blocks at random; verifies each copy. */
static void *tstress_reader(void *arg)
{
	struct tstress *t = arg;
	struct sblock b;
	uint64_t x = (uint64_t)(uintptr_t)&b | 1u, n[T_N] = { 0 };

	while (!atomic_load_explicit(&t->done, memory_order_acquire)) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t h = ring_head(t->r);
		uint64_t back = x % (STRESS_CAP + 2);
		uint64_t s = h + 1 > back ? h + 1 - back : 0;
		uint32_t len = 0;
		int rc = ring_read_seq(t->r, s, &b, sizeof b, &len, NULL);
		n[rc == 0 ? (sblock_ok(&b, len, s) ? T_OK : T_TORN) :
		  rc == -ENODATA ? T_GONE : rc == -EAGAIN ? T_NOTYET : T_OTHER]++;
	}
	for (int i = 0; i < T_N; i++)
		atomic_fetch_add(&t->n[i], n[i]);
	return NULL;
}

START_TEST(test_stress_threads_read_seq)
{
	size_t bytes = ring_bytes(STRESS_CAP, STRESS_MAX_BYTES);
	void *mem = check_guarded_map(bytes);
	struct ring r;
	struct tstress t = { .r = &r };
	pthread_t prod, rdr[THREAD_READERS];

	ck_assert_int_eq(ring_init(&r, mem, bytes, STRESS_CAP, STRESS_MAX_BYTES), 0);
	for (int i = 0; i < THREAD_READERS; i++)
		ck_assert_int_eq(pthread_create(&rdr[i], NULL, tstress_reader, &t), 0);
	ck_assert_int_eq(pthread_create(&prod, NULL, tstress_producer, &t), 0);
	pthread_join(prod, NULL);
	for (int i = 0; i < THREAD_READERS; i++)
		pthread_join(rdr[i], NULL);
	printf("ring stress (threads, %d read_seq readers): %llu verified, %llu overwritten, "
	       "%llu not yet, %llu torn\n", THREAD_READERS, (unsigned long long)t.n[T_OK],
	       (unsigned long long)t.n[T_GONE], (unsigned long long)t.n[T_NOTYET],
	       (unsigned long long)t.n[T_TORN]);
	fflush(stdout);
	ck_assert_uint_eq(t.n[T_TORN], 0);
	ck_assert_uint_eq(t.n[T_OTHER], 0);
	ck_assert_uint_gt(t.n[T_OK], 0);
	/* After the producer is done, the last block is there, intact. */
	struct sblock b;
	uint32_t len = 0;
	ck_assert_int_eq(ring_read_seq(&r, THREAD_BLOCKS - 1, &b, sizeof b, &len, NULL), 0);
	ck_assert(sblock_ok(&b, len, THREAD_BLOCKS - 1));
}
END_TEST

Suite *ring_stress_suite(void)
{
	Suite *s = suite_create("ring_stress");
	TCase *st = tcase_create("stress");

	tcase_set_timeout(st, 120);
	tcase_add_test(st, test_stress_cross_process);
	tcase_add_test(st, test_stress_threads_read_seq);
	suite_add_tcase(s, st);
	return s;
}
