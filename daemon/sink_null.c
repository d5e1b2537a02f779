/*
 * sink_null.c - the null sink: plays into nothing, paced by the clock.
 *
 * Does: accept each block and drop it, so rtaudiod runs (and is measured)
 * without any audio server. Does not: buffer, write or count anything
 * beyond what play.c counts.
 */
#include "sink.h"

static int null_open(struct sink *s, char *err, size_t errlen)
{
	return 0;
}

static void null_write(struct sink *s, const float *buf)
{
}

static void null_close(struct sink *s)
{
}

const struct sink_backend sink_null_backend = {
	.name = "null",
	.open = null_open,
	.write = null_write,
	.close = null_close,
};
