/*
 * benchd.c - a bench's hold on one real rtaudiod (benchd.h): its config,
 * its process, its control socket and its event stream.
 *
 * What it does not do: time or judge anything (the benches do), or talk
 * any protocol but the one-line JSON of rtaudioctl(1) over the socket.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchd.h"
#include "clock.h"

json_t *benchd_request(const struct benchd *d, const char *line)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[65536];
	size_t len = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->sock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	dprintf(fd, "%s\n", line);
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
	return json_loads(buf, 0, NULL);
}

json_int_t benchd_int(json_t *j, const char *path)
{
	json_t *v = j;
	char key[64];

	while (v != NULL && *path != '\0') {
		size_t n = strcspn(path, ".");
		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		v = json_is_array(v) ? json_array_get(v, (size_t)atoi(key)) : json_object_get(v, key);
		path += n + (path[n] == '.');
	}
	return v != NULL && json_is_integer(v) ? json_integer_value(v) : -1;
}

static bool all_ready(const struct benchd *d)
{
	json_t *st = benchd_request(d, "status");
	bool ok = st != NULL;
	json_t *reps = json_object_get(st, "replicas");

	for (size_t i = 0; ok && i < json_array_size(reps); i++) {
		const char *role = json_string_value(json_object_get(json_array_get(reps, i), "role"));
		ok = role != NULL && (strcmp(role, "primary") == 0 || strcmp(role, "standby") == 0);
	}
	ok = ok && json_is_integer(json_object_get(st, "primary"));
	json_decref(st);
	return ok;
}

bool benchd_wait_ready(const struct benchd *d, int seconds)
{
	uint64_t end = clock_now_ns() + (uint64_t)seconds * NSEC_PER_SEC;

	while (clock_now_ns() < end) {
		if (all_ready(d))
			return true;
		usleep(2000);
	}
	return false;
}

int benchd_start(struct benchd *d, const char *standby)
{
	const char *rtaudiod = getenv("RTAUDIOD"), *replica = getenv("REPLICA");
	FILE *f;

	memset(d, 0, sizeof(*d));
	d->pid = -1;
	if (rtaudiod == NULL || replica == NULL) {
		fprintf(stderr, "benchd: set RTAUDIOD and REPLICA (make bench does)\n");
		return -1;
	}
	snprintf(d->dir, sizeof(d->dir), "/tmp/rtaudio-bench.XXXXXX");
	if (mkdtemp(d->dir) == NULL)
		return -1;
	snprintf(d->sock, sizeof(d->sock), "%s/ctl.sock", d->dir);
	snprintf(d->conf, sizeof(d->conf), "%s/rtaudiod.conf", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/rtaudiod.log", d->dir);
	f = fopen(d->conf, "w");
	if (f == NULL)
		return -1;
	/*
	 * This kills faster than any crash loop a user would meet: each
	 * replica lives well under a second, so with the default backoff the
	 * slots' restarts would back off to seconds and the group degrade,
	 * and the cycles would time the backoff. Backoff and start limits are
	 * check_fsm's to test; here they are out of the way.
	 */
	fprintf(f, "[daemon]\nsocket = %s\nlog_level = warn\n[group]\nname = bench%d\n"
	           "replica = %s\nstandby = %s\n[stream]\nsample_rate = 48000\nframes = 256\n"
	           "[watchdog]\nrestart_backoff_ms = 20\nrestart_backoff_max_ms = 20\nstart_limit = 1000\n",
	        d->sock, (int)getpid(), replica, standby);
	fclose(f);
	d->pid = fork();
	if (d->pid == 0) {
		if (freopen(d->log, "w", stderr) == NULL)
			_exit(126);
		execl(rtaudiod, "rtaudiod", "-c", d->conf, (char *)NULL);
		_exit(127);
	}
	if (d->pid < 0) {
		perror("benchd: fork");
		return -1;
	}
	if (!benchd_wait_ready(d, 10)) {
		fprintf(stderr, "benchd: daemon did not become ready\n");
		return -1;
	}
	return 0;
}

void benchd_stop(struct benchd *d)
{
	char line[512];
	int shown = 0;
	FILE *f;

	if (d->pid > 0) {  /* never kill(-1): that is every process we may signal */
		kill(d->pid, SIGTERM);
		waitpid(d->pid, NULL, 0);
	}
	/* The daemon's own account of anything that went wrong during the run. */
	f = fopen(d->log, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "underrun") != NULL || strstr(line, "lost") != NULL ||
		    strstr(line, "late by") != NULL || strstr(line, "error") != NULL)
			if (shown++ < 20)
				printf("  daemon: %s", line);
	if (f != NULL)
		fclose(f);
	unlink(d->log);
	unlink(d->conf);
	rmdir(d->dir);
}

int benchd_events_open(const struct benchd *d, struct benchd_events *ev)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	ev->len = 0;
	ev->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->sock);
	if (ev->fd < 0 || connect(ev->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	dprintf(ev->fd, "events\n");
	return 0;
}

json_t *benchd_events_next(struct benchd_events *ev, uint64_t deadline)
{
	for (;;) {
		char *nl = memchr(ev->buf, '\n', ev->len);
		if (nl != NULL) {
			*nl = '\0';
			json_t *j = json_loads(ev->buf, 0, NULL);
			ev->len -= (size_t)(nl + 1 - ev->buf);
			memmove(ev->buf, nl + 1, ev->len);
			return j;
		}
		uint64_t now = clock_now_ns();
		if (now >= deadline || ev->len == sizeof(ev->buf))
			return NULL;
		struct timeval tv = { .tv_sec = (time_t)((deadline - now) / NSEC_PER_SEC),
		                      .tv_usec = (suseconds_t)((deadline - now) % NSEC_PER_SEC / 1000) };
		setsockopt(ev->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ssize_t n = read(ev->fd, ev->buf + ev->len, sizeof(ev->buf) - ev->len);
		if (n <= 0)
			return NULL;
		ev->len += (size_t)n;
	}
}

int64_t benchd_events_wait(struct benchd_events *ev, const char *type, int index, int seconds)
{
	uint64_t deadline = clock_now_ns() + (uint64_t)seconds * NSEC_PER_SEC;
	json_t *j;

	while ((j = benchd_events_next(ev, deadline)) != NULL) {
		const char *t = json_string_value(json_object_get(j, "event"));
		json_t *idx = json_object_get(j, "index");
		int64_t mono = benchd_int(j, "mono_ns");
		bool match = t != NULL && strcmp(t, type) == 0 &&
		             (index < 0 || (json_is_integer(idx) && json_integer_value(idx) == index));
		json_decref(j);
		if (match)
			return mono;
	}
	return -1;
}

json_int_t benchd_primary_pid(const struct benchd *d, json_int_t *primary)
{
	json_t *st = benchd_request(d, "status");
	char path[32];

	*primary = benchd_int(st, "primary");
	snprintf(path, sizeof(path), "replicas.%d.pid", (int)*primary);
	json_int_t pid = *primary >= 0 ? benchd_int(st, path) : -1;
	json_decref(st);
	return pid;
}
