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
 * Options: -i IN1,IN2 and -o OUT1,OUT2 name the ports to play into and
 * record from (default CLIENT:in_1,in_2 and CLIENT:out_1,out_2; an ALSA
 * PCM's JACK client has other names); -w PLAYED.wav and -r REC.wav write
 * the signal played and the recording as float32 WAVs from the first
 * cycle (frame 0 of both is the same cycle); -n skips the pass-through
 * check (the output went through a chain: compare REC.wav with an offline
 * render of PLAYED.wav instead) and only requires some sound.
 *
 * Does not: start a JACK server, or survive one going away.
 *
 * usage: jack_loop [-n] [-i PORTS] [-o PORTS] [-w PLAYED.wav] [-r REC.wav] SECONDS [CLIENT]
 */
#include <getopt.h>
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
static float *played;                   /* what was played, interleaved */
static uint64_t want, got;              /* frames; process thread only (got) */
static atomic_int started, done;
static atomic_uint xruns;               /* the server's, while recording */

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
			if (k < want) {
				buf[k * 2 + c] = in[c][f];
				played[k * 2 + c] = o[c][f];
			}
		}
	}
	got += n;
	if (got >= want)
		atomic_store(&done, 1);
	return 0;
}

static void free_bufs(void)
{
	free(buf);
	free(played);
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A float32 stereo WAV (WAVE_FORMAT_IEEE_FLOAT, a 16-byte fmt chunk). */
static int write_wav(const char *path, const float *b, uint64_t frames, unsigned rate)
{
	unsigned char h[45] = "RIFF____WAVEfmt ____________________data____";
	uint32_t data = (uint32_t)(frames * 8);
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		return -1;
	put32(h + 4, 36 + data);
	put32(h + 16, 16);
	h[20] = 3, h[21] = 0, h[22] = 2, h[23] = 0;
	put32(h + 24, rate);
	put32(h + 28, rate * 8);
	h[32] = 8, h[33] = 0, h[34] = 32, h[35] = 0;
	put32(h + 40, data);
	int ok = fwrite(h, 44, 1, f) == 1 && fwrite(b, 8, frames, f) == frames;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* "A,B" into two names. */
static int two_ports(const char *list, char a[96], char b[96])
{
	const char *comma = strchr(list, ',');

	if (comma == NULL || comma - list >= 96 || strlen(comma + 1) >= 96)
		return -1;
	snprintf(a, 96, "%.*s", (int)(comma - list), list);
	snprintf(b, 96, "%s", comma + 1);
	return 0;
}

static int on_xrun(void *arg)
{
	(void)arg;
	if (atomic_load(&started) && !atomic_load(&done))
		atomic_fetch_add(&xruns, 1);
	return 0;
}

int main(int argc, char **argv)
{
	const char *ins = NULL, *outs = NULL, *wpath = NULL, *rpath = NULL;
	bool check = true;
	int opt;

	while ((opt = getopt(argc, argv, "ni:o:w:r:")) != -1) {
		switch (opt) {
		case 'n': check = false; break;
		case 'i': ins = optarg; break;
		case 'o': outs = optarg; break;
		case 'w': wpath = optarg; break;
		case 'r': rpath = optarg; break;
		default: optind = argc + 1; break;
		}
	}
	if (optind >= argc || argc - optind > 2 || atof(argv[optind]) <= 0) {
		fprintf(stderr, "usage: jack_loop [-n] [-i PORTS] [-o PORTS] [-w PLAYED.wav] "
		        "[-r REC.wav] SECONDS [CLIENT]\n");
		return 2;
	}
	double seconds = atof(argv[optind]);
	const char *peer = argc - optind > 1 ? argv[optind + 1] : "rtaudiod";
	char to[2][96], from[2][96];
	for (unsigned c = 0; c < 2; c++) {
		snprintf(to[c], sizeof to[c], "%s:in_%u", peer, c + 1);
		snprintf(from[c], sizeof from[c], "%s:out_%u", peer, c + 1);
	}
	if ((ins != NULL && two_ports(ins, to[0], to[1]) < 0) ||
	    (outs != NULL && two_ports(outs, from[0], from[1]) < 0)) {
		fprintf(stderr, "jack_loop: -i and -o take two ports, comma-separated\n");
		return 2;
	}
	jack_status_t st;
	jack_client_t *cl = jack_client_open("jack_loop", JackNoStartServer, &st);
	if (cl == NULL) {
		fprintf(stderr, "jack_loop: cannot open a client (status 0x%x)\n", (unsigned)st);
		return 1;
	}
	unsigned rate = jack_get_sample_rate(cl);
	want = (uint64_t)(seconds * rate);
	buf = calloc(want * 2, sizeof(float));
	played = calloc(want * 2, sizeof(float));
	if (buf == NULL || played == NULL)
		return 1;
	atexit(free_bufs); /* every exit path frees them (LeakSanitizer) */
	const char *pn[2] = { "play_1", "play_2" }, *rn[2] = { "rec_1", "rec_2" };
	for (unsigned c = 0; c < 2; c++) {
		play[c] = jack_port_register(cl, pn[c], JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
		rec[c] = jack_port_register(cl, rn[c], JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
		if (play[c] == NULL || rec[c] == NULL)
			return 1;
	}
	jack_set_process_callback(cl, process, NULL);
	jack_set_xrun_callback(cl, on_xrun, NULL);
	if (jack_activate(cl) != 0)
		return 1;
	for (unsigned c = 0; c < 2; c++) {
		if (jack_connect(cl, jack_port_name(play[c]), to[c]) != 0 ||
		    jack_connect(cl, from[c], jack_port_name(rec[c])) != 0) {
			fprintf(stderr, "jack_loop: cannot connect to %s and %s\n", to[c], from[c]);
			return 1;
		}
	}
	for (double waited = 0; !atomic_load(&done); waited += 0.01) {
		if (waited > seconds + 30) {
			fprintf(stderr, "jack_loop: recorded only %llu of %llu frames\n",
			        (unsigned long long)got, (unsigned long long)want);
			return 1;
		}
		usleep(10000);
	}
	jack_client_close(cl);
	if ((wpath != NULL && write_wav(wpath, played, want, rate) < 0) ||
	    (rpath != NULL && write_wav(rpath, buf, want, rate) < 0)) {
		fprintf(stderr, "jack_loop: cannot write %s\n", wpath != NULL ? wpath : rpath);
		return 1;
	}

	/* The latency: the first sound, matched against the signal's start. */
	uint64_t n0 = 0;
	while (n0 < want && buf[n0 * 2] == 0.0f)
		n0++;
	if (n0 == want) {
		printf("jack_loop: nothing but silence in %llu frames\n", (unsigned long long)want);
		return 1;
	}
	if (!check) {
		printf("jack_loop: %llu frames at %u Hz; first sound at frame %llu (%.3f ms); "
		       "server xruns %u\n", (unsigned long long)want, rate, (unsigned long long)n0,
		       1000.0 * (double)n0 / rate, atomic_load(&xruns));
		return 0;
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
	       "%llu frames checked, %llu mismatches; server xruns %u%s", (unsigned long long)want,
	       rate, (long long)lat, 1000.0 * (double)lat / rate, (unsigned long long)(want - lat),
	       (unsigned long long)bad, atomic_load(&xruns), bad ? "" : "\n");
	if (bad) {
		/* Where it went: the latency of the last 64 frames, if any fits. */
		int64_t tail = -1;
		uint64_t t0 = want - 64;
		for (uint64_t l = 0; l <= t0 && l < (1u << 17) && tail < 0; l++) {
			bool match = true;
			for (uint64_t i = 0; i < 64 && match; i++)
				match = buf[(t0 + i) * 2] == 0.5f * sig(t0 + i - l, 0);
			if (match)
				tail = (int64_t)l;
		}
		printf(" (first at frame %llu; latency at the end %lld frames)\n",
		       (unsigned long long)first_bad, (long long)tail);
	}
	return bad == 0 ? 0 : 1;
}
