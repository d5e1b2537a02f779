/*
 * config.c - rtaudiod's configuration: one key table, the value parser,
 * the printer and the reload copy.
 *
 * What it does: CONFIG_TABLE below is the single description of every key
 * (section, name, default text, documented range, how to parse it, where it
 * lives in struct config, which extra rule applies). The public doc table
 * config_keys[], the parse table, the defaults (the default texts go through
 * the same parser as the file), config_print() and config_apply_reload() are
 * all generated from it.
 *
 * What it does not do: read files (config_load.c feeds a file's lines to
 * config_set_key), log, exit, open sockets or check that the replica
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
static const char *const names_sink[] = { "null", "wav", "jack", "alsa", NULL };
static const char *const names_alsa_format[] = { "auto", "float", "s32", "s24", "s16", NULL };
static const char *const names_affinity[] = { "spread", "none", NULL };
static const char *const names_vote[] = { "auto", "majority", "off", NULL };
static const char *const names_sandbox[] = { "strict", "off", NULL };
static const char *const names_noyes[] = { "no", "yes", NULL };
#if defined(HAVE_SECCOMP) && defined(__linux__)
#define DEFAULT_SANDBOX "strict"
#else
#define DEFAULT_SANDBOX "off"
#endif

_Static_assert(LOG_LEVEL_ERROR == 0 && LOG_LEVEL_DEBUG == 3, "names_log_level order");
_Static_assert(STANDBY_HOT == 0 && STANDBY_WARM == 1, "names_standby order");
_Static_assert(SINK_NULL == 0 && SINK_WAV == 1 && SINK_JACK == 2 && SINK_ALSA == 3,
               "names_sink order");
_Static_assert(ALSA_FMT_AUTO == 0 && ALSA_FMT_S16 == 4, "names_alsa_format order");
_Static_assert(AFFINITY_SPREAD == 0 && AFFINITY_NONE == 1, "names_affinity order");
_Static_assert(VOTE_AUTO == 0 && VOTE_MAJORITY == 1 && VOTE_OFF == 2, "names_vote order");
_Static_assert(SANDBOX_STRICT == 0 && SANDBOX_OFF == 1, "names_sandbox order");

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
int config_rule(bool ok, char *why, size_t len, const char *fmt, ...)
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
	return config_rule(*(const char *)v != '\0', why, len, "must not be empty");
}

static int check_socket_mode(const struct config *c, const void *v, char *why, size_t len)
{
	return config_rule((c->socket_mode & 0600) == 0600, why, len,
	            "0%03o does not give the owner read and write (0600)", c->socket_mode);
}

static int check_socket_group(const struct config *c, const void *v, char *why, size_t len)
{
	return config_rule(c->socket_group[0] == '\0' || getgrnam(c->socket_group) != NULL, why, len,
	            "no such group '%s'", c->socket_group);
}

static int check_name(const struct config *c, const void *v, char *why, size_t len)
{
	return config_rule(shm_group_valid(c->name), why, len, "'%s' is not a valid group name "
	            "(1..%d of A-Z a-z 0-9 _ . -, not starting with . or -)", c->name, SHM_GROUP_MAX);
}

static int check_replica(const struct config *c, const void *v, char *why, size_t len)
{
	return config_rule(c->replica[0] == '/', why, len, "'%s' is not an absolute path", c->replica);
}

/* ring_capacity (2.. by its range), preroll_align (0 allowed: none). */
static int check_pow2(const struct config *c, const void *v, char *why, size_t len)
{
	unsigned x = *(const unsigned *)v;

	return config_rule((x & (x - 1)) == 0, why, len, "%u is not a power of two", x);
}

static int check_sink(const struct config *c, const void *v, char *why, size_t len)
{
#ifndef HAVE_JACK
	if (c->sink == SINK_JACK)
		return config_rule(false, why, len, "rtaudiod was built without JACK");
#endif
#ifndef HAVE_ALSA
	if (c->sink == SINK_ALSA)
		return config_rule(false, why, len, "rtaudiod was built without ALSA (libasound)");
#endif
	return 0;
}

static int check_alsa_period(const struct config *c, const void *v, char *why, size_t len)
{
	return config_rule(c->alsa_period == 0 || c->alsa_period >= 16, why, len,
	            "%u is below 16 frames (0 means [stream] frames)", c->alsa_period);
}

static int check_alsa_buffer(const struct config *c, const void *v, char *why, size_t len)
{
	return config_rule(c->alsa_buffer == 0 || c->alsa_buffer >= 32, why, len,
	            "%u is below 32 frames (0 means 4 periods)", c->alsa_buffer);
}

static int check_sandbox(const struct config *c, const void *v, char *why, size_t len)
{
#ifdef HAVE_SECCOMP
	return 0;
#else
	return rule(c->sandbox != SANDBOX_STRICT, why, len, "rtaudiod was built without libseccomp");
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
	/* The sink's judgement of wrong output (play.c, judge.c). */ \
	X("group", "vote", false, "auto", "auto|majority|off", \
	  K_ENUM, vote, 0, 0, names_vote, NULL) \
	X("group", "vote_strikes", false, "3", "1..1000", \
	  K_UINT, vote_strikes, 1, 1000, NULL, NULL) \
	X("group", "content_strikes", false, "3", "1..1000", \
	  K_UINT, content_strikes, 1, 1000, NULL, NULL) \
	X("group", "max_level", false, "12", "-60..60 dBFS", \
	  K_REAL, max_level, -60, 60, NULL, NULL) \
	X("group", "sandbox", false, DEFAULT_SANDBOX, "strict|off", \
	  K_ENUM, sandbox, 0, 0, names_sandbox, check_sandbox) \
	X("group", "replica_user", false, "rtaudio", "a user name; used when rtaudiod runs as root", \
	  K_STR, replica_user, 0, 0, NULL, check_nonempty) \
	X("group", "replica_max_memory_mb", false, "0", "0..1048576, 0 = no limit", \
	  K_UINT, replica_max_memory_mb, 0, 1048576, NULL, NULL) \
	X("group", "replica_max_processes", false, "0", "0..1000000, 0 = no limit", \
	  K_UINT, replica_max_processes, 0, 1000000, NULL, NULL) \
	X("group", "replica_core_dumps", false, "no", "no|yes", \
	  K_ENUM, replica_core_dumps, 0, 0, names_noyes, NULL) \
	X("group", "preroll", false, "3", "0..60 seconds a new hot standby pre-renders", \
	  K_REAL, preroll, 0, 60, NULL, NULL) \
	X("group", "preroll_align", false, "65536", "0 or a power of two up to 1048576 samples", \
	  K_UINT, preroll_align, 0, 1048576, NULL, check_pow2) \
	X("stream", "sample_rate", false, "48000", "8000..384000", \
	  K_UINT, sample_rate, 8000, 384000, NULL, NULL) \
	X("stream", "channels", false, "2", "1..8", \
	  K_UINT, channels, 1, 8, NULL, NULL) \
	X("stream", "frames", false, "256", "16..1024", \
	  K_UINT, frames, 16, 1024, NULL, NULL) \
	X("stream", "lead", false, "2", "1..ring_capacity-1", \
	  K_UINT, lead, 1, 1023, NULL, NULL) \
	X("stream", "ring_capacity", false, "4", "power of two, 2..1024", \
	  K_UINT, ring_capacity, 2, 1024, NULL, check_pow2) \
	X("stream", "input_channels", false, "0", "0..8, 0 = no live input", \
	  K_UINT, input_channels, 0, 8, NULL, NULL) \
	X("stream", "input_history", false, "2", "0.1..60 seconds", \
	  K_REAL, input_history, 0.1, 60, NULL, NULL) \
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
	X("sink", "type", false, "null", "null|wav|jack|alsa", \
	  K_ENUM, sink, 0, 0, names_sink, check_sink) \
	X("sink", "path", false, "", "path, required when type = wav", \
	  K_STR, sink_path, 0, 0, NULL, NULL) \
	X("sink", "jack_client", false, "rtaudiod", "1..63 bytes", \
	  K_STR, jack_client, 0, 0, NULL, check_nonempty) \
	X("sink", "jack_connect", false, "", "comma-separated port names, may be empty", \
	  K_STR, jack_connect, 0, 0, NULL, NULL) \
	X("sink", "jack_inputs", false, "", "comma-separated capture ports, may be empty", \
	  K_STR, jack_inputs, 0, 0, NULL, NULL) \
	X("sink", "device", false, "default", "an ALSA PCM name, 1..127 bytes", \
	  K_STR, device, 0, 0, NULL, check_nonempty) \
	X("sink", "alsa_period", false, "0", "0 (= [stream] frames) or 16..1024 frames", \
	  K_UINT, alsa_period, 0, 1024, NULL, check_alsa_period) \
	X("sink", "alsa_buffer", false, "0", "0 (= 4 periods) or 32..65536 frames", \
	  K_UINT, alsa_buffer, 0, 65536, NULL, check_alsa_buffer) \
	X("sink", "alsa_format", false, "auto", "auto|float|s32|s24|s16", \
	  K_ENUM, alsa_format, 0, 0, names_alsa_format, NULL) \
	X("sink", "capture_device", false, "", "an ALSA PCM name, 0..127 bytes; alsa live input", \
	  K_STR, capture_device, 0, 0, NULL, NULL)

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
_Static_assert(NKEYS == CONFIG_NKEYS, "CONFIG_NKEYS in config.h counts the keys");

size_t config_key_index(const char *section, const char *name)
{
	size_t k;

	for (k = 0; k < NKEYS; k++)
		if (strcmp(config_keys[k].section, section) == 0 &&
		    strcmp(config_keys[k].name, name) == 0)
			break;
	return k;
}

bool config_section_known(const char *name)
{
	for (size_t k = 0; k < NKEYS; k++)
		if (strcmp(config_keys[k].section, name) == 0)
			return true;
	return config_section_renderer(name);
}

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
		return config_rule(false, why, len, "empty value, expected %s integer", what);
	errno = 0;
	*out = strtoll(text, &end, base);
	if (*end != '\0')
		return config_rule(false, why, len, "'%s' is not %s integer", text, what);
	return errno == ERANGE ? 1 : 0;
}

/* Strict number: all of `text`, finite. Returns 0, 1 (beyond double range)
 * or -1 with why. An underflow rounds toward 0, which is what it means. */
static int parse_real(const char *text, double *out, char *why, size_t len)
{
	char *end;

	if (text[0] == '\0')
		return config_rule(false, why, len, "empty value, expected a number");
	errno = 0;
	*out = strtod(text, &end);
	if (*end != '\0' || isnan(*out) || strpbrk(text, "xX") != NULL)  /* no hex floats */
		return config_rule(false, why, len, "'%s' is not a number", text);
	if (isinf(*out) && errno != ERANGE)
		return config_rule(false, why, len, "'%s' is not a finite number", text);
	return isinf(*out) ? 1 : 0;
}

static void range_text(const struct key_def *d, char *buf, size_t len)
{
	if (d->kind == K_OCTAL)
		snprintf(buf, len, "0..0%o", (unsigned)d->max);
	else
		snprintf(buf, len, "%g..%g", d->min, d->max);
}

int config_set_key(struct config *c, size_t k, const char *text, char *why, size_t len)
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
		(void)config_set_key(c, k, config_keys[k].defval, why, sizeof why);
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
		if (strcmp(section, "params") == 0 &&
		    (k + 1 == NKEYS || strcmp(config_keys[k + 1].section, "params") != 0))
			for (unsigned i = 0; i < c->npvals; i++)
				fprintf(f, "%s = %.17g\n", c->pvals[i].name, c->pvals[i].value);
	}
	section = NULL;
	for (unsigned i = 0; i < c->nrkeys; i++) {
		const struct config_rkey *r = &c->rkeys[i];
		if (section == NULL || strcmp(section, r->section) != 0) {
			section = r->section;
			fprintf(f, "\n[%s]\n", section);
		}
		fprintf(f, "%s =%s%s\n", r->key, r->value[0] == ';' ? "" : " ", r->value);
	}
}

const struct config_key config_rkeys_key = {
	"source", "(the renderer's keys)", "string", "", "", false,
};

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
	if (!config_pvals_equal(live, fresh)) {
		live->npvals = fresh->npvals;
		memcpy(live->pvals, fresh->pvals, sizeof live->pvals);
		changed |= 1;
	}
	return changed;
}

const struct config_key *config_static_change(const struct config *live,
                                              const struct config *fresh)
{
	for (size_t k = 0; k < NKEYS; k++)
		if (!config_keys[k].reloadable && !field_equal(live, fresh, &key_defs[k]))
			return &config_keys[k];
	return config_rkeys_equal(live, fresh) ? NULL : &config_rkeys_key;
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

const char *config_vote_name(unsigned vote)
{
	return vote < sizeof names_vote / sizeof names_vote[0] - 1 ? names_vote[vote] : "?";
}

bool config_vote_effective(const struct config *c)
{
	return c->vote == VOTE_MAJORITY || (c->vote == VOTE_AUTO && c->replicas >= 3);
}
