/*
 * check_ring.c - ring_suite: the sequence-indexed lock-free ring (lib/ring.c).
 *
 * What it proves: geometry and header validation (a bad or corrupted ring is
 * an error, never a crash; rings are placed against a PROT_NONE guard page so
 * an out-of-bounds access kills the test); wrap-around; overwrite drops the
 * oldest; empty reads; read_seq of present, future, overwritten, skipped,
 * half-written and corrupt blocks; overrun accounting with and without a
 * consumer position; readers on a PROT_READ mapping of the same shm; exact
 * lost counts when lapped.
 *
 * What it does not do: load the ring from concurrent writers and readers
 * (check_ring_stress.c), or measure speed (tests/bench/ring_bench.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ring.h"
#include "suites.h"

/* ---- helpers ------------------------------------------------------------ */

/* Declared, with its contract, in suites.h (check_ring_stress.c uses it too). */
void *check_guarded_map(size_t bytes)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t data = (bytes + pg - 1) / pg * pg;
	unsigned char *base = mmap(NULL, data + pg, PROT_READ | PROT_WRITE,
	                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert(base != MAP_FAILED);
	ck_assert_int_eq(mprotect(base + data, pg, PROT_NONE), 0);
	return base + data - bytes; /* bytes is a multiple of 64: still aligned */
}

/* A small ring of cap slots of 64-byte payloads, each block = its seq. */
static void *small_ring(struct ring *r, uint32_t cap)
{
	size_t bytes = ring_bytes(cap, 64);
	void *mem = check_guarded_map(bytes);

	ck_assert_int_eq(ring_init(r, mem, bytes, cap, 64), 0);
	return mem;
}

static bool put(struct ring *r, uint64_t v)
{
	return ring_write_overwrite(r, &v, sizeof v);
}

/* ring_read one block; return its value (== its seq) or -1 / rc. */
static int64_t get(const struct ring *r, struct ring_reader *rd)
{
	uint64_t v = 0, s = 0;
	uint32_t len = 0;
	int rc = ring_read(r, rd, &v, sizeof v, &len, &s);

	if (rc != 1)
		return rc == 0 ? -1 : rc;
	ck_assert_uint_eq(len, sizeof v);
	ck_assert_uint_eq(v, s);
	return (int64_t)s;
}

/* ---- geometry and validation --------------------------------------------- */

START_TEST(test_bytes)
{
	ck_assert_uint_eq(ring_bytes(4, 2048), 64 + 4 * (64 + 2048));
	ck_assert_uint_eq(ring_bytes(2, 1), 64 + 2 * 128);
	ck_assert_uint_eq(ring_bytes(8, 65), 64 + 8 * (64 + 128));
	ck_assert_uint_ne(ring_bytes(RING_MAX_CAPACITY, RING_MAX_PAYLOAD), 0);
	ck_assert_uint_eq(ring_bytes(0, 64), 0);
	ck_assert_uint_eq(ring_bytes(1, 64), 0);
	ck_assert_uint_eq(ring_bytes(3, 64), 0);
	ck_assert_uint_eq(ring_bytes(RING_MAX_CAPACITY * 2, 64), 0);
	ck_assert_uint_eq(ring_bytes(4, 0), 0);
	ck_assert_uint_eq(ring_bytes(4, RING_MAX_PAYLOAD + 1), 0);
}
END_TEST

START_TEST(test_init_errors)
{
	struct ring r;
	size_t bytes = ring_bytes(4, 256);
	unsigned char *mem = check_guarded_map(bytes + 64);

	ck_assert_int_eq(ring_init(&r, mem + 8, bytes, 4, 256), -EINVAL);  /* misaligned */
	ck_assert_int_eq(ring_init(&r, mem, bytes - 1, 4, 256), -EINVAL);  /* too small */
	ck_assert_int_eq(ring_init(&r, mem, bytes, 3, 256), -EINVAL);      /* not 2^n */
	ck_assert_int_eq(ring_init(&r, mem, bytes, 1, 256), -EINVAL);
	ck_assert_int_eq(ring_init(&r, mem, bytes, 4, 0), -EINVAL);
	ck_assert_int_eq(ring_init(&r, mem, bytes, 4, RING_MAX_PAYLOAD + 1), -EINVAL);
	ck_assert_int_eq(ring_init(&r, NULL, bytes, 4, 256), -EINVAL);
	ck_assert_int_eq(ring_init(&r, mem, bytes, 4, 256), 0);
	ck_assert_uint_eq(r.capacity, 4);
	ck_assert_uint_eq(r.mask, 3);
	ck_assert_uint_eq(r.slot_size, 64 + 256);
	ck_assert_uint_eq(r.max_payload, 256);
	ck_assert_uint_eq(ring_head(&r), 0);
}
END_TEST

START_TEST(test_attach_validation)
{
	struct ring w, r;
	size_t bytes = ring_bytes(8, 100);
	void *mem = check_guarded_map(bytes);
	struct ring_hdr *h = mem;

	ck_assert_int_eq(ring_init(&w, mem, bytes, 8, 100), 0);
	ck_assert_int_eq(ring_attach(&r, mem, bytes), 0);
	ck_assert_uint_eq(r.capacity, 8);
	ck_assert_uint_eq(r.slot_size, 64 + 128);
	ck_assert_uint_eq(r.max_payload, 100);
	ck_assert_int_eq(ring_attach(&r, mem, bytes - 1), -EINVAL);
	ck_assert_int_eq(ring_attach(&r, mem, 32), -EINVAL);
	ck_assert_int_eq(ring_attach(&r, (char *)mem + 8, bytes - 8), -EINVAL);

	struct ring_hdr good = *h;
#define CORRUPT(field, value, err) do { \
		*h = good; h->field = (value); \
		ck_assert_int_eq(ring_attach(&r, mem, bytes), (err)); \
	} while (0)
	CORRUPT(magic, 0x12345678u, -EPROTO);
	CORRUPT(version, RING_VERSION + 1, -EPROTO);
	CORRUPT(capacity, 6, -EINVAL);
	CORRUPT(capacity, 0, -EINVAL);
	CORRUPT(capacity, 16, -EINVAL);                /* valid, but no longer fits */
	CORRUPT(capacity, 0x80000000u, -EINVAL);
	CORRUPT(slot_size, 64 + 64, -EINVAL);
	CORRUPT(slot_size, 0xffffffc0u, -EINVAL);
	CORRUPT(max_payload, 0, -EINVAL);
	CORRUPT(max_payload, 129, -EINVAL);             /* slot_size disagrees */
	CORRUPT(max_payload, RING_MAX_PAYLOAD + 1, -EINVAL);
#undef CORRUPT
	*h = good;
	ck_assert_int_eq(ring_attach(&r, mem, bytes), 0);

	/* After attach the header is never trusted again. */
	h->capacity = RING_MAX_CAPACITY;
	h->slot_size = 64 + RING_MAX_PAYLOAD;
	h->max_payload = RING_MAX_PAYLOAD;
	for (uint64_t s = 0; s < 40; s++)
		put(&w, s);
	struct ring_reader rd = { 0 };
	ck_assert_int_eq(get(&r, &rd), 32);
	ck_assert_uint_eq(rd.lost, 32);
}
END_TEST

/* ---- single-threaded semantics ------------------------------------------- */

START_TEST(test_empty)
{
	struct ring r;
	struct ring_reader rd = { 0 };
	uint64_t v;
	uint32_t len = 7;

	small_ring(&r, 4);
	ck_assert_int_eq(get(&r, &rd), -1);
	ck_assert_int_eq(ring_read_seq(&r, 0, &v, sizeof v, &len, NULL), -EAGAIN);
	ck_assert_uint_eq(len, 7);
	ck_assert_uint_eq(rd.next, 0);
	ck_assert_uint_eq(rd.lost, 0);
}
END_TEST

START_TEST(test_wrap_around)
{
	struct ring r;
	struct ring_reader rd = { 0 };
	_Atomic uint64_t pos = 0;

	small_ring(&r, 4);
	ring_set_consumer(&r, &pos);
	for (uint64_t s = 0; s < 23; s++) {
		ck_assert(!put(&r, s));              /* the reader keeps up: no overrun */
		ck_assert_int_eq(get(&r, &rd), (int64_t)s);
		ck_assert_int_eq(get(&r, &rd), -1);
		atomic_store(&pos, rd.next);
	}
	ck_assert_uint_eq(ring_head(&r), 23);
	ck_assert_uint_eq(rd.lost, 0);
}
END_TEST

START_TEST(test_overwrite_drops_oldest)
{
	struct ring r;
	struct ring_reader rd = { 0 };
	uint64_t v = 0;
	uint32_t len = 0, ck = 1;

	small_ring(&r, 4);
	for (uint64_t s = 0; s < 6; s++)
		put(&r, s);
	/* present, overwritten, future */
	ck_assert_int_eq(ring_read_seq(&r, 2, &v, sizeof v, &len, &ck), 0);
	ck_assert_uint_eq(v, 2);
	ck_assert_uint_eq(len, 8);
	ck_assert_uint_eq(ck, 0);
	ck_assert_int_eq(ring_read_seq(&r, 5, &v, sizeof v, &len, NULL), 0);
	ck_assert_uint_eq(v, 5);
	ck_assert_int_eq(ring_read_seq(&r, 0, &v, sizeof v, &len, NULL), -ENODATA);
	ck_assert_int_eq(ring_read_seq(&r, 1, &v, sizeof v, &len, NULL), -ENODATA);
	ck_assert_int_eq(ring_read_seq(&r, 6, &v, sizeof v, &len, NULL), -EAGAIN);
	ck_assert_int_eq(ring_read_seq(&r, 1000, &v, sizeof v, &len, NULL), -EAGAIN);
	ck_assert_int_eq(ring_read_seq(&r, UINT64_MAX, &v, sizeof v, &len, NULL), -EINVAL);
	ck_assert_int_eq(ring_read_seq(&r, 3, &v, 4, &len, NULL), -ENOBUFS);
	/* in order: the two oldest are gone */
	for (int64_t s = 2; s < 6; s++)
		ck_assert_int_eq(get(&r, &rd), s);
	ck_assert_int_eq(get(&r, &rd), -1);
	ck_assert_uint_eq(rd.lost, 2);
}
END_TEST

/* ring_peek_seq: the header of block seq under the seqlock, no payload. */
START_TEST(test_peek)
{
	struct ring r;
	uint32_t len = 0, ck = 0;

	small_ring(&r, 4);
	ck_assert_int_eq(ring_peek_seq(&r, 0, &len, &ck), -EAGAIN);
	for (uint64_t s = 0; s < 6; s++) {
		void *p = ring_write_begin(&r, s);
		ck_assert_ptr_nonnull(p);
		memcpy(p, &s, sizeof s);
		ring_write_commit(&r, s, sizeof s, 100 + (uint32_t)s);
	}
	ck_assert_int_eq(ring_peek_seq(&r, 4, &len, &ck), 0);
	ck_assert_uint_eq(len, 8);
	ck_assert_uint_eq(ck, 104);
	ck_assert_int_eq(ring_peek_seq(&r, 1, &len, &ck), -ENODATA);
	ck_assert_int_eq(ring_peek_seq(&r, 6, &len, &ck), -EAGAIN);
	ck_assert_int_eq(ring_peek_seq(&r, UINT64_MAX, &len, &ck), -EINVAL);
	/* Mid-write: not there. */
	ck_assert_ptr_nonnull(ring_write_begin(&r, 6));
	ck_assert_int_eq(ring_peek_seq(&r, 6, &len, &ck), -EAGAIN);
	ck_assert_int_eq(ring_peek_seq(&r, 2, &len, &ck), -ENODATA);
}
END_TEST

START_TEST(test_lapping_counts_lost)
{
	struct ring r;
	struct ring_reader rd = { 0 };
	uint64_t expect_lost = 0, expect = 0;

	small_ring(&r, 8);
	for (uint64_t round = 1; round <= 20; round++) {
		uint64_t n = (round * 7) % 29;       /* sometimes < capacity, often more */
		uint64_t head = ring_head(&r);
		for (uint64_t i = 0; i < n; i++)
			put(&r, head + i);
		head += n;
		uint64_t first = head > expect + 8 ? head - 8 : expect;
		expect_lost += first - expect;
		for (uint64_t s = first; s < head; s++)
			ck_assert_int_eq(get(&r, &rd), (int64_t)s);
		ck_assert_int_eq(get(&r, &rd), -1);
		ck_assert_uint_eq(rd.lost, expect_lost);
		expect = head;
	}
	ck_assert_uint_gt(expect_lost, 0);
}
END_TEST

START_TEST(test_half_written_and_skipped)
{
	struct ring r;
	struct ring_reader rd = { 0 };
	uint64_t v;
	uint32_t len;

	small_ring(&r, 4);
	for (uint64_t s = 0; s < 4; s++)
		put(&r, s);
	/* Block 4 opened, not committed: it is not there, and block 0 is gone. */
	uint64_t *p = ring_write_begin(&r, 4);
	ck_assert_ptr_nonnull(p);
	*p = 4;
	ck_assert_int_eq(ring_read_seq(&r, 4, &v, sizeof v, &len, NULL), -EAGAIN);
	ck_assert_int_eq(ring_read_seq(&r, 0, &v, sizeof v, &len, NULL), -ENODATA);
	ck_assert(!ring_write_commit(&r, 5, 8, 0));     /* not the open seq: ignored */
	ck_assert_uint_eq(ring_head(&r), 4);
	ck_assert(ring_write_commit(&r, 4, 8, 0));      /* displaced unread block 0 */
	ck_assert_uint_eq(ring_head(&r), 5);

	/* Skip 5 and 6: readers see them as gone, ring_read counts the gap. */
	p = ring_write_begin(&r, 7);
	*p = 7;
	ring_write_commit(&r, 7, 8, 0);
	ck_assert_ptr_null(ring_write_begin(&r, 6));    /* behind the head */
	ck_assert_ptr_null(ring_write_begin(&r, UINT64_MAX / 2));
	ck_assert_int_eq(ring_read_seq(&r, 5, &v, sizeof v, &len, NULL), -ENODATA);
	ck_assert_int_eq(ring_read_seq(&r, 6, &v, sizeof v, &len, NULL), -ENODATA);
	rd.next = 4;
	ck_assert_int_eq(get(&r, &rd), 4);
	ck_assert_int_eq(get(&r, &rd), 7);
	ck_assert_int_eq(get(&r, &rd), -1);
	ck_assert_uint_eq(rd.lost, 2);

	/* A long skipped run is crossed in one call. */
	small_ring(&r, 1024);
	rd = (struct ring_reader){ 0 };
	put(&r, 0);
	p = ring_write_begin(&r, 900);
	*p = 900;
	ring_write_commit(&r, 900, 8, 0);
	ck_assert_int_eq(get(&r, &rd), 0);
	ck_assert_int_eq(get(&r, &rd), 900);
	ck_assert_uint_eq(rd.lost, 899);
}
END_TEST

START_TEST(test_corrupt_slot)
{
	struct ring r;
	struct ring_reader rd = { 0 };
	uint64_t v;
	uint32_t len;
	unsigned char *mem = small_ring(&r, 4);

	for (uint64_t s = 0; s < 3; s++)
		put(&r, s);
	struct ring_slot *sl = (struct ring_slot *)(mem + 64 + 1 * r.slot_size);
	sl->len = 65;
	ck_assert_int_eq(ring_read_seq(&r, 1, &v, sizeof v, &len, NULL), -EBADMSG);
	sl->len = UINT32_MAX;
	ck_assert_int_eq(ring_read_seq(&r, 1, &v, sizeof v, &len, NULL), -EBADMSG);
	ck_assert_int_eq(get(&r, &rd), 0);
	ck_assert_int_eq(get(&r, &rd), -EBADMSG);      /* reported once, skipped */
	ck_assert_int_eq(get(&r, &rd), 2);
	ck_assert_uint_eq(rd.lost, 1);

	/* An impossible head must not send a reader anywhere. */
	struct ring_hdr *h = (struct ring_hdr *)mem;
	atomic_store(&h->head, UINT64_MAX);
	rd = (struct ring_reader){ 0 };
	ck_assert_int_eq(get(&r, &rd), -EBADMSG);
	ck_assert_int_eq(get(&r, &rd), -EBADMSG);       /* stays an error, no crash */
	ck_assert_int_eq(ring_read_seq(&r, 0, &v, sizeof v, &len, NULL), 0);
	ck_assert_uint_eq(v, 0);                       /* block 0 itself is intact */
	ck_assert(!put(&r, 99));                       /* refused, no crash */
}
END_TEST

/* Random garbage everywhere after attach: only errors or sane lengths. */
START_TEST(test_garbage_ring)
{
	struct ring r;
	size_t bytes = ring_bytes(16, 200);
	unsigned char *mem = check_guarded_map(bytes);
	uint64_t x = 0x9e3779b97f4a7c15u;
	unsigned char out[256];

	ck_assert_int_eq(ring_init(&r, mem, bytes, 16, 200), 0);
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < bytes; i += 4) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			memcpy(mem + i, &x, 4);
		}
		/* Make some stamps match, with random lengths, so copies happen. */
		for (uint32_t i = 0; i < 16; i++) {
			struct ring_slot *sl = (struct ring_slot *)(mem + 64 + i * r.slot_size);
			if (i % 2 == 0)
				atomic_store(&sl->stamp, 2 * (uint64_t)(round * 16 + i) + 2);
			if (i % 4 == 0)
				sl->len = (uint32_t)(x % 256);
		}
		for (uint64_t s = 0; s < 64; s++) {
			uint32_t len = 0;
			int rc = ring_read_seq(&r, (uint64_t)round * 16 + s % 16, out, sizeof out, &len, NULL);
			ck_assert(rc == 0 || rc == -EAGAIN || rc == -ENODATA || rc == -EBADMSG);
			if (rc == 0)
				ck_assert_uint_le(len, 200);
		}
		struct ring_reader rd = { .next = (uint64_t)round * 16 };
		for (int i = 0; i < 40; i++) {
			int rc = ring_read(&r, &rd, out, 100, NULL, NULL);
			ck_assert(rc == 1 || rc == 0 || rc == -EBADMSG || rc == -ENOBUFS);
		}
	}
}
END_TEST

START_TEST(test_overrun_accounting)
{
	struct ring r;
	_Atomic uint64_t consumer = 0;

	/* No consumer position: any overwrite of a complete block is an overrun. */
	small_ring(&r, 4);
	for (uint64_t s = 0; s < 4; s++)
		ck_assert(!put(&r, s));
	ck_assert(put(&r, 4));
	ck_assert(put(&r, 5));

	/* With one: only blocks at or after the consumer's position count. */
	small_ring(&r, 4);
	ring_set_consumer(&r, &consumer);
	for (uint64_t s = 0; s < 4; s++)
		ck_assert(!put(&r, s));
	ck_assert(put(&r, 4));                 /* block 0 unread (consumer at 0) */
	atomic_store(&consumer, 2);
	ck_assert(!put(&r, 5));                /* block 1 was read */
	ck_assert(put(&r, 6));                 /* block 2 was not */
	atomic_store(&consumer, 7);
	ck_assert(!put(&r, 7));
	ck_assert(!put(&r, 8));
	void *p = ring_write_begin(&r, 9);     /* zero-copy path, same rule */
	ck_assert_ptr_nonnull(p);
	ck_assert(!ring_write_commit(&r, 9, 0, 0));
	ring_set_consumer(&r, NULL);
	ck_assert(put(&r, 10));
}
END_TEST

/* ---- read-only mapping ---------------------------------------------------- */

START_TEST(test_readonly_mapping)
{
	char name[64];
	snprintf(name, sizeof name, "/rtaudio-check-ring-%ld", (long)getpid());
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		printf("SKIP: shm_open: %s\n", strerror(errno));
		return;
	}
	shm_unlink(name);
	size_t bytes = ring_bytes(4, 64);
	ck_assert_int_eq(ftruncate(fd, (off_t)bytes), 0);
	void *rw = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	const void *ro = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert(rw != MAP_FAILED && ro != MAP_FAILED);
	close(fd);

	struct ring w, r;
	ck_assert_int_eq(ring_init(&w, rw, bytes, 4, 64), 0);
	ck_assert_int_eq(ring_attach(&r, (void *)ro, bytes), 0);
	struct ring_reader rd = { 0 };
	uint64_t v;
	uint32_t len;

	/* Any store through `ro` would be a SIGSEGV, failing this test. */
	ck_assert_int_eq(get(&r, &rd), -1);
	ck_assert_int_eq(ring_read_seq(&r, 0, &v, sizeof v, &len, NULL), -EAGAIN);
	for (uint64_t s = 0; s < 10; s++)
		put(&w, s);
	ck_assert_uint_eq(ring_head(&r), 10);
	ck_assert_int_eq(ring_read_seq(&r, 9, &v, sizeof v, &len, NULL), 0);
	ck_assert_uint_eq(v, 9);
	ck_assert_int_eq(ring_read_seq(&r, 5, &v, sizeof v, &len, NULL), -ENODATA);
	for (int64_t s = 6; s < 10; s++)
		ck_assert_int_eq(get(&r, &rd), s);
	ck_assert_uint_eq(rd.lost, 6);

	/* A forked reader holding only the read-only mapping follows as well. */
	munmap(rw, bytes);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct ring rc;
		struct ring_reader crd = { 0 };
		uint64_t cv;
		if (ring_attach(&rc, (void *)ro, bytes) != 0 ||
		    ring_read(&rc, &crd, &cv, sizeof cv, NULL, NULL) != 1 || cv != 6)
			_exit(1);
		_exit(0);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

Suite *ring_suite(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("basic");

	tcase_add_test(tc, test_bytes);
	tcase_add_test(tc, test_init_errors);
	tcase_add_test(tc, test_attach_validation);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_wrap_around);
	tcase_add_test(tc, test_overwrite_drops_oldest);
	tcase_add_test(tc, test_peek);
	tcase_add_test(tc, test_lapping_counts_lost);
	tcase_add_test(tc, test_half_written_and_skipped);
	tcase_add_test(tc, test_corrupt_slot);
	tcase_add_test(tc, test_garbage_ring);
	tcase_add_test(tc, test_overrun_accounting);
	tcase_add_test(tc, test_readonly_mapping);
	suite_add_tcase(s, tc);
	return s;
}
