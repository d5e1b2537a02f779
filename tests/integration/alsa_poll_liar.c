/*
 * alsa_poll_liar.c - an alsa-lib PCM plugin whose poll lies (test tool of
 * alsa_poll_lies.sh; alsa-lib loads it as pcm type "rtliar").
 *
 * A playback PCM built on alsa-lib's I/O plugin SDK (ioplug) whose poll
 * descriptor is always readable and whose poll_revents always says
 * POLLOUT: snd_pcm_wait() returns "ready" at once, whether or not there is
 * room. What it takes it discards. Its hardware pointer, by `mode`:
 *   clock  moves on in real time from the start (a device that plays, but
 *          whose poll cannot be slept on);
 *   stuck  never moves (a device that takes one buffer and then nothing).
 * A sink that trusts the poll spins on either. Interleaved read/write,
 * FLOAT_LE or S16_LE, 1 to 8 channels, 44.1 or 48 kHz.
 *
 * Does not: capture, mmap, or model a device's timing beyond that clock.
 *
 * ALSA configuration (asoundrc):
 *   pcm_type.rtliar { lib "/path/to/libasound_module_pcm_rtliar.so" }
 *   pcm.lies { type rtliar mode clock }
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>

struct liar {
	snd_pcm_ioplug_t io;
	bool stuck;
	struct timespec t0;   /* start: where the clock mode's pointer counts from */
	bool running;
};

static uint64_t liar_since_ns(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)(t.tv_sec - t0->tv_sec) * 1000000000ull + (uint64_t)t.tv_nsec -
	       (uint64_t)t0->tv_nsec;
}

static int liar_start(snd_pcm_ioplug_t *io)
{
	struct liar *l = io->private_data;

	clock_gettime(CLOCK_MONOTONIC, &l->t0);
	l->running = true;
	return 0;
}

static int liar_stop(snd_pcm_ioplug_t *io)
{
	struct liar *l = io->private_data;

	l->running = false;
	return 0;
}

static int liar_prepare(snd_pcm_ioplug_t *io)
{
	struct liar *l = io->private_data;

	l->running = false;
	return 0;
}

/* Within the buffer (ioplug adds up the moves, a wrap included): the sink
 * looks far more often than once a buffer. */
static snd_pcm_sframes_t liar_pointer(snd_pcm_ioplug_t *io)
{
	struct liar *l = io->private_data;

	if (l->stuck || !l->running || io->buffer_size == 0)
		return 0;
	uint64_t frames = liar_since_ns(&l->t0) * io->rate / 1000000000ull;
	/* Never past what was written: a device has nothing more to play. */
	if (frames > io->appl_ptr)
		frames = io->appl_ptr;
	return (snd_pcm_sframes_t)(frames % io->buffer_size);
}

static snd_pcm_sframes_t liar_transfer(snd_pcm_ioplug_t *io, const snd_pcm_channel_area_t *areas,
                                       snd_pcm_uframes_t offset, snd_pcm_uframes_t size)
{
	(void)io;
	(void)areas;
	(void)offset;
	return (snd_pcm_sframes_t)size;
}

/* The lie: ready, whatever the room. */
static int liar_poll_revents(snd_pcm_ioplug_t *io, struct pollfd *pfd, unsigned int nfds,
                             unsigned short *revents)
{
	(void)io;
	(void)pfd;
	(void)nfds;
	*revents = POLLOUT;
	return 0;
}

static int liar_close(snd_pcm_ioplug_t *io)
{
	struct liar *l = io->private_data;

	close(io->poll_fd);
	free(l);
	return 0;
}

static const snd_pcm_ioplug_callback_t liar_callbacks = {
	.start = liar_start,
	.stop = liar_stop,
	.prepare = liar_prepare,
	.pointer = liar_pointer,
	.transfer = liar_transfer,
	.poll_revents = liar_poll_revents,
	.close = liar_close,
};

static int liar_constrain(snd_pcm_ioplug_t *io)
{
	static const unsigned int access[] = { SND_PCM_ACCESS_RW_INTERLEAVED };
	static const unsigned int formats[] = { SND_PCM_FORMAT_FLOAT_LE, SND_PCM_FORMAT_S16_LE };
	static const unsigned int rates[] = { 44100, 48000 };
	int rc;

	if ((rc = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_ACCESS, 1, access)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_FORMAT, 2, formats)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_RATE, 2, rates)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_CHANNELS, 1, 8)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIOD_BYTES, 64, 64 * 1024)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIODS, 2, 64)) < 0)
		return rc;
	return 0;
}

SND_PCM_PLUGIN_DEFINE_FUNC(rtliar)
{
	snd_config_iterator_t i, next;
	const char *kind = "clock";
	struct liar *l;
	int rc;

	(void)root;
	snd_config_for_each(i, next, conf) {
		snd_config_t *n = snd_config_iterator_entry(i);
		const char *id;
		if (snd_config_get_id(n, &id) < 0)
			continue;
		if (strcmp(id, "comment") == 0 || strcmp(id, "type") == 0 || strcmp(id, "hint") == 0)
			continue;
		if (strcmp(id, "mode") == 0 && snd_config_get_string(n, &kind) == 0)
			continue;
		SNDERR("rtliar: unknown field %s", id);
		return -EINVAL;
	}
	if (strcmp(kind, "clock") != 0 && strcmp(kind, "stuck") != 0) {
		SNDERR("rtliar: mode is clock or stuck, not %s", kind);
		return -EINVAL;
	}
	if (stream != SND_PCM_STREAM_PLAYBACK)
		return -EINVAL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -ENOMEM;
	l->stuck = strcmp(kind, "stuck") == 0;
	/* Always readable: a count of 1 that nobody reads. */
	l->io.poll_fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->io.poll_fd < 0) {
		rc = -errno;
		free(l);
		return rc;
	}
	l->io.version = SND_PCM_IOPLUG_VERSION;
	l->io.name = "rtaudio test PCM whose poll lies";
	l->io.callback = &liar_callbacks;
	l->io.private_data = l;
	l->io.poll_events = POLLIN;
	l->io.flags = SND_PCM_IOPLUG_FLAG_MONOTONIC;
	if ((rc = snd_pcm_ioplug_create(&l->io, name, stream, mode)) < 0) {
		close(l->io.poll_fd);
		free(l);
		return rc;
	}
	if ((rc = liar_constrain(&l->io)) < 0) {
		snd_pcm_ioplug_delete(&l->io);
		return rc;
	}
	*pcmp = l->io.pcm;
	return 0;
}

SND_PCM_PLUGIN_SYMBOL(rtliar);
