/*
 * ringsync.c - the sync check from outside: are the replicas' copies of
 * each block identical?
 *
 *   ringsync GROUP SECONDS
 *
 * What it does: maps a running group's segments read-only (by name, as a
 * tap could), and for SECONDS follows the sink position; for every block
 * seq it finds in the primary's ring and in another replica's, it compares
 * their CRC-32C (crc32c_block over seq and the payload, what the sink
 * verifies) and prints one line whenever a replica's verdict changes, or
 * its process does:
 *     T_MS SEQ REPLICA PID identical|diverged
 * (T_MS: milliseconds since ringsync started), then a summary per replica:
 *     summary REPLICA compared N identical I diverged D
 * The tests turn the lines into "identical at once after its pre-roll" or
 * "identical after X ms". Exit 0, or 1 if the group cannot be mapped.
 *
 * What it does not do: write anything (a PROT_READ mapping), or block the
 * group: rings it cannot read in time (lapped) are skipped, not waited for;
 * give the group a ring_capacity of 16 or more so few are.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "crc32c.h"
#include "layout.h"
#include "ring.h"
#include "shm.h"

struct rep {
	struct shm_seg seg;
	struct ring ring;
	bool mapped;
	int verdict;        /* -1 unknown, 0 diverged, 1 identical */
	uint32_t pid;
	uint64_t compared, identical, diverged;
};

static float blk_a[LAYOUT_MAX_FRAMES * LAYOUT_MAX_CHANNELS];
static float blk_b[LAYOUT_MAX_FRAMES * LAYOUT_MAX_CHANNELS];

static int rep_map(struct rep *p, const char *group, uint32_t i, const struct layout_geometry *geo)
{
	char name[SHM_NAME_MAX], what[8];
	size_t size = layout_replica_bytes(geo->ring_capacity, geo->block_bytes);

	snprintf(what, sizeof what, "r%" PRIu32, i);
	if (shm_seg_name(name, sizeof name, group, what) < 0)
		return -EINVAL;
	int rc = shm_seg_open(&p->seg, name, false, REPLICA_MAGIC, LAYOUT_VERSION,
	                      SHM_KIND_REPLICA, size);
	if (rc < 0)
		return rc;
	rc = ring_attach(&p->ring, (unsigned char *)p->seg.base + REPLICA_RING_OFFSET,
	                 size - REPLICA_RING_OFFSET);
	if (rc < 0)
		return rc;
	p->mapped = true;
	p->verdict = -1;
	return 0;
}

/* The CRC of block seq in ring r, computed on a copy (the stamp proves the
 * copy whole); -1 if the ring does not hold it. */
static int64_t rep_crc(const struct rep *p, uint64_t seq, float *buf, uint32_t bytes)
{
	uint32_t len = 0, check = 0;

	if (ring_read_seq(&p->ring, seq, buf, bytes, &len, &check) != 0 || len != bytes)
		return -1;
	return crc32c_block(seq, buf, len);
}

int main(int argc, char **argv)
{
	struct shm_seg gseg = { 0 };
	char name[SHM_NAME_MAX];
	struct layout_geometry geo;
	static struct rep rep[LAYOUT_MAX_REPLICAS];

	if (argc != 3) {
		fprintf(stderr, "usage: ringsync GROUP SECONDS\n");
		return 64;
	}
	double seconds = strtod(argv[2], NULL);
	if (shm_seg_name(name, sizeof name, argv[1], "group") < 0 ||
	    shm_seg_open(&gseg, name, false, GROUP_MAGIC, LAYOUT_VERSION, SHM_KIND_GROUP,
	                 GROUP_SEG_BYTES) < 0) {
		fprintf(stderr, "ringsync: cannot map group %s\n", argv[1]);
		return 1;
	}
	const struct group_seg *g = gseg.base;
	if (layout_group_sane(g, &geo) < 0) {
		fprintf(stderr, "ringsync: group segment not sane\n");
		return 1;
	}
	for (uint32_t i = 0; i < geo.replicas; i++)
		if (rep_map(&rep[i], argv[1], i, &geo) < 0) {
			fprintf(stderr, "ringsync: cannot map replica %u\n", i);
			return 1;
		}
	uint64_t t0 = clock_now_ns();
	uint64_t end = t0 + (uint64_t)(seconds * 1e9);
	uint64_t next = atomic_load_explicit(&g->position, memory_order_acquire);
	struct timespec nap = { 0, (long)(geo.period_ns / 4) };

	while (clock_now_ns() < end) {
		uint64_t head = 0;
		uint32_t prim = layout_leader_index(atomic_load_explicit(&g->leader,
		                                                         memory_order_acquire));
		if (prim >= geo.replicas) {
			nanosleep(&nap, NULL);
			continue;
		}
		head = ring_head(&rep[prim].ring);
		/* Blocks the primary completed, and not too old to still be there. */
		if (head > geo.ring_capacity && next + geo.ring_capacity - 1 < head)
			next = head - geo.ring_capacity + 1;
		for (; next < head; next++) {
			int64_t a = rep_crc(&rep[prim], next, blk_a, geo.block_bytes);
			if (a < 0)
				continue;
			for (uint32_t i = 0; i < geo.replicas; i++) {
				struct rep *p = &rep[i];
				if (i == prim)
					continue;
				uint32_t pid = atomic_load_explicit(&((const struct replica_seg *)
				                                      p->seg.base)->pid,
				                                    memory_order_relaxed);
				int64_t b = rep_crc(p, next, blk_b, geo.block_bytes);
				if (b < 0)
					continue;
				int v = a == b;
				p->compared++;
				v ? p->identical++ : p->diverged++;
				if (v != p->verdict || pid != p->pid) {
					printf("%.3f %" PRIu64 " %u %u %s\n", (clock_now_ns() - t0) / 1e6,
					       next, i, pid, v ? "identical" : "diverged");
					fflush(stdout);
					p->verdict = v;
					p->pid = pid;
				}
			}
		}
		nanosleep(&nap, NULL);
	}
	for (uint32_t i = 0; i < geo.replicas; i++)
		printf("summary %u compared %" PRIu64 " identical %" PRIu64 " diverged %" PRIu64
		       "\n", i, rep[i].compared, rep[i].identical, rep[i].diverged);
	return 0;
}
