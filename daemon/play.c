/*
 * play.c - pick block `next`: measure, vote, guard, or play silence.
 *
 * Does: the hitless merge of DESIGN.md, and "Wrong output: vote and content
 * guard". Every replica renders the same sequence numbers bit-identically,
 * so whichever ring holds block `next` complete and intact is as good as the
 * primary's, and a copy whose CRC differs from the others is wrong somewhere.
 * Each period starts with one slot-header read per replica (length and the
 * CRC the replica claims: one cache line each, no payload), which is all the
 * sync check and the vote need. Only then is one block copied: the chosen
 * one. "Intact" is checked on the sink's private copy, after the ring's
 * seqlock said the copy is not torn: the length must be one block and the
 * CRC-32C of (seq, payload) must equal the claimed check, so a replica - or
 * anyone - writing into a ring after the block was committed cannot get a
 * single wrong sample played, and a replica cannot win a vote by claiming
 * the majority's CRC over other contents. The content guard scans that same
 * copy, so nothing can change between the checks and the output. A copy
 * whose CRC differs from the played one is copied and judged too (into a
 * scratch buffer), for the content runs; in a healthy group there is none.
 * Does not: wait, allocate, or log (audio path); fence (judge.c asks the
 * supervisor, seeing the fence-request counters move).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "clock.h"
#include "crc32c.h"
#include "play.h"
#include "rtprio.h"

#define ADD(c, v) atomic_fetch_add_explicit(&(c), (v), memory_order_relaxed)
#define PUT(c, v) atomic_store_explicit(&(c), (v), memory_order_relaxed)

/*
 * Resident, locked, zeroed, and not write-protected by the daemon's every
 * fork (rtprio_rt_alloc): the sink thread writes these each period.
 */
static float *block_alloc(uint32_t bytes)
{
	void *b;

	return rtprio_rt_alloc(bytes, &b) == 0 ? b : NULL;
}

int play_init(struct play *p, const struct group *gr, uint32_t frames, uint32_t channels)
{
	memset(p, 0, sizeof(*p));
	p->gr = gr;
	p->frames = frames;
	p->channels = channels;
	p->block_bytes = layout_block_bytes(frames, channels);
	p->buf = block_alloc(p->block_bytes);
	p->scratch = block_alloc(p->block_bytes);
	if (p->buf == NULL || p->scratch == NULL) {
		play_free(p);
		return -ENOMEM;
	}
	play_set_policy(p, PLAY_VOTE_OFF, 3, 3, 12.0);
	return 0;
}

void play_free(struct play *p)
{
	rtprio_rt_free(p->buf, p->block_bytes);
	rtprio_rt_free(p->scratch, p->block_bytes);
	p->buf = p->scratch = NULL;
}

void play_set_policy(struct play *p, unsigned vote, unsigned vote_strikes,
                     unsigned content_strikes, double max_level_db)
{
	p->pol.vote = vote == PLAY_VOTE_MAJORITY ? PLAY_VOTE_MAJORITY : PLAY_VOTE_OFF;
	p->pol.vote_strikes = vote_strikes > 0 ? vote_strikes : 1;
	p->pol.content_strikes = content_strikes > 0 ? content_strikes : 1;
	p->pol.max_abs = (float)pow(10.0, max_level_db / 20.0);
}

bool play_content_ok(const float *x, uint32_t n, float max_abs)
{
	/*
	 * On the bits: without its sign, an IEEE float orders as an unsigned
	 * integer, and every NaN and both infinities sit above every finite
	 * value, so one unsigned compare per sample against the limit's bits is
	 * the whole test. Eight lanes at a time (GCC/Clang vector extensions:
	 * SSE2 or NEON, whichever the target has): a scalar loop costs 300 ns
	 * per 512-sample block at -O2, more than the CRC of the same block.
	 */
	typedef uint32_t v4u __attribute__((vector_size(16)));
	uint32_t lim, bad = 0, k = 0;

	memcpy(&lim, &max_abs, sizeof lim);
	lim &= 0x7fffffffu;
	const v4u limv = { lim, lim, lim, lim };
	const v4u absm = { 0x7fffffffu, 0x7fffffffu, 0x7fffffffu, 0x7fffffffu };
	v4u acc = { 0, 0, 0, 0 };
	for (; k + 8 <= n; k += 8) {
		v4u a, b;
		memcpy(&a, &x[k], sizeof a);
		memcpy(&b, &x[k + 4], sizeof b);
		acc |= (v4u)((a & absm) > limv) | (v4u)((b & absm) > limv);
	}
	bad = acc[0] | acc[1] | acc[2] | acc[3];
	for (; k < n; k++) {
		uint32_t b;
		memcpy(&b, &x[k], sizeof b);
		bad |= (b & 0x7fffffffu) > lim;
	}
	return bad == 0;
}

/* Copy block seq of replica i into out and prove it (length, CRC). */
static int copy_checked(const struct play *p, uint32_t i, uint64_t seq, float *out)
{
	uint32_t len = 0, check = CRC32C_NONE;
	int rc = ring_read_seq(&p->gr->ring[i], seq, out, p->block_bytes, &len, &check);

	if (rc == 0 && len != p->block_bytes)
		return -EBADMSG;  /* a replica that does not respect the framing */
	if (rc == 0 && crc32c_block(seq, out, len) != check)
		return -EBADMSG;  /* changed after it was written, or never checksummed */
	return rc;
}

static void count_bad(struct play *p, uint32_t i)
{
	ADD(p->st.bad_blocks, 1);
	atomic_fetch_add_explicit(&p->st.bad_from[i], 1, memory_order_release);
}

int play_peek(const struct play *p, uint64_t seq)
{
	for (uint32_t i = 0; i < p->gr->n; i++)
		if (copy_checked(p, i, seq, p->buf) == 0)
			return 1;
	return 0;
}

/* Replica i's copy was refused by the content guard (or equals one that was). */
static void content_bad(struct play *p, uint32_t i)
{
	ADD(p->st.bad_content, 1);
	ADD(p->rep[i].bad_content, 1);
	if (++p->run[i].content >= p->pol.content_strikes) {
		p->run[i].content = 0;
		atomic_fetch_add_explicit(&p->rep[i].fence_content, 1, memory_order_release);
	}
}

/* The slot was respawned (or stats reset): start its judgement over. */
static void forget_slot(struct play *p, uint32_t i, uint64_t req)
{
	struct play_replica *r = &p->rep[i];

	p->run[i].strikes = p->run[i].content = 0;
	p->run[i].reset_seen = req;
	PUT(r->identical, 0);
	PUT(r->diverged, 0);
	PUT(r->since, 0);
	PUT(r->last_diverged, 0);
	PUT(r->outvoted, 0);
	PUT(r->bad_content, 0);
	atomic_store_explicit(&r->sync, SYNC_UNKNOWN, memory_order_release);
}

/* Sync check: each standby's claimed CRC against the primary's. */
static void measure_sync(struct play *p, uint64_t seq, uint32_t first, uint32_t standbys,
                         const uint32_t *chk)
{
	for (uint32_t i = 0; i < p->gr->n; i++) {
		struct play_replica *r = &p->rep[i];
		if ((standbys >> i & 1u) == 0)
			continue;
		if (chk[i] == chk[first]) {
			ADD(r->identical, 1);
			if (atomic_load_explicit(&r->sync, memory_order_relaxed) != SYNC_IDENTICAL) {
				PUT(r->since, seq);
				atomic_store_explicit(&r->sync, SYNC_IDENTICAL, memory_order_release);
			}
		} else {
			PUT(r->last_diverged, seq);
			ADD(r->diverged, 1);
			atomic_store_explicit(&r->sync, SYNC_DIVERGED, memory_order_release);
		}
	}
}

/*
 * The vote over the voters' claimed CRCs: the mask of the strict majority,
 * or 0 (no majority). Counts and strikes the minority; a majority member's
 * run of strikes ends. With n <= 8 the quadratic count is a few dozen
 * compares.
 */
static uint32_t vote(struct play *p, uint32_t voters, const uint32_t *chk)
{
	uint32_t n = (uint32_t)__builtin_popcount(voters), best = 0, best_mask = 0;

	for (uint32_t i = 0; i < p->gr->n && best * 2 <= n; i++) {
		uint32_t mask = 0;
		if ((voters >> i & 1u) == 0)
			continue;
		for (uint32_t j = i; j < p->gr->n; j++)
			if ((voters >> j & 1u) != 0 && chk[j] == chk[i])
				mask |= 1u << j;
		if ((uint32_t)__builtin_popcount(mask) > best) {
			best = (uint32_t)__builtin_popcount(mask);
			best_mask = mask;
		}
	}
	if (best * 2 <= n) {
		ADD(p->st.no_majority, 1);
		return 0;
	}
	ADD(p->st.voted, 1);
	PUT(p->st.majority, best_mask);
	for (uint32_t i = 0; i < p->gr->n; i++) {
		if ((best_mask >> i & 1u) != 0) {
			p->run[i].strikes = 0;
		} else if ((voters >> i & 1u) != 0) {
			ADD(p->st.outvoted, 1);
			ADD(p->rep[i].outvoted, 1);
			if (++p->run[i].strikes >= p->pol.vote_strikes) {
				p->run[i].strikes = 0;
				atomic_fetch_add_explicit(&p->rep[i].fence_outvoted, 1,
				                          memory_order_release);
			}
		}
	}
	return best_mask;
}

/* Append the members of `set` to order[]: `first` ahead if in it, then by index. */
static uint32_t order_append(uint32_t *order, uint32_t k, uint32_t set, uint32_t first, uint32_t n)
{
	if (first < n && (set >> first & 1u) != 0)
		order[k++] = first;
	for (uint32_t i = 0; i < n; i++)
		if (i != first && (set >> i & 1u) != 0)
			order[k++] = i;
	return k;
}

/*
 * Judge the copies nobody played whose CRC differs from the played one (or
 * from every copy, when none was played): copied into scratch, proven,
 * scanned. A copy with the played CRC is good content by definition.
 */
static void judge_others(struct play *p, uint64_t seq, uint32_t pending, int src,
                         const uint32_t *chk, uint32_t bad_chk, bool have_bad)
{
	for (uint32_t i = 0; i < p->gr->n; i++) {
		if ((pending >> i & 1u) == 0)
			continue;
		if (src >= 0 && chk[i] == chk[src]) {
			p->run[i].content = 0;
			continue;
		}
		if (have_bad && chk[i] == bad_chk) {
			content_bad(p, i);
			continue;
		}
		int rc = copy_checked(p, i, seq, p->scratch);
		if (rc == -EBADMSG)
			count_bad(p, i);
		else if (rc == 0 && !play_content_ok(p->scratch, p->block_bytes / sizeof(float),
		                                     p->pol.max_abs))
			content_bad(p, i);
		else if (rc == 0)
			p->run[i].content = 0;
	}
}

int play_next(struct play *p)
{
	const struct group *gr = p->gr;
	uint64_t seq = p->next++;
	uint64_t leader = atomic_load_explicit(&gr->g->leader, memory_order_acquire);
	uint32_t first = layout_leader_index(leader);
	uint32_t chk[LAYOUT_MAX_REPLICAS] = { 0 }, order[LAYOUT_MAX_REPLICAS];
	uint32_t have = 0, voters = 0, standbys = 0, major = 0, k = 0;
	uint32_t n = gr->n, nsamples = p->block_bytes / (uint32_t)sizeof(float);
	uint32_t bad_chk = 0;
	bool have_bad = false;
	int src = -1;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t req = atomic_load_explicit(&p->rep[i].reset_req, memory_order_acquire);
		uint32_t len = 0;
		if (req != p->run[i].reset_seen)
			forget_slot(p, i, req);
		if (ring_peek_seq(&gr->ring[i], seq, &len, &chk[i]) != 0 || len != p->block_bytes)
			continue;
		have |= 1u << i;
		uint32_t role = atomic_load_explicit(&gr->g->role[i], memory_order_relaxed);
		if (role == ROLE_PRIMARY || role == ROLE_STANDBY)
			voters |= 1u << i;
		if (role == ROLE_STANDBY && i != first)
			standbys |= 1u << i;
	}
	if (first < n && (have >> first & 1u) != 0)
		measure_sync(p, seq, first, standbys, chk);
	if (p->pol.vote == PLAY_VOTE_MAJORITY && __builtin_popcount(voters) >= 2)
		major = vote(p, voters, chk);

	/* The majority first (the primary ahead if in it), then the others. */
	k = order_append(order, 0, major, first, n);
	k = order_append(order, k, have & ~major, first, n);
	uint32_t tried = 0;
	for (uint32_t o = 0; o < k && src < 0; o++) {
		uint32_t i = order[o];
		tried |= 1u << i;
		if (have_bad && chk[i] == bad_chk) {
			content_bad(p, i);  /* the same bits as a copy already refused */
			continue;
		}
		int rc = copy_checked(p, i, seq, p->buf);
		if (rc == -EBADMSG) {
			count_bad(p, i);
		} else if (rc == 0 && !play_content_ok(p->buf, nsamples, p->pol.max_abs)) {
			content_bad(p, i);
			bad_chk = chk[i];
			have_bad = true;
		} else if (rc == 0) {
			src = (int)i;
			p->run[i].content = 0;
		}
	}
	if (have & ~tried)
		judge_others(p, seq, have & ~tried, src, chk, bad_chk, have_bad);

	if (src < 0) {
		memset(p->buf, 0, p->block_bytes);
		if (have_bad)
			ADD(p->st.guard_silence, 1);
		PUT(p->st.last_underrun, seq);
		atomic_fetch_add_explicit(&p->st.underruns, 1, memory_order_release);
		ADD(p->st.lost_samples, (uint64_t)p->frames * p->channels);
	} else {
		if ((uint32_t)src == first)
			ADD(p->st.from_primary, 1);
		else
			ADD(p->st.rescued, 1);
		ADD(p->st.from_replica[src], 1);
		PUT(p->st.last_ok_ns, clock_now_ns());
	}
	ADD(p->st.played, 1);
	return src;
}

void play_forget(struct play *p, uint32_t i)
{
	if (i < LAYOUT_MAX_REPLICAS)
		atomic_fetch_add_explicit(&p->rep[i].reset_req, 1, memory_order_release);
}

int play_sync_of(const struct play *p, uint32_t i)
{
	if (i >= LAYOUT_MAX_REPLICAS)
		return SYNC_UNKNOWN;
	return (int)atomic_load_explicit(&p->rep[i].sync, memory_order_acquire);
}

const char *play_sync_name(int sync)
{
	static const char *const names[] = { "unknown", "identical", "diverged" };
	return sync >= 0 && sync <= SYNC_DIVERGED ? names[sync] : "unknown";
}

void play_stats_reset(struct play *p)
{
	PUT(p->st.played, 0);
	PUT(p->st.from_primary, 0);
	PUT(p->st.rescued, 0);
	PUT(p->st.underruns, 0);
	PUT(p->st.lost_samples, 0);
	PUT(p->st.bad_blocks, 0);
	PUT(p->st.voted, 0);
	PUT(p->st.no_majority, 0);
	PUT(p->st.outvoted, 0);
	PUT(p->st.bad_content, 0);
	PUT(p->st.guard_silence, 0);
	for (uint32_t i = 0; i < LAYOUT_MAX_REPLICAS; i++) {
		PUT(p->st.from_replica[i], 0);
		PUT(p->st.bad_from[i], 0);
		/* The per-replica counters belong to the sink thread: it zeroes them. */
		play_forget(p, i);
	}
}
