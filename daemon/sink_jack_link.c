/*
 * sink_jack_link.c - the jack sink's link thread: looks after the connection
 * to the JACK server once the group plays (normal priority, never the audio
 * path).
 *
 * Does: on the shutdown callback's flag, or (PipeWire's libjack) a played
 * client's process callback silent for JK_SILENT_NS, log the loss and
 * close the dead client once libjack has let go of it (jk_notify_ended);
 * retry every second until a server is back; once it runs the group's
 * rate and buffer size (at once, or later: the client stays open,
 * unplayed, meanwhile), register, activate and connect again (the group's
 * sequence carries on where it stopped); publish the server's state as the
 * sink's device (sink.device: up, losses, reopens; report.c makes the
 * events); report the server's buffer-size changes; close the client at
 * shutdown, which may hang in libjack (jk_link_exited bounds the wait).
 *
 * Does not: touch the process callback's state (sink_jack.c), make a JACK
 * call from the loop thread, or play into a server whose rate or buffer
 * size differs from the group's.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

#include "clock.h"
#include "futex.h"
#include "log.h"
#include "sink_jack_int.h"

#define JK_RETRY_NS (1000 * NSEC_PER_MSEC)  /* reconnect attempts */
#define JK_DOWN_TICK_NS (100 * NSEC_PER_MSEC)
#define JK_UP_TICK_NS (1000 * NSEC_PER_MSEC)
#define JK_UP_TICK_PW_NS (250 * NSEC_PER_MSEC)  /* JK_SILENT_NS is seen within this */
/*
 * How long shutdown waits for the link thread. It may be inside
 * jack_client_open() against a server that accepted the connection and
 * then hung: libjack does not bound that wait, and a daemon that ignores
 * SIGTERM for as long gets SIGKILLed by its service manager instead.
 */
#define JK_JOIN_NS (2000 * NSEC_PER_MSEC)
/*
 * How long a lost client is left open for libjack's notification thread to
 * end (jk_notify_ended), checked every JK_QUIET_TICK_NS; at shutdown, the shorter
 * JK_QUIET_STOP_NS, inside JK_JOIN_NS.
 */
#define JK_QUIET_NS (3000 * NSEC_PER_MSEC)
#define JK_QUIET_STOP_NS (1000 * NSEC_PER_MSEC)
#define JK_QUIET_TICK_NS (10 * NSEC_PER_MSEC)
/*
 * Under PipeWire's libjack, a client played into whose process callback
 * has not run for this long has lost its server: that libjack (0.3.65)
 * calls no shutdown callback when the server goes. Eight periods at the
 * longest the sink accepts (1024 frames at 8 kHz); the ALSA sink's bound
 * is 500 ms of no progress. Not under JACK's own libjack, which says when
 * its server goes: a silent jackd is a hung one, and closing a client of
 * a server that may come back races libjack's notification thread.
 */
#define JK_SILENT_NS (1000 * NSEC_PER_MSEC)

/* The server as the sink's device: played into or not (status, `sink` events). */
static void jk_dev_up(struct sink *s, bool up)
{
	atomic_store_explicit(&s->dev.up, up, memory_order_relaxed);
	atomic_fetch_add_explicit(up ? &s->dev.reopens : &s->dev.losses, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->dev.changes, 1, memory_order_release);
}

/*
 * Play into the open client if its server runs the group's rate and buffer
 * size and the client activates, else say so (once per size, once per
 * failure) and leave it open and inactive, looked at again every
 * JK_RETRY_NS: the server may change its size back or free a port (its
 * port-max reached), closing a live client races libjack's notification
 * thread (jk_notify_ended), and a client that came and went every second
 * would flicker in every JACK patchbay.
 */
static void jk_try_play(struct sink *s, uint64_t now)
{
	struct jk *j = s->priv;
	char err[256];
	unsigned rate = jack_get_sample_rate(j->client);
	unsigned frames = jack_get_buffer_size(j->client);

	if (rate != s->cfg->sample_rate || frames != s->play.frames) {
		if (rate != j->bad_rate_logged || frames != j->bad_frames_logged)
			log_error("jack: server '%s' is back at %u Hz, %u frames, but the group runs "
			          "at %u Hz, %u frames: not playing into it until it runs those (or "
			          "rtaudiod restarts to follow it)", jk_server_name(), rate, frames,
			          s->cfg->sample_rate, s->play.frames);
		j->bad_rate_logged = rate;
		j->bad_frames_logged = frames;
		return;
	}
	uint64_t resume = group_position(s->gr);
	if (jk_activate(s, err, sizeof(err)) < 0) {
		/* Kept open, as above: tried again every JK_RETRY_NS (a port freed). */
		if (!j->activate_logged)
			log_warn("jack: %s on server '%s'; keeping the client and trying again "
			         "every second", err, jk_server_name());
		j->activate_logged = true;
		return;
	}
	j->active = true;
	j->active_ns = now;
	jk_dev_up(s, true);
	j->bad_rate_logged = j->bad_frames_logged = 0;
	j->activate_logged = false;
	j->frames_logged = frames;
	log_info("jack: reconnected to server '%s' after %.1f s; audio resumed at block %llu",
	         jk_server_name(), (double)(now - j->down_ns) / 1e9, (unsigned long long)resume);
}

/* One reconnect attempt: a client of the same name, then jk_try_play. */
static void jk_reconnect(struct sink *s, uint64_t now)
{
	struct jk *j = s->priv;
	char err[256];

	if (jk_client_open(s, s->cfg->jack_client, err, sizeof(err)) < 0) {
		log_debug("jack: %s", err);
		return;
	}
	/* Shutdown may have given up waiting for this open (jk_close): touch nothing but j. */
	if (atomic_load_explicit(&j->stop, memory_order_acquire))
		return;
	jk_try_play(s, now);
}

/* A server that changed its buffer size plays silence (jk_process): say so. */
static void jk_check_frames(struct sink *s)
{
	struct jk *j = s->priv;
	uint32_t frames = atomic_load_explicit(&j->server_frames, memory_order_relaxed);

	if (frames == 0 || frames == j->frames_logged)
		return;
	if (frames != s->play.frames)
		log_error("jack: the server now runs %u frames per period, the group %u: playing "
		          "silence until it changes back (or restart rtaudiod)", frames,
		          s->play.frames);
	else
		log_info("jack: the server is back to %u frames per period; playing", frames);
	j->frames_logged = frames;
}

/*
 * True once libjack's notification thread of the lost client has ended.
 * jack_client_close() cancels that thread (pthread_cancel, asynchronous) and
 * then takes a global libjack mutex the thread holds while it handles a
 * client's arrival or departure; a server stopping sends such notices
 * (its own driver clients leave) just after the shutdown one that woke us,
 * and a thread cancelled in the middle of one leaves that mutex locked: the
 * close then blocks for ever, and every later jack_client_open() with it
 * (seen in about 1 of 10 runs of jack_sink.sh). The thread ends by itself
 * when the server closes its socket; until then the client stays open.
 * Unknown thread (no port notice yet, or not Linux): false, and the caller
 * closes at its bound.
 */
static bool jk_notify_ended(struct jk *j)
{
	if (j->pipewire)
		return true;  /* its callbacks run on PipeWire's own loop: no such race */
#ifdef __linux__
	int32_t tid = atomic_load_explicit(&j->ntid, memory_order_relaxed);

	return tid > 0 && syscall(SYS_tgkill, (long)getpid(), (long)tid, 0L) < 0 && errno == ESRCH;
#else
	(void)j;
	return false;
#endif
}

/* Close the lost client once it is quiet, or at `by` in any case. */
static bool jk_close_lost(struct jk *j, uint64_t now, uint64_t by)
{
	bool quiet = jk_notify_ended(j);

	if (!quiet && now < by)
		return false;
	if (quiet)
		log_debug("jack: libjack let go of the lost client after %.1f ms; closing it",
		          (double)(now - j->lost_ns) / 1e6);
	else
		log_debug("jack: libjack's notification thread still runs %.1f s after the loss; "
		          "closing the client anyway", (double)(now - j->lost_ns) / 1e9);
	jk_client_close(j);
	j->closing = false;
	return true;
}

/* PipeWire's, played into, and no cycle (jk_process's beat) for JK_SILENT_NS. */
static bool jk_silent(struct sink *s, uint64_t now)
{
	struct jk *j = s->priv;
	uint64_t beat = atomic_load_explicit(&s->beat_ns, memory_order_relaxed);

	if (!j->active || !j->pipewire)
		return false;
	if (beat < j->active_ns)
		beat = j->active_ns;
	return now > beat && now - beat > JK_SILENT_NS;
}

/* The link thread: notice the server going, reconnect, report size changes. */
void *jk_link(void *arg)
{
	struct sink *s = arg;
	struct jk *j = s->priv;

	while (!atomic_load_explicit(&j->stop, memory_order_acquire)) {
		uint32_t seen = atomic_load_explicit(&j->wake, memory_order_acquire);
		uint64_t now = clock_now_ns();

		bool said = atomic_load_explicit(&j->gone, memory_order_acquire);
		if (j->client != NULL && !j->closing && (said || jk_silent(s, now))) {
			const char *why = !said ? "no process cycle for a second, and no word"
			                  : j->reason[0] != '\0' ? j->reason : "no reason given";

			if (j->active) {
				log_warn("jack: server '%s' went away (%s); audio stopped at block %llu, "
				         "replicas keep running; reconnecting every second",
				         jk_server_name(), why, (unsigned long long)group_position(s->gr));
				j->down_ns = now;
				jk_dev_up(s, false);
			} else {
				log_info("jack: server '%s' went away (%s), not played into", jk_server_name(),
				         why);
			}
			j->closing = true;
			j->lost_ns = now;
			j->close_by = now + JK_QUIET_NS;
			j->retry_ns = now + JK_RETRY_NS;
		}
		if (j->closing)
			(void)jk_close_lost(j, now, j->close_by);
		/* Waiting for the server, or for libjack, is not a stuck sink (notify.c's WATCHDOG). */
		if (!j->active || j->closing)
			atomic_store_explicit(&s->beat_ns, now, memory_order_relaxed);
		if (j->active && !j->closing) {
			jk_check_frames(s);
		} else if (!j->closing && now >= j->retry_ns) {
			j->retry_ns = now + JK_RETRY_NS;
			if (j->client == NULL)
				jk_reconnect(s, now);
			else
				jk_try_play(s, now);
		}
		futex_wait(&j->wake, seen, j->closing ? JK_QUIET_TICK_NS :
		           !j->active ? JK_DOWN_TICK_NS : j->pipewire ? JK_UP_TICK_PW_NS : JK_UP_TICK_NS);
	}
	/* Closing talks to the server too, which may hang: here, not in the loop. */
	if (j->client != NULL && atomic_load_explicit(&j->gone, memory_order_acquire)) {
		uint64_t by = clock_now_ns() + JK_QUIET_STOP_NS;

		if (!j->closing)
			j->lost_ns = clock_now_ns();
		while (!jk_close_lost(j, clock_now_ns(), by))
			(void)clock_sleep_until_ns(clock_now_ns() + JK_QUIET_TICK_NS);
	}
	jk_client_close(j);
	atomic_store_explicit(&j->exited, 1, memory_order_release);
	futex_wake(&j->exited, 1);
	return NULL;
}

/* Contract: sink_jack_int.h. */
bool jk_link_exited(struct jk *j)
{
	uint64_t end = clock_now_ns() + JK_JOIN_NS;

	while (atomic_load_explicit(&j->exited, memory_order_acquire) == 0) {
		uint64_t now = clock_now_ns();
		if (now >= end)
			return false;
		(void)futex_wait(&j->exited, 0, (int64_t)(end - now));
	}
	return true;
}
