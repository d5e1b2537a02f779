/*
 * check_life.c - life_suite: the life lock (lib/life.c) and
 * futex_wait_any (lib/futex.c), with real processes.
 *
 * What it proves: a child holding its life lock reads as alive to the
 * parent, for its pid only; when the child is SIGKILLed the parent,
 * asleep on the word with futex_wait_any, is woken by the kernel, the
 * word reads "dead", and /proc/PID/stat's exit code is already SIGKILL's
 * before the child is reaped; a thread exiting normally releases it the
 * same way; anything else written over the word reads as "other", and a
 * word that changes while the parent waits ends the wait (-EAGAIN).
 *
 * What it does not do: time anything (make bench does: failover_bench's
 * crash detection against the kill->exit peer).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "futex.h"
#include "life.h"
#include "suites.h"

#if defined(__linux__) && defined(__GLIBC__)

static struct replica_seg *shared_seg(void)
{
	void *p = mmap(NULL, sizeof(struct replica_seg), PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	return p;
}

/* A child that takes the lock, says so through a pipe, and then waits (or exits). */
static pid_t holder(struct replica_seg *r, bool exit_after)
{
	int pp[2];
	char c = 0;

	ck_assert_int_eq(pipe(pp), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		c = life_hold(r) == 0 ? 'y' : 'n';
		if (write(pp[1], &c, 1) != 1 || exit_after)
			_exit(3);
		for (;;)
			pause();
	}
	close(pp[1]);
	ck_assert_int_eq(read(pp[0], &c, 1), 1);
	close(pp[0]);
	ck_assert_int_eq(c, 'y');
	return pid;
}

/* The exit code in /proc/PID/stat (field 52), as daemon/watch.c reads it. */
static int exit_code(pid_t pid)
{
	char path[32], buf[1024];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	for (int field = 2; field < 52 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	return p != NULL ? (int)strtol(p + 1, NULL, 10) : -1;
}

START_TEST(kill_wakes_the_waiter)
{
	struct replica_seg *r = shared_seg();
	pid_t pid = holder(r, false);
	_Atomic uint32_t *word = life_word(r);
	_Atomic uint32_t other = 7;
	_Atomic uint32_t *words[2] = { &other, word };
	uint32_t expect[2] = { 7, life_alive((uint32_t)pid) };

	ck_assert_int_eq(life_look(atomic_load(word), (uint32_t)pid), LIFE_ALIVE);
	ck_assert_int_eq(life_look(atomic_load(word), (uint32_t)pid + 1), LIFE_OTHER);
	/* Nobody wakes it: the time-out. */
	ck_assert_int_eq(futex_wait_any(words, expect, 2, 20 * 1000 * 1000), -ETIMEDOUT);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	int rc = futex_wait_any(words, expect, 2, 5ll * 1000 * 1000 * 1000);
	/* Woken on the life word, or it was marked before we slept. */
	ck_assert_msg(rc == 1 || rc == -EAGAIN, "futex_wait_any: %d", rc);
	ck_assert_int_eq(life_look(atomic_load(word), (uint32_t)pid), LIFE_DEAD);
	/* Not reaped yet: the exit code is there already (or it is a zombie). */
	int code = exit_code(pid);
	ck_assert_msg(code == SIGKILL, "exit code %d", code);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	munmap(r, sizeof(*r));
}
END_TEST

START_TEST(exit_releases_it)
{
	struct replica_seg *r = shared_seg();
	pid_t pid = holder(r, true);
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(life_look(atomic_load(life_word(r)), (uint32_t)pid), LIFE_DEAD);
	munmap(r, sizeof(*r));
}
END_TEST

START_TEST(scribbles_are_other)
{
	struct replica_seg *r = shared_seg();
	pid_t pid = holder(r, false);
	_Atomic uint32_t *word = life_word(r);
	_Atomic uint32_t *words[1] = { word };
	uint32_t expect[1] = { life_alive((uint32_t)pid) };

	atomic_store(word, 0x12345678u);
	ck_assert_int_eq(life_look(atomic_load(word), (uint32_t)pid), LIFE_OTHER);
	ck_assert_int_eq(futex_wait_any(words, expect, 1, 1000 * 1000), -EAGAIN);
	ck_assert_int_eq(life_look(0, (uint32_t)pid), LIFE_OTHER);
	ck_assert_int_eq(life_look(life_alive(0), 0), LIFE_OTHER);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* The kernel leaves a word that is not its holder's alone. */
	ck_assert_uint_eq(atomic_load(word), 0x12345678u);
	munmap(r, sizeof(*r));
}
END_TEST

START_TEST(wait_any_bounds)
{
	_Atomic uint32_t a = 0;
	_Atomic uint32_t *words[1] = { &a };
	uint32_t expect[1] = { 0 };

	ck_assert_int_eq(futex_wait_any(words, expect, 0, 0), -EINVAL);
	ck_assert_int_eq(futex_wait_any(words, expect, FUTEX_ANY_MAX + 1, 0), -EINVAL);
}
END_TEST

#endif

Suite *life_suite(void)
{
	Suite *s = suite_create("life");
	TCase *tc = tcase_create("lock");

#if defined(__linux__) && defined(__GLIBC__)
	tcase_add_test(tc, kill_wakes_the_waiter);
	tcase_add_test(tc, exit_releases_it);
	tcase_add_test(tc, scribbles_are_other);
	tcase_add_test(tc, wait_any_bounds);
#endif
	suite_add_tcase(s, tc);
	return s;
}
