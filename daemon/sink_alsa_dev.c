/*
 * sink_alsa_dev.c - the alsa sink's devices: open a PCM for playback or
 * capture at the stream's rate, channels and period, negotiate the sample
 * format, convert periods between float and it, and close a pair.
 *
 * Does: snd_pcm_open (non-blocking), interleaved read/write access, the
 * first format of float, S32, S24 (in 4, then 3 bytes), S16 the device
 * offers (or the one [sink] alsa_format forces), the rate and period asked
 * for or the nearest the device takes (or exactly those: a reopen, a
 * capture beside its playback), a buffer of two periods or more; software
 * parameters: a playback starts once its buffer is full, a capture when
 * the sink starts it; both wake the sink at one period. Conversions in
 * both directions at the same scale, so a loop of playback into capture
 * gives the same floats back (for samples within -1..1).
 *
 * Does not: keep any state, run a thread, or log (the caller logs err).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "layout.h"
#include "sink.h"
#include "sink_alsa.h"

/* Preference order of the negotiation. */
static const struct al_fmt al_fmts[] = {
	{ SND_PCM_FORMAT_FLOAT_LE, 4, SINK_FMT_FLOAT, ALSA_FMT_FLOAT },
	{ SND_PCM_FORMAT_S32_LE, 4, SINK_FMT_S32, ALSA_FMT_S32 },
	{ SND_PCM_FORMAT_S24_LE, 4, SINK_FMT_S24, ALSA_FMT_S24 },
	{ SND_PCM_FORMAT_S24_3LE, 3, SINK_FMT_S24_3, ALSA_FMT_S24 },
	{ SND_PCM_FORMAT_S16_LE, 2, SINK_FMT_S16, ALSA_FMT_S16 },
};
#define AL_NFMTS (sizeof al_fmts / sizeof al_fmts[0])

void al_quiet(const char *file, int line, const char *function, int err, const char *fmt, ...)
{
	(void)file, (void)line, (void)function, (void)err, (void)fmt;
}

static const struct al_fmt *al_pick(snd_pcm_t *pcm, snd_pcm_hw_params_t *hw, unsigned force)
{
	for (size_t i = 0; i < AL_NFMTS; i++) {
		if (force != ALSA_FMT_AUTO && al_fmts[i].cfg != force)
			continue;
		if (snd_pcm_hw_params_test_format(pcm, hw, al_fmts[i].alsa) == 0)
			return &al_fmts[i];
	}
	return NULL;
}

int al_open_dev(const char *device, struct al_want *w, snd_pcm_t **out,
                const struct al_fmt **fmt, char *err, size_t errlen)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_t *pcm = NULL;
	unsigned rate = w->rate;
	snd_pcm_uframes_t period = w->period, buffer = w->buffer;
	const char *what = w->capture ? "capture" : "playback";
	int dir = 0, rc;

	rc = snd_pcm_open(&pcm, device, w->capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK,
	                  SND_PCM_NONBLOCK);
	if (rc < 0) {
		snprintf(err, errlen, "cannot open ALSA device '%s' for %s: %s", device, what,
		         snd_strerror(rc));
		return rc;
	}
	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
#define AL_TRY(call, step) \
	do { \
		if ((rc = (call)) < 0) { \
			snprintf(err, errlen, "ALSA device '%s' (%s): %s: %s", device, what, step, \
			         snd_strerror(rc)); \
			goto fail; \
		} \
	} while (0)
	AL_TRY(snd_pcm_hw_params_any(pcm, hw), "no configuration");
	AL_TRY(snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED),
	       "no interleaved read/write access");
	*fmt = al_pick(pcm, hw, w->force);
	if (*fmt == NULL) {
		rc = -EINVAL;
		snprintf(err, errlen, "ALSA device '%s' offers none of the sample formats %s for %s",
		         device, w->force == ALSA_FMT_AUTO ? "float, S32, S24, S16"
		                                           : "that [sink] alsa_format asks for", what);
		goto fail;
	}
	AL_TRY(snd_pcm_hw_params_set_format(pcm, hw, (*fmt)->alsa), "sample format");
	if ((rc = snd_pcm_hw_params_set_channels(pcm, hw, w->channels)) < 0) {
		snprintf(err, errlen, "ALSA device '%s' cannot %s %u channels: %s", device,
		         w->capture ? "capture" : "play", w->channels, snd_strerror(rc));
		goto fail;
	}
	AL_TRY(snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, &dir), "sample rate");
	AL_TRY(snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, &dir), "period size");
	if (buffer < 2 * period)
		buffer = 2 * period;
	AL_TRY(snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer), "buffer size");
	AL_TRY(snd_pcm_hw_params(pcm, hw), "cannot apply the hardware parameters");
	AL_TRY(snd_pcm_hw_params_get_period_size(hw, &period, &dir), "period size");
	AL_TRY(snd_pcm_hw_params_get_buffer_size(hw, &buffer), "buffer size");
	if (w->exact && (rate != w->rate || period != w->period)) {
		rc = -EINVAL;
		snprintf(err, errlen, "ALSA device '%s' (%s) runs at %u Hz, period %lu, but the group "
		         "runs at %u Hz, %lu frames", device, what, rate, (unsigned long)period,
		         w->rate, (unsigned long)w->period);
		goto fail;
	}
	if (period < LAYOUT_MIN_FRAMES || period > LAYOUT_MAX_FRAMES || buffer < 2 * period) {
		rc = -EINVAL;
		snprintf(err, errlen, "ALSA device '%s' takes a period of %lu frames (buffer %lu); "
		         "rtaudiod needs %u..%u and a buffer of 2 periods or more", device,
		         (unsigned long)period, (unsigned long)buffer, LAYOUT_MIN_FRAMES,
		         LAYOUT_MAX_FRAMES);
		goto fail;
	}
	if (rate < 8000 || rate > 384000) {
		rc = -EINVAL;
		snprintf(err, errlen, "ALSA device '%s' runs at %u Hz; rtaudiod supports "
		         "8000..384000", device, rate);
		goto fail;
	}
	/* Playback: start once full (the sink fills it with silence, then one
	 * block). Capture: the sink starts it; never by a read. */
	AL_TRY(snd_pcm_sw_params_current(pcm, sw), "software parameters");
	AL_TRY(snd_pcm_sw_params_set_start_threshold(pcm, sw, w->capture ? 2 * buffer : buffer),
	       "start threshold");
	AL_TRY(snd_pcm_sw_params_set_avail_min(pcm, sw, period), "avail_min");
	AL_TRY(snd_pcm_sw_params(pcm, sw), "cannot apply the software parameters");
#undef AL_TRY
	w->rate = rate;
	w->period = period;
	w->buffer = buffer;
	*out = pcm;
	return 0;
fail:
	snd_pcm_close(pcm);
	return rc < 0 ? rc : -EIO;
}

/* Contract: sink_alsa.h. */
void al_close_pair(snd_pcm_t **pcm, snd_pcm_t **cap, bool linked)
{
	if (*cap != NULL) {
		if (linked)
			(void)snd_pcm_unlink(*cap);
		snd_pcm_close(*cap);
		*cap = NULL;
	}
	if (*pcm != NULL)
		snd_pcm_close(*pcm);
	*pcm = NULL;
}

static inline float al_clamp(float x)
{
	return x > 1.0f ? 1.0f : x < -1.0f ? -1.0f : x != x ? 0.0f : x;
}

const void *al_to_dev(const struct al_fmt *fmt, unsigned char *o, const float *in, size_t n)
{
	switch (fmt->id) {
	case SINK_FMT_FLOAT:
		return in;
	case SINK_FMT_S32:
		for (size_t i = 0; i < n; i++)
			((int32_t *)(void *)o)[i] =
			    (int32_t)lrint((double)al_clamp(in[i]) * 2147483647.0);
		break;
	case SINK_FMT_S24:
		for (size_t i = 0; i < n; i++)
			((int32_t *)(void *)o)[i] = (int32_t)lrintf(al_clamp(in[i]) * 8388607.0f);
		break;
	case SINK_FMT_S24_3:
		for (size_t i = 0; i < n; i++) {
			int32_t v = (int32_t)lrintf(al_clamp(in[i]) * 8388607.0f);
			o[3 * i] = (unsigned char)(v & 0xff);
			o[3 * i + 1] = (unsigned char)((v >> 8) & 0xff);
			o[3 * i + 2] = (unsigned char)((v >> 16) & 0xff);
		}
		break;
	default: /* S16 */
		for (size_t i = 0; i < n; i++)
			((int16_t *)(void *)o)[i] = (int16_t)lrintf(al_clamp(in[i]) * 32767.0f);
		break;
	}
	return o;
}

void al_from_dev(const struct al_fmt *fmt, const unsigned char *raw, float *out, size_t n)
{
	switch (fmt->id) {
	case SINK_FMT_FLOAT:
		memcpy(out, raw, n * sizeof(float));
		break;
	case SINK_FMT_S32:
		for (size_t i = 0; i < n; i++) {
			int32_t v;
			memcpy(&v, raw + 4 * i, sizeof v);
			out[i] = (float)((double)v / 2147483647.0);
		}
		break;
	case SINK_FMT_S24:
		for (size_t i = 0; i < n; i++) {
			int32_t v;
			memcpy(&v, raw + 4 * i, sizeof v);
			v = (int32_t)((uint32_t)v << 8) >> 8; /* the low 24 bits, signed */
			out[i] = (float)v / 8388607.0f;
		}
		break;
	case SINK_FMT_S24_3:
		for (size_t i = 0; i < n; i++) {
			const unsigned char *p = raw + 3 * i;
			int32_t v = (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
			                      (uint32_t)p[2] << 16);
			v = (int32_t)((uint32_t)v << 8) >> 8;
			out[i] = (float)v / 8388607.0f;
		}
		break;
	default: /* S16 */
		for (size_t i = 0; i < n; i++) {
			int16_t v;
			memcpy(&v, raw + 2 * i, sizeof v);
			out[i] = (float)v / 32767.0f;
		}
		break;
	}
}
