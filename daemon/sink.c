/*
 * sink.c - the sink: one period (play, hand over, publish, wake), and the
 * clocked real-time thread that paces it for the null and wav backends.
 *
 * Does: wait for the group's first audio (sink_prime), then once per period
 * play block `next`, give it to the backend, publish position = next and
 * wake the replicas (sink_period). A clocked backend gets a sink thread
 * sleeping to absolute deadlines on CLOCK_MONOTONIC; a callback backend
 * (jack) calls the same two functions from its server's thread.
 * Does not: allocate, lock, log or make any syscall but clock and futex calls
 * in sink_prime(), sink_period() or the sink thread's loop.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "crc32c.h"
#include "futex.h"
#include "sink.h"

static void publish(struct sink *s)
{
	struct group_seg *g = s->gr->g;

	atomic_store_explicit(&g->position, s->play.next, memory_order_release);
	atomic_fetch_add_explicit(&g->wake, 1, memory_order_release);
	futex_wake(&g->wake, -1);
}

float *sink_input_begin(struct sink *s)
{
	if (s->gr->input_channels == 0)
		return NULL;
	s->in_seq = s->play.next + s->gr->lead;
	return ring_write_begin(&s->gr->in_ring, s->in_seq);
}

void sink_input_commit(struct sink *s, const float *p)
{
	uint32_t len = s->gr->input_bytes;

	(void)ring_write_commit(&s->gr->in_ring, s->in_seq, len, crc32c_block(s->in_seq, p, len));
}

/* Loop thread, before the audio starts: input blocks 0..lead-1 are silence. */
static void sink_input_preroll(struct sink *s)
{
	for (uint64_t seq = 0; s->gr->input_channels > 0 && seq < s->gr->lead; seq++) {
		float *p = ring_write_begin(&s->gr->in_ring, seq);
		if (p == NULL)
			return;
		memset(p, 0, s->gr->input_bytes);
		(void)ring_write_commit(&s->gr->in_ring, seq, s->gr->input_bytes,
		                        crc32c_block(seq, p, s->gr->input_bytes));
	}
}

bool sink_prime(struct sink *s)
{
	atomic_store_explicit(&s->beat_ns, clock_now_ns(), memory_order_relaxed);
	if (play_peek(&s->play, s->gr->lead - 1)) {
		atomic_store_explicit(&s->state, SINK_RUNNING, memory_order_release);
		return true;
	}
	publish(s);
	return false;
}

/*
 * What the supervisor acts on, counted: checksum failures, fence requests,
 * and the first block played (the daemon's state becomes running then).
 */
static uint64_t sink_verdicts(const struct sink *s)
{
	const struct play *p = &s->play;
	uint64_t v = atomic_load_explicit(&p->st.bad_blocks, memory_order_relaxed) +
	             (atomic_load_explicit(&s->started_ns, memory_order_relaxed) != 0);

	for (uint32_t i = 0; i < s->gr->n; i++)
		v += atomic_load_explicit(&p->rep[i].fence_outvoted, memory_order_relaxed) +
		     atomic_load_explicit(&p->rep[i].fence_content, memory_order_relaxed);
	return v;
}

uint64_t sink_period(struct sink *s)
{
	if (play_next(&s->play) >= 0 &&
	    atomic_load_explicit(&s->started_ns, memory_order_relaxed) == 0)
		atomic_store_explicit(&s->started_ns, clock_now_ns(), memory_order_release);
	s->be->write(s, s->play.buf);
	publish(s);

	uint64_t now = clock_now_ns();
	atomic_store_explicit(&s->beat_ns, now, memory_order_relaxed);
	/* Awake anyway: look at the heartbeats for the supervisor (watch.h). */
	struct watch *w = atomic_load_explicit(&s->watch, memory_order_acquire);
	if (w != NULL)
		watch_check(w, now, sink_verdicts(s));
	return now;
}

/* Loop thread: publish the sink's RT state for status (cmd.c reads it). */
void sink_rt_status(const struct sink *s, struct rtprio_status *st)
{
	*st = s->mem;
	if (atomic_load_explicit(&s->rt_ready, memory_order_acquire)) {
		st->policy = s->rt.policy;
		st->priority = s->rt.priority;
		st->error = s->rt.error;
		st->rlimit = s->rt.rlimit;
	}
}

static void *sink_main(void *arg)
{
	struct sink *s = arg;
	uint64_t period = s->period_ns;

	/* Resident before the first deadline (and locked, after mlockall). */
	rtprio_touch_stack(SINK_STACK_TOUCH);
	if (s->cfg->rt_priority > 0)
		rtprio_set(sink_rt_priority(s->cfg), period, &s->rt);
	atomic_store_explicit(&s->rt_ready, 1, memory_order_release);

	/* Start the clock only once the group has rendered `lead` blocks. */
	atomic_store_explicit(&s->state, SINK_WAITING, memory_order_release);
	while (!atomic_load_explicit(&s->stop, memory_order_acquire)) {
		uint64_t now = clock_now_ns();

		if (sink_prime(s))
			break;
		clock_sleep_until_ns(now + period / 4);
	}

	uint64_t deadline = clock_now_ns() + period;
	while (!atomic_load_explicit(&s->stop, memory_order_acquire)) {
		clock_sleep_until_ns(deadline);
		uint64_t now = sink_period(s);

		uint64_t hold = atomic_exchange_explicit(&s->stall_ns, 0, memory_order_relaxed);
		if (hold != 0)
			clock_sleep_until_ns(now + hold);
		deadline += period;
		if (now + period / 2 > deadline) {
			/*
			 * We woke late (the kernel, or the host of a VM, held us).
			 * Playing the overdue blocks back to back would ask for
			 * blocks the replicas were only just woken to render: give
			 * them half a period after every wake-up. A null or wav sink
			 * has no device clock to keep up with; count the slip.
			 */
			atomic_fetch_add_explicit(&s->late, 1, memory_order_relaxed);
			/*
			 * The block just played was due at deadline - period: more
			 * than a period behind it (the whole daemon was stopped, a
			 * VM paused) and the skipped schedule is counted, in time,
			 * for the loop thread to report (super.c). Relaxed adds.
			 */
			if (now > deadline) {
				atomic_fetch_add_explicit(&s->slip_ns, now + period / 2 - deadline,
				                          memory_order_relaxed);
				atomic_fetch_add_explicit(&s->slips, 1, memory_order_relaxed);
			}
			deadline = now + period / 2;
		}
	}
	atomic_store_explicit(&s->state, SINK_STOPPED, memory_order_release);
	return NULL;
}

static const struct sink_backend *backend_of(unsigned type)
{
	switch (type) {
	case SINK_NULL: return &sink_null_backend;
	case SINK_WAV: return &sink_wav_backend;
#ifdef HAVE_JACK
	case SINK_JACK: return &sink_jack_backend;
#endif
#ifdef HAVE_ALSA
	case SINK_ALSA: return &sink_alsa_backend;
#endif
	default: return NULL;
	}
}

int sink_open(struct sink *s, struct config *cfg, char *err, size_t errlen)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->be = backend_of(cfg->sink);
	if (s->be == NULL) {
		snprintf(err, errlen, "sink type %s is not supported by this build",
		         config_sink_name(cfg->sink));
		return -ENOTSUP;
	}
	if (s->be->probe != NULL) {
		rc = s->be->probe(s, cfg, err, errlen);
		if (rc < 0) {
			s->be->close(s);
			return rc;
		}
	}
	s->opened = true;
	return 0;
}

/*
 * Pre-fault (and lock) the shared mappings the sink thread reads and writes,
 * so its steady state takes no page fault even when mlockall was refused:
 * the group segment (it writes the position and the wake word) and every
 * replica segment (it reads their rings). group_replica_restore() does it
 * again for a segment it rebuilt.
 */
static void sink_prefault_group(struct group *gr)
{
	(void)rtprio_prefault_range(gr->gseg.base, gr->gseg.size, true);
	for (uint32_t i = 0; i < gr->n; i++)
		(void)rtprio_prefault_range(gr->rseg[i].base, gr->rseg[i].size, false);
}

int sink_start(struct sink *s, struct group *gr, char *err, size_t errlen)
{
	int rc;

	s->gr = gr;
	s->period_ns = gr->period_ns;
	/*
	 * Lock first: with MCL_FUTURE everything allocated from here on (the
	 * play buffers, the backend's buffers, the sink thread's stack) is
	 * resident and locked as it is made.
	 */
	(void)rtprio_lock_process(&s->mem);
	sink_prefault_group(gr);
	(void)rtprio_dontfork(s, sizeof(*s));
	rc = play_init(&s->play, gr, s->cfg->frames, s->cfg->channels);
	if (rc < 0) {
		snprintf(err, errlen, "cannot allocate the sink buffer");
		return rc;
	}
	s->play_ready = true;
	play_set_policy(&s->play, config_vote_effective(s->cfg) ? PLAY_VOTE_MAJORITY : PLAY_VOTE_OFF,
	                s->cfg->vote_strikes, s->cfg->content_strikes, s->cfg->max_level);
	if (gr->input_channels > 0 && s->be->captures == NULL) {
		snprintf(err, errlen, "the %s sink has no live input ([stream] input_channels "
		         "needs the jack sink, or the alsa sink with capture_device)", s->be->name);
		return -ENOTSUP;
	}
	sink_input_preroll(s);
	rc = s->be->open != NULL ? s->be->open(s, err, errlen) : 0;
	if (rc < 0)
		return rc;
	if (s->be->start != NULL) {
		atomic_store_explicit(&s->state, SINK_WAITING, memory_order_release);
		rc = s->be->start(s, err, errlen);
		if (rc < 0)
			return rc;
	} else {
		/*
		 * A small stack of our own: the sink needs a few pages, not
		 * the default 8 MiB, and rtthread keeps a spawn (fork) from
		 * write-protecting the part its frames use, so a respawn costs
		 * the sink thread no page fault (sink_faults.sh counts them).
		 */
		rc = rtthread_start(&s->thread, SINK_STACK_BYTES, sink_main, s);
		if (rc < 0) {
			snprintf(err, errlen, "cannot start the sink thread: %s", strerror(-rc));
			return rc;
		}
		s->thread_started = true;
		/* Named, so tools (and tests/integration/sink_faults.sh) can find it. */
		(void)pthread_setname_np(s->thread.tid, SINK_THREAD_NAME);
	}
	return 0;
}

void sink_stop(struct sink *s)
{
	if (s->thread_started) {
		atomic_store_explicit(&s->stop, 1, memory_order_release);
		(void)rtthread_join(&s->thread);
		s->thread_started = false;
	}

	if (s->opened) {
		s->be->close(s);
		s->opened = false;
		atomic_store_explicit(&s->state, SINK_STOPPED, memory_order_release);
	}
	if (s->play_ready) {
		play_free(&s->play);
		s->play_ready = false;
	}
}

const char *sink_name(const struct sink *s)
{
	return s->be != NULL ? s->be->name : "none";
}

const char *sink_format_name(uint32_t fmt)
{
	static const char *const names[] = { "", "FLOAT_LE", "S32_LE", "S24_LE", "S24_3LE",
		                             "S16_LE" };
	return fmt < sizeof names / sizeof names[0] ? names[fmt] : "?";
}

bool sink_playing(const struct sink *s)
{
	return atomic_load_explicit(&s->started_ns, memory_order_acquire) != 0;
}
