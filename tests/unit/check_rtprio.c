/*
 * check_rtprio.c - rtprio_suite: real-time scheduling and memory locking.
 *
 * What it proves: a thread asking for SCHED_FIFO 10 gets it (checked with
 * pthread_getschedparam, not just our status) or, when not permitted, the
 * status says why; an unprivileged process is refused with EPERM and the
 * RLIMIT_RTPRIO it had is reported (as root the test drops to nobody to see
 * that path for real); mlockall is reported truthfully; the stack pre-fault
 * is safe on a small thread stack and makes the pages it is asked for
 * resident; when mlockall is refused (nobody under a
 * small RLIMIT_MEMLOCK), rtprio_lock_ranges locks what it is given (VmLck)
 * or, past the limit, nothing; rtprio_describe's wording.
 *
 * What it does not do: measure scheduling latency. Whatever needs a
 * privilege the machine lacks prints "SKIP: ..." and asserts only the report.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "rtprio.h"
#include "suites.h"

#define SKIP_CODE 77

/* AddressSanitizer makes mlockall() a no-op that returns 0: nothing is locked. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

struct fifo_try {
	int rc;
	struct rtprio_status st;
	int policy, prio, getrc;
};

static void *fifo_thread(void *arg)
{
	struct fifo_try *t = arg;
	struct sched_param sp;

	t->rc = rtprio_set(10, clock_period_ns(48000, 256), &t->st);
	t->getrc = pthread_getschedparam(pthread_self(), &t->policy, &sp);
	t->prio = sp.sched_priority;
	return NULL;
}

START_TEST(fifo_in_thread)
{
	struct fifo_try t;
	pthread_t th;
	char buf[64];

	memset(&t, 0, sizeof t);
	ck_assert_int_eq(pthread_create(&th, NULL, fifo_thread, &t), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(t.getrc, 0);
	rtprio_describe(&t.st, buf, sizeof buf);
#ifdef __APPLE__
	if (t.rc != 0) {
		printf("SKIP: rtprio: time-constraint policy refused (%s)\n", buf);
		ck_assert_int_eq(t.st.policy, RTPRIO_NONE);
		ck_assert_str_eq(buf, "none (EPERM, RLIMIT_RTPRIO=unlimited)");
		return;
	}
	ck_assert_int_eq(t.st.policy, RTPRIO_TIMECONS);
	ck_assert_str_eq(buf, "timecons");
#else
	if (t.rc == -EPERM) {
		printf("SKIP: rtprio: SCHED_FIFO not permitted (%s)\n", buf);
		ck_assert_int_eq(t.st.error, EPERM);
		ck_assert_int_eq(t.st.policy, RTPRIO_NONE);
		ck_assert_int_ne(t.policy, SCHED_FIFO);
		ck_assert(strncmp(buf, "none (EPERM, RLIMIT_RTPRIO=", 27) == 0);
		return;
	}
	ck_assert_int_eq(t.rc, 0);
	ck_assert_int_eq(t.st.error, 0);
	ck_assert_int_eq(t.policy, SCHED_FIFO); /* what the kernel says, not what we say */
	ck_assert_int_eq(t.prio, 10);
	ck_assert_int_eq(t.st.policy, RTPRIO_FIFO);
	ck_assert_int_eq(t.st.priority, 10);
	ck_assert_str_eq(buf, "fifo/10");
#endif
}
END_TEST

#ifndef __APPLE__
/*
 * As root, become nobody: leaving uid 0 drops every capability
 * (CAP_SYS_NICE, CAP_IPC_LOCK with it), so the children see the limits as
 * a replica does. False if that cannot be done (the test skips).
 */
static bool become_nobody(void)
{
	if (geteuid() != 0)
		return true;
	if (setgid(65534) != 0) {
		/* not needed for the test; some user namespaces lack the gid */
	}
	return setuid(65534) == 0;
}

/*
 * Child: with RLIMIT_RTPRIO = `lim`, and as nobody if we are root, ask for
 * priority 10 (above the limit): EPERM and the limit must be reported.
 * Exit 0 on success, SKIP_CODE if the set-up is impossible, else the step.
 */
static int refused_child(rlim_t lim)
{
	struct rlimit rl;
	struct rtprio_status st;
	char buf[64], want[64];

	/* Lowering is always allowed; raising the hard limit may not be. */
	if (getrlimit(RLIMIT_RTPRIO, &rl) != 0)
		return SKIP_CODE;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < lim)
		lim = rl.rlim_max;
	rl.rlim_cur = rl.rlim_max = lim;
	if (setrlimit(RLIMIT_RTPRIO, &rl) != 0)
		return SKIP_CODE;
	if (!become_nobody())
		return SKIP_CODE;
	memset(&st, 0, sizeof st);
	int rc = rtprio_set(10, 0, &st);
	if (rc == 0)
		return SKIP_CODE; /* still privileged (CAP_SYS_NICE kept): nothing to see */
	if (rc != -EPERM || st.error != EPERM)
		return 1;
	if (st.policy != RTPRIO_NONE || st.priority != 0)
		return 2;
	if (st.rlimit != (int32_t)lim)
		return 3;
	snprintf(want, sizeof want, "none (EPERM, RLIMIT_RTPRIO=%d)", (int)lim);
	printf("rtprio: refused as expected: %s\n", want);
	if (strcmp(rtprio_describe(&st, buf, sizeof buf), want) != 0)
		return 4;
	if (lim < 3) {
		printf("SKIP: rtprio: SCHED_FIFO within RLIMIT_RTPRIO (hard limit %d here)\n",
		       (int)lim);
		return 0;
	}
	/* Within the limit an unprivileged thread may do it (Linux >= 2.6.12). */
	rc = rtprio_set(3, 0, &st);
	if (rc == -EPERM) {
		printf("SKIP: rtprio: SCHED_FIFO within RLIMIT_RTPRIO refused (RT group "
		       "scheduling?)\n");
		return 0;
	}
	int policy;
	struct sched_param sp;
	if (rc != 0 || pthread_getschedparam(pthread_self(), &policy, &sp) != 0 ||
	    policy != SCHED_FIFO || sp.sched_priority != 3 || st.rlimit != (int32_t)lim)
		return 5;
	if (strcmp(rtprio_describe(&st, buf, sizeof buf), "fifo/3") != 0)
		return 6;
	return 0;
}
#endif

START_TEST(fifo_refused_reports_why)
{
#ifdef __APPLE__
	printf("SKIP: rtprio: RLIMIT_RTPRIO does not exist on macOS\n");
#else
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fflush(stdout);
		int rc = refused_child(5);
		fflush(stdout);
		_exit(rc);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == SKIP_CODE) {
		printf("SKIP: rtprio: cannot drop the privilege to be refused\n");
		return;
	}
	ck_assert_msg(WEXITSTATUS(status) == 0, "refused path failed at step %d",
	              WEXITSTATUS(status));
#endif
}
END_TEST

START_TEST(describe_wording)
{
	struct rtprio_status st;
	char buf[64], tiny[6];

	memset(&st, 0, sizeof st);
	st.policy = RTPRIO_FIFO;
	st.priority = 80;
	ck_assert_str_eq(rtprio_describe(&st, buf, sizeof buf), "fifo/80");
	st.policy = RTPRIO_TIMECONS;
	st.priority = 0;
	ck_assert_str_eq(rtprio_describe(&st, buf, sizeof buf), "timecons");
	st.policy = RTPRIO_NONE;
	ck_assert_str_eq(rtprio_describe(&st, buf, sizeof buf), "none");
	st.error = EPERM;
	st.rlimit = 0;
	ck_assert_str_eq(rtprio_describe(&st, buf, sizeof buf), "none (EPERM, RLIMIT_RTPRIO=0)");
	st.rlimit = -1;
	ck_assert_str_eq(rtprio_describe(&st, buf, sizeof buf),
	                 "none (EPERM, RLIMIT_RTPRIO=unlimited)");
	st.error = EINVAL;
	st.rlimit = 20;
	ck_assert_str_eq(rtprio_describe(&st, buf, sizeof buf), "none (EINVAL, RLIMIT_RTPRIO=20)");
	st.error = 9999;
	ck_assert_str_eq(rtprio_describe(&st, buf, sizeof buf),
	                 "none (errno 9999, RLIMIT_RTPRIO=20)");
	/* Truncated, still terminated; len 0 writes nothing. */
	st.error = EPERM;
	ck_assert_str_eq(rtprio_describe(&st, tiny, sizeof tiny), "none ");
	tiny[0] = 'x';
	ck_assert_ptr_eq(rtprio_describe(&st, tiny, 0), tiny);
	ck_assert_int_eq(tiny[0], 'x');
}
END_TEST

#ifdef __linux__
/* VmLck of this process in kB, -1 if unreadable. */
static long vmlck_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}
#endif

static void *small_stack_thread(void *arg)
{
	struct rtprio_status *st = arg;

	/* Pre-fault 64 KiB inside a 256 KiB stack: must not overflow it. */
	rtprio_lock_memory(64 * 1024, st);
	return NULL;
}

/* Child: lock memory, report. Exit 0 ok, SKIP_CODE not permitted, else step. */
static int mlock_child(void)
{
	struct rtprio_status st;

	memset(&st, 0, sizeof st);
	int rc = rtprio_lock_memory(256 * 1024, &st);
	if (rc == -EPERM || rc == -ENOMEM || rc == -EAGAIN) {
		if (st.mlocked != 0 || st.mlock_error != -rc)
			return 1;
		printf("SKIP: rtprio: mlockall not permitted (%s)\n", strerror(-rc));
		return SKIP_CODE;
	}
	if (rc != 0 || st.mlocked != 1 || st.mlock_error != 0)
		return 2;
#ifdef __linux__
	if (vmlck_kb() <= 0) {
		if (!UNDER_ASAN)
			return 3;
		printf("SKIP: rtprio: VmLck not checked under ASan (its mlockall locks nothing)\n");
	}
#endif
	pthread_attr_t attr;
	pthread_t th;
	if (pthread_attr_init(&attr) != 0 || pthread_attr_setstacksize(&attr, 256 * 1024) != 0 ||
	    pthread_create(&th, &attr, small_stack_thread, &st) != 0 ||
	    pthread_join(th, NULL) != 0)
		return 4;
	if (st.mlocked != 1)
		return 5;
	return 0;
}

START_TEST(lock_memory)
{
	int status;
	pid_t pid = fork(); /* mlockall(MCL_FUTURE) must not outlive this test */

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fflush(stdout);
		int rc = mlock_child();
		fflush(stdout);
		_exit(rc);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "mlock child died (status %d)", status);
	ck_assert_msg(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == SKIP_CODE,
	              "mlock check failed at step %d", WEXITSTATUS(status));
}
END_TEST

#ifdef __linux__
#define TOUCH_STACK (512u * 1024u)
#define TOUCH_BYTES (256u * 1024u)

/* On a fresh stack nothing has touched: how many of the pages TOUCH_BYTES
 * below this frame rtprio_touch_stack made resident (mincore). */
static void *touch_thread(void *arg)
{
	long *missing = arg;
	volatile unsigned char here = 0;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t hi = (uintptr_t)&here / pg * pg;
	/* Clear of the frames between here and the deepest one. */
	uintptr_t lo = hi - (TOUCH_BYTES - 4 * pg) / pg * pg;
	unsigned char vec[TOUCH_BYTES / 4096];

	rtprio_touch_stack(TOUCH_BYTES);
	*missing = -1;
	if (mincore((void *)lo, hi - lo, vec) != 0)
		return NULL;
	*missing = 0;
	for (size_t i = 0; i < (hi - lo) / pg; i++)
		*missing += (vec[i] & 1) == 0;
	return NULL;
}

/* The pre-fault really reaches that deep (clang once kept 8 bytes of each
 * page-sized frame, and 256 KiB touched 1 KiB). */
START_TEST(touch_stack_is_resident)
{
	pthread_attr_t attr;
	pthread_t th;
	long missing = -2;
	void *stack = mmap(NULL, TOUCH_STACK, PROT_READ | PROT_WRITE,
	                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	ck_assert(stack != MAP_FAILED);
	if (sysconf(_SC_PAGESIZE) != 4096) {
		printf("SKIP: rtprio: pages are not 4 KiB\n");
		munmap(stack, TOUCH_STACK);
		return;
	}
	ck_assert_int_eq(pthread_attr_init(&attr), 0);
	ck_assert_int_eq(pthread_attr_setstack(&attr, stack, TOUCH_STACK), 0);
	ck_assert_int_eq(pthread_create(&th, &attr, touch_thread, &missing), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	pthread_attr_destroy(&attr);
	munmap(stack, TOUCH_STACK);
	ck_assert_msg(missing == 0, "%ld pages below the frame not resident (-1: mincore failed)",
	              missing);
}
END_TEST
#endif

#ifdef __linux__
/*
 * Child: as nobody (if root: CAP_IPC_LOCK would ignore the limit) under a
 * 4 MiB RLIMIT_MEMLOCK, which this process outgrows, so mlockall fails;
 * then rtprio_lock_ranges locks a 64 KiB buffer and the stack, VmLck > 0
 * and "mlocked (audio path)"; then, under 16 KiB, it must fail and leave
 * nothing locked. Exit 0 ok, SKIP_CODE if the set-up is impossible, else
 * the step.
 */
static int ranges_child(void)
{
	static unsigned char buf[64 * 1024];
	struct rlimit rl = { .rlim_cur = 4u << 20, .rlim_max = 4u << 20 };
	struct rtprio_status st;
	char text[64];

	if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0)
		return SKIP_CODE;
	if (!become_nobody())
		return SKIP_CODE;
	memset(&st, 0, sizeof st);
	if (rtprio_lock_memory(64 * 1024, &st) == 0 || st.mlocked != RTPRIO_MLOCK_NONE)
		return SKIP_CODE; /* mlockall fitted (or ASan's no-op): nothing to fall back from */
	const struct rtprio_range r[] = { { buf, sizeof buf }, { NULL, 0 }, { buf + 10, 100 } };
	int rc = rtprio_lock_ranges(r, 3, 64 * 1024, &st);
	if (rc != 0 || st.mlocked != RTPRIO_MLOCK_PATH || st.mlock_error != 0)
		return 1;
	long kb = vmlck_kb();
	if (kb < 64 + 64)
		return 2;
	if (strcmp(rtprio_describe_mlock(&st, text, sizeof text), "mlocked (audio path)") != 0)
		return 3;
	if (rtprio_lock_ranges(r, 3, 64 * 1024, &st) != 0 || vmlck_kb() != kb)
		return 4; /* already locked: a no-op */
	/* Past the limit: all or nothing. */
	if (munlockall() != 0 || vmlck_kb() != 0)
		return 5;
	rl.rlim_cur = rl.rlim_max = 16 * 1024;
	if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0)
		return 6;
	memset(&st, 0, sizeof st);
	rc = rtprio_lock_ranges(r, 3, 64 * 1024, &st);
	if (rc != -ENOMEM || st.mlocked != RTPRIO_MLOCK_NONE || st.mlock_error != ENOMEM)
		return 7;
	if (vmlck_kb() != 0)
		return 8;
	return 0;
}

START_TEST(lock_ranges)
{
	int status;
	pid_t pid = fork(); /* the drop to nobody must not outlive this test */

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fflush(stdout);
		int rc = ranges_child();
		fflush(stdout);
		_exit(rc);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "lock_ranges child died (status %d)", status);
	if (WEXITSTATUS(status) == SKIP_CODE) {
		printf("SKIP: rtprio: mlockall was not refused here: the fallback is not exercised\n");
		return;
	}
	ck_assert_msg(WEXITSTATUS(status) == 0, "lock_ranges check failed at step %d",
	              WEXITSTATUS(status));
}
END_TEST
#endif

Suite *rtprio_suite(void)
{
	Suite *s = suite_create("rtprio");
	TCase *tc = tcase_create("rtprio");

	tcase_add_test(tc, fifo_in_thread);
	tcase_add_test(tc, fifo_refused_reports_why);
	tcase_add_test(tc, describe_wording);
	tcase_add_test(tc, lock_memory);
#ifdef __linux__
	tcase_add_test(tc, touch_stack_is_resident);
	tcase_add_test(tc, lock_ranges);
#endif
	suite_add_tcase(s, tc);
	return s;
}
