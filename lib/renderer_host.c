/*
 * renderer_host.c - what a renderer's open sees of the runtime: its
 * configuration keys, parameter declarations, configuration errors; and
 * the two notes (status, event) it may write while rendering.
 *
 * What it does: keeps the keys rtaudiod passed as --key arguments and which
 * of them open looked at; validates each parameter declaration as the
 * daemon will (a renderer is untrusted, and a bad table found here is
 * reported with the renderer's name rather than refused later by the
 * daemon); records the first configuration error with its section and key;
 * prints the --check report; compares the declared table with the one the
 * daemon published.
 *
 * What it does not do: parse the configuration file (rtaudiod did), map
 * segments, or render. The note writers are the only functions here meant
 * for the audio path.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "renderer_int.h"

int rhost_add_key(struct rta_host *h, const char *arg)
{
	size_t n = strnlen(arg, RTA_KEY_ARG_MAX);

	if (n == RTA_KEY_ARG_MAX || h->nkeys == RTA_KEYS_MAX)
		return -E2BIG;
	char *buf = malloc(n + 1);
	if (buf == NULL)
		return -ENOMEM;
	memcpy(buf, arg, n + 1);
	char *dot = strchr(buf, '.');
	char *eq = dot != NULL ? strchr(dot + 1, '=') : NULL;
	if (dot == NULL || eq == NULL || dot == buf || eq == dot + 1) {
		free(buf);
		return -EINVAL;
	}
	*dot = '\0';
	*eq = '\0';
	h->keys[h->nkeys++] = (struct rta_key){
		.section = buf, .key = dot + 1, .value = eq + 1, .buf = buf,
	};
	return 0;
}

void rhost_free(struct rta_host *h)
{
	for (unsigned i = 0; i < h->nkeys; i++)
		free(h->keys[i].buf);
	h->nkeys = 0;
}

const char *rta_config_get(struct rta_host *h, const char *section, const char *key)
{
	if (h == NULL || section == NULL || key == NULL)
		return NULL;
	for (unsigned i = 0; i < h->nkeys; i++) {
		struct rta_key *k = &h->keys[i];
		if (strcmp(k->section, section) == 0 && strcmp(k->key, key) == 0) {
			k->used = true;
			return k->value;
		}
	}
	return NULL;
}

unsigned rta_config_count(const struct rta_host *h)
{
	return h != NULL ? h->nkeys : 0;
}

int rta_config_at(struct rta_host *h, unsigned i, const char **section, const char **key,
                  const char **value)
{
	if (h == NULL || i >= h->nkeys)
		return -1;
	h->keys[i].used = true;
	if (section != NULL)
		*section = h->keys[i].section;
	if (key != NULL)
		*key = h->keys[i].key;
	if (value != NULL)
		*value = h->keys[i].value;
	return 0;
}

const char *rta_config_section(const struct rta_host *h, unsigned i)
{
	return h != NULL && i < h->nkeys ? h->keys[i].section : NULL;
}

int rta_config_used(const struct rta_host *h, unsigned i)
{
	return h != NULL && i < h->nkeys && h->keys[i].used;
}

/* Copy src into dst[len], cut, with tabs and newlines (the report's
 * separators) and other control bytes replaced. */
static void host_copy_clean(char *dst, size_t len, const char *src)
{
	size_t n = 0;

	for (; src != NULL && src[n] != '\0' && n + 1 < len; n++)
		dst[n] = (unsigned char)src[n] < 0x20 || src[n] == 0x7f ? ' ' : src[n];
	dst[n] = '\0';
}

static void host_verror(struct rta_host *h, const char *section, const char *key,
                        const char *fmt, va_list ap)
{
	char text[sizeof h->err_text];

	if (h->failed)
		return;
	h->failed = true;
	host_copy_clean(h->err_section, sizeof h->err_section, section != NULL ? section : "");
	host_copy_clean(h->err_key, sizeof h->err_key, key != NULL ? key : "");
	vsnprintf(text, sizeof text, fmt, ap);
	host_copy_clean(h->err_text, sizeof h->err_text, text);
}

static void host_error(struct rta_host *h, const char *section, const char *key,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void host_error(struct rta_host *h, const char *section, const char *key,
                       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	host_verror(h, section, key, fmt, ap);
	va_end(ap);
}

int rta_config_error(struct rta_host *h, const char *section, const char *key,
                     const char *fmt, ...)
{
	va_list ap;

	if (h == NULL || fmt == NULL)
		return -1;
	va_start(ap, fmt);
	host_verror(h, section, key, fmt, ap);
	va_end(ap);
	return -1;
}

int rta_param_declare(struct rta_host *h, const char *name, double min, double max,
                      double def, const char *unit)
{
	struct param_decl d;

	if (h == NULL)
		return -1;
	if (!h->opening) {
		host_error(h, "params", name, "parameters are declared in open only");
		return -1;
	}
	if (name == NULL || !layout_param_name_ok(name) || strcmp(name, "gain") == 0 ||
	    strcmp(name, "pan") == 0) {
		host_error(h, "params", name != NULL ? name : "?",
		           "the renderer declares an invalid parameter name (1..%u of "
		           "A-Z a-z 0-9 _ . -, not gain or pan)", RTA_PARAM_NAME_MAX);
		return -1;
	}
	if (h->nparams == RTA_PARAMS_MAX) {
		host_error(h, "params", name, "the renderer declares more than %u parameters",
		           RTA_PARAMS_MAX);
		return -1;
	}
	memset(&d, 0, sizeof d);
	memcpy(d.name, name, strlen(name) + 1);  /* layout_param_name_ok bounded it */
	if (unit != NULL && strlen(unit) > RTA_PARAM_UNIT_MAX) {
		host_error(h, "params", name, "unit '%s' longer than %u bytes", unit,
		           RTA_PARAM_UNIT_MAX);
		return -1;
	}
	if (unit != NULL)
		memcpy(d.unit, unit, strlen(unit) + 1);
	d.min = min;
	d.max = max;
	d.def = def;
	if (layout_param_decl_ok(&d) < 0) {
		host_error(h, "params", name, "the renderer declares an invalid range "
		           "(min %g, max %g, default %g, unit '%s')", min, max, def, d.unit);
		return -1;
	}
	for (unsigned i = 0; i < h->nparams; i++)
		if (strcmp(h->decl[i].name, name) == 0) {
			host_error(h, "params", name, "the renderer declares it twice");
			return -1;
		}
	h->decl[h->nparams] = d;
	return (int)h->nparams++;
}

bool rhost_check_unused(struct rta_host *h)
{
	for (unsigned i = 0; i < h->nkeys && !h->failed; i++)
		if (!h->keys[i].used)
			host_error(h, h->keys[i].section, h->keys[i].key, "unknown key in [%s]",
			           h->keys[i].section);
	return h->failed;
}

void rhost_report(const struct rta_host *h, FILE *f)
{
	if (h->failed) {
		fprintf(f, "error\t%s\t%s\t%s\n", h->err_section[0] != '\0' ? h->err_section : "-",
		        h->err_key[0] != '\0' ? h->err_key : "-", h->err_text);
		return;
	}
	for (unsigned i = 0; i < h->nparams; i++) {
		const struct param_decl *d = &h->decl[i];
		fprintf(f, "param\t%s\t%.17g\t%.17g\t%.17g\t%s\n", d->name, d->min, d->max, d->def,
		        d->unit);
	}
	fputs("ok\n", f);
}

bool rhost_table_matches(const struct rta_host *h, const struct param_decl *table,
                            unsigned n)
{
	if (n != h->nparams + 2)
		return false;
	for (unsigned i = 0; i < h->nparams; i++) {
		const struct param_decl *a = &h->decl[i], *b = &table[i + 2];
		if (strcmp(a->name, b->name) != 0 || strcmp(a->unit, b->unit) != 0 ||
		    a->min != b->min || a->max != b->max || a->def != b->def)
			return false;
	}
	return true;
}

void rta_status(struct rta_host *h, const char *text)
{
	/* Once per block at most, and mostly the same text: write on change
	 * only, so the daemon's reader rarely meets the seqlock odd. */
	if (h == NULL || h->seg == NULL || text == NULL ||
	    strncmp(h->last_status, text, sizeof h->last_status - 1) == 0)
		return;
	size_t n = strnlen(text, sizeof h->last_status - 1);
	memcpy(h->last_status, text, n);
	h->last_status[n] = '\0';
	layout_note_write(h->seg, false, h->last_status);
}

void rta_event(struct rta_host *h, const char *text)
{
	if (h == NULL || h->seg == NULL || text == NULL)
		return;
	layout_note_write(h->seg, true, text);
}
