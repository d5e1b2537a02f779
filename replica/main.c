/*
 * main.c - rtaudio-replica, the built-in renderer: one program on the
 * renderer runtime (<rtaudio/renderer.h>) that plays one of the built-in
 * sources of sources/, chosen by [source] type.
 *
 * What it does: open reads `type` (default sine: sine, input or file) and hands
 * the source's part to that source's callbacks, then builds the LV2 chain
 * of the [plugin NAME] sections (sources/lv2.h), which every block goes
 * through after the source; the status text is the source's, then the
 * chain's latencies. Everything else (arguments, segments, real time,
 * heartbeat, CRC, output stage, pre-roll) is the runtime's.
 *
 * What it does not do: anything a custom renderer could not do: it uses the
 * public API only, so it is also the reference for writing one.
 */
#include <string.h>

#include <rtaudio/renderer.h>

#include "file.h"
#include "lv2.h"
#include "input.h"
#include "sine.h"

/* The built-in sources, by [source] type. */
static const struct {
	const char *type;
	const struct rta_renderer *r;
} builtin_sources[] = {
	{ "sine", &sine_renderer },
	{ "file", &file_renderer },
	{ "input", &input_renderer },
};

#define NSOURCES (sizeof builtin_sources / sizeof builtin_sources[0])

struct builtin {
	const struct rta_renderer *src;  /* the chosen source, after open */
	union {
		struct sine_state sine;
		struct file_state file;
		struct input_state input;
	} u;
	struct lv2_chain *chain;         /* NULL: no [plugin] sections */
	struct rta_host *host;
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
		return rta_config_error(host, "source", "type", "'%s' is not one of sine|input|file",
		                        type);
	b->host = host;
	if (b->src->open(&b->u, host, st) != 0)
		return -1;
	if (lv2_chain_open(&b->chain, host, st) != 0)
		return -1;
	if (b->src == &file_renderer)
		file_status_suffix(&b->u.file, lv2_chain_status(b->chain));
	return 0;
}

static void builtin_render(void *state, const struct rta_block *blk)
{
	struct builtin *b = state;

	b->src->render(&b->u, blk);
	if (b->chain == NULL)
		return;
	lv2_chain_render(b->chain, blk);
	if (b->src != &file_renderer) /* the file source shows the chain's text itself */
		rta_status(b->host, lv2_chain_status(b->chain));
}

static void builtin_close(void *state)
{
	struct builtin *b = state;

	/* The source first: the file source joins its watcher thread before
	 * it frees anything, so the render loop's end is followed by that
	 * join's futex before the first munmap (replica_syscalls.sh cuts the
	 * trace at the last futex). */
	if (b->src != NULL && b->src->close != NULL)
		b->src->close(&b->u);
	lv2_chain_close(b->chain);
	b->chain = NULL;
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
