/*
 * conn.c - rtaudioctl's connection to rtaudiod's control socket (conn.h).
 *
 * What it does: socket + connect with time-outs, whole-buffer sends without
 * SIGPIPE, a line reader over a buffer that grows up to CONN_REPLY_MAX.
 * What it does not do: print, exit or retry; errors are returned as -errno
 * and turned into messages and exit codes by the callers.
 */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

static void set_timeout(int fd, int which, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	(void)setsockopt(fd, SOL_SOCKET, which, &tv, sizeof tv);
}

void conn_set_recv_timeout(int fd, int timeout_ms)
{
	set_timeout(fd, SO_RCVTIMEO, timeout_ms > 0 ? timeout_ms : 0);
}

int conn_open(const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t plen = strlen(path);
	int fd;

	if (plen >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, plen + 1);
#ifdef __APPLE__
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0) {
		int one = 1;
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		(void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
	}
#else
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
#endif
	if (fd < 0)
		return -errno;
	if (timeout_ms > 0) {
		set_timeout(fd, SO_SNDTIMEO, timeout_ms);
		set_timeout(fd, SO_RCVTIMEO, timeout_ms);
	}
	while (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		if (e == EINTR)
			continue;
		close(fd);
		return -e;
	}
	return fd;
}

int conn_send(int fd, const char *buf, size_t len)
{
#ifdef MSG_NOSIGNAL
	const int flags = MSG_NOSIGNAL;  /* a vanished daemon is an error, not a signal */
#else
	const int flags = 0;             /* SO_NOSIGPIPE is set instead */
#endif
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, flags);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}

int conn_read_line(int fd, struct conn_buf *b, char **line, size_t *len)
{
	for (;;) {
		char *nl = b->len > b->start ?
			   memchr(b->data + b->start, '\n', b->len - b->start) : NULL;
		if (nl != NULL) {
			*nl = '\0';
			*line = b->data + b->start;
			*len = (size_t)(nl - *line);
			b->start += *len + 1;
			return 1;
		}
		if (b->start > 0) {  /* keep only the partial line */
			memmove(b->data, b->data + b->start, b->len - b->start);
			b->len -= b->start;
			b->start = 0;
		}
		if (b->len > CONN_REPLY_MAX)
			return -EMSGSIZE;
		if (b->cap - b->len < 4096) {
			size_t cap = b->cap == 0 ? 16384 : b->cap * 2;
			char *p = realloc(b->data, cap + 1);  /* + 1: room for a NUL */
			if (p == NULL)
				return -ENOMEM;
			b->data = p;
			b->cap = cap;
		}
		ssize_t n = recv(fd, b->data + b->len, b->cap - b->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		if (n == 0) {
			if (b->len == 0)
				return 0;
			/* A last line without "\n": take it as it is. */
			b->data[b->len] = '\0';
			*line = b->data;
			*len = b->len;
			b->start = b->len;
			return 1;
		}
		b->len += (size_t)n;
	}
}

void conn_buf_free(struct conn_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

int conn_exit_code(int rc)
{
	switch (-rc) {
	case ENAMETOOLONG:
		return EX_USAGE;
	case EACCES:
	case EPERM:
		return EX_NOPERM;
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case ENOBUFS:
		return EX_OSERR;
	default:
		return EX_UNAVAILABLE;
	}
}
