/*
 * wavcmp.c - compare two sound files sample for sample.
 *
 *   wavcmp A B [TOLERANCE [SKIP_FRAMES]]
 *
 * What it does: reads both with libsndfile as float, compares the frames
 * they share (same channel count required), from SKIP_FRAMES on, and
 * prints "frames N channels C differing D max_abs_diff X first_diff F".
 * Exit 0 if every sample differs by at most TOLERANCE (default 0: bit for
 * bit, -0.0 == 0.0 aside), 1 otherwise, 2 on a read error.
 *
 * What it does not do: align, resample or normalise: a recording that is
 * not sample-aligned with its reference fails, as it should.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sndfile.h>

static float *slurp(const char *path, SF_INFO *info)
{
	SNDFILE *sf = sf_open(path, SFM_READ, info);

	if (sf == NULL) {
		fprintf(stderr, "wavcmp: %s: %s\n", path, sf_strerror(NULL));
		return NULL;
	}
	float *buf = malloc(((size_t)info->frames + 1) * (size_t)info->channels * sizeof(float));
	if (buf != NULL)
		info->frames = sf_readf_float(sf, buf, info->frames);
	sf_close(sf);
	return buf;
}

int main(int argc, char **argv)
{
	SF_INFO ia = { 0 }, ib = { 0 };

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: wavcmp A B [TOLERANCE [SKIP_FRAMES]]\n");
		return 2;
	}
	double tol = argc >= 4 ? strtod(argv[3], NULL) : 0.0;
	long long skip = argc == 5 ? atoll(argv[4]) : 0;
	float *a = slurp(argv[1], &ia), *b = slurp(argv[2], &ib);
	if (a == NULL || b == NULL || ia.channels != ib.channels) {
		fprintf(stderr, "wavcmp: unreadable, or channel counts differ\n");
		return 2;
	}
	long long n = ia.frames < ib.frames ? ia.frames : ib.frames;
	long long diff = 0, first = -1;
	double max = 0;
	for (long long f = skip; f < n; f++)
		for (int c = 0; c < ia.channels; c++) {
			double d = fabs((double)a[f * ia.channels + c] - b[f * ia.channels + c]);
			if (d > tol || isnan(d)) {
				diff++;
				if (first < 0)
					first = f;
			}
			if (d > max)
				max = d;
		}
	printf("frames %lld channels %d differing %lld max_abs_diff %.9g first_diff %lld\n",
	       n - skip, ia.channels, diff, max, first);
	return diff == 0 && n > skip ? 0 : 1;
}
