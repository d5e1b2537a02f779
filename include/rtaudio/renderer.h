/*
 * renderer.h - write a renderer that rtaudiod runs as a redundant replica.
 *
 * A renderer is a program whose main() is one call:
 *
 *     int main(int argc, char **argv)
 *     {
 *             return rta_renderer_main(argc, argv, &my_renderer, &my_state);
 *     }
 *
 * rtaudiod starts several copies of it (a primary and hot or warm
 * standbys) and plays whichever copy of each block is there when the sound
 * card wants it. rta_renderer_main() does all the mechanics: it reads the
 * arguments the daemon passes, dies with the daemon, maps and validates the
 * shared memory, asks for real-time scheduling and locked memory (and tells
 * the daemon what it got), pre-faults, heartbeats, renders on demand up to
 * the sink's horizon, stamps every block with its CRC-32C, applies the
 * output stage (gain and pan, below), times every render and exits cleanly
 * on SIGTERM. The renderer supplies three callbacks.
 *
 *   open    once, before anything real-time: read the configuration keys
 *           (rta_config_get), validate them (rta_config_error names the
 *           bad key), declare parameters (rta_param_declare), allocate.
 *           rtaudiod also runs the program once with --check when it starts
 *           or checks a configuration (rtaudiod -n): that run calls open
 *           and close only, so a bad key is reported as FILE:LINE before
 *           any audio starts.
 *   render  one block: write block->frames frames of block->channels
 *           interleaved float samples to block->out (zeroed beforehand),
 *           from block->in when the stream has live input, with the
 *           parameter values in force at this block (block->params, in
 *           declaration order). render runs on the audio path: it must not
 *           allocate, take a lock, log, print, or make any system call, nor
 *           wait for anything; a render that takes longer than a period is
 *           counted, and one that never returns makes the replica stalled
 *           (it is killed and replaced).
 *   close   free what open allocated (also after a failed open).
 *
 * DETERMINISM CONTRACT. Hitless failover needs every replica to produce the
 * same bits for the same block. Block `seq` must be a function of: the
 * configuration keys, the parameter values in force at seq, the input up to
 * seq, and the renderer's own state from the blocks it rendered before seq.
 * Nothing else: no clock, no randomness not seeded from the configuration,
 * no threads racing, no uninitialised memory, no dependence on the process
 * (pid, addresses, environment beyond what open read). Blocks are rendered
 * in increasing seq order, but a replica may start at any seq (a respawned
 * standby starts at the sink's position, or at least `preroll` blocks
 * before it on a block whose first sample is a multiple of `preroll_align`),
 * so a renderer with memory (a delay line, a reverb) converges on the
 * others' state only after its memory has been refilled, and one that
 * counts the samples it ran (an index into a power-of-two buffer) agrees
 * with the others only modulo preroll_align: derive positions and phases
 * from seq * frames, as the sine does, not from a count. The daemon measures the
 * contract (it compares every replica's CRC of every block it plays) and
 * reports a renderer that breaks it as "diverged"; it never trusts one.
 *
 * Output stage: after render, the runtime multiplies channel c by
 *     mono:      gain
 *     otherwise: gain * (1 - pan) / 2 for even c (left), gain * (1 + pan) / 2
 *                for odd c (right)
 * in double precision, for every renderer. `gain` (0..4) and `pan` (-1..1)
 * are parameters every group has; they are not in block->params.
 *
 * Configuration keys: the keys of the [source] section of rtaudiod.conf,
 * and those of every [plugin NAME] section (section "plugin NAME"), are
 * handed to the renderer. A key that open never looked at
 * (rta_config_get or rta_config_at) is an "unknown key" error, so a typo
 * cannot pass silently.
 *
 * Trust: rtaudiod treats everything a renderer declares or writes as
 * untrusted input (bounded names, finite ranges, every block checked).
 *
 * Thread-safety: every function here is for the renderer's own thread
 * (the one that called rta_renderer_main); rta_status() and rta_event()
 * are the only ones that may be called from render.
 *
 * Link with librtaudio: cc my.c $(pkg-config --cflags --libs rtaudio).
 */
#ifndef RTAUDIO_RENDERER_H
#define RTAUDIO_RENDERER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of struct rta_renderer a program was built against. */
#define RTA_RENDERER_ABI 1

#define RTA_PARAMS_MAX     62  /* parameters a renderer may declare */
#define RTA_PARAM_NAME_MAX 31  /* bytes of a parameter name, without the NUL */
#define RTA_PARAM_UNIT_MAX 15  /* bytes of a unit, without the NUL */
#define RTA_TEXT_MAX       191 /* bytes of a status or event text, without the NUL */

/* The stream, fixed for the life of the process. */
struct rta_stream {
	uint32_t sample_rate;     /* frames per second */
	uint32_t channels;        /* output channels, 1..8, interleaved */
	uint32_t frames;          /* frames per block, 16..1024 */
	uint32_t input_channels;  /* channels of block->in; 0: no live input */
	uint64_t period_ns;       /* duration of one block */
	uint32_t replica;         /* this replica's index (for logs and tests) */
	uint32_t flags;           /* RTA_STREAM_* */
};

/*
 * stream->flags: RTA_STREAM_CHECK, open is the --check run (rtaudiod -n, or
 * the daemon validating a configuration): nothing will be rendered, and a
 * resource that is missing now (a file) is a configuration error; in a real
 * run a renderer may prefer to carry on without it (a respawned replica
 * whose file went away). RTA_STREAM_OFFLINE: the --render run, which renders
 * blocks 0.. into a file as fast as it can.
 */
#define RTA_STREAM_CHECK   1u
#define RTA_STREAM_OFFLINE 2u

/* One block to render. Everything it points to is valid during render only. */
struct rta_block {
	uint64_t seq;             /* block sequence number; sample 0 of it is
	                           * frame seq * frames of the stream */
	uint32_t frames;          /* == stream->frames */
	uint32_t channels;        /* == stream->channels */
	float *out;               /* frames * channels, interleaved, zeroed */
	const float *in;          /* frames * input_channels, or NULL */
	const double *params;     /* nparams values, in declaration order */
	uint32_t nparams;
	uint32_t reserved;
};

struct rta_host;  /* the runtime's side of a renderer, opaque */

struct rta_renderer {
	uint32_t abi;             /* RTA_RENDERER_ABI */
	const char *name;         /* for messages */
	/*
	 * Validate the configuration, declare parameters, allocate. Returns 0,
	 * or -1 after rta_config_error() said why (a -1 without it is reported
	 * as "open failed"). Not real-time: may allocate, open files, log to
	 * stderr.
	 */
	int (*open)(void *state, struct rta_host *host, const struct rta_stream *stream);
	/* Render one block (see the contract above). Real-time. */
	void (*render)(void *state, const struct rta_block *block);
	/* Free everything (NULL: nothing to free). Called once, even after a
	 * failed open. */
	void (*close)(void *state);
};

/*
 * The value of `key` in configuration section `section` ("source", or
 * "plugin NAME"), or NULL if the file does not set it. Marks the key as
 * understood. The string belongs to the runtime and lives until the process
 * exits. open only.
 */
const char *rta_config_get(struct rta_host *host, const char *section, const char *key);

/* How many configuration keys were handed to the renderer. open only. */
unsigned rta_config_count(const struct rta_host *host);

/*
 * Key number i (0 <= i < rta_config_count), in file order: its section,
 * name and value (each may be NULL if not wanted). Marks it as understood.
 * Returns 0, or -1 if i is out of range. open only.
 */
int rta_config_at(struct rta_host *host, unsigned i, const char **section, const char **key,
                  const char **value);

/*
 * The section of key number i ("source", "plugin NAME"), or NULL if i is out
 * of range; unlike rta_config_at it does not mark the key as understood, so
 * a renderer can find its sections and leave the unknown-key check intact.
 * rta_config_used says whether key i was marked. open only.
 */
const char *rta_config_section(const struct rta_host *host, unsigned i);
int rta_config_used(const struct rta_host *host, unsigned i);

/*
 * Report a configuration error for `key` of `section` (key NULL: the section
 * as a whole). rtaudiod shows it as "FILE:LINE: key 'KEY': TEXT" and exits
 * 78. Returns -1, so that open can `return rta_config_error(...)`. The first
 * error is kept. open only.
 */
int rta_config_error(struct rta_host *host, const char *section, const char *key,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Declare a parameter: `name` (1..RTA_PARAM_NAME_MAX of [A-Za-z0-9_.-],
 * not "gain" or "pan"), a finite range min < max, a default within it, and a
 * unit (may be "" or NULL). Users change it with `rtaudioctl set NAME VALUE`
 * and `[params] NAME = VALUE`; render sees it in block->params[i], i being
 * the order of declaration. Returns its index, or -1 (bad declaration, or
 * more than RTA_PARAMS_MAX), after recording a configuration error. Every
 * replica of a group must declare the same table. open only.
 */
int rta_param_declare(struct rta_host *host, const char *name, double min, double max,
                      double def, const char *unit);

/*
 * Tell the daemon what the renderer is doing, e.g. "2/5 jingle.wav
 * 0:12/0:30": shown by `rtaudioctl status` as the replica's source. Texts
 * longer than RTA_TEXT_MAX bytes are cut. Real-time safe (a copy into shared
 * memory, no system call); call it from render at most once per block.
 */
void rta_status(struct rta_host *host, const char *text);

/*
 * Report something that happened, e.g. "source-end" or "file-lost
 * jingle.wav": the daemon emits it as a `source` event (from the primary's
 * copy only, at most a few per second). Real-time safe, like rta_status.
 */
void rta_event(struct rta_host *host, const char *text);

/*
 * Run a renderer: everything described at the top of this file. Returns
 * the program's exit status: 0 after a clean shutdown, 64 for a usage error
 * (the program was not started by rtaudiod), 78 for a configuration error,
 * 1 for any other failure (reason on stderr). `r` and `state` must outlive
 * the call.
 */
int rta_renderer_main(int argc, char **argv, const struct rta_renderer *r, void *state);

#ifdef __cplusplus
}
#endif

#endif
