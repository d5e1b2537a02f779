/*
 * config_load.c - read rtaudiod's config file with inih.
 *
 * What it does: config_load() feeds the file to inih through a
 * line-counting reader, so every error names its file and line, and stops at
 * the first error in file order. Each value goes through config_set_key(),
 * the same parser the defaults use. Duplicate keys are rejected (the second
 * one is the error), so no setting is silently overridden. The rules
 * between two keys run once the whole file is read.
 *
 * What it does not do: know any key's type or range (config.c's table
 * does), log or exit: the caller reports the error text (and exits 78).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <ini.h>

#include "config.h"

struct load_ctx {
	struct config *c;
	FILE *f;
	const char *path;
	int line;                 /* line the reader handed to inih last */
	int key_line[CONFIG_NKEYS];  /* where each key was set, 0 = not in the file */
	int err_line;             /* line of the recorded error, -1 = none */
	char *err;
	size_t errlen;
};

/* Record the first error (in file order); later ones are ignored. */
__attribute__((format(printf, 4, 5)))
static void load_fail(struct load_ctx *x, int line, const char *key, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	if (x->err_line >= 0)
		return;
	x->err_line = line;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (line == 0)
		snprintf(x->err, x->errlen, "%s: %s", x->path, why);
	else if (key != NULL)
		snprintf(x->err, x->errlen, "%s:%d: key '%s': %s", x->path, line, key, why);
	else
		snprintf(x->err, x->errlen, "%s:%d: %s", x->path, line, why);
}

/*
 * inih's reader: one whole line per call, counted. Leading blanks are
 * dropped, which turns off inih's multi-line continuation (an indented line
 * is an ordinary line here, so indenting keys under a section is harmless).
 * Section headers are checked here, at their own line, which also catches a
 * section with no keys. A line too long for inih's buffer is an error.
 */
static char *config_reader(char *str, int num, void *stream)
{
	struct load_ctx *x = stream;
	size_t len, skip = 0;

	if (fgets(str, num, x->f) == NULL)
		return NULL;
	x->line++;
	len = strlen(str);
	if (len > 0 && str[len - 1] != '\n') {
		int ch = getc(x->f);

		if (ch != EOF && ch != '\n') {
			while (ch != EOF && ch != '\n')
				ch = getc(x->f);
			load_fail(x, x->line, NULL, "line too long (at most %d characters)", num - 3);
			str[0] = '\0';
			return str;
		}
	}
	if (x->line == 1 && strncmp(str, "\xEF\xBB\xBF", 3) == 0)
		skip = 3;  /* UTF-8 BOM */
	while (str[skip] == ' ' || str[skip] == '\t' || str[skip] == '\r' || str[skip] == '\f' ||
	       str[skip] == '\v')
		skip++;
	memmove(str, str + skip, len - skip + 1);
	if (str[0] == '[') {
		char *end = strchr(str, ']');

		if (end != NULL) {
			*end = '\0';
			if (!config_section_known(str + 1))
				load_fail(x, x->line, NULL, "unknown section [%s]", str + 1);
			*end = ']';
		}
	}
	return str;
}

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *x = user;
	char why[512];
	size_t k;

	if (x->err_line >= 0)
		return 1;  /* keep only the first error; inih just runs to the end */
	if (!config_section_known(section)) {
		if (section[0] == '\0')
			load_fail(x, x->line, name, "not in a section (keys follow a [section] line)");
		else  /* already reported at the header; kept for safety */
			load_fail(x, x->line, NULL, "unknown section [%s]", section);
		return 0;
	}
	if (config_section_renderer(section)) {
		/* The renderer's: stored as written, validated by its --check. */
		if (config_add_rkey(x->c, section, name, value, x->line, why, sizeof why) != 0) {
			load_fail(x, x->line, name, "%s", why);
			return 0;
		}
		return 1;
	}
	k = config_key_index(section, name);
	if (k == CONFIG_NKEYS && strcmp(section, "params") == 0) {
		/* A renderer's parameter: its range is known after --check. */
		if (config_add_pval(x->c, name, value, x->line, why, sizeof why) != 0) {
			load_fail(x, x->line, name, "%s", why);
			return 0;
		}
		return 1;
	}
	if (k == CONFIG_NKEYS) {
		load_fail(x, x->line, name, "unknown key in [%s]", section);
		return 0;
	}
	if (x->key_line[k] != 0) {
		load_fail(x, x->line, name, "duplicate key (already set at line %d)", x->key_line[k]);
		return 0;
	}
	x->key_line[k] = x->line;
	if (config_set_key(x->c, k, value, why, sizeof why) != 0) {
		load_fail(x, x->line, name, "%s", why);
		return 0;
	}
	return 1;
}

/*
 * A rule between two keys, reported at the line of whichever was set later
 * in the file (that is the one to look at), or without a line if neither was.
 */
static void cross_fail(struct load_ctx *x, const char *sec_a, const char *key_a,
                       const char *sec_b, const char *key_b, const char *why)
{
	size_t a = config_key_index(sec_a, key_a), b = config_key_index(sec_b, key_b);
	size_t k = x->key_line[b] > x->key_line[a] ? b : a;

	load_fail(x, x->key_line[k], config_keys[k].name, "%s", why);
}

static void config_cross_check(struct load_ctx *x)
{
	const struct config *c = x->c;
	char why[256];

	if (c->lead >= c->ring_capacity) {
		snprintf(why, sizeof why, "lead (%u) must be less than ring_capacity (%u)",
		         c->lead, c->ring_capacity);
		cross_fail(x, "stream", "lead", "stream", "ring_capacity", why);
	}
	if (c->restart_backoff_max_ms < c->restart_backoff_ms) {
		snprintf(why, sizeof why,
		         "restart_backoff_max_ms (%u) must be at least restart_backoff_ms (%u)",
		         c->restart_backoff_max_ms, c->restart_backoff_ms);
		cross_fail(x, "watchdog", "restart_backoff_ms", "watchdog", "restart_backoff_max_ms",
		           why);
	}
	if (c->vote == VOTE_MAJORITY && c->replicas < 3) {
		snprintf(why, sizeof why, "vote = majority needs 3 or more replicas (replicas = %u)",
		         c->replicas);
		cross_fail(x, "group", "vote", "group", "replicas", why);
	}
	if (c->sink == SINK_WAV && c->sink_path[0] == '\0')
		cross_fail(x, "sink", "type", "sink", "path", "sink type wav needs a path");
}

int config_load(struct config *c, const char *path, bool missing_ok, char *err, size_t errlen)
{
	struct load_ctx x = { .c = c, .path = path, .err_line = -1, .err = err, .errlen = errlen };
	int rc;

	if (errlen > 0)
		err[0] = '\0';
	x.f = fopen(path, "r");
	if (x.f == NULL) {
		int e = errno;

		if (e == ENOENT && missing_ok)
			return 0;
		load_fail(&x, 0, NULL, "%s", strerror(e));
		return e == ENOENT ? -ENOENT : -EINVAL;
	}
	rc = ini_parse_stream(config_reader, &x, config_handler, &x);
	if (ferror(x.f)) {
		int e = errno;

		x.err_line = -1;  /* an I/O error trumps what was parsed of it */
		load_fail(&x, 0, NULL, "read error: %s", strerror(e));
	}
	fclose(x.f);
	if (rc > 0 && (x.err_line < 0 || rc < x.err_line)) {
		x.err_line = -1;  /* inih's own error comes first in the file */
		load_fail(&x, rc, NULL, "syntax error");
	} else if (rc < 0 && x.err_line < 0) {
		load_fail(&x, 0, NULL, "cannot parse (inih error %d)", rc);
	}
	if (x.err_line < 0)
		config_cross_check(&x);
	return x.err_line >= 0 ? -EINVAL : 0;
}
