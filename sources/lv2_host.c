/*
 * lv2_host.c - what the LV2 chain offers its plugins: urid map and unmap,
 * log (silent once open is over: no output on the render path), the worker
 * (schedule_work runs the job at once, in the calling thread, and queues its
 * responses for lv2_deliver after run: the same block in every replica),
 * and the options and feature array.
 *
 * What it does not do: instantiate or run plugins (lv2.c).
 */
#ifdef HAVE_LILV

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lv2_int.h"

LV2_URID lv2_map_uri(LV2_URID_Map_Handle h, const char *uri)
{
	struct lv2_chain *c = h;

	for (unsigned i = 0; i < c->nuris; i++)
		if (strcmp(c->uris[i], uri) == 0)
			return i + 1;
	if (c->nuris == LV2_URIDS_MAX || !c->opening)
		return 0; /* no allocation in render: unmapped */
	c->uris[c->nuris] = strdup(uri);
	if (c->uris[c->nuris] == NULL)
		return 0;
	return ++c->nuris;
}

static const char *lv2_unmap_uri(LV2_URID_Unmap_Handle h, LV2_URID u)
{
	struct lv2_chain *c = h;

	return u >= 1 && u <= c->nuris ? c->uris[u - 1] : NULL;
}

static int lv2_vprintf(LV2_Log_Handle h, LV2_URID type, const char *fmt, va_list ap)
{
	struct lv2_chain *c = h;

	(void)type;
	if (!c->opening)
		return 0; /* render: no output */
	fputs("lv2: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

static int lv2_printf(LV2_Log_Handle h, LV2_URID type, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = lv2_vprintf(h, type, fmt, ap);
	va_end(ap);
	return n;
}

/* The worker's respond: queue the response, delivered after run. */
static LV2_Worker_Status lv2_respond(LV2_Worker_Respond_Handle h, uint32_t size, const void *data)
{
	struct lv2_chain *c = h;
	uint32_t need = (uint32_t)sizeof(struct lv2_resp) + ((size + 7u) & ~7u);

	if (size > LV2_WORK_BYTES || c->work_len + need > LV2_WORK_BYTES)
		return LV2_WORKER_ERR_NO_SPACE;
	struct lv2_resp *r = (struct lv2_resp *)(c->work_q + c->work_len);
	r->size = size;
	memcpy(r + 1, data, size);
	c->work_len += need;
	return LV2_WORKER_SUCCESS;
}

/* schedule_work: run the job now, in this thread: deterministic (the same
 * block in every replica), at the price of the job's time on the audio path. */
LV2_Worker_Status lv2_schedule(LV2_Worker_Schedule_Handle h, uint32_t size, const void *data)
{
	const struct lv2_sched_ctx *x = h;
	struct lv2_chain *c = x->c;
	unsigned s = x->s, k = x->k;
	const LV2_Worker_Interface *w = c->stage[s].worker[k];

	if (w == NULL || w->work == NULL)
		return LV2_WORKER_ERR_UNKNOWN;
	return w->work(lilv_instance_get_handle(c->stage[s].inst[k]), lv2_respond, c, size, data);
}

void lv2_deliver(struct lv2_chain *c, unsigned s, unsigned k)
{
	const LV2_Worker_Interface *w = c->stage[s].worker[k];
	LV2_Handle hd = lilv_instance_get_handle(c->stage[s].inst[k]);
	uint32_t at = 0;

	while (at < c->work_len) {
		const struct lv2_resp *r = (const struct lv2_resp *)(c->work_q + at);
		if (w != NULL && w->work_response != NULL)
			w->work_response(hd, r->size, r + 1);
		at += (uint32_t)sizeof *r + ((r->size + 7u) & ~7u);
	}
	c->work_len = 0;
	if (w != NULL && w->end_run != NULL)
		w->end_run(hd);
}

bool lv2_offered(const struct lv2_chain *c, const char *uri)
{
	for (unsigned i = 0; c->features[i] != NULL; i++)
		if (strcmp(c->features[i]->URI, uri) == 0)
			return true;
	/* Properties some plugins list as features: true of this host. */
	return strcmp(uri, LV2_CORE__inPlaceBroken) == 0 || strcmp(uri, LV2_CORE__isLive) == 0 ||
	       strcmp(uri, LV2_CORE__hardRTCapable) == 0;
}

void lv2_features(struct lv2_chain *c)
{
	unsigned n = 0;
	uint32_t fr = c->st.frames;

	c->map = (LV2_URID_Map){ .handle = c, .map = lv2_map_uri };
	c->unmap = (LV2_URID_Unmap){ .handle = c, .unmap = lv2_unmap_uri };
	c->log = (LV2_Log_Log){ .handle = c, .printf = lv2_printf, .vprintf = lv2_vprintf };
	c->block_len = (int32_t)fr;
	c->rate_f = (float)c->st.sample_rate;
	LV2_URID tint = lv2_map_uri(c, LV2_ATOM__Int), tfl = lv2_map_uri(c, LV2_ATOM__Float);
	const char *keys[4] = { LV2_BUF_SIZE__minBlockLength, LV2_BUF_SIZE__maxBlockLength,
		                LV2_BUF_SIZE__nominalBlockLength, LV2_PARAMETERS__sampleRate };
	for (unsigned i = 0; i < 4; i++)
		c->options[i] = (LV2_Options_Option){
			.context = LV2_OPTIONS_INSTANCE, .subject = 0, .key = lv2_map_uri(c, keys[i]),
			.size = 4, .type = i < 3 ? tint : tfl,
			.value = i < 3 ? (const void *)&c->block_len : (const void *)&c->rate_f,
		};
	c->options[4] = (LV2_Options_Option){ 0 };
	c->f_map = (LV2_Feature){ LV2_URID__map, &c->map };
	c->f_unmap = (LV2_Feature){ LV2_URID__unmap, &c->unmap };
	c->f_opts = (LV2_Feature){ LV2_OPTIONS__options, c->options };
	c->f_bounded = (LV2_Feature){ LV2_BUF_SIZE__boundedBlockLength, NULL };
	c->f_fixed = (LV2_Feature){ LV2_BUF_SIZE__fixedBlockLength, NULL };
	c->f_pow2 = (LV2_Feature){ LV2_BUF_SIZE__powerOf2BlockLength, NULL };
	c->f_log = (LV2_Feature){ LV2_LOG__log, &c->log };
	c->f_defstate = (LV2_Feature){ LV2_STATE__loadDefaultState, NULL };
	c->features[n++] = &c->f_map;
	c->features[n++] = &c->f_unmap;
	c->features[n++] = &c->f_opts;
	c->features[n++] = &c->f_bounded;
	c->features[n++] = &c->f_fixed;
	if ((fr & (fr - 1)) == 0)
		c->features[n++] = &c->f_pow2;
	c->features[n++] = &c->f_log;
	c->features[n++] = &c->f_defstate;
	c->f_sched = (LV2_Feature){ LV2_WORKER__schedule, NULL }; /* per instance, below */
	c->features[n++] = &c->f_sched;
	c->features[n] = NULL;
}


#endif
