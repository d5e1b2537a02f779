/*
 * sink_alsa_link.c - the alsa sink's devices as the group sees them:
 * opening the capture beside the playback, publishing what the devices
 * took, and the link thread (normal priority, never the audio path) that
 * takes a lost device from the sink thread, logs the loss, closes both
 * PCMs and reopens them with backoff (ALSA_BACKOFF_MIN_NS .. MAX) at the
 * group's rate and period, then hands them back. The close waits for the
 * first retry: a jack PCM's libjack can deadlock in a close that comes
 * while it still handles the lost server's last notices (sink_jack_link.c,
 * jk_notify_ended), about 10 ms here. It also logs, once, that the sink
 * thread paces a device that does not keep time (al_pace).
 *
 * Does not: play, recover an xrun (sink_alsa.c's sink thread does), or
 * negotiate a PCM's parameters (sink_alsa_dev.c).
 */
#include <errno.h>
#include <stdio.h>

#include "clock.h"
#include "config.h"
#include "futex.h"
#include "log.h"
#include "sink_alsa_int.h"

/* Contract: sink_alsa_int.h. */
void al_publish(struct sink *s, const struct al_fmt *fmt, const struct al_want *w)
{
	atomic_store_explicit(&s->dev.format, fmt->id, memory_order_relaxed);
	atomic_store_explicit(&s->dev.period, (uint32_t)w->period, memory_order_relaxed);
	atomic_store_explicit(&s->dev.buffer, (uint32_t)w->buffer, memory_order_relaxed);
	atomic_store_explicit(&s->dev.rate, w->rate, memory_order_relaxed);
}

/* Contract: sink_alsa_int.h. */
int al_open_cap(struct sink *s, struct al *a, const struct config *cfg,
                const struct al_want *play, char *err, size_t errlen)
{
	struct al_want c = {
		.rate = play->rate, .channels = cfg->input_channels, .period = play->period,
		.buffer = play->buffer, .force = cfg->alsa_format, .exact = true, .capture = true,
	};
	int rc = al_open_dev(cfg->capture_device, &c, &a->cap, &a->cfmt, err, errlen);

	if (rc < 0)
		return rc;
	a->linked = snd_pcm_link(a->pcm, a->cap) == 0;
	a->cap_run = false;
	atomic_store_explicit(&s->dev.cap_format, a->cfmt->id, memory_order_relaxed);
	atomic_store_explicit(&s->dev.cap_channels, c.channels, memory_order_relaxed);
	atomic_store_explicit(&s->dev.cap_buffer, (uint32_t)c.buffer, memory_order_relaxed);
	atomic_store_explicit(&s->dev.cap_linked, a->linked, memory_order_relaxed);
	return 0;
}

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

	if (rc == 0 && s->dev.cap_name[0] != '\0' &&
	    (rc = al_open_cap(s, a, s->cfg, &w, err, sizeof(err))) < 0)
		al_close_pair(&a->pcm, &a->cap, a->linked);
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
	a->xrun_run = 0;
	a->last_err = 0;
	a->lost = false;
	al_publish(s, fmt, &w);
	atomic_fetch_add_explicit(&s->dev.reopens, 1, memory_order_relaxed);
	log_info("alsa: device '%s' is back after %.1f s (%s, period %lu, buffer %lu%s%s); audio "
	         "resumes at block %llu", s->cfg->device, (double)(now - a->down_ns) / 1e9,
	         snd_pcm_format_name(fmt->alsa), (unsigned long)w.period, (unsigned long)w.buffer,
	         a->cap != NULL ? ", capture " : "", a->cap != NULL ? s->dev.cap_name : "",
	         (unsigned long long)group_position(s->gr));
	atomic_store_explicit(&s->dev.up, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->dev.changes, 1, memory_order_release);
	atomic_store_explicit(&a->up, 1, memory_order_release);
	atomic_fetch_add_explicit(&a->sink_word, 1, memory_order_release);
	futex_wake(&a->sink_word, 1);
}

/* Contract: sink_alsa_int.h. */
void *al_link(void *arg)
{
	struct sink *s = arg;
	struct al *a = s->priv;

	while (!atomic_load_explicit(&a->stop, memory_order_acquire)) {
		uint32_t seen = atomic_load_explicit(&a->link_word, memory_order_acquire);
		uint64_t now = clock_now_ns();
		bool up = atomic_load_explicit(&a->up, memory_order_acquire);

		if (!up && a->pcm != NULL && !a->lost) {
			char stuck[48];

			snprintf(stuck, sizeof(stuck), "no progress for %u ms", ALSA_STUCK_MS);
			log_warn("alsa: device '%s'%s%s%s lost (%s); audio stopped at block %llu, "
			         "replicas keep running; reopening with backoff", s->cfg->device,
			         a->cap != NULL ? " or capture device '" : "",
			         a->cap != NULL ? s->dev.cap_name : "", a->cap != NULL ? "'" : "",
			         a->failed == -ETIMEDOUT        ? stuck
			         : a->failed == ALSA_ERR_XRUNS ? "xruns in a row, no period played"
			                                       : snd_strerror(a->failed),
			         (unsigned long long)group_position(s->gr));
			atomic_store_explicit(&s->dev.up, 0, memory_order_relaxed);
			atomic_fetch_add_explicit(&s->dev.losses, 1, memory_order_relaxed);
			atomic_fetch_add_explicit(&s->dev.changes, 1, memory_order_release);
			a->lost = true;
			a->down_ns = now;
			a->backoff_ns = ALSA_BACKOFF_MIN_NS;
			a->retry_ns = now + a->backoff_ns;
			a->last_err = 0;
		}
		if (!a->paced_logged && atomic_load_explicit(&s->dev.paced, memory_order_relaxed) > 0) {
			log_warn("alsa: device '%s' takes periods faster than real time (a PCM that "
			         "does not wait, like ALSA's null): paced by rtaudiod's clock",
			         s->cfg->device);
			a->paced_logged = true;
		}
		if (!up) {
			/* Waiting for the device is not a stuck sink (notify.c's WATCHDOG). */
			atomic_store_explicit(&s->beat_ns, now, memory_order_relaxed);
			if (now >= a->retry_ns) {
				al_close_pair(&a->pcm, &a->cap, a->linked);
				al_reopen(s, a, now);
			}
		}
		futex_wait(&a->link_word, seen, (int64_t)ALSA_LINK_TICK_NS);
	}
	return NULL;
}
