/*
 * jack_record.c - record JACK ports to a float WAV file (integration test tool).
 *
 * Does: registers one input port per source port given, connects them, and
 * records from the first period in which every input is connected (so the
 * file holds no silence from before the connections, unlike jack_rec), for
 * SECONDS, as 32-bit float (no quantisation: sinecheck can check every
 * sample). The process callback copies into a jack_ringbuffer; the main
 * thread drains it into libsndfile. Exit 0 when the whole duration was
 * recorded with no overrun, 1 otherwise (the reason on stderr), 2 on usage.
 *
 * Does not: start a JACK server (JackNoStartServer), resample, or survive
 * the server going away (that is a failure of the recording).
 *
 * usage: jack_record FILE.wav SECONDS PORT...
 */
#include <jack/jack.h>
#include <jack/ringbuffer.h>
#include <sndfile.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 8

static jack_port_t *in_port[MAX_PORTS];
static unsigned nports;
static jack_ringbuffer_t *rb;
static float *frame_buf;            /* one period, interleaved */
static jack_nframes_t max_frames;
static uint64_t want_frames, got_frames;  /* process thread only */
static atomic_int started, done, overrun, gone;

static int process(jack_nframes_t nframes, void *arg)
{
	const float *in[MAX_PORTS];
	(void)arg;

	if (atomic_load(&done))
		return 0;
	if (!atomic_load(&started)) {
		for (unsigned c = 0; c < nports; c++)
			if (jack_port_connected(in_port[c]) <= 0)
				return 0;
		atomic_store(&started, 1);
	}
	if (nframes > max_frames) {
		atomic_store(&overrun, 1);
		atomic_store(&done, 1);
		return 0;
	}
	jack_nframes_t n = nframes;
	if (got_frames + n > want_frames)
		n = (jack_nframes_t)(want_frames - got_frames);
	for (unsigned c = 0; c < nports; c++)
		in[c] = jack_port_get_buffer(in_port[c], nframes);
	for (jack_nframes_t f = 0; f < n; f++)
		for (unsigned c = 0; c < nports; c++)
			frame_buf[(size_t)f * nports + c] = in[c][f];
	size_t bytes = (size_t)n * nports * sizeof(float);
	if (jack_ringbuffer_write_space(rb) < bytes) {
		atomic_store(&overrun, 1);
		atomic_store(&done, 1);
		return 0;
	}
	jack_ringbuffer_write(rb, (const char *)frame_buf, bytes);
	got_frames += n;
	if (got_frames >= want_frames)
		atomic_store(&done, 1);
	return 0;
}

static void on_shutdown(void *arg)
{
	(void)arg;
	atomic_store(&gone, 1);
}

/* Write whatever whole frames the ring holds. */
static void drain(SNDFILE *sf, float *tmp, size_t tmp_frames)
{
	size_t fbytes = nports * sizeof(float);
	size_t avail;

	while ((avail = jack_ringbuffer_read_space(rb) / fbytes) > 0) {
		size_t n = avail < tmp_frames ? avail : tmp_frames;
		jack_ringbuffer_read(rb, (char *)tmp, n * fbytes);
		sf_writef_float(sf, tmp, (sf_count_t)n);
	}
}

int main(int argc, char **argv)
{
	char name[32];
	jack_status_t st;

	if (argc < 4 || argc - 3 > MAX_PORTS || atof(argv[2]) <= 0) {
		fprintf(stderr, "usage: jack_record FILE.wav SECONDS PORT... (at most %d ports)\n",
		        MAX_PORTS);
		return 2;
	}
	nports = (unsigned)(argc - 3);
	snprintf(name, sizeof(name), "jack_record_%d", (int)getpid());
	jack_client_t *client = jack_client_open(name, JackNoStartServer, &st);
	if (client == NULL) {
		fprintf(stderr, "jack_record: cannot connect to the JACK server (0x%x)\n",
		        (unsigned)st);
		return 1;
	}
	jack_nframes_t rate = jack_get_sample_rate(client);
	max_frames = 8192;
	want_frames = (uint64_t)(atof(argv[2]) * rate);
	frame_buf = calloc((size_t)max_frames * nports, sizeof(float));
	/* Four seconds of slack for the disk: the main thread drains every 10 ms. */
	rb = jack_ringbuffer_create((size_t)rate * 4 * nports * sizeof(float));
	float *tmp = calloc(4096 * (size_t)nports, sizeof(float));
	if (frame_buf == NULL || rb == NULL || tmp == NULL) {
		fprintf(stderr, "jack_record: out of memory\n");
		return 1;
	}
	jack_ringbuffer_mlock(rb);
	for (unsigned c = 0; c < nports; c++) {
		char pn[16];

		snprintf(pn, sizeof(pn), "in_%u", c + 1);
		in_port[c] = jack_port_register(client, pn, JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
		if (in_port[c] == NULL) {
			fprintf(stderr, "jack_record: cannot register %s\n", pn);
			return 1;
		}
	}
	SF_INFO info = { .samplerate = (int)rate, .channels = (int)nports,
	                 .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	SNDFILE *sf = sf_open(argv[1], SFM_WRITE, &info);
	if (sf == NULL) {
		fprintf(stderr, "jack_record: %s: %s\n", argv[1], sf_strerror(NULL));
		return 1;
	}
	jack_set_process_callback(client, process, NULL);
	jack_on_shutdown(client, on_shutdown, NULL);
	if (jack_activate(client) != 0) {
		fprintf(stderr, "jack_record: cannot activate\n");
		return 1;
	}
	for (unsigned c = 0; c < nports; c++) {
		int rc = jack_connect(client, argv[3 + c], jack_port_name(in_port[c]));
		if (rc != 0) {
			fprintf(stderr, "jack_record: cannot connect %s (%d)\n", argv[3 + c], rc);
			return 1;
		}
	}
	/* Bounded: the duration plus ten seconds for the start and the disk. */
	double limit_s = atof(argv[2]) + 10;
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	for (double waited = 0; !atomic_load(&done) && !atomic_load(&gone) && waited < limit_s;
	     waited += 0.01) {
		drain(sf, tmp, 4096);
		nanosleep(&tick, NULL);
	}
	int ok = atomic_load(&done) && !atomic_load(&overrun);
	jack_client_close(client);  /* no process callback after this */
	drain(sf, tmp, 4096);
	sf_close(sf);
	free(tmp);
	if (!ok)
		fprintf(stderr, "jack_record: %s\n",
		        atomic_load(&overrun) ? "overrun: frames were lost"
		        : atomic_load(&gone)  ? "the JACK server went away"
		                              : "timed out before the duration was recorded");
	return ok ? 0 : 1;
}
