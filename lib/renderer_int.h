/*
 * renderer_int.h - the runtime's side of <rtaudio/renderer.h>, internal.
 *
 * What it defines: struct rta_host (configuration keys handed to the
 * renderer, the parameters it declared, its first configuration error, the
 * segment its notes go to) and the functions renderer.c uses around it:
 * building it from the command line, printing the --check report, checking
 * the declared table against the group's.
 *
 * What it does not do: map segments or render (renderer.c). Nothing here
 * runs on the audio path except the note writers of the public API.
 */
#ifndef RTAUDIO_RENDERER_INT_H
#define RTAUDIO_RENDERER_INT_H

#include <stdbool.h>
#include <stdio.h>

#include <rtaudio/renderer.h>

#include "layout.h"
#include "ring.h"
#include "shm.h"

#define RTA_KEYS_MAX      256   /* configuration keys a renderer is handed */
#define RTA_KEY_ARG_MAX   4096  /* bytes of one --key SECTION.KEY=VALUE */
#define RTA_EX_USAGE      64
#define RTA_EX_CONFIG     78

struct rta_key {
	const char *section;   /* points into `buf` */
	const char *key;
	const char *value;
	bool used;
	char *buf;             /* malloc'd copy of the argument, split in place */
};

struct rta_host {
	unsigned nkeys;
	struct rta_key keys[RTA_KEYS_MAX];
	unsigned nparams;
	struct param_decl decl[RTA_PARAMS_MAX];
	bool opening;          /* inside open: the open-only calls are allowed */
	bool failed;           /* a configuration error was recorded */
	char err_section[64];
	char err_key[64];
	char err_text[256];
	struct replica_seg *seg;  /* where rta_status/rta_event write; NULL: nowhere */
	char last_status[LAYOUT_NOTE_TEXT];
};

/*
 * Add one "--key" argument, "SECTION.KEY=VALUE" (SECTION has no '.', KEY
 * no '='), to *h. Returns 0, -EINVAL (malformed), -E2BIG (too many keys or
 * too long), -ENOMEM.
 */
int rta_host_add_key(struct rta_host *h, const char *arg);

/* Free what rta_host_add_key allocated. */
void rta_host_free(struct rta_host *h);

/*
 * After open: record "unknown key" for the first key nobody looked at.
 * Returns true if *h holds a configuration error (of open or this one).
 */
bool rta_host_check_unused(struct rta_host *h);

/*
 * The --check report on `f`: one "param NAME MIN MAX DEFAULT UNIT" line per
 * declared parameter (fields tab-separated, numbers as %.17g) and "ok", or
 * one "error SECTION KEY TEXT" line (tab-separated; KEY "-" for a whole
 * section). rtaudiod parses it (daemon/check.c).
 */
void rta_host_report(const struct rta_host *h, FILE *f);

/*
 * Whether the declared table equals the group's (entries 2.. of `table`, n
 * entries in all): same names, units, ranges and defaults, in order.
 */
bool rta_host_table_matches(const struct rta_host *h, const struct param_decl *table,
                            unsigned n);

/* A replica: everything the loop touches, set up once before it starts
 * (renderer.c runs it, renderer_setup.c fills it in). */
struct replica {
	uint32_t index;
	const struct group_seg *g;
	struct replica_seg *r;
	struct ring ring;
	struct rta_stream stream;
	const struct rta_renderer *rd;
	void *state;
	struct rta_host *host;
	uint32_t lead;
	bool hot;
	uint64_t period_ns;
	uint64_t next;            /* next block this replica renders */
	uint32_t preroll;         /* blocks rendered to scratch before catching up */
	bool started;             /* the first catch-up is done */
	float scratch[LAYOUT_MAX_FRAMES * LAYOUT_MAX_CHANNELS]; /* pre-roll output */
	uint32_t nparams;         /* the group's table: gain, pan, then the renderer's */
	struct param_decl table[LAYOUT_MAX_PARAMS];
	uint32_t snap_seq;        /* seqlock value *snap was read at */
	struct param_hist *snap;  /* the history in use */
	struct param_hist *spare; /* where the next snapshot is read */
	struct param_hist hist[2];
	double pv[RTA_PARAMS_MAX];  /* the renderer's values for one block, clamped */
};

struct rtprio_status;

/* The program's name, for messages (argv[0] without its directory). */
extern const char *replica_prog;

/* Usage on stderr, exit 64. */
_Noreturn void replica_usage(void);

/* "PROG: WHAT: strerror(err)" on stderr (err may be negative), exit 1. */
_Noreturn void replica_die(const char *what, int err);

/* s as a whole number 0..max into *out; false if it is not one. */
bool replica_parse_u32(const char *s, uint32_t max, uint32_t *out);

/* An option's value in [min, max], or replica_usage(). */
double replica_opt_double(const char *s, double min, double max);
uint32_t replica_opt_u32(const char *s, uint32_t min, uint32_t max);

/* Die with the daemon (PR_SET_PDEATHSIG, or a kqueue watcher on macOS);
 * exit 1 if the parent given is not ours any more. */
void replica_bind_to_parent(bool have_parent, uint32_t parent);

/* Map the group segment read-only and replica segment rp->index read-write,
 * validate both and fill rp's stream, geometry, table and ring; exit 1 on
 * any mismatch (a replica must never trust what it cannot check). */
void replica_map(struct replica *rp, const char *group, struct shm_seg *gseg,
                 struct shm_seg *rseg);

/* Publish what real-time scheduling and memory locking gave us. */
void replica_publish_rt(struct replica_seg *r, const struct rtprio_status *st);

/*
 * Call rd->open with the open-only calls allowed, then the checks that
 * follow it (no configuration error, no unused key). Returns 0, or
 * RTA_EX_CONFIG with the error recorded in *h. Not real-time.
 */
int rta_host_open(struct rta_host *h, const struct rta_renderer *rd, void *state,
                  const struct rta_stream *st);

/* --check: open and close, the report on stdout. Returns the exit status. */
int rta_run_check(struct rta_host *h, const struct rta_renderer *rd, void *state,
                  const struct rta_stream *st);

/*
 * --render: open, render blocks 0 .. ceil(seconds * rate / frames) - 1 with
 * every parameter at its declared default and the output stage at gain,
 * pan (as a group whose [params] set nothing but those plays them), into
 * `path` as a float32 WAV; close. Prints "rendered N blocks in T ms (X us a
 * block, Y % of the period)" on stderr. Returns the exit status (0, 1 on an
 * I/O error, RTA_EX_CONFIG). Not real-time.
 */
int rta_run_offline(struct rta_host *h, const struct rta_renderer *rd, void *state,
                    const struct rta_stream *st, const char *path, double seconds,
                    double gain, double pan);

#endif
