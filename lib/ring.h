/*
 * ring.h - sequence-indexed, lock-free block ring over caller-provided memory.
 *
 * What it does: moves fixed-maximum-size blocks from ONE producer to any
 * number of readers, in the same process or across processes (the memory is
 * usually a POSIX shared-memory mapping). Block s lives in slot
 * s & (capacity - 1). Each slot carries a seqlock stamp: odd while it is being
 * written, 2s + 2 once block s is complete. The producer never blocks and
 * never fails; a reader copies a block out and re-checks the stamp, so it can
 * never return a torn, stale or repeated block. Readers write nothing into the
 * ring memory: a read-only mapping is enough to follow it.
 *
 * What it does not do: allocate (after the caller hands it memory), log, wait
 * (waiting is futex.h's job), or know what a block means (audio framing lives
 * in layout.h). It does not support more than one concurrent producer.
 *
 * Trust: ring_attach() validates the header once and caches the geometry in
 * the process-local handle; every later access uses the cached geometry and
 * re-validates each length it reads from the slots, so a corrupted ring yields
 * -EBADMSG, never an out-of-bounds access.
 */
#ifndef RTAUDIO_RING_H
#define RTAUDIO_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RING_MAGIC        0x474e4952u /* "RING" */
#define RING_VERSION      1u
#define RING_MAX_CAPACITY 65536u
/* 1024 frames x 8 channels of float32: the largest audio block we carry. */
#define RING_MAX_PAYLOAD  (1024u * 8u * 4u)
#define RING_ALIGN        64u

/* Shared header at the start of the ring memory (one cache line). */
struct ring_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t capacity;     /* slots, a power of two */
	uint32_t slot_size;    /* bytes per slot, header included, RING_ALIGN multiple */
	uint32_t max_payload;  /* bytes of payload a slot can hold */
	uint32_t reserved0;
	_Atomic uint64_t head; /* 1 + the last sequence number completed */
	uint8_t pad[32];
};
_Static_assert(sizeof(struct ring_hdr) == 64, "ring_hdr is one cache line");
_Static_assert(offsetof(struct ring_hdr, head) == 24, "ring_hdr.head offset");

/* Shared header of each slot (one cache line); the payload follows it. */
struct ring_slot {
	_Atomic uint64_t stamp; /* 0 never written; 2s+1 writing s; 2s+2 s complete */
	uint32_t len;           /* payload bytes of the block in this slot */
	uint32_t check;         /* payload checksum; 0 = not computed */
	uint8_t pad[48];
};
_Static_assert(sizeof(struct ring_slot) == 64, "ring_slot header is one cache line");

/*
 * Process-local handle. The geometry is copied here at init/attach time and is
 * never re-read from shared memory. One handle may serve the producer thread
 * and any reader threads at once (readers only read it).
 */
struct ring {
	struct ring_hdr *hdr;
	unsigned char *slots;
	uint32_t capacity;
	uint32_t mask;
	uint32_t slot_size;
	uint32_t max_payload;
	/* Producer side only: optional consumer position for overrun accounting. */
	const _Atomic uint64_t *consumer;
	/*
	 * Producer side only: whether ring_write_begin() destroyed an unread
	 * block, for ring_write_commit() to return (the slot's old stamp is gone
	 * once the slot is marked odd). Stored only when it changes, so a handle
	 * shared by a producer and reader threads is not written per block.
	 */
	bool wr_overrun;
};

/*
 * A reader's private cursor for the in-order ring_read() API. Start it zeroed
 * (or with next = ring_head() to follow only new blocks).
 */
struct ring_reader {
	uint64_t next; /* next sequence number this reader wants */
	uint64_t lost; /* blocks skipped because the producer lapped this reader */
	uint64_t head; /* the ring's head when last loaded: a hint, 0 is always safe */
};

/*
 * Bytes of memory a ring of `capacity` slots of `max_payload` bytes needs.
 * Returns 0 if capacity is not a power of two in [2, RING_MAX_CAPACITY] or
 * max_payload is 0 or above RING_MAX_PAYLOAD. Pure; thread-safe.
 */
size_t ring_bytes(uint32_t capacity, uint32_t max_payload);

/*
 * Format `mem` (of `len` bytes, 64-byte aligned) as an empty ring and fill
 * `r`. The caller owns `mem` and must keep it mapped while `r` is used. Call
 * before any producer or reader touches the memory. Returns 0, or -EINVAL for
 * a bad geometry, misaligned memory or len < ring_bytes().
 */
int ring_init(struct ring *r, void *mem, size_t len, uint32_t capacity, uint32_t max_payload);

/*
 * Fill `r` from an existing ring in `mem` (read-only mapping allowed for
 * readers). Validates magic, version, capacity, slot size and that the ring
 * fits in `len`. Returns 0, -EPROTO on a wrong magic or version, -EINVAL on a
 * geometry that is impossible or does not fit.
 */
int ring_attach(struct ring *r, void *mem, size_t len);

/*
 * Producer: give write_overwrite()/write_begin() a consumer position (the
 * sequence number the consumer will read next, usually in shared memory) to
 * decide what an overrun is: destroying complete block old_s is an overrun
 * iff old_s >= *consumer. May be NULL: then any overwrite of a complete block
 * counts as an overrun, as in the seed. The pointer is borrowed, not owned.
 */
void ring_set_consumer(struct ring *r, const _Atomic uint64_t *consumer);

/*
 * Producer, zero-copy: open block `seq` for writing and return a pointer to
 * its payload (max_payload bytes). `seq` must be >= the ring's head (blocks
 * go forward; skipping sequence numbers is allowed: readers see the skipped
 * ones as -ENODATA). Returns NULL if `seq` is behind the head or above
 * 2^62 - 1. From this call on, the block that was in the slot is gone (the
 * overrun decision is taken here). Must be followed by ring_write_commit()
 * with the same seq before the next begin. Single producer only. Never
 * blocks. Audio-path safe.
 */
void *ring_write_begin(struct ring *r, uint64_t seq);

/*
 * Producer: publish block `seq` of `len` bytes (len <= max_payload; larger is
 * truncated to it) opened by ring_write_begin(), and advance the head to
 * seq + 1. Returns true if this write displaced a block nobody had read (an
 * overrun; see ring_set_consumer()). A seq that is not the one opened is
 * ignored (nothing published, returns false). Audio-path safe.
 */
bool ring_write_commit(struct ring *r, uint64_t seq, uint32_t len, uint32_t check);

/*
 * Producer, the seed's API: append a copy of `data` (len <= max_payload
 * bytes) as block `head`. Never blocks, never fails. Returns true on an
 * overrun. Lengths above max_payload are truncated to it. Audio-path safe.
 */
bool ring_write_overwrite(struct ring *r, const void *data, uint32_t len);

/*
 * Reader: copy block `seq` into `out` (capacity `outlen`) if it is complete
 * and still in the ring. On success stores its length in *len (when not NULL;
 * and its checksum in *check when not NULL) and returns 0. Otherwise:
 * -EAGAIN if the block is not complete yet (future or being written),
 * -ENODATA if it was overwritten, before or during the copy (or skipped by
 * the producer: the head is past it and it never completed), -EBADMSG if the
 * slot holds an impossible length, -ENOBUFS if outlen is too small, -EINVAL
 * if seq > 2^62 - 1. On any error `out` may hold garbage. Writes nothing to
 * ring memory (a PROT_READ mapping is enough). Audio-path safe; any thread,
 * any number of readers.
 */
int ring_read_seq(const struct ring *r, uint64_t seq, void *out, uint32_t outlen,
                  uint32_t *len, uint32_t *check);

/*
 * Reader: the length and checksum of block `seq` without copying its
 * payload (a slot header is one cache line), under the same seqlock as
 * ring_read_seq(): 0 with *len and *check set if block `seq` is complete and
 * still in the ring, else the errors of ring_read_seq() (-EAGAIN, -ENODATA,
 * -EBADMSG for an impossible length, -EINVAL). The checksum is what the
 * producer claims; only a copy checked against it proves the payload.
 * Writes nothing to ring memory. Audio-path safe; any thread.
 */
int ring_peek_seq(const struct ring *r, uint64_t seq, uint32_t *len, uint32_t *check);

/*
 * Reader, the seed's API: copy the oldest block this reader has not read yet.
 * Returns 1 and advances rd->next past it on success, 0 when the ring holds
 * nothing new for this reader. When the producer lapped the reader, skips to
 * the oldest block still intact (if the producer overwrites that one too
 * while we copy, to ever newer ones, so that a reader slower than the
 * producer still makes progress) and adds what was skipped to rd->lost (so
 * rd->lost always equals the gaps between the sequence numbers returned);
 * never returns a torn, stale or repeated block. On success *seq (if not
 * NULL) gets the block's sequence number. -ENOBUFS: outlen is too small for
 * the next block (the cursor stays, retry with a larger buffer). -EBADMSG:
 * the next block is corrupt (it is skipped and counted in lost, so the next
 * call moves on) or the head is impossible. If a producer keeps lapping the
 * reader faster than it can copy a block, gives up after a bounded number of
 * tries and returns 0 (call again). rd is private to one reader. Writes
 * nothing to ring memory. Audio-path safe.
 */
int ring_read(const struct ring *r, struct ring_reader *rd, void *out, uint32_t outlen,
              uint32_t *len, uint64_t *seq);

/* 1 + the last sequence number completed (0 when empty). Any thread. */
uint64_t ring_head(const struct ring *r);

#endif
