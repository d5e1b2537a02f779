/*
 * check_source.c - the "source" suite: the replica's sine renderer.
 *
 * What it checks: determinism (same seq -> same bits, also from another
 * process), continuity of the waveform across block boundaries and second
 * boundaries, phase exactness a month into a stream against exact integer
 * references (and that the naive double computation would fail the same
 * check), the documented gain/pan law for mono, stereo and 8 channels,
 * parameter lookup and clamping in source_block(), stream validation.
 *
 * What it does not check: the render loop and its syscalls (that is
 * tests/integration/replica_syscalls.sh with the real rtaudio-replica).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "layout.h"
#include "outstage.h"
#include "sine.h"
#include "suites.h"

#define RATE    48000u
#define FRAMES  256u
/* 30 days of samples at 48 kHz, rounded to a block, plus a few blocks. */
#define MONTH_SEQ ((uint64_t)RATE * 86400u * 30u / FRAMES + 7u)

static const double two_pi = 6.283185307179586476925286766559;

/* Distance between two phases on the unit circle of cycles. */
static double phase_dist(double a, double b)
{
	double d = fabs(a - b);
	return d > 0.5 ? 1.0 - d : d;
}

/* The exact phase of sample n for a frequency m / 2^k Hz, as
 * (n * m mod rate * 2^k) / (rate * 2^k), all in integers. */
static double phase_dyadic(uint64_t n, uint64_t m, unsigned k, uint32_t rate)
{
	uint64_t den = (uint64_t)rate << k;
	uint64_t num = (n % den) * m % den; /* den < 2^26, m < 2^21: no overflow */
	return (double)num / (double)den;
}

#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 u128;

/* The exact phase of sample n for any positive double f: f = m * 2^-k with
 * an integer m of at most 53 bits, and the same reduction in 128 bits. */
static double phase_exact(uint64_t n, double f, uint32_t rate)
{
	int e;
	double mant = frexp(f, &e);             /* f = mant * 2^e, mant in [0.5, 1) */
	uint64_t m = (uint64_t)ldexp(mant, 53); /* exact */
	unsigned k = (unsigned)(53 - e);        /* f = m / 2^k, for f >= 1 */
	while (k > 0 && (m & 1u) == 0) {
		m >>= 1;
		k--;
	}
	u128 den = (u128)rate << k;
	u128 num = ((u128)n % den) * m % den; /* den < 2^60, m < 2^53 here: fits */
	return (double)num / (double)den;
}
#endif

/* The sine as a replica plays it: the source, then the output stage. */
static void sine_gp(float *out, uint32_t frames, uint32_t channels, uint32_t rate, double f,
                    uint64_t seq, double gain, double pan)
{
	source_sine_render(out, frames, channels, rate, f, seq);
	outstage_apply(out, frames, channels, gain, pan);
}

static void render_stereo_run(float *buf, uint64_t seq0, unsigned blocks, double f)
{
	for (unsigned b = 0; b < blocks; b++)
		sine_gp(buf + (size_t)b * FRAMES * 2, FRAMES, 2, RATE, f, seq0 + b,
		                   1.0, 0.0);
}

/* x[n+1] + x[n-1] - 2 cos(w) x[n] over the left channel of a stereo run. */
static double worst_recurrence(const float *buf, size_t samples, double f)
{
	double c = 2.0 * cos(two_pi * f / RATE);
	double worst = 0.0;

	for (size_t n = 1; n + 1 < samples; n++) {
		double e = fabs((double)buf[2 * (n + 1)] + (double)buf[2 * (n - 1)] -
		                c * (double)buf[2 * n]);
		if (e > worst)
			worst = e;
	}
	return worst;
}

START_TEST(test_deterministic)
{
	static float a[FRAMES * 8], b[FRAMES * 8], c[FRAMES * 8];
	const uint64_t seqs[] = { 0, 1, 187, 12345, MONTH_SEQ };

	for (size_t k = 0; k < sizeof seqs / sizeof seqs[0]; k++) {
		memset(a, 0xa5, sizeof a);
		memset(b, 0x5a, sizeof b);
		sine_gp(a, FRAMES, 8, RATE, 997.3, seqs[k], 0.7, 0.25);
		sine_gp(b, FRAMES, 8, RATE, 997.3, seqs[k], 0.7, 0.25);
		ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
	}
	/* Another block really is different (the comparison can fail). */
	sine_gp(c, FRAMES, 8, RATE, 997.3, 12346, 0.7, 0.25);
	ck_assert_int_ne(memcmp(b, c, sizeof b), 0);

	/* Another process (as another replica) renders the same bits. */
	int fd[2];
	ck_assert_int_eq(pipe(fd), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sine_gp(c, FRAMES, 8, RATE, 997.3, MONTH_SEQ, 0.7, 0.25);
		ssize_t w = write(fd[1], c, sizeof c);
		_exit(w == (ssize_t)sizeof c ? 0 : 1);
	}
	close(fd[1]);
	size_t got = 0;
	while (got < sizeof c) {
		ssize_t r = read(fd[0], (char *)c + got, sizeof c - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(got, sizeof c);
	ck_assert_int_eq(memcmp(a, c, sizeof a), 0); /* a holds MONTH_SEQ */
}
END_TEST

/* Every rendered sample is exactly what the per-sample phase function gives:
 * stepping q/r inside a block changes nothing, including across a second. */
START_TEST(test_render_matches_phase)
{
	static float out[FRAMES * 2];
	const uint64_t seqs[] = { 0, 187 /* crosses n = 48000 */, MONTH_SEQ };

	for (size_t k = 0; k < sizeof seqs / sizeof seqs[0]; k++) {
		sine_gp(out, FRAMES, 2, RATE, 440.5, seqs[k], 1.0, 0.0);
		for (uint32_t i = 0; i < FRAMES; i++) {
			uint64_t n = seqs[k] * FRAMES + i;
			double x = (float)sin(two_pi * source_sine_phase(n, RATE, 440.5));
			float want = (float)(1.0 * (1.0 - 0.0) / 2.0 * x);
			ck_assert_msg(out[2 * i] == want, "seq %llu i %u: %.9g != %.9g",
			              (unsigned long long)seqs[k], i, out[2 * i], want);
		}
	}
}
END_TEST

START_TEST(test_continuity)
{
	enum { BLOCKS = 8 };
	static float buf[BLOCKS * FRAMES * 2];
	const double freqs[] = { 440.0, 997.3, 12345.678 };
	const uint64_t starts[] = { 0, 184 /* crosses a second */, MONTH_SEQ - 3 };

	for (size_t fi = 0; fi < sizeof freqs / sizeof freqs[0]; fi++) {
		for (size_t si = 0; si < sizeof starts / sizeof starts[0]; si++) {
			render_stereo_run(buf, starts[si], BLOCKS, freqs[fi]);
			double worst = worst_recurrence(buf, BLOCKS * FRAMES, freqs[fi]);
			ck_assert_msg(worst < 1e-5, "f %g start %llu: residual %g", freqs[fi],
			              (unsigned long long)starts[si], worst);
		}
	}

	/* The check catches a discontinuity: splice a block from elsewhere. */
	render_stereo_run(buf, 0, BLOCKS, 997.3);
	sine_gp(buf + 4 * FRAMES * 2, FRAMES, 2, RATE, 997.3, 100, 1.0, 0.0);
	ck_assert_double_gt(worst_recurrence(buf, BLOCKS * FRAMES, 997.3), 1e-3);
}
END_TEST

START_TEST(test_phase_exact_month)
{
	const uint64_t n0 = MONTH_SEQ * FRAMES;

	for (uint64_t n = n0; n < n0 + 3 * RATE; n += 997) {
		/* 440 Hz = 440 / 2^0; 440.125 Hz = 3521 / 2^3. */
		ck_assert_double_lt(phase_dist(source_sine_phase(n, RATE, 440.0),
		                               phase_dyadic(n, 440, 0, RATE)), 1e-12);
		ck_assert_double_lt(phase_dist(source_sine_phase(n, RATE, 440.125),
		                               phase_dyadic(n, 3521, 3, RATE)), 1e-12);
		/* 1000.0009765625 Hz = 1024001 / 2^10: a long fractional part. */
		ck_assert_double_lt(phase_dist(source_sine_phase(n, RATE, 1000.0009765625),
		                               phase_dyadic(n, 1024001, 10, RATE)), 1e-12);
		double ph = source_sine_phase(n, RATE, 440.125);
		ck_assert(ph >= 0.0 && ph < 1.0);
#ifdef __SIZEOF_INT128__
		/* A frequency with all 52 fraction bits set: the product q * frac(f)
		 * is inexact and only its fma() correction keeps 1e-12. */
		ck_assert_double_lt(phase_dist(source_sine_phase(n, RATE, 997.3),
		                               phase_exact(n, 997.3, RATE)), 1e-12);
		ck_assert_double_lt(phase_dist(source_sine_phase(n, RATE, 12345.678),
		                               phase_exact(n, 12345.678, RATE)), 1e-12);
#endif
	}

	/* The naive double computation misses the same bound by orders of
	 * magnitude, so the test above is one that a sloppy phase fails. */
	double worst_naive = 0.0;
	for (uint64_t n = n0; n < n0 + RATE; n += 997) {
		double naive = fmod((double)n * 1000.0009765625 / RATE, 1.0);
		double d = phase_dist(naive, phase_dyadic(n, 1024001, 10, RATE));
		if (d > worst_naive)
			worst_naive = d;
	}
	ck_assert_double_gt(worst_naive, 1e-9);

	/* And the rendered sample is the sine of the exact phase. */
	static float out[FRAMES];
	sine_gp(out, FRAMES, 1, RATE, 440.125, MONTH_SEQ, 1.0, 0.0);
	for (uint32_t i = 0; i < FRAMES; i++) {
		double want = sin(two_pi * phase_dyadic(n0 + i, 3521, 3, RATE));
		ck_assert_double_lt(fabs((double)out[i] - want), 1e-6);
	}
}
END_TEST

START_TEST(test_phase_edges)
{
	ck_assert_double_eq(source_sine_phase(0, RATE, 440.0), 0.0);
	ck_assert_double_eq(source_sine_phase(12345, 0, 440.0), 0.0);
	ck_assert_double_eq(source_sine_phase(12345, RATE, NAN), 0.0);
	ck_assert_double_eq(source_sine_phase(12345, RATE, INFINITY), 0.0);
	/* A quarter period of 12000 Hz at 48 kHz is one sample. */
	ck_assert_double_eq(source_sine_phase(1, RATE, 12000.0), 0.25);
	/* Near the end of the 64-bit sample counter it is still in [0, 1). */
	double ph = source_sine_phase(UINT64_MAX, RATE, 997.3);
	ck_assert(ph >= 0.0 && ph < 1.0);
}
END_TEST

START_TEST(test_gain_pan_law)
{
	static float mono[FRAMES], st[FRAMES * 2], wide[FRAMES * 8];
	const double gain = 0.8;

	/* Mono: gain * x. */
	sine_gp(mono, FRAMES, 1, RATE, 997.3, 5, gain, 0.9 /* ignored */);
	for (uint32_t i = 0; i < FRAMES; i++) {
		double x = (float)sin(two_pi * source_sine_phase(5u * FRAMES + i, RATE, 997.3));
		ck_assert(mono[i] == (float)(gain * x));
	}

	/* pan -1: right silent, left = gain * x. */
	sine_gp(st, FRAMES, 2, RATE, 997.3, 5, gain, -1.0);
	for (uint32_t i = 0; i < FRAMES; i++) {
		ck_assert(st[2 * i + 1] == 0.0f);
		ck_assert(st[2 * i] == mono[i]);
	}
	/* pan +1: left silent. */
	sine_gp(st, FRAMES, 2, RATE, 997.3, 5, gain, 1.0);
	for (uint32_t i = 0; i < FRAMES; i++) {
		ck_assert(st[2 * i] == 0.0f);
		ck_assert(st[2 * i + 1] == mono[i]);
	}
	/* pan 0: each side gain / 2 (the seed's law). */
	sine_gp(st, FRAMES, 2, RATE, 997.3, 5, gain, 0.0);
	double peak = 0.0;
	for (uint32_t i = 0; i < FRAMES; i++) {
		double x = (float)sin(two_pi * source_sine_phase(5u * FRAMES + i, RATE, 997.3));
		ck_assert(st[2 * i] == st[2 * i + 1]);
		ck_assert(st[2 * i] == (float)(gain / 2.0 * x));
		if (fabs(st[2 * i]) > peak)
			peak = fabs(st[2 * i]);
	}
	ck_assert_double_gt(peak, 0.39); /* 256 samples of 997 Hz reach the peak */
	ck_assert_double_le(peak, 0.4 + 1e-6);

	/* 8 channels, pan 0.5: even channels as left, odd as right. */
	sine_gp(wide, FRAMES, 8, RATE, 997.3, 5, gain, 0.5);
	for (uint32_t i = 0; i < FRAMES; i++) {
		double x = (float)sin(two_pi * source_sine_phase(5u * FRAMES + i, RATE, 997.3));
		float l = (float)(gain * (1.0 - 0.5) / 2.0 * x);
		float r = (float)(gain * (1.0 + 0.5) / 2.0 * x);
		for (uint32_t c = 0; c < 8; c++)
			ck_assert(wide[8 * i + c] == ((c & 1u) ? r : l));
	}
}
END_TEST

static struct source_stream stream(uint32_t channels)
{
	struct source_stream s = {
		.sample_rate = RATE, .channels = channels, .frames = FRAMES,
		.frequency = 997.3,
	};
	return s;
}

START_TEST(test_block_params)
{
	static float out[FRAMES * 2], want[FRAMES * 2];
	struct param_hist h;
	struct source_stream s = stream(2);

	memset(&h, 0, sizeof h);
	h.count = 2;
	h.e[0] = (struct param_entry){ .at = 0, .v = { 1.0, 0.0 } };
	h.e[1] = (struct param_entry){ .at = 10, .v = { 0.5, -1.0 } };

	ck_assert_uint_eq(source_block(&s, &h, 9, out, sizeof out), sizeof out);
	sine_gp(want, FRAMES, 2, RATE, 997.3, 9, 1.0, 0.0);
	ck_assert_int_eq(memcmp(out, want, sizeof out), 0);

	ck_assert_uint_eq(source_block(&s, &h, 10, out, sizeof out), sizeof out);
	sine_gp(want, FRAMES, 2, RATE, 997.3, 10, 0.5, -1.0);
	ck_assert_int_eq(memcmp(out, want, sizeof out), 0);

	/* Out-of-range parameters are clamped, NaN silences. */
	h.count = 1;
	h.e[0] = (struct param_entry){ .at = 0, .v = { 100.0, -7.0 } };
	ck_assert_uint_eq(source_block(&s, &h, 3, out, sizeof out), sizeof out);
	sine_gp(want, FRAMES, 2, RATE, 997.3, 3, 4.0, -1.0);
	ck_assert_int_eq(memcmp(out, want, sizeof out), 0);
	h.e[0].v[0] = NAN;
	ck_assert_uint_eq(source_block(&s, &h, 3, out, sizeof out), sizeof out);
	for (uint32_t i = 0; i < FRAMES * 2; i++)
		ck_assert(out[i] == 0.0f);

	/* Too small a payload or a bad stream: 0, nothing written. */
	h.e[0].v[0] = 1.0;
	memset(out, 0x7f, sizeof out);
	memcpy(want, out, sizeof out);
	ck_assert_uint_eq(source_block(&s, &h, 3, out, sizeof out - 4), 0);
	s.channels = 9;
	ck_assert_uint_eq(source_block(&s, &h, 3, out, sizeof out), 0);
	s = stream(2);
	s.sample_rate = 0;
	ck_assert_uint_eq(source_block(&s, &h, 3, out, sizeof out), 0);
	ck_assert_int_eq(memcmp(out, want, sizeof out), 0);
}
END_TEST

START_TEST(test_stream_check)
{
	struct source_stream s = stream(2);

	ck_assert_int_eq(source_stream_check(&s), 0);
	s = stream(1);
	ck_assert_int_eq(source_stream_check(&s), 0);
	s = stream(8);
	ck_assert_int_eq(source_stream_check(&s), 0);
	s = stream(0);
	ck_assert_int_eq(source_stream_check(&s), -EINVAL);
	s = stream(9);
	ck_assert_int_eq(source_stream_check(&s), -EINVAL);
	s = stream(2);
	s.frames = LAYOUT_MIN_FRAMES - 1;
	ck_assert_int_eq(source_stream_check(&s), -EINVAL);
	s.frames = LAYOUT_MAX_FRAMES + 1;
	ck_assert_int_eq(source_stream_check(&s), -EINVAL);
	s = stream(2);
	s.sample_rate = 0;
	ck_assert_int_eq(source_stream_check(&s), -EINVAL);
	s = stream(2);
	s.frequency = RATE / 2;
	ck_assert_int_eq(source_stream_check(&s), -EINVAL);
	s.frequency = 0.0;
	ck_assert_int_eq(source_stream_check(&s), -EINVAL);
	s.frequency = NAN;
	ck_assert_int_eq(source_stream_check(&s), -EINVAL);
}
END_TEST

Suite *source_suite(void)
{
	Suite *s = suite_create("source");
	TCase *tc = tcase_create("sine");

	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_render_matches_phase);
	tcase_add_test(tc, test_continuity);
	tcase_add_test(tc, test_phase_exact_month);
	tcase_add_test(tc, test_phase_edges);
	tcase_add_test(tc, test_gain_pan_law);
	tcase_add_test(tc, test_block_params);
	tcase_add_test(tc, test_stream_check);
	suite_add_tcase(s, tc);
	return s;
}
