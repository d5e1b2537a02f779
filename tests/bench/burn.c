/*
 * burn.c - the benchmark's renderer on the SDK: a sine whose CPU cost per
 * block is a knob (tests/bench/burn_dsp.h), for make bench's comparison of
 * rtaudio's hot and warm replicas with the same DSP inside JACK.
 *
 * Keys: [source] passes = N (whole, 0..10000000, default 0): the filter
 * passes per block, which the bench computes from a fraction of the period
 * and `burn --calibrate FRAMES`. Declares the parameter burn.passes
 * (default: the key), so the bench ramps the load with `rtaudioctl set`
 * and every replica switches at the same block: replicas stay
 * bit-identical, which they would not if each timed its own count.
 *
 * `burn --calibrate FRAMES` prints the nanoseconds one pass costs here at
 * FRAMES frames and exits (not a renderer run).
 *
 * It times its own DSP with the thread's CPU clock (two clock reads on
 * one block in BURN_PROBE_EVERY, counted that many times, as
 * tests/bench/jack_peer.c does around the same DSP in JACK's callback) and
 * says the running total in its status at each probe, "dsp_ns N at T" (T:
 * CLOCK_MONOTONIC ns then, so the bench takes the DSP's rate between two
 * probes without counting a status call inside its CPU window):
 * redundancy.sh subtracts what the DSP cost where it ran, on each side,
 * rather than the peer's DSP once per copy.
 *
 * What it does not do: keep audio state from one block to the next.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rtaudio/renderer.h>

#include "burn_dsp.h"

#define BURN_PASSES_MAX 10000000.0

struct burn {
	uint32_t rate;
	struct rta_host *host;
	uint64_t dsp_ns;   /* thread CPU time spent in burn_block so far (estimated) */
};

static int burn_open(void *state, struct rta_host *host, const struct rta_stream *st)
{
	struct burn *b = state;
	const char *v = rta_config_get(host, "source", "passes");
	char *end = NULL;
	double passes = 0;

	b->rate = st->sample_rate;
	b->host = host;
	if (st->frames > BURN_MAX_FRAMES)
		return rta_config_error(host, "stream", "frames", "burn renders at most %u frames",
		                        BURN_MAX_FRAMES);
	if (v != NULL) {
		passes = strtod(v, &end);
		if (*v == '\0' || *end != '\0' || passes < 0 || passes > BURN_PASSES_MAX ||
		    passes != (double)(uint32_t)passes)
			return rta_config_error(host, "source", "passes",
			                        "'%s' is not a whole number within 0..%.0f", v,
			                        BURN_PASSES_MAX);
	}
	if (rta_param_declare(host, "burn.passes", 0, BURN_PASSES_MAX, passes, "") < 0)
		return -1;
	return 0;
}

static void burn_render(void *state, const struct rta_block *blk)
{
	struct burn *b = state;
	double p = blk->params[0];  /* burn.passes, in force at this block */
	uint32_t passes = p > 0 ? (uint32_t)p : 0;
	char text[72];

	if (!burn_probed(blk->seq)) {
		burn_block(blk->seq, blk->frames, blk->channels, b->rate, passes, blk->out);
		return;
	}
	uint64_t t0 = burn_thread_cpu_ns();
	burn_block(blk->seq, blk->frames, blk->channels, b->rate, passes, blk->out);
	b->dsp_ns += (burn_thread_cpu_ns() - t0) * BURN_PROBE_EVERY;
	snprintf(text, sizeof text, "dsp_ns %llu at %llu", (unsigned long long)b->dsp_ns,
	         (unsigned long long)burn_now_ns());
	rta_status(b->host, text);
}

static const struct rta_renderer burn = {
	.abi = RTA_RENDERER_ABI,
	.name = "burn",
	.open = burn_open,
	.render = burn_render,
	.close = NULL,
};

int main(int argc, char **argv)
{
	static struct burn state;

	if (argc == 3 && strcmp(argv[1], "--calibrate") == 0) {
		long frames = strtol(argv[2], NULL, 10);
		if (frames < 16 || frames > (long)BURN_MAX_FRAMES) {
			fprintf(stderr, "burn: --calibrate FRAMES (16..%u)\n", BURN_MAX_FRAMES);
			return 64;
		}
		printf("%.3f\n", burn_calibrate((uint32_t)frames));
		return 0;
	}
	return rta_renderer_main(argc, argv, &burn, &state);
}
