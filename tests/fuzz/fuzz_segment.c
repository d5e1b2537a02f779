/*
 * fuzz_segment.c - libFuzzer target: shared memory written by a hostile peer.
 *
 * What it does: takes arbitrary bytes as the contents of a segment and runs
 * every reader the project has over them, in a heap buffer of exactly the
 * input's size (64-byte aligned, as a mapping is), so ASan reports any read
 * past the end:
 *  - as a replica segment: layout_replica_sane() (the daemon's watchdog
 *    check), then ring_attach() on the ring part (what a replica or a tap
 *    reader does) and every read path on the attached ring;
 *  - as the daemon sees a replica's ring: a ring formatted by ring_init()
 *    (geometry from the first byte, so the handle is trusted) whose memory
 *    the input then overwrites whole, header included, read with
 *    ring_read_seq() at the head, every slot's stamp and the ring's ends,
 *    and with ring_read() from the start and from the head;
 *  - as a group segment (what a replica reads): layout_params_snapshot() and
 *    at2();
 *  - through shm_seg_map_fd() on a memfd holding the bytes (the header
 *    checks of shm_seg_open).
 * A reader that claims success must return a length within its buffer; a
 * broken property aborts.
 *
 * What it does not do: race a writer (the ring's stress tests do); writes
 * only to the daemon-path copy, as the producer would (ring_write_overwrite).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "layout.h"
#include "params2.h"
#include "ring.h"
#include "shm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reader calls per ring_read() walk: enough to go around any fuzzed ring. */
#define WALK_MAX 512u

static unsigned char out[RING_MAX_PAYLOAD];

static void require(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_segment: property broken: %s\n", what);
		abort();
	}
}

static void read_seq(const struct ring *r, uint64_t seq, uint32_t outlen)
{
	uint32_t len = UINT32_MAX, check = 0;
	int rc = ring_read_seq(r, seq, out, outlen, &len, &check);

	require(rc == 0 || rc == -EAGAIN || rc == -ENODATA || rc == -EBADMSG || rc == -ENOBUFS ||
		rc == -EINVAL, "ring_read_seq: undocumented error");
	if (rc == 0)
		require(len <= outlen && len <= r->max_payload, "ring_read_seq: length beyond buffer");
}

static void walk(const struct ring *r, struct ring_reader rd, uint32_t outlen)
{
	for (unsigned i = 0; i < WALK_MAX; i++) {
		uint32_t len = UINT32_MAX;
		uint64_t seq = 0, before = rd.next;
		int rc = ring_read(r, &rd, out, outlen, &len, &seq);

		if (rc == 1) {
			require(len <= outlen, "ring_read: length beyond buffer");
			require(seq >= before && rd.next == seq + 1, "ring_read: cursor");
			continue;
		}
		require(rc == 0 || rc == -ENOBUFS || rc == -EBADMSG, "ring_read: undocumented error");
		if (rc != -EBADMSG)
			return;
	}
}

/* Every read path over a ring whose handle we hold. */
static void read_ring(const struct ring *r)
{
	uint64_t head = ring_head(r);
	uint32_t small = r->max_payload / 2;

	read_seq(r, head, r->max_payload);
	read_seq(r, head - 1, r->max_payload);
	read_seq(r, head - r->capacity, small);
	read_seq(r, UINT64_MAX, r->max_payload);
	read_seq(r, 0, r->max_payload);
	for (uint32_t i = 0; i < r->capacity && i < WALK_MAX; i++) {
		/* The slot's own claim: stamp 2s+2 says "block s lives here". */
		const unsigned char *sl = r->slots + (size_t)i * r->slot_size;
		uint64_t stamp;

		memcpy(&stamp, sl, sizeof stamp);
		read_seq(r, stamp / 2 - 1, r->max_payload);
		read_seq(r, stamp / 2 - 1, small);
	}
	walk(r, (struct ring_reader){ 0 }, r->max_payload);
	walk(r, (struct ring_reader){ .next = head > r->capacity ? head - r->capacity : 0 }, small);
	walk(r, (struct ring_reader){ .next = head - 1, .head = head }, r->max_payload);
}

static void *aligned_copy(const uint8_t *data, size_t size, size_t alloc)
{
	void *p = NULL;

	if (posix_memalign(&p, RING_ALIGN, alloc > 0 ? alloc : 1) != 0)
		return NULL;
	memcpy(p, data, size < alloc ? size : alloc);
	return p;
}

/* The daemon's view: its own ring handle, memory overwritten by the replica. */
static void daemon_ring(const uint8_t *data, size_t size)
{
	uint32_t capacity = 2u << (data[0] & 3u);             /* 2..16 */
	uint32_t payload = 64u * (1u + ((data[0] >> 2) & 7u)); /* 64..512 */
	size_t bytes = ring_bytes(capacity, payload);
	struct ring r;
	unsigned char *mem = aligned_copy(data, 0, bytes);

	if (mem == NULL)
		return;
	require(ring_init(&r, mem, bytes, capacity, payload) == 0, "ring_init");
	memcpy(mem, data + 1, size - 1 < bytes ? size - 1 : bytes);
	read_ring(&r);
	/* The producer's side must survive a corrupt head too. */
	(void)ring_write_overwrite(&r, data, (uint32_t)(size < payload ? size : payload));
	read_ring(&r);
	free(mem);
}

/* A replica segment mapped from a descriptor, as a tap reader gets it. */
static void mapped(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct shm_seg seg;

	if (fd < 0 && (fd = memfd_create("fuzz-segment", MFD_CLOEXEC)) < 0)
		return;
	if (ftruncate(fd, 0) != 0 || ftruncate(fd, (off_t)size) != 0 ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		return;
	if (shm_seg_map_fd(&seg, fd, false, REPLICA_MAGIC, LAYOUT_VERSION, SHM_KIND_REPLICA, 0) != 0)
		return;
	require(seg.size == size && seg.size >= sizeof(struct shm_hdr), "map_fd size");
	(void)layout_replica_sane(seg.base, 0, "fuzz", seg.size);
	shm_seg_close(&seg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *mem;

	if (size == 0)
		return 0;
	if ((mem = aligned_copy(data, size, size)) == NULL)
		return 0;

	if (size >= sizeof(struct shm_hdr)) {
		const struct replica_seg *rs = (const void *)mem;
		uint32_t index;

		memcpy(&index, data + offsetof(struct shm_hdr, index), sizeof index);
		(void)layout_replica_sane(rs, 0, "fuzz", size);
		(void)layout_replica_sane(rs, index, "default", size);
		(void)layout_replica_sane(rs, index, "", size);
	}
	if (size > REPLICA_RING_OFFSET) {
		struct ring r;

		if (ring_attach(&r, mem + REPLICA_RING_OFFSET, size - REPLICA_RING_OFFSET) == 0) {
			require(ring_bytes(r.capacity, r.max_payload) <= size - REPLICA_RING_OFFSET,
				"ring_attach accepted a ring larger than its memory");
			read_ring(&r);
		}
	}
	/* A bare ring (a reader given only the ring part). */
	{
		struct ring r;

		if (ring_attach(&r, mem, size) == 0)
			read_ring(&r);
	}
	if (size >= sizeof(struct group_seg)) {
		const struct group_seg *g = (const void *)mem;
		struct param_hist h;
		double gain, pan;

		memset(&h, 0, sizeof h);
		h.count = 1;
		(void)layout_params_snapshot(g, &h);
		require(h.count >= 1 && h.count <= LAYOUT_PARAM_HIST, "snapshot count not clamped");
		for (uint32_t i = 0; i < h.count; i++)
			at2(&h, h.e[i].at, &gain, &pan);
		at2(&h, 0, &gain, &pan);
		at2(&h, UINT64_MAX, &gain, &pan);
		/* The daemon's own unlocked read (group_params) of raw memory. */
		at2(&g->params, UINT64_MAX, &gain, &pan);
	}
	free(mem);

	daemon_ring(data, size);
	/* Five syscalls per call: only for inputs that get past the magic. */
	if (size < sizeof(uint32_t) || memcmp(data, &(uint32_t){ REPLICA_MAGIC }, sizeof(uint32_t)) == 0)
		mapped(data, size);
	return 0;
}
