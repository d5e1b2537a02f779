/*
 * hostile.c - a renderer on the SDK that misbehaves on cue, for
 * tests/integration/hostile.sh.
 *
 * What it does: renders a sine exactly as the built-in sine source does (so
 * sinecheck can follow the audio across failovers), and in the replica
 * whose index is [source] index (default 0), at the first block rendered in
 * [at, at + 8) ([source] at, default 200; the window keeps a respawned
 * replica, which starts well past it, from doing it again), does what
 * [source] mode says:
 *   in the render callback:  spin (100% CPU, never returns), stop
 *                            (SIGSTOP to itself);
 *   in a worker thread it started in open, as a plugin's would be:
 *     shm_name     open the other replica's and the group segment read-write
 *                  by their old /dev/shm names ([source] group);
 *     proc_fd      open every /proc/PPID/fd/N read-write, and try to make its
 *                  own mapping of the group segment writable (mprotect, and
 *                  /proc/self/map_files);
 *     connect      connect to the control socket ([source] socket);
 *     write_file   create [source] path for writing;
 *     socket       create an AF_INET socket;
 *     fork, exec   fork (the child exits at once), exec /bin/true;
 *     kill_daemon  kill(getppid(), SIGKILL);
 *     alloc        malloc and touch 16 MiB chunks until refused, then free
 *                  them and carry on;
 *     life_wake    futex_wake its own life lock's word (found through its
 *                  segment's mapping in /proc/self/maps) 100000 times, as
 *                  fast as it can, then carry on: the daemon's real-time
 *                  watcher sleeps on that word.
 * Each attempt prints "hostile: MODE: trying" on stderr (the daemon's log),
 * then what happened ("refused (errno text)" or what it managed): a call the
 * sandbox forbids kills the process before the second line.
 *
 * What it does not do: anything before its cue, or outside its index.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#ifdef __linux__
#include <linux/futex.h>
#endif
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rtaudio/renderer.h>

#include "sine.h"

#define WINDOW 8

struct hostile {
	uint32_t rate, index;
	double frequency;
	uint64_t at;
	char mode[32], group[64], socket[108], path[256];
	bool mine, done;
	_Atomic int go;
	pthread_t worker;
	bool have_worker;
	uint32_t *life;  /* life_wake: its life word */
};

static struct hostile H;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)!write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void result(int rc, int err, const char *what)
{
	if (rc < 0)
		say("hostile: %s: %s: refused (%s)\n", H.mode, what, strerror(err));
	else
		say("hostile: %s: %s: DONE (%d)\n", H.mode, what, rc);
}

static void try_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);
	int err = errno;

	result(fd, err, path);
	if (fd >= 0)
		close(fd);
}

/* Its own mapping of the group segment, found in /proc/self/maps. */
static void try_group_mapping(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	while (f != NULL && fgets(line, sizeof line, f) != NULL) {
		unsigned long lo, hi;
		if (strstr(line, "-group") == NULL || strstr(line, "rtaudio-") == NULL ||
		    sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		found = 1;
		int rc = mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE);
		result(rc, errno, "mprotect(group segment, PROT_WRITE)");
		char mf[96];
		snprintf(mf, sizeof mf, "/proc/self/map_files/%lx-%lx", lo, hi);
		try_open(mf, O_RDWR);
	}
	if (f != NULL)
		fclose(f);
	if (!found)
		say("hostile: %s: no group segment mapping in /proc/self/maps\n", H.mode);
}

/*
 * The daemon's watcher sleeps on this replica's life word: in its segment
 * "rtaudio-<group>-r<index>", at the layout's life offset (1152,
 * lib/layout.h) plus the mutex's lock word (glibc: 0). Found in open,
 * before the sandbox's lock (which forbids opening /proc/self/maps).
 */
#define LIFE_OFFSET 1152u
#define LIFE_WAKES  100000
static uint32_t *life_word_at(void)
{
	char line[512], want[96];
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo = 0, hi;

	snprintf(want, sizeof want, "rtaudio-%s-r%" PRIu32, H.group, H.index);
	while (f != NULL && lo == 0 && fgets(line, sizeof line, f) != NULL) {
		char *name = strstr(line, want);
		if (name == NULL || (name[strlen(want)] != '\n' && name[strlen(want)] != ' ') ||
		    sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			lo = 0;
	}
	if (f != NULL)
		fclose(f);
	return lo != 0 ? (uint32_t *)(lo + LIFE_OFFSET) : NULL;
}

/* Wake it as fast as it can, LIFE_WAKES times, then carry on. */
static void try_life_wake(void)
{
	long woken = 0;

	if (H.life == NULL) {
		say("hostile: %s: no mapping of its segment in /proc/self/maps\n", H.mode);
		return;
	}
#ifdef __linux__
	for (int i = 0; i < LIFE_WAKES; i++) {
		long rc = syscall(SYS_futex, H.life, FUTEX_WAKE, 1, NULL, NULL, 0);
		if (rc > 0)
			woken += rc;
	}
#endif
	say("hostile: %s: %d wakes, %ld of them woke a waiter: DONE (%ld)\n", H.mode, LIFE_WAKES,
	    woken, woken);
}

static void misbehave(void)
{
	say("hostile: %s: trying (replica %" PRIu32 ", pid %d)\n", H.mode, H.index, (int)getpid());
	if (strcmp(H.mode, "life_wake") == 0) {
		try_life_wake();
		return;
	}
	if (strcmp(H.mode, "shm_name") == 0) {
		char p[160];
		snprintf(p, sizeof p, "/dev/shm/rtaudio-%s-r%u", H.group, H.index == 0 ? 1u : 0u);
		try_open(p, O_RDWR);
		snprintf(p, sizeof p, "/dev/shm/rtaudio-%s-group", H.group);
		try_open(p, O_RDWR);
	} else if (strcmp(H.mode, "proc_fd") == 0) {
		int opened = 0, first = 0;
		for (int n = 0; n < 256; n++) {
			char p[64];
			snprintf(p, sizeof p, "/proc/%d/fd/%d", (int)getppid(), n);
			int fd = open(p, O_RDWR | O_CLOEXEC);
			if (fd >= 0) {
				opened++;
				close(fd);
			} else if (first == 0 && errno != ENOENT) {
				first = errno;
			}
		}
		say("hostile: %s: /proc/PPID/fd/0..255 read-write: %d opened%s%s\n", H.mode, opened,
		    first != 0 ? ", refused: " : "", first != 0 ? strerror(first) : "");
		try_open("/proc/self/fd/3", O_RDWR);
		try_group_mapping();
	} else if (strcmp(H.mode, "connect") == 0) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		snprintf(a.sun_path, sizeof a.sun_path, "%s", H.socket);
		int rc = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&a, sizeof a);
		result(rc, errno, "connect(control socket)");
	} else if (strcmp(H.mode, "write_file") == 0) {
		try_open(H.path, O_WRONLY | O_CREAT | O_TRUNC);
	} else if (strcmp(H.mode, "socket") == 0) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		result(fd, errno, "socket(AF_INET)");
	} else if (strcmp(H.mode, "fork") == 0) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		result(pid, errno, "fork");
	} else if (strcmp(H.mode, "exec") == 0) {
		execl("/bin/true", "true", (char *)NULL);
		result(-1, errno, "execve(/bin/true)");
	} else if (strcmp(H.mode, "kill_daemon") == 0) {
		int rc = kill(getppid(), SIGKILL);
		result(rc, errno, "kill(daemon, SIGKILL)");
	} else if (strcmp(H.mode, "alloc") == 0) {
		static void *chunk[65536];
		size_t n = 0, sz = 16u << 20;
		while (n < sizeof chunk / sizeof chunk[0] && (chunk[n] = malloc(sz)) != NULL)
			memset(chunk[n++], 1, sz);
		int err = errno;
		say("hostile: %s: allocation refused after %zu MiB (%s)\n", H.mode, n * 16,
		    strerror(err));
		while (n > 0)
			free(chunk[--n]);
	}
}

static void *worker(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	(void)arg;
	while (atomic_load(&H.go) == 0)
		nanosleep(&ms, NULL);
	if (atomic_load(&H.go) == 1)
		misbehave();
	return NULL;
}

static void copy_key(struct rta_host *host, const char *key, char *dst, size_t len)
{
	const char *v = rta_config_get(host, "source", key);

	snprintf(dst, len, "%s", v != NULL ? v : "");
}

static int h_open(void *state, struct rta_host *host, const struct rta_stream *st)
{
	const char *v;

	(void)state;
	H.rate = st->sample_rate;
	H.frequency = (v = rta_config_get(host, "source", "frequency")) ? atof(v) : 440.0;
	H.index = (v = rta_config_get(host, "source", "index")) ? (uint32_t)atoi(v) : 0;
	H.at = (v = rta_config_get(host, "source", "at")) ? strtoull(v, NULL, 10) : 200;
	copy_key(host, "mode", H.mode, sizeof H.mode);
	copy_key(host, "group", H.group, sizeof H.group);
	copy_key(host, "socket", H.socket, sizeof H.socket);
	copy_key(host, "path", H.path, sizeof H.path);
	H.mine = st->channels != 0 && st->replica == H.index;
	if (H.mine && strcmp(H.mode, "life_wake") == 0)
		H.life = life_word_at();
	/* A worker for the thread modes (in a --check run too, where replica
	 * is 0: it never gets its cue there, and close ends it). */
	if (H.mine && strcmp(H.mode, "spin") != 0 &&
	    strcmp(H.mode, "stop") != 0 && H.mode[0] != '\0')
		H.have_worker = pthread_create(&H.worker, NULL, worker, NULL) == 0;
	return 0;
}

static void h_render(void *state, const struct rta_block *b)
{
	(void)state;
	source_sine_render(b->out, b->frames, b->channels, H.rate, H.frequency, b->seq);
	if (!H.mine || H.done || b->seq < H.at || b->seq >= H.at + WINDOW)
		return;
	H.done = true;
	if (strcmp(H.mode, "spin") == 0 || strcmp(H.mode, "stop") == 0)
		say("hostile: %s: trying (replica %" PRIu32 ", pid %d)\n", H.mode, H.index,
		    (int)getpid());
	if (strcmp(H.mode, "spin") == 0)
		for (volatile uint64_t x = 0;; x++)
			;
	if (strcmp(H.mode, "stop") == 0)
		kill(getpid(), SIGSTOP);
	else
		atomic_store(&H.go, 1);
}

static void h_close(void *state)
{
	(void)state;
	if (H.have_worker) {
		if (atomic_load(&H.go) == 0)
			atomic_store(&H.go, 2);
		pthread_join(H.worker, NULL);
	}
}

static const struct rta_renderer hostile = {
	.abi = RTA_RENDERER_ABI,
	.name = "hostile",
	.open = h_open,
	.render = h_render,
	.close = h_close,
};

int main(int argc, char **argv)
{
	return rta_renderer_main(argc, argv, &hostile, NULL);
}
