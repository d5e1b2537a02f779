/*
 * play.c - pick block `next` from the primary, a standby, or silence.
 *
 * Does: the hitless merge of DESIGN.md. Every replica renders the same
 * sequence numbers bit-identically, so whichever ring holds block `next`
 * complete and intact is as good as the primary's; the primary is only asked
 * first. "Intact" is checked on the sink's private copy, after the ring's
 * seqlock said the copy is not torn: the length must be one block and the
 * CRC-32C of (seq, payload) must equal the check the replica stored, so a
 * replica - or anyone - writing into a ring after the block was committed
 * cannot get a single wrong sample played. The CRC costs well under a
 * microsecond per block (ring_bench prints it), made on the copy that is then
 * played, so nothing can change between the check and the output.
 * Does not: wait, allocate, or log (audio path).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "clock.h"
#include "crc32c.h"
#include "play.h"

int play_init(struct play *p, const struct group *gr, uint32_t frames, uint32_t channels)
{
	memset(p, 0, sizeof(*p));
	p->gr = gr;
	p->frames = frames;
	p->channels = channels;
	p->block_bytes = layout_block_bytes(frames, channels);
	p->buf = calloc(1, p->block_bytes);
	if (p->buf == NULL)
		return -ENOMEM;
	/* Fault the pages in now, not at the first deadline. */
	memset(p->buf, 0, p->block_bytes);
	(void)mlock(p->buf, p->block_bytes);
	return 0;
}

void play_free(struct play *p)
{
	free(p->buf);
	p->buf = NULL;
}

static int try_ring(const struct play *p, uint32_t i, uint64_t seq)
{
	uint32_t len = 0, check = CRC32C_NONE;
	int rc = ring_read_seq(&p->gr->ring[i], seq, p->buf, p->block_bytes, &len, &check);

	if (rc == 0 && len != p->block_bytes)
		return -EBADMSG;  /* a replica that does not respect the framing */
	if (rc == 0 && crc32c_block(seq, p->buf, len) != check)
		return -EBADMSG;  /* changed after it was written, or never checksummed */
	return rc;
}

static void count_bad(struct play *p, uint32_t i)
{
	atomic_fetch_add_explicit(&p->st.bad_blocks, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&p->st.bad_from[i], 1, memory_order_release);
}

int play_peek(const struct play *p, uint64_t seq)
{
	for (uint32_t i = 0; i < p->gr->n; i++)
		if (try_ring(p, i, seq) == 0)
			return 1;
	return 0;
}

int play_next(struct play *p)
{
	const struct group *gr = p->gr;
	uint64_t seq = p->next++;
	uint64_t leader = atomic_load_explicit(&gr->g->leader, memory_order_acquire);
	uint32_t first = layout_leader_index(leader);
	int src = -1, rc;

	if (first < gr->n) {
		rc = try_ring(p, first, seq);
		if (rc == 0) {
			src = (int)first;
			atomic_fetch_add_explicit(&p->st.from_primary, 1, memory_order_relaxed);
		} else if (rc == -EBADMSG) {
			count_bad(p, first);
		}
	}
	for (uint32_t i = 0; src < 0 && i < gr->n; i++) {
		if (i == first)
			continue;
		rc = try_ring(p, i, seq);
		if (rc == 0) {
			src = (int)i;
			atomic_fetch_add_explicit(&p->st.rescued, 1, memory_order_relaxed);
		} else if (rc == -EBADMSG) {
			count_bad(p, i);
		}
	}
	if (src < 0) {
		memset(p->buf, 0, p->block_bytes);
		atomic_store_explicit(&p->st.last_underrun, seq, memory_order_relaxed);
		atomic_fetch_add_explicit(&p->st.underruns, 1, memory_order_release);
		atomic_fetch_add_explicit(&p->st.lost_samples, (uint64_t)p->frames * p->channels,
		                          memory_order_relaxed);
	} else {
		atomic_fetch_add_explicit(&p->st.from_replica[src], 1, memory_order_relaxed);
		atomic_store_explicit(&p->st.last_ok_ns, clock_now_ns(), memory_order_relaxed);
	}
	atomic_fetch_add_explicit(&p->st.played, 1, memory_order_relaxed);
	return src;
}

void play_stats_reset(struct play *p)
{
	atomic_store_explicit(&p->st.played, 0, memory_order_relaxed);
	atomic_store_explicit(&p->st.from_primary, 0, memory_order_relaxed);
	atomic_store_explicit(&p->st.rescued, 0, memory_order_relaxed);
	atomic_store_explicit(&p->st.underruns, 0, memory_order_relaxed);
	atomic_store_explicit(&p->st.lost_samples, 0, memory_order_relaxed);
	atomic_store_explicit(&p->st.bad_blocks, 0, memory_order_relaxed);
	for (uint32_t i = 0; i < LAYOUT_MAX_REPLICAS; i++) {
		atomic_store_explicit(&p->st.from_replica[i], 0, memory_order_relaxed);
		atomic_store_explicit(&p->st.bad_from[i], 0, memory_order_relaxed);
	}
}
