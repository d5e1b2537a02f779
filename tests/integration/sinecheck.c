/*
 * sinecheck.c - is a WAV file a continuous sine? (integration test tool)
 *
 * For a pure sine of angular frequency w, x[n+1] + x[n-1] - 2 cos(w) x[n]
 * is 0 at every n; a dropped, repeated or silent stretch breaks it, and so
 * does a torn block. Checks that residual on every sample of every channel,
 * and that the amplitude never falls to silence. Reads the file with
 * libsndfile. Prints the figures; exit 0 if continuous, 1 if not, 2 on usage.
 * With --steps FRAMES, a change of level exactly at a block boundary (a
 * parameter applied at one block) is allowed: each is printed as
 * "step at frame N: level A -> B" (N a multiple of FRAMES, A and B the
 * peaks of the cycles either side), and only breaks elsewhere count.
 *
 * usage: sinecheck FILE.wav FREQUENCY [MIN_SECONDS] [--steps FRAMES]
 */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	SF_INFO info = { 0 };
	SNDFILE *sf;

	long steps = 0;
	if (argc >= 5 && strcmp(argv[argc - 2], "--steps") == 0) {
		steps = atol(argv[argc - 1]);
		argc -= 2;
	}
	if (argc < 3 || steps < 0) {
		fprintf(stderr, "usage: sinecheck FILE.wav FREQUENCY [MIN_SECONDS] [--steps FRAMES]\n");
		return 2;
	}
	double freq = atof(argv[2]);
	double min_s = argc > 3 ? atof(argv[3]) : 0;
	sf = sf_open(argv[1], SFM_READ, &info);
	if (sf == NULL) {
		fprintf(stderr, "sinecheck: %s: %s\n", argv[1], sf_strerror(NULL));
		return 1;
	}
	int ch = info.channels;
	sf_count_t frames = info.frames;
	float *x = malloc(sizeof(float) * (size_t)frames * (size_t)ch);
	if (x == NULL || sf_readf_float(sf, x, frames) != frames) {
		fprintf(stderr, "sinecheck: cannot read %lld frames\n", (long long)frames);
		return 1;
	}
	sf_close(sf);
	double c2 = 2.0 * cos(2.0 * M_PI * freq / info.samplerate);
	double worst = 0, peak_min = 1e9;
	long long bad = 0, first_bad = -1;
	int window = (int)(info.samplerate / freq) + 2;  /* one full cycle */
	sf_count_t last_step = -1;

	for (int c = 0; c < ch; c++) {
		double peak = 0;
		for (sf_count_t n = 1; n + 1 < frames; n++) {
			double a = x[(n - 1) * ch + c], b = x[n * ch + c], d = x[(n + 1) * ch + c];
			double r = fabs(d + a - c2 * b);
			if (r > worst)
				worst = r;
			/* n - 1, n, n + 1 span a boundary at n or n + 1: a step. */
			bool at_edge = steps > 0 && ((n % steps) == 0 || ((n + 1) % steps) == 0);
			if (r > 1e-4 && at_edge) {
				sf_count_t edge = (n % steps) == 0 ? n : n + 1;
				if (c == 0 && edge != last_step) {
					double before = 0, after = 0;
					for (sf_count_t k = edge - window; k < edge && k >= 0; k++)
						before = fmax(before, fabs(x[k * ch]));
					for (sf_count_t k = edge; k < edge + window && k < frames; k++)
						after = fmax(after, fabs(x[k * ch]));
					printf("step at frame %lld: level %.4f -> %.4f\n", (long long)edge,
					       before, after);
					last_step = edge;
				}
			} else if (r > 1e-4) {
				if (first_bad < 0)
					first_bad = (long long)n;
				bad++;
			}
			if (fabs(b) > peak)
				peak = fabs(b);
			if (n % window == 0 && !(steps > 0 && last_step >= 0 && n - last_step < window)) {
				if (peak < peak_min)
					peak_min = peak;
				peak = 0;
			}
		}
	}
	free(x);
	double secs = (double)frames / info.samplerate;
	printf("sinecheck: %s: %lld frames (%.2f s), %d ch, %d Hz; max residual %.2e, "
	       "%lld discontinuities (first at frame %lld), min cycle peak %.4f\n",
	       argv[1], (long long)frames, secs, ch, info.samplerate, worst, bad, first_bad,
	       peak_min);
	if (secs < min_s) {
		printf("sinecheck: only %.2f s, wanted at least %.2f s\n", secs, min_s);
		return 1;
	}
	return bad == 0 && peak_min > 0.01 ? 0 : 1;
}
