/*
 * check_guard.c - guard_suite: the SIGBUS guard of daemon/guard.c.
 *
 * What it proves, on real POSIX shared memory truncated under a live mapping:
 * reads and writes past the new end of a watched mapping neither crash nor
 * leave the mapping (they see zeros), the pages before it keep the segment's
 * data, the hit flag and fault count say so; guard_remap() after the size is
 * restored makes the mapping shared with the segment again; a reader thread
 * copying the mapping in a loop survives the segment shrinking and growing
 * under it many times; and a bus error the guard does not own still kills
 * (an unwatched mapping, a SIGBUS sent with kill()) or reaches the handler
 * installed before guard_init().
 *
 * What it does not do: test the daemon's reaction (fencing, restoring the
 * segment): tests/integration/chaos.sh does that end to end.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard.h"
#include "suites.h"

#define PAGES 8

static size_t page(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* A fresh, already unlinked shm object of `pages` pages, mapped shared; *fd gets it. */
static unsigned char *seg_new(int *fd, size_t pages)
{
	char name[64];

	snprintf(name, sizeof name, "/rtaudio-check-guard-%d", (int)getpid());
	*fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(*fd, 0);
	shm_unlink(name);
	ck_assert_int_eq(ftruncate(*fd, (off_t)(pages * page())), 0);
	void *p = mmap(NULL, pages * page(), PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	ck_assert(p != MAP_FAILED);
	return p;
}

START_TEST(test_shrink_reads_zeros)
{
	int fd;
	unsigned char *m = seg_new(&fd, PAGES);
	const size_t pg = page();

	memset(m, 0xab, PAGES * pg);
	ck_assert_int_eq(guard_init(), 0);
	ck_assert_int_eq(guard_init(), 0); /* idempotent */
	ck_assert_int_eq(guard_watch(3, m, PAGES * pg), 0);
	ck_assert(!guard_hit(3));
	uint64_t before = guard_faults();

	ck_assert_int_eq(ftruncate(fd, (off_t)(2 * pg)), 0); /* the peer shrinks it */
	ck_assert_uint_eq(m[0], 0xab);                       /* still the segment */
	ck_assert_uint_eq(m[2 * pg - 1], 0xab);
	ck_assert_uint_eq(((volatile unsigned char *)m)[2 * pg + 7], 0); /* would be SIGBUS */
	ck_assert(guard_hit(3));
	ck_assert_uint_eq(guard_faults(), before + 1);
	ck_assert_uint_eq(m[5 * pg], 0);           /* the whole tail was patched at once */
	m[PAGES * pg - 1] = 1;                     /* writes too */
	ck_assert_uint_eq(guard_faults(), before + 1);
	ck_assert_uint_eq(m[2 * pg - 1], 0xab);    /* and nothing before the fault */
	ck_assert(!guard_hit(2));

	/* Restore: the owner grows the file back, the guard maps it again. */
	ck_assert_int_eq(ftruncate(fd, (off_t)(PAGES * pg)), 0);
	ck_assert_int_eq(guard_remap(3, fd), 0);
	ck_assert(!guard_hit(3));
	ck_assert_uint_eq(m[0], 0xab);
	m[6 * pg] = 0x5c;
	unsigned char b = 0;
	ck_assert_int_eq(pread(fd, &b, 1, (off_t)(6 * pg)), 1);
	ck_assert_uint_eq(b, 0x5c); /* shared with the segment again */

	guard_unwatch(3);
	ck_assert_int_eq(guard_remap(3, fd), -EINVAL);
	munmap(m, PAGES * pg);
	close(fd);
}
END_TEST

START_TEST(test_watch_args)
{
	int fd;
	unsigned char *m = seg_new(&fd, 2);

	ck_assert_int_eq(guard_watch(GUARD_REGIONS, m, page()), -EINVAL);
	ck_assert_int_eq(guard_watch(0, NULL, page()), -EINVAL);
	ck_assert_int_eq(guard_watch(0, m + 1, page()), -EINVAL);
	ck_assert_int_eq(guard_watch(0, m, 0), -EINVAL);
	ck_assert(!guard_hit(GUARD_REGIONS));
	guard_unwatch(GUARD_REGIONS + 5); /* no-op */
	munmap(m, 2 * page());
	close(fd);
}
END_TEST

struct reader {
	const unsigned char *m;
	size_t len;
	_Atomic int stop;
	_Atomic uint64_t loops;
	_Atomic uint64_t sum;   /* published, so the copies cannot be optimised away */
};

static unsigned char reader_copy[PAGES * 65536];

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	while (!atomic_load(&r->stop)) {
		memcpy(reader_copy, r->m, r->len);
		uint64_t s = 0;
		for (size_t k = 0; k < r->len; k += 512)
			s += reader_copy[k];
		atomic_fetch_add(&r->sum, s);
		atomic_fetch_add(&r->loops, 1);
	}
	return NULL;
}

/* Until the reader has gone through the whole mapping at least twice more. */
static void reader_wait(struct reader *r)
{
	uint64_t from = atomic_load(&r->loops);

	while (atomic_load(&r->loops) < from + 2)
		usleep(100);
}

START_TEST(test_reader_thread_survives)
{
	int fd;
	const size_t pg = page();
	unsigned char *m = seg_new(&fd, PAGES);
	struct reader r = { .m = m, .len = PAGES * pg };
	pthread_t t;

	ck_assert_uint_le(PAGES * pg, sizeof reader_copy);
	ck_assert_int_eq(guard_init(), 0);
	ck_assert_int_eq(guard_watch(0, m, PAGES * pg), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, reader_main, &r), 0);
	for (int round = 0; round < 50; round++) {
		ck_assert_int_eq(ftruncate(fd, (off_t)((size_t)(round % PAGES) * pg)), 0);
		reader_wait(&r);
		ck_assert(guard_hit(0)); /* the reader crossed the cut */
		ck_assert_int_eq(ftruncate(fd, (off_t)(PAGES * pg)), 0);
		ck_assert_int_eq(guard_remap(0, fd), 0);
		reader_wait(&r);
	}
	atomic_store(&r.stop, 1);
	pthread_join(t, NULL);
	ck_assert_uint_gt(atomic_load(&r.loops), 0);
	ck_assert_uint_gt(guard_faults(), 0); /* the shrinks were really hit */
	munmap(m, PAGES * pg);
	close(fd);
}
END_TEST

/* Run `fn` in a child; return its wait status. */
static int in_child(void (*fn)(void))
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static void touch_unwatched(void)
{
	int wfd, ufd;
	unsigned char *w = seg_new(&wfd, 2), *u = seg_new(&ufd, 2);

	if (guard_init() != 0 || guard_watch(1, w, 2 * page()) != 0)
		_exit(103);
	if (ftruncate(wfd, 0) != 0 || ftruncate(ufd, 0) != 0)
		_exit(104);
	(void)((volatile unsigned char *)w)[page()]; /* watched: absorbed */
	if (!guard_hit(1))
		_exit(105);
	(void)((volatile unsigned char *)u)[page()]; /* not watched: must kill */
	_exit(106);
}

static void send_sigbus(void)
{
	if (guard_init() != 0)
		_exit(103);
	kill(getpid(), SIGBUS);
	_exit(106);
}

static void prev_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	_exit(si != NULL && si->si_code == BUS_ADRERR ? 42 : 43);
}

static void chain_to_previous(void)
{
	struct sigaction sa;
	int fd;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = prev_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL) != 0 || guard_init() != 0)
		_exit(103);
	unsigned char *m = seg_new(&fd, 2);
	if (ftruncate(fd, 0) != 0)
		_exit(104);
	(void)((volatile unsigned char *)m)[0];
	_exit(106);
}

/*
 * How a SIGBUS the guard does not own must end: by the signal, or, if
 * something (a sanitizer's runtime) had a SIGBUS handler before us, by
 * whatever that handler does - anything but the child carrying on (the
 * children's own exit codes, for a failed step or for surviving, are >= 100).
 */
static void expect_death(int st, const char *what)
{
	struct sigaction old;

	ck_assert_int_eq(sigaction(SIGBUS, NULL, &old), 0);
	bool dfl = (old.sa_flags & SA_SIGINFO) == 0 && old.sa_handler == SIG_DFL;
	if (dfl)
		ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS, "%s: status %#x", what, st);
	else
		ck_assert_msg(WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0 &&
		                                  WEXITSTATUS(st) < 100),
		              "%s (a previous handler): status %#x", what, st);
}

START_TEST(test_not_ours_still_kills)
{
	int st = in_child(touch_unwatched);
	expect_death(st, "unwatched fault");
	st = in_child(send_sigbus);
	expect_death(st, "kill(SIGBUS)");
	st = in_child(chain_to_previous);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 42, "chained handler: status %#x", st);
}
END_TEST

Suite *guard_suite(void)
{
	Suite *s = suite_create("guard");
	TCase *tc = tcase_create("sigbus");

	tcase_add_test(tc, test_shrink_reads_zeros);
	tcase_add_test(tc, test_watch_args);
	tcase_add_test(tc, test_reader_thread_survives);
	tcase_add_test(tc, test_not_ours_still_kills);
	suite_add_tcase(s, tc);
	return s;
}
