/*
 * sink_alsa.c - the alsa sink: rtaudiod plays straight into an ALSA PCM,
 * and with [sink] capture_device captures the live input from another.
 *
 * Does: before the group exists, open [sink] device for playback
 * (sink_alsa_dev.c negotiates format, rate, period, buffer); the group
 * follows the device's rate and period, logged, as it follows a JACK
 * server. With [stream] input_channels, open capture_device at exactly
 * that rate and period (its own format) and snd_pcm_link() it to the
 * playback if they can be linked. Then a sink thread of ours, at the
 * group's real-time priority, is the group's clock: it waits (snd_pcm_wait)
 * until the device has room for a period (full duplex: until the capture
 * holds one, which it reads with snd_pcm_readi and converts into input
 * block next + lead, sink_input_begin/commit, as the jack sink does),
 * plays block `next` (sink_period), converts it and writes it
 * (snd_pcm_writei). The capture starts right after the playback (with it,
 * when linked), so the two keep one distance: the input-to-output latency
 * is constant. An underrun is recovered with snd_pcm_recover, counted
 * (sink.late, sink.device.xruns), the buffer refilled with silence to the
 * same latency and the capture restarted behind it; a capture overrun
 * likewise (sink.device.capture.xruns), its period silence. A device that
 * fails otherwise, xruns ALSA_XRUN_RUN_MAX times with no period written,
 * or makes no progress for ALSA_STUCK_MS by the clock (a USB device
 * pulled, the server behind a jack or pipewire PCM stopped; a poll that
 * says ready with no room is napped on, not spun on: al_wait), is handed
 * to the link thread
 * (sink_alsa_link.c), which reopens it; the position holds meanwhile. A
 * device that takes periods faster than real time (ALSA's null PCM, a
 * plugin that never waits) is paced by our clock (al_pace): never more
 * than ALSA_PACE_SLACK fast beyond a buffer's worth, counted
 * (sink.device.paced) and logged once.
 *
 * The sink thread's system calls: futex and clock calls like every sink,
 * plus the devices' own I/O inside alsa-lib (poll, ioctl, read/write on a
 * device or a plugin's socket; a plugin's stop and start after an xrun):
 * the one exception to the audio path's rule, as JACK's cycle hand-over is
 * for the jack sink. No allocation, lock of ours or log there; libasound's
 * own messages are silenced.
 *
 * Does not: resample, re-block, use mmap access, or follow a device whose
 * rate or period changed after start (it is not played into; logged).
 */
#include <alsa/asoundlib.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "futex.h"
#include "log.h"
#include "sink_alsa_int.h"

static int al_probe(struct sink *s, struct config *cfg, char *err, size_t errlen)
{
	struct al *a = NULL;
	struct al_want w;
	int rc;

	/* Off the heap and out of forks: the sink thread writes it (rtprio.h). */
	if (rtprio_rt_alloc(sizeof(*a), (void **)&a) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->priv = a;
	snd_lib_error_set_handler(al_quiet);
	if (cfg->input_channels > 0 && cfg->capture_device[0] == '\0') {
		snprintf(err, errlen, "[stream] input_channels = %u needs [sink] capture_device "
		         "(the ALSA PCM to capture from)", cfg->input_channels);
		return -EINVAL;
	}
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
	if (cfg->input_channels > 0) {
		if ((rc = al_open_cap(s, a, cfg, &w, err, errlen)) < 0)
			return rc;
		log_info("alsa: capture device '%s': %s, %u channels, buffer %u frames, %s",
		         cfg->capture_device, snd_pcm_format_name(a->cfmt->alsa),
		         cfg->input_channels, atomic_load(&s->dev.cap_buffer),
		         a->linked ? "linked to the playback" : "not linkable: started after it");
		snprintf(s->dev.cap_name, sizeof s->dev.cap_name, "%s", cfg->capture_device);
	}
	a->buffer = w.buffer;
	snprintf(s->dev.name, sizeof s->dev.name, "%s", cfg->device);
	s->has_dev = true;
	al_publish(s, a->fmt, &w);
	atomic_store_explicit(&s->dev.up, 1, memory_order_relaxed);
	return 0;
}

/* ---- the sink thread ------------------------------------------------------ */

/*
 * Before `frames` go to the device: one that takes them faster than real
 * time would have the sink thread spin at SCHED_FIFO, millions of blocks a
 * second, every one an underrun (the replicas render at the sink's pace)
 * and the replicas on its core starved into stall failovers. A real device
 * is never more than its buffer ahead of real time, so neither may we be:
 * a cell rate limit (GCRA) whose theoretical time moves on by what was
 * written, less ALSA_PACE_SLACK (far beyond any crystal's error: a device
 * that runs fast is never held), and a block (`hold`) waits while that time
 * is more than a buffer ahead. A prefill (silence) counts but never waits.
 * RT path: a clock read, and a clock sleep only when held.
 */
static void al_pace(struct sink *s, struct al *a, snd_pcm_uframes_t frames, bool hold)
{
	uint64_t rate = s->cfg->sample_rate, now = clock_now_ns();
	uint64_t early = (uint64_t)a->buffer * NSEC_PER_SEC / rate;
	uint64_t d = (uint64_t)frames * NSEC_PER_SEC / rate;

	if (hold && a->tat_ns > now + early) {
		clock_sleep_until_ns(a->tat_ns - early);
		atomic_fetch_add_explicit(&s->dev.paced, 1, memory_order_relaxed);
		now = a->tat_ns - early;
	}
	a->tat_ns = (a->tat_ns > now ? a->tat_ns : now) + d - d / ALSA_PACE_SLACK;
}

/*
 * One wait on `pcm` for what the caller found missing (room, or a captured
 * period); *w starts zeroed, and is zeroed again by the caller at each
 * progress. The device is lost (-ETIMEDOUT) once nothing came for
 * ALSA_STUCK_MS by the clock, whether its waits time out or say "ready"
 * with still nothing there: a PCM whose poll lies (ready, and no room)
 * would otherwise spin this SCHED_FIFO thread, starving the replicas on
 * its CPU into stall failovers. So a "ready" the caller found false is not
 * asked again at once: a quarter-period nap stands in for the next poll.
 * 0 (look again), snd_pcm_wait's error (the caller recovers), or
 * -ETIMEDOUT. RT path: poll, clock reads, a clock sleep.
 */
static int al_wait(struct sink *s, struct al *a, snd_pcm_t *pcm, struct al_waiting *w)
{
	uint64_t now = clock_now_ns();
	int rc;

	if (w->since == 0)
		w->since = now;
	else if (now - w->since >= (uint64_t)ALSA_STUCK_MS * NSEC_PER_MSEC)
		return -ETIMEDOUT;
	if (w->ready) {
		w->ready = false;
		clock_sleep_until_ns(now + s->period_ns / 4);
		return 0;
	}
	rc = snd_pcm_wait(pcm, (int)a->wait_ms);
	if (rc == 0)
		atomic_store_explicit(&s->beat_ns, clock_now_ns(), memory_order_relaxed);
	w->ready = rc > 0;
	return rc < 0 ? rc : 0;
}

/* A playback xrun: recover, count, refill to the same latency, and restart
 * the capture behind it (linked, the recovery prepared both). 0 or the error. */
static int al_xrun(struct sink *s, struct al *a, int err)
{
	int rc = ++a->xrun_run > ALSA_XRUN_RUN_MAX ? ALSA_ERR_XRUNS : snd_pcm_recover(a->pcm, err, 1);

	if (rc < 0)
		return rc;
	atomic_fetch_add_explicit(&s->late, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->dev.xruns, 1, memory_order_relaxed);
	a->prefill = true;
	if (a->cap != NULL && a->cap_run) {
		if (!a->linked) {
			(void)snd_pcm_drop(a->cap);
			if ((rc = snd_pcm_prepare(a->cap)) < 0)
				return rc;
		}
		a->cap_run = false;
	}
	return 0;
}

/*
 * A capture overrun: recover and count. The capture starts again after the
 * next write (al_cap_start), with the playback's buffer full as at the
 * first start: the same distance, the same latency. Linked, the playback
 * was stopped with it and is refilled first.
 */
static int al_cap_xrun(struct sink *s, struct al *a, int err)
{
	int rc = ++a->xrun_run > ALSA_XRUN_RUN_MAX ? ALSA_ERR_XRUNS : snd_pcm_recover(a->cap, err, 1);

	if (rc < 0)
		return rc;
	atomic_fetch_add_explicit(&s->late, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->dev.cap_xruns, 1, memory_order_relaxed);
	a->prefill = a->prefill || a->linked;
	a->cap_run = false;
	return 0;
}

/* After the playback (re)started: start the capture behind it, once. */
static int al_cap_start(struct al *a)
{
	if (a->cap == NULL || a->cap_run)
		return 0;
	snd_pcm_state_t st = snd_pcm_state(a->cap);
	int rc = 0;

	if (st == SND_PCM_STATE_XRUN || st == SND_PCM_STATE_SETUP)
		rc = snd_pcm_prepare(a->cap);
	if (rc == 0 && st != SND_PCM_STATE_RUNNING)
		rc = snd_pcm_start(a->cap);
	a->cap_run = rc == 0;
	return rc;
}

/* Write all of buf (frames frames), waiting for room. 0 or -errno. RT path. */
static int al_write_all(struct sink *s, struct al *a, const void *buf, snd_pcm_uframes_t frames)
{
	const unsigned char *p = buf;
	size_t fbytes = (size_t)a->fmt->bytes * s->play.channels;
	struct al_waiting w = { 0 };

	while (frames > 0) {
		snd_pcm_sframes_t n = snd_pcm_writei(a->pcm, p, frames);
		if (n == -EAGAIN) {
			int rc = al_wait(s, a, a->pcm, &w);
			if (rc == -ETIMEDOUT)
				return rc;
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
		w = (struct al_waiting){ 0 };
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
	const void *data = al_to_dev(a->fmt, a->conv, buf, (size_t)frames * s->play.channels);
	/* An xrun during the write sets prefill: refill and write the block again, once. */
	for (int attempt = 0; attempt < 2 && rc == 0; attempt++) {
		if (a->prefill) {
			a->prefill = false;
			snd_pcm_uframes_t left = a->buffer - frames;
			al_pace(s, a, left, false);
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
	if (rc == 0 && !a->prefill)
		a->xrun_run = 0;      /* the block is in the device */
	if (rc == 0)
		rc = al_cap_start(a); /* the buffer is full: the playback runs */
	if (rc < 0)
		a->failed = rc;
}

/* Wait until `pcm` can take (or, capture, holds) one period: 0, or the
 * error that lost it. `cap`: an xrun is the capture's, and one that stops
 * it (linked) returns at once, to refill the playback. */
static int al_wait_period(struct sink *s, struct al *a, snd_pcm_t *pcm, bool cap)
{
	struct al_waiting w = { 0 };

	for (;;) {
		snd_pcm_sframes_t av = snd_pcm_avail_update(pcm);
		int rc = av < 0 ? (int)av : 0;
		if (rc == 0) {
			if (cap ? !a->cap_run : a->prefill)
				return 0;
			if ((snd_pcm_uframes_t)av >= s->play.frames)
				return 0;
			if ((rc = al_wait(s, a, pcm, &w)) == -ETIMEDOUT)
				return rc;
		}
		if (rc < 0 && (rc = cap ? al_cap_xrun(s, a, rc) : al_xrun(s, a, rc)) < 0)
			return rc;
	}
}

/*
 * Full duplex: input block next + lead from one captured period (silence
 * until the capture runs, or for a period it lost). 0 or the error that
 * lost the device. RT path.
 */
static int al_capture(struct sink *s, struct al *a)
{
	float *in = sink_input_begin(s);
	uint32_t ich = s->gr->input_channels;
	snd_pcm_uframes_t left = s->play.frames;
	unsigned char *p = a->craw;
	size_t fbytes = (size_t)a->cfmt->bytes * ich;
	struct al_waiting w = { 0 };
	int rc = 0;

	if (in == NULL)
		return 0;
	while (a->cap_run && left > 0 && rc == 0) {
		snd_pcm_sframes_t n = snd_pcm_readi(a->cap, p, left);
		if (n == -EAGAIN) {
			rc = al_wait(s, a, a->cap, &w);
		} else if (n < 0) {
			rc = (int)n;
		} else {
			p += (size_t)n * fbytes;
			left -= (snd_pcm_uframes_t)n;
			w = (struct al_waiting){ 0 };
		}
		if (rc == -EPIPE || rc == -ESTRPIPE || rc == -EINTR) {
			if ((rc = al_cap_xrun(s, a, rc)) == 0)
				break; /* this period is lost: silence */
		}
	}
	if (left == 0)
		al_from_dev(a->cfmt, a->craw, in, (size_t)s->play.frames * ich);
	else
		memset(in, 0, (size_t)s->play.frames * ich * sizeof(float));
	sink_input_commit(s, in);
	return rc;
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
		rtprio_set(sink_rt_priority(s->cfg), period, &s->rt);
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
		/* Duplex: the capture paces (the playback has room by then). */
		int rc = a->cap != NULL && a->cap_run ? al_wait_period(s, a, a->cap, true)
		                                      : al_wait_period(s, a, a->pcm, false);
		if (rc == 0 && a->cap != NULL)
			rc = al_capture(s, a);
		if (rc == 0) {
			al_pace(s, a, s->play.frames, true);
			uint64_t now = sink_period(s); /* calls al_write */
			rc = a->failed;
			/* SIGUSR2's test hook: hold once, as a stuck thread would (xruns). */
			uint64_t hold = atomic_exchange_explicit(&s->stall_ns, 0, memory_order_relaxed);
			if (hold != 0)
				clock_sleep_until_ns(now + hold);
		}
		if (rc < 0)
			al_hand_to_link(s, a, rc);
	}
	return NULL;
}

static int al_start(struct sink *s, char *err, size_t errlen)
{
	struct al *a = s->priv;
	size_t n = (size_t)s->play.frames * s->play.channels * sizeof(float);
	int rc;

	/* A captured period in any format: at most 4 bytes a sample (1 channel if none). */
	uint32_t ich = s->gr->input_channels > 0 ? s->gr->input_channels : 1;
	a->conv_bytes = n;
	a->craw_bytes = (size_t)s->play.frames * ich * 4;
	if (rtprio_rt_alloc(n, (void **)&a->conv) < 0 || rtprio_rt_alloc(n, (void **)&a->zero) < 0 ||
	    rtprio_rt_alloc(a->craw_bytes, (void **)&a->craw) < 0) {
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
		rc = rtthread_start(&a->thread, SINK_STACK_BYTES, al_main, s);
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
		(void)rtthread_join(&a->thread);
	if (a->link_started)
		pthread_join(a->link, NULL);
	if (a->pcm != NULL && atomic_load_explicit(&a->up, memory_order_acquire)) {
		if (a->cap != NULL)
			(void)snd_pcm_drop(a->cap);
		snd_pcm_drop(a->pcm);
	}
	al_close_pair(&a->pcm, &a->cap, a->linked);
	rtprio_rt_free(a->conv, a->conv_bytes);
	rtprio_rt_free(a->zero, a->conv_bytes);
	rtprio_rt_free(a->craw, a->craw_bytes);
	rtprio_rt_free(a, sizeof(*a));
	s->priv = NULL;
}

const struct sink_backend sink_alsa_backend = {
	.name = "alsa",
	.probe = al_probe,
	.write = al_write,
	.start = al_start,
	.close = al_close,
	.captures = "[sink] capture_device",
	.own_thread = true,
};
