/*
 * cmd_params.c - the parameter verbs: get, set, params, and the [params]
 * part of a reload; the "params" object of status.
 *
 * Does: look a name up in the group's table (gain, pan, then what the
 * renderer declared: daemon/params.h), check a value against its range,
 * publish the new values at one block for every replica (group.c picks the
 * block), answer with the block it applies at, and emit a "param" event.
 * Does not: parse request lines (cmd.c, with lib/proto.c's table) or read
 * the configuration file (cmd.c's reload does, then calls us).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

static json_t *param_fail(int code, const char *msg)
{
	return ctl_refusal(code, msg);
}

json_t *cmd_params_json(struct daemon *d)
{
	double v[LAYOUT_MAX_PARAMS];
	json_t *o = json_object();

	group_params(&d->gr, v);
	for (uint32_t i = 0; i < d->params.n; i++)
		json_object_set_new(o, d->params.decl[i].name, json_real(v[i]));
	return o;
}

json_t *cmd_get(struct daemon *d, struct ctl_client *c, const struct proto_req *r)
{
	double v[LAYOUT_MAX_PARAMS];
	int k = params_index(&d->params, r->argv[0]);

	if (k < 0)
		return param_fail(PERR_UNKNOWN_PARAM, "unknown parameter (see 'rtaudioctl params')");
	group_params(&d->gr, v);
	return json_pack("{s:b, s:f}", "ok", 1, r->argv[0], v[k]);
}

json_t *cmd_set(struct daemon *d, struct ctl_client *c, const struct proto_req *r)
{
	double v[LAYOUT_MAX_PARAMS], x;
	int k = params_index(&d->params, r->argv[0]);
	char why[160], detail[96];
	uint64_t at = 0;

	if (k < 0)
		return param_fail(PERR_UNKNOWN_PARAM, "unknown parameter (see 'rtaudioctl params')");
	/* proto.c checked the number's spelling; the range is the table's. */
	const struct param_decl *pd = &d->params.decl[k];
	x = strtod(r->argv[1], NULL);
	if (!isfinite(x) || x < pd->min || x > pd->max) {
		snprintf(why, sizeof why, "out of range %g..%g", pd->min, pd->max);
		return param_fail(PERR_RANGE, why);
	}
	uint32_t n = group_params(&d->gr, v);
	v[k] = x;
	if (group_set_params(&d->gr, v, n, &at) < 0)
		return param_fail(PERR_BUSY, "parameter changes too fast; retry");
	log_info("set %s %g (applies at block %llu)", pd->name, x, (unsigned long long)at);
	snprintf(detail, sizeof(detail), "%s=%g at=%llu", pd->name, x, (unsigned long long)at);
	cmd_event(&d->sup, "param", -1, detail);
	return json_pack("{s:b, s:f, s:I}", "ok", 1, pd->name, x, "apply_at", (json_int_t)at);
}

json_t *cmd_params(struct daemon *d, struct ctl_client *c, const struct proto_req *r)
{
	double v[LAYOUT_MAX_PARAMS];
	json_t *list = json_array();

	group_params(&d->gr, v);
	for (uint32_t i = 0; i < d->params.n; i++) {
		const struct param_decl *pd = &d->params.decl[i];
		json_array_append_new(list, json_pack("{s:s, s:f, s:f, s:f, s:f, s:s, s:s}",
		                                      "name", pd->name, "value", v[i],
		                                      "min", pd->min, "max", pd->max,
		                                      "default", pd->def, "unit", pd->unit,
		                                      "owner", i < 2 ? "output" : "renderer"));
	}
	return json_pack("{s:b, s:o}", "ok", 1, "params", list);
}

int cmd_params_reload(struct daemon *d, const struct config *fresh, char *err, size_t errlen)
{
	double v[LAYOUT_MAX_PARAMS], now[LAYOUT_MAX_PARAMS];
	uint64_t at;

	if (params_values(&d->params, fresh, d->config_path, v, err, errlen) < 0)
		return -EINVAL;
	uint32_t n = group_params(&d->gr, now);
	if (memcmp(v, now, n * sizeof v[0]) == 0)
		return 0;
	if (group_set_params(&d->gr, v, n, &at) < 0) {
		snprintf(err, errlen, "parameter changes too fast; retry");
		return -EBUSY;
	}
	for (uint32_t i = 0; i < n; i++) {
		char detail[96];
		/* Bit-exact on purpose: a value set back to the same is no change. */
		/* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison,cert-exp42-c,cert-flp37-c) */
		if (memcmp(&v[i], &now[i], sizeof v[i]) == 0)
			continue;
		log_info("reload: %s %g from block %llu", d->params.decl[i].name, v[i],
		         (unsigned long long)at);
		snprintf(detail, sizeof(detail), "%s=%g at=%llu (reload)", d->params.decl[i].name,
		         v[i], (unsigned long long)at);
		cmd_event(&d->sup, "param", -1, detail);
	}
	return 1;
}
