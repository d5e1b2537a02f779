/*
 * wavcmp.c - compare two sound files sample for sample.
 *
 *   wavcmp A B [TOLERANCE [SKIP_FRAMES]]
 *   wavcmp --gaps A B BLOCK
 *   wavcmp --align A B
 *
 * What it does: reads both with libsndfile as float, compares the frames
 * they share (same channel count required), from SKIP_FRAMES on, and
 * prints "frames N channels C differing D max_abs_diff X first_diff F".
 * Exit 0 if every sample differs by at most TOLERANCE (default 0: bit for
 * bit, -0.0 == 0.0 aside), 1 otherwise, 2 on a read error.
 *
 * --gaps: A is a recording of B with blocks of BLOCK frames possibly
 * missing (a recorder that fell behind): walks A block by block, and where
 * a block differs from B's at the same place looks ahead in B (up to 4096
 * blocks) for an exact match; prints "gap F N" for N frames of B missing
 * at A's frame F, then "blocks K gaps G missing M unmatched U". Exit 0 if
 * every block of A equals, bit for bit, the block of B it maps to.
 *
 * --align: A is a recording of B delayed by an unknown latency L (a live
 * chain recorded, B its offline render): L is the distance between their
 * first non-silent frames; A must be silent before L and equal, bit for
 * bit, B[n - L] for every frame both have from there on. Prints "latency L
 * frames N channels C differing D first_diff F" (F in A's frames). Exit 0
 * if nothing differs and at least one frame of sound was compared.
 *
 * What it does not do: resample or normalise; without --gaps, a recording
 * that is not sample-aligned with its reference fails, as it should.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int same(const float *a, const float *b, long long n)
{
	for (long long i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static int gaps(const char *pa, const char *pb, long long block)
{
	SF_INFO ia = { 0 }, ib = { 0 };
	float *a = slurp(pa, &ia), *b = slurp(pb, &ib);

	if (a == NULL || b == NULL || ia.channels != ib.channels || block < 1)
		return 2;
	long long c = ia.channels, n = block * c;
	long long ka = ia.frames / block, kb = ib.frames / block, j = 0, ng = 0, miss = 0, bad = 0;
	for (long long k = 0; k < ka; k++, j++) {
		if (j < kb && same(a + k * n, b + j * n, n))
			continue;
		long long f = -1;
		for (long long d = 1; d <= 4096 && j + d < kb; d++)
			if (same(a + k * n, b + (j + d) * n, n)) {
				f = d;
				break;
			}
		if (f < 0) {
			bad++;
			continue;
		}
		printf("gap %lld %lld\n", k * block, f * block);
		ng++;
		miss += f * block;
		j += f;
	}
	printf("blocks %lld gaps %lld missing %lld unmatched %lld\n", ka, ng, miss, bad);
	free(a);
	free(b);
	return bad == 0 ? 0 : 1;
}

static long long first_sound(const float *a, long long frames, int ch)
{
	for (long long i = 0; i < frames * ch; i++)
		if (a[i] != 0.0f)
			return i / ch;
	return -1;
}

static int align(const char *pa, const char *pb)
{
	SF_INFO ia = { 0 }, ib = { 0 };
	float *a = slurp(pa, &ia), *b = slurp(pb, &ib);

	if (a == NULL || b == NULL || ia.channels != ib.channels)
		return 2;
	long long c = ia.channels, sa = first_sound(a, ia.frames, ia.channels);
	long long sb = first_sound(b, ib.frames, ib.channels);
	if (sa < 0 || sb < 0 || sa < sb) {
		printf("no latency: first sound at frame %lld of A, %lld of B\n", sa, sb);
		return 1;
	}
	long long lat = sa - sb, diff = 0, first = -1, n = ia.frames - lat;
	if (n > ib.frames)
		n = ib.frames;
	for (long long f = 0; f < n; f++)
		for (long long k = 0; k < c; k++)
			if (a[(f + lat) * c + k] != b[f * c + k] && diff++ == 0)
				first = f + lat;
	printf("latency %lld frames %lld channels %lld differing %lld first_diff %lld\n", lat,
	       n, c, diff, first);
	free(a);
	free(b);
	return diff == 0 && n > sb ? 0 : 1;
}

int main(int argc, char **argv)
{
	SF_INFO ia = { 0 }, ib = { 0 };

	if (argc == 5 && strcmp(argv[1], "--gaps") == 0)
		return gaps(argv[2], argv[3], atoll(argv[4]));
	if (argc == 4 && strcmp(argv[1], "--align") == 0)
		return align(argv[2], argv[3]);

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
	free(a);
	free(b);
	return diff == 0 && n > skip ? 0 : 1;
}
