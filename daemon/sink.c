/*
 * sink.c - the real-time sink thread: pace, play, publish, wake.
 *
 * Does: wait for the group's first audio, then once per period (absolute
 * deadlines on CLOCK_MONOTONIC): play block `next`, give it to the backend,
 * publish position = next and wake the replicas. Does not: allocate, lock,
 * log or make any syscall but clock and futex calls inside the loop.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "futex.h"
#include "sink.h"

static void publish(struct sink *s)
{
	struct group_seg *g = s->gr->g;

	atomic_store_explicit(&g->position, s->play.next, memory_order_release);
	atomic_fetch_add_explicit(&g->wake, 1, memory_order_release);
	futex_wake(&g->wake, -1);
}

static void *sink_main(void *arg)
{
	struct sink *s = arg;
	uint64_t period = s->period_ns;
	uint32_t lead = s->gr->lead;

	if (s->cfg->rt_priority > 0)
		rtprio_set(s->cfg->rt_priority, period, &s->rt);

	/* Start the clock only once the group has rendered `lead` blocks. */
	atomic_store_explicit(&s->state, SINK_WAITING, memory_order_release);
	while (!atomic_load_explicit(&s->stop, memory_order_acquire)) {
		uint64_t now = clock_now_ns();

		atomic_store_explicit(&s->beat_ns, now, memory_order_relaxed);
		if (play_peek(&s->play, lead - 1))
			break;
		publish(s);
		clock_sleep_until_ns(now + period / 4);
	}
	atomic_store_explicit(&s->state, SINK_RUNNING, memory_order_release);

	uint64_t deadline = clock_now_ns() + period;
	while (!atomic_load_explicit(&s->stop, memory_order_acquire)) {
		clock_sleep_until_ns(deadline);
		if (play_next(&s->play) >= 0 &&
		    atomic_load_explicit(&s->started_ns, memory_order_relaxed) == 0)
			atomic_store_explicit(&s->started_ns, clock_now_ns(), memory_order_release);
		s->be->write(s, s->play.buf);
		publish(s);

		uint64_t now = clock_now_ns();
		atomic_store_explicit(&s->beat_ns, now, memory_order_relaxed);
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
			deadline = now + period / 2;
		}
	}
	atomic_store_explicit(&s->state, SINK_STOPPED, memory_order_release);
	return NULL;
}

int sink_start(struct sink *s, struct group *gr, const struct config *cfg, char *err,
               size_t errlen)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->gr = gr;
	s->period_ns = gr->period_ns;
	switch (cfg->sink) {
	case SINK_NULL: s->be = &sink_null_backend; break;
	case SINK_WAV: s->be = &sink_wav_backend; break;
	default:
		snprintf(err, errlen, "sink type %s is not supported by this build",
		         config_sink_name(cfg->sink));
		return -ENOTSUP;
	}
	rc = play_init(&s->play, gr, cfg->frames, cfg->channels);
	if (rc < 0) {
		snprintf(err, errlen, "cannot allocate the sink buffer");
		return rc;
	}
	rc = s->be->open(s, err, errlen);
	if (rc < 0) {
		play_free(&s->play);
		return rc;
	}
	rc = -pthread_create(&s->thread, NULL, sink_main, s);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start the sink thread: %s", strerror(-rc));
		s->be->close(s);
		play_free(&s->play);
		return rc;
	}
	s->thread_started = true;
	return 0;
}

void sink_stop(struct sink *s)
{
	if (!s->thread_started)
		return;
	atomic_store_explicit(&s->stop, 1, memory_order_release);
	pthread_join(s->thread, NULL);
	s->thread_started = false;
	s->be->close(s);
	play_free(&s->play);
}

const char *sink_name(const struct sink *s)
{
	return s->be != NULL ? s->be->name : "none";
}

bool sink_playing(const struct sink *s)
{
	return atomic_load_explicit(&s->started_ns, memory_order_acquire) != 0;
}
