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
 * With --gaps, each break of the first channel is also said as what it did
 * to the sine: "gap at frame N: S silent frames, the sine after it D frames
 * late (of a P-frame cycle): KIND", D from the sine's phase fitted over two
 * cycles either side, so known modulo the cycle; KIND is "inserted" when D
 * is S (modulo the cycle: silence was added and nothing lost, the rest
 * comes late), "replaced" when D is 0 (samples in place were lost) and
 * "jump" otherwise (samples dropped or repeated).
 *
 * usage: sinecheck FILE.wav FREQUENCY [MIN_SECONDS] [--steps FRAMES] [--gaps]
 */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A break's threshold on the residual: far above float rounding (a clean
 * sine's residual is about 1e-7), far below any cut in a 0.5 sine. */
#define BREAK_RESIDUAL 1e-4

/* The residual of channel c at frame n (1 <= n < frames - 1):
 * x[n+1] + x[n-1] - 2 cos(w) x[n], 0 for a pure sine. */
static double residual(const float *x, int ch, int c, sf_count_t n, double c2)
{
	double a = x[(n - 1) * ch + c], b = x[n * ch + c], d = x[(n + 1) * ch + c];

	return fabs(d + a - c2 * b);  /* in double, as the samples are promoted */
}

/* The phase of the sine in x[k * ch], k in [from, from + n): the angle of
 * its projection on sin and cos of w k. */
static double phase_at(const float *x, int ch, sf_count_t from, sf_count_t n, double w)
{
	double s = 0, c = 0;

	for (sf_count_t k = from; k < from + n; k++) {
		s += x[k * ch] * sin(w * (double)k);
		c += x[k * ch] * cos(w * (double)k);
	}
	return atan2(c, s);
}

/* Is frame n of channel 0 in a break: a residual above 1e-4, or silence
 * (whose residual is 0: three silent frames, which a sine's exact zero
 * crossing is not)? 1 <= n < frames - 1. */
static bool broken(const float *x, int ch, sf_count_t n, double c2)
{
	return residual(x, ch, 0, n, c2) > BREAK_RESIDUAL ||
	       (fabs(x[(n - 1) * ch]) < 1e-6 && fabs(x[n * ch]) < 1e-6 &&
	        fabs(x[(n + 1) * ch]) < 1e-6);
}

/* --gaps: say each break of channel 0 (frames in a break closer than a
 * cycle are one) as what it did to the sine. */
static void print_gaps(const float *x, int ch, sf_count_t frames, double c2, double w)
{
	double cycle = 2.0 * M_PI / w;
	sf_count_t fit = (sf_count_t)(2.0 * cycle), near = (sf_count_t)cycle + 1;
	sf_count_t n = 1;

	while (n + 1 < frames) {
		if (!broken(x, ch, n, c2)) {
			n++;
			continue;
		}
		sf_count_t start = n, end = n;
		for (n++; n + 1 < frames && n - end <= near; n++)
			if (broken(x, ch, n, c2))
				end = n;
		long silent = 0;
		for (sf_count_t k = start; k <= end; k++)
			silent += fabs(x[k * ch]) < 1e-6;
		if (start - 1 < fit || end + 2 + fit > frames) {
			printf("gap at frame %lld: %ld silent frames, too near an end to say more\n",
			       (long long)start, silent);
			continue;
		}
		double before = phase_at(x, ch, start - 1 - fit, fit, w);
		double after = phase_at(x, ch, end + 2, fit, w);
		double late = fmod((before - after) / w, cycle);
		if (late < 0)
			late += cycle;
		if (cycle - late < 0.5)  /* a whole cycle is none, modulo the cycle */
			late = 0;
		double want = fmod((double)silent, cycle);
		double off_ins = fmin(fabs(late - want), cycle - fabs(late - want));
		double off_rep = fmin(late, cycle - late);
		const char *kind = off_ins < 1.0 ? "inserted" : off_rep < 1.0 ? "replaced" : "jump";
		printf("gap at frame %lld: %ld silent frames, the sine after it %.1f frames late "
		       "(of a %.1f-frame cycle): %s\n",
		       (long long)start, silent, late, cycle, kind);
	}
}

int main(int argc, char **argv)
{
	SF_INFO info = { 0 };
	SNDFILE *sf;

	bool gaps = argc >= 4 && strcmp(argv[argc - 1], "--gaps") == 0;
	if (gaps)
		argc--;
	long steps = 0;
	if (argc >= 5 && strcmp(argv[argc - 2], "--steps") == 0) {
		steps = atol(argv[argc - 1]);
		argc -= 2;
	}
	if (argc < 3 || steps < 0) {
		fprintf(stderr, "usage: sinecheck FILE.wav FREQUENCY [MIN_SECONDS] [--steps FRAMES] "
		        "[--gaps]\n");
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
	double w = 2.0 * M_PI * freq / info.samplerate;
	double c2 = 2.0 * cos(w);
	double worst = 0, peak_min = 1e9;
	long long bad = 0, first_bad = -1;
	int window = (int)(info.samplerate / freq) + 2;  /* one full cycle */
	sf_count_t last_step = -1;

	for (int c = 0; c < ch; c++) {
		double peak = 0;
		for (sf_count_t n = 1; n + 1 < frames; n++) {
			double b = x[n * ch + c];
			double r = residual(x, ch, c, n, c2);
			if (r > worst)
				worst = r;
			/* n - 1, n, n + 1 span a boundary at n or n + 1: a step. */
			bool at_edge = steps > 0 && ((n % steps) == 0 || ((n + 1) % steps) == 0);
			if (r > BREAK_RESIDUAL && at_edge) {
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
			} else if (r > BREAK_RESIDUAL) {
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
	if (gaps && bad > 0)
		print_gaps(x, ch, frames, c2, w);
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
