/*
 * testlie.h - the cue of the lying test renderer (liar.c), for the tests of
 * the sink's sync check, vote and content guard.
 *
 * What it does: parses a cue "INDEX:MODE[:FROM[:COUNT]]" (the liar's
 * [source] lie key) once, in open, and then, in render, spoils the block
 * the replica renders - the CRC the runtime takes afterwards is valid, only
 * the contents are wrong - for blocks FROM .. FROM+COUNT-1 (default from 0,
 * for ever) of replica INDEX only. Before the output stage (gain 1, pan 0:
 * x 0.5 per stereo channel). MODE is one of:
 *   corrupt  adds 0.5 to one sample per block (a wrong but valid value);
 *   nan      makes one sample per block NaN;
 *   loud     makes one sample per block 16.0 (+18 dBFS after the output
 *            stage, beyond max_level);
 *   nondet   adds a pid-seeded offset to one sample: two processes differ.
 * Every replica gets the same keys, so one cue tells exactly one slot
 * (every incarnation of it) to lie.
 *
 * What it does not do: allocate, log or make a system call in
 * testlie_apply() (audio path).
 */
#ifndef RTAUDIO_TESTLIE_H
#define RTAUDIO_TESTLIE_H

#include <stdbool.h>
#include <stdint.h>

enum testlie_mode { TESTLIE_CORRUPT = 0, TESTLIE_NAN, TESTLIE_LOUD, TESTLIE_NONDET };

struct testlie {
	bool on;            /* this replica lies (in the window) */
	uint32_t mode;      /* enum testlie_mode */
	uint64_t from;      /* first block spoilt */
	uint64_t count;     /* blocks spoilt; UINT64_MAX: all from `from` on */
	uint32_t salt;      /* nondet: the process's own number (its pid) */
};

/*
 * Parse `text` (NULL or "" = nobody lies) for replica `index`; `salt` seeds
 * nondet. Returns 0 with l->on telling whether replica `index` lies, or
 * -EINVAL for a malformed text (l->on is then false). Pure.
 */
int testlie_parse(const char *text, uint32_t index, uint32_t salt, struct testlie *l);

/*
 * Spoil block `seq` (n float samples at x) if l says so; otherwise leave it
 * untouched. Pure; audio-path safe.
 */
void testlie_apply(const struct testlie *l, uint64_t seq, float *x, uint32_t n);

#endif
