/*
 * main.c - rtaudio-replica, the built-in renderer: one program on the
 * renderer runtime (<rtaudio/renderer.h>) that plays one of the built-in
 * sources of sources/, chosen by [source] type.
 *
 * What it does: open reads `type` (default sine) and hands the rest of the
 * renderer's life to that source's callbacks; everything else (arguments,
 * segments, real time, heartbeat, CRC, output stage) is the runtime's.
 *
 * What it does not do: anything a custom renderer could not do: it uses the
 * public API only, so it is also the reference for writing one.
 */
#include <string.h>

#include <rtaudio/renderer.h>

#include "input.h"
#include "sine.h"

/* The built-in sources, by [source] type. */
static const struct {
	const char *type;
	const struct rta_renderer *r;
} builtin_sources[] = {
	{ "sine", &sine_renderer },
	{ "input", &input_renderer },
};

#define NSOURCES (sizeof builtin_sources / sizeof builtin_sources[0])

struct builtin {
	const struct rta_renderer *src;  /* the chosen source, after open */
	union {
		struct sine_state sine;
		struct input_state input;
	} u;
};

static int builtin_open(void *state, struct rta_host *host, const struct rta_stream *st)
{
	struct builtin *b = state;
	const char *type = rta_config_get(host, "source", "type");

	if (type == NULL)
		type = "sine";
	for (size_t i = 0; i < NSOURCES; i++)
		if (strcmp(builtin_sources[i].type, type) == 0)
			b->src = builtin_sources[i].r;
	if (b->src == NULL)
		return rta_config_error(host, "source", "type", "'%s' is not one of sine|input", type);
	return b->src->open(&b->u, host, st);
}

static void builtin_render(void *state, const struct rta_block *blk)
{
	struct builtin *b = state;

	b->src->render(&b->u, blk);
}

static void builtin_close(void *state)
{
	struct builtin *b = state;

	if (b->src != NULL && b->src->close != NULL)
		b->src->close(&b->u);
}

static const struct rta_renderer builtin = {
	.abi = RTA_RENDERER_ABI,
	.name = "rtaudio-replica",
	.open = builtin_open,
	.render = builtin_render,
	.close = builtin_close,
};

int main(int argc, char **argv)
{
	static struct builtin state;

	return rta_renderer_main(argc, argv, &builtin, &state);
}
