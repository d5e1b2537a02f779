/*
 * tap.c - a third-party host following rtaudiod's audio with
 * librtaudio's public tap API (client.h) and nothing else.
 *
 * What it does: opens a tap through the control socket, prints the group's
 * stream and the sink's position, then follows BLOCKS blocks from there and
 * prints each one's sequence number, the replica whose ring it came from,
 * and its peak level. Build it against an installed librtaudio with:
 *
 *   cc tap.c $(pkg-config --cflags --libs rtaudio) -lm
 *
 * What it does not do: write anything to the daemon's shared memory (the
 * mappings are read-only), or handle signals: it is a sample, kept short.
 *
 * usage: rtaudio-tap SOCKET [BLOCKS]   (exit 0, 1 on any error)
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rtaudio/client.h>

int main(int argc, char **argv)
{
	char reply[512];
	struct rta_client *c;

	if (argc < 2) {
		fprintf(stderr, "usage: rtaudio-tap SOCKET [BLOCKS]\n");
		return 1;
	}
	long blocks = argc > 2 ? strtol(argv[2], NULL, 10) : 5;
	int rc = rta_client_open(&c, argv[1], reply, sizeof reply);
	if (rc < 0) {
		fprintf(stderr, "rtaudio-tap: %s: %s%s%s\n", argv[1], strerror(-rc),
		        reply[0] != '\0' ? ": " : "", reply);
		return 1;
	}
	const struct rta_client_info *in = rta_client_info(c);
	float *buf = malloc(in->block_samples * sizeof(float));
	if (buf == NULL) {
		rta_client_close(c);
		return 1;
	}
	uint64_t seq = rta_client_position(c);
	printf("group %s: %u Hz, %u ch, %u frames per block, %u replicas; position %llu\n",
	       in->group, in->sample_rate, in->channels, in->frames, in->replicas,
	       (unsigned long long)seq);
	for (long i = 0; i < blocks; i++, seq++) {
		rc = rta_client_follow(c, seq, buf, in->block_samples, 1000000000);
		if (rc == -ENODATA) {
			printf("block %llu: missed\n", (unsigned long long)seq);
			continue;
		}
		if (rc < 0) {
			fprintf(stderr, "rtaudio-tap: block %llu: %s\n", (unsigned long long)seq,
			        strerror(-rc));
			break;
		}
		float peak = 0;
		for (size_t k = 0; k < in->block_samples; k++)
			if (fabsf(buf[k]) > peak)
				peak = fabsf(buf[k]);
		printf("block %llu: replica %d, peak %.4f (%.2f dBFS)\n", (unsigned long long)seq,
		       rc, peak, peak > 0 ? 20 * log10(peak) : -INFINITY);
	}
	free(buf);
	rta_client_close(c);
	return rc < 0 && rc != -ENODATA ? 1 : 0;
}
