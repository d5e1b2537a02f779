/*
 * sink_alsa.h - what the alsa sink's two files share: opening a PCM with
 * the stream's parameters and a negotiated sample format (sink_alsa_dev.c),
 * and converting one period between float and that format.
 *
 * Does not: run threads or touch the group (sink_alsa.c does).
 */
#ifndef RTAUDIOD_SINK_ALSA_H
#define RTAUDIOD_SINK_ALSA_H

#include <alsa/asoundlib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct al_fmt {
	snd_pcm_format_t alsa;
	unsigned bytes;                  /* per sample */
	uint32_t id;                     /* enum sink_format */
	unsigned cfg;                    /* enum alsa_format value that forces it */
};

/* What to open a PCM with; on success, what the device took. */
struct al_want {
	unsigned rate, channels;
	snd_pcm_uframes_t period, buffer;
	unsigned force;                  /* enum alsa_format */
	bool exact;                      /* rate and period must not move (a reopen, a capture) */
	bool capture;                    /* SND_PCM_STREAM_CAPTURE, else playback */
};

/*
 * Loop or link thread: open `device` (non-blocking, interleaved read/write
 * access) and configure it as *w asks, with the first format of float,
 * S32, S24 (4 then 3 bytes), S16 the device offers (or the one w->force
 * names). Playback starts by itself once its buffer is full; a capture is
 * started by the caller (snd_pcm_start). On success *w holds what the
 * device took, *out the PCM, *fmt its format; 0. Else -errno with a
 * message naming the device in err, nothing left open.
 */
int al_open_dev(const char *device, struct al_want *w, snd_pcm_t **out,
                const struct al_fmt **fmt, char *err, size_t errlen);

/*
 * Close *cap (unlinked from its playback first when `linked`) and *pcm,
 * either may be NULL, and set both NULL. Not real-time: a plugin's close
 * may talk to its server (the jack PCM).
 */
void al_close_pair(snd_pcm_t **pcm, snd_pcm_t **cap, bool linked);

/*
 * Real-time: n float samples to the device's format, into conv (which holds
 * n samples of 4 bytes); returns what to write (in itself for float).
 * Clipped to -1..1, times 2^(bits-1) - 1, rounded; NaN is 0.
 */
const void *al_to_dev(const struct al_fmt *fmt, unsigned char *conv, const float *in, size_t n);

/* Real-time: n samples the device captured in its format, to float: the
 * inverse scale of al_to_dev (divided by 2^(bits-1) - 1); float as is. */
void al_from_dev(const struct al_fmt *fmt, const unsigned char *raw, float *out, size_t n);

/* For snd_lib_error_set_handler: libasound's own messages, silenced. */
void al_quiet(const char *file, int line, const char *function, int err, const char *fmt, ...);

#endif
