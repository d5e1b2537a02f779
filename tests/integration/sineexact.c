/*
 * sineexact.c - is a WAV file, sample for sample, the sine rtaudio-replica
 * renders? (integration test tool)
 *
 * Renders every block again with the replicas' own code (source_sine_render
 * and the output stage, same stream shape, gain and pan) and compares the recording's float32
 * samples with it bit for bit: one corrupted, NaN, loud, dropped or silent
 * sample anywhere is a mismatch. The last, partial block is compared as far
 * as it goes. Prints the figures (mismatched samples, the first one, NaNs,
 * peak); exit 0 if identical, 1 if not, 2 on usage or an unreadable file.
 *
 * usage: sineexact FILE.wav FREQUENCY FRAMES [GAIN [PAN]]
 */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outstage.h"
#include "sine.h"

int main(int argc, char **argv)
{
	SF_INFO info = { 0 };

	if (argc < 4) {
		fprintf(stderr, "usage: sineexact FILE.wav FREQUENCY FRAMES [GAIN [PAN]]\n");
		return 2;
	}
	double freq = atof(argv[2]);
	long frames = atol(argv[3]);
	double gain = argc > 4 ? atof(argv[4]) : 1.0, pan = argc > 5 ? atof(argv[5]) : 0.0;
	SNDFILE *sf = sf_open(argv[1], SFM_READ, &info);
	if (sf == NULL || frames < 1 || frames > 1024 || info.channels < 1 || info.channels > 8) {
		fprintf(stderr, "sineexact: %s: %s\n", argv[1], sf_strerror(sf));
		return 2;
	}
	uint32_t ch = (uint32_t)info.channels;
	float *got = malloc(sizeof(float) * (size_t)frames * ch);
	float *want = malloc(sizeof(float) * (size_t)frames * ch);
	long long bad = 0, nans = 0, first = -1, total = 0;
	double peak = 0;
	if (got == NULL || want == NULL)
		return 2;
	for (uint64_t seq = 0;; seq++) {
		sf_count_t n = sf_readf_float(sf, got, frames);
		if (n <= 0)
			break;
		source_sine_render(want, (uint32_t)frames, ch, (uint32_t)info.samplerate, freq, seq);
		outstage_apply(want, (uint32_t)frames, ch, gain, pan);
		for (sf_count_t k = 0; k < n * (sf_count_t)ch; k++) {
			if (isnan(got[k]))
				nans++;
			else if (fabs(got[k]) > peak)
				peak = fabs(got[k]);
			if (memcmp(&got[k], &want[k], sizeof(float)) != 0) {
				if (first < 0)
					first = total + k;
				bad++;
			}
		}
		total += n * (sf_count_t)ch;
	}
	sf_close(sf);
	printf("sineexact: %lld samples, %lld differ (first at sample %lld), %lld NaN, peak %.3f\n",
	       total, bad, first, nans, peak);
	free(got);
	free(want);
	return total > 0 && bad == 0 ? 0 : 1;
}
