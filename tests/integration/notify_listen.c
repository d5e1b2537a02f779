/*
 * notify_listen.c - a stand-in for systemd's notify socket (integration tests).
 *
 * Binds an AF_UNIX datagram socket at PATH and prints every message it
 * receives as one line per assignment, prefixed with CLOCK_MONOTONIC
 * milliseconds: "1234 READY=1". Runs until killed (or SECONDS pass).
 * It does not interpret the messages; the test script does.
 *
 * usage: notify_listen PATH [SECONDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	int fd;

	if (argc < 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: notify_listen PATH [SECONDS]\n");
		return 2;
	}
	int secs = argc > 2 ? atoi(argv[2]) : 600;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	unlink(argv[1]);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("notify_listen");
		return 1;
	}
	struct timeval tv = { .tv_sec = 1 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > secs)
			break;
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		clock_gettime(CLOCK_MONOTONIC, &now);
		long long ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
		for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n"))
			printf("%lld %s\n", ms, line);
	}
	unlink(argv[1]);
	return 0;
}
