/*
 * jack_loop.c - play a known signal into rtaudiod's JACK inputs and record
 * its outputs in the same cycles (integration test tool for live input).
 *
 * Does: registers play_1, play_2 (connected to CLIENT:in_1, in_2) and
 * rec_1, rec_2 (connected from CLIENT:out_1, out_2); from the first cycle
 * in which all four connections exist, plays x_c(k), a deterministic noise
 * (a hash of the frame index k and the channel, |x| < 0.4, never 0), and
 * records, for SECONDS, counting frames from that same cycle. Then the
 * offline computation: rtaudiod's `input` source passes input through and
 * its output stage at gain 1, pan 0 scales a stereo stream by exactly 0.5,
 * so recorded frame n must equal 0.5 * x_c(n - L) bit for bit for one
 * latency L, and be silence before it. Finds L from the first sound, checks
 * every frame after it, prints L (frames and ms) and the mismatches.
 * Exit 0 when every frame matches, 1 otherwise, 2 on usage.
 *
 * Does not: start a JACK server, or survive one going away.
 *
 * usage: jack_loop SECONDS [CLIENT]
 */
#include <jack/jack.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static jack_port_t *play[2], *rec[2];
static float *buf;                      /* recorded, interleaved */
static uint64_t want, got;              /* frames; process thread only (got) */
static atomic_int started, done;

/* x_c(k): a hash of (k, c) to a float in (-0.4, 0.4), never 0, exact in float. */
static float sig(uint64_t k, unsigned c)
{
	uint64_t z = k * 2 + c + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	int32_t v = (int32_t)((z >> 40) & 0xffffff) - 0x800000; /* 24 bits */
	if (v == 0)
		v = 1;
	return (float)v * (0.4f / 8388608.0f);
}

static int process(jack_nframes_t n, void *arg)
{
	(void)arg;
	float *o[2], *in[2];

	for (unsigned c = 0; c < 2; c++) {
		o[c] = jack_port_get_buffer(play[c], n);
		in[c] = jack_port_get_buffer(rec[c], n);
	}
	if (!atomic_load(&started)) {
		bool all = true;
		for (unsigned c = 0; c < 2; c++)
			all = all && jack_port_connected(play[c]) > 0 && jack_port_connected(rec[c]) > 0;
		if (!all) {
			memset(o[0], 0, n * sizeof(float));
			memset(o[1], 0, n * sizeof(float));
			return 0;
		}
		atomic_store(&started, 1);
	}
	for (jack_nframes_t f = 0; f < n; f++) {
		uint64_t k = got + f;
		for (unsigned c = 0; c < 2; c++) {
			o[c][f] = sig(k, c);
			if (k < want)
				buf[k * 2 + c] = in[c][f];
		}
	}
	got += n;
	if (got >= want)
		atomic_store(&done, 1);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || atof(argv[1]) <= 0) {
		fprintf(stderr, "usage: jack_loop SECONDS [CLIENT]\n");
		return 2;
	}
	const char *peer = argc > 2 ? argv[2] : "rtaudiod";
	jack_status_t st;
	jack_client_t *cl = jack_client_open("jack_loop", JackNoStartServer, &st);
	if (cl == NULL) {
		fprintf(stderr, "jack_loop: cannot open a client (status 0x%x)\n", (unsigned)st);
		return 1;
	}
	unsigned rate = jack_get_sample_rate(cl);
	want = (uint64_t)(atof(argv[1]) * rate);
	buf = calloc(want * 2, sizeof(float));
	if (buf == NULL)
		return 1;
	const char *pn[2] = { "play_1", "play_2" }, *rn[2] = { "rec_1", "rec_2" };
	for (unsigned c = 0; c < 2; c++) {
		play[c] = jack_port_register(cl, pn[c], JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
		rec[c] = jack_port_register(cl, rn[c], JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
		if (play[c] == NULL || rec[c] == NULL)
			return 1;
	}
	jack_set_process_callback(cl, process, NULL);
	if (jack_activate(cl) != 0)
		return 1;
	for (unsigned c = 0; c < 2; c++) {
		char a[96], b[96];
		snprintf(a, sizeof a, "%s:in_%u", peer, c + 1);
		snprintf(b, sizeof b, "%s:out_%u", peer, c + 1);
		if (jack_connect(cl, jack_port_name(play[c]), a) != 0 ||
		    jack_connect(cl, b, jack_port_name(rec[c])) != 0) {
			fprintf(stderr, "jack_loop: cannot connect to %s's ports\n", peer);
			return 1;
		}
	}
	for (double waited = 0; !atomic_load(&done); waited += 0.01) {
		if (waited > atof(argv[1]) + 30) {
			fprintf(stderr, "jack_loop: recorded only %llu of %llu frames\n",
			        (unsigned long long)got, (unsigned long long)want);
			return 1;
		}
		usleep(10000);
	}
	jack_client_close(cl);

	/* The latency: the first sound, matched against the signal's start. */
	uint64_t n0 = 0;
	while (n0 < want && buf[n0 * 2] == 0.0f)
		n0++;
	if (n0 == want) {
		printf("jack_loop: nothing but silence in %llu frames\n", (unsigned long long)want);
		return 1;
	}
	int64_t lat = -1;
	for (uint64_t l = 0; l <= n0 && lat < 0; l++) {
		bool match = true;
		for (uint64_t i = 0; i < 64 && n0 + i < want && match; i++)
			match = buf[(n0 + i) * 2] == 0.5f * sig(n0 + i - l, 0);
		if (match)
			lat = (int64_t)l;
	}
	if (lat < 0) {
		printf("jack_loop: the first sound (frame %llu) is not the played signal\n",
		       (unsigned long long)n0);
		return 1;
	}
	uint64_t bad = 0, first_bad = 0;
	for (uint64_t n = (uint64_t)lat; n < want; n++)
		for (unsigned c = 0; c < 2; c++)
			if (buf[n * 2 + c] != 0.5f * sig(n - (uint64_t)lat, c) && bad++ == 0)
				first_bad = n;
	printf("jack_loop: %llu frames at %u Hz; input-to-output latency %lld frames (%.3f ms); "
	       "%llu frames checked, %llu mismatches%s", (unsigned long long)want, rate,
	       (long long)lat, 1000.0 * (double)lat / rate, (unsigned long long)(want - lat),
	       (unsigned long long)bad, bad ? "" : "\n");
	if (bad)
		printf(" (first at frame %llu)\n", (unsigned long long)first_bad);
	free(buf);
	return bad == 0 ? 0 : 1;
}
