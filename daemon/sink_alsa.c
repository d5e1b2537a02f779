/*
 * sink_alsa.c - the alsa sink: rtaudiod plays straight into an ALSA PCM.
 *
 * Does: before the group exists, open [sink] device for playback, choose a
 * sample format from what it offers (float, S32, S24 in 4 or 3 bytes, S16,
 * in that order, or the one [sink] alsa_format names), the stream's rate and
 * channels, a period of [sink] alsa_period (0: [stream] frames) and a buffer
 * of alsa_buffer frames (0: four periods), or the nearest the device takes;
 * the group follows the device's rate and period, logged, as it follows a
 * JACK server. Then a sink thread of ours, at the group's real-time
 * priority, is the group's clock: it waits (snd_pcm_wait, a poll) until the
 * device has room for one period, plays block `next` (sink_period),
 * converts it to the device's format into a buffer allocated at start, and
 * writes it (snd_pcm_writei). An underrun (-EPIPE, -ESTRPIPE) is recovered
 * with snd_pcm_recover, counted (sink.late, sink.device.xruns), and the
 * buffer refilled with silence to the same latency. A device that fails
 * otherwise, or makes no progress for ALSA_STUCK_MS (a USB device pulled, the
 * JACK server behind alsa-plugins' jack PCM stopped, which leaves writes
 * hanging), is handed to a link thread of ours (normal priority): it logs,
 * closes it, and reopens it with exponential backoff (100 ms .. 5 s) at the
 * group's rate and period; the sink position holds meanwhile, and the loop
 * thread's watchdog turns each change into a `sink` event.
 *
 * The sink thread's system calls: futex and clock calls like every sink,
 * plus the device's own I/O inside alsa-lib (poll, ioctl, read/write on the
 * device or on a plugin's socket). That is the one exception to the audio
 * path's rule, as JACK's own cycle hand-over is for the jack sink: the
 * device's clock has to reach the sink thread somehow. No allocation, lock
 * of ours or log there; libasound's own messages are silenced.
 *
 * Does not: resample, re-block, use mmap access, or follow a device whose
 * rate or period changed after start (it is not played into; logged).
 */
#include <alsa/asoundlib.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "futex.h"
#include "log.h"
#include "sink.h"

#define ALSA_STUCK_MS 500u                        /* no progress: the device is gone */
#define ALSA_BACKOFF_MIN_NS (100 * NSEC_PER_MSEC)
#define ALSA_BACKOFF_MAX_NS (5000 * NSEC_PER_MSEC)
#define ALSA_LINK_TICK_NS (100 * NSEC_PER_MSEC)

struct al_fmt {
	snd_pcm_format_t alsa;
	unsigned bytes;                  /* per sample */
	uint32_t id;                     /* enum sink_format */
	unsigned cfg;                    /* enum alsa_format value that forces it */
};

/* Preference order of the negotiation. */
static const struct al_fmt al_fmts[] = {
	{ SND_PCM_FORMAT_FLOAT_LE, 4, SINK_FMT_FLOAT, ALSA_FMT_FLOAT },
	{ SND_PCM_FORMAT_S32_LE, 4, SINK_FMT_S32, ALSA_FMT_S32 },
	{ SND_PCM_FORMAT_S24_LE, 4, SINK_FMT_S24, ALSA_FMT_S24 },
	{ SND_PCM_FORMAT_S24_3LE, 3, SINK_FMT_S24_3, ALSA_FMT_S24 },
	{ SND_PCM_FORMAT_S16_LE, 2, SINK_FMT_S16, ALSA_FMT_S16 },
};
#define AL_NFMTS (sizeof al_fmts / sizeof al_fmts[0])

struct al {
	/* Owned by the sink thread while `up`, by the loop/link thread otherwise. */
	snd_pcm_t *pcm;
	const struct al_fmt *fmt;
	snd_pcm_uframes_t buffer;
	bool prefill;                    /* write buffer - period of silence first */
	int failed;                      /* sink thread: the error that lost the device */
	/* Fixed after probe. */
	unsigned char *conv;             /* one period in the widest format */
	unsigned char *zero;             /* one period of silence, likewise */
	uint32_t wait_ms;                /* one snd_pcm_wait */
	/* Hand-over between the two threads. */
	_Atomic int up;                  /* 1: the sink thread owns pcm */
	_Atomic uint32_t sink_word;      /* futex: link -> sink (device back, stop) */
	_Atomic uint32_t link_word;      /* futex: sink -> link (device lost, stop) */
	_Atomic int stop;
	pthread_t thread, link;
	bool thread_started, link_started;
	/* link thread only */
	uint64_t down_ns, retry_ns, backoff_ns;
	uint64_t down_at;                /* sink position when it went */
	int last_err;                    /* last reopen error logged */
};

static void al_quiet(const char *file, int line, const char *function, int err,
                     const char *fmt, ...)
{
	(void)file, (void)line, (void)function, (void)err, (void)fmt;
}

/* ---- opening (loop thread at start, link thread after a loss) ------------ */

struct al_want {
	unsigned rate, channels;
	snd_pcm_uframes_t period, buffer;
	unsigned force;                  /* enum alsa_format */
	bool exact;                      /* a reopen: rate and period must not move */
};

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

/* Open and configure `device`; on success *w holds what the device took. */
static int al_open_dev(const char *device, struct al_want *w, snd_pcm_t **out,
                       const struct al_fmt **fmt, char *err, size_t errlen)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_t *pcm = NULL;
	unsigned rate = w->rate;
	snd_pcm_uframes_t period = w->period, buffer = w->buffer;
	int dir = 0, rc;

	rc = snd_pcm_open(&pcm, device, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK);
	if (rc < 0) {
		snprintf(err, errlen, "cannot open ALSA device '%s' for playback: %s", device,
		         snd_strerror(rc));
		return rc;
	}
	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
#define AL_TRY(call, what) \
	do { \
		if ((rc = (call)) < 0) { \
			snprintf(err, errlen, "ALSA device '%s': %s: %s", device, what, \
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
		snprintf(err, errlen, "ALSA device '%s' offers none of the sample formats %s", device,
		         w->force == ALSA_FMT_AUTO ? "float, S32, S24, S16"
		                                   : "that [sink] alsa_format asks for");
		goto fail;
	}
	AL_TRY(snd_pcm_hw_params_set_format(pcm, hw, (*fmt)->alsa), "sample format");
	if ((rc = snd_pcm_hw_params_set_channels(pcm, hw, w->channels)) < 0) {
		snprintf(err, errlen, "ALSA device '%s' cannot play %u channels: %s", device,
		         w->channels, snd_strerror(rc));
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
		snprintf(err, errlen, "ALSA device '%s' is back at %u Hz, period %lu, but the group "
		         "runs at %u Hz, %lu frames", device, rate, (unsigned long)period, w->rate,
		         (unsigned long)w->period);
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
	/* Start once full: the sink fills it with silence, then one block. */
	AL_TRY(snd_pcm_sw_params_current(pcm, sw), "software parameters");
	AL_TRY(snd_pcm_sw_params_set_start_threshold(pcm, sw, buffer), "start threshold");
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

static void al_publish(struct sink *s, const struct al_fmt *fmt, const struct al_want *w)
{
	atomic_store_explicit(&s->dev.format, fmt->id, memory_order_relaxed);
	atomic_store_explicit(&s->dev.period, (uint32_t)w->period, memory_order_relaxed);
	atomic_store_explicit(&s->dev.buffer, (uint32_t)w->buffer, memory_order_relaxed);
	atomic_store_explicit(&s->dev.rate, w->rate, memory_order_relaxed);
}

static int al_probe(struct sink *s, struct config *cfg, char *err, size_t errlen)
{
	struct al *a = calloc(1, sizeof(*a));
	struct al_want w;
	int rc;

	if (a == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->priv = a;
	snd_lib_error_set_handler(al_quiet);
	w = (struct al_want){
		.rate = cfg->sample_rate,
		.channels = cfg->channels,
		.period = cfg->alsa_period != 0 ? cfg->alsa_period : cfg->frames,
		.force = cfg->alsa_format,
	};
	w.buffer = cfg->alsa_buffer != 0 ? cfg->alsa_buffer : 4 * w.period;
	snd_pcm_uframes_t asked_p = w.period, asked_b = w.buffer;
	rc = al_open_dev(cfg->device, &w, &a->pcm, &a->fmt, err, errlen);
	if (rc < 0)
		return rc;
	if (cfg->lead >= cfg->ring_capacity) {
		snprintf(err, errlen, "lead (%u) must be less than ring_capacity (%u)", cfg->lead,
		         cfg->ring_capacity);
		return -EINVAL;
	}
	if (w.rate != cfg->sample_rate || w.period != cfg->frames) {
		log_info("alsa: following the device: %u Hz, %lu frames (config said %u Hz, %u "
		         "frames)", w.rate, (unsigned long)w.period, cfg->sample_rate, cfg->frames);
		cfg->sample_rate = w.rate;
		cfg->frames = (unsigned)w.period;
	}
	if (w.period != asked_p || w.buffer != asked_b)
		log_info("alsa: device '%s' took period %lu, buffer %lu frames (asked %lu, %lu)",
		         cfg->device, (unsigned long)w.period, (unsigned long)w.buffer,
		         (unsigned long)asked_p, (unsigned long)asked_b);
	log_info("alsa: device '%s': %s, %u Hz, %u channels, period %lu, buffer %lu frames",
	         cfg->device, snd_pcm_format_name(a->fmt->alsa), w.rate, cfg->channels,
	         (unsigned long)w.period, (unsigned long)w.buffer);
	a->buffer = w.buffer;
	snprintf(s->dev.name, sizeof s->dev.name, "%s", cfg->device);
	s->has_dev = true;
	al_publish(s, a->fmt, &w);
	atomic_store_explicit(&s->dev.up, 1, memory_order_relaxed);
	return 0;
}

/* ---- the sink thread ------------------------------------------------------ */

static inline float al_clamp(float x)
{
	return x > 1.0f ? 1.0f : x < -1.0f ? -1.0f : x != x ? 0.0f : x;
}

/* Float to the device's format, scaled by 2^(bits-1) - 1, rounded. RT-safe. */
static const void *al_convert(const struct al *a, const float *in, size_t n)
{
	unsigned char *o = a->conv;

	switch (a->fmt->id) {
	case SINK_FMT_FLOAT:
		return in;
	case SINK_FMT_S32:
		for (size_t i = 0; i < n; i++)
			((int32_t *)o)[i] = (int32_t)lrint((double)al_clamp(in[i]) * 2147483647.0);
		break;
	case SINK_FMT_S24:
		for (size_t i = 0; i < n; i++)
			((int32_t *)o)[i] = (int32_t)lrintf(al_clamp(in[i]) * 8388607.0f);
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
			((int16_t *)o)[i] = (int16_t)lrintf(al_clamp(in[i]) * 32767.0f);
		break;
	}
	return o;
}

/* An xrun: recover, count, refill to the same latency. 0, or the error. */
static int al_xrun(struct sink *s, struct al *a, int err)
{
	int rc = snd_pcm_recover(a->pcm, err, 1);

	if (rc < 0)
		return rc;
	atomic_fetch_add_explicit(&s->late, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->dev.xruns, 1, memory_order_relaxed);
	a->prefill = true;
	return 0;
}

/* Write all of buf (frames frames), waiting for room. 0 or -errno. RT path. */
static int al_write_all(struct sink *s, struct al *a, const void *buf, snd_pcm_uframes_t frames)
{
	const unsigned char *p = buf;
	size_t fbytes = (size_t)a->fmt->bytes * s->play.channels;
	uint32_t waited = 0;

	while (frames > 0) {
		snd_pcm_sframes_t n = snd_pcm_writei(a->pcm, p, frames);
		if (n == -EAGAIN) {
			int rc = snd_pcm_wait(a->pcm, (int)a->wait_ms);
			if (rc == 0 && (waited += a->wait_ms) >= ALSA_STUCK_MS)
				return -ETIMEDOUT;
			if (rc < 0 && (rc = al_xrun(s, a, rc)) < 0)
				return rc;
			continue;
		}
		if (n == -EPIPE || n == -ESTRPIPE || n == -EINTR) {
			int rc = al_xrun(s, a, (int)n);
			if (rc < 0)
				return rc;
			return 0; /* the block is gone; the next write refills */
		}
		if (n < 0)
			return (int)n;
		p += (size_t)n * fbytes;
		frames -= (snd_pcm_uframes_t)n;
	}
	return 0;
}

/* sink_period() hands us block `next`: convert, refill if needed, write. */
static void al_write(struct sink *s, const float *buf)
{
	struct al *a = s->priv;
	uint32_t frames = s->play.frames;
	int rc = 0;

	if (a->failed != 0)
		return;
	const void *data = al_convert(a, buf, (size_t)frames * s->play.channels);
	/* An xrun during the write sets prefill: refill and write the block again, once. */
	for (int attempt = 0; attempt < 2 && rc == 0; attempt++) {
		if (a->prefill) {
			a->prefill = false;
			snd_pcm_uframes_t left = a->buffer - frames;
			while (rc == 0 && left > 0) {
				snd_pcm_uframes_t k = left < frames ? left : frames;
				rc = al_write_all(s, a, a->zero, k);
				left -= k;
			}
		}
		if (rc == 0)
			rc = al_write_all(s, a, data, frames);
		if (!a->prefill)
			break;
	}
	if (rc < 0)
		a->failed = rc;
}

/* Wait until the device takes one period. 0, or the error that lost it. */
static int al_wait_room(struct sink *s, struct al *a)
{
	uint32_t waited = 0;

	for (;;) {
		snd_pcm_sframes_t av = snd_pcm_avail_update(a->pcm);
		if (av < 0) {
			int rc = al_xrun(s, a, (int)av);
			if (rc < 0)
				return rc;
			continue;
		}
		if (a->prefill || (snd_pcm_uframes_t)av >= s->play.frames)
			return 0;
		int rc = snd_pcm_wait(a->pcm, (int)a->wait_ms);
		if (rc < 0) {
			if ((rc = al_xrun(s, a, rc)) < 0)
				return rc;
			continue;
		}
		if (rc == 0) {
			atomic_store_explicit(&s->beat_ns, clock_now_ns(), memory_order_relaxed);
			if ((waited += a->wait_ms) >= ALSA_STUCK_MS)
				return -ETIMEDOUT;
		}
	}
}

static void al_hand_to_link(struct sink *s, struct al *a, int err)
{
	a->failed = err;
	atomic_store_explicit(&a->up, 0, memory_order_release);
	atomic_fetch_add_explicit(&a->link_word, 1, memory_order_release);
	futex_wake(&a->link_word, 1);
}

static void *al_main(void *arg)
{
	struct sink *s = arg;
	struct al *a = s->priv;
	uint64_t period = s->period_ns;

	(void)pthread_setname_np(pthread_self(), "alsa-sink"); /* for ps and the tests */
	rtprio_touch_stack(SINK_STACK_TOUCH);  /* resident before the first period */
	if (s->cfg->rt_priority > 0)
		rtprio_set(s->cfg->rt_priority, period, &s->rt);
	atomic_store_explicit(&s->rt_ready, 1, memory_order_release);
	while (!atomic_load_explicit(&a->stop, memory_order_acquire)) {
		if (!atomic_load_explicit(&a->up, memory_order_acquire)) {
			uint32_t w = atomic_load_explicit(&a->sink_word, memory_order_acquire);
			if (!atomic_load_explicit(&a->up, memory_order_acquire))
				futex_wait(&a->sink_word, w, (int64_t)ALSA_LINK_TICK_NS);
			continue;
		}
		if (atomic_load_explicit(&s->state, memory_order_relaxed) != SINK_RUNNING) {
			uint64_t now = clock_now_ns();
			if (!sink_prime(s))
				clock_sleep_until_ns(now + period / 4);
			continue;
		}
		int rc = al_wait_room(s, a);
		if (rc == 0) {
			sink_period(s); /* calls al_write */
			rc = a->failed;
		}
		if (rc < 0)
			al_hand_to_link(s, a, rc);
	}
	return NULL;
}

/* ---- the link thread: loss, backoff, reopen -------------------------------- */

static void al_reopen(struct sink *s, struct al *a, uint64_t now)
{
	struct al_want w = {
		.rate = s->cfg->sample_rate,
		.channels = s->play.channels,
		.period = s->play.frames,
		.buffer = s->cfg->alsa_buffer != 0 ? s->cfg->alsa_buffer : 4u * s->play.frames,
		.force = s->cfg->alsa_format,
		.exact = true,
	};
	const struct al_fmt *fmt = NULL;
	char err[256];
	int rc = al_open_dev(s->cfg->device, &w, &a->pcm, &fmt, err, sizeof(err));

	if (rc < 0) {
		if (rc != a->last_err)
			log_warn("alsa: %s (retrying, up to every %llu s)", err,
			         (unsigned long long)(ALSA_BACKOFF_MAX_NS / NSEC_PER_SEC));
		a->last_err = rc;
		a->pcm = NULL;
		a->backoff_ns = a->backoff_ns * 2 > ALSA_BACKOFF_MAX_NS ? ALSA_BACKOFF_MAX_NS
		                                                        : a->backoff_ns * 2;
		a->retry_ns = now + a->backoff_ns;
		return;
	}
	a->fmt = fmt;
	a->buffer = w.buffer;
	a->prefill = true;
	a->failed = 0;
	a->last_err = 0;
	al_publish(s, fmt, &w);
	atomic_fetch_add_explicit(&s->dev.reopens, 1, memory_order_relaxed);
	log_info("alsa: device '%s' is back after %.1f s (%s, period %lu, buffer %lu); audio "
	         "resumes at block %llu", s->cfg->device, (double)(now - a->down_ns) / 1e9,
	         snd_pcm_format_name(fmt->alsa), (unsigned long)w.period, (unsigned long)w.buffer,
	         (unsigned long long)group_position(s->gr));
	atomic_store_explicit(&s->dev.up, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->dev.changes, 1, memory_order_release);
	atomic_store_explicit(&a->up, 1, memory_order_release);
	atomic_fetch_add_explicit(&a->sink_word, 1, memory_order_release);
	futex_wake(&a->sink_word, 1);
}

static void *al_link(void *arg)
{
	struct sink *s = arg;
	struct al *a = s->priv;

	while (!atomic_load_explicit(&a->stop, memory_order_acquire)) {
		uint32_t seen = atomic_load_explicit(&a->link_word, memory_order_acquire);
		uint64_t now = clock_now_ns();
		bool up = atomic_load_explicit(&a->up, memory_order_acquire);

		if (!up && a->pcm != NULL) {
			log_warn("alsa: device '%s' lost (%s); audio stopped at block %llu, replicas "
			         "keep running; reopening with backoff", s->cfg->device,
			         a->failed == -ETIMEDOUT ? "no progress for 500 ms"
			                                 : snd_strerror(a->failed),
			         (unsigned long long)group_position(s->gr));
			atomic_store_explicit(&s->dev.up, 0, memory_order_relaxed);
			atomic_fetch_add_explicit(&s->dev.losses, 1, memory_order_relaxed);
			atomic_fetch_add_explicit(&s->dev.changes, 1, memory_order_release);
			snd_pcm_close(a->pcm);
			a->pcm = NULL;
			a->down_ns = now;
			a->backoff_ns = ALSA_BACKOFF_MIN_NS;
			a->retry_ns = now + a->backoff_ns;
			a->last_err = 0;
		}
		if (!up) {
			/* Waiting for the device is not a stuck sink (notify.c's WATCHDOG). */
			atomic_store_explicit(&s->beat_ns, now, memory_order_relaxed);
			if (now >= a->retry_ns)
				al_reopen(s, a, now);
		}
		futex_wait(&a->link_word, seen, (int64_t)ALSA_LINK_TICK_NS);
	}
	return NULL;
}

static int al_start(struct sink *s, char *err, size_t errlen)
{
	struct al *a = s->priv;
	size_t n = (size_t)s->play.frames * s->play.channels * sizeof(float);
	int rc;

	a->conv = calloc(1, n);
	a->zero = calloc(1, n);
	if (a->conv == NULL || a->zero == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* Wait a few periods at a time, at least 10 ms. */
	uint64_t ms = 4 * s->period_ns / NSEC_PER_MSEC;
	a->wait_ms = ms < 10 ? 10 : ms > 100 ? 100 : (uint32_t)ms;
	a->prefill = true;
	atomic_store_explicit(&a->up, 1, memory_order_release);
	rc = -pthread_create(&a->link, NULL, al_link, s);
	if (rc == 0) {
		a->link_started = true;
		rc = -pthread_create(&a->thread, NULL, al_main, s);
		a->thread_started = rc == 0;
	}
	if (rc < 0) {
		snprintf(err, errlen, "cannot start the alsa threads: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

static void al_close(struct sink *s)
{
	struct al *a = s->priv;

	if (a == NULL)
		return;
	atomic_store_explicit(&a->stop, 1, memory_order_release);
	atomic_fetch_add_explicit(&a->sink_word, 1, memory_order_release);
	futex_wake(&a->sink_word, 1);
	atomic_fetch_add_explicit(&a->link_word, 1, memory_order_release);
	futex_wake(&a->link_word, 1);
	if (a->thread_started)
		pthread_join(a->thread, NULL);
	if (a->link_started)
		pthread_join(a->link, NULL);
	if (a->pcm != NULL) {
		if (atomic_load_explicit(&a->up, memory_order_acquire))
			snd_pcm_drop(a->pcm);
		snd_pcm_close(a->pcm);
	}
	free(a->conv);
	free(a->zero);
	free(a);
	s->priv = NULL;
}

const struct sink_backend sink_alsa_backend = {
	.name = "alsa",
	.probe = al_probe,
	.write = al_write,
	.start = al_start,
	.close = al_close,
};
