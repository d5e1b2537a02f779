/*
 * chaos.c - hostile replicas and stray writers for tests/integration/chaos.sh.
 *
 * What it does, in three roles:
 *
 *   chaos --group G --index I --parent P     (as the daemon's `replica`)
 *       A replica that turns hostile. It forks a child, then execs the real
 *       replica ($CHAOS_REPLICA) with the same arguments, so the daemon gets
 *       a genuine, correctly rendering replica under the pid it spawned. The
 *       child (same process group, dies with the replica) waits until its
 *       slot has been primary for $CHAOS_DELAY_MS (default 300) with every
 *       other replica a ready standby, then attacks its slot's segment, as
 *       $CHAOS_MODE says (or, for "mix", by round: scribble, shrink0,
 *       shrinkhalf, ...):
 *         scribble    random bytes over the WHOLE segment (header, heartbeat,
 *                     counters, ring header, every slot), again every ms;
 *         shrink0     stop the replica (SIGSTOP, so it does not fault on its
 *                     own mapping first), ftruncate the segment to 0 bytes;
 *         shrinkhalf  the same, to half its size (header kept, ring cut).
 *       No attack starts once the file $CHAOS_STOP exists, or after the Unix
 *       time $CHAOS_UNTIL (so a test killed half-way, whose daemon lives on,
 *       does not leave replicas attacking forever).
 *       Each attack appends "attack R index I pid P mode M" to $CHAOS_LOG;
 *       each child appends its pid to $CHAOS_PIDS (so the test can check
 *       that none outlives its replica).
 *
 *   CHAOS_DAEMON_PID=PID chaos stray GROUP SECONDS
 *       A stray writer from outside (root): maps the group's replica
 *       segments read-write through the daemon's /proc/PID/fd and, while some other replica is a ready standby,
 *       writes 1..64 random bytes at random offsets of the PRIMARY's ring
 *       slots (stamps, lengths, checks, payload) every 200 us, following the
 *       primary when it changes. Prints how many writes it made.
 *
 *   chaos verify FILE.wav FREQUENCY FRAMES GAIN PAN FIRST [MAX_SILENT [OUT.wav]]
 *       Compares every block of a WAV recorded by the wav sink (FIRST = 0)
 *       or by a tap (`rtaudioctl record`: FIRST = its first_seq), bit for
 *       bit, with the block the sine source renders for that sequence number
 *       (block k of the file is block FIRST + k of the stream). Prints the number of
 *       exact, silent and corrupt blocks; exits 1 unless every block is
 *       exact, except for up to MAX_SILENT (default 0) silent blocks (a tap
 *       writes silence for a block it missed) and a run of silent blocks at
 *       the very end: those were played after the daemon told the replicas
 *       to stop (shutdown), and are reported apart. OUT.wav, if given, gets
 *       the file without that tail (for sinecheck).
 *
 * What it does not do: decide anything about the daemon (the script reads
 * its status, stats and log), or run without the environment above.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "clock.h"
#include "layout.h"
#include "shm.h"
#include "outstage.h"
#include "sine.h"

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void rng_seed(void)
{
	rng_state = clock_now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
	if (rng_state == 0)
		rng_state = 1;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / NSEC_PER_SEC),
	                       .tv_nsec = (long)(ns % NSEC_PER_SEC) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * A descriptor of segment WHAT ("group", "r0".."r7") of `group`. The segments
 * have no names (memfds): the attacker, a child of the replica forked before
 * its exec, holds the replica's inherited descriptors 3 (group) and 4 (its own
 * segment); the stray writer, root from outside, reopens the daemon's own
 * through /proc/$CHAOS_DAEMON_PID/fd (as only root can: the daemon is not
 * dumpable). -1 if not found.
 */
static int open_seg(const char *group, const char *what, bool rw)
{
	const char *dpid = getenv("CHAOS_DAEMON_PID");
	char want[96], path[64], link[128];

	if (dpid == NULL)
		return strcmp(what, "group") == 0 ? dup(3) : dup(4);
	snprintf(want, sizeof want, "/memfd:rtaudio-%s-%s (deleted)", group, what);
	for (int n = 0; n < 1024; n++) {
		snprintf(path, sizeof path, "/proc/%s/fd/%d", dpid, n);
		ssize_t len = readlink(path, link, sizeof link - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (strcmp(link, want) == 0)
			return open(path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	}
	return -1;
}

static int map_group(const char *group, struct shm_seg *seg)
{
	int fd = open_seg(group, "group", false);

	if (fd < 0)
		return -ENOENT;
	int rc = shm_seg_map_fd(seg, fd, false, GROUP_MAGIC, LAYOUT_VERSION, SHM_KIND_GROUP,
	                        0);
	close(fd);
	return rc;
}

/* Map replica segment i read-write, whatever its header says; *fd is kept. */
static void *map_replica(const char *group, uint32_t i, size_t *size, int *fd)
{
	char what[8];
	struct stat st;

	snprintf(what, sizeof what, "r%" PRIu32, i);
	*fd = open_seg(group, what, true);
	if (*fd < 0)
		return NULL;
	if (fstat(*fd, &st) < 0 || st.st_size <= 0) {
		close(*fd);
		return NULL;
	}
	*size = (size_t)st.st_size;
	void *p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (p == MAP_FAILED) {
		close(*fd);
		return NULL;
	}
	return p;
}

/* Lines in file `path` (0 if it is absent or unset). */
static unsigned count_lines(const char *path)
{
	char buf[4096];
	unsigned lines = 0;
	ssize_t n;

	if (path == NULL || *path == '\0')
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (ssize_t k = 0; k < n; k++)
			lines += buf[k] == '\n';
	close(fd);
	return lines;
}

/* Append one line (one write, O_APPEND: never interleaved) to `path`, if set. */
static void append_line(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void append_line(const char *path, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (path == NULL || *path == '\0')
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	va_start(ap, fmt);
	int len = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (len > 0)
		(void)!write(fd, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
	close(fd);
}

/* True once slot `index` is primary and every other replica a standby. */
static bool my_turn(const struct group_seg *g, uint32_t index, uint32_t replicas)
{
	uint64_t leader = atomic_load_explicit(&g->leader, memory_order_acquire);

	if (layout_leader_index(leader) != index)
		return false;
	for (uint32_t j = 0; j < replicas && j < LAYOUT_MAX_REPLICAS; j++)
		if (j != index && atomic_load_explicit(&g->role[j], memory_order_acquire) != ROLE_STANDBY)
			return false;
	return true;
}

static const char *const chaos_modes[] = { "scribble", "shrink0", "shrinkhalf" };

/* The hostile child of a replica: wait for our turn, then attack. Never returns. */
static void attacker(const char *group, uint32_t index)
{
	const char *mode = getenv("CHAOS_MODE");
	const char *delay_s = getenv("CHAOS_DELAY_MS");
	const char *stop = getenv("CHAOS_STOP");
	const char *until_s = getenv("CHAOS_UNTIL");
	time_t until = until_s != NULL ? (time_t)strtoll(until_s, NULL, 10) : 0;
	uint64_t delay = (delay_s != NULL ? strtoull(delay_s, NULL, 10) : 300) * NSEC_PER_MSEC;
	struct shm_seg gseg = { 0 };

#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	append_line(getenv("CHAOS_PIDS"), "%d\n", (int)getpid());
	rng_seed();
	for (int tries = 0; map_group(group, &gseg) < 0; tries++) {
		if (tries > 200)
			_exit(0);
		sleep_ns(10 * NSEC_PER_MSEC);
	}
	const struct group_seg *g = gseg.base;
	uint32_t replicas = g->replicas;
	uint64_t since = 0;

	for (;;) {
		if (atomic_load_explicit(&g->run, memory_order_acquire) == GROUP_SHUTDOWN)
			_exit(0);
		uint64_t now = clock_now_ns();
		if (until != 0 && time(NULL) > until)
			_exit(0);
		if (!my_turn(g, index, replicas) || (stop != NULL && access(stop, F_OK) == 0))
			since = 0;
		else if (since == 0)
			since = now;
		else if (now - since >= delay)
			break;
		sleep_ns(5 * NSEC_PER_MSEC);
	}

	size_t size = 0;
	int fd = -1;
	unsigned char *m = map_replica(group, index, &size, &fd);
	if (m == NULL)
		_exit(0);
	/* One attacker at a time (only the primary's attacks): the count is the round. */
	unsigned round = count_lines(getenv("CHAOS_LOG"));
	if (mode == NULL || strcmp(mode, "mix") == 0)
		mode = chaos_modes[round % 3];

	if (strcmp(mode, "scribble") == 0) {
		append_line(getenv("CHAOS_LOG"), "attack %u index %" PRIu32 " pid %d mode scribble\n",
		            round, index, (int)getppid());
		for (;;) { /* until the daemon kills our process group */
			for (size_t off = 0; off + 8 <= size; off += 8) {
				uint64_t v = rng();
				memcpy(m + off, &v, 8);
			}
			sleep_ns(NSEC_PER_MSEC);
		}
	}
	off_t to = strcmp(mode, "shrink0") == 0 ? 0 : (off_t)(size / 2);
	append_line(getenv("CHAOS_LOG"), "attack %u index %" PRIu32 " pid %d mode %s to %lld\n",
	            round, index, (int)getppid(), mode, (long long)to);
	kill(getppid(), SIGSTOP);
	if (ftruncate(fd, to) < 0)
		_exit(1);
	for (;;)
		pause();
}

static int role_replica(int argc, char **argv)
{
	const char *real = getenv("CHAOS_REPLICA");
	const char *group = NULL;
	long index = -1;

	for (int k = 1; k + 1 < argc; k++) {
		if (strcmp(argv[k], "--group") == 0)
			group = argv[k + 1];
		else if (strcmp(argv[k], "--index") == 0)
			index = strtol(argv[k + 1], NULL, 10);
	}
	if (real == NULL || group == NULL || index < 0 || index >= (long)LAYOUT_MAX_REPLICAS) {
		fprintf(stderr, "chaos: needs CHAOS_REPLICA and --group/--index\n");
		return 64;
	}
	pid_t pid = fork();
	if (pid == 0)
		attacker(group, (uint32_t)index);
	argv[0] = (char *)real;
	execv(real, argv);
	perror("chaos: exec");
	return 1;
}

static int role_stray(const char *group, double seconds)
{
	struct shm_seg gseg = { 0 };
	unsigned char *m[LAYOUT_MAX_REPLICAS] = { 0 };
	size_t size[LAYOUT_MAX_REPLICAS] = { 0 };
	uint64_t writes[LAYOUT_MAX_REPLICAS] = { 0 };
	int fd[LAYOUT_MAX_REPLICAS];
	int rc = map_group(group, &gseg);

	if (rc < 0) {
		fprintf(stderr, "chaos stray: group %s: %s\n", group, strerror(-rc));
		return 1;
	}
	const struct group_seg *g = gseg.base;
	uint32_t n = g->replicas < LAYOUT_MAX_REPLICAS ? g->replicas : LAYOUT_MAX_REPLICAS;
	for (uint32_t i = 0; i < n; i++) {
		m[i] = map_replica(group, i, &size[i], &fd[i]);
		if (m[i] == NULL || size[i] <= REPLICA_RING_OFFSET + sizeof(struct ring_hdr) + 64) {
			fprintf(stderr, "chaos stray: cannot map replica %u\n", i);
			return 1;
		}
	}
	rng_seed();
	const size_t first = REPLICA_RING_OFFSET + sizeof(struct ring_hdr); /* the slots */
	uint64_t end = clock_now_ns() + (uint64_t)(seconds * 1e9), since = 0, attacks = 0;
	uint32_t last = LAYOUT_NO_PRIMARY;

	while (clock_now_ns() < end) {
		uint64_t now = clock_now_ns();
		uint32_t p = layout_leader_index(atomic_load_explicit(&g->leader, memory_order_acquire));
		/* Only while an intact copy exists elsewhere: then nothing may be lost. */
		if (p >= n || !my_turn(g, p, n)) {
			since = 0;
		} else if (since == 0) {
			since = now;
		} else if (now - since >= 200 * NSEC_PER_MSEC) {
			if (p != last)
				attacks++;
			last = p;
			size_t span = size[p] - first;
			size_t off = first + (size_t)(rng() % span);
			size_t len = 1 + (size_t)(rng() % 64);
			if (off + len > size[p])
				len = size[p] - off;
			for (size_t k = 0; k < len; k++)
				m[p][off + k] = (unsigned char)rng();
			writes[p]++;
		}
		sleep_ns(200 * NSEC_PER_USEC);
	}
	uint64_t total = 0;
	printf("stray writes: ");
	for (uint32_t i = 0; i < n; i++) {
		printf("r%u %" PRIu64 "%s", i, writes[i], i + 1 < n ? ", " : "");
		total += writes[i];
	}
	printf(" (total %" PRIu64 " in %.1f s, %" PRIu64 " primaries attacked)\n", total, seconds,
	       attacks);
	return total > 0 ? 0 : 1;
}

static int role_verify(const char *path, double freq, uint32_t frames, double gain, double pan,
                       uint64_t first, uint64_t max_silent, const char *out)
{
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(path, SFM_READ, &info);

	if (sf == NULL) {
		fprintf(stderr, "chaos verify: %s: %s\n", path, sf_strerror(NULL));
		return 1;
	}
	uint32_t ch = (uint32_t)info.channels;
	size_t n = (size_t)frames * ch;
	float *got = malloc(n * sizeof *got), *want = malloc(n * sizeof *want);
	uint64_t exact = 0, silent = 0, corrupt = 0, first_bad = UINT64_MAX;
	uint64_t tail = 0; /* silent blocks since the last non-silent one */
	uint64_t keep = 0; /* blocks up to the last non-silent one */

	if (got == NULL || want == NULL || ch == 0 || ch > LAYOUT_MAX_CHANNELS)
		return 1;
	for (uint64_t seq = 0; sf_readf_float(sf, got, frames) == (sf_count_t)frames; seq++) {
		source_sine_render(want, frames, ch, (uint32_t)info.samplerate, freq, first + seq);
		outstage_apply(want, frames, ch, gain, pan);
		bool zero = true;
		for (size_t k = 0; k < n && zero; k++)
			zero = got[k] == 0.0f;
		if (zero) {
			tail++;
			continue;
		}
		silent += tail; /* silence followed by audio: a gap, not the shutdown */
		if (tail > 0 && first_bad == UINT64_MAX)
			first_bad = seq - tail;
		tail = 0;
		keep = seq + 1;
		if (memcmp(got, want, n * sizeof *got) == 0) {
			exact++;
		} else {
			corrupt++;
			if (first_bad == UINT64_MAX || seq < first_bad)
				first_bad = seq;
		}
	}
	free(got);
	free(want);
	printf("verify: %" PRIu64 " blocks of %u frames: exact %" PRIu64 ", silent %" PRIu64
	       ", corrupt %" PRIu64 " (then %" PRIu64 " silent at shutdown)\n",
	       exact + silent + corrupt, frames, exact, silent, corrupt, tail);
	printf("corrupt blocks played: %" PRIu64 "\n", corrupt);
	if (first_bad != UINT64_MAX)
		printf("first wrong block: %" PRIu64 "\n", first + first_bad);

	int rc = corrupt == 0 && silent <= max_silent && exact > 0 ? 0 : 1;
	if (out != NULL) { /* the file without the shutdown tail, even if wrong */
		SF_INFO oi = info;
		SNDFILE *o = sf_open(out, SFM_WRITE, &oi);
		float *buf = malloc(n * sizeof *buf);
		bool io = o != NULL && buf != NULL && sf_seek(sf, 0, SEEK_SET) == 0;
		for (uint64_t k = 0; io && k < keep; k++)
			io = sf_readf_float(sf, buf, frames) == (sf_count_t)frames &&
			     sf_writef_float(o, buf, frames) == (sf_count_t)frames;
		if (!io) {
			fprintf(stderr, "chaos verify: cannot write %s\n", out);
			rc = 1;
		}
		if (o != NULL)
			sf_close(o);
		free(buf);
	}
	sf_close(sf);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--group") == 0)
		return role_replica(argc, argv);
	/* The daemon's --check run of the renderer (the SDK): the real one answers. */
	if (argc > 1 && strcmp(argv[1], "--check") == 0 && getenv("CHAOS_REPLICA") != NULL) {
		argv[0] = getenv("CHAOS_REPLICA");
		execv(argv[0], argv);
		perror("chaos: exec");
		return 1;
	}
	if (argc == 4 && strcmp(argv[1], "stray") == 0)
		return role_stray(argv[2], atof(argv[3]));
	if (argc >= 8 && argc <= 10 && strcmp(argv[1], "verify") == 0)
		return role_verify(argv[2], atof(argv[3]), (uint32_t)strtoul(argv[4], NULL, 10),
		                   atof(argv[5]), atof(argv[6]), strtoull(argv[7], NULL, 10),
		                   argc >= 9 ? strtoull(argv[8], NULL, 10) : 0,
		                   argc == 10 ? argv[9] : NULL);
	fprintf(stderr, "usage: chaos --group G --index I [...]   (as a replica)\n"
	                "       chaos stray GROUP SECONDS\n"
	                "       chaos verify FILE.wav FREQUENCY FRAMES GAIN PAN FIRST "
	                "[MAX_SILENT [OUT.wav]]\n");
	return 2;
}
