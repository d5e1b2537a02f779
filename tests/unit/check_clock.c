/*
 * check_clock.c - clock_suite: periods, monotonicity, absolute sleeps.
 *
 * What it proves: period arithmetic is exact integer math (48000 Hz x 256
 * frames = 5333333 ns); the clock never goes backwards; a sleep until a near
 * deadline never returns before it, also when signals interrupt it; a past
 * deadline returns at once.
 *
 * What it does not do: measure scheduling latency (only generous sanity
 * bounds on wall-clock time; the machine may be loaded).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include "clock.h"
#include "suites.h"

START_TEST(period_values)
{
	ck_assert_uint_eq(clock_period_ns(48000, 256), 5333333u);
	ck_assert_uint_eq(clock_period_ns(44100, 512), 11609977u); /* 11609977.32 */
	ck_assert_uint_eq(clock_period_ns(44100, 256), 5804988u);
	ck_assert_uint_eq(clock_period_ns(96000, 64), 666666u);
	ck_assert_uint_eq(clock_period_ns(48000, 48000), NSEC_PER_SEC);
	ck_assert_uint_eq(clock_period_ns(8000, 1024), 128000000u);
	ck_assert_uint_eq(clock_period_ns(0, 256), 0);
	ck_assert_uint_eq(clock_period_ns(48000, 0), 0);
	/* No 32-bit overflow on the way: 4294967295 frames at 1 Hz. */
	ck_assert_uint_eq(clock_period_ns(1, UINT32_MAX), (uint64_t)UINT32_MAX * NSEC_PER_SEC);
}
END_TEST

START_TEST(monotonic)
{
	uint64_t first = clock_now_ns(), prev = first;
	int backwards = 0;

	ck_assert_uint_gt(first, 0);
	for (int i = 0; i < 1000000; i++) {
		uint64_t now = clock_now_ns();
		backwards += now < prev;
		prev = now;
	}
	ck_assert_int_eq(backwards, 0);
	ck_assert_uint_gt(prev, first); /* and it does advance */
}
END_TEST

START_TEST(sleep_near_deadline)
{
	for (int i = 0; i < 5; i++) {
		uint64_t deadline = clock_now_ns() + 20 * NSEC_PER_MSEC;

		ck_assert_int_eq(clock_sleep_until_ns(deadline), 0);
		uint64_t now = clock_now_ns();
		ck_assert_uint_ge(now, deadline);
		ck_assert_uint_lt(now, deadline + 2 * NSEC_PER_SEC); /* sanity only */
	}
}
END_TEST

START_TEST(sleep_past_deadline)
{
	uint64_t t0 = clock_now_ns();

	ck_assert_int_eq(clock_sleep_until_ns(t0 - NSEC_PER_SEC), 0);
	ck_assert_int_eq(clock_sleep_until_ns(0), 0);
	ck_assert_int_eq(clock_sleep_until_ns(t0), 0);
	ck_assert_uint_lt(clock_now_ns() - t0, NSEC_PER_SEC / 2);
}
END_TEST

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

START_TEST(sleep_restarts_after_signals)
{
	struct sigaction sa;
	struct itimerval it;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm; /* no SA_RESTART: the sleep sees EINTR */
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	memset(&it, 0, sizeof it);
	it.it_interval.tv_usec = 10000;
	it.it_value.tv_usec = 10000;
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);

	uint64_t deadline = clock_now_ns() + 150 * NSEC_PER_MSEC;
	int rc = clock_sleep_until_ns(deadline);
	uint64_t now = clock_now_ns();

	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_ge(now, deadline);
	ck_assert_int_gt(alarms, 0); /* it really was interrupted */
}
END_TEST

Suite *clock_suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("clock");

	tcase_add_test(tc, period_values);
	tcase_add_test(tc, monotonic);
	tcase_add_test(tc, sleep_near_deadline);
	tcase_add_test(tc, sleep_past_deadline);
	tcase_add_test(tc, sleep_restarts_after_signals);
	suite_add_tcase(s, tc);
	return s;
}
