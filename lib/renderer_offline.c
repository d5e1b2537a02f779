/*
 * renderer_offline.c - the renderer's open with its checks (for every
 * run), and the --render run without a daemon: blocks 0.. into a WAV file,
 * as fast as the renderer goes.
 *
 * What it does: --render calls the same open, render and output stage as
 * a replica, on the same block sequence from 0 with the declared defaults,
 * so its file is sample for sample what a group with the same keys plays
 * from its start (tests compare recordings against it), and it times the
 * renders, which makes it the cheapest way to learn what a chain costs.
 *
 * With --input IN.wav it feeds the stream's live input from a file, as
 * the sink's input ring does in a group: input block s is the file's frames
 * s * frames .. (s + 1) * frames - 1 (silence past its end), its channels
 * the stream's input_channels. So a recording of a live group whose input
 * began at a block boundary equals this render of the same input, shifted
 * by the input-to-output latency.
 *
 * What it does not do: map segments, apply parameter changes, confine the
 * process (it runs by hand), or follow a clock. The WAVs are read and
 * written by hand (float32 out; float32 or 16/24/32-bit PCM in), so
 * librtaudio needs no audio-file library.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "layout.h"
#include "outstage.h"
#include "renderer_int.h"

int rhost_open(struct rta_host *h, const struct rta_renderer *rd, void *state,
               const struct rta_stream *st)
{
	h->opening = true;
	int rc = rd->open(state, h, st);
	h->opening = false;
	if (rc != 0 && !h->failed)
		(void)rta_config_error(h, "source", NULL, "%s: open failed",
		                       rd->name != NULL ? rd->name : "renderer");
	if (rc != 0 || rhost_check_unused(h))
		return RTA_EX_CONFIG;
	return 0;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* A four-character chunk tag (no NUL in the file). */
static void put_tag(unsigned char *p, const char tag[4])
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)tag[i];
}

/* The 58-byte header of a float32 WAV of `frames` frames: RIFF, an
 * 18-byte fmt chunk (cbSize 0: non-PCM formats have one), a fact chunk (the
 * frame count, also required of non-PCM data), then the data chunk. */
#define WAV_HEADER 58u
static void wav_header(unsigned char *h, uint32_t rate, uint32_t ch, uint64_t frames)
{
	uint64_t data = frames * ch * 4u;
	uint32_t d32 = data > 0xffffffffu - WAV_HEADER ? 0xffffffffu - WAV_HEADER : (uint32_t)data;

	memset(h, 0, WAV_HEADER);
	put_tag(h, "RIFF");
	put32(h + 4, WAV_HEADER - 8 + d32);
	put_tag(h + 8, "WAVE");
	put_tag(h + 12, "fmt ");
	put32(h + 16, 18);
	h[20] = 3; /* WAVE_FORMAT_IEEE_FLOAT */
	h[22] = (unsigned char)ch;
	put32(h + 24, rate);
	put32(h + 28, rate * ch * 4u);
	h[32] = (unsigned char)(ch * 4u);
	h[34] = 32;
	/* h[36..37]: cbSize = 0 */
	put_tag(h + 38, "fact");
	put32(h + 42, 4);
	put32(h + 46, frames > 0xffffffffu ? 0xffffffffu : (uint32_t)frames);
	put_tag(h + 50, "data");
	put32(h + 54, d32);
}

static uint32_t get16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
	return get16(p) | get16(p + 2) << 16;
}

/* One sample of `bits` (32: float if is_float) at p, as a float. */
static float wav_sample(const unsigned char *p, unsigned bits, bool is_float)
{
	if (is_float) {
		uint32_t u = get32(p);
		float f;
		memcpy(&f, &u, sizeof f);
		return f;
	}
	if (bits == 16)
		return (float)(int16_t)get16(p) / 32768.0f;
	if (bits == 24) {
		int32_t v = (int32_t)(get16(p) | (uint32_t)p[2] << 16);
		if (v & 0x800000)
			v -= 0x1000000;
		return (float)v / 8388608.0f;
	}
	return (float)((double)(int32_t)get32(p) / 2147483648.0);
}

int rhost_read_input(const char *path, struct rhost_input *in, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	unsigned char hd[12], ck[8], fmt[40];
	unsigned tag = 0, bits = 0;
	uint32_t fmt_len = 0;
	bool have_fmt = false;
	int rc = -EINVAL;

	memset(in, 0, sizeof *in);
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fread(hd, sizeof hd, 1, f) != 1 || memcmp(hd, "RIFF", 4) != 0 ||
	    memcmp(hd + 8, "WAVE", 4) != 0) {
		snprintf(err, errlen, "%s: not a RIFF WAVE file", path);
		goto out;
	}
	while (fread(ck, sizeof ck, 1, f) == 1) {
		uint32_t len = get32(ck + 4);
		if (memcmp(ck, "fmt ", 4) == 0) {
			fmt_len = len < sizeof fmt ? len : (uint32_t)sizeof fmt;
			if (fmt_len < 16 || fread(fmt, fmt_len, 1, f) != 1 ||
			    fseek(f, (long)len - (long)fmt_len + (long)(len & 1), SEEK_CUR) != 0)
				break;
			tag = get16(fmt);
			in->channels = get16(fmt + 2);
			in->rate = get32(fmt + 4);
			bits = get16(fmt + 14);
			if (tag == 0xfffe && fmt_len >= 26) /* EXTENSIBLE: the sub-format's tag */
				tag = get16(fmt + 24);
			have_fmt = true;
			continue;
		}
		if (memcmp(ck, "data", 4) != 0) {
			if (fseek(f, (long)len + (len & 1), SEEK_CUR) != 0)
				break;
			continue;
		}
		bool is_float = tag == 3 && bits == 32;
		if (!have_fmt || !(is_float || (tag == 1 && (bits == 16 || bits == 24 ||
		                                             bits == 32)))) {
			snprintf(err, errlen, "%s: not float32 or 16/24/32-bit PCM", path);
			goto out;
		}
		if (in->channels < 1 || in->channels > LAYOUT_MAX_CHANNELS) {
			snprintf(err, errlen, "%s: %u channels (1..%u)", path, in->channels,
			         LAYOUT_MAX_CHANNELS);
			goto out;
		}
		size_t fbytes = (size_t)in->channels * bits / 8;
		in->frames = len / fbytes;
		unsigned char *raw = malloc(in->frames * fbytes + 1);
		in->buf = malloc(in->frames * in->channels * sizeof(float) + 1);
		if (raw == NULL || in->buf == NULL) {
			free(raw);
			rc = -ENOMEM;
			snprintf(err, errlen, "%s: out of memory", path);
			goto out;
		}
		in->frames = fread(raw, fbytes, in->frames, f); /* a short file: what is there */
		for (size_t i = 0; i < in->frames * in->channels; i++)
			in->buf[i] = wav_sample(raw + i * bits / 8, bits, is_float);
		free(raw);
		fclose(f);
		return 0;
	}
	snprintf(err, errlen, "%s: no %s chunk", path, have_fmt ? "data" : "fmt");
out:
	fclose(f);
	free(in->buf);
	in->buf = NULL;
	return rc;
}

void rhost_free_input(struct rhost_input *in)
{
	free(in->buf);
	memset(in, 0, sizeof *in);
}

/* Input block seq of the stream, from the file: silence past its end. */
static void input_block(const struct rhost_input *in, uint64_t seq, uint32_t frames, float *out)
{
	uint64_t first = seq * frames;

	memset(out, 0, (size_t)frames * in->channels * sizeof(float));
	if (first >= in->frames)
		return;
	size_t n = in->frames - first < frames ? (size_t)(in->frames - first) : frames;
	memcpy(out, in->buf + first * in->channels, n * in->channels * sizeof(float));
}

int rhost_run_offline(struct rta_host *h, const struct rta_renderer *rd, void *state,
                      const struct rta_stream *st, const char *path, double seconds,
                      double gain, double pan, const struct rhost_input *in)
{
	unsigned char hdr[WAV_HEADER];
	double pv[RTA_PARAMS_MAX];
	static float buf[LAYOUT_MAX_FRAMES * LAYOUT_MAX_CHANNELS];
	static float ibuf[LAYOUT_MAX_FRAMES * LAYOUT_MAX_CHANNELS];

	if (!(seconds > 0) || seconds > 86400.0)
		return RTA_EX_USAGE;
	if ((in != NULL) != (st->input_channels > 0) ||
	    (in != NULL && in->channels != st->input_channels))
		return RTA_EX_USAGE;
	if (rhost_open(h, rd, state, st) != 0) {
		fprintf(stderr, "[%s] %s: %s\n", h->err_section,
		        h->err_key[0] != '\0' ? h->err_key : "-", h->err_text);
		if (rd->close != NULL)
			rd->close(state);
		return RTA_EX_CONFIG;
	}
	for (unsigned i = 0; i < h->nparams; i++)
		pv[i] = h->decl[i].def;
	uint64_t blocks = (uint64_t)ceil(seconds * st->sample_rate / st->frames);
	FILE *f = fopen(path, "wb");
	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		if (rd->close != NULL)
			rd->close(state);
		return 1;
	}
	wav_header(hdr, st->sample_rate, st->channels, blocks * st->frames);
	size_t n = (size_t)st->frames * st->channels;
	bool ok = fwrite(hdr, sizeof hdr, 1, f) == 1;
	uint64_t spent = 0, worst = 0;
	for (uint64_t seq = 0; seq < blocks && ok; seq++) {
		memset(buf, 0, n * sizeof(float));
		struct rta_block b = {
			.seq = seq, .frames = st->frames, .channels = st->channels, .out = buf,
			.params = pv, .nparams = h->nparams,
		};
		if (in != NULL) {
			input_block(in, seq, st->frames, ibuf);
			b.in = ibuf;
		}
		uint64_t t0 = clock_now_ns();
		rd->render(state, &b);
		uint64_t t = clock_now_ns() - t0;
		spent += t;
		worst = t > worst ? t : worst;
		outstage_apply(buf, st->frames, st->channels, gain, pan);
		ok = fwrite(buf, sizeof(float), n, f) == n;
	}
	ok = fclose(f) == 0 && ok;
	if (rd->close != NULL)
		rd->close(state);
	if (!ok) {
		fprintf(stderr, "%s: write failed\n", path);
		return 1;
	}
	double per = blocks ? (double)spent / (double)blocks : 0;
	fprintf(stderr, "rendered %" PRIu64 " blocks in %.1f ms (%.2f us a block, %.2f %% of "
	        "the period; worst %.2f us)\n", blocks, spent / 1e6, per / 1e3,
	        100.0 * per / (double)st->period_ns, worst / 1e3);
	return 0;
}
