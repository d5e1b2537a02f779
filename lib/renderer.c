/*
 * renderer.c - rta_renderer_main(): the runtime every renderer runs on.
 *
 * What it does: started by rtaudiod only, as
 *     PROGRAM --group NAME --index I [--parent PID] [--cpu N] [--sandbox strict|off]
 *             [--max-memory MIB] [--max-processes N] [--core-dumps] [--key S.K=V]...
 * with the group segment on descriptor 3 (read-only) and its own replica
 * segment on descriptor 4 (read-write), both anonymous (no name to open),
 * it arranges to die with the daemon, confines itself (renderer_proc.c:
 * limits, non-dumpable, the seccomp guard), maps both segments and closes
 * the descriptors, validates the stream configuration,
 * calls the renderer's open (and checks the parameters it declares against
 * the table the daemon published), asks for real-time scheduling and locked
 * memory (mlockall, or when refused the audio path's memory: segments,
 * state, stack) and publishes what it got, locks the sandbox (the seccomp
 * allow-list, sandbox.h) and then renders blocks on demand
 * (DESIGN.md "The audio path"): while its ring holds fewer than `lead`
 * blocks past the sink position it renders the next one, applies the output
 * stage (gain, pan) and stamps it with its CRC-32C (crc32c_block), which the
 * sink and the taps verify; then it sleeps on the group's futex word for at
 * most half a period, heartbeating at every wake. A warm standby only
 * heartbeats until it is the leader. With
 *     PROGRAM --check --rate R --channels C --frames F [--input-channels N]
 *             [--key S.K=V]...
 * it calls open and close only and prints the report rtaudiod reads
 * (renderer_int.h: rhost_report), exit 0 or 78. With
 *     PROGRAM --render FILE.wav --seconds S --rate R --channels C --frames F
 *             [--gain G] [--pan P] [--input IN.wav] [--key S.K=V]...
 * it renders blocks 0.. offline, as fast as it can, into a float32 WAV
 * (renderer_offline.c): what a group with these keys plays, for tests and
 * for checking a chain before it goes live; --input feeds the live input
 * from a WAV (its channels are the stream's input_channels).
 *
 * Pre-roll: a hot replica that starts (or falls) behind the sink renders
 * at least the group's preroll_blocks before its first ring block, from a
 * block that is a multiple of preroll_align (renderer_loop.c), into a
 * scratch buffer, chasing the sink's moving position as fast as it can, so
 * that a renderer with memory (a delay line, a reverb) holds the state the
 * others hold when its first block reaches the ring. Meanwhile it says
 * RSTATE_CATCHUP, and it is READY (a rescue source) only after.
 *
 * The render loop itself, the audio path, is renderer_loop.c's.
 *
 * What it does not do: decide roles, talk to the control socket, log through
 * the daemon, or restart itself. Setup errors go to stderr and exit 1 (the
 * daemon sees the exit status); usage errors exit 64, configuration errors
 * 78. Inside the render loop there is no allocation, lock, output or syscall
 * other than futex and clock calls, the renderer's render included
 * (tests/integration/replica_syscalls.sh checks that).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include <rtaudio/renderer.h>

#include "clock.h"
#include "crc32c.h"
#include "futex.h"
#include "layout.h"
#include "life.h"
#include "outstage.h"
#include "renderer_int.h"
#include "ring.h"
#include "rtprio.h"
#include "sandbox.h"
#include "shm.h"

#define REPLICA_STACK_LOCK (256u * 1024u)


/* The program's name, for messages (argv[0] without its directory). */
static const char *replica_prog = "rtaudio-replica";

static void replica_usage(void)
{
	fprintf(stderr, "usage: %s --group NAME --index I [--parent PID] [--cpu N] "
	        "[--sandbox strict|off] [--max-memory MIB] [--max-processes N] [--core-dumps] "
	        "[--key SECTION.KEY=VALUE]...\n"
	        "       %s --check --rate R --channels C --frames F [--input-channels N] "
	        "[--key SECTION.KEY=VALUE]...\n"
	        "       %s --render FILE.wav --seconds S --rate R --channels C --frames F "
	        "[--gain G] [--pan P] [--input IN.wav] [--key SECTION.KEY=VALUE]...\n"
	        "  (started by rtaudiod; --render renders offline)\n",
	        replica_prog, replica_prog, replica_prog);
	exit(RTA_EX_USAGE);
}

static void replica_die(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", replica_prog, what, strerror(err < 0 ? -err : err));
	exit(1);
}

static bool replica_parse_u32(const char *s, uint32_t max, uint32_t *out)
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

static void replica_on_signal(int sig)
{
	(void)sig;
	rloop_stop = 1;
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
static void replica_map(struct replica *rp, const char *group, struct shm_seg *gseg,
                        struct shm_seg *rseg)
{
	int rc;

	/* Descriptors, not names: the daemon's segments have none, so this
	 * replica reaches its own and the group's, and no other. The group's
	 * is an O_RDONLY descriptor of a sealed memfd: no writable mapping of
	 * it can be had, here or by the renderer. Any size for now: with live
	 * input it is known from the geometry only. */
	rc = shm_seg_map_fd(gseg, RTA_GROUP_FD, false, GROUP_MAGIC, LAYOUT_VERSION, SHM_KIND_GROUP,
	                    0);
	if (rc < 0)
		replica_die("group segment (descriptor 3)", rc);
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
	if (gseg->size != geo.group_bytes)
		replica_die("group segment: size does not match its input ring", EPROTO);
	if (geo.input_channels > 0) {
		rc = ring_attach(&rp->in_ring, (unsigned char *)gseg->base + GROUP_INPUT_OFFSET,
		                 gseg->size - GROUP_INPUT_OFFSET);
		if (rc < 0)
			replica_die("group segment: input ring", rc);
		if (rp->in_ring.capacity != geo.input_capacity ||
		    rp->in_ring.max_payload < geo.input_bytes)
			replica_die("group segment: input ring does not match the stream", EPROTO);
		rp->in_bytes = geo.input_bytes;
		rp->in = calloc(1, geo.input_bytes);
		if (rp->in == NULL)
			replica_die("input buffer", ENOMEM);
	}
	rp->stream.period_ns = geo.period_ns;
	rp->stream.replica = rp->index;
	uint32_t capacity = geo.ring_capacity;
	uint32_t standby = g->standby;
	rp->lead = geo.lead;
	rp->preroll = geo.preroll_blocks;
	rp->preroll_align = geo.preroll_align > 1 ? geo.preroll_align : 1;
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

	rc = shm_seg_map_fd(rseg, RTA_REPLICA_FD, true, REPLICA_MAGIC, LAYOUT_VERSION,
	                    SHM_KIND_REPLICA, size);
	if (rc < 0)
		replica_die("replica segment (descriptor 4)", rc);
	/* Mapped: the descriptors are no longer needed, and closing them leaves
	 * the renderer nothing to resize the segment with or pass on. */
	close(RTA_GROUP_FD);
	close(RTA_REPLICA_FD);
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

static void replica_publish_rt(struct replica_seg *r, const struct rtprio_status *st)
{
	atomic_store_explicit(&r->rt_policy, st->policy, memory_order_relaxed);
	atomic_store_explicit(&r->rt_priority, st->priority, memory_order_relaxed);
	atomic_store_explicit(&r->rt_error, st->error, memory_order_relaxed);
	atomic_store_explicit(&r->rt_rlimit, st->rlimit, memory_order_relaxed);
	atomic_store_explicit(&r->rt_mlocked, st->mlocked, memory_order_relaxed);
	atomic_store_explicit(&r->rt_mlock_error, st->mlock_error, memory_order_release);
}

/* An option's real value within [min, max]. */
static double replica_opt_double(const char *s, double min, double max)
{
	char *end;
	double v = strtod(s, &end);

	if (s[0] == '\0' || *end != '\0' || !isfinite(v) || v < min || v > max)
		replica_usage();
	return v;
}

/* Copy an option's value: whole, within [min, max]. */
static uint32_t replica_opt_u32(const char *s, uint32_t min, uint32_t max)
{
	uint32_t v;

	if (!replica_parse_u32(s, max, &v) || v < min)
		replica_usage();
	return v;
}

/*
 * open, and the checks that follow it: no configuration error, no unused
 * key. Returns 0, or RTA_EX_CONFIG with the error recorded in host.
 */
static int replica_open(struct replica *rp)
{
	return rhost_open(rp->host, rp->rd, rp->state, &rp->stream);
}

/* --check: open and close only, and the report on stdout. */
static int replica_check(struct replica *rp, uint32_t rate, uint32_t channels, uint32_t frames,
                         uint32_t inputs)
{
	rp->stream = (struct rta_stream){
		.sample_rate = rate,
		.channels = channels,
		.frames = frames,
		.input_channels = inputs,
		.period_ns = (uint64_t)frames * NSEC_PER_SEC / rate,
		.flags = RTA_STREAM_CHECK,
	};
	int rc = replica_open(rp);
	if (rp->rd->close != NULL)
		rp->rd->close(rp->state);
	rhost_report(rp->host, stdout);
	if (fflush(stdout) != 0)
		return 1;
	return rc;
}

int rta_renderer_main(int argc, char **argv, const struct rta_renderer *rd, void *state)
{
	static const struct option longopts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "index", required_argument, NULL, 'i' },
		{ "parent", required_argument, NULL, 'p' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "check", no_argument, NULL, 'C' },
		{ "rate", required_argument, NULL, 'r' },
		{ "channels", required_argument, NULL, 'n' },
		{ "frames", required_argument, NULL, 'f' },
		{ "input-channels", required_argument, NULL, 'I' },
		{ "sandbox", required_argument, NULL, 'S' },
		{ "max-memory", required_argument, NULL, 'M' },
		{ "max-processes", required_argument, NULL, 'P' },
		{ "core-dumps", no_argument, NULL, 'D' },
		{ "render", required_argument, NULL, 'R' },
		{ "seconds", required_argument, NULL, 's' },
		{ "gain", required_argument, NULL, 'G' },
		{ "pan", required_argument, NULL, 'O' },
		{ "input", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	/* Static: the parameter histories are 16 KiB, and main's frame is
	 * pre-faulted with the rest of the stack anyway. */
	static struct replica rp;
	static struct rta_host host;
	uint64_t boot_ns = clock_now_ns();
	const char *group = NULL, *render_path = NULL, *input_path = NULL;
	double seconds = 0, gain = 1.0, pan = 0.0;
	bool have_index = false, have_parent = false, have_cpu = false, check = false;
	uint32_t parent = 0, cpu = 0, rate = 0, channels = 0, frames = 0, inputs = 0;
	/* Strict by default where it can be had: a renderer started without the
	 * daemon's word (by hand, by a test driver) is confined the same way. */
	struct rta_confine confine = { .strict = sandbox_available(NULL) };
	int opt, rc;

	if (argc > 0 && argv[0] != NULL) {
		const char *slash = strrchr(argv[0], '/');
		replica_prog = slash != NULL ? slash + 1 : argv[0];
	}
	if (rd == NULL || rd->abi != RTA_RENDERER_ABI || rd->open == NULL || rd->render == NULL) {
		fprintf(stderr, "%s: renderer built for another ABI (or without open/render)\n",
		        replica_prog);
		return 1;
	}
	rp.rd = rd;
	rp.state = state;
	rp.host = &host;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'g':
			group = optarg;
			break;
		case 'i':
			rp.index = replica_opt_u32(optarg, 0, LAYOUT_MAX_REPLICAS - 1);
			have_index = true;
			break;
		case 'p':
			parent = replica_opt_u32(optarg, 1, INT32_MAX);
			have_parent = true;
			break;
		case 'c':
			cpu = replica_opt_u32(optarg, 0, LAYOUT_MAX_CPUS - 1);
			have_cpu = true;
			break;
		case 'k':
			if ((rc = rhost_add_key(&host, optarg)) < 0) {
				fprintf(stderr, "%s: --key '%.64s': %s\n", replica_prog, optarg,
				        strerror(-rc));
				return RTA_EX_USAGE;
			}
			break;
		case 'C':
			check = true;
			break;
		case 'R':
			render_path = optarg;
			break;
		case 's':
			seconds = replica_opt_double(optarg, 0, 86400);
			break;
		case 'G':
			gain = replica_opt_double(optarg, 0, 4);
			break;
		case 'O':
			pan = replica_opt_double(optarg, -1, 1);
			break;
		case 'N':
			input_path = optarg;
			break;
		case 'r':
			rate = replica_opt_u32(optarg, 1, LAYOUT_MAX_RATE);
			break;
		case 'n':
			channels = replica_opt_u32(optarg, 1, LAYOUT_MAX_CHANNELS);
			break;
		case 'f':
			frames = replica_opt_u32(optarg, LAYOUT_MIN_FRAMES, LAYOUT_MAX_FRAMES);
			break;
		case 'I':
			inputs = replica_opt_u32(optarg, 0, LAYOUT_MAX_CHANNELS);
			break;
		case 'S':
			if (strcmp(optarg, "strict") != 0 && strcmp(optarg, "off") != 0)
				replica_usage();
			confine.strict = strcmp(optarg, "strict") == 0;
			break;
		case 'M':
			confine.limits.max_memory =
			    (uint64_t)replica_opt_u32(optarg, 1, UINT32_MAX) << 20;
			break;
		case 'P':
			confine.limits.max_processes = replica_opt_u32(optarg, 1, UINT32_MAX);
			break;
		case 'D':
			confine.limits.core_dumps = true;
			break;
		default:
			replica_usage();
		}
	}
	if (optind != argc)
		replica_usage();
	if (render_path != NULL) {
		if (check || rate == 0 || channels == 0 || frames == 0 || group != NULL ||
		    have_index || !(seconds > 0) || (inputs != 0 && input_path == NULL))
			replica_usage();
		struct rhost_input in;
		char err[512];
		if (input_path != NULL) {
			if (rhost_read_input(input_path, &in, err, sizeof err) < 0) {
				fprintf(stderr, "%s: --input %s\n", replica_prog, err);
				return 1;
			}
			if (in.rate != rate || (inputs != 0 && in.channels != inputs)) {
				fprintf(stderr, "%s: --input %s: %u Hz, %u channels; the stream runs "
				        "at %u Hz, %u input channels\n", replica_prog, input_path, in.rate,
				        in.channels, rate, inputs != 0 ? inputs : in.channels);
				rhost_free_input(&in);
				return RTA_EX_USAGE;
			}
		}
		struct rta_stream os = {
			.sample_rate = rate, .channels = channels, .frames = frames,
			.input_channels = input_path != NULL ? in.channels : 0,
			.period_ns = (uint64_t)frames * NSEC_PER_SEC / rate,
			.flags = RTA_STREAM_OFFLINE,
		};
		rc = rhost_run_offline(&host, rd, state, &os, render_path, seconds, gain, pan,
		                       input_path != NULL ? &in : NULL);
		if (input_path != NULL)
			rhost_free_input(&in);
		rhost_free(&host);
		return rc;
	}
	if (check) {
		if (rate == 0 || channels == 0 || frames == 0 || group != NULL || have_index)
			replica_usage();
		/* The renderer's open runs here too: confined as in a replica. */
		renderer_confine(replica_prog, &confine);
		rc = replica_check(&rp, rate, channels, frames, inputs);
		rhost_free(&host);
		return rc;
	}
	if (group == NULL || !have_index || !shm_group_valid(group))
		replica_usage();

	renderer_bind_parent(replica_prog, have_parent, parent);
	renderer_confine(replica_prog, &confine);

	struct shm_seg gseg = { 0 }, rseg = { 0 };
	replica_map(&rp, group, &gseg, &rseg);
	struct replica_seg *r = rp.r;

	atomic_store_explicit(&r->pid, (uint32_t)getpid(), memory_order_relaxed);
	atomic_store_explicit(&r->boot_ns, boot_ns, memory_order_relaxed);
	/* From the main thread, which renders: the daemon hears of its death from
	 * the kernel's mark on this lock, before the reap. Without it (not
	 * Linux/glibc), from the reap. */
	(void)life_hold(r);
	atomic_store_explicit(&r->heartbeat_ns, clock_now_ns(), memory_order_release);

	if (replica_open(&rp) != 0) {
		fprintf(stderr, "%s: [%s] %s: %s\n", replica_prog, host.err_section,
		        host.err_key[0] != '\0' ? host.err_key : "-", host.err_text);
		if (rd->close != NULL)
			rd->close(state);
		return RTA_EX_CONFIG;
	}
	if (!rhost_table_matches(&host, rp.table, rp.nparams)) {
		fprintf(stderr, "%s: the parameters declared differ from the group's table "
		        "(a renderer must declare the same ones in every run)\n", replica_prog);
		if (rd->close != NULL)
			rd->close(state);
		return RTA_EX_CONFIG;
	}
	host.seg = r;
	atomic_store_explicit(&r->heartbeat_ns, clock_now_ns(), memory_order_release);

	/* Pinned (the daemon gives each replica its own core) or not, say so:
	 * the segment may be a predecessor's, with its predecessor's CPU. */
	bool pinned = have_cpu && rtprio_pin_cpu((int)cpu) == 0;
	atomic_store_explicit(&r->cpu1, pinned ? (int32_t)cpu + 1 : 0, memory_order_relaxed);

	struct rtprio_status st = { 0 };
	if (rtprio_lock_memory(REPLICA_STACK_LOCK, &st) < 0) {
		/*
		 * Refused (an unprivileged replica maps far more than the usual
		 * 8 MiB RLIMIT_MEMLOCK, most of it libraries the loop never
		 * touches): lock what the loop does touch, so no page of it is
		 * reclaimed under memory pressure. Not the renderer's own state
		 * (we do not know its size) nor code pages.
		 */
		const struct rtprio_range path[] = {
			{ gseg.base, gseg.size }, { rseg.base, rseg.size },  /* rings, params, counters */
			{ &rp, sizeof rp }, { &host, sizeof host },          /* scratch, snapshots, notes */
			{ rp.in, rp.in_bytes },                              /* the input block */
		};
		(void)rtprio_lock_ranges(path, sizeof path / sizeof path[0], REPLICA_STACK_LOCK, &st);
	}

	rloop_prefault(&rp, &gseg, &rseg);
	/*
	 * Real-time only now, after the slow start-up (open, mlockall,
	 * pre-faulting): at SCHED_FIFO that work would hold a CPU the running
	 * replicas and the sink, at the same priority, could not take back, and
	 * on a small machine make them miss their deadlines. Running without RT
	 * is allowed; what we got is published for status.
	 */
	if (rp.g->rt_priority > 0)
		(void)rtprio_set(rp.g->rt_priority > 99 ? 99 : rp.g->rt_priority, rp.period_ns, &st);
	replica_publish_rt(r, &st);

	/* Everything that needs more than the allow-list is done: lock. */
	renderer_lock(replica_prog, &confine);

	/* Last set-up step: the syscall test takes it as the loop's start. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = replica_on_signal; /* no SA_RESTART: futex_wait returns -EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
		replica_die("sigaction", errno);
	/* rp.next starts at 0: the loop moves it to max(position, ring head),
	 * and says READY after its first pass. */
	rloop_run(&rp);

	atomic_store_explicit(&r->state, RSTATE_EXITING, memory_order_release);
	host.seg = NULL;
	if (rd->close != NULL)
		rd->close(state);
	rhost_free(&host);
	shm_seg_close(&rseg);
	shm_seg_close(&gseg);
	return 0;
}
