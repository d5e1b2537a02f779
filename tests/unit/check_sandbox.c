/*
 * check_sandbox.c - anonymous segments and their seals (lib/shm.c), and the
 * replica's limits and seccomp filters (lib/sandbox.c).
 *
 * What it checks: an anonymous segment has no name under /dev/shm, its
 * read-only descriptor cannot be mapped writable, and once sealed no
 * descriptor can (nor write(2) nor resize), while the creator's mapping
 * stays writable; the limits are hard; the guard kills a process that
 * signals another one and lets it signal itself; the lock lets futex,
 * clock, memory and thread calls through and kills (SIGSYS) on open,
 * socket, fork, exec. Filter tests run in a forked child (a filter cannot
 * be removed) and skip without libseccomp or under ASan.
 *
 * What it does not check: a real replica under the filters (replica_syscalls.sh,
 * hostile.sh do).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "layout.h"
#include "sandbox.h"
#include "shm.h"
#include "suites.h"

#define SEG_BYTES 8192u

START_TEST(anon_segment_sealed)
{
	struct shm_seg seg;
	int rw = -1, ro = -1;

	ck_assert_int_eq(shm_anon_create(&seg, "rtaudio-unit-anon", SEG_BYTES, GROUP_MAGIC,
	                                 LAYOUT_VERSION, SHM_KIND_GROUP, 0, "unit", &rw, &ro),
	                 0);
	ck_assert(rw >= 0 && ro >= 0);
	ck_assert(fcntl(rw, F_GETFD) & FD_CLOEXEC);
	ck_assert(fcntl(ro, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(access("/dev/shm/rtaudio-unit-anon", F_OK), -1);

	struct shm_seg got;
	ck_assert_int_eq(shm_seg_map_fd(&got, ro, false, GROUP_MAGIC, LAYOUT_VERSION,
	                                SHM_KIND_GROUP, SEG_BYTES), 0);
	/* Read-only descriptor: no writable shared mapping, no mprotect to one. */
	ck_assert_ptr_eq(mmap(NULL, SEG_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0),
	                 MAP_FAILED);
	ck_assert_int_eq(mprotect(got.base, SEG_BYTES, PROT_READ | PROT_WRITE), -1);
	ck_assert_int_eq(errno, EACCES);
	struct stat st;
	ck_assert_int_eq(fstat(rw, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);

	int rc = shm_anon_seal(rw, true);
#ifdef __linux__
	ck_assert_int_eq(rc, 0);
	/* Sealed: not even the read-write descriptor gives a new writable
	 * mapping, a write or a resize; the mapping made before still writes. */
	ck_assert_ptr_eq(mmap(NULL, SEG_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0),
	                 MAP_FAILED);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(pwrite(rw, "x", 1, 100), -1);
	ck_assert_int_eq(ftruncate(rw, 0), -1);
	ck_assert_int_eq(ftruncate(rw, SEG_BYTES * 2), -1);
	((volatile char *)seg.base)[100] = 42;
	ck_assert_int_eq(((volatile char *)got.base)[100], 42);
	ck_assert_int_eq(shm_anon_seal(rw, false), -EPERM); /* F_SEAL_SEAL */
#else
	ck_assert_int_eq(rc, -ENOTSUP);
#endif
	shm_seg_close(&got);
	shm_seg_close(&seg);
	close(rw);
	close(ro);
}
END_TEST

START_TEST(limits_are_hard)
{
	struct sandbox_limits l = { .max_memory = 1ull << 34, .core_dumps = false };
	struct rlimit rl;
	const char *why = NULL;

	if (!sandbox_available(&why) && why != NULL && strstr(why, "Sanitizer") != NULL)
		return; /* ASan's shadow is far beyond any address-space limit */

	ck_assert_int_eq(sandbox_limits(&l), 0);
	ck_assert_int_eq(getrlimit(RLIMIT_AS, &rl), 0);
	ck_assert_uint_eq(rl.rlim_cur, 1ull << 34);
	ck_assert_uint_eq(rl.rlim_max, 1ull << 34);
	ck_assert_int_eq(getrlimit(RLIMIT_CORE, &rl), 0);
	ck_assert_uint_eq(rl.rlim_max, 0);
}
END_TEST

/* Run fn in a child; return its wait status. */
static int in_child(void (*fn)(void))
{
	int status = 0;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static bool filters(void)
{
	const char *why;

	if (sandbox_available(&why))
		return true;
	printf("SKIP: sandbox filters: %s\n", why);
	return false;
}

static void *thread_fn(void *arg)
{
	return arg;
}

static void lock_allows(void)
{
	struct timespec ts = { 0, 1000 };
	pthread_t t;

	if (sandbox_lock() != 0)
		_exit(2);
	nanosleep(&ts, NULL);
	void *p = malloc(1 << 20); /* mmap */
	if (p == NULL)
		_exit(3);
	free(p);
	if (pthread_create(&t, NULL, thread_fn, NULL) != 0 || pthread_join(t, NULL) != 0)
		_exit(4);
	if (kill(getpid(), 0) != 0)
		_exit(5);
	(void)!write(-1, "", 0);
}

static void lock_open(void)
{
	if (sandbox_lock() == 0)
		(void)open("/dev/null", O_RDONLY);
}

static void lock_socket(void)
{
	if (sandbox_lock() == 0)
		(void)socket(AF_INET, SOCK_DGRAM, 0);
}

static void lock_fork(void)
{
	if (sandbox_lock() == 0 && fork() == 0)
		_exit(0);
}

static void lock_exec(void)
{
	if (sandbox_lock() == 0)
		execl("/bin/true", "true", (char *)NULL);
}

static void guard_kill_parent(void)
{
	if (sandbox_guard() == 0) {
		(void)kill(getpid(), 0);   /* itself: allowed */
		(void)kill(getppid(), 0);  /* signal 0 to another: still kills */
	}
}

START_TEST(lock_and_guard)
{
	if (!filters())
		return;
	int st = in_child(lock_allows);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "allowed calls: status 0x%x", st);
	void (*killed[])(void) = { lock_open, lock_socket, lock_fork, lock_exec,
	                           guard_kill_parent };
	for (size_t i = 0; i < sizeof killed / sizeof killed[0]; i++) {
		st = in_child(killed[i]);
		ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "case %zu: status 0x%x",
		              i, st);
	}
}
END_TEST

Suite *sandbox_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("sandbox");

	tcase_add_test(tc, anon_segment_sealed);
	tcase_add_test(tc, limits_are_hard);
	tcase_add_test(tc, lock_and_guard);
	suite_add_tcase(s, tc);
	return s;
}
