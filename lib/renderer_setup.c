/*
 * renderer_setup.c - the runtime's set-up steps before the render loop:
 * option parsing helpers, dying with the daemon, mapping and validating
 * the two segments, publishing the real-time status.
 *
 * What it does: everything renderer.c does once, before real time, that
 * is not the renderer's open: see each function's contract in
 * renderer_int.h. Errors go to stderr and exit (1, or 64 for usage): a
 * replica that cannot set up has nothing to fall back on, and the daemon
 * sees the exit status.
 *
 * What it does not do: render, or run on the audio path.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif
#ifdef __APPLE__
#include <pthread.h>
#include <sys/event.h>
#endif

#include "renderer_int.h"
#include "rtprio.h"
#include "shm.h"

/* The program's name, for messages (argv[0] without its directory). */
const char *replica_prog = "rtaudio-replica";

void replica_usage(void)
{
	fprintf(stderr, "usage: %s --group NAME --index I [--parent PID] [--cpu N] "
	        "[--key SECTION.KEY=VALUE]...\n"
	        "       %s --check --rate R --channels C --frames F [--input-channels N] "
	        "[--key SECTION.KEY=VALUE]...\n"
	        "       %s --render FILE.wav --seconds S --rate R --channels C --frames F "
	        "[--gain G] [--pan P] [--key SECTION.KEY=VALUE]...\n"
	        "  (started by rtaudiod; --render renders offline)\n",
	        replica_prog, replica_prog, replica_prog);
	exit(RTA_EX_USAGE);
}

void replica_die(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", replica_prog, what, strerror(err < 0 ? -err : err));
	exit(1);
}

bool replica_parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

#ifdef __APPLE__
/* macOS has no PR_SET_PDEATHSIG: a thread waits for the parent's exit. */
static void *replica_parent_watch(void *arg)
{
	int kq = (int)(intptr_t)arg;
	struct kevent ev;

	for (;;) {
		int n = kevent(kq, NULL, 0, &ev, 1, NULL);
		if (n > 0 || (n < 0 && errno != EINTR))
			_exit(1);
	}
	return NULL;
}

static int replica_watch_parent(pid_t parent)
{
	struct kevent ev;
	pthread_t tid;
	int kq = kqueue();

	if (kq < 0)
		return -errno;
	EV_SET(&ev, parent, EVFILT_PROC, EV_ADD | EV_ONESHOT, NOTE_EXIT, 0, NULL);
	if (kevent(kq, &ev, 1, NULL, 0, NULL) < 0) {
		int e = errno;
		close(kq);
		return -e; /* ESRCH: the parent is already gone */
	}
	int rc = pthread_create(&tid, NULL, replica_parent_watch, (void *)(intptr_t)kq);
	if (rc != 0) {
		close(kq);
		return -rc;
	}
	pthread_detach(tid);
	return 0;
}
#endif

/* Die with the daemon. A --parent check closes the race where the daemon
 * died between fork and prctl (we would then be a child of init already). */
void replica_bind_to_parent(bool have_parent, uint32_t parent)
{
#ifdef __linux__
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		replica_die("prctl(PR_SET_PDEATHSIG)", errno);
#endif
	pid_t ppid = getppid();
	if (have_parent && ppid != (pid_t)parent) {
		fprintf(stderr, "%s: parent %" PRIu32 " is gone\n", replica_prog, parent);
		exit(1);
	}
#ifdef __APPLE__
	int rc = replica_watch_parent(have_parent ? (pid_t)parent : ppid);
	if (rc < 0)
		replica_die("watching the parent", rc);
#endif
}

/* The header's group name must be ours (and NUL-terminated in its field). */
static bool replica_hdr_group_is(const struct shm_hdr *h, const char *group)
{
	if (memchr(h->group, '\0', sizeof h->group) == NULL)
		return false;
	return strcmp(h->group, group) == 0;
}

/*
 * Map both segments and validate everything the loop will trust. The stream
 * configuration is copied out once: the daemon never changes it after the
 * replicas start, and a copy cannot change under our feet if it did.
 */
void replica_map(struct replica *rp, const char *group, struct shm_seg *gseg,
                        struct shm_seg *rseg)
{
	char name[SHM_NAME_MAX];
	char what[8];
	int rc;

	if ((rc = shm_seg_name(name, sizeof name, group, "group")) < 0)
		replica_die("group segment name", rc);
	rc = shm_seg_open(gseg, name, false, GROUP_MAGIC, LAYOUT_VERSION, SHM_KIND_GROUP,
	                  GROUP_SEG_BYTES);
	if (rc < 0)
		replica_die(name, rc);
	const struct group_seg *g = gseg->base;
	if (!replica_hdr_group_is(&g->hdr, group))
		replica_die("group segment belongs to another group", EPROTO);

	struct layout_geometry geo;
	if ((rc = layout_group_sane(g, &geo)) < 0)
		replica_die("group segment: invalid stream geometry", rc);
	rp->stream.sample_rate = geo.sample_rate;
	rp->stream.channels = geo.channels;
	rp->stream.frames = geo.frames;
	rp->stream.input_channels = geo.input_channels;
	rp->stream.period_ns = geo.period_ns;
	rp->stream.replica = rp->index;
	uint32_t capacity = geo.ring_capacity;
	uint32_t standby = g->standby;
	rp->lead = geo.lead;
	rp->preroll = geo.preroll_blocks;
	rp->period_ns = geo.period_ns;

	if ((rc = layout_params_table(g, rp->table)) < 0)
		replica_die("group segment: invalid parameter table", rc);
	rp->nparams = (uint32_t)rc;
	if (rp->index >= geo.replicas)
		replica_die("group segment: index beyond the group's replicas", EINVAL);
	if (standby != STANDBY_HOT && standby != STANDBY_WARM)
		replica_die("group segment: invalid standby mode", EINVAL);
	rp->hot = standby == STANDBY_HOT;

	uint32_t block = geo.block_bytes;
	size_t size = layout_replica_bytes(capacity, block);

	snprintf(what, sizeof what, "r%" PRIu32, rp->index);
	if ((rc = shm_seg_name(name, sizeof name, group, what)) < 0)
		replica_die("replica segment name", rc);
	rc = shm_seg_open(rseg, name, true, REPLICA_MAGIC, LAYOUT_VERSION, SHM_KIND_REPLICA, size);
	if (rc < 0)
		replica_die(name, rc);
	struct replica_seg *r = rseg->base;
	if (r->hdr.index != rp->index || !replica_hdr_group_is(&r->hdr, group))
		replica_die("replica segment belongs to another replica", EPROTO);

	rc = ring_attach(&rp->ring, (unsigned char *)rseg->base + REPLICA_RING_OFFSET,
	                 size - REPLICA_RING_OFFSET);
	if (rc < 0)
		replica_die("replica ring", rc);
	if (rp->ring.capacity != capacity || rp->ring.max_payload < block)
		replica_die("replica ring does not match the stream", EINVAL);
	ring_set_consumer(&rp->ring, &g->position);

	rp->g = g;
	rp->r = r;
}

void replica_publish_rt(struct replica_seg *r, const struct rtprio_status *st)
{
	atomic_store_explicit(&r->rt_policy, st->policy, memory_order_relaxed);
	atomic_store_explicit(&r->rt_priority, st->priority, memory_order_relaxed);
	atomic_store_explicit(&r->rt_error, st->error, memory_order_relaxed);
	atomic_store_explicit(&r->rt_rlimit, st->rlimit, memory_order_relaxed);
	atomic_store_explicit(&r->rt_mlocked, st->mlocked, memory_order_relaxed);
	atomic_store_explicit(&r->rt_mlock_error, st->mlock_error, memory_order_release);
}


/* An option's real value within [min, max]. */
double replica_opt_double(const char *s, double min, double max)
{
	char *end;
	double v = strtod(s, &end);

	if (s[0] == '\0' || *end != '\0' || !isfinite(v) || v < min || v > max)
		replica_usage();
	return v;
}

/* Copy an option's value: whole, within [min, max]. */
uint32_t replica_opt_u32(const char *s, uint32_t min, uint32_t max)
{
	uint32_t v;

	if (!replica_parse_u32(s, max, &v) || v < min)
		replica_usage();
	return v;
}
