/*
 * outstage.h - the output stage every renderer's blocks go through: gain
 * and pan, the seed's law (renderer.h states it for renderer authors).
 *
 * What it does: scales channel c of an interleaved float block by
 *     mono:      gain
 *     otherwise: gain * (1 - pan) / 2 for even c (left),
 *                gain * (1 + pan) / 2 for odd c (right)
 * computed in double and rounded once to float, so two replicas (and a
 * test computing the expected block) get the same bits. Out-of-range
 * values are clamped (gain 0..4, pan -1..1, NaN to 0): the daemon never
 * publishes them, but a bad history must not make the output explode.
 *
 * What it does not do: allocate, call anything, or look at the samples'
 * values (a NaN the renderer wrote stays NaN; the sink's guard sees it).
 */
#ifndef RTAUDIO_OUTSTAGE_H
#define RTAUDIO_OUTSTAGE_H

#include <stdint.h>

/* Apply the stage in place to buf[frames * channels]. Pure; audio-path safe. */
void outstage_apply(float *buf, uint32_t frames, uint32_t channels, double gain, double pan);

#endif
