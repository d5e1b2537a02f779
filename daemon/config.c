/*
 * config.c - rtaudiod's configuration: one key table, the inih loader,
 * the printer and the reload copy.
 *
 * What it does: CONFIG_TABLE below is the single description of every key
 * (section, name, default text, documented range, how to parse it, where it
 * lives in struct config, which extra rule applies). The public doc table
 * config_keys[], the parse table, the defaults (the default texts go through
 * the same parser as the file), config_print() and config_apply_reload() are
 * all generated from it. config_load() feeds the file to inih through a
 * line-counting reader, so every error names its file and line, and stops at
 * the first error in file order. Duplicate keys are rejected (the second one
 * is the error), so no setting is silently overridden.
 *
 * What it does not do: log, exit, open sockets or check that the replica
 * program exists: the caller reports the error text and acts on the values.
 * It does not interpret values beyond validating them.
 */
#include <errno.h>
#include <grp.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "config.h"
#include "log.h"

#ifndef RUNSTATEDIR
#error "RUNSTATEDIR must be defined by the build"
#endif
#ifndef REPLICADIR
#error "REPLICADIR must be defined by the build"
#endif

#define DEFAULT_SOCKET  RUNSTATEDIR "/rtaudiod/rtaudiod.sock"
#define DEFAULT_REPLICA REPLICADIR "/rtaudio-replica"

/* Enum spellings, indexed by the enum value, NULL-terminated. */
static const char *const names_log_level[] = { "error", "warn", "info", "debug", NULL };
static const char *const names_standby[] = { "hot", "warm", NULL };
static const char *const names_source[] = { "sine", NULL };
static const char *const names_sink[] = { "null", "wav", "jack", NULL };
static const char *const names_affinity[] = { "spread", "none", NULL };

_Static_assert(LOG_LEVEL_ERROR == 0 && LOG_LEVEL_DEBUG == 3, "names_log_level order");
_Static_assert(STANDBY_HOT == 0 && STANDBY_WARM == 1, "names_standby order");
_Static_assert(SOURCE_SINE == 0, "names_source order");
_Static_assert(SINK_NULL == 0 && SINK_WAV == 1 && SINK_JACK == 2, "names_sink order");
_Static_assert(AFFINITY_SPREAD == 0 && AFFINITY_NONE == 1, "names_affinity order");

/* How a value is written in the file and stored in struct config. */
enum key_kind {
	K_UINT,   /* decimal integer -> unsigned */
	K_INT,    /* decimal integer -> int */
	K_OCTAL,  /* octal integer -> unsigned */
	K_REAL,   /* finite number -> double */
	K_ENUM,   /* one of names[] -> unsigned (or int, same values) */
	K_STR,    /* text -> char[], NUL-terminated, must fit */
};

#define KT_K_UINT  "integer"
#define KT_K_INT   "integer"
#define KT_K_OCTAL "octal"
#define KT_K_REAL  "number"
#define KT_K_ENUM  "enum"
#define KT_K_STR   "string"

/*
 * A per-key rule beyond type and range. It runs once the value is stored,
 * sees it (`v` points at the member) and the whole config; 0 or -1 + why.
 */
typedef int (*key_check_fn)(const struct config *c, const void *v, char *why, size_t len);

__attribute__((format(printf, 4, 5)))
static int rule(bool ok, char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return 0;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int check_nonempty(const struct config *c, const void *v, char *why, size_t len)
{
	return rule(*(const char *)v != '\0', why, len, "must not be empty");
}

static int check_socket_mode(const struct config *c, const void *v, char *why, size_t len)
{
	return rule((c->socket_mode & 0600) == 0600, why, len,
	            "0%03o does not give the owner read and write (0600)", c->socket_mode);
}

static int check_socket_group(const struct config *c, const void *v, char *why, size_t len)
{
	return rule(c->socket_group[0] == '\0' || getgrnam(c->socket_group) != NULL, why, len,
	            "no such group '%s'", c->socket_group);
}

static int check_name(const struct config *c, const void *v, char *why, size_t len)
{
	return rule(shm_group_valid(c->name), why, len, "'%s' is not a valid group name "
	            "(1..%d of A-Z a-z 0-9 _ . -, not starting with . or -)", c->name, SHM_GROUP_MAX);
}

static int check_replica(const struct config *c, const void *v, char *why, size_t len)
{
	return rule(c->replica[0] == '/', why, len, "'%s' is not an absolute path", c->replica);
}

static int check_ring_capacity(const struct config *c, const void *v, char *why, size_t len)
{
	return rule((c->ring_capacity & (c->ring_capacity - 1)) == 0, why, len,
	            "%u is not a power of two", c->ring_capacity);
}

static int check_frequency(const struct config *c, const void *v, char *why, size_t len)
{
	return rule(c->frequency > 0, why, len, "%g must be greater than 0", c->frequency);
}

static int check_sink(const struct config *c, const void *v, char *why, size_t len)
{
#ifdef HAVE_JACK
	return 0;
#else
	return rule(c->sink != SINK_JACK, why, len, "rtaudiod was built without JACK");
#endif
}

/*
 * X(section, name, reloadable, default text, documented range,
 *   kind, struct config member, min, max, enum names, extra check)
 * min/max bound numeric kinds (inclusive); the order is the print order.
 */
#define CONFIG_TABLE(X) \
	X("daemon", "socket", false, DEFAULT_SOCKET, "path, 1..107 bytes", \
	  K_STR, socket, 0, 0, NULL, check_nonempty) \
	X("daemon", "socket_mode", false, "0660", "0..0777, owner read and write", \
	  K_OCTAL, socket_mode, 0, 0777, NULL, check_socket_mode) \
	X("daemon", "socket_group", false, "", "a group name, may be empty", \
	  K_STR, socket_group, 0, 0, NULL, check_socket_group) \
	X("daemon", "log_level", false, "info", "error|warn|info|debug", \
	  K_ENUM, log_level, 0, 0, names_log_level, NULL) \
	X("group", "name", false, "default", "1..32 of [A-Za-z0-9_.-], not starting with . or -", \
	  K_STR, name, 0, 0, NULL, check_name) \
	X("group", "replicas", false, "2", "1..8", \
	  K_UINT, replicas, 1, 8, NULL, NULL) \
	X("group", "standby", false, "hot", "hot|warm", \
	  K_ENUM, standby, 0, 0, names_standby, NULL) \
	X("group", "replica", false, DEFAULT_REPLICA, "absolute path", \
	  K_STR, replica, 0, 0, NULL, check_replica) \
	X("group", "rt_priority", false, "80", "0..99, 0 = no real-time scheduling", \
	  K_INT, rt_priority, 0, 99, NULL, NULL) \
	X("group", "cpu_affinity", false, "spread", "spread|none", \
	  K_ENUM, cpu_affinity, 0, 0, names_affinity, NULL) \
	X("stream", "sample_rate", false, "48000", "8000..384000", \
	  K_UINT, sample_rate, 8000, 384000, NULL, NULL) \
	X("stream", "channels", false, "2", "1..8", \
	  K_UINT, channels, 1, 8, NULL, NULL) \
	X("stream", "frames", false, "256", "16..1024", \
	  K_UINT, frames, 16, 1024, NULL, NULL) \
	X("stream", "lead", false, "2", "1..ring_capacity-1", \
	  K_UINT, lead, 1, 1023, NULL, NULL) \
	X("stream", "ring_capacity", false, "4", "power of two, 2..1024", \
	  K_UINT, ring_capacity, 2, 1024, NULL, check_ring_capacity) \
	X("watchdog", "interval_ms", true, "1", "1..1000", \
	  K_UINT, interval_ms, 1, 1000, NULL, NULL) \
	X("watchdog", "stall_periods", true, "2", "1..1000", \
	  K_UINT, stall_periods, 1, 1000, NULL, NULL) \
	X("watchdog", "restart_backoff_ms", true, "100", "1..60000", \
	  K_UINT, restart_backoff_ms, 1, 60000, NULL, NULL) \
	X("watchdog", "restart_backoff_max_ms", true, "5000", "restart_backoff_ms..600000", \
	  K_UINT, restart_backoff_max_ms, 1, 600000, NULL, NULL) \
	X("watchdog", "start_limit", true, "5", "1..1000", \
	  K_UINT, start_limit, 1, 1000, NULL, NULL) \
	X("params", "gain", true, "1", "0..4", \
	  K_REAL, gain, 0, 4, NULL, NULL) \
	X("params", "pan", true, "0", "-1..1", \
	  K_REAL, pan, -1, 1, NULL, NULL) \
	X("source", "type", false, "sine", "sine", \
	  K_ENUM, source, 0, 0, names_source, NULL) \
	X("source", "frequency", false, "440", "greater than 0, less than sample_rate/2", \
	  K_REAL, frequency, 0, 192000, NULL, check_frequency) \
	X("sink", "type", false, "null", "null|wav|jack", \
	  K_ENUM, sink, 0, 0, names_sink, check_sink) \
	X("sink", "path", false, "", "path, required when type = wav", \
	  K_STR, sink_path, 0, 0, NULL, NULL) \
	X("sink", "jack_client", false, "rtaudiod", "1..63 bytes", \
	  K_STR, jack_client, 0, 0, NULL, check_nonempty) \
	X("sink", "jack_connect", false, "", "comma-separated port names, may be empty", \
	  K_STR, jack_connect, 0, 0, NULL, NULL)

#define DOC_ROW(sec, nm, rl, dv, rg, kd, fld, lo, hi, nms, chk) \
	{ sec, nm, KT_##kd, rg, dv, rl },
const struct config_key config_keys[] = {
	CONFIG_TABLE(DOC_ROW)
	{ NULL, NULL, NULL, NULL, NULL, false },
};

struct key_def {
	enum key_kind kind;
	size_t off;
	size_t size;
	double min, max;
	const char *const *names;
	key_check_fn check;
};

#define DEF_ROW(sec, nm, rl, dv, rg, kd, fld, lo, hi, nms, chk) \
	{ kd, offsetof(struct config, fld), sizeof(((struct config *)0)->fld), lo, hi, nms, chk },
static const struct key_def key_defs[] = {
	CONFIG_TABLE(DEF_ROW)
};

#define NKEYS (sizeof key_defs / sizeof key_defs[0])
_Static_assert(sizeof config_keys / sizeof config_keys[0] == NKEYS + 1, "one doc row per key");

static const char *const sections[] = {
	"daemon", "group", "stream", "watchdog", "params", "source", "sink", NULL
};

/* ---- parsing one value ------------------------------------------------- */

static void *field(struct config *c, const struct key_def *d)
{
	return (char *)c + d->off;
}

static const void *cfield(const struct config *c, const struct key_def *d)
{
	return (const char *)c + d->off;
}

/* Strict integer: all of `text`. Returns 0, 1 (overflow, reported as out of
 * range by the caller) or -1 with why. */
static int parse_integer(const char *text, int base, long long *out, char *why, size_t len)
{
	const char *what = base == 8 ? "an octal" : "an";
	char *end;

	if (text[0] == '\0')
		return rule(false, why, len, "empty value, expected %s integer", what);
	errno = 0;
	*out = strtoll(text, &end, base);
	if (*end != '\0')
		return rule(false, why, len, "'%s' is not %s integer", text, what);
	return errno == ERANGE ? 1 : 0;
}

/* Strict number: all of `text`, finite. Returns 0, 1 (beyond double range)
 * or -1 with why. An underflow rounds toward 0, which is what it means. */
static int parse_real(const char *text, double *out, char *why, size_t len)
{
	char *end;

	if (text[0] == '\0')
		return rule(false, why, len, "empty value, expected a number");
	errno = 0;
	*out = strtod(text, &end);
	if (*end != '\0' || isnan(*out) || strpbrk(text, "xX") != NULL)  /* no hex floats */
		return rule(false, why, len, "'%s' is not a number", text);
	if (isinf(*out) && errno != ERANGE)
		return rule(false, why, len, "'%s' is not a finite number", text);
	return isinf(*out) ? 1 : 0;
}

static void range_text(const struct key_def *d, char *buf, size_t len)
{
	if (d->kind == K_OCTAL)
		snprintf(buf, len, "0..0%o", (unsigned)d->max);
	else
		snprintf(buf, len, "%g..%g", d->min, d->max);
}

/* Parse `text` for key `k` and store it in *c. Returns 0, or -1 with why. */
static int config_set(struct config *c, size_t k, const char *text, char *why, size_t len)
{
	const struct key_def *d = &key_defs[k];
	char range[48];
	long long iv = 0;
	double dv = 0;
	int rc;

	range_text(d, range, sizeof range);
	switch (d->kind) {
	case K_UINT:
	case K_INT:
	case K_OCTAL:
		rc = parse_integer(text, d->kind == K_OCTAL ? 8 : 10, &iv, why, len);
		if (rc < 0)
			return -1;
		if (rc > 0 || (double)iv < d->min || (double)iv > d->max) {
			snprintf(why, len, "%s is out of range %s", text, range);
			return -1;
		}
		if (d->kind == K_INT) {
			int v = (int)iv;
			memcpy(field(c, d), &v, sizeof v);
		} else {
			unsigned v = (unsigned)iv;
			memcpy(field(c, d), &v, sizeof v);
		}
		break;
	case K_REAL:
		rc = parse_real(text, &dv, why, len);
		if (rc < 0)
			return -1;
		if (rc > 0 || dv < d->min || dv > d->max) {
			snprintf(why, len, "%s is out of range %s", text, range);
			return -1;
		}
		memcpy(field(c, d), &dv, sizeof dv);
		break;
	case K_ENUM: {
		unsigned i;

		for (i = 0; d->names[i] != NULL; i++)
			if (strcmp(d->names[i], text) == 0)
				break;
		if (d->names[i] == NULL) {
			snprintf(why, len, "'%s' is not one of %s", text, config_keys[k].range);
			return -1;
		}
		/* enum fields are int or unsigned; the values 0..n fit either. */
		_Static_assert(sizeof(int) == sizeof(unsigned), "enum field size");
		memcpy(field(c, d), &i, sizeof i);
		break;
	}
	case K_STR: {
		size_t n = strlen(text);

		if (n >= d->size) {
			snprintf(why, len, "value too long (%zu bytes, at most %zu)", n, d->size - 1);
			return -1;
		}
		memcpy(field(c, d), text, n + 1);
		break;
	}
	}
	return d->check != NULL ? d->check(c, field(c, d), why, len) : 0;
}

void config_defaults(struct config *c)
{
	char why[256];

	memset(c, 0, sizeof *c);
	/* The documented default texts are the defaults: parse them. The unit
	 * tests check that every one is accepted. */
	for (size_t k = 0; k < NKEYS; k++)
		(void)config_set(c, k, config_keys[k].defval, why, sizeof why);
}

/* ---- loading a file ---------------------------------------------------- */

struct load_ctx {
	struct config *c;
	FILE *f;
	const char *path;
	int line;                 /* line the reader handed to inih last */
	int key_line[NKEYS];      /* where each key was set, 0 = not in the file */
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

static bool section_known(const char *name)
{
	for (size_t i = 0; sections[i] != NULL; i++)
		if (strcmp(sections[i], name) == 0)
			return true;
	return false;
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
			if (!section_known(str + 1))
				load_fail(x, x->line, NULL, "unknown section [%s]", str + 1);
			*end = ']';
		}
	}
	return str;
}

static size_t key_index(const char *section, const char *name)
{
	size_t k;

	for (k = 0; k < NKEYS; k++)
		if (strcmp(config_keys[k].section, section) == 0 &&
		    strcmp(config_keys[k].name, name) == 0)
			break;
	return k;
}

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *x = user;
	char why[512];
	size_t k;

	if (x->err_line >= 0)
		return 1;  /* keep only the first error; inih just runs to the end */
	if (!section_known(section)) {
		if (section[0] == '\0')
			load_fail(x, x->line, name, "not in a section (keys follow a [section] line)");
		else  /* already reported at the header; kept for safety */
			load_fail(x, x->line, NULL, "unknown section [%s]", section);
		return 0;
	}
	k = key_index(section, name);
	if (k == NKEYS) {
		load_fail(x, x->line, name, "unknown key in [%s]", section);
		return 0;
	}
	if (x->key_line[k] != 0) {
		load_fail(x, x->line, name, "duplicate key (already set at line %d)", x->key_line[k]);
		return 0;
	}
	x->key_line[k] = x->line;
	if (config_set(x->c, k, value, why, sizeof why) != 0) {
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
	size_t a = key_index(sec_a, key_a), b = key_index(sec_b, key_b);
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
	if (c->frequency >= c->sample_rate / 2.0) {
		snprintf(why, sizeof why, "frequency (%g) must be less than sample_rate/2 (%g)",
		         c->frequency, c->sample_rate / 2.0);
		cross_fail(x, "source", "frequency", "stream", "sample_rate", why);
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

/* ---- printing and reloading -------------------------------------------- */

static void print_value(const struct config *c, size_t k, FILE *f)
{
	const struct key_def *d = &key_defs[k];
	const void *p = cfield(c, d);
	unsigned u;
	int i;
	double v, back;
	char buf[40];

	switch (d->kind) {
	case K_INT:
		memcpy(&i, p, sizeof i);
		fprintf(f, "%d", i);
		break;
	case K_UINT:
	case K_OCTAL:
		memcpy(&u, p, sizeof u);
		fprintf(f, d->kind == K_OCTAL ? "0%03o" : "%u", u);
		break;
	case K_REAL:
		/* Shortest of %.15g/%.17g that reads back exactly (round trip). */
		memcpy(&v, p, sizeof v);
		snprintf(buf, sizeof buf, "%.15g", v);
		back = strtod(buf, NULL);
		/* Bit-exact on purpose: -0 must print as -0, though == calls it 0. */
		/* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison,cert-exp42-c,cert-flp37-c) */
		if (memcmp(&back, &v, sizeof v) != 0)
			snprintf(buf, sizeof buf, "%.17g", v);
		fputs(buf, f);
		break;
	case K_ENUM:
		memcpy(&u, p, sizeof u);
		for (i = 0; d->names[i] != NULL && (unsigned)i < u; i++)
			;
		fputs(d->names[i] != NULL ? d->names[i] : "?", f);
		break;
	case K_STR:
		fputs((const char *)p, f);
		break;
	}
}

void config_print(const struct config *c, FILE *f)
{
	const char *section = NULL;

	fputs("# rtaudiod effective configuration\n", f);
	for (size_t k = 0; k < NKEYS; k++) {
		if (section == NULL || strcmp(section, config_keys[k].section) != 0) {
			section = config_keys[k].section;
			fprintf(f, "%s[%s]\n", k == 0 ? "" : "\n", section);
		}
		/*
		 * inih takes " ;" after the '=' as an inline comment, so a text
		 * that starts with ';' (legal: "socket =;x" reads ";x") must follow
		 * the '=' directly to read back the same.
		 */
		bool semi = key_defs[k].kind == K_STR && *(const char *)cfield(c, &key_defs[k]) == ';';
		fprintf(f, "%s =%s", config_keys[k].name, semi ? "" : " ");
		print_value(c, k, f);
		fputc('\n', f);
	}
}

/* Equal values? Strings compare up to their NUL: the bytes after it are noise. */
static bool field_equal(const struct config *a, const struct config *b, const struct key_def *d)
{
	if (d->kind == K_STR)
		return strcmp(cfield(a, d), cfield(b, d)) == 0;
	return memcmp(cfield(a, d), cfield(b, d), d->size) == 0;
}

int config_apply_reload(struct config *live, const struct config *fresh)
{
	int changed = 0;

	for (size_t k = 0; k < NKEYS; k++) {
		const struct key_def *d = &key_defs[k];

		if (!config_keys[k].reloadable || field_equal(live, fresh, d))
			continue;
		memcpy(field(live, d), cfield(fresh, d), d->size);
		changed |= strcmp(config_keys[k].section, "params") == 0 ? 1 : 2;
	}
	return changed;
}

const struct config_key *config_static_change(const struct config *live,
                                              const struct config *fresh)
{
	for (size_t k = 0; k < NKEYS; k++)
		if (!config_keys[k].reloadable && !field_equal(live, fresh, &key_defs[k]))
			return &config_keys[k];
	return NULL;
}

const char *config_sink_name(unsigned sink)
{
	return sink < sizeof names_sink / sizeof names_sink[0] - 1 ? names_sink[sink] : "?";
}

const char *config_standby_name(unsigned standby)
{
	return standby < sizeof names_standby / sizeof names_standby[0] - 1 ?
	       names_standby[standby] : "?";
}
