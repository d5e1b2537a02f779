/*
 * group.c - create, publish into and destroy a group's shared memory.
 *
 * Does: lock, stale clean-up, segment creation, ring formatting, role and
 * leader publication, parameter changes with an apply-at sequence number;
 * keeps each replica segment's descriptor and has guard.c watch its mapping,
 * and checks and rebuilds a segment a replica may have damaged; keeps
 * read-only descriptors of every segment for taps (cmd.c passes copies).
 * Does not: log (callers do), spawn processes, or read audio.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "futex.h"
#include "group.h"
#include "guard.h"
#include "rtprio.h"

/* The tag a segment shows in /proc/PID/maps ("memfd:rtaudio-G-WHAT"). */
static void seg_tag(char *buf, size_t len, const char *group, const char *what)
{
	snprintf(buf, len, "rtaudio-%s-%s", group, what);
}

int group_create(struct group *gr, const struct config *cfg, const struct params *pt,
                 const double *values, char *err, size_t errlen)
{
	char name[SHM_NAME_MAX];
	int foreign = 0, rc;

	memset(gr, 0, sizeof(*gr));
	gr->lock_fd = -1;
	gr->gfd = -1;
	for (uint32_t i = 0; i < LAYOUT_MAX_REPLICAS; i++)
		gr->rfd[i] = -1;
	for (uint32_t i = 0; i <= LAYOUT_MAX_REPLICAS; i++)
		gr->tapfd[i] = -1;
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

	rc = guard_init();
	if (rc < 0) {
		snprintf(err, errlen, "cannot install the SIGBUS guard: %s", strerror(-rc));
		return rc;
	}
	rc = shm_group_lock(gr->name, &gr->lock_fd);
	if (rc < 0) {
		snprintf(err, errlen, rc == -EBUSY ? "group '%s' is in use by another rtaudiod"
		                                   : "cannot lock group '%s': %s",
		         gr->name, strerror(-rc));
		gr->lock_fd = -1;
		return rc;
	}
	/* Segments are anonymous now (nothing a crash could leave under
	 * /dev/shm but the lock); named ones are an older rtaudiod's. */
	rc = shm_group_cleanup(gr->name, GROUP_MAGIC, REPLICA_MAGIC, &foreign);
	if (rc < 0) {
		snprintf(err, errlen, "cannot remove stale segments: %s", strerror(-rc));
		goto fail;
	}

	/* Live input: a ring deep enough for input_history seconds, past the lead. */
	uint32_t in_cap = 0;
	gr->input_channels = cfg->input_channels;
	gr->input_bytes = layout_block_bytes(cfg->frames, cfg->input_channels);
	if (cfg->input_channels > 0) {
		uint64_t want = (uint64_t)(cfg->input_history * cfg->sample_rate / cfg->frames) +
		                cfg->lead + 2;
		in_cap = 2;
		while (in_cap < want && in_cap < RING_MAX_CAPACITY)
			in_cap *= 2;
	}
	size_t gbytes = layout_group_bytes(in_cap, gr->input_bytes);
	if (gbytes == 0) {
		snprintf(err, errlen, "impossible input ring geometry");
		rc = -EINVAL;
		goto fail;
	}
	seg_tag(name, sizeof(name), gr->name, "group");
	rc = shm_anon_create(&gr->gseg, name, gbytes, GROUP_MAGIC, LAYOUT_VERSION, SHM_KIND_GROUP,
	                     0, gr->name, &gr->gfd, &gr->tapfd[0]);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create the group segment: %s", strerror(-rc));
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
	g->input_channels = cfg->input_channels;
	g->input_capacity = in_cap;
	if (in_cap > 0) {
		rc = ring_init(&gr->in_ring, (char *)gr->gseg.base + GROUP_INPUT_OFFSET,
		               gbytes - GROUP_INPUT_OFFSET, in_cap, gr->input_bytes);
		if (rc < 0) {
			snprintf(err, errlen, "cannot format the input ring: %s", strerror(-rc));
			goto fail;
		}
	}
	g->period_ns = gr->period_ns;
	g->rt_priority = cfg->rt_priority;
	/* Whole blocks, rounded up: the pre-roll covers at least what was asked. */
	g->preroll_blocks = (uint32_t)ceil(cfg->preroll * cfg->sample_rate / cfg->frames);
	/* Its start: on a multiple of preroll_align samples, in whole blocks
	 * (lcm(frames, preroll_align) / frames; renderer_loop.c says why). */
	g->preroll_align = config_preroll_align_blocks(cfg);
	g->nparams = pt->n;
	memcpy(g->decl, pt->decl, pt->n * sizeof g->decl[0]);
	atomic_store_explicit(&g->position, 0, memory_order_relaxed);
	atomic_store_explicit(&g->run, GROUP_RUN, memory_order_relaxed);
	atomic_store_explicit(&g->leader, layout_leader_make(0, LAYOUT_NO_PRIMARY),
	                      memory_order_relaxed);
	for (uint32_t i = 0; i < LAYOUT_MAX_REPLICAS; i++)
		atomic_store_explicit(&g->role[i], ROLE_DEAD, memory_order_relaxed);
	rc = layout_params_publish(g, 0, values, pt->n, 0);
	if (rc < 0) {
		snprintf(err, errlen, "cannot publish parameters: %s", strerror(-rc));
		goto fail;
	}
	/*
	 * Mapped read-write above; now sealed, so that no descriptor of it, the
	 * read-only one the replicas get included, ever yields a writable
	 * mapping again (or a write(2), or a resize). Where there are no seals
	 * the O_RDONLY descriptor alone keeps the replicas from writing it.
	 */
	rc = shm_anon_seal(gr->gfd, true);
	if (rc < 0 && rc != -ENOTSUP) {
		snprintf(err, errlen, "cannot seal the group segment: %s", strerror(-rc));
		goto fail;
	}
	gr->sealed = rc == 0;

	for (uint32_t i = 0; i < gr->n; i++) {
		char what[8];

		snprintf(what, sizeof(what), "r%u", i);
		seg_tag(name, sizeof(name), gr->name, what);
		/*
		 * rfd[i] is ours and replica i's (spawn.c passes it as fd 4);
		 * fstat and ftruncate go through it, so a replica cannot redirect
		 * them. Not sealed against resizing: daemon/guard.c absorbs a
		 * replica that cuts its own segment, and restore rebuilds it.
		 */
		rc = shm_anon_create(&gr->rseg[i], name, gr->rbytes, REPLICA_MAGIC, LAYOUT_VERSION,
		                     SHM_KIND_REPLICA, i, gr->name, &gr->rfd[i], &gr->tapfd[1 + i]);
		if (rc < 0) {
			snprintf(err, errlen, "cannot create replica segment %u: %s", i, strerror(-rc));
			goto fail;
		}
		gr->r[i] = gr->rseg[i].base;
		rc = guard_watch(i, gr->rseg[i].base, gr->rbytes);
		if (rc < 0) {
			snprintf(err, errlen, "cannot guard replica segment %u: %s", i, strerror(-rc));
			goto fail;
		}
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
	/* Nothing has a name to unlink: the objects go with their last descriptor. */
	for (uint32_t i = 0; i < LAYOUT_MAX_REPLICAS; i++) {
		if (gr->rseg[i].base == NULL)
			continue;
		guard_unwatch(i);
		if (gr->rfd[i] >= 0) {
			close(gr->rfd[i]);
			gr->rfd[i] = -1;
		}
		shm_seg_close(&gr->rseg[i]);
		gr->r[i] = NULL;
	}
	for (uint32_t i = 0; i <= LAYOUT_MAX_REPLICAS; i++) {
		if (gr->tapfd[i] >= 0)
			close(gr->tapfd[i]);
		gr->tapfd[i] = -1;
	}
	if (gr->gfd >= 0)
		close(gr->gfd);
	gr->gfd = -1;
	if (gr->gseg.base != NULL) {
		shm_seg_close(&gr->gseg);
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
	atomic_store_explicit(&r->preroll_ns, 0, memory_order_relaxed);
	/* The renderer's notes start afresh (and the daemon's notes_reset). */
	atomic_store_explicit(&r->status_seq, 0, memory_order_relaxed);
	r->status[0] = '\0';
	atomic_store_explicit(&r->event_seq, 0, memory_order_relaxed);
	atomic_store_explicit(&r->render_ns_max, 0, memory_order_release);
}

int group_replica_size(const struct group *gr, uint32_t i, size_t *size)
{
	struct stat st;

	if (i >= gr->n || gr->rfd[i] < 0)
		return -EBADF;
	if (fstat(gr->rfd[i], &st) < 0)
		return -errno;
	*size = st.st_size < 0 ? 0 : (size_t)st.st_size;
	return 0;
}

bool group_replica_damaged(const struct group *gr, uint32_t i, uint64_t spawn_ns,
                           uint64_t latest_ns, char *why, size_t len)
{
	size_t size = 0;
	bool sane = layout_replica_sane(gr->r[i], i, gr->name, gr->rbytes) == 0;

	if (guard_hit(i)) {
		snprintf(why, len, "segment cut under the daemon's mapping (%llu bus errors absorbed)",
		         (unsigned long long)guard_faults());
		return true;
	}
	if (group_replica_size(gr, i, &size) == 0 && size != gr->rbytes) {
		snprintf(why, len, "segment resized to %zu bytes (not %zu)", size, gr->rbytes);
		return true;
	}
	if (!sane) {
		snprintf(why, len, "segment header corrupted");
		return true;
	}
	uint64_t hb = atomic_load_explicit(&gr->r[i]->heartbeat_ns, memory_order_acquire);
	if (hb != 0 && (hb < spawn_ns || hb > latest_ns)) {
		snprintf(why, len, "heartbeat is garbage");
		return true;
	}
	return false;
}

bool group_replica_reusable(const struct group *gr, uint32_t i)
{
	size_t size = 0;

	if (group_replica_size(gr, i, &size) < 0 || size != gr->rbytes || guard_hit(i))
		return false;
	if (layout_replica_sane(gr->r[i], i, gr->name, gr->rbytes) < 0)
		return false;
	/* Each field read once; compared with the geometry we formatted. */
	const struct ring *r = &gr->ring[i];
	const volatile struct ring_hdr *h = r->hdr;
	if (h->magic != RING_MAGIC || h->version != RING_VERSION || h->capacity != r->capacity ||
	    h->slot_size != r->slot_size || h->max_payload != r->max_payload)
		return false;
	/*
	 * A replica renders only below position + lead; a head far beyond
	 * would make the next one render blocks nobody will ever ask for.
	 */
	return ring_head(r) <= group_position(gr) + r->capacity;
}

int group_replica_restore(struct group *gr, uint32_t i)
{
	size_t size = 0;
	int rc = group_replica_size(gr, i, &size);

	if (rc < 0)
		return rc;
	if (size != gr->rbytes && ftruncate(gr->rfd[i], (off_t)gr->rbytes) < 0)
		return -errno;
	(void)fchmod(gr->rfd[i], 0600); /* it may have opened its segment to others */
	if (guard_hit(i)) {
		rc = guard_remap(i, gr->rfd[i]);
		if (rc < 0)
			return rc;
	}
	/*
	 * Only this thread reads the header page in this process (the sink
	 * reads the ring), and the replica is dead: plain stores are enough.
	 */
	unsigned char *base = gr->rseg[i].base;
	struct shm_hdr *h = &gr->r[i]->hdr;
	memset(base, 0, REPLICA_RING_OFFSET);
	h->version = LAYOUT_VERSION;
	h->size = gr->rbytes;
	h->kind = SHM_KIND_REPLICA;
	h->index = i;
	snprintf(h->group, sizeof(h->group), "%s", gr->name);
	atomic_thread_fence(memory_order_release);
	h->magic = REPLICA_MAGIC;

	/* A scratch handle: the sink's gr->ring[i] must not be written under it. */
	struct ring fresh;
	rc = ring_init(&fresh, base + REPLICA_RING_OFFSET, gr->rbytes - REPLICA_RING_OFFSET,
	               gr->ring[i].capacity, gr->ring[i].max_payload);
	/*
	 * The remap (or the shrink and regrow) dropped this mapping's pages:
	 * fault them in again here, not in the sink thread's next periods.
	 */
	(void)rtprio_prefault_range(base, gr->rbytes, false);
	return rc;
}

void group_wake(struct group *gr)
{
	atomic_fetch_add_explicit(&gr->g->wake, 1, memory_order_release);
	futex_wake(&gr->g->wake, -1);
	/* Warm standbys sleep on the bell (layout.h), which the sink never rings. */
	atomic_fetch_add_explicit(&gr->g->bell, 1, memory_order_release);
	futex_wake(&gr->g->bell, -1);
}

void group_set_role(struct group *gr, uint32_t i, enum replica_role role)
{
	atomic_store_explicit(&gr->g->role[i], role, memory_order_release);
}

void group_set_leader(struct group *gr, uint64_t epoch, uint32_t index)
{
	atomic_store_explicit(&gr->g->leader, layout_leader_make(epoch, index), memory_order_release);
	/* A warm standby sleeps on the bell until then (layout.h). */
	group_wake(gr);
}

uint64_t group_position(const struct group *gr)
{
	return atomic_load_explicit(&gr->g->position, memory_order_acquire);
}

int group_set_params(struct group *gr, const double *v, uint32_t n, uint64_t *at)
{
	if (n != gr->g->nparams)
		return -EINVAL;
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
	int rc = layout_params_publish(gr->g, when, v, n, pos);
	/* Replicas that found the seqlock mid-write sleep on it. */
	futex_wake(&gr->g->param_seq, -1);
	if (rc == 0 && at != NULL)
		*at = when;
	return rc;
}

uint32_t group_params(const struct group *gr, double *v)
{
	const struct param_hist *h = &gr->g->params;

	/* The loop thread is the only writer: no seqlock needed to read it here. */
	memcpy(v, layout_params_at(h, UINT64_MAX)->v, LAYOUT_MAX_PARAMS * sizeof v[0]);
	return gr->g->nparams;
}

int group_tap_fds(const struct group *gr, int *fds, size_t max)
{
	int n = 0;

	if (gr->g == NULL || max < 1 + (size_t)gr->n)
		return -ENOSPC;
	for (uint32_t k = 0; k <= gr->n; k++) {
		int fd = gr->tapfd[k] < 0 ? -1 : fcntl(gr->tapfd[k], F_DUPFD_CLOEXEC, 0);
		if (fd < 0) {
			int rc = gr->tapfd[k] < 0 ? -EBADF : -errno;
			while (n > 0)
				close(fds[--n]);
			return rc;
		}
		fds[n++] = fd;
	}
	return n;
}
