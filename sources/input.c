/*
 * input.c - the input source ([source] type = input): live input through.
 *
 * Does: copy input block s to output block s, channel c from input channel
 * c mod input_channels (a mono input feeds both sides of a stereo stream).
 * Deterministic: output s is a function of input s only, and every replica
 * reads the same input ring, so all of them render the same bits.
 * Does not: allocate, keep state, or make a system call in render.
 */
#include <stddef.h>

#include "input.h"

void source_input_render(float *out, uint32_t frames, uint32_t channels, const float *in,
                         uint32_t ichannels)
{
	if (in == NULL || ichannels == 0)
		return; /* out is zeroed by the runtime */
	for (uint32_t f = 0; f < frames; f++)
		for (uint32_t c = 0; c < channels; c++)
			out[(size_t)f * channels + c] = in[(size_t)f * ichannels + c % ichannels];
}

static int input_open(void *state, struct rta_host *host, const struct rta_stream *st)
{
	struct input_state *s = state;

	if (st->input_channels == 0)
		return rta_config_error(host, "source", "type", "type = input needs live input: set "
		                        "[stream] input_channels (and the sink's inputs)");
	s->input_channels = st->input_channels;
	return 0;
}

static void input_render(void *state, const struct rta_block *b)
{
	const struct input_state *s = state;

	source_input_render(b->out, b->frames, b->channels, b->in, s->input_channels);
}

const struct rta_renderer input_renderer = {
	.abi = RTA_RENDERER_ABI,
	.name = "input",
	.open = input_open,
	.render = input_render,
};
