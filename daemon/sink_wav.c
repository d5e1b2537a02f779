/*
 * sink_wav.c - the wav sink: a float32 WAV file of exactly what was played.
 *
 * Does: on the RT sink thread, copy each block into an in-process ring (the
 * same lock-free ring as the replicas use) and wake a writer thread; on the
 * writer thread (normal priority), drain the ring into libsndfile. The WAV
 * header is rewritten after every write, so the file is valid at any time,
 * not only after a clean shutdown. Does not: touch the file from the RT thread
 * or block it: if the disk stalls longer than the ring holds, the writer
 * loses the oldest blocks and counts them (`dropped`), the sink never waits.
 */
#include <errno.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errtext.h"
#include "futex.h"
#include "ring.h"
#include "sink.h"

#define WAV_RING_BLOCKS 256u  /* 1.4 s at 48 kHz / 256 frames */

struct wav {
	SNDFILE *sf;
	void *mem;                 /* rtprio_rt_alloc(mem_bytes): the sink thread writes it */
	size_t mem_bytes;
	struct ring ring;
	struct ring_reader rd;
	float *tmp;
	pthread_t writer;
	_Atomic uint32_t wake;
	_Atomic int stop;
	_Atomic uint64_t frames_written;
	_Atomic uint64_t dropped;
};

static void *wav_writer(void *arg)
{
	struct sink *s = arg;
	struct wav *w = s->priv;
	uint32_t bytes = s->play.block_bytes;

	for (;;) {
		uint32_t seen = atomic_load_explicit(&w->wake, memory_order_acquire);
		int stopping = atomic_load_explicit(&w->stop, memory_order_acquire);
		uint32_t len;

		/* A corrupt slot (< 0) is counted in rd.lost by ring_read; stop for now. */
		while (ring_read(&w->ring, &w->rd, w->tmp, bytes, &len, NULL) == 1) {
			sf_count_t frames = len / (sizeof(float) * s->play.channels);
			sf_writef_float(w->sf, w->tmp, frames);
			atomic_fetch_add_explicit(&w->frames_written, (uint64_t)frames,
			                          memory_order_relaxed);
		}
		atomic_store_explicit(&w->dropped, w->rd.lost, memory_order_relaxed);
		if (stopping)
			break;
		futex_wait(&w->wake, seen, 100 * 1000 * 1000);
	}
	return NULL;
}

static int wav_open(struct sink *s, char *err, size_t errlen)
{
	const struct config *cfg = s->cfg;
	struct wav *w = NULL;
	SF_INFO info = { .samplerate = (int)cfg->sample_rate, .channels = (int)cfg->channels,
	                 .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	size_t bytes = ring_bytes(WAV_RING_BLOCKS, s->play.block_bytes);
	int rc;

	/*
	 * The sink thread writes the ring and its handle every period: both
	 * from rtprio_rt_alloc (resident, locked, not write-protected by the
	 * daemon's forks; page-aligned, so RING_ALIGN holds).
	 */
	void *mem;
	if (bytes == 0 || rtprio_rt_alloc(sizeof(*w), &mem) < 0)
		goto nomem;
	w = mem;
	if (rtprio_rt_alloc(bytes, &w->mem) < 0)
		goto nomem;
	w->mem_bytes = bytes;
	w->tmp = malloc(s->play.block_bytes);
	if (w->tmp == NULL)
		goto nomem;
	rc = ring_init(&w->ring, w->mem, bytes, WAV_RING_BLOCKS, s->play.block_bytes);
	if (rc < 0) {
		snprintf(err, errlen, "wav ring: %s", strerror(-rc));
		goto fail;
	}
	memset(w->tmp, 0, s->play.block_bytes);
	w->sf = sf_open(cfg->sink_path, SFM_WRITE, &info);
	if (w->sf == NULL) {
		char why[160];
		snprintf(err, errlen, "cannot open %s: %s", cfg->sink_path,
		         errtext_sndfile(sf_strerror(NULL), why, sizeof why));
		rc = -EIO;
		goto fail;
	}
	sf_command(w->sf, SFC_SET_UPDATE_HEADER_AUTO, NULL, SF_TRUE);
	s->priv = w;
	rc = -pthread_create(&w->writer, NULL, wav_writer, s);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start the wav writer: %s", strerror(-rc));
		sf_close(w->sf);
		s->priv = NULL;
		goto fail;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	rc = -ENOMEM;
fail:
	if (w != NULL) {
		free(w->tmp);
		rtprio_rt_free(w->mem, w->mem_bytes);
	}
	rtprio_rt_free(w, sizeof(*w));
	return rc;
}

static void wav_write(struct sink *s, const float *buf)
{
	struct wav *w = s->priv;

	ring_write_overwrite(&w->ring, buf, s->play.block_bytes);
	atomic_fetch_add_explicit(&w->wake, 1, memory_order_release);
	futex_wake(&w->wake, 1);
}

static void wav_close(struct sink *s)
{
	struct wav *w = s->priv;

	if (w == NULL)
		return;
	atomic_store_explicit(&w->stop, 1, memory_order_release);
	atomic_fetch_add_explicit(&w->wake, 1, memory_order_release);
	futex_wake(&w->wake, 1);
	pthread_join(w->writer, NULL);
	sf_write_sync(w->sf);
	sf_close(w->sf);
	free(w->tmp);
	rtprio_rt_free(w->mem, w->mem_bytes);
	rtprio_rt_free(w, sizeof(*w));
	s->priv = NULL;
}

const struct sink_backend sink_wav_backend = {
	.name = "wav",
	.open = wav_open,
	.write = wav_write,
	.close = wav_close,
};
