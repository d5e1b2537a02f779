/*
 * sink_jack.c - the jack sink: rtaudiod as a client of a JACK server.
 *
 * Does: before the group exists, connect to the running JACK server (never
 * start one) and make the stream follow the server's sample rate and buffer
 * size; then register one output port per channel ("out_1".."out_N"),
 * connect them to the ports named in [sink] jack_connect, and activate. From
 * then on JACK's process callback is the group's clock: each callback plays
 * one block (sink_period) and de-interleaves it into the port buffers.
 * A link thread of ours (normal priority, sink_jack_link.c) looks after the
 * connection: if the server goes away, the shutdown callback only raises a
 * flag and wakes it, and it reconnects. The loop thread never makes a JACK
 * call after start-up: jack_client_open() blocks for as long as a hung
 * server does not answer, and the loop must keep supervising; shutdown waits
 * for the link thread JK_JOIN_NS at most.
 *
 * Does not: start a JACK server, resample or re-block (a server whose rate or
 * buffer size differs from the group's plays silence until they match again
 * or rtaudiod restarts), or log, allocate, lock or make a syscall other than
 * futex and clock calls in the process callback. libjack's own messages are
 * silenced (they would come from its threads, one a second while the server
 * is down); this file logs its own, from the loop and link threads.
 */
#include <errno.h>
#include <jack/jack.h>
#include <jack/thread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

#include "clock.h"
#include "futex.h"
#include "log.h"
#include "sink_jack_int.h"

static void jk_quiet(const char *msg)
{
	(void)msg;
}

const char *jk_server_name(void)
{
	const char *n = getenv("JACK_DEFAULT_SERVER");

	return n != NULL && n[0] != '\0' ? n : "default";
}

/* ---- JACK's threads ------------------------------------------------------ */

static void jk_silence(struct jk *j, uint32_t channels, jack_nframes_t nframes)
{
	for (uint32_t c = 0; c < channels; c++)
		if (j->out[c] != NULL)
			memset(j->out[c], 0, sizeof(float) * nframes);
}

/*
 * The process callback: JACK's real-time thread, once per server period.
 * Calls only jack_port_get_buffer, memset/loops, atomics, clock reads and
 * (through sink_prime/sink_period) play.c's ring reads and futex_wake.
 */
static int jk_process(jack_nframes_t nframes, void *arg)
{
	struct sink *s = arg;
	struct jk *j = s->priv;
	uint32_t channels = s->play.channels;

	for (uint32_t c = 0; c < channels; c++)
		j->out[c] = jack_port_get_buffer(j->port[c], nframes);
	if (nframes != s->play.frames) {
		/* The server changed its buffer size under us: the link thread reports it. */
		jk_silence(j, channels, nframes);
		atomic_store_explicit(&s->beat_ns, clock_now_ns(), memory_order_relaxed);
		return 0;
	}
	if (atomic_load_explicit(&s->state, memory_order_relaxed) != SINK_RUNNING &&
	    !sink_prime(s)) {
		jk_silence(j, channels, nframes);
		return 0;
	}
	float *in = sink_input_begin(s);
	if (in != NULL) {
		/* This cycle's capture becomes input block next + lead. */
		uint32_t ich = s->gr->input_channels;
		for (uint32_t c = 0; c < ich; c++) {
			const float *src = jack_port_get_buffer(j->iport[c], nframes);
			for (uint32_t f = 0; f < nframes; f++)
				in[(size_t)f * ich + c] = src != NULL ? src[f] : 0.0f;
		}
		sink_input_commit(s, in);
	}
	sink_period(s);  /* calls jk_write with the block */
	return 0;
}

/* Called by sink_period() inside jk_process: de-interleave into the ports. */
static void jk_write(struct sink *s, const float *buf)
{
	struct jk *j = s->priv;
	uint32_t channels = s->play.channels, frames = s->play.frames;

	for (uint32_t c = 0; c < channels; c++) {
		float *o = j->out[c];
		if (o == NULL)
			continue;
		for (uint32_t f = 0; f < frames; f++)
			o[f] = buf[(size_t)f * channels + c];
	}
}

/* The calling thread's id, for jk_notify_ended; 0 where there is none (not Linux). */
static int32_t jk_tid(void)
{
#ifdef __linux__
	return (int32_t)syscall(SYS_gettid);
#else
	return 0;
#endif
}

/*
 * Async-signal-safe by JACK's contract: copy the reason, raise the flag.
 * Called on JACK's process thread (its wait failed) or on the notification
 * thread (the server's notice, or its socket closed): the latter names that
 * thread where no port notice did (a client never activated).
 */
static void jk_shutdown(jack_status_t code, const char *reason, void *arg)
{
	struct sink *s = arg;
	struct jk *j = s->priv;
	size_t k = 0;

	(void)code;
	if (!pthread_equal(pthread_self(), jack_client_thread_id(j->client)))
		atomic_store_explicit(&j->ntid, jk_tid(), memory_order_relaxed);
	for (; reason != NULL && reason[k] != '\0' && k + 1 < sizeof(j->reason); k++)
		j->reason[k] = reason[k];
	j->reason[k] = '\0';
	atomic_store_explicit(&j->gone, 1, memory_order_release);
	atomic_fetch_add_explicit(&j->wake, 1, memory_order_release);
	futex_wake(&j->wake, 1);
}

static int jk_bufsize(jack_nframes_t nframes, void *arg)
{
	struct sink *s = arg;
	struct jk *j = s->priv;

	atomic_store_explicit(&j->server_frames, nframes, memory_order_relaxed);
	atomic_fetch_add_explicit(&j->wake, 1, memory_order_release);
	futex_wake(&j->wake, 1);
	return 0;
}

/*
 * Port registrations are notifications, so this runs on libjack's
 * notification thread, first for our own ports at activation: it names that
 * thread for jk_notify_ended. A gettid() per port event, off the audio path.
 */
static void jk_portreg(jack_port_id_t port, int registered, void *arg)
{
	struct sink *s = arg;
	struct jk *j = s->priv;

	(void)port;
	(void)registered;
	atomic_store_explicit(&j->ntid, jk_tid(), memory_order_relaxed);
}

static int jk_xrun(void *arg)
{
	struct sink *s = arg;

	atomic_fetch_add_explicit(&s->late, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->dev.xruns, 1, memory_order_relaxed);
	return 0;
}

/* ---- loop thread (start-up, shutdown) and link thread -------------------- */

int jk_client_open(struct sink *s, const char *name, char *err, size_t errlen)
{
	struct jk *j = s->priv;
	jack_status_t st = 0;

	atomic_store_explicit(&j->ntid, 0, memory_order_relaxed);  /* the new client's, once known */
	j->client = jack_client_open(name, JackNoStartServer | JackUseExactName, &st);
	if (j->client != NULL) {
		atomic_store_explicit(&j->gone, 0, memory_order_relaxed);
		j->reason[0] = '\0';
		/* Before anything else can fail: a client lost unplayed is a loss too. */
		jack_on_info_shutdown(j->client, jk_shutdown, s);
		return 0;
	}
	/* jackd2 reports a taken exact name as a server error, not JackNameNotUnique. */
	if (st & (JackNameNotUnique | JackServerError)) {
		snprintf(err, errlen, "JACK server '%s' refused client '%s' (is the name taken? "
		         "[sink] jack_client)", jk_server_name(), name);
		return -EEXIST;
	}
	if (st & JackServerFailed) {
		snprintf(err, errlen, "cannot connect to JACK server '%s' (is it running? rtaudiod "
		         "never starts one)", jk_server_name());
		return -ECONNREFUSED;
	}
	if (st & JackVersionError) {
		snprintf(err, errlen, "JACK server '%s' speaks another protocol version",
		         jk_server_name());
		return -EPROTO;
	}
	snprintf(err, errlen, "cannot open a client of JACK server '%s' (status 0x%x)",
	         jk_server_name(), (unsigned)st);
	return -EIO;
}

void jk_client_close(struct jk *j)
{
	if (j->client == NULL)
		return;
	jack_client_close(j->client);  /* deactivates: no callback after this */
	j->client = NULL;
	j->active = false;
	j->activate_logged = false;
	memset(j->port, 0, sizeof(j->port));
	memset(j->iport, 0, sizeof(j->iport));
}

/*
 * Connect out_K to the listed ports (or the listed ports to in_K, `input`):
 * the n-th name gets channel n mod channels.
 */
static void jk_connect_list(struct sink *s, const char *names, jack_port_t *const *ports,
                            uint32_t channels, bool input)
{
	struct jk *j = s->priv;
	char list[256];
	char *save = NULL;
	uint32_t n = 0;

	snprintf(list, sizeof(list), "%s", names);
	for (char *tok = strtok_r(list, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		size_t len = strlen(tok);
		while (len > 0 && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
			tok[--len] = '\0';
		if (len == 0)
			continue;
		if (channels == 0)
			break;  /* cannot happen (config: 1..8); keeps the modulo defined */
		const char *ours = jack_port_name(ports[n++ % channels]);
		const char *from = input ? tok : ours, *to = input ? ours : tok;
		int rc = jack_connect(j->client, from, to);
		if (rc == 0 || rc == EEXIST)
			log_debug("jack: %s -> %s", from, to);
		else
			log_warn("jack: cannot connect %s to %s (no such port?)", from, to);
	}
}

static void jk_connect_ports(struct sink *s)
{
	struct jk *j = s->priv;

	jk_connect_list(s, s->cfg->jack_connect, j->port, s->play.channels, false);
	jk_connect_list(s, s->cfg->jack_inputs, j->iport, s->gr->input_channels, true);
}

/* Callbacks, ports, activation, connections: at start and at each reconnect. */
int jk_activate(struct sink *s, char *err, size_t errlen)
{
	struct jk *j = s->priv;
	jack_client_t *c = j->client;

	atomic_store_explicit(&j->server_frames, jack_get_buffer_size(c), memory_order_relaxed);
	if (jack_set_process_callback(c, jk_process, s) != 0 ||
	    jack_set_buffer_size_callback(c, jk_bufsize, s) != 0 ||
	    jack_set_xrun_callback(c, jk_xrun, s) != 0 ||
	    jack_set_port_registration_callback(c, jk_portreg, s) != 0) {
		snprintf(err, errlen, "cannot set the JACK callbacks");
		return -EIO;
	}
	for (uint32_t ch = 0; ch < s->play.channels; ch++) {
		char name[16];

		if (j->port[ch] != NULL)
			continue;  /* from a failed attempt on this client: kept */
		snprintf(name, sizeof(name), "out_%u", ch + 1);
		j->port[ch] = jack_port_register(c, name, JACK_DEFAULT_AUDIO_TYPE,
		                                 JackPortIsOutput | JackPortIsTerminal, 0);
		if (j->port[ch] == NULL) {
			snprintf(err, errlen, "cannot register JACK port %s", name);
			return -EIO;
		}
	}
	for (uint32_t ch = 0; ch < s->gr->input_channels; ch++) {
		char name[16];

		if (j->iport[ch] != NULL)
			continue;
		snprintf(name, sizeof(name), "in_%u", ch + 1);
		j->iport[ch] = jack_port_register(c, name, JACK_DEFAULT_AUDIO_TYPE,
		                                  JackPortIsInput | JackPortIsTerminal, 0);
		if (j->iport[ch] == NULL) {
			snprintf(err, errlen, "cannot register JACK port %s", name);
			return -EIO;
		}
	}
	if (jack_activate(c) != 0) {
		snprintf(err, errlen, "cannot activate the JACK client");
		return -EIO;
	}
	jk_connect_ports(s);
	return 0;
}

/*
 * The replicas run below JACK's process thread where JACK's priority
 * allows it, as with the other sinks they run one below the sink thread:
 * that thread is the group's sink, and a replica its ring wakes on the
 * same CPU at a higher priority preempts the very cycle that woke it (767
 * involuntary switches a second at 64 frames, README), where one below it
 * waits for the cycle or is pushed to the other CPU. Never below
 * JK_CAP_FLOOR: under jackd's default priority (its clients at 5) the
 * replicas would sit beneath every other real-time thread of the machine
 * and starve beside them; there the log says what to change instead.
 * Changes cfg->rt_priority, as jk_probe changes the rate and block size (a
 * reload compares restart-only keys with the file, cmd.c).
 */
#define JK_CAP_FLOOR 50

static void jk_cap_replicas(struct jk *j, struct config *cfg)
{
	if (cfg->rt_priority <= 0 || !jack_is_realtime(j->client))
		return;
	int jp = jack_client_real_time_priority(j->client);
	if (jp <= 0 || jp > cfg->rt_priority)
		return;
	if (jp - 1 >= JK_CAP_FLOOR) {
		log_info("jack: replicas at SCHED_FIFO %d, one below JACK's process thread (%d; "
		         "[group] rt_priority = %d)", jp - 1, jp, cfg->rt_priority);
		cfg->rt_priority = jp - 1;
	} else {
		log_info("jack: JACK's process thread runs at SCHED_FIFO %d, not above the "
		         "replicas (%d): a replica woken on its CPU preempts the JACK cycle; with "
		         "the server's thread at %d or more the replicas run below it", jp,
		         cfg->rt_priority, JK_CAP_FLOOR + 1);
	}
}

static int jk_probe(struct sink *s, struct config *cfg, char *err, size_t errlen)
{
	/*
	 * The process callback writes j->out every period: resident, locked and
	 * not write-protected by the daemon's forks (rtprio_rt_alloc, zeroed).
	 */
	void *mem;
	struct jk *j = rtprio_rt_alloc(sizeof(*j), &mem) == 0 ? mem : NULL;
	int rc;

	if (j == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->priv = j;
	jack_set_error_function(jk_quiet);
	jack_set_info_function(jk_quiet);
	rc = jk_client_open(s, cfg->jack_client, err, errlen);
	if (rc < 0)
		return rc;

	unsigned rate = jack_get_sample_rate(j->client);
	unsigned frames = jack_get_buffer_size(j->client);
	if (frames < LAYOUT_MIN_FRAMES || frames > LAYOUT_MAX_FRAMES) {
		snprintf(err, errlen, "JACK server '%s' runs %u frames per period; rtaudiod "
		         "supports %u..%u", jk_server_name(), frames, LAYOUT_MIN_FRAMES,
		         LAYOUT_MAX_FRAMES);
		return -EINVAL;
	}
	if (rate < 8000 || rate > 384000) {
		snprintf(err, errlen, "JACK server '%s' runs at %u Hz; rtaudiod supports "
		         "8000..384000", jk_server_name(), rate);
		return -EINVAL;
	}
	if (cfg->lead >= cfg->ring_capacity) {
		snprintf(err, errlen, "lead (%u) must be less than ring_capacity (%u)", cfg->lead,
		         cfg->ring_capacity);
		return -EINVAL;
	}
	if (rate != cfg->sample_rate || frames != cfg->frames) {
		log_info("jack: following the server: %u Hz, %u frames (config said %u Hz, %u "
		         "frames)", rate, frames, cfg->sample_rate, cfg->frames);
		cfg->sample_rate = rate;
		cfg->frames = frames;
	}
	log_info("jack: client '%s' of server '%s', %u Hz, %u frames per period",
	         jack_get_client_name(j->client), jk_server_name(), rate, frames);
	jk_cap_replicas(j, cfg);
	return 0;
}

static int jk_start(struct sink *s, char *err, size_t errlen)
{
	struct jk *j = s->priv;
	int rc;

	j->frames_logged = s->play.frames;
	rc = jk_activate(s, err, errlen);
	if (rc < 0)
		return rc;
	j->active = true;
	j->active_ns = clock_now_ns();
	/* "3.0.0.0 (using PipeWire 0.3.65)": no libjack threads (sink_jack_link.c). */
	j->pipewire = strstr(jack_get_version_string(), "PipeWire") != NULL;
	/* Status and events show the server as the sink's device (report.c). */
	snprintf(s->dev.name, sizeof s->dev.name, "%s", jk_server_name());
	atomic_store_explicit(&s->dev.format, SINK_FMT_FLOAT, memory_order_relaxed);
	atomic_store_explicit(&s->dev.rate, s->cfg->sample_rate, memory_order_relaxed);
	atomic_store_explicit(&s->dev.period, s->play.frames, memory_order_relaxed);
	atomic_store_explicit(&s->dev.buffer, s->play.frames, memory_order_relaxed);
	atomic_store_explicit(&s->dev.up, 1, memory_order_relaxed);
	s->has_dev = true;
	/* The periods run on the server's thread: report its scheduling as libjack knows it. */
	if (jack_is_realtime(j->client)) {
		s->rt.policy = RTPRIO_FIFO;
		s->rt.priority = jack_client_real_time_priority(j->client);
	}
	atomic_store_explicit(&s->rt_ready, 1, memory_order_release);
	rc = -pthread_create(&j->link, NULL, jk_link, s);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start the jack link thread: %s", strerror(-rc));
		return rc;
	}
	j->link_started = true;
	return 0;
}

static void jk_close(struct sink *s)
{
	struct jk *j = s->priv;

	if (j == NULL)
		return;
	if (j->link_started) {
		atomic_store_explicit(&j->stop, 1, memory_order_release);
		atomic_fetch_add_explicit(&j->wake, 1, memory_order_release);
		futex_wake(&j->wake, 1);
		j->link_started = false;
		if (!jk_link_exited(j)) {
			/*
			 * Stuck in libjack (an open or the close). The thread owns j
			 * and its client from here on, and touches nothing else once
			 * `stop` is set: both are left to the process's exit.
			 */
			log_warn("jack: server '%s' does not answer (hung?); shutting down without "
			         "waiting for it", jk_server_name());
			(void)pthread_detach(j->link);
			s->priv = NULL;
			return;
		}
		pthread_join(j->link, NULL);
	}
	jk_client_close(j);  /* start-up failed before the link thread took it over */
	rtprio_rt_free(j, sizeof(*j));
	s->priv = NULL;
}

const struct sink_backend sink_jack_backend = {
	.name = "jack",
	.probe = jk_probe,
	.write = jk_write,
	.start = jk_start,
	.close = jk_close,
	.captures = "JACK ports in_1..N",
};
