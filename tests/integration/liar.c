/*
 * liar.c - a renderer on the SDK that plays the built-in sine and lies on
 * cue in one replica: the test renderer of sync.sh, vote.sh and
 * content_guard.sh.
 *
 * What it does: open reads [source] lie = "INDEX:MODE[:FROM[:COUNT]]"
 * (testlie.h; absent: it never lies) and hands the other [source] keys to
 * the sine renderer; render renders the sine, then spoils it as cued when
 * this is replica INDEX. With [source] table = by-index it declares a
 * parameter whose range depends on its replica index: a renderer that
 * declares a different table in different runs, which the runtime refuses
 * (exit 78) against the group's. The lie is a renderer's, as a misbehaving plugin's
 * would be: the runtime stamps the block's CRC after it, so only the
 * contents are wrong.
 * What it does not do: anything else; it is not installed.
 */
#include <stdio.h>
#include <unistd.h>

#include <rtaudio/renderer.h>

#include "sine.h"
#include "testlie.h"

struct liar {
	struct sine_state sine;
	struct testlie lie;
};

static int liar_open(void *state, struct rta_host *host, const struct rta_stream *st)
{
	struct liar *l = state;
	const char *cue = rta_config_get(host, "source", "lie");

	/* The pid seeds "nondet": two processes then differ, as a renderer
	 * that breaks the determinism contract would. */
	if (testlie_parse(cue, st->replica, (uint32_t)getpid(), &l->lie) < 0)
		return rta_config_error(host, "source", "lie",
		                        "'%s' is not INDEX:corrupt|nan|loud|nondet[:FROM[:COUNT]]",
		                        cue);
	const char *table = rta_config_get(host, "source", "table");
	if (table != NULL &&
	    rta_param_declare(host, "liar.x", 0.0, 1.0 + st->replica, 0.0, "") < 0)
		return -1;
	return sine_renderer.open(&l->sine, host, st);
}

static void liar_render(void *state, const struct rta_block *b)
{
	struct liar *l = state;

	sine_renderer.render(&l->sine, b);
	testlie_apply(&l->lie, b->seq, b->out, b->frames * b->channels);
}

static const struct rta_renderer liar = {
	.abi = RTA_RENDERER_ABI,
	.name = "liar",
	.open = liar_open,
	.render = liar_render,
	.close = NULL,
};

int main(int argc, char **argv)
{
	static struct liar state;

	return rta_renderer_main(argc, argv, &liar, &state);
}
