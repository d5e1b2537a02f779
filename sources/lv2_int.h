/*
 * lv2_int.h - the LV2 chain's private types, shared by lv2.c (stages,
 * render) and lv2_host.c (the features offered to plugins).
 *
 * What it defines: a stage (one plugin, its instances and ports), the chain
 * (stages, buffers, the urid table, the feature array), and the host-side
 * functions lv2.c calls. Only built with lilv (HAVE_LILV).
 *
 * What it does not do: anything public; lv2.h is the chain's interface.
 */
#ifndef RTAUDIO_LV2_INT_H
#define RTAUDIO_LV2_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "lv2.h"

#define LV2_STAGES_MAX   16
#define LV2_PORTS_MAX    64
#define LV2_URIDS_MAX    512
#define LV2_ATOM_BYTES   8192
#define LV2_WORK_BYTES   16384

enum port_kind { P_NONE, P_AUDIO_IN, P_AUDIO_OUT, P_CTL_IN, P_CTL_OUT, P_ATOM_IN, P_ATOM_OUT };

struct lv2_stage {
	const char *section;             /* "plugin NAME" */
	const char *name;                /* NAME */
	const LilvPlugin *plugin;
	LilvInstance *inst[8];
	bool active[8];
	void *atom_out[8][LV2_PORTS_MAX];  /* owned */
	unsigned ninst;
	uint32_t nports;
	enum port_kind kind[LV2_PORTS_MAX];
	int param[LV2_PORTS_MAX];        /* control input: offset in the chain's params */
	float ctl[8][LV2_PORTS_MAX];     /* control values, per instance */
	int latency_port;                /* -1: none */
	const LV2_Worker_Interface *worker[8];
	uint32_t latency;                /* frames, as last reported */
};

/* One worker response, queued during run, delivered after it. */
struct lv2_resp {
	uint32_t size;
	uint32_t pad;
};

/* What a worker's schedule_work handle points to: which instance. */
struct lv2_chain;
struct lv2_sched_ctx {
	struct lv2_chain *c;
	unsigned s, k;
};

struct lv2_chain {
	struct rta_host *host;
	struct rta_stream st;
	LilvWorld *world;
	unsigned n;
	struct lv2_stage stage[LV2_STAGES_MAX];
	unsigned nparams;
	unsigned param0;                 /* block->params index of the first */
	float *buf[2][8];                /* [set][channel], frames each */
	/* urid map: index + 1 is the URID */
	char *uris[LV2_URIDS_MAX];
	unsigned nuris;
	LV2_URID_Map map;
	LV2_URID_Unmap unmap;
	LV2_Log_Log log;
	bool opening;
	int32_t block_len;
	float rate_f;
	LV2_Options_Option options[5];
	LV2_Feature f_map, f_unmap, f_opts, f_bounded, f_fixed, f_pow2, f_log, f_sched,
		f_defstate;
	LV2_Worker_Schedule sched[LV2_STAGES_MAX][8];
	struct lv2_sched_ctx sched_ctx[LV2_STAGES_MAX][8];
	const LV2_Feature *features[12];
	/* atom buffers: one empty input sequence shared, outputs per port */
	LV2_Atom_Sequence *atom_in;
	/* worker responses of the instance being run */
	unsigned char work_q[LV2_WORK_BYTES];
	uint32_t work_len;
	float dummy[LV2_PORTS_MAX];
	char text[RTA_TEXT_MAX + 1];
};

/* urid:map for c (may allocate: open only; in render an unknown URI maps to
 * 0). Also used by lv2.c for the atom types. */
LV2_URID lv2_map_uri(LV2_URID_Map_Handle h, const char *uri);

/* The worker's schedule_work: h is a struct lv2_sched_ctx (which instance). */
LV2_Worker_Status lv2_schedule(LV2_Worker_Schedule_Handle h, uint32_t size, const void *data);

/* Deliver the worker responses queued while instance k of stage s ran,
 * then its end_run. Render path (as real-time as the plugin's worker). */
void lv2_deliver(struct lv2_chain *c, unsigned s, unsigned k);

/* Whether a feature the plugin requires is one this host offers. */
bool lv2_offered(const struct lv2_chain *c, const char *uri);

/* Fill c's options and feature array (open only). */
void lv2_features(struct lv2_chain *c);

#endif
