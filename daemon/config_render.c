/*
 * config_render.c - the renderer's part of rtaudiod's configuration: the
 * keys of [source] and [plugin NAME] (stored as written, for the renderer
 * to validate in its --check run) and the [params] values of the
 * parameters it declares (checked against its table later, params.c),
 * and whether two configurations have the same of both (a reload).
 *
 * What it does not do: know any renderer's keys, or the key table of the
 * daemon's own sections (config.c).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

bool config_section_renderer(const char *name)
{
	if (strcmp(name, "source") == 0)
		return true;
	if (strncmp(name, "plugin ", 7) != 0)
		return false;
	size_t n = 0;
	for (const char *p = name + 7; *p != '\0'; p++, n++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	return n >= 1 && n < CONFIG_PLUGIN_NAME;
}

int config_add_rkey(struct config *c, const char *section, const char *name, const char *value,
                    int line, char *why, size_t len)
{
	size_t ns = strlen(section), nk = strlen(name), nv = strlen(value);

	if (c->nrkeys == CONFIG_RKEYS_MAX)
		return config_rule(false, why, len, "more than %d keys in [source] and [plugin] sections",
		            CONFIG_RKEYS_MAX);
	if (nk == 0 || nk >= sizeof c->rkeys[0].key || strchr(name, '=') != NULL)
		return config_rule(false, why, len, "key name empty or longer than %zu bytes",
		            sizeof c->rkeys[0].key - 1);
	if (nv >= CONFIG_RKEY_VALUE)
		return config_rule(false, why, len, "value too long (%zu bytes, at most %d)", nv,
		            CONFIG_RKEY_VALUE - 1);
	if (ns >= sizeof c->rkeys[0].section)
		return config_rule(false, why, len, "section name too long");
	for (unsigned i = 0; i < c->nrkeys; i++)
		if (strcmp(c->rkeys[i].section, section) == 0 && strcmp(c->rkeys[i].key, name) == 0)
			return config_rule(false, why, len, "duplicate key (already set at line %d)",
			            c->rkeys[i].line);
	struct config_rkey *k = &c->rkeys[c->nrkeys++];
	memcpy(k->section, section, ns + 1);
	memcpy(k->key, name, nk + 1);
	memcpy(k->value, value, nv + 1);
	k->line = line;
	return 0;
}

int config_add_pval(struct config *c, const char *name, const char *value, int line, char *why,
                    size_t len)
{
	double v;
	char *end;

	if (!layout_param_name_ok(name))
		return config_rule(false, why, len, "unknown key in [params] (a parameter name is 1..%u "
		            "of A-Z a-z 0-9 _ . -)", LAYOUT_PARAM_NAME - 1);
	for (unsigned i = 0; i < c->npvals; i++)
		if (strcmp(c->pvals[i].name, name) == 0)
			return config_rule(false, why, len, "duplicate key (already set at line %d)",
			            c->pvals[i].line);
	if (c->npvals == CONFIG_PVALS_MAX)
		return config_rule(false, why, len, "more than %d parameters in [params]", CONFIG_PVALS_MAX);
	errno = 0;
	v = strtod(value, &end);
	if (value[0] == '\0' || *end != '\0' || !isfinite(v) || strpbrk(value, "xX") != NULL)
		return config_rule(false, why, len, "'%s' is not a finite number", value);
	struct config_pval *p = &c->pvals[c->npvals++];
	snprintf(p->name, sizeof p->name, "%s", name);
	p->value = v;
	p->line = line;
	return 0;
}

int config_rkey_line(const struct config *c, const char *section, const char *key)
{
	for (unsigned i = 0; i < c->nrkeys; i++)
		if (strcmp(c->rkeys[i].section, section) == 0 &&
		    (key == NULL || strcmp(c->rkeys[i].key, key) == 0))
			return c->rkeys[i].line;
	return 0;
}

/* Contract: config.h. */
bool config_rkeys_equal(const struct config *a, const struct config *b)
{
	if (a->nrkeys != b->nrkeys)
		return false;
	for (unsigned i = 0; i < a->nrkeys; i++)
		if (strcmp(a->rkeys[i].section, b->rkeys[i].section) != 0 ||
		    strcmp(a->rkeys[i].key, b->rkeys[i].key) != 0 ||
		    strcmp(a->rkeys[i].value, b->rkeys[i].value) != 0)
			return false;
	return true;
}

/* Contract: config.h. */
bool config_pvals_equal(const struct config *a, const struct config *b)
{
	if (a->npvals != b->npvals)
		return false;
	for (unsigned i = 0; i < a->npvals; i++)
		if (strcmp(a->pvals[i].name, b->pvals[i].name) != 0 ||
		    /* Bit-exact on purpose: -0 differs from 0 in the file. */
		    /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison,cert-exp42-c,cert-flp37-c) */
		    memcmp(&a->pvals[i].value, &b->pvals[i].value, sizeof(double)) != 0)
			return false;
	return true;
}
