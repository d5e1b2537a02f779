/*
 * sine.c - the sine source: pure, deterministic, and a renderer.
 *
 * What it does: the sine of sine.h - an exact phase per sample number,
 * float32 interleaved blocks - as a renderer on <rtaudio/renderer.h>
 * ([source] frequency, validated in open), and the glue test tools use to
 * compute the exact block a replica plays (the runtime's output stage
 * included).
 *
 * What it does not do: keep state between calls (there is no oscillator to
 * drift: every sample is computed from its own index), allocate, or make any
 * system call. It never reads shared memory except the parameter snapshot
 * the caller passes in.
 *
 * Why the phase is split: phase(n) = frac(n * f / rate). With n a double the
 * product n * f / rate grows without bound and its rounding error with it
 * (1e9 cycles after a month). Writing n = q * rate + r gives
 * n * f / rate = q * f + r * f / rate, and q * f = q * floor(f) + q * frac(f)
 * where q * floor(f) is a whole number of cycles. What is left is bounded:
 * frac(q * frac(f)) (computed with fma() so the product's rounding error is
 * kept, not lost) plus r * f / rate with r < rate (itself reduced by whole
 * cycles first). Every replica runs the same operations in the same order on
 * the same inputs, hence the same bits.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "outstage.h"
#include "sine.h"

/* No fused multiply-add contraction: the sample values must not depend on
 * how the compiler chose to inline (gcc in ISO C mode never contracts). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

static const double source_two_pi = 6.283185307179586476925286766559;

/* frac(q * ff) as a value in [0, 1) plus a tiny correction (the product's
 * rounding error, |err| <= 1 ulp of q * ff), returned separately so that the
 * sum with the in-second part is rounded only once. */
static double source_q_phase(uint64_t q, double ff, double *err)
{
	double qd = (double)q; /* exact below 2^53 seconds */
	double p = qd * ff;

	*err = fma(qd, ff, -p);
	return p - floor(p); /* exact: p and floor(p) share their exponent range */
}

/* frac-free r * f / rate for r < rate, with the whole cycles r * floor(f)
 * removed exactly first (r * fi < 2^53 for any sane f and rate). */
static double source_r_phase(uint64_t r, uint32_t rate, double fi, double ff)
{
	double rd = (double)r;
	double whole = fmod(rd * fi, (double)rate); /* fmod is exact */

	return (whole + rd * ff) / (double)rate;
}

static double source_reduce(double ph)
{
	ph -= floor(ph);
	if (ph >= 1.0 || ph < 0.0) /* rounding up to 1.0, or a NaN guard */
		ph = 0.0;
	return ph;
}

double source_sine_phase(uint64_t n, uint32_t rate, double frequency)
{
	if (rate == 0 || !isfinite(frequency))
		return 0.0;
	double fi = floor(frequency);
	double ff = frequency - fi;
	double err;
	double a = source_q_phase(n / rate, ff, &err);
	double b = source_r_phase(n % rate, rate, fi, ff);

	return source_reduce(a + b + err);
}

void source_sine_render(float *out, uint32_t frames, uint32_t channels, uint32_t rate,
                        double frequency, uint64_t seq)
{
	if (rate == 0 || channels == 0)
		return;
	if (!isfinite(frequency))
		frequency = 0.0;

	double fi = floor(frequency);
	double ff = frequency - fi;
	uint64_t n = seq * (uint64_t)frames;
	uint64_t q = n / rate;
	uint64_t r = n % rate;
	double err;
	double a = source_q_phase(q, ff, &err);

	/* Same operations as source_sine_phase(), with q/r stepped instead of
	 * divided per sample; the per-second part is recomputed when q moves. */
	for (uint32_t i = 0; i < frames; i++) {
		double ph = source_reduce(a + source_r_phase(r, rate, fi, ff) + err);
		float x = (float)sin(source_two_pi * ph);
		float *frame = out + (size_t)i * channels;

		for (uint32_t c = 0; c < channels; c++)
			frame[c] = x;
		if (++r == rate) {
			r = 0;
			a = source_q_phase(++q, ff, &err);
		}
	}
}

int source_stream_check(const struct source_stream *s)
{
	if (s->channels < 1 || s->channels > LAYOUT_MAX_CHANNELS)
		return -EINVAL;
	if (s->frames < LAYOUT_MIN_FRAMES || s->frames > LAYOUT_MAX_FRAMES)
		return -EINVAL;
	if (s->sample_rate == 0)
		return -EINVAL;
	if (!isfinite(s->frequency) || !(s->frequency > 0.0) ||
	    !(s->frequency < (double)s->sample_rate / 2.0))
		return -EINVAL;
	return 0;
}

uint32_t source_block(const struct source_stream *s, const struct param_hist *h, uint64_t seq,
                      void *payload, uint32_t cap)
{
	if (s->sample_rate == 0 || s->channels < 1 || s->channels > LAYOUT_MAX_CHANNELS ||
	    s->frames < LAYOUT_MIN_FRAMES || s->frames > LAYOUT_MAX_FRAMES)
		return 0;
	uint32_t bytes = layout_block_bytes(s->frames, s->channels);
	if (payload == NULL || cap < bytes)
		return 0;

	const struct param_entry *e = layout_params_at(h, seq);
	source_sine_render(payload, s->frames, s->channels, s->sample_rate, s->frequency, seq);
	outstage_apply(payload, s->frames, s->channels, e->v[LAYOUT_PARAM_GAIN],
	               e->v[LAYOUT_PARAM_PAN]);
	return bytes;
}

/* ---- the renderer ------------------------------------------------------ */

static int sine_open(void *state, struct rta_host *host, const struct rta_stream *st)
{
	struct sine_state *s = state;
	const char *f = rta_config_get(host, "source", "frequency");
	char *end;

	s->stream = (struct source_stream){
		.sample_rate = st->sample_rate, .channels = st->channels, .frames = st->frames,
		.frequency = 440.0,
	};
	if (f != NULL) {
		errno = 0;
		s->stream.frequency = strtod(f, &end);
		if (f[0] == '\0' || *end != '\0' || errno != 0 || strpbrk(f, "xX") != NULL ||
		    !isfinite(s->stream.frequency))
			return rta_config_error(host, "source", "frequency", "'%s' is not a number", f);
		if (!(s->stream.frequency > 0))
			return rta_config_error(host, "source", "frequency",
			                        "%s must be greater than 0", f);
	}
	if (source_stream_check(&s->stream) < 0)
		return rta_config_error(host, "source", "frequency",
		                        "frequency (%g) must be less than sample_rate/2 (%g)",
		                        s->stream.frequency, st->sample_rate / 2.0);
	/* Bind sin() and fault its code in now, not in the first period. */
	volatile double warm = sin(s->stream.frequency);
	(void)warm;
	return 0;
}

static void sine_render(void *state, const struct rta_block *b)
{
	const struct sine_state *s = state;

	source_sine_render(b->out, b->frames, b->channels, s->stream.sample_rate,
	                   s->stream.frequency, b->seq);
}

const struct rta_renderer sine_renderer = {
	.abi = RTA_RENDERER_ABI,
	.name = "sine",
	.open = sine_open,
	.render = sine_render,
	.close = NULL,
};
