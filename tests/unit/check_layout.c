/*
 * check_layout.c - layout_suite: segment sizes, the parameter seqlock and
 * history, and the replica header sanity check.
 *
 * What it proves: publish keeps the history ordered, replaces an entry with
 * the same apply point, drops only entries no sequence >= oldest_needed can
 * use, refuses to go backwards (-EINVAL) or to overflow (-EBUSY); a reader in
 * another process never sees a torn history while a writer publishes
 * changes as fast as it can (tens of thousands at least); a corrupted count in shared memory cannot make
 * snapshot or lookup read out of bounds (guard pages would fault); the
 * replica header check rejects a wrong magic, index, group, size; the group
 * geometry check accepts a good stream (and its limits) and rejects each
 * field out of range on its own.
 *
 * What it does not do: test the ring (check_ring.c) or shm (check_shm.c).
 * The struct sizes and offsets are _Static_asserts in layout.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "layout.h"
#include "../params2.h"
#include "suites.h"

static struct group_seg *group_new(void)
{
	void *p = mmap(NULL, GROUP_SEG_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	               -1, 0);

	ck_assert(p != MAP_FAILED);
	return p;
}

static void expect_at(const struct param_hist *h, uint64_t seq, double gain, double pan)
{
	double g = -1, p = -1;

	at2(h, seq, &g, &p);
	ck_assert_msg(g == gain && p == pan, "seq %llu: got %g/%g, want %g/%g",
	              (unsigned long long)seq, g, p, gain, pan);
}

START_TEST(replica_bytes)
{
	size_t rb = ring_bytes(4, 2048);

	ck_assert_uint_gt(rb, 0);
	ck_assert_uint_eq(layout_replica_bytes(4, 2048), REPLICA_RING_OFFSET + rb);
	ck_assert_uint_eq(layout_replica_bytes(3, 2048), 0);
	ck_assert_uint_eq(layout_replica_bytes(4, 0), 0);
	ck_assert_uint_eq(layout_replica_bytes(4, RING_MAX_PAYLOAD + 1), 0);
	ck_assert_uint_eq(layout_block_bytes(256, 2), 2048);
	uint64_t l = layout_leader_make(12345, 7);
	ck_assert_uint_eq(layout_leader_epoch(l), 12345);
	ck_assert_uint_eq(layout_leader_index(l), 7);
	ck_assert_uint_eq(layout_leader_index(layout_leader_make(1, LAYOUT_NO_PRIMARY)),
	                  LAYOUT_NO_PRIMARY);
}
END_TEST

/*
 * The heartbeat contract (layout.h): wherever the loop beats once a period,
 * the limit leaves the margin two beats a period do (stall_periods - 1/2
 * periods), and stays within stall_periods x P + 1 ms.
 */
START_TEST(heartbeat_contract)
{
	const uint64_t p64 = 1333333, p256 = 5333333, p128_96k = 1333333, p128 = 2666666;

	/* 256 frames: two beats a period, the limit is stall_periods x P. */
	ck_assert_uint_eq(layout_stall_limit_ns(2, p256), 2 * p256);
	ck_assert_int_eq(layout_beat_timeout_ns(p256, true), (int64_t)p256 / 2);
	ck_assert_int_eq(layout_beat_timeout_ns(p128, true), (int64_t)p128 / 2);
	/* 64 frames: one beat a period, half a period more. */
	ck_assert_uint_eq(layout_stall_limit_ns(2, p64), 2 * p64 + p64 / 2);
	ck_assert_uint_eq(layout_stall_limit_ns(2, p128_96k), 2 * p128_96k + p128_96k / 2);
	ck_assert_int_eq(layout_beat_timeout_ns(p64, true), (int64_t)(p64 + p64 / 2));
	/* A ring that did not come: back to half a period. */
	ck_assert_int_eq(layout_beat_timeout_ns(p64, false), (int64_t)p64 / 2);
	for (uint64_t p = 100000; p <= 50000000; p += 1000) {
		uint64_t gap = p > LAYOUT_ONE_BEAT_NS ? p / 2 : p;  /* between beats */
		uint64_t limit = layout_stall_limit_ns(2, p);
		ck_assert_uint_ge(limit - gap, p + p / 2 - 1);     /* the margin */
		ck_assert_uint_le(limit, 2 * p + 1000000);         /* the goal */
		/* Any stall_periods: the margin two beats a period leave, s x P - P/2. */
		for (uint32_t sp = 1; sp <= 4; sp++)
			ck_assert_uint_ge(layout_stall_limit_ns(sp, p) - gap, sp * p - p / 2);
	}
}
END_TEST

START_TEST(publish_order_and_lookup)
{
	struct group_seg *g = group_new();
	struct param_hist h;

	ck_assert_int_eq(publish2(g, 0, 1.0, 0.0, 0), 0);
	uint32_t s1 = layout_params_snapshot(g, &h);
	ck_assert_uint_eq(s1 % 2, 0);
	ck_assert_uint_eq(h.count, 1);
	expect_at(&h, 0, 1.0, 0.0);
	expect_at(&h, 1000000, 1.0, 0.0);

	ck_assert_int_eq(publish2(g, 100, 0.5, -0.25, 0), 0);
	ck_assert_int_eq(publish2(g, 200, 0.25, 0.75, 0), 0);
	uint32_t s2 = layout_params_snapshot(g, &h);
	ck_assert_uint_eq(s2, s1 + 4); /* two publishes, +2 each */
	ck_assert_uint_eq(s2, atomic_load(&g->param_seq));
	ck_assert_uint_eq(h.count, 3);
	ck_assert_uint_eq(h.e[0].at, 0);
	ck_assert_uint_eq(h.e[1].at, 100);
	ck_assert_uint_eq(h.e[2].at, 200);
	expect_at(&h, 99, 1.0, 0.0);
	expect_at(&h, 100, 0.5, -0.25);
	expect_at(&h, 199, 0.5, -0.25);
	expect_at(&h, 200, 0.25, 0.75);
	expect_at(&h, UINT64_MAX, 0.25, 0.75);

	/* Same apply point: replaced, not appended. */
	ck_assert_int_eq(publish2(g, 200, 0.125, 0.5, 0), 0);
	layout_params_snapshot(g, &h);
	ck_assert_uint_eq(h.count, 3);
	expect_at(&h, 200, 0.125, 0.5);
	expect_at(&h, 150, 0.5, -0.25);

	/* Backwards: refused, nothing changes (not even the sequence). */
	uint32_t s3 = atomic_load(&g->param_seq);
	ck_assert_int_eq(publish2(g, 199, 9.0, 9.0, 0), -EINVAL);
	ck_assert_uint_eq(atomic_load(&g->param_seq), s3);
	layout_params_snapshot(g, &h);
	ck_assert_uint_eq(h.count, 3);
	expect_at(&h, 199, 0.5, -0.25);
	munmap(g, GROUP_SEG_BYTES);
}
END_TEST

START_TEST(drop_unneeded)
{
	struct group_seg *g = group_new();
	struct param_hist h;

	for (uint64_t at = 0; at <= 300; at += 100)
		ck_assert_int_eq(publish2(g, at, (double)at, -(double)at, 0), 0);
	/* Entry 0 (at 0) and entry 100 are covered for every seq >= 250. */
	ck_assert_int_eq(publish2(g, 400, 400.0, -400.0, 250), 0);
	layout_params_snapshot(g, &h);
	ck_assert_uint_eq(h.count, 3);
	ck_assert_uint_eq(h.e[0].at, 200);
	ck_assert_uint_eq(h.e[1].at, 300);
	ck_assert_uint_eq(h.e[2].at, 400);
	expect_at(&h, 250, 200.0, -200.0);
	expect_at(&h, 0, 200.0, -200.0); /* before the oldest: the oldest */
	for (uint32_t i = h.count; i < LAYOUT_PARAM_HIST; i++)
		ck_assert_uint_eq(h.e[i].at, 0); /* the dropped tail is cleared */

	/* oldest_needed exactly on an entry's `at`: the one before goes. */
	ck_assert_int_eq(publish2(g, 500, 500.0, -500.0, 300), 0);
	layout_params_snapshot(g, &h);
	ck_assert_uint_eq(h.count, 3);
	ck_assert_uint_eq(h.e[0].at, 300);
	/* oldest_needed before everything: nothing goes. */
	ck_assert_int_eq(publish2(g, 600, 600.0, -600.0, 0), 0);
	layout_params_snapshot(g, &h);
	ck_assert_uint_eq(h.count, 4);
	/* The newest entry is never dropped, even if all are behind. */
	ck_assert_int_eq(publish2(g, 700, 700.0, -700.0, 100000), 0);
	layout_params_snapshot(g, &h);
	ck_assert_uint_eq(h.count, 1);
	expect_at(&h, 0, 700.0, -700.0);
	munmap(g, GROUP_SEG_BYTES);
}
END_TEST

START_TEST(full_is_busy)
{
	struct group_seg *g = group_new();
	struct param_hist h;

	for (uint32_t i = 0; i < LAYOUT_PARAM_HIST; i++)
		ck_assert_int_eq(publish2(g, 10 * i, i, i, 0), 0);
	uint32_t s = atomic_load(&g->param_seq);
	ck_assert_int_eq(publish2(g, 1000, 1.0, 1.0, 0), -EBUSY);
	ck_assert_int_eq(publish2(g, 1000, 1.0, 1.0, 5), -EBUSY); /* e[1] at 10 */
	ck_assert_uint_eq(atomic_load(&g->param_seq), s);
	layout_params_snapshot(g, &h);
	ck_assert_uint_eq(h.count, LAYOUT_PARAM_HIST);
	/* Replacing the newest needs no room. */
	ck_assert_int_eq(publish2(g, 10 * (LAYOUT_PARAM_HIST - 1), 2.0, 2.0, 0), 0);
	/* Once replicas moved past e[1], e[0] goes and there is room. */
	ck_assert_int_eq(publish2(g, 1000, 1.0, 1.0, 10), 0);
	layout_params_snapshot(g, &h);
	ck_assert_uint_eq(h.count, LAYOUT_PARAM_HIST);
	ck_assert_uint_eq(h.e[0].at, 10);
	expect_at(&h, 999, 2.0, 2.0);
	expect_at(&h, 1000, 1.0, 1.0);
	munmap(g, GROUP_SEG_BYTES);
}
END_TEST

/*
 * Memory whose object of `size` bytes ends exactly at a page boundary,
 * followed by 1 MiB of PROT_NONE: any read past the object faults.
 */
static void *guarded(size_t size, void **map, size_t *maplen)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t guard = 1u << 20;
	size_t rw = (size + pg - 1) / pg * pg;

	*maplen = rw + guard;
	*map = mmap(NULL, *maplen, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(*map != MAP_FAILED);
	ck_assert_int_eq(mprotect(*map, rw, PROT_READ | PROT_WRITE), 0);
	return (unsigned char *)*map + rw - size;
}

START_TEST(corrupt_count_stays_in_bounds)
{
	void *map;
	size_t maplen;
	struct group_seg *g = guarded(sizeof *g, &map, &maplen);
	struct param_hist out;
	double gain, pan;

	memset(g, 0, sizeof *g);
	for (uint32_t i = 0; i < 3; i++)
		ck_assert_int_eq(publish2(g, i, 1.0 + i, -1.0 - i, 0), 0);

	g->params.count = 9999;
	uint32_t s = layout_params_snapshot(g, &out);
	ck_assert_uint_eq(s % 2, 0);
	ck_assert_uint_eq(out.count, LAYOUT_PARAM_HIST);
	at2(&out, UINT64_MAX, &gain, &pan); /* the last of 16: zeroed entry */
	ck_assert(gain == 0.0 && pan == 0.0);

	/* Lookup straight on the (corrupt) shared history, at the guard page. */
	at2(&g->params, UINT64_MAX, &gain, &pan);
	at2(&g->params, 1, &gain, &pan);
	g->params.count = UINT32_MAX;
	at2(&g->params, UINT64_MAX, &gain, &pan);
	layout_params_snapshot(g, &out);
	ck_assert_uint_eq(out.count, LAYOUT_PARAM_HIST);

	g->params.count = 0;
	layout_params_snapshot(g, &out);
	ck_assert_uint_eq(out.count, 1);
	at2(&g->params, 5, &gain, &pan);
	ck_assert(gain == 1.0 && pan == -1.0);

	/* The writer refuses to build on a corrupt history. */
	g->params.count = 9999;
	ck_assert_int_eq(publish2(g, 10, 1.0, 1.0, 0), -EPROTO);

	/* A writer that died mid-write: readers give up instead of spinning. */
	atomic_store(&g->param_seq, 7);
	memset(&out, 0xee, sizeof out);
	ck_assert_uint_eq(layout_params_snapshot(g, &out) % 2, 1);
	ck_assert_uint_eq(out.count, 0xeeeeeeeeu); /* left as it was */
	munmap(map, maplen);
}
END_TEST

/* Writer's k-th change: apply at k, gain k, pan a different function of k. */
#define STRESS_MIN     20000u
#define STRESS_MAX     100000000u
#define STRESS_KEEP    5u

static double pan_of(uint64_t at)
{
	return (double)at * 0.5 + 3.0;
}

/*
 * Every snapshot must be one state the writer produced, whole. Returns 0 or
 * the number of the failed check (plain ifs: ck_assert costs a write each).
 */
static int consistent(const struct param_hist *h, uint32_t seq)
{
	if (seq % 2 != 0)
		return 1;
	if (h->count < 1 || h->count > STRESS_KEEP + 1)
		return 2;
	for (uint32_t i = 0; i < h->count; i++) {
		const struct param_entry *e = &h->e[i];
		if (e->v[0] != (double)e->at || e->v[1] != pan_of(e->at))
			return 3; /* torn entry */
		if (i > 0 && e->at != h->e[i - 1].at + 1)
			return 4; /* entries from two different states */
	}
	for (uint32_t i = h->count; i < LAYOUT_PARAM_HIST; i++)
		if (h->e[i].at != 0 || h->e[i].v[0] != 0.0)
			return 5; /* stale tail */
	/* The newest entry is change number seq/2 - 1 (at counts from 0). */
	if (h->e[h->count - 1].at != seq / 2 - 1)
		return 6;
	double gain, pan;
	at2(h, h->e[h->count - 1].at, &gain, &pan);
	if (gain != (double)h->e[h->count - 1].at)
		return 7;
	return 0;
}

START_TEST(cross_process_seqlock)
{
	struct group_seg *g = group_new();
	/* Test-only flags in the unused tail of the page: go, stop, done, last k. */
	_Atomic uint32_t *flags = (_Atomic uint32_t *)((unsigned char *)g + GROUP_SEG_BYTES - 64);
	struct param_hist h;
	int status;

	ck_assert_uint_ge(GROUP_SEG_BYTES - 64, sizeof *g);
	ck_assert_int_eq(publish2(g, 0, 0.0, pan_of(0), 0), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		uint32_t k = 1;

		while (atomic_load_explicit(&flags[0], memory_order_acquire) == 0)
			;
		/* Publish until the reader has seen enough, at least STRESS_MIN. */
		for (; k < STRESS_MIN || (k < STRESS_MAX && atomic_load_explicit(
		                                  &flags[1], memory_order_relaxed) == 0);
		     k++)
			if (publish2(g, k, (double)k, pan_of(k),
			                          k >= STRESS_KEEP ? k - STRESS_KEEP : 0) != 0)
				_exit(1);
		atomic_store_explicit(&flags[3], k - 1, memory_order_relaxed);
		atomic_store_explicit(&flags[2], 1, memory_order_release);
		_exit(0);
	}
	uint32_t last = layout_params_snapshot(g, &h), distinct = 1;
	unsigned long snaps = 1, gaveup = 0;
	uint64_t t0 = clock_now_ns();
	ck_assert_int_eq(consistent(&h, last), 0);
	atomic_store_explicit(&flags[0], 1, memory_order_release);
	for (;;) {
		int done = atomic_load_explicit(&flags[2], memory_order_acquire) != 0;
		struct param_hist prev = h;
		uint32_t s = layout_params_snapshot(g, &h);
		int bad = 0;

		if (s % 2 != 0) {
			/* Gave up on a writer that stayed mid-write: h is unusable,
			 * and a caller keeps its previous snapshot, as we do. */
			gaveup++;
			h = prev;
			s = last;
		} else {
			bad = consistent(&h, s);
		}
		if (bad != 0 || s < last) { /* inconsistent, or back in time */
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			ck_abort_msg("snapshot %lu: check %d failed (seq %u, last %u, count %u)",
			             snaps, bad, s, last, h.count);
		}
		distinct += s != last;
		last = s;
		snaps++;
		if ((distinct >= 2000 && snaps >= 1000000) || clock_now_ns() - t0 > 3 * NSEC_PER_SEC)
			atomic_store_explicit(&flags[1], 1, memory_order_relaxed);
		if (done && s == 2 * (atomic_load_explicit(&flags[3], memory_order_relaxed) + 1))
			break; /* a whole snapshot taken after the last publish */
		if (done && clock_now_ns() - t0 > 20 * NSEC_PER_SEC)
			ck_abort_msg("no complete snapshot after the writer finished");
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_ge(distinct, 2);
	fprintf(stderr,
	        "layout seqlock: %u changes, %lu snapshots, %u distinct states, %lu gave up\n",
	        atomic_load(&flags[3]), snaps, distinct, gaveup);
	munmap(g, GROUP_SEG_BYTES);
}
END_TEST

static struct replica_seg *replica_new(size_t size, const char *group, uint32_t index)
{
	struct replica_seg *r = calloc(1, REPLICA_RING_OFFSET);

	ck_assert_ptr_nonnull(r);
	r->hdr.magic = REPLICA_MAGIC;
	r->hdr.version = LAYOUT_VERSION;
	r->hdr.size = size;
	r->hdr.kind = SHM_KIND_REPLICA;
	r->hdr.index = index;
	strcpy(r->hdr.group, group);
	return r;
}

START_TEST(replica_sane)
{
	const size_t size = 65536;
	struct replica_seg *r = replica_new(size, "main", 1);

	ck_assert_int_eq(layout_replica_sane(r, 1, "main", size), 0);
	ck_assert_int_eq(layout_replica_sane(r, 2, "main", size), -EPROTO);
	ck_assert_int_eq(layout_replica_sane(r, 1, "mai", size), -EPROTO);
	ck_assert_int_eq(layout_replica_sane(r, 1, "main2", size), -EPROTO);
	ck_assert_int_eq(layout_replica_sane(r, 1, NULL, size), -EPROTO);
	ck_assert_int_eq(layout_replica_sane(r, 1, "main", size + 64), -EPROTO);
	r->hdr.magic = GROUP_MAGIC;
	ck_assert_int_eq(layout_replica_sane(r, 1, "main", size), -EPROTO);
	r->hdr.magic = REPLICA_MAGIC;
	r->hdr.version = LAYOUT_VERSION + 1;
	ck_assert_int_eq(layout_replica_sane(r, 1, "main", size), -EPROTO);
	r->hdr.version = LAYOUT_VERSION;
	r->hdr.kind = SHM_KIND_GROUP;
	ck_assert_int_eq(layout_replica_sane(r, 1, "main", size), -EPROTO);
	r->hdr.kind = SHM_KIND_REPLICA;
	ck_assert_int_eq(layout_replica_sane(r, 1, "main", size), 0);
	/* A group field with no terminator (a hostile replica) is refused. */
	memset(r->hdr.group, 'm', sizeof r->hdr.group);
	ck_assert_int_eq(layout_replica_sane(r, 1, "main", size), -EPROTO);
	free(r);
}
END_TEST

/* A good geometry: 48 kHz stereo, 256 frames, lead 2 of 8 slots, 2 replicas. */
static void group_geometry_good(struct group_seg *g)
{
	g->sample_rate = 48000;
	g->channels = 2;
	g->frames = 256;
	g->lead = 2;
	g->ring_capacity = 8;
	g->replicas = 2;
	g->period_ns = clock_period_ns(48000, 256);
	g->preroll_blocks = 188;
	g->preroll_align = 256;
}

/* Set one field of a good geometry to `bad`; the check must refuse it. */
#define EXPECT_GROUP_BAD(field, bad)                                              \
	do {                                                                      \
		group_geometry_good(g);                                           \
		g->field = (bad);                                                 \
		ck_assert_msg(layout_group_sane(g, &geo) == -EPROTO, "%s = %llu", \
		              #field, (unsigned long long)(bad));                 \
	} while (0)

START_TEST(group_sane)
{
	struct group_seg *g = group_new();
	struct layout_geometry geo;

	group_geometry_good(g);
	ck_assert_int_eq(layout_group_sane(g, &geo), 0);
	ck_assert_uint_eq(geo.sample_rate, 48000);
	ck_assert_uint_eq(geo.channels, 2);
	ck_assert_uint_eq(geo.frames, 256);
	ck_assert_uint_eq(geo.lead, 2);
	ck_assert_uint_eq(geo.ring_capacity, 8);
	ck_assert_uint_eq(geo.replicas, 2);
	ck_assert_uint_eq(geo.period_ns, clock_period_ns(48000, 256));
	ck_assert_uint_eq(geo.block_bytes, 256 * 2 * sizeof(float));

	/* The limits themselves are good. */
	g->sample_rate = LAYOUT_MAX_RATE;
	g->channels = LAYOUT_MAX_CHANNELS;
	g->frames = LAYOUT_MAX_FRAMES;
	g->replicas = LAYOUT_MAX_REPLICAS;
	g->period_ns = NSEC_PER_SEC;
	g->lead = RING_MAX_CAPACITY - 1;
	g->ring_capacity = RING_MAX_CAPACITY;
	ck_assert_int_eq(layout_group_sane(g, &geo), 0);
	group_geometry_good(g);
	g->sample_rate = 1;
	g->channels = 1;
	g->frames = LAYOUT_MIN_FRAMES;
	g->replicas = 1;
	g->period_ns = 1;
	g->lead = 1;
	g->ring_capacity = 2;
	ck_assert_int_eq(layout_group_sane(g, &geo), 0);

	EXPECT_GROUP_BAD(sample_rate, 0);
	EXPECT_GROUP_BAD(sample_rate, LAYOUT_MAX_RATE + 1);
	EXPECT_GROUP_BAD(channels, 0);
	EXPECT_GROUP_BAD(channels, LAYOUT_MAX_CHANNELS + 1);
	EXPECT_GROUP_BAD(frames, LAYOUT_MIN_FRAMES - 1);
	EXPECT_GROUP_BAD(frames, LAYOUT_MAX_FRAMES + 1);
	EXPECT_GROUP_BAD(replicas, 0);
	EXPECT_GROUP_BAD(replicas, LAYOUT_MAX_REPLICAS + 1);
	EXPECT_GROUP_BAD(period_ns, 0);
	EXPECT_GROUP_BAD(period_ns, NSEC_PER_SEC + 1);
	EXPECT_GROUP_BAD(lead, 0);
	EXPECT_GROUP_BAD(lead, 8);               /* lead must leave a slot free */
	EXPECT_GROUP_BAD(ring_capacity, 2);      /* <= lead */
	EXPECT_GROUP_BAD(ring_capacity, 12);     /* not a power of two */
	EXPECT_GROUP_BAD(ring_capacity, RING_MAX_CAPACITY * 2);
	EXPECT_GROUP_BAD(preroll_blocks, LAYOUT_MAX_PREROLL + 1);
	EXPECT_GROUP_BAD(preroll_align, LAYOUT_MAX_PREROLL + 1);
	group_geometry_good(g);
	g->preroll_blocks = LAYOUT_MAX_PREROLL;
	g->preroll_align = LAYOUT_MAX_PREROLL;
	ck_assert_int_eq(layout_group_sane(g, &geo), 0);
	ck_assert_uint_eq(geo.preroll_align, LAYOUT_MAX_PREROLL);
	munmap(g, GROUP_SEG_BYTES);
}
END_TEST

Suite *layout_suite(void)
{
	Suite *s = suite_create("layout");
	TCase *tc = tcase_create("params");
	TCase *tx = tcase_create("concurrent");

	tcase_add_test(tc, replica_bytes);
	tcase_add_test(tc, heartbeat_contract);
	tcase_add_test(tc, publish_order_and_lookup);
	tcase_add_test(tc, drop_unneeded);
	tcase_add_test(tc, full_is_busy);
	tcase_add_test(tc, corrupt_count_stays_in_bounds);
	tcase_add_test(tc, replica_sane);
	tcase_add_test(tc, group_sane);
	tcase_set_timeout(tx, 60);
	tcase_add_test(tx, cross_process_seqlock);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tx);
	return s;
}
