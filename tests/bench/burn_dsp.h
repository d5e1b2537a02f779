/*
 * burn_dsp.h - the benchmark's DSP: one block whose CPU cost is a knob.
 *
 * What it does: renders block `seq` as a 440 Hz sine (from the sample
 * index alone, so any block can be rendered first) and runs `passes`
 * passes of a recursive filter over it: acc = acc * 0.999 + x[f], one long
 * chain of dependent multiply-adds the compiler can neither drop nor
 * spread over vector lanes, so the cost is passes * frames * (its latency),
 * and is linear in `passes`. The output carries the filter's state at a
 * level far below the sine's (1e-9 of it), so the work is observable and
 * the block is still a clean sine. Deterministic: a pure function of
 * (seq, frames, channels, rate, passes) in a given binary, so hot replicas
 * stay bit-identical and the JACK peer runs exactly the same code.
 * burn_calibrate() times passes on this machine, for the bench to turn a
 * fraction of the period into a pass count (never inside a replica: a
 * count that each replica timed for itself would differ between them).
 *
 * What it does not do: allocate, lock or make a system call (render), or
 * anything real-time in burn_calibrate (it reads the clock in a loop).
 * Header-only, included by tests/bench/burn.c and tests/bench/jack_peer.c.
 */
#ifndef RTAUDIO_BURN_DSP_H
#define RTAUDIO_BURN_DSP_H

#include <math.h>
#include <stdint.h>
#include <time.h>

#define BURN_HZ 440u
#define BURN_MAX_FRAMES 1024u

/* Real-time: no allocation, lock or syscall. out: frames * channels. */
static inline void burn_block(uint64_t seq, uint32_t frames, uint32_t channels, uint32_t rate,
                              uint32_t passes, float *out)
{
	float x[BURN_MAX_FRAMES];
	double acc = 0.0;

	if (frames > BURN_MAX_FRAMES)
		frames = BURN_MAX_FRAMES;
	for (uint32_t f = 0; f < frames; f++) {
		uint64_t n = seq * frames + f;
		uint64_t k = (n % rate) * BURN_HZ % rate;  /* whole cycles dropped: exact phase */
		x[f] = (float)(0.5 * sin(6.283185307179586 * (double)k / rate));
	}
	for (uint32_t p = 0; p < passes; p++)
		for (uint32_t f = 0; f < frames; f++)
			acc = acc * 0.999 + x[f];
	float trace = (float)(acc * 1e-9 / 500.0);  /* |acc| < 500: a sub-LSB-ish trace */
	for (uint32_t f = 0; f < frames; f++)
		for (uint32_t c = 0; c < channels; c++)
			out[(size_t)f * channels + c] = x[f] + trace;
}

static inline uint64_t burn_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The DSP is timed on one block in BURN_PROBE_EVERY and counted that many
 * times: a probe is two reads of the thread's CPU clock, a system call each
 * (about 0.6 us apiece on the bench VM), so probing every block cost about
 * 2.8 ms of CPU a second with 3 replicas at 64 frames (1% of the peer), and
 * what of it fell outside the timed span counted as overhead, once per
 * copy. Every block of a given pass count costs the same, so the estimate
 * has no bias. burn.c and jack_peer.c probe alike.
 */
#define BURN_PROBE_EVERY 8u
static inline int burn_probed(uint64_t seq) { return seq % BURN_PROBE_EVERY == 0; }

/* The calling thread's CPU time, ns: what the DSP costs where it runs
 * (burn.c in a replica, jack_peer.c in JACK's callback time it alike). */
static inline uint64_t burn_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Nanoseconds one pass costs at `frames` frames on this machine: the
 * fastest of several timed blocks of `probe` passes (the fastest, because
 * the machine is shared and every disturbance only adds). Not real-time.
 */
static inline double burn_calibrate(uint32_t frames)
{
	static float out[BURN_MAX_FRAMES * 8];
	uint32_t probe = 2000;
	double best = 0.0;

	for (int i = 0; i < 25; i++) {
		uint64_t t0 = burn_now_ns();
		burn_block((uint64_t)i, frames, 1, 48000, probe, out);
		double ns = (double)(burn_now_ns() - t0) / probe;
		if (best == 0.0 || ns < best)
			best = ns;
	}
	return best;
}

#endif
