/*
 * input.h - the input source: live input passed through.
 *
 * What it does: [source] type = input renders output block s from input
 * block s (the sink's capture, block->in): output channel c is input
 * channel c mod input_channels, sample for sample, so a plugin chain after
 * it processes the live signal. What it does not do: mix, resample, or
 * render without input (open fails unless [stream] input_channels > 0).
 */
#ifndef RTAUDIO_SOURCE_INPUT_H
#define RTAUDIO_SOURCE_INPUT_H

#include <stdint.h>

#include <rtaudio/renderer.h>

struct input_state {
	uint32_t input_channels;
};
extern const struct rta_renderer input_renderer;

/*
 * Pass-through of one block: out[f * channels + c] = in[f * ichannels +
 * c % ichannels]; in NULL writes silence. Pure, audio-path safe.
 */
void source_input_render(float *out, uint32_t frames, uint32_t channels, const float *in,
                         uint32_t ichannels);

#endif
