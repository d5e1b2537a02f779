/*
 * jack_peer.c - the peer of make bench's redundancy figures: the same DSP
 * as tests/bench/burn.c (burn_dsp.h), run inside a JACK client's process
 * callback, the way a user would run it without rtaudio.
 *
 * usage: jack_peer JACKD_PID SECONDS PASSES [PASSES...]
 * For each PASSES in turn: switch the callback to that many passes per
 * block, let it settle 200 ms, then count the xruns JACK reports and the
 * CPU time (schedstat, ns, all threads) of this client and of jackd over
 * SECONDS, and print one line:
 *     step passes P seconds S xruns X cpu_client_ns C cpu_jackd_ns J dsp_ns D
 * D is the CPU time of the DSP itself in that window (the callback's
 * thread CPU clock around burn_block on one block in BURN_PROBE_EVERY,
 * counted that many times, as tests/bench/burn.c times it in a replica).
 * A step with an xrun is run once more (a shared machine hiccups at any
 * load); stops after a step that has xruns twice (the ramp is over). The process
 * callback renders block after block with its own block counter, into an
 * interleaved buffer de-interleaved to two ports, as rtaudiod's jack sink
 * does with a replica's block.
 *
 * What it does not do: connect its ports (an unconnected client is still
 * run every cycle), or judge the figures (tests/bench/redundancy.sh does).
 */
#include <dirent.h>
#include <jack/jack.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "burn_dsp.h"

#define CH 2u

static jack_port_t *port[CH];
static _Atomic uint32_t passes;
static _Atomic uint64_t xruns;
static uint64_t seq;
static uint32_t rate;
static float buf[BURN_MAX_FRAMES * CH];
/*
 * The DSP's CPU time so far (estimated, burn_probed) and when its last
 * probe ended (CLOCK_MONOTONIC), a pair written by the callback at each
 * probe under probe_seq (odd while it writes): the DSP's rate is taken
 * between two probes, as redundancy.sh takes a replica's, so neither side
 * counts the partial BURN_PROBE_EVERY blocks at the ends of a window.
 */
static _Atomic uint32_t probe_seq;
static _Atomic uint64_t dsp_ns, dsp_at_ns;

/* The pair (dsp_ns, dsp_at_ns) as of one probe. */
static void dsp_read(uint64_t *d, uint64_t *at)
{
	uint32_t s0;

	do {
		while ((s0 = atomic_load_explicit(&probe_seq, memory_order_acquire)) & 1u)
			usleep(100);
		*d = atomic_load_explicit(&dsp_ns, memory_order_relaxed);
		*at = atomic_load_explicit(&dsp_at_ns, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
	} while (atomic_load_explicit(&probe_seq, memory_order_relaxed) != s0);
}

static int process(jack_nframes_t n, void *arg)
{
	(void)arg;
	if (n > BURN_MAX_FRAMES)
		return 0;
	uint32_t p = atomic_load_explicit(&passes, memory_order_relaxed);
	if (burn_probed(seq)) {
		uint64_t c0 = burn_thread_cpu_ns();
		burn_block(seq++, n, CH, rate, p, buf);
		uint64_t d = (burn_thread_cpu_ns() - c0) * BURN_PROBE_EVERY;
		atomic_fetch_add_explicit(&probe_seq, 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_release);
		atomic_fetch_add_explicit(&dsp_ns, d, memory_order_relaxed);
		atomic_store_explicit(&dsp_at_ns, burn_now_ns(), memory_order_relaxed);
		atomic_fetch_add_explicit(&probe_seq, 1, memory_order_release);
	} else {
		burn_block(seq++, n, CH, rate, p, buf);
	}
	for (uint32_t c = 0; c < CH; c++) {
		float *o = jack_port_get_buffer(port[c], n);
		for (uint32_t f = 0; f < n; f++)
			o[f] = buf[(size_t)f * CH + c];
	}
	return 0;
}

static int on_xrun(void *arg)
{
	(void)arg;
	atomic_fetch_add_explicit(&xruns, 1, memory_order_relaxed);
	return 0;
}

/* CPU time of every thread of pid, in ns (schedstat's first field). */
static uint64_t cpu_ns(long pid)
{
	char path[64], line[128];
	uint64_t total = 0;

	snprintf(path, sizeof path, "/proc/%ld/task", pid);
	DIR *d = opendir(path);
	if (d == NULL)
		return 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%ld/task/%.16s/schedstat", pid, e->d_name);
		FILE *f = fopen(path, "r");
		unsigned long long ns;
		if (f == NULL)
			continue;
		if (fgets(line, sizeof line, f) != NULL && sscanf(line, "%llu", &ns) == 1)
			total += ns;
		fclose(f);
	}
	closedir(d);
	return total;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: jack_peer JACKD_PID SECONDS PASSES [PASSES...]\n");
		return 64;
	}
	long jackd = strtol(argv[1], NULL, 10);
	double secs = strtod(argv[2], NULL);
	jack_status_t status;
	jack_client_t *c = jack_client_open("burn_peer", JackNoStartServer, &status);

	if (c == NULL) {
		fprintf(stderr, "jack_peer: cannot reach the JACK server (status 0x%x)\n",
		        (unsigned)status);
		return 1;
	}
	rate = jack_get_sample_rate(c);
	for (uint32_t i = 0; i < CH; i++) {
		char name[16];
		snprintf(name, sizeof name, "out_%u", i + 1);
		port[i] = jack_port_register(c, name, JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
		if (port[i] == NULL) {
			fprintf(stderr, "jack_peer: cannot register a port\n");
			return 1;
		}
	}
	jack_set_process_callback(c, process, NULL);
	jack_set_xrun_callback(c, on_xrun, NULL);
	if (jack_activate(c) != 0) {
		fprintf(stderr, "jack_peer: cannot activate\n");
		return 1;
	}
	printf("peer frames %u rate %u rt %d\n", (unsigned)jack_get_buffer_size(c), rate,
	       jack_is_realtime(c));
	bool retried = false;

	for (int i = 3; i < argc; i++) {
		uint32_t p = (uint32_t)strtoul(argv[i], NULL, 10);
		atomic_store(&passes, p);
		usleep(200000);
		uint64_t x0 = atomic_load(&xruns), c0 = cpu_ns(getpid()), j0 = cpu_ns(jackd);
		uint64_t d0, a0, d1, a1;
		dsp_read(&d0, &a0);
		uint64_t t0 = burn_now_ns();
		usleep((useconds_t)(secs * 1e6));
		uint64_t t1 = burn_now_ns();
		uint64_t x = atomic_load(&xruns) - x0;
		uint64_t cc = cpu_ns(getpid()) - c0, cj = cpu_ns(jackd) - j0;
		dsp_read(&d1, &a1);
		/* The DSP's rate between the two probes, over this window. */
		double dsp = a1 > a0 ? (double)(d1 - d0) * (double)(t1 - t0) / (double)(a1 - a0) : 0;
		printf("step passes %u seconds %.3f xruns %llu cpu_client_ns %llu cpu_jackd_ns %llu "
		       "dsp_ns %.0f\n",
		       p, (double)(t1 - t0) / 1e9, (unsigned long long)x, (unsigned long long)cc,
		       (unsigned long long)cj, dsp);
		fflush(stdout);
		if (x > 0 && !retried && argc > 4) {
			retried = true;  /* once: a hiccup of a shared machine is not the load's */
			i--;
			continue;
		}
		retried = false;
		if (x > 0)
			break;
	}
	jack_deactivate(c);
	jack_client_close(c);
	return 0;
}
