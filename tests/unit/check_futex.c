/*
 * check_futex.c - futex_suite: cross-process wait and wake.
 *
 * What it proves: a waiter in ANOTHER process, sleeping on a word in a
 * MAP_SHARED mapping, is woken by futex_wake (long before its timeout, and
 * the wake reports it woke it), which a process-private futex would fail;
 * a wait times out on time with -ETIMEDOUT; a word that already differs gives
 * -EAGAIN at once; wake-all wakes every waiter.
 *
 * What it does not do: measure wake-up latency (bounds are generous sanity
 * checks only).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "futex.h"
#include "suites.h"

/* Shared between the test and its children. */
struct shared {
	_Atomic uint32_t word;
	_Atomic uint32_t ready;
	_Atomic int32_t rc[4];
	_Atomic uint64_t elapsed_ns[4];
};

static struct shared *shared_map(void)
{
	void *p = mmap(NULL, sizeof(struct shared), PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ck_assert(p != MAP_FAILED);
	return p;
}

/* Child `i`: one futex_wait on sh->word == 0, result into sh. */
static pid_t spawn_waiter(struct shared *sh, int i, int64_t timeout_ns)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		atomic_fetch_add_explicit(&sh->ready, 1, memory_order_release);
		uint64_t t0 = clock_now_ns();
		int rc = futex_wait(&sh->word, 0, timeout_ns);
		atomic_store(&sh->elapsed_ns[i], clock_now_ns() - t0);
		atomic_store(&sh->rc[i], rc);
		_exit(0);
	}
	return pid;
}

/*
 * Wait until `pid` is asleep (Linux: state S in /proc, which after "ready"
 * can only be the futex wait); elsewhere give it time to get there.
 */
static void wait_asleep(pid_t pid)
{
#ifdef __linux__
	char path[64], buf[512];

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	for (int i = 0; i < 5000; i++) {
		FILE *f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		char *p = strrchr(buf, ')');
		if (p != NULL && p[1] == ' ' && p[2] == 'S')
			return;
		usleep(1000);
	}
	ck_abort_msg("child %ld never went to sleep", (long)pid);
#else
	(void)pid;
	usleep(200000);
#endif
}

static void reap(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * futex_wake's count must show it reached the other processes' waiters (on
 * Linux; macOS cannot count). If not, kill them rather than wait out their
 * timeouts, and fail.
 */
static void expect_woken(int n, int want, const pid_t *pids, int npids)
{
#ifdef __linux__
	if (n != want) {
		for (int i = 0; i < npids; i++) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
		ck_abort_msg("futex_wake woke %d waiters in other processes, want %d", n, want);
	}
#else
	(void)want;
	(void)pids;
	(void)npids;
	ck_assert_int_ge(n, 0);
#endif
}

START_TEST(wake_other_process)
{
	struct shared *sh = shared_map();
	pid_t pid = spawn_waiter(sh, 0, 30 * (int64_t)NSEC_PER_SEC);

	while (atomic_load_explicit(&sh->ready, memory_order_acquire) == 0)
		usleep(1000);
	wait_asleep(pid);
	atomic_store_explicit(&sh->word, 1, memory_order_release);
	int n = futex_wake(&sh->word, 1);
	expect_woken(n, 1, &pid, 1);
	reap(pid);
	ck_assert_int_eq(atomic_load(&sh->rc[0]), 0);
	ck_assert_uint_lt(atomic_load(&sh->elapsed_ns[0]), 10 * NSEC_PER_SEC);
	munmap(sh, sizeof *sh);
}
END_TEST

START_TEST(wake_all)
{
	struct shared *sh = shared_map();
	pid_t pids[3];

	for (int i = 0; i < 3; i++)
		pids[i] = spawn_waiter(sh, i, 30 * (int64_t)NSEC_PER_SEC);
	while (atomic_load_explicit(&sh->ready, memory_order_acquire) < 3)
		usleep(1000);
	for (int i = 0; i < 3; i++)
		wait_asleep(pids[i]);
	atomic_store_explicit(&sh->word, 1, memory_order_release);
	int n = futex_wake(&sh->word, -1);
	expect_woken(n, 3, pids, 3);
	for (int i = 0; i < 3; i++)
		reap(pids[i]);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(atomic_load(&sh->rc[i]), 0);
		ck_assert_uint_lt(atomic_load(&sh->elapsed_ns[i]), 10 * NSEC_PER_SEC);
	}
	ck_assert_int_eq(futex_wake(&sh->word, -1), 0); /* nobody left */
	munmap(sh, sizeof *sh);
}
END_TEST

START_TEST(timeout_on_time)
{
	struct shared *sh = shared_map();
	const uint64_t timeout = 200 * NSEC_PER_MSEC;
	pid_t pid = spawn_waiter(sh, 0, (int64_t)timeout);

	reap(pid);
	ck_assert_int_eq(atomic_load(&sh->rc[0]), -ETIMEDOUT);
	uint64_t el = atomic_load(&sh->elapsed_ns[0]);
	ck_assert_uint_ge(el, timeout - NSEC_PER_MSEC); /* never (meaningfully) early */
	ck_assert_uint_lt(el, timeout + 3 * NSEC_PER_SEC);

	/* Same in this process, and a zero timeout does not block. */
	uint64_t t0 = clock_now_ns();
	ck_assert_int_eq(futex_wait(&sh->word, 0, 50 * (int64_t)NSEC_PER_MSEC), -ETIMEDOUT);
	ck_assert_uint_ge(clock_now_ns() - t0, 49 * NSEC_PER_MSEC);
	t0 = clock_now_ns();
	ck_assert_int_eq(futex_wait(&sh->word, 0, 0), -ETIMEDOUT);
	ck_assert_uint_lt(clock_now_ns() - t0, NSEC_PER_SEC);
	munmap(sh, sizeof *sh);
}
END_TEST

START_TEST(value_differs)
{
	struct shared *sh = shared_map();

	atomic_store(&sh->word, 5);
	uint64_t t0 = clock_now_ns();
	ck_assert_int_eq(futex_wait(&sh->word, 4, 10 * (int64_t)NSEC_PER_SEC), -EAGAIN);
	ck_assert_int_eq(futex_wait(&sh->word, 4, -1), -EAGAIN);
	ck_assert_uint_lt(clock_now_ns() - t0, NSEC_PER_SEC);
	ck_assert_int_eq(futex_wake(&sh->word, 1), 0);
	munmap(sh, sizeof *sh);
}
END_TEST

static void on_usr1(int sig)
{
	(void)sig;
}

START_TEST(interrupted_by_signal)
{
	struct shared *sh = shared_map();
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_usr1 }; /* no SA_RESTART */
		sigaction(SIGUSR1, &sa, NULL);
		atomic_store_explicit(&sh->ready, 1, memory_order_release);
		atomic_store(&sh->rc[0], futex_wait(&sh->word, 0, 30 * (int64_t)NSEC_PER_SEC));
		_exit(0);
	}
	while (atomic_load_explicit(&sh->ready, memory_order_acquire) == 0)
		usleep(1000);
	wait_asleep(pid);
	ck_assert_int_eq(kill(pid, SIGUSR1), 0);
	reap(pid);
	ck_assert_int_eq(atomic_load(&sh->rc[0]), -EINTR);
	munmap(sh, sizeof *sh);
}
END_TEST

Suite *futex_suite(void)
{
	Suite *s = suite_create("futex");
	TCase *tc = tcase_create("futex");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, wake_other_process);
	tcase_add_test(tc, wake_all);
	tcase_add_test(tc, timeout_on_time);
	tcase_add_test(tc, value_differs);
	tcase_add_test(tc, interrupted_by_signal);
	suite_add_tcase(s, tc);
	return s;
}
