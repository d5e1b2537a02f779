/*
 * renderer_int.h - the runtime's side of <rtaudio/renderer.h>, internal.
 *
 * What it defines: struct rta_host (configuration keys handed to the
 * renderer, the parameters it declared, its first configuration error, the
 * segment its notes go to) and the functions renderer.c uses around it:
 * building it from the command line, printing the --check report, checking
 * the declared table against the group's.
 *
 * Also struct replica, shared by renderer.c (the process: arguments,
 * segments, open) and renderer_loop.c (the audio path).
 *
 * What it does not do: map segments or render (renderer.c). Nothing here
 * runs on the audio path except the note writers of the public API.
 */
#ifndef RTAUDIO_RENDERER_INT_H
#define RTAUDIO_RENDERER_INT_H

#include <stdbool.h>
#include <stdio.h>

#include <rtaudio/renderer.h>

#include <signal.h>

#include "layout.h"
#include "ring.h"
#include "shm.h"
#include "sandbox.h"

#define RTA_KEYS_MAX      256   /* configuration keys a renderer is handed */
#define RTA_KEY_ARG_MAX   4096  /* bytes of one --key SECTION.KEY=VALUE */
#define RTA_EX_USAGE      64
#define RTA_EX_CONFIG     78
#define RTA_GROUP_FD      3     /* the group segment, read-only, from rtaudiod */
#define RTA_REPLICA_FD    4     /* this replica's segment, read-write */

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
int rhost_add_key(struct rta_host *h, const char *arg);

/* Free what rhost_add_key allocated. */
void rhost_free(struct rta_host *h);

/*
 * After open: record "unknown key" for the first key nobody looked at.
 * Returns true if *h holds a configuration error (of open or this one).
 */
bool rhost_check_unused(struct rta_host *h);

/*
 * The --check report on `f`: one "param NAME MIN MAX DEFAULT UNIT" line per
 * declared parameter (fields tab-separated, numbers as %.17g) and "ok", or
 * one "error SECTION KEY TEXT" line (tab-separated; KEY "-" for a whole
 * section). rtaudiod parses it (daemon/check.c).
 */
void rhost_report(const struct rta_host *h, FILE *f);

/*
 * Whether the declared table equals the group's (entries 2.. of `table`, n
 * entries in all): same names, units, ranges and defaults, in order.
 */
bool rhost_table_matches(const struct rta_host *h, const struct param_decl *table,
                            unsigned n);

/* How the daemon asked the replica to confine itself (--sandbox, --max-*). */
struct rta_confine {
	bool strict;                  /* seccomp guard and lock */
	struct sandbox_limits limits;
};

/*
 * renderer_proc.c. Die with the parent (PR_SET_PDEATHSIG; on macOS a
 * watcher thread); if `have_parent`, exit 1 when our parent is not `parent`
 * (the daemon died before we could bind to it). `prog` names us in messages.
 */
void renderer_bind_parent(const char *prog, bool have_parent, uint32_t parent);

/*
 * Before the renderer's open: limits, non-dumpable, and (strict) the
 * seccomp guard. Exits 1 with a message on stderr on failure (a build
 * without libseccomp cannot honour strict), except under AddressSanitizer,
 * where the filters are skipped with a warning.
 */
void renderer_confine(const char *prog, const struct rta_confine *c);

/*
 * After open and every other set-up step: (strict) the seccomp lock, on
 * every thread. Exits 1 on failure, like renderer_confine().
 */
void renderer_lock(const char *prog, const struct rta_confine *c);

/*
 * Call rd->open with the open-only calls allowed, then the checks that
 * follow it (no configuration error, no unused key). Returns 0, or
 * RTA_EX_CONFIG with the error recorded in *h. Not real-time.
 */
int rhost_open(struct rta_host *h, const struct rta_renderer *rd, void *state,
               const struct rta_stream *st);

/*
 * --render: open, render blocks 0 .. ceil(seconds * rate / frames) - 1 with
 * every parameter at its declared default and the output stage at gain,
 * pan (as a group whose [params] set nothing but those plays them), into
 * `path` as a float32 WAV; close. Prints "rendered N blocks in T ms (X us a
 * block, Y % of the period)" on stderr. Returns the exit status (0, 1 on an
 * I/O error, RTA_EX_CONFIG, RTA_EX_USAGE). Live input: `in` (NULL for
 * none) feeds input block s from its frames s * frames.., silence past its
 * end; st->input_channels must be in->channels (0 without). Not real-time.
 */
struct rhost_input {
	float *buf;             /* interleaved */
	size_t frames;
	unsigned channels, rate;
};
int rhost_run_offline(struct rta_host *h, const struct rta_renderer *rd, void *state,
                      const struct rta_stream *st, const char *path, double seconds,
                      double gain, double pan, const struct rhost_input *in);

/*
 * --input: read a WAV (float32, or 16/24/32-bit PCM, scaled by 2^-(bits-1))
 * into *in, all of it, as floats. 0, or -errno with err set (nothing held).
 * rhost_free_input releases it. Not real-time.
 */
int rhost_read_input(const char *path, struct rhost_input *in, char *err, size_t errlen);
void rhost_free_input(struct rhost_input *in);

/* One replica process: everything the loop touches, set up once by
 * rta_renderer_main (renderer.c) before rloop_run (renderer_loop.c). */
/* Everything the loop touches, set up once before it starts. */
struct replica {
	uint32_t index;
	const struct group_seg *g;
	struct replica_seg *r;
	struct ring ring;
	struct ring in_ring;      /* live input (the group segment's, read-only) */
	float *in;                /* one input block, copied out and checked */
	uint32_t in_bytes;        /* 0: no live input */
	struct rta_stream stream;
	const struct rta_renderer *rd;
	void *state;
	struct rta_host *host;
	uint32_t lead;
	bool hot;
	uint64_t period_ns;
	uint64_t next;            /* next block this replica renders */
	uint32_t preroll;         /* blocks rendered to scratch before catching up */
	uint32_t preroll_align;   /* the pre-roll starts on a multiple of it (>= 1) */
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

/* Set by SIGTERM/SIGINT (renderer.c's handler); the loop polls it at every wake. */
extern volatile sig_atomic_t rloop_stop;

/*
 * Touch every page the loop will use (both segments), take the first
 * parameter snapshot and bind the clock. Not the audio path: call once,
 * after mlockall and before real-time scheduling.
 */
void rloop_prefault(struct replica *rp, const struct shm_seg *gseg, const struct shm_seg *rseg);

/*
 * The render loop until rloop_stop or the group's shutdown: heartbeat,
 * pre-roll, render on demand up to the horizon, sleep on the wake word.
 * The audio path: futex and clock calls only.
 */
void rloop_run(struct replica *rp);

#endif
