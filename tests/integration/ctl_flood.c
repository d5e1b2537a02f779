/*
 * ctl_flood.c - abuse rtaudiod's control socket (integration test tool).
 *
 * Opens N connections at once, each misbehaving in one of five ways (by
 * index): 1 MiB without a newline; random bytes; half a request line, then
 * silence; a request and an immediate close (disconnect mid-reply); nothing
 * at all. While they are held for HOLD seconds, a well-behaved client asks
 * "version" every 100 ms and must be answered within 2 s each time. Prints
 * what happened to the abusers (answered with an error, dropped, still
 * open) and how many good requests were served. Exit 0 if all were, all N
 * connected, and every overlong, junk or half-line client (HOLD past the
 * daemon's 5 s line time-out) was refused or cut off; 1 otherwise.
 *
 * usage: ctl_flood SOCKET N HOLD_SECONDS
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_un sa = { .sun_family = AF_UNIX };

static int dial(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* One good request; 1 if answered ok within 2 s. */
static int good_request(void)
{
	char buf[4096];
	size_t len = 0;
	int fd = dial();

	if (fd < 0)
		return 0;
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, "version\n", 8) != 8) {
		close(fd);
		return 0;
	}
	while (len < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len) != NULL)
			break;
	}
	close(fd);
	buf[len] = '\0';
	return strstr(buf, "\"ok\":true") != NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: ctl_flood SOCKET N HOLD_SECONDS\n");
		return 2;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	int n = atoi(argv[2]);
	double hold = atof(argv[3]);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);

	char junk[4096];
	int ur = open("/dev/urandom", O_RDONLY);
	if (ur < 0 || read(ur, junk, sizeof(junk)) != (ssize_t)sizeof(junk))
		return 2;
	close(ur);
	int *fds = calloc((size_t)n, sizeof(int));
	char *big = malloc(1 << 20);
	if (fds == NULL || big == NULL) {
		fprintf(stderr, "ctl_flood: out of memory\n");
		free(fds);
		free(big);
		return 2;
	}
	memset(big, 'x', 1 << 20);
	int connected = 0;
	for (int i = 0; i < n; i++) {
		fds[i] = dial();
		if (fds[i] < 0)
			continue;
		connected++;
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
		switch (i % 5) {
		case 0: (void)!write(fds[i], big, 1 << 20); break;  /* as much as fits */
		case 1: (void)!write(fds[i], junk, sizeof(junk)); break;
		case 2: (void)!write(fds[i], "stat", 4); break;
		case 3: (void)!write(fds[i], "status\n", 7); close(fds[i]); fds[i] = -1; break;
		default: break;
		}
	}
	int asked = 0, served = 0;
	double end = now_s() + hold;
	while (now_s() < end) {
		asked++;
		served += good_request();
		usleep(100 * 1000);
	}
	int errors = 0, dropped = 0, open_ = 0, unanswered = 0;
	for (int i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		int before = errors + dropped;
		char buf[512];
		ssize_t r = read(fds[i], buf, sizeof(buf) - 1);
		if (r > 0) {
			buf[r] = '\0';
			if (strstr(buf, "\"ok\":false") != NULL)
				errors++;
			else
				open_++;
		} else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
			dropped++;
		} else {
			open_++;
		}
		/* An overlong line, junk, or half a line held past the daemon's 5 s
		 * line time-out: each must have been refused or cut off by now. */
		if (i % 5 <= 2 && errors + dropped == before)
			unanswered++;
		close(fds[i]);
	}
	printf("ctl_flood: %d of %d abusive clients connected; after %.0f s: %d answered with "
	       "an error, %d dropped, %d still open (%d overlong, junk or half-line ones "
	       "neither refused nor cut off); good requests served %d of %d\n",
	       connected, n, hold, errors, dropped, open_, unanswered, served, asked);
	free(fds);
	free(big);
	/* Every abuser got in (the daemon bounds clients by dropping, not by
	 * refusing to accept), every one that broke the rules was dealt with,
	 * and the good client was served each time. */
	return served == asked && asked > 0 && connected == n && unanswered == 0 ? 0 : 1;
}
