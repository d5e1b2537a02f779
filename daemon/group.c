/*
 * group.c - create, publish into and destroy a group's shared memory.
 *
 * Does: lock, stale clean-up, segment creation, ring formatting, role and
 * leader publication, parameter changes with an apply-at sequence number.
 * Does not: log (callers do), spawn processes, or read audio.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "futex.h"
#include "group.h"

static void seg_name(char *buf, size_t len, const char *group, uint32_t i)
{
	char what[8];

	snprintf(what, sizeof(what), "r%u", i);
	shm_seg_name(buf, len, group, what);
}

int group_create(struct group *gr, const struct config *cfg, char *err, size_t errlen)
{
	char name[SHM_NAME_MAX];
	int foreign = 0, rc;

	memset(gr, 0, sizeof(*gr));
	gr->lock_fd = -1;
	snprintf(gr->name, sizeof(gr->name), "%s", cfg->name);
	gr->n = cfg->replicas;
	gr->lead = cfg->lead;
	gr->block_bytes = layout_block_bytes(cfg->frames, cfg->channels);
	gr->period_ns = clock_period_ns(cfg->sample_rate, cfg->frames);
	gr->rbytes = layout_replica_bytes(cfg->ring_capacity, gr->block_bytes);
	if (gr->rbytes == 0 || gr->n == 0 || gr->n > LAYOUT_MAX_REPLICAS) {
		snprintf(err, errlen, "impossible ring geometry");
		return -EINVAL;
	}

	rc = shm_group_lock(gr->name, &gr->lock_fd);
	if (rc < 0) {
		snprintf(err, errlen, rc == -EBUSY ? "group '%s' is in use by another rtaudiod"
		                                   : "cannot lock group '%s': %s",
		         gr->name, strerror(-rc));
		gr->lock_fd = -1;
		return rc;
	}
	rc = shm_group_cleanup(gr->name, GROUP_MAGIC, REPLICA_MAGIC, &foreign);
	if (rc < 0) {
		snprintf(err, errlen, "cannot remove stale segments: %s", strerror(-rc));
		goto fail;
	}

	shm_seg_name(name, sizeof(name), gr->name, "group");
	rc = shm_seg_create(&gr->gseg, name, GROUP_SEG_BYTES, 0600, GROUP_MAGIC, LAYOUT_VERSION,
	                    SHM_KIND_GROUP, 0, gr->name);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create %s: %s%s", name, strerror(-rc),
		         rc == -EEXIST ? " (a segment that is not ours has that name)" : "");
		goto fail;
	}
	struct group_seg *g = gr->g = gr->gseg.base;
	g->sample_rate = cfg->sample_rate;
	g->channels = cfg->channels;
	g->frames = cfg->frames;
	g->lead = cfg->lead;
	g->ring_capacity = cfg->ring_capacity;
	g->standby = cfg->standby;
	g->replicas = cfg->replicas;
	g->source = cfg->source;
	g->period_ns = gr->period_ns;
	g->frequency = cfg->frequency;
	g->rt_priority = cfg->rt_priority;
	atomic_store_explicit(&g->position, 0, memory_order_relaxed);
	atomic_store_explicit(&g->run, GROUP_RUN, memory_order_relaxed);
	atomic_store_explicit(&g->leader, layout_leader_make(0, LAYOUT_NO_PRIMARY),
	                      memory_order_relaxed);
	for (uint32_t i = 0; i < LAYOUT_MAX_REPLICAS; i++)
		atomic_store_explicit(&g->role[i], ROLE_DEAD, memory_order_relaxed);
	rc = layout_params_publish(g, 0, cfg->gain, cfg->pan, 0);
	if (rc < 0) {
		snprintf(err, errlen, "cannot publish parameters: %s", strerror(-rc));
		goto fail;
	}

	for (uint32_t i = 0; i < gr->n; i++) {
		seg_name(name, sizeof(name), gr->name, i);
		rc = shm_seg_create(&gr->rseg[i], name, gr->rbytes, 0600, REPLICA_MAGIC,
		                    LAYOUT_VERSION, SHM_KIND_REPLICA, i, gr->name);
		if (rc < 0) {
			snprintf(err, errlen, "cannot create %s: %s", name, strerror(-rc));
			goto fail;
		}
		gr->r[i] = gr->rseg[i].base;
		rc = ring_init(&gr->ring[i], (char *)gr->rseg[i].base + REPLICA_RING_OFFSET,
		               gr->rbytes - REPLICA_RING_OFFSET, cfg->ring_capacity, gr->block_bytes);
		if (rc < 0) {
			snprintf(err, errlen, "cannot format ring %u: %s", i, strerror(-rc));
			goto fail;
		}
	}
	return 0;
fail:
	group_destroy(gr);
	return rc;
}

void group_destroy(struct group *gr)
{
	char name[SHM_NAME_MAX];

	for (uint32_t i = 0; i < LAYOUT_MAX_REPLICAS; i++) {
		if (gr->rseg[i].base == NULL)
			continue;
		shm_seg_close(&gr->rseg[i]);
		seg_name(name, sizeof(name), gr->name, i);
		shm_seg_unlink(name);
		gr->r[i] = NULL;
	}
	if (gr->gseg.base != NULL) {
		shm_seg_close(&gr->gseg);
		shm_seg_name(name, sizeof(name), gr->name, "group");
		shm_seg_unlink(name);
		gr->g = NULL;
	}
	if (gr->lock_fd >= 0) {
		shm_group_unlock(gr->name, gr->lock_fd);
		gr->lock_fd = -1;
	}
}

void group_replica_reset(struct group *gr, uint32_t i)
{
	struct replica_seg *r = gr->r[i];

	atomic_store_explicit(&r->state, RSTATE_BOOT, memory_order_relaxed);
	atomic_store_explicit(&r->pid, 0, memory_order_relaxed);
	atomic_store_explicit(&r->heartbeat_ns, 0, memory_order_relaxed);
	atomic_store_explicit(&r->rt_policy, 0, memory_order_relaxed);
	atomic_store_explicit(&r->rt_error, 0, memory_order_relaxed);
	atomic_store_explicit(&r->render_ns_max, 0, memory_order_release);
}

void group_wake(struct group *gr)
{
	atomic_fetch_add_explicit(&gr->g->wake, 1, memory_order_release);
	futex_wake(&gr->g->wake, -1);
}

void group_set_role(struct group *gr, uint32_t i, enum replica_role role)
{
	atomic_store_explicit(&gr->g->role[i], role, memory_order_release);
}

void group_set_leader(struct group *gr, uint64_t epoch, uint32_t index)
{
	atomic_store_explicit(&gr->g->leader, layout_leader_make(epoch, index), memory_order_release);
	/* A warm standby sleeps until the next period otherwise. */
	group_wake(gr);
}

uint64_t group_position(const struct group *gr)
{
	return atomic_load_explicit(&gr->g->position, memory_order_acquire);
}

int group_set_params(struct group *gr, double gain, double pan, uint64_t *at)
{
	uint64_t pos = group_position(gr);
	/*
	 * A replica renders block s only while s < position + lead, and reads
	 * the parameters once per block. So no replica can have rendered, or be
	 * rendering, any block >= position + lead + 1 with the old values: that
	 * is the first block where every replica agrees on the change. We do not
	 * trust replica-reported progress for this (it is untrusted memory).
	 */
	uint64_t when = pos + gr->lead + 1;
	const struct param_hist *h = &gr->g->params;
	uint32_t count = h->count;

	if (count >= 1 && count <= LAYOUT_PARAM_HIST && h->e[count - 1].at > when)
		when = h->e[count - 1].at;
	int rc = layout_params_publish(gr->g, when, gain, pan, pos);
	if (rc == 0 && at != NULL)
		*at = when;
	return rc;
}

void group_params(const struct group *gr, double *gain, double *pan)
{
	const struct param_hist *h = &gr->g->params;

	/* The loop thread is the only writer: no seqlock needed to read it here. */
	layout_params_at(h, UINT64_MAX, gain, pan);
}
