/*
 * play_fixture.h - a group in private memory for driving daemon/play.c
 * without a daemon: n rings formatted in place, the leader word and the
 * roles set (replica 0 primary, the others standbys), and a producer that
 * writes deterministic blocks, spoilt on request, with valid CRCs. Used by
 * tests/unit/check_play.c and tests/bench/vote_bench.c.
 * Does not: create shared memory or spawn anything; fx_free() frees.
 */
#ifndef RTAUDIO_TESTS_PLAY_FIXTURE_H
#define RTAUDIO_TESTS_PLAY_FIXTURE_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "group.h"
#include "play.h"

enum fx_spoil { FX_GOOD = 0, FX_CORRUPT, FX_NAN, FX_LOUD };

struct fixture {
	struct group gr;
	uint32_t frames, channels;
};

static inline void *fx_alloc(size_t bytes)
{
	size_t n = (bytes + 63) / 64 * 64;
	void *p = aligned_alloc(64, n);

	if (p != NULL)
		memset(p, 0, n);
	return p;
}

/* 0, or -1 if memory or a ring could not be made. */
static inline int fx_init(struct fixture *f, uint32_t n, uint32_t frames, uint32_t channels, uint32_t cap)
{
	memset(f, 0, sizeof(*f));
	f->frames = frames;
	f->channels = channels;
	f->gr.n = n;
	f->gr.block_bytes = layout_block_bytes(frames, channels);
	f->gr.g = fx_alloc(GROUP_SEG_BYTES);
	if (f->gr.g == NULL)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		size_t bytes = ring_bytes(cap, f->gr.block_bytes);
		void *mem = fx_alloc(bytes);
		if (mem == NULL || ring_init(&f->gr.ring[i], mem, bytes, cap, f->gr.block_bytes) < 0)
			return -1;
		atomic_store(&f->gr.g->role[i], i == 0 ? ROLE_PRIMARY : ROLE_STANDBY);
	}
	atomic_store(&f->gr.g->leader, layout_leader_make(1, 0));
	return 0;
}

/* Free what fx_init allocated (the group page and the rings). */
static inline void fx_free(struct fixture *f)
{
	for (uint32_t i = 0; i < f->gr.n; i++)
		free(f->gr.ring[i].hdr);
	free(f->gr.g);
	f->gr.g = NULL;
}

static inline void fx_set_primary(struct fixture *f, uint32_t p)
{
	for (uint32_t i = 0; i < f->gr.n; i++)
		atomic_store(&f->gr.g->role[i], i == p ? ROLE_PRIMARY : ROLE_STANDBY);
	atomic_store(&f->gr.g->leader, layout_leader_make(2, p));
}

/* The good contents of sample k of block seq. */
static inline float fx_sample(uint64_t seq, uint32_t k)
{
	return 0.5f * sinf((float)(seq % 1000) * 0.01f + (float)k * 0.001f);
}

/* Replica i renders block seq (spoilt one sample as asked), then its CRC. */
static inline void fx_put(struct fixture *f, uint32_t i, uint64_t seq, int spoil)
{
	uint32_t n = f->frames * f->channels;
	float *p = ring_write_begin(&f->gr.ring[i], seq);

	if (p == NULL)
		return;
	for (uint32_t k = 0; k < n; k++)
		p[k] = fx_sample(seq, k);
	if (spoil == FX_CORRUPT)
		p[seq % n] += 0.25f;
	else if (spoil == FX_NAN)
		p[seq % n] = NAN;
	else if (spoil == FX_LOUD)
		p[seq % n] = 8.0f;
	ring_write_commit(&f->gr.ring[i], seq, f->gr.block_bytes,
	                  crc32c_block(seq, p, f->gr.block_bytes));
}

#endif
