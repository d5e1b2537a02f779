/*
 * notify.c - sd_notify READY, STATUS, WATCHDOG and STOPPING.
 *
 * Does: one uv_timer (100 ms, or half the watchdog interval if shorter)
 * checking readiness, the status line and both liveness conditions.
 * A stuck sink thread stops the WATCHDOG pings, so systemd restarts us.
 * Does not: anything when built without libsystemd or run outside systemd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"

#ifdef HAVE_SYSTEMD
/* The sink beats every period; a second without one is a stuck sink. */
#define SINK_STUCK_NS NSEC_PER_SEC

static void on_notify(uv_timer_t *t)
{
	struct daemon *d = t->data;
	const struct play_stats *st = &d->sink.play.st;
	uint64_t now = clock_now_ns();
	char status[sizeof(d->notify_status)];

	if (!d->notify_ready && super_ready(&d->sup)) {
		d->notify_ready = true;
		sd_notify(0, "READY=1");
		log_info("ready: the primary's audio reaches the sink");
	}
	snprintf(status, sizeof(status), "STATUS=%s, primary %d, failovers %llu, underruns %llu",
	         fsm_dstate_name(super_state(&d->sup)), super_primary(&d->sup),
	         (unsigned long long)d->sup.fo.count,
	         (unsigned long long)atomic_load_explicit(&st->underruns, memory_order_relaxed));
	if (strcmp(status, d->notify_status) != 0) {
		memcpy(d->notify_status, status, sizeof(status));
		sd_notify(0, status);
	}
	if (d->notify_watchdog_ns != 0) {
		uint64_t beat = atomic_load_explicit(&d->sink.beat_ns, memory_order_relaxed);
		if (beat != 0 && now - beat < SINK_STUCK_NS)
			sd_notify(0, "WATCHDOG=1");
	}
}

void notify_start(struct daemon *d)
{
	uint64_t usec = 0;
	uint64_t every = 100;

	if (getenv("NOTIFY_SOCKET") == NULL)
		return;
	if (sd_watchdog_enabled(0, &usec) > 0) {
		d->notify_watchdog_ns = usec * NSEC_PER_USEC;
		if (usec / 2000 < every)
			every = usec / 2000 > 0 ? usec / 2000 : 1;
	}
	uv_timer_init(&d->loop, &d->notify_timer);
	d->notify_timer.data = d;
	d->notify_active = true;
	uv_timer_start(&d->notify_timer, on_notify, 0, every);
}

void notify_stopping(struct daemon *d)
{
	if (d->notify_active)
		sd_notify(0, "STOPPING=1");
}

void notify_close(struct daemon *d)
{
	if (!d->notify_active)
		return;
	d->notify_active = false;
	uv_close((uv_handle_t *)&d->notify_timer, NULL);
}
#else
void notify_start(struct daemon *d) { (void)d; }
void notify_stopping(struct daemon *d) { (void)d; }
void notify_close(struct daemon *d) { (void)d; }
#endif
