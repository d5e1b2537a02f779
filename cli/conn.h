/*
 * conn.h - rtaudioctl's connection to rtaudiod's control socket.
 *
 * What it does: connects to the Unix socket with send and receive time-outs,
 * sends a whole request line, and hands out whole reply lines from a growing
 * receive buffer; maps a connection error to rtaudioctl's exit status.
 * What it does not do: print, exit, retry or parse JSON. The callers
 * (rtaudioctl.c for one request, live.c for the polling verbs) decide what
 * an error means for them: one request exits, wait-ready retries.
 */
#ifndef RTAUDIO_CLI_CONN_H
#define RTAUDIO_CLI_CONN_H

#include <stddef.h>

#define CONN_REPLY_MAX (1024 * 1024)  /* bytes of one reply line */

/* A receive buffer that hands out whole lines. Zero-initialise it. */
struct conn_buf {
	char *data;
	size_t len;   /* bytes held */
	size_t start; /* first byte not yet handed out */
	size_t cap;
};

/*
 * Connect to the socket at `path`. `timeout_ms` (> 0) becomes SO_SNDTIMEO
 * and SO_RCVTIMEO, so on Linux it also bounds connect() on a socket whose
 * listen backlog is full. Returns a close-on-exec descriptor the caller
 * closes, or -errno: -ENAMETOOLONG when the path does not fit sun_path,
 * -ENOENT / -ECONNREFUSED when no daemon listens, -EACCES when the socket
 * may not be opened. Thread-safe.
 */
int conn_open(const char *path, int timeout_ms);

/* Set fd's receive time-out; 0 = wait for ever (a quiet event stream). */
void conn_set_recv_timeout(int fd, int timeout_ms);

/*
 * Send len bytes of buf, whole (retrying short writes and EINTR), without
 * raising SIGPIPE when the daemon has gone. Returns 0 or -errno.
 */
int conn_send(int fd, const char *buf, size_t len);

/*
 * The next line from fd into *line (NUL-terminated, without its "\n") and
 * *len, valid until the next call on b. A last line without "\n" before EOF
 * counts. Returns 1, 0 at EOF before any byte of a line, or -errno: -EAGAIN
 * when the receive time-out expired, -EMSGSIZE for a line longer than
 * CONN_REPLY_MAX, -ENOMEM, or recv's error. Allocates into b (conn_buf_free).
 */
int conn_read_line(int fd, struct conn_buf *b, char **line, size_t *len);

/* Free b's buffer and zero it, so it can be reused. */
void conn_buf_free(struct conn_buf *b);

/*
 * rtaudioctl's exit status for a connection failure -errno: 64 (EX_USAGE)
 * for a path too long, 77 (EX_NOPERM) for EACCES and EPERM, 71 (EX_OSERR)
 * for a lack of descriptors or memory, 69 (EX_UNAVAILABLE) otherwise.
 */
int conn_exit_code(int rc);

#endif
