/*
 * sine.h - the sine source: a renderer, and its pure block function.
 *
 * What it does: computes audio blocks as a pure function of the stream
 * position. Sample n of the stream (n = seq * frames + i, counted from the
 * start of the stream) depends on n, the stream configuration and the
 * parameters in force at seq only, so two replicas - two processes running
 * the same binary - render bit-identical blocks for the same sequence number.
 * The phase is reduced exactly enough that a stream running for months is as
 * clean as one that just started.
 *
 * What it does not do: allocate, make system calls, read shared memory other
 * than the parameter history it is handed, or wait. Everything here is safe
 * on the audio path and thread-safe (no state).
 *
 * Every channel carries x = (float)sin(2 pi phase(n)) in [-1, 1]; the
 * runtime's output stage (outstage.h: gain and the seed's pan law) follows.
 * Output is float32, interleaved (frame-major: f0c0 f0c1 ... f1c0 ...).
 */
#ifndef RTAUDIO_SINE_H
#define RTAUDIO_SINE_H

#include <stdint.h>

#include <rtaudio/renderer.h>

#include "layout.h"

/*
 * The phase of sample n of a sine of `frequency` Hz at `rate` Hz, in cycles,
 * in [0, 1). Computed as frac(q * frac(f)) + r * f / rate with n = q * rate
 * + r (the integer part of f contributes whole cycles), the product q *
 * frac(f) carried with its rounding error, so the error stays at a few
 * double ulps of one cycle whatever n is (n as a double would lose 1e-6
 * cycles after a month at 48 kHz). `rate` must be > 0 (0 returns 0.0);
 * `frequency` should be finite (a non-finite one returns 0.0). Pure.
 */
double source_sine_phase(uint64_t n, uint32_t rate, double frequency);

/*
 * Render block `seq` of a sine into out[frames * channels] (float32,
 * interleaved), the same sample on every channel. `channels` >= 1 and
 * `rate` > 0 are the caller's to check (nothing is written when either is
 * 0). Pure, deterministic: the same arguments give the same bits.
 */
void source_sine_render(float *out, uint32_t frames, uint32_t channels, uint32_t rate,
                        double frequency, uint64_t seq);

/* The fixed stream shape a sine renders. */
struct source_stream {
	uint32_t sample_rate;
	uint32_t channels;
	uint32_t frames;
	double frequency;
};

/* The sine renderer ([source] frequency, default 440 Hz) and its state. */
struct sine_state {
	struct source_stream stream;
};
extern const struct rta_renderer sine_renderer;

/*
 * Block `seq` exactly as a replica running the sine plays it: the sine, then
 * the output stage with the gain and pan history *h says are in force at seq
 * (layout_params_at), into `payload`, a ring slot payload (or any 4-byte
 * aligned buffer) of `cap` bytes. For test tools that check every sample.
 * Returns the bytes written (frames * channels * 4), or 0 when the stream
 * shape is invalid (channels 1..LAYOUT_MAX_CHANNELS, frames
 * LAYOUT_MIN_FRAMES..MAX, rate > 0) or `cap` is too small; nothing is written
 * then. Pure, no allocation, no syscall: audio-path safe.
 */
uint32_t source_block(const struct source_stream *s, const struct param_hist *h, uint64_t seq,
                      void *payload, uint32_t cap);

/*
 * 0 if *s is a stream this module can render, -EINVAL otherwise: the checks of
 * source_block() plus a finite frequency in (0, rate / 2). Pure.
 */
int source_stream_check(const struct source_stream *s);

#endif
