/*
 * config.h - rtaudiod's configuration: defaults, the key table, the loader.
 *
 * What it does: holds every setting with its default; loads an INI file with
 * inih, validating each key (type, range) and the cross-key rules, and on the
 * first error produces "FILE:LINE: key 'x': why"; prints the effective
 * configuration (rtaudiod -n); copies the reloadable keys ([params],
 * [watchdog]) from a freshly loaded config onto the live one.
 *
 * What it does not do: log, exit, or act on the values. The key table
 * (config_keys) is what the man page test and `rtaudiod -n` enumerate.
 */
#ifndef RTAUDIOD_CONFIG_H
#define RTAUDIOD_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "layout.h"
#include "shm.h"

#define CONFIG_EXIT_BAD 78  /* EX_CONFIG */

enum sink_type { SINK_NULL = 0, SINK_WAV = 1, SINK_JACK = 2, SINK_ALSA = 3 };
/* [sink] alsa_format: auto negotiates float, S32, S24, S16 in that order. */
enum alsa_format { ALSA_FMT_AUTO = 0, ALSA_FMT_FLOAT, ALSA_FMT_S32, ALSA_FMT_S24, ALSA_FMT_S16 };

#define CONFIG_RKEYS_MAX   128   /* [source] and [plugin NAME] keys, in all */
#define CONFIG_RKEY_VALUE  1024  /* bytes of one such value, NUL included */
#define CONFIG_PVALS_MAX   62    /* [params] keys other than gain and pan */
#define CONFIG_PLUGIN_NAME 32    /* bytes of NAME in [plugin NAME], NUL included */

/* A key handed to the renderer as it is: the renderer validates it. */
struct config_rkey {
	char section[8 + CONFIG_PLUGIN_NAME];  /* "source" or "plugin NAME" */
	char key[64];
	char value[CONFIG_RKEY_VALUE];
	int line;
};

/* A [params] value for a parameter the renderer declares (checked once the
 * renderer said what it declares: daemon/params.c). */
struct config_pval {
	char name[LAYOUT_PARAM_NAME];
	double value;
	int line;
};
enum cpu_affinity { AFFINITY_SPREAD = 0, AFFINITY_NONE = 1 };
/* auto: majority with 3 or more replicas, else off (config_vote_effective). */
enum config_vote { VOTE_AUTO = 0, VOTE_MAJORITY = 1, VOTE_OFF = 2 };
enum sandbox_mode { SANDBOX_STRICT = 0, SANDBOX_OFF = 1 };

struct config {
	/* [daemon] */
	char socket[108];            /* sun_path size */
	unsigned socket_mode;        /* octal in the file, default 0660 */
	char socket_group[64];       /* group of the socket; its members get read-only verbs */
	int log_level;               /* enum log_level: error|warn|info|debug */
	/* [group] */
	char name[SHM_GROUP_MAX + 1];
	unsigned replicas;           /* 1..8, default 2 */
	unsigned standby;            /* enum standby_mode: hot|warm */
	char replica[PATH_MAX];      /* rtaudio-replica program */
	int rt_priority;             /* 0 (no RT) .. 99, default 80 */
	double preroll;              /* seconds a new hot standby pre-renders, default 3 */
	unsigned preroll_align;      /* samples its start aligns on: 0 or a power of two, 65536 */
	unsigned cpu_affinity;       /* enum cpu_affinity: spread|none */
	unsigned vote;               /* enum config_vote: auto|majority|off */
	unsigned vote_strikes;       /* 1..1000, default 3 */
	unsigned content_strikes;    /* 1..1000, default 3 */
	double max_level;            /* dBFS, -60..60, default 12 */
	unsigned sandbox;            /* enum sandbox_mode: strict (Linux default)|off */
	char replica_user[64];       /* replicas' user when rtaudiod is root, default rtaudio */
	unsigned replica_max_memory_mb;  /* RLIMIT_AS of a replica, 0 = none */
	unsigned replica_max_processes;  /* RLIMIT_NPROC of a replica, 0 = none */
	unsigned replica_core_dumps;     /* 0 no (default), 1 yes */
	/* [stream] */
	unsigned sample_rate;        /* 8000..384000, default 48000 */
	unsigned channels;           /* 1..8, default 2 */
	unsigned frames;             /* 16..1024, default 256 */
	unsigned lead;               /* 1..ring_capacity-1, default 2 */
	unsigned ring_capacity;      /* power of two 2..1024, default 4 */
	unsigned input_channels;     /* 0..8: live input channels the sink captures */
	double input_history;        /* seconds of input kept in the input ring */
	/* [watchdog] (reloadable) */
	unsigned interval_ms;        /* 1..1000, default 1 */
	unsigned stall_periods;      /* 1..1000, default 2 */
	unsigned restart_backoff_ms;     /* 1..60000, default 100 */
	unsigned restart_backoff_max_ms; /* >= restart_backoff_ms, <= 600000, default 5000 */
	unsigned start_limit;        /* 1..1000, default 5 */
	/* [params] (reloadable) */
	double gain;                 /* 0..4, default 1 */
	double pan;                  /* -1..1, default 0 */
	unsigned npvals;             /* the renderer's parameters, in file order */
	struct config_pval pvals[CONFIG_PVALS_MAX];
	/* [source] and [plugin NAME]: the renderer's keys, in file order */
	unsigned nrkeys;
	struct config_rkey rkeys[CONFIG_RKEYS_MAX];
	/* [sink] */
	unsigned sink;               /* enum sink_type: null|wav|jack|alsa */
	char sink_path[PATH_MAX];    /* wav: output file (required for wav) */
	char jack_client[64];        /* default "rtaudiod" */
	char jack_connect[256];      /* comma-separated port names or empty */
	char jack_inputs[256];       /* jack: capture ports feeding in_1..N */
	char device[128];            /* alsa: PCM name, default "default" */
	unsigned alsa_period;        /* alsa: frames, 0 = [stream] frames */
	unsigned alsa_buffer;        /* alsa: frames, 0 = 4 periods */
	unsigned alsa_format;        /* enum alsa_format */
	char capture_device[128];    /* alsa: the capture PCM for live input, "" = none */
};

/* One documented key (for -n, the man page test and the annotated file). */
struct config_key {
	const char *section;
	const char *name;
	const char *type;        /* "integer", "number", "string", "octal", "enum" */
	const char *range;       /* human text: "1..8", "hot|warm" */
	const char *defval;      /* default as written in the file */
	bool reloadable;
};

/* Table of every key, terminated by an entry whose name is NULL. */
extern const struct config_key config_keys[];

/* How many keys config_keys[] has (checked against the table at build time). */
#define CONFIG_NKEYS 45

/*
 * Parse `text` for key `k` (an index into config_keys[]) and store it in
 * *c, applying the key's type, range and extra rule. Returns 0, or -1 with
 * a reason in `why`. The loader's and the defaults' one entry point.
 */
int config_set_key(struct config *c, size_t k, const char *text, char *why, size_t len);

/* Index in config_keys[] of [section] name, or CONFIG_NKEYS if none. */
size_t config_key_index(const char *section, const char *name);

/* Whether any key lives in [name]. */
bool config_section_known(const char *name);

/*
 * Whether [name] is a section whose keys go to the renderer: "source", or
 * "plugin NAME" with NAME 1..31 of [A-Za-z0-9_-]. Pure.
 */
bool config_section_renderer(const char *name);

/*
 * Store key `name` = `value` of renderer section `section` (line `line`) in
 * *c. Returns 0, or -1 with why (too many keys, a value too long, a
 * duplicate).
 */
int config_add_rkey(struct config *c, const char *section, const char *name, const char *value,
                    int line, char *why, size_t len);

/*
 * Store [params] `name` = `value` for a renderer parameter: a valid name
 * and a finite number; whether the renderer declares it, and its range,
 * are checked later (params.c). Returns 0, or -1 with why.
 */
int config_add_pval(struct config *c, const char *name, const char *value, int line, char *why,
                    size_t len);

/* The line of renderer key [section] key (key NULL: the section's first
 * key), 0 if the file does not set it. Pure. */
int config_rkey_line(const struct config *c, const char *section, const char *key);

/*
 * Whether `ok`; if not, format why[len] and return -1 (else 0): the one way
 * a key's rule says what is wrong (config.c, config_render.c).
 */
int config_rule(bool ok, char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Fill *c with every default. */
void config_defaults(struct config *c);

/*
 * Load `path` over the defaults in *c. If the file does not exist and
 * `missing_ok` is true, keeps the defaults and returns 0. On the first error
 * in file order (unreadable file, syntax error, unknown section or key, bad
 * value, duplicate key, line too long for inih, broken cross-key rule) writes
 * "PATH:LINE: key 'KEY': WHY" ("PATH:LINE: unknown section [x]",
 * "PATH:LINE: syntax error", or "PATH: WHY" when no line applies) into err
 * and returns -EINVAL (-ENOENT for a missing file when !missing_ok). A
 * cross-key rule is reported at the later line of its two keys. *c is
 * unspecified after an error. Not thread-safe.
 */
int config_load(struct config *c, const char *path, bool missing_ok, char *err, size_t errlen);

/* Shortest period a clocked sink is allowed, and below which -n warns. */
#define CONFIG_MIN_PERIOD_NS   250000u
#define CONFIG_RISKY_PERIOD_NS 1000000u

/*
 * The pre-roll's start alignment in whole blocks: lcm(preroll_align,
 * frames) / frames, 1 when preroll_align is 0 or 1. Pure; any thread.
 */
uint32_t config_preroll_align_blocks(const struct config *c);

/*
 * What the file cannot say about itself: the replica is an executable
 * regular file and (socket_too) the socket's directory exists or can be
 * created. 0, or -errno with "key 'K': why" in err. Reads the file system.
 */
int config_check_env(const struct config *c, bool socket_too, char *err, size_t errlen);

/* Print a warning line to f for each risky but workable setting (rtaudiod -n). */
void config_warnings(const struct config *c, FILE *f);

/* Print the effective configuration as a valid INI file. */
void config_print(const struct config *c, FILE *f);

/*
 * The same renderer keys ([source], [plugin NAME]) with the same values in
 * the same order; the same [params] values (bit for bit: -0 is not 0, as
 * in the file). For a reload. Pure (config_render.c).
 */
bool config_rkeys_equal(const struct config *a, const struct config *b);
bool config_pvals_equal(const struct config *a, const struct config *b);

/*
 * Copy the reloadable keys ([params], the renderer's included, and
 * [watchdog]) of `fresh` into `live`. Returns a bit mask: 1 if [params]
 * changed, 2 if [watchdog] changed.
 */
int config_apply_reload(struct config *live, const struct config *fresh);

/*
 * The first key that is not reloadable and differs between `live` and
 * `fresh` (so a reload can warn that it needs a restart), or NULL. A change
 * of the renderer's keys ([source], [plugin NAME]) is reported as
 * config_rkeys_key. Pure.
 */
extern const struct config_key config_rkeys_key;
const struct config_key *config_static_change(const struct config *live,
                                              const struct config *fresh);

/* Names of enum values, for status output. */
const char *config_sink_name(unsigned sink);
const char *config_standby_name(unsigned standby);
const char *config_vote_name(unsigned vote);

/* Whether the sink votes: vote = majority, or auto with 3 or more replicas. */
bool config_vote_effective(const struct config *c);

#endif
