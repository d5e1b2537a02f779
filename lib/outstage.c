/*
 * outstage.c - gain and pan after every render (see outstage.h).
 * Does not: allocate, branch per sample beyond the channel's side.
 */
#include <math.h>
#include <stddef.h>

#include "outstage.h"

static double outstage_clamp(double v, double lo, double hi)
{
	if (isnan(v))
		return 0.0;
	return v < lo ? lo : v > hi ? hi : v;
}

void outstage_apply(float *buf, uint32_t frames, uint32_t channels, double gain, double pan)
{
	gain = outstage_clamp(gain, 0.0, 4.0);
	pan = outstage_clamp(pan, -1.0, 1.0);
	double left = channels == 1 ? gain : gain * (1.0 - pan) / 2.0;
	double right = channels == 1 ? gain : gain * (1.0 + pan) / 2.0;

	for (uint32_t i = 0; i < frames; i++) {
		float *frame = buf + (size_t)i * channels;
		for (uint32_t c = 0; c < channels; c++)
			frame[c] = (float)(((c & 1u) ? right : left) * (double)frame[c]);
	}
}
