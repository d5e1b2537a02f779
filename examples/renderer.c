/*
 * renderer.c - a complete custom renderer for rtaudiod: a tone whose level
 * is a parameter (rtaudioctl set tone.level 0.25).
 *
 * Build it against an installed librtaudio and run it as the group's
 * replica program:
 *     cc renderer.c $(pkg-config --cflags --libs rtaudio) -lm -o tone
 *     [group] replica = /path/to/tone      (in rtaudiod.conf)
 *     [source] frequency = 1000            (whole Hz; default 440)
 *
 * Deterministic, as every renderer must be: sample n of the stream is
 * level * sin(2 pi f n / rate), computed from n alone (n mod rate keeps the
 * phase exact for ever), so every replica renders the same bits.
 */
#include <math.h>
#include <stdlib.h>

#include <rtaudio/renderer.h>

static const double two_pi = 6.283185307179586;

struct tone {
	uint32_t rate;
	long hz;
};

static int tone_open(void *state, struct rta_host *host, const struct rta_stream *st)
{
	struct tone *t = state;
	const char *f = rta_config_get(host, "source", "frequency");
	char *end = NULL;

	t->rate = st->sample_rate;
	t->hz = f != NULL ? strtol(f, &end, 10) : 440;
	if (f != NULL && (*f == '\0' || *end != '\0'))
		return rta_config_error(host, "source", "frequency", "'%s' is not whole Hz", f);
	if (t->hz < 1 || t->hz >= (long)st->sample_rate / 2)
		return rta_config_error(host, "source", "frequency",
		                        "%ld Hz is not within 1..%u", t->hz, st->sample_rate / 2 - 1);
	if (rta_param_declare(host, "tone.level", 0.0, 1.0, 0.5, "") < 0)
		return -1;
	return 0;
}

static void tone_render(void *state, const struct rta_block *b)
{
	const struct tone *t = state;
	double level = b->params[0];  /* tone.level, in force at this block */

	for (uint32_t i = 0; i < b->frames; i++) {
		uint64_t n = b->seq * b->frames + i;
		uint64_t k = (n % t->rate) * (uint64_t)t->hz % t->rate;  /* whole cycles dropped */
		float x = (float)(level * sin(two_pi * (double)k / t->rate));

		for (uint32_t c = 0; c < b->channels; c++)
			b->out[i * b->channels + c] = x;
	}
}

static const struct rta_renderer tone = {
	.abi = RTA_RENDERER_ABI,
	.name = "tone",
	.open = tone_open,
	.render = tone_render,
	.close = NULL,
};

int main(int argc, char **argv)
{
	static struct tone state;

	return rta_renderer_main(argc, argv, &tone, &state);
}
