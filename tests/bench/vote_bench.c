/*
 * vote_bench.c - what the sink's sync check, vote and content guard cost
 * per period: daemon/play.c's play_next() over 2, 3 and 8 in-memory rings of
 * 256-frame stereo blocks (the default stream), against the play_next() it
 * replaced (kept below as old_play_next: the primary's copy, its CRC and the
 * same counters, nothing else).
 *
 * Prints, per replica count: the old path, play_next with vote = off (sync
 * check + content guard) and with vote = majority, each as the median and
 * the mean ns per call (the timer's own cost, measured, subtracted), and the
 * same with one replica lying (a valid CRC over one wrong sample: the liar's
 * copy is then also copied and judged each period). A few seconds in all.
 * Figures, not pass/fail. Single thread, so it leaves out the cross-core
 * cache misses of a real sink reading rings other processes write: those
 * cost the same one line per replica header either way.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../unit/play_fixture.h"
#include "clock.h"

#define FRAMES 256u
#define CHANNELS 2u
#define ITER 100000u

static float tmpl[FRAMES * CHANNELS];

static void put(struct fixture *f, uint32_t i, uint64_t seq, bool lie)
{
	float *p = ring_write_begin(&f->gr.ring[i], seq);

	memcpy(p, tmpl, sizeof tmpl);
	if (lie)
		p[seq % (FRAMES * CHANNELS)] += 0.25f;
	ring_write_commit(&f->gr.ring[i], seq, sizeof tmpl, crc32c_block(seq, p, sizeof tmpl));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* play.c's play_next() before the sync check, vote and guard (7dc6c0f). */
static int old_play_next(struct play *p)
{
	const struct group *gr = p->gr;
	uint64_t seq = p->next++;
	uint64_t leader = atomic_load_explicit(&gr->g->leader, memory_order_acquire);
	uint32_t first = layout_leader_index(leader);
	int src = -1;

	for (uint32_t o = 0; o <= gr->n && src < 0; o++) {
		uint32_t i = o == 0 ? first : o - 1, len = 0, check = 0;
		if (i >= gr->n || (o > 0 && i == first))
			continue;
		if (ring_read_seq(&gr->ring[i], seq, p->buf, p->block_bytes, &len, &check) == 0 &&
		    len == p->block_bytes && crc32c_block(seq, p->buf, len) == check)
			src = (int)i;
	}
	if (src < 0) {
		memset(p->buf, 0, p->block_bytes);
		atomic_fetch_add_explicit(&p->st.underruns, 1, memory_order_release);
	} else {
		atomic_fetch_add_explicit(src == (int)first ? &p->st.from_primary : &p->st.rescued, 1,
		                          memory_order_relaxed);
		atomic_fetch_add_explicit(&p->st.from_replica[src], 1, memory_order_relaxed);
		atomic_store_explicit(&p->st.last_ok_ns, clock_now_ns(), memory_order_relaxed);
	}
	atomic_fetch_add_explicit(&p->st.played, 1, memory_order_relaxed);
	return src;
}

static uint64_t samples[ITER];
static uint64_t timer_ns;

/* mode: -1 the old path, else the vote policy; liar: -1 or the lying replica. */
static void run(uint32_t n, int mode, int liar, double *median, double *mean)
{
	struct fixture f;
	struct play p;
	uint64_t sum = 0;

	if (fx_init(&f, n, FRAMES, CHANNELS, 4) < 0 || play_init(&p, &f.gr, FRAMES, CHANNELS) < 0) {
		fprintf(stderr, "vote_bench: out of memory\n");
		exit(1);
	}
	play_set_policy(&p, mode < 0 ? PLAY_VOTE_OFF : (unsigned)mode, 1000, 1000, 12.0);
	for (uint64_t s = 0; s < ITER; s++) {
		for (uint32_t i = 0; i < n; i++)
			put(&f, i, s, (int)i == liar);
		uint64_t t0 = clock_now_ns();
		if (mode < 0)
			old_play_next(&p);
		else
			play_next(&p);
		uint64_t t1 = clock_now_ns();
		samples[s] = t1 - t0;
	}
	for (uint32_t k = 0; k < ITER; k++)
		sum += samples[k];
	qsort(samples, ITER, sizeof samples[0], cmp_u64);
	*median = (double)samples[ITER / 2] - (double)timer_ns;
	*mean = (double)sum / ITER - (double)timer_ns;
	if (mode >= 0 && atomic_load(&p.st.underruns) != 0)
		fprintf(stderr, "vote_bench: %llu underruns?\n",
		        (unsigned long long)atomic_load(&p.st.underruns));
}

int main(void)
{
	for (uint32_t k = 0; k < FRAMES * CHANNELS; k++)
		tmpl[k] = 0.5f * sinf((float)k * 0.01f);
	for (uint32_t k = 0; k < ITER; k++) {
		uint64_t t0 = clock_now_ns();
		samples[k] = clock_now_ns() - t0;
	}
	qsort(samples, ITER, sizeof samples[0], cmp_u64);
	timer_ns = samples[ITER / 2];

	printf("vote_bench: ns per period (median / mean; 256 frames x 2 ch, timer %llu ns "
	       "subtracted)\n", (unsigned long long)timer_ns);
	printf("  replicas  old path   vote=off   majority   majority, one liar\n");
	const uint32_t ns[] = { 2, 3, 8 };
	for (unsigned k = 0; k < 3; k++) {
		double md[4], mn[4];
		run(ns[k], -1, -1, &md[0], &mn[0]);
		run(ns[k], PLAY_VOTE_OFF, -1, &md[1], &mn[1]);
		run(ns[k], PLAY_VOTE_MAJORITY, -1, &md[2], &mn[2]);
		run(ns[k], ns[k] >= 3 ? PLAY_VOTE_MAJORITY : PLAY_VOTE_OFF, (int)ns[k] - 1, &md[3], &mn[3]);
		printf("  %8u", ns[k]);
		for (int c = 0; c < 4; c++)
			printf("  %4.0f/%4.0f", md[c], mn[c]);
		printf("\n");
	}
	return 0;
}
