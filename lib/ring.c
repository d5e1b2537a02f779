/*
 * ring.c - the sequence-indexed, lock-free block ring of ring.h.
 *
 * What it does: formats and attaches a ring over caller-provided memory,
 * writes blocks with a per-slot seqlock stamp (one producer), and lets any
 * number of readers copy a given block (ring_read_seq) or follow the stream
 * in order with a private cursor (ring_read), detecting torn copies and
 * laps by re-checking the stamp after the copy.
 *
 * What it does not do: allocate, log, wait or make system calls; it never
 * writes to ring memory from a reader, and it never trusts the shared header
 * after ring_attach(): the geometry is cached in struct ring and every length
 * read from a slot is validated against it before use.
 *
 * Stamp protocol (block s lives in slot s & mask):
 *   producer: stamp = 2s+1 (relaxed); fence(release); payload, len, check;
 *             stamp = 2s+2 (release); head = s+1 (release).
 *   reader:   st = stamp (acquire); st must be 2s+2; copy len, check and
 *             payload; fence(acquire); stamp (relaxed) must still be 2s+2.
 */
#include <errno.h>
#include <string.h>

#include "ring.h"

/*
 * The stamps and head are shared between processes: they must be real
 * lock-free atomics (a lock-based fallback would keep its lock in process-
 * local memory and silently break the protocol).
 */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");

/* Highest sequence number the ring accepts: keeps 2s+2 far from overflow. */
#define RING_SEQ_MAX ((UINT64_C(1) << 62) - 1)

/* ring_read() gives up (returns 0) after this many copies torn by the producer. */
#define RING_READ_RACES 64

static bool ring_geometry_ok(uint32_t capacity, uint32_t max_payload)
{
	return capacity >= 2 && capacity <= RING_MAX_CAPACITY &&
	       (capacity & (capacity - 1)) == 0 &&
	       max_payload > 0 && max_payload <= RING_MAX_PAYLOAD;
}

static uint32_t ring_slot_size(uint32_t max_payload)
{
	return (uint32_t)sizeof(struct ring_slot) +
	       ((max_payload + RING_ALIGN - 1) / RING_ALIGN) * RING_ALIGN;
}

size_t ring_bytes(uint32_t capacity, uint32_t max_payload)
{
	if (!ring_geometry_ok(capacity, max_payload))
		return 0;
	/* At most 64 + 65536 * (64 + 32768) bytes: fits a 32-bit size_t too. */
	uint64_t total = sizeof(struct ring_hdr) +
	                 (uint64_t)capacity * ring_slot_size(max_payload);
	if (total > SIZE_MAX)
		return 0;
	return (size_t)total;
}

static struct ring_slot *ring_slot(const struct ring *r, uint64_t seq)
{
	return (struct ring_slot *)(r->slots + (size_t)(seq & r->mask) * r->slot_size);
}

static void ring_fill(struct ring *r, void *mem, uint32_t capacity, uint32_t max_payload)
{
	r->hdr = mem;
	r->slots = (unsigned char *)mem + sizeof(struct ring_hdr);
	r->capacity = capacity;
	r->mask = capacity - 1;
	r->slot_size = ring_slot_size(max_payload);
	r->max_payload = max_payload;
	r->consumer = NULL;
	r->wr_overrun = false;
}

int ring_init(struct ring *r, void *mem, size_t len, uint32_t capacity, uint32_t max_payload)
{
	size_t need = ring_bytes(capacity, max_payload);

	if (r == NULL || mem == NULL || need == 0 || len < need ||
	    (uintptr_t)mem % RING_ALIGN != 0)
		return -EINVAL;
	ring_fill(r, mem, capacity, max_payload);

	struct ring_hdr *h = r->hdr;
	memset(h, 0, sizeof(*h));
	atomic_store_explicit(&h->head, 0, memory_order_relaxed);
	for (uint32_t i = 0; i < capacity; i++) {
		struct ring_slot *sl = ring_slot(r, i);
		memset(sl, 0, sizeof(*sl));
		atomic_store_explicit(&sl->stamp, 0, memory_order_relaxed);
	}
	h->version = RING_VERSION;
	h->capacity = capacity;
	h->slot_size = r->slot_size;
	h->max_payload = max_payload;
	/* Whoever sees the magic (after an acquire) sees a formatted ring. */
	atomic_thread_fence(memory_order_release);
	h->magic = RING_MAGIC;
	return 0;
}

int ring_attach(struct ring *r, void *mem, size_t len)
{
	if (r == NULL || mem == NULL || (uintptr_t)mem % RING_ALIGN != 0 ||
	    len < sizeof(struct ring_hdr))
		return -EINVAL;

	/* Read each field exactly once: a hostile writer may change them under us. */
	const volatile struct ring_hdr *h = mem;
	uint32_t magic = h->magic;
	atomic_thread_fence(memory_order_acquire);
	uint32_t version = h->version;
	uint32_t capacity = h->capacity;
	uint32_t slot_size = h->slot_size;
	uint32_t max_payload = h->max_payload;

	if (magic != RING_MAGIC || version != RING_VERSION)
		return -EPROTO;
	size_t need = ring_bytes(capacity, max_payload);
	if (need == 0 || slot_size != ring_slot_size(max_payload) || need > len)
		return -EINVAL;
	ring_fill(r, mem, capacity, max_payload);
	return 0;
}

void ring_set_consumer(struct ring *r, const _Atomic uint64_t *consumer)
{
	r->consumer = consumer;
}

void *ring_write_begin(struct ring *r, uint64_t seq)
{
	/* Only this producer stores head, so a relaxed load sees its own latest. */
	uint64_t head = atomic_load_explicit(&r->hdr->head, memory_order_relaxed);

	if (seq < head || seq > RING_SEQ_MAX)
		return NULL;

	struct ring_slot *sl = ring_slot(r, seq);
	uint64_t old = atomic_load_explicit(&sl->stamp, memory_order_relaxed);

	/*
	 * Decide now, while the old block still exists, whether destroying it is
	 * an overrun: it must be complete (even, nonzero stamp) and, when a
	 * consumer position is known, not yet read by that consumer.
	 */
	bool overrun = false;
	if (old != 0 && old % 2 == 0) {
		uint64_t old_seq = old / 2 - 1;
		overrun = r->consumer == NULL ||
		          old_seq >= atomic_load_explicit(r->consumer, memory_order_acquire);
	}
	if (r->wr_overrun != overrun) /* see struct ring: avoid false sharing */
		r->wr_overrun = overrun;

	atomic_store_explicit(&sl->stamp, 2 * seq + 1, memory_order_relaxed);
	/*
	 * Orders the odd stamp before every payload store that follows: a reader
	 * whose copy saw any new byte is guaranteed to see the odd (or a later)
	 * stamp on its re-check.
	 */
	atomic_thread_fence(memory_order_release);
	return (unsigned char *)sl + sizeof(*sl);
}

bool ring_write_commit(struct ring *r, uint64_t seq, uint32_t len, uint32_t check)
{
	if (seq > RING_SEQ_MAX)
		return false;

	struct ring_slot *sl = ring_slot(r, seq);
	/* Only the block ring_write_begin() opened, and only once. */
	if (atomic_load_explicit(&sl->stamp, memory_order_relaxed) != 2 * seq + 1)
		return false;
	sl->len = len <= r->max_payload ? len : r->max_payload;
	sl->check = check;
	atomic_store_explicit(&sl->stamp, 2 * seq + 2, memory_order_release);
	atomic_store_explicit(&r->hdr->head, seq + 1, memory_order_release);
	return r->wr_overrun;
}

bool ring_write_overwrite(struct ring *r, const void *data, uint32_t len)
{
	uint64_t seq = atomic_load_explicit(&r->hdr->head, memory_order_relaxed);
	void *p = ring_write_begin(r, seq);

	if (p == NULL) /* only for a head past RING_SEQ_MAX: corrupt memory */
		return false;
	if (len > r->max_payload)
		len = r->max_payload;
	memcpy(p, data, len);
	return ring_write_commit(r, seq, len, 0);
}

/*
 * The copy runs under the seqlock: it may race with the producer rewriting
 * the slot, and the bytes copied may then be a mix of two blocks. That is the
 * standard seqlock read side (as in the Linux kernel's seqcount_t): the
 * result is only *used* after the re-check proves that no write overlapped
 * the copy, and a torn copy is discarded. Two things make it safe here:
 * the length is read once into a local and validated against the cached
 * geometry before the copy (so even a torn length cannot make memcpy leave
 * the slot or the caller's buffer), and the acquire fence after the copy
 * orders the copy's loads before the re-check load, pairing with the
 * producer's release fence after its odd stamp.
 */
static int ring_copy(const struct ring *r, uint64_t seq, void *out, uint32_t outlen,
                     uint32_t *len, uint32_t *check)
{
	if (seq > RING_SEQ_MAX)
		return -EINVAL;

	const struct ring_slot *sl = ring_slot(r, seq);
	const uint64_t want = 2 * seq + 2;
	uint64_t st = atomic_load_explicit(&sl->stamp, memory_order_acquire);

	if (st != want) {
		if (st > want)
			return -ESTALE;
		/*
		 * Not there. If the head is already past seq, the producer either
		 * completed it a moment ago (the reload after the acquire of head
		 * sees it) or skipped it for good.
		 */
		uint64_t head = atomic_load_explicit(&r->hdr->head, memory_order_acquire);
		if (head <= seq)
			return -EAGAIN;
		st = atomic_load_explicit(&sl->stamp, memory_order_acquire);
		if (st > want)
			return -ESTALE;
		if (st != want)
			return -ENODATA; /* skipped by the producer */
	}

	uint32_t n = *(const volatile uint32_t *)&sl->len;
	uint32_t ck = *(const volatile uint32_t *)&sl->check;
	int rc = 0;

	if (n > r->max_payload)
		rc = -EBADMSG;
	else if (out == NULL)
		;  /* ring_peek_seq: the header is all that is wanted */
	else if (n > outlen)
		rc = -ENOBUFS;
	else
		memcpy(out, (const unsigned char *)sl + sizeof(*sl), n);

	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&sl->stamp, memory_order_relaxed) != want)
		return -ESTALE; /* overwritten during the copy: torn, discard */
	if (rc < 0)
		return rc;
	if (len != NULL)
		*len = n;
	if (check != NULL)
		*check = ck;
	return 0;
}

/*
 * ring_copy() tells an overwritten block (-ESTALE) from one the producer
 * skipped (-ENODATA); the public API reports both as gone.
 */
int ring_read_seq(const struct ring *r, uint64_t seq, void *out, uint32_t outlen,
                  uint32_t *len, uint32_t *check)
{
	int rc = ring_copy(r, seq, out, outlen, len, check);

	return rc == -ESTALE ? -ENODATA : rc;
}

int ring_peek_seq(const struct ring *r, uint64_t seq, uint32_t *len, uint32_t *check)
{
	/* The same stamp protocol as a copy, with no payload moved. */
	int rc = ring_copy(r, seq, NULL, 0, len, check);

	return rc == -ESTALE ? -ENODATA : rc;
}

int ring_read(const struct ring *r, struct ring_reader *rd, void *out, uint32_t outlen,
              uint32_t *len, uint64_t *seq)
{
	unsigned races = 0;

	/*
	 * Each pass returns or moves past a block that is gone (a run of blocks
	 * the producer skipped is walked in one call). The bound only keeps a
	 * hostile or runaway producer from holding the reader here forever.
	 */
	for (uint64_t steps = 0; steps < (uint64_t)r->capacity * (RING_READ_RACES + 1); steps++) {
		uint64_t s = rd->next;
		/*
		 * Load the shared head only when the blocks known to exist are used
		 * up: a reader that keeps up then takes one cache miss per batch
		 * instead of one per block, and one spinning on an empty ring keeps
		 * pulling the head's line, which the producer writes once per
		 * block, not a slot header it writes twice per block. The cached
		 * head only ever lags the real one, so every decision taken on it
		 * stays true (blocks before head - capacity are gone for good).
		 */
		uint64_t head = rd->head;
		if (head <= s) {
			head = atomic_load_explicit(&r->hdr->head, memory_order_acquire);
			rd->head = head;
			if (head <= s)
				return 0;
		}
		if (head - s > r->capacity) { /* lapped */
			rd->lost += head - r->capacity - s;
			rd->next = s = head - r->capacity;
		}
		int rc = ring_copy(r, s, out, outlen, len, NULL);

		if (rc == 0) {
			rd->next = s + 1;
			if (seq != NULL)
				*seq = s;
			return 1;
		}
		if (rc == -EAGAIN) {
			rd->head = 0; /* the head went backwards: a re-formatted ring */
			return 0;
		}
		if (rc == -ENOBUFS)
			return rc; /* the caller may retry with a larger buffer */
		if (rc == -EINVAL)
			return -EBADMSG; /* cursor past RING_SEQ_MAX: a corrupt head led us there */

		/*
		 * Block s is gone for good: overwritten during the copy (-ESTALE),
		 * skipped by the producer (-ENODATA) or corrupt (-EBADMSG: skip it so
		 * the reader is not wedged, and report it once). Move past it; the
		 * loop's top skips to head - capacity, the oldest block that can
		 * still be intact, if we were lapped. But that block's slot is the
		 * next one the producer overwrites: against a producer faster than
		 * our copy, each further overwrite met in this call halves the
		 * distance we keep from the head, or we could chase its tail forever.
		 */
		uint64_t next = s + 1;
		if (rc == -ESTALE) {
			if (races == RING_READ_RACES) {
				rd->lost += 1; /* s is gone; give up for now, move past it */
				rd->next = next;
				return 0;
			}
			uint64_t keep = r->capacity >> (races < 31 ? races : 31);
			races++;
			head = atomic_load_explicit(&r->hdr->head, memory_order_acquire);
			rd->head = head;
			if (keep == 0)
				keep = 1;
			if (head > next && head - next > keep)
				next = head - keep;
		}
		rd->lost += next - s;
		rd->next = next;
		if (rc == -EBADMSG)
			return rc;
	}
	return 0;
}

uint64_t ring_head(const struct ring *r)
{
	return atomic_load_explicit(&r->hdr->head, memory_order_acquire);
}
