/*
 * params2.h - the gain/pan view of the parameter history, for test tools.
 *
 * The layout holds up to LAYOUT_MAX_PARAMS values per entry (layout.h);
 * the tests written against the output stage's two only use these.
 */
#ifndef RTAUDIO_TESTS_PARAMS2_H
#define RTAUDIO_TESTS_PARAMS2_H

#include "layout.h"

/* layout_params_publish() of gain and pan only (n = 2). */
static inline int publish2(struct group_seg *g, uint64_t at, double gain, double pan,
                           uint64_t oldest_needed)
{
	double v[2] = { gain, pan };

	return layout_params_publish(g, at, v, 2, oldest_needed);
}

/* layout_params_at() as gain and pan. */
static inline void at2(const struct param_hist *h, uint64_t seq, double *gain, double *pan)
{
	const struct param_entry *e = layout_params_at(h, seq);

	*gain = e->v[LAYOUT_PARAM_GAIN];
	*pan = e->v[LAYOUT_PARAM_PAN];
}

/* A group segment's table as the daemon publishes it with no renderer
 * parameters: gain and pan only. */
static inline void table2(struct group_seg *g)
{
	static const struct param_decl gp[2] = {
		{ .name = "gain", .min = 0, .max = 4, .def = 1 },
		{ .name = "pan", .min = -1, .max = 1, .def = 0 },
	};

	g->nparams = 2;
	g->decl[0] = gp[0];
	g->decl[1] = gp[1];
}

#endif
