/*
 * lv2.c - the LV2 chain of lv2.h, hosted with lilv.
 *
 * What it does: finds the [plugin NAME] sections in the keys handed to the
 * renderer, checks each plugin's required features against what we offer,
 * instantiates it (one instance, or one per channel), loads its default
 * state, connects every port once to buffers that never move, declares
 * its control inputs as parameters; then per block: de-interleave, for
 * each stage write the controls in force and run every instance (and its
 * worker's jobs, synchronously), re-interleave.
 *
 * What it does not do: allocate, lock or log in render (the log feature
 * drops messages once open is over); process in place (two buffer sets,
 * alternating stages), so lv2:inPlaceBroken plugins are fine. The features
 * offered to plugins are lv2_host.c's.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lv2.h"

#ifndef HAVE_LILV

int lv2_chain_open(struct lv2_chain **out, struct rta_host *host, const struct rta_stream *st)
{
	unsigned n = rta_config_count(host);

	(void)st;
	*out = NULL;
	for (unsigned i = 0; i < n; i++) {
		const char *sec = rta_config_section(host, i);
		if (sec != NULL && strncmp(sec, "plugin ", 7) == 0)
			return rta_config_error(host, sec, NULL,
			                        "this build of rtaudio has no LV2 support (lilv)");
	}
	return 0;
}

void lv2_chain_render(struct lv2_chain *c, const struct rta_block *b)
{
	(void)c, (void)b;
}

const char *lv2_chain_status(const struct lv2_chain *c)
{
	(void)c;
	return "";
}

void lv2_chain_close(struct lv2_chain *c)
{
	(void)c;
}

#else

#include "lv2_int.h"

/* Parse a control value strictly. */
static bool lv2_number(const char *s, double *out)
{
	char *end;

	if (s[0] == '\0' || strpbrk(s, "xXnNiI") != NULL)
		return false;
	*out = strtod(s, &end);
	return *end == '\0' && isfinite(*out);
}

static void lv2_set_port(const char *sym, void *user, const void *value, uint32_t size,
                         uint32_t type)
{
	(void)sym, (void)user, (void)value, (void)size, (void)type;
	/* Port values of the default state: the parameters (whose defaults are
	 * the plugin's own) set every control input at every block anyway. */
}

/* One stage: find the plugin, check it, instantiate, declare, connect. */
static int lv2_stage_open(struct lv2_chain *c, unsigned si)
{
	struct lv2_stage *sg = &c->stage[si];
	struct rta_host *h = c->host;
	const char *uri = rta_config_get(h, sg->section, "uri");
	uint32_t ch = c->st.channels;

	if (uri == NULL)
		return rta_config_error(h, sg->section, "uri", "missing: the plugin's URI "
		                        "(lv2ls lists the installed ones)");
	LilvNode *un = lilv_new_uri(c->world, uri);
	sg->plugin = un != NULL ? lilv_plugins_get_by_uri(lilv_world_get_all_plugins(c->world), un)
	                        : NULL;
	lilv_node_free(un);
	if (sg->plugin == NULL)
		return rta_config_error(h, sg->section, "uri", "no LV2 plugin '%s' is installed "
		                        "(lv2ls lists the installed ones)", uri);
	LilvNodes *req = lilv_plugin_get_required_features(sg->plugin);
	LILV_FOREACH (nodes, i, req) {
		const char *f = lilv_node_as_uri(lilv_nodes_get(req, i));
		if (!lv2_offered(c, f)) {
			int r = rta_config_error(h, sg->section, "uri", "%s requires the LV2 feature "
			                         "%s, which rtaudio does not offer", uri, f);
			lilv_nodes_free(req);
			return r;
		}
	}
	lilv_nodes_free(req);

	sg->nports = lilv_plugin_get_num_ports(sg->plugin);
	if (sg->nports > LV2_PORTS_MAX)
		return rta_config_error(h, sg->section, "uri", "%s has more than %u ports", uri,
		                        LV2_PORTS_MAX);
	float mins[LV2_PORTS_MAX], maxs[LV2_PORTS_MAX], defs[LV2_PORTS_MAX];
	lilv_plugin_get_port_ranges_float(sg->plugin, mins, maxs, defs);
	LilvNode *audio = lilv_new_uri(c->world, LV2_CORE__AudioPort);
	LilvNode *control = lilv_new_uri(c->world, LV2_CORE__ControlPort);
	LilvNode *input = lilv_new_uri(c->world, LV2_CORE__InputPort);
	LilvNode *atom = lilv_new_uri(c->world, LV2_ATOM__AtomPort);
	LilvNode *optional = lilv_new_uri(c->world, LV2_CORE__connectionOptional);
	unsigned ain = 0, aout = 0;
	int rc = 0;
	sg->latency_port = lilv_plugin_has_latency(sg->plugin)
	                       ? (int)lilv_plugin_get_latency_port_index(sg->plugin) : -1;
	for (uint32_t p = 0; p < sg->nports && rc == 0; p++) {
		const LilvPort *port = lilv_plugin_get_port_by_index(sg->plugin, p);
		bool in = lilv_port_is_a(sg->plugin, port, input);
		const char *sym = lilv_node_as_string(lilv_port_get_symbol(sg->plugin, port));
		sg->param[p] = -1;
		if (lilv_port_is_a(sg->plugin, port, audio)) {
			sg->kind[p] = in ? P_AUDIO_IN : P_AUDIO_OUT;
			in ? ain++ : aout++;
		} else if (lilv_port_is_a(sg->plugin, port, control)) {
			sg->kind[p] = in ? P_CTL_IN : P_CTL_OUT;
		} else if (lilv_port_is_a(sg->plugin, port, atom)) {
			sg->kind[p] = in ? P_ATOM_IN : P_ATOM_OUT;
		} else if (lilv_port_has_property(sg->plugin, port, optional)) {
			sg->kind[p] = P_NONE;
		} else {
			rc = rta_config_error(h, sg->section, "uri", "%s: port '%s' is of a type "
			                      "rtaudio does not host (CV?)", uri, sym);
			break;
		}
		if (sg->kind[p] != P_CTL_IN)
			continue;
		/* A control input: a parameter NAME.SYMBOL. */
		double lo = mins[p], hi = maxs[p], def = defs[p];
		if (!isfinite(lo) || !isfinite(hi) || !(lo < hi)) {
			lo = -1e6;
			hi = 1e6;
		}
		if (!isfinite(def))
			def = lo > 0 ? lo : hi < 0 ? hi : 0;
		def = def < lo ? lo : def > hi ? hi : def;
		const char *v = rta_config_get(h, sg->section, sym);
		if (v != NULL) {
			double x;
			if (!lv2_number(v, &x)) {
				rc = rta_config_error(h, sg->section, sym, "'%s' is not a number", v);
				break;
			}
			if (x < lo || x > hi) {
				rc = rta_config_error(h, sg->section, sym, "%s is out of the plugin's "
				                      "range %g..%g", v, lo, hi);
				break;
			}
			def = x;
		}
		char pname[64];
		if ((size_t)snprintf(pname, sizeof pname, "%s.%s", sg->name, sym) >
		    RTA_PARAM_NAME_MAX) {
			rc = rta_config_error(h, sg->section, sym, "parameter name %s.%s is longer "
			                      "than %u bytes: shorten the section's name", sg->name,
			                      sym, RTA_PARAM_NAME_MAX);
			break;
		}
		int idx = rta_param_declare(h, pname, lo, hi, def, "");
		if (idx < 0) {
			rc = -1;
			break;
		}
		if (c->nparams == 0)
			c->param0 = (unsigned)idx;
		sg->param[p] = (int)c->nparams++;
		for (unsigned k = 0; k < 8; k++)
			sg->ctl[k][p] = (float)def;
	}
	lilv_node_free(audio);
	lilv_node_free(control);
	lilv_node_free(input);
	lilv_node_free(atom);
	lilv_node_free(optional);
	if (rc != 0)
		return rc;
	if (ain == ch && aout == ch)
		sg->ninst = 1;
	else if (ain == 1 && aout == 1)
		sg->ninst = ch;
	else
		return rta_config_error(h, sg->section, "uri", "%s has %u audio inputs and %u "
		                        "outputs: rtaudio runs plugins with %u in and out, or mono "
		                        "ones (one per channel)", uri, ain, aout, ch);

	LilvState *defst = lilv_state_new_from_world(c->world, &c->map,
	                                             lilv_plugin_get_uri(sg->plugin));
	for (unsigned k = 0; k < sg->ninst; k++) {
		c->sched_ctx[si][k].c = c;
		c->sched_ctx[si][k].s = si;
		c->sched_ctx[si][k].k = k;
		c->sched[si][k] = (LV2_Worker_Schedule){ .handle = &c->sched_ctx[si][k],
		                                         .schedule_work = lv2_schedule };
		c->f_sched.data = &c->sched[si][k];
		sg->inst[k] = lilv_plugin_instantiate(sg->plugin, c->st.sample_rate, c->features);
		if (sg->inst[k] == NULL) {
			if (defst != NULL)
				lilv_state_free(defst);
			return rta_config_error(h, sg->section, "uri", "%s failed to instantiate",
			                        uri);
		}
		sg->worker[k] = lilv_instance_get_extension_data(sg->inst[k],
		                                                 LV2_WORKER__interface);
		if (defst != NULL)
			lilv_state_restore(defst, sg->inst[k], lv2_set_port, NULL, 0, c->features);
		/* Connect every port once; the buffers never move. */
		unsigned ai = 0, ao = 0;
		for (uint32_t p = 0; p < sg->nports; p++) {
			void *where = NULL;
			switch (sg->kind[p]) {
			case P_AUDIO_IN:
				where = c->buf[si & 1][sg->ninst == 1 ? ai++ : k];
				break;
			case P_AUDIO_OUT:
				where = c->buf[(si + 1) & 1][sg->ninst == 1 ? ao++ : k];
				break;
			case P_CTL_IN:
			case P_CTL_OUT:
				where = &sg->ctl[k][p];
				break;
			case P_ATOM_IN:
				where = c->atom_in;
				break;
			case P_ATOM_OUT:
				where = calloc(1, LV2_ATOM_BYTES); /* freed with the chain */
				if (where == NULL)
					return rta_config_error(h, sg->section, "uri", "out of memory");
				sg->atom_out[k][p] = where;
				((LV2_Atom *)where)->size = LV2_ATOM_BYTES - sizeof(LV2_Atom);
				break;
			case P_NONE:
				break;
			}
			lilv_instance_connect_port(sg->inst[k], p, where);
		}
		lilv_instance_activate(sg->inst[k]);
		sg->active[k] = true;
	}
	c->f_sched.data = NULL;
	if (defst != NULL)
		lilv_state_free(defst);
	return 0;
}

int lv2_chain_open(struct lv2_chain **out, struct rta_host *host, const struct rta_stream *st)
{
	unsigned nk = rta_config_count(host);
	struct lv2_chain *c = NULL;

	*out = NULL;
	for (unsigned i = 0; i < nk; i++) {
		const char *sec = rta_config_section(host, i);
		if (sec == NULL || strncmp(sec, "plugin ", 7) != 0)
			continue;
		if (c == NULL) {
			c = calloc(1, sizeof *c);
			if (c == NULL)
				return rta_config_error(host, sec, NULL, "out of memory");
			*out = c;
			c->host = host;
			c->st = *st;
		}
		bool seen = false;
		for (unsigned s = 0; s < c->n; s++)
			seen |= strcmp(c->stage[s].section, sec) == 0;
		if (seen)
			continue;
		if (c->n == LV2_STAGES_MAX)
			return rta_config_error(host, sec, NULL, "more than %u plugins",
			                        LV2_STAGES_MAX);
		c->stage[c->n].section = sec;
		c->stage[c->n].name = sec + 7;
		c->n++;
	}
	if (c == NULL)
		return 0;
	c->opening = true;
	for (unsigned s = 0; s < 2; s++)
		for (unsigned k = 0; k < st->channels; k++)
			if ((c->buf[s][k] = calloc(st->frames, sizeof(float))) == NULL)
				return rta_config_error(host, c->stage[0].section, NULL, "out of memory");
	c->atom_in = calloc(1, sizeof(LV2_Atom_Sequence));
	if (c->atom_in == NULL)
		return rta_config_error(host, c->stage[0].section, NULL, "out of memory");
	lv2_features(c);
	c->atom_in->atom.type = lv2_map_uri(c, LV2_ATOM__Sequence);
	c->atom_in->atom.size = sizeof(LV2_Atom_Sequence_Body);
	c->world = lilv_world_new();
	if (c->world == NULL)
		return rta_config_error(host, c->stage[0].section, NULL, "lilv_world_new failed");
	lilv_world_load_all(c->world);
	for (unsigned s = 0; s < c->n; s++)
		if (lv2_stage_open(c, s) != 0)
			return -1;
	/* Every other key of a plugin section is a symbol no port has. */
	for (unsigned i = 0; i < nk; i++) {
		const char *sec = rta_config_section(host, i), *key;
		if (sec == NULL || strncmp(sec, "plugin ", 7) != 0 || rta_config_used(host, i))
			continue;
		(void)rta_config_at(host, i, NULL, &key, NULL);
		return rta_config_error(host, sec, key, "the plugin has no control input '%s'",
		                        key);
	}
	c->opening = false;
	return 0;
}

/* The latency part of the status text, by hand (render path). */
static void lv2_tell(struct lv2_chain *c)
{
	size_t at = 0;

	for (const char *p = "lv2: "; *p; )
		c->text[at++] = *p++;
	for (unsigned s = 0; s < c->n; s++) {
		const char *p = s ? ", " : "";
		while (*p && at < RTA_TEXT_MAX)
			c->text[at++] = *p++;
		for (p = c->stage[s].name; *p && at < RTA_TEXT_MAX; )
			c->text[at++] = *p++;
		char d[12];
		int n = 0;
		uint32_t v = c->stage[s].latency;
		do {
			d[n++] = (char)('0' + v % 10);
			v /= 10;
		} while (v && n < 11);
		if (at < RTA_TEXT_MAX)
			c->text[at++] = ' ';
		while (n > 0 && at < RTA_TEXT_MAX)
			c->text[at++] = d[--n];
	}
	c->text[at] = '\0';
}

void lv2_chain_render(struct lv2_chain *c, const struct rta_block *b)
{
	uint32_t ch = b->channels, fr = b->frames;
	bool moved = false;

	if (c == NULL || c->param0 + c->nparams > b->nparams)
		return;
	const double *params = b->params + c->param0;
	for (uint32_t f = 0; f < fr; f++)
		for (uint32_t k = 0; k < ch; k++)
			c->buf[0][k][f] = b->out[f * ch + k];
	for (unsigned s = 0; s < c->n; s++) {
		struct lv2_stage *sg = &c->stage[s];
		for (unsigned k = 0; k < sg->ninst; k++) {
			for (uint32_t p = 0; p < sg->nports; p++)
				if (sg->param[p] >= 0)
					sg->ctl[k][p] = (float)params[sg->param[p]];
			lilv_instance_run(sg->inst[k], fr);
			if (sg->worker[k] != NULL)
				lv2_deliver(c, s, k);
		}
		if (sg->latency_port >= 0) {
			float l = sg->ctl[0][sg->latency_port];
			uint32_t lat = isfinite(l) && l > 0 && l < 1e9f ? (uint32_t)l : 0;
			moved |= lat != sg->latency;
			sg->latency = lat;
		}
	}
	if (moved || c->text[0] == '\0')
		lv2_tell(c);
	float **res = c->buf[c->n & 1];
	for (uint32_t f = 0; f < fr; f++)
		for (uint32_t k = 0; k < ch; k++)
			b->out[f * ch + k] = res[k][f];
}

const char *lv2_chain_status(const struct lv2_chain *c)
{
	return c != NULL ? c->text : "";
}

void lv2_chain_close(struct lv2_chain *c)
{
	if (c == NULL)
		return;
	for (unsigned s = 0; s < c->n; s++) {
		struct lv2_stage *sg = &c->stage[s];
		for (unsigned k = 0; k < sg->ninst; k++) {
			for (uint32_t p = 0; p < LV2_PORTS_MAX; p++)
				free(sg->atom_out[k][p]);
			if (sg->inst[k] == NULL)
				continue;
			if (sg->active[k])
				lilv_instance_deactivate(sg->inst[k]);
			lilv_instance_free(sg->inst[k]);
		}
	}
	if (c->world != NULL)
		lilv_world_free(c->world);
	for (unsigned s = 0; s < 2; s++)
		for (unsigned k = 0; k < 8; k++)
			free(c->buf[s][k]);
	free(c->atom_in);
	for (unsigned i = 0; i < c->nuris; i++)
		free(c->uris[i]);
	free(c);
}

#endif
