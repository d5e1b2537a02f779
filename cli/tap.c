/*
 * tap.c - rtaudioctl record and meter: follow the group's audio read-only.
 *
 * What it does: opens a tap (lib/client.h: the daemon checks our
 * credentials and passes read-only descriptors of the segments). A follower
 * thread, real-time if the system allows it (SCHED_FIFO at a low priority,
 * under the daemon's audio threads), reads block after block from the sink's position on
 * with rta_client_follow(), which takes each block from the primary's ring or,
 * across a failover, from any replica's, and copies it into a private ring
 * of a few seconds (ring.h). The main thread drains that ring: `record`
 * into a float32 WAV file (libsndfile), `meter` into peak and RMS levels per
 * channel. The group's rings hold a block only for about ring_capacity
 * periods, so the follower does nothing that can block (no I/O); a disk or
 * a terminal that stalls delays only the main thread, by up to the private
 * ring's length.
 *
 * What it does not do: write to the segments or send the daemon anything
 * but `tap` (the sink cannot notice a tap), or check arguments (proto.c's
 * check_record/check_meter did). A block that is gone when we get to it (we
 * fell a ring behind, or the sink played silence there) is counted as
 * missed; record writes silence in its place so the file keeps the timing.
 */
#include <err.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>
#include <sndfile.h>

#include <rtaudio/client.h>
#include "conn.h"
#include "errtext.h"
#include "futex.h"
#include "ring.h"
#include "rtprio.h"
#include "tap.h"

#define TAP_STALL_NS (3 * 1000000000ll)  /* no block for this long: the daemon stopped */
#define TAP_POLL_NS  (100 * 1000000ll)   /* how often waits look at the stop flags */
#define TAP_BUFFER_NS (4 * 1000000000ull) /* the private ring: seconds of audio */
#define TAP_RT_PRIORITY 5                 /* SCHED_FIFO, below any audio thread */
#define TAP_MAX_CH 8

static volatile sig_atomic_t tap_stop;

static void tap_on_signal(int sig)
{
	(void)sig;
	tap_stop = 1;
}

/* Without SA_RESTART, so a futex wait returns EINTR at once. */
static void tap_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tap_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* The daemon's reason from a refusal line, or NULL. Caller json_decref()s *root. */
static const char *tap_reason(const char *reply, json_t **root)
{
	*root = reply[0] != '\0' ? json_loads(reply, 0, NULL) : NULL;
	return json_string_value(json_object_get(*root, "error"));
}

/* rta_client_open's error as a message and an exit status (-j: the refusal too). */
static int tap_open_failed(int rc, const char *path, const char *reply, bool json)
{
	json_t *root;
	const char *why = tap_reason(reply, &root);
	int ex;

	if (why != NULL) {  /* the daemon answered: it refused */
		if (json)
			printf("%s\n", reply);
		warnx("%s", why);
		ex = proto_error_exit(json_string_value(json_object_get(root, "code")));
	} else if (rc == -EPROTO || rc == -EINVAL) {
		warnx("%s: unexpected tap reply or segments (%s)", path, strerror(-rc));
		ex = EX_SOFTWARE;
	} else if (rc == -ETIMEDOUT) {
		warnx("no reply from the daemon on %s within %d s", path, RTA_CLIENT_TIMEOUT_MS / 1000);
		ex = EX_UNAVAILABLE;
	} else if (rc == -ECONNRESET) {
		warnx("%s closed the connection without a reply", path);
		ex = EX_UNAVAILABLE;
	} else {
		warnx("cannot tap %s: %s", path, strerror(-rc));
		ex = conn_exit_code(rc);
	}
	json_decref(root);
	return ex;
}

/* A follow error that ends the command: message and exit status. */
static int tap_follow_failed(int rc)
{
	if (rc == -ETIMEDOUT) {
		warnx("no audio from the daemon for %lld s; stopping",
		      (long long)(TAP_STALL_NS / 1000000000LL));
		return EX_UNAVAILABLE;
	}
	if (rc == -ESHUTDOWN) {
		warnx("the daemon is shutting the group down; stopping");
		return EX_UNAVAILABLE;
	}
	warnx("cannot read the group's audio: %s", strerror(-rc));
	return EX_SOFTWARE;
}

/*
 * The follower: one thread that keeps up with the group's rings, and the
 * private ring it fills. Block s of the group goes to slot s of the private
 * ring; a block the follower missed is skipped there, so the consumer sees
 * -ENODATA for it, as for one it was too slow to take in time.
 */
struct tap_follow {
	struct rta_client *c;
	const struct rta_client_info *in;
	uint32_t bytes;             /* of one block */
	struct ring ring;
	void *mem;
	float *tmp;                 /* the follower's copy of the current block */
	pthread_t thread;
	struct rtprio_status rt;    /* what the follower got */
	_Atomic uint32_t wake;      /* bumped after each block */
	_Atomic uint64_t next;      /* the follower's next sequence number */
	_Atomic int stop;
	_Atomic int error;          /* the follower's fatal -errno, or 0 */
};

static void tap_follow_publish(struct tap_follow *f, uint64_t next)
{
	atomic_store_explicit(&f->next, next, memory_order_release);
	atomic_fetch_add_explicit(&f->wake, 1, memory_order_release);
	futex_wake(&f->wake, -1);
}

static void *tap_follow_main(void *arg)
{
	struct tap_follow *f = arg;
	uint64_t seq = atomic_load_explicit(&f->next, memory_order_relaxed);
	int64_t stalled = 0;

	/* Best effort: without the right to, the follower runs as a normal thread. */
	(void)rtprio_set(TAP_RT_PRIORITY, f->in->period_ns, &f->rt);
	while (!atomic_load_explicit(&f->stop, memory_order_acquire)) {
		int rc = rta_client_follow(f->c, seq, f->tmp, f->in->block_samples, TAP_POLL_NS);

		if (rc == -ETIMEDOUT) {
			/* Short waits, so that the stop flag is seen; give up after a long stall. */
			stalled += TAP_POLL_NS;
			if (stalled < TAP_STALL_NS)
				continue;
		}
		if (rc == -EINTR)
			continue;
		if (rc < 0 && rc != -ENODATA) {
			atomic_store_explicit(&f->error, rc, memory_order_release);
			break;
		}
		stalled = 0;
		if (rc >= 0) {
			void *p = ring_write_begin(&f->ring, seq);
			if (p != NULL) {
				memcpy(p, f->tmp, f->bytes);
				ring_write_commit(&f->ring, seq, f->bytes, 0);
			}
		}
		tap_follow_publish(f, ++seq);
	}
	tap_follow_publish(f, seq);
	return NULL;
}

/* Start following from the sink's position. Exits on a lack of memory. */
static void tap_follow_start(struct tap_follow *f, struct rta_client *c)
{
	sigset_t all, old;
	uint32_t cap = 2;

	memset(f, 0, sizeof(*f));
	f->c = c;
	f->in = rta_client_info(c);
	f->bytes = (uint32_t)(f->in->block_samples * sizeof(float));
	while (cap < RING_MAX_CAPACITY && (uint64_t)cap * f->in->period_ns < TAP_BUFFER_NS)
		cap *= 2;
	size_t len = ring_bytes(cap, f->bytes);
	if (len == 0 || posix_memalign(&f->mem, RING_ALIGN, len) != 0 ||
	    ring_init(&f->ring, f->mem, len, cap, f->bytes) < 0 ||
	    (f->tmp = malloc(f->bytes)) == NULL)
		errx(EX_OSERR, "cannot allocate the tap's buffer");
	atomic_store_explicit(&f->next, rta_client_position(c), memory_order_relaxed);
	/* SIGINT and SIGTERM go to the main thread, which ends the command. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&f->thread, NULL, tap_follow_main, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		errx(EX_OSERR, "cannot start the tap's thread: %s", strerror(rc));
}

static void tap_follow_stop(struct tap_follow *f)
{
	atomic_store_explicit(&f->stop, 1, memory_order_release);
	pthread_join(f->thread, NULL);
	free(f->tmp);
	free(f->mem);
}

/*
 * Consumer: block `seq` into buf. Returns 0, -ENODATA (missed: by the
 * follower, or by us when the follower lapped us), -EINTR when a signal
 * asked us to stop, or the follower's fatal error once the blocks it got
 * are used up.
 */
static int tap_next(struct tap_follow *f, uint64_t seq, float *buf)
{
	for (;;) {
		uint32_t w = atomic_load_explicit(&f->wake, memory_order_acquire);

		if (tap_stop)
			return -EINTR;
		if (seq < atomic_load_explicit(&f->next, memory_order_acquire))
			return ring_read_seq(&f->ring, seq, buf, f->bytes, NULL, NULL) == 0 ? 0
			                                                                  : -ENODATA;
		int err = atomic_load_explicit(&f->error, memory_order_acquire);
		if (err != 0)
			return err;
		futex_wait(&f->wake, w, TAP_POLL_NS);
	}
}

/* One JSON line on stdout (levels to 0.01 dB need no 17 digits); frees o. */
static void tap_print_json(json_t *o)
{
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;

	if (s != NULL)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

/* Where the words of record/meter are: parsed, checked by proto_parse. */
static double tap_opt(const struct proto_req *req, const char *opt, double dflt)
{
	for (int i = 0; i + 1 < req->argc; i++)
		if (strcmp(req->argv[i], opt) == 0)
			dflt = strtod(req->argv[++i], NULL);
	return dflt;
}

static const char *tap_file(const struct proto_req *req)
{
	for (int i = 0; i < req->argc; i++) {
		if (req->argv[i][0] == '-')
			i++; /* an option and its value */
		else
			return req->argv[i];
	}
	return NULL;
}

static int tap_record(struct rta_client *c, const struct proto_req *req, bool json)
{
	const struct rta_client_info *in = rta_client_info(c);
	const char *file = tap_file(req);
	double seconds = tap_opt(req, "-d", 0);
	SF_INFO sfi = { .samplerate = (int)in->sample_rate, .channels = (int)in->channels,
	                .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	uint64_t want = seconds > 0 ? (uint64_t)llround(seconds * in->sample_rate) : UINT64_MAX;
	uint64_t frames = 0, blocks = 0, missed = 0;
	struct tap_follow f;
	char rtbuf[96];
	int ex = 0;

	float *buf = malloc(in->block_samples * sizeof(float));
	if (buf == NULL)
		err(EX_OSERR, "malloc");
	SNDFILE *sf = sf_open(file, SFM_WRITE, &sfi);
	if (sf == NULL) {
		char why[160];
		warnx("%s: %s", file, errtext_sndfile(sf_strerror(NULL), why, sizeof why));
		free(buf);
		return EX_CANTCREAT;
	}
	/* A valid file at every moment, even if we are killed. */
	sf_command(sf, SFC_SET_UPDATE_HEADER_AUTO, NULL, SF_TRUE);

	tap_follow_start(&f, c);
	uint64_t first = atomic_load_explicit(&f.next, memory_order_relaxed), seq = first;
	while (frames < want) {
		int rc = tap_next(&f, seq, buf);
		if (rc == -EINTR)
			break;
		if (rc == -ENODATA) {  /* keep the timing: silence in its place */
			memset(buf, 0, in->block_samples * sizeof(float));
			missed++;
		} else if (rc < 0) {
			ex = tap_follow_failed(rc);
			break;
		} else {
			blocks++;
		}
		seq++;
		uint64_t n = in->frames;
		if (n > want - frames)
			n = want - frames; /* -d: exactly that many frames */
		if (sf_writef_float(sf, buf, (sf_count_t)n) != (sf_count_t)n) {
			char why[160];
			warnx("%s: %s", file, errtext_sndfile(sf_strerror(sf), why, sizeof why));
			ex = EX_IOERR;
			break;
		}
		frames += n;
	}
	tap_follow_stop(&f);
	int crc = sf_close(sf);
	free(buf);
	if (crc != 0 && ex == 0) {
		warnx("%s: %s", file, sf_error_number(crc));
		ex = EX_IOERR;
	}
	double secs = (double)frames / in->sample_rate;
	rtprio_describe(&f.rt, rtbuf, sizeof rtbuf);
	if (json) {
		json_t *o = json_pack("{s:b, s:s, s:I, s:I, s:I, s:f, s:I, s:i, s:i, s:s}",
		                      "ok", ex == 0, "file", file, "blocks", (json_int_t)blocks,
		                      "missed", (json_int_t)missed, "frames", (json_int_t)frames,
		                      "seconds", secs, "first_seq", (json_int_t)first,
		                      "sample_rate", (int)in->sample_rate,
		                      "channels", (int)in->channels, "rt", rtbuf);
		tap_print_json(o);
	} else {
		printf("recorded %.2f s (%llu blocks from block %llu, %u Hz, %u ch) to %s; "
		       "missed %llu blocks\n", secs, (unsigned long long)blocks,
		       (unsigned long long)first, in->sample_rate, in->channels, file,
		       (unsigned long long)missed);
		if (missed > 0)
			warnx("the tap fell behind (its thread: rt %s); a larger [stream] "
			      "ring_capacity gives taps more time", rtbuf);
	}
	return ex;
}

/* Levels of one channel over a window. */
struct tap_level {
	float peak;
	double sum2;
};

static double tap_db(double v)
{
	return v > 0 ? 20.0 * log10(v) : -INFINITY;
}

static json_t *tap_db_json(double db)
{
	return isfinite(db) ? json_real(round(db * 100) / 100) : json_null();
}

static void tap_meter_print(const struct rta_client_info *in, const struct tap_level *lv,
                            uint64_t n, uint64_t seq, uint64_t missed, bool json, bool tty)
{
	if (json) {
		json_t *pk = json_array(), *rms = json_array();
		for (uint32_t ch = 0; ch < in->channels; ch++) {
			json_array_append_new(pk, tap_db_json(tap_db(lv[ch].peak)));
			json_array_append_new(rms, tap_db_json(n ? tap_db(sqrt(lv[ch].sum2 / (double)n))
			                                         : -INFINITY));
		}
		json_t *o = json_pack("{s:I, s:I, s:I, s:o, s:o}", "seq", (json_int_t)seq, "frames",
		                      (json_int_t)(n), "missed", (json_int_t)missed,
		                      "peak_dbfs", pk, "rms_dbfs", rms);
		tap_print_json(o);
		return;
	}
	printf("%sdBFS peak/rms", tty ? "\r" : "");
	for (uint32_t ch = 0; ch < in->channels; ch++) {
		double p = tap_db(lv[ch].peak);
		double r = n ? tap_db(sqrt(lv[ch].sum2 / (double)n)) : -INFINITY;
		printf("  %u: %.2f/%.2f", ch + 1, p, r);
	}
	if (missed > 0)
		printf("  missed %llu", (unsigned long long)missed);
	printf(tty ? "\033[K" : "\n");
}

static int tap_meter(struct rta_client *c, const struct proto_req *req, bool json)
{
	const struct rta_client_info *in = rta_client_info(c);
	bool tty = !json && isatty(STDOUT_FILENO);
	double count = tap_opt(req, "-n", 0);  /* 0: until interrupted */
	double ms = tap_opt(req, "-i", tty ? 100 : 1000);
	uint64_t per = (uint64_t)llround(ms * 1e6 / (double)in->period_ns);
	struct tap_follow f;
	int ex = 0;

	if (per == 0)
		per = 1;
	float *buf = calloc(in->block_samples, sizeof(float));
	if (buf == NULL)
		err(EX_OSERR, "calloc");
	tap_follow_start(&f, c);
	uint64_t seq = atomic_load_explicit(&f.next, memory_order_relaxed);
	uint64_t windows = (uint64_t)count;  /* a whole number, checked by the command table */
	for (uint64_t k = 0; (windows == 0 || k < windows) && ex == 0; k++) {
		struct tap_level lv[TAP_MAX_CH] = { { 0, 0 } };
		uint64_t frames = 0, missed = 0, b = 0;
		int rc = 0;

		for (; b < per; b++, seq++) {
			rc = tap_next(&f, seq, buf);
			if (rc == -ENODATA) {
				missed++;
				continue;
			}
			if (rc < 0)
				break;
			for (uint32_t fr = 0; fr < in->frames; fr++)
				for (uint32_t ch = 0; ch < in->channels && ch < TAP_MAX_CH; ch++) {
					float v = fabsf(buf[fr * in->channels + ch]);
					if (v > lv[ch].peak)
						lv[ch].peak = v;
					lv[ch].sum2 += (double)v * v;
				}
			frames += in->frames;
		}
		if (rc == -EINTR)
			break;
		if (rc < 0 && rc != -ENODATA) {
			ex = tap_follow_failed(rc);
			break;
		}
		tap_meter_print(in, lv, frames, seq, missed, json, tty);
		if (fflush(stdout) != 0)
			ex = EX_IOERR;
	}
	tap_follow_stop(&f);
	if (tty)
		printf("\n");
	free(buf);
	return ex;
}

int tap_run(const char *path, const struct proto_req *req, bool json)
{
	char reply[1024];
	struct rta_client *c;
	int rc = rta_client_open(&c, path, reply, sizeof reply);

	if (rc < 0)
		return tap_open_failed(rc, path, reply, json);
	tap_signals();
	rc = req->cmd->id == CMD_RECORD ? tap_record(c, req, json) : tap_meter(c, req, json);
	rta_client_close(c);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warn("stdout");
		return EX_IOERR;
	}
	return rc;
}
