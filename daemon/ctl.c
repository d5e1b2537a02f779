/*
 * ctl.c - Unix-socket control server on libuv.
 *
 * Does: accept, per-client line framing with a hard size limit, replies as
 * JSON lines (one may carry descriptors, SCM_RIGHTS, for taps), event
 * streaming with a per-client queue bound, SO_PEERCRED.
 * A socket file removed from under the daemon is noticed within a second and
 * recreated (a replaced one is reported and left alone).
 * Does not: parse or execute commands (cmd.c), or ever block the loop: a
 * client that does not read its replies is dropped once CTL_MAX_QUEUED bytes
 * are pending, so memory stays bounded whatever clients do.
 */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "ctl.h"
#include "log.h"

struct wreq {
	uv_write_t req;
	size_t len;
	char data[];
};

static void client_close(struct ctl_client *c);

static void on_client_close(uv_handle_t *h)
{
	struct ctl_client *c = h->data;
	struct ctl *ctl = c->ctl;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		ctl->clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	ctl->nclients--;
	free(c);
}

static void client_close(struct ctl_client *c)
{
	if (c->closing)
		return;
	c->closing = true;
	free(c->buf);
	c->buf = NULL;
	c->len = 0;
	if (c->ctl->on_close != NULL)
		c->ctl->on_close(c);
	uv_close((uv_handle_t *)&c->pipe, on_client_close);
}

static void on_write(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct ctl_client *c = req->handle->data;

	if (status < 0 && status != UV_ECANCELED)
		client_close(c);
	free(w);
}

static void send_bytes(struct ctl_client *c, const char *data, size_t len, bool newline)
{
	if (c->closing)
		return;
	/*
	 * Bytes the client has not taken yet. Each line also holds a write
	 * request until libuv's callback (a loop iteration after delivery), so
	 * a stuck client costs about 2.4x this in heap: ~625 KiB, measured.
	 */
	if (c->pipe.write_queue_size + len > CTL_MAX_QUEUED) {
		log_warn("control: dropping client pid %d: %zu bytes unread", (int)c->pid,
		         c->pipe.write_queue_size);
		client_close(c);
		return;
	}
	struct wreq *w = malloc(sizeof(*w) + len + 1);
	if (w == NULL) {
		client_close(c);
		return;
	}
	memcpy(w->data, data, len);
	if (newline)
		w->data[len++] = '\n';
	w->len = len;
	uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
	if (uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1, on_write) < 0) {
		free(w);
		client_close(c);
	}
}

void ctl_reply(struct ctl_client *c, json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);

	json_decref(obj);
	if (s == NULL) {
		client_close(c);
		return;
	}
	send_bytes(c, s, strlen(s), true);
	free(s);
}

int ctl_reply_fds(struct ctl_client *c, json_t *obj, const int *fds, unsigned nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * CTL_MAX_FDS)];
	} ctrl;
	uv_os_fd_t fd;
	int rc = 0;

	if (nfds == 0 || nfds > CTL_MAX_FDS) {
		json_decref(obj);
		return -EINVAL;
	}
	/* Anything libuv still holds for this client would arrive after us. */
	if (c->closing || uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) != 0 ||
	    uv_fileno((uv_handle_t *)&c->pipe, &fd) < 0) {
		json_decref(obj);
		return c->closing ? -EPIPE : -EAGAIN;
	}
	char *s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(obj);
	if (s == NULL) {
		client_close(c);
		return -ENOMEM;
	}
	size_t len = strlen(s);
	struct iovec iov[2] = { { s, len }, { (char *)"\n", 1 } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	memset(&ctrl, 0, sizeof(ctrl));
	msg.msg_control = ctrl.buf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
#ifdef MSG_NOSIGNAL
	const int flags = MSG_DONTWAIT | MSG_NOSIGNAL;
#else
	const int flags = MSG_DONTWAIT;  /* the daemon ignores SIGPIPE */
#endif
	ssize_t n;
	do
		n = sendmsg(fd, &msg, flags);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		rc = errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
		if (rc != -EAGAIN)
			client_close(c);
	} else if ((size_t)n <= len) {
		/* The descriptors went with the first byte; the rest waits its turn. */
		send_bytes(c, s + n, len - (size_t)n, true);
	}
	free(s);
	return rc;
}

json_t *ctl_refusal(int code, const char *msg)
{
	return json_pack("{s:b, s:s, s:s}", "ok", 0, "code", proto_error_code((enum proto_err)code),
	                 "error", msg);
}

void ctl_error(struct ctl_client *c, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_reply(c, ctl_refusal(code, msg));
}

void ctl_broadcast(struct ctl *ctl, const char *line)
{
	size_t len = strlen(line);

	for (struct ctl_client *c = ctl->clients, *next; c != NULL; c = next) {
		next = c->next;
		if (c->streaming)
			send_bytes(c, line, len, true);
	}
}

bool ctl_client_privileged(const struct ctl_client *c)
{
	return c->cred_ok && (c->uid == 0 || c->uid == c->ctl->uid);
}

bool ctl_client_reader(const struct ctl_client *c)
{
	return ctl_client_privileged(c) || (c->cred_ok && c->member);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct ctl_client *c = h->data;

	if (c->buf == NULL && !c->closing)
		c->buf = malloc(CTL_BUF_SIZE);
	if (c->buf == NULL) {
		*buf = uv_buf_init(NULL, 0);  /* UV_ENOBUFS: the client is closed */
		return;
	}
	/* Read straight into the line buffer: never more than one line + 1 byte. */
	*buf = uv_buf_init(c->buf + c->len, (unsigned)(CTL_BUF_SIZE - 1 - c->len));
}

static void process(struct ctl_client *c)
{
	char *nl;

	if (c->buf == NULL)
		return;  /* nothing read yet */
	while (!c->closing && !c->deferred && (nl = memchr(c->buf, '\n', c->len)) != NULL) {
		size_t linelen = (size_t)(nl - c->buf);
		*nl = '\0';
		c->ctl->on_line(c, c->buf, linelen);
		if (c->closing)
			return;  /* the handler dropped it: c->buf is gone */
		c->len -= linelen + 1;
		memmove(c->buf, nl + 1, c->len);
		c->since_ns = clock_now_ns();
	}
	if (c->deferred)
		uv_read_stop((uv_stream_t *)&c->pipe);
	if (!c->closing && c->len > PROTO_LINE_MAX) {
		ctl_error(c, PERR_USAGE, "line too long (limit %u bytes)", PROTO_LINE_MAX);
		client_close(c);
	}
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct ctl_client *c = st->data;

	if (n < 0) {
		client_close(c);
		return;
	}
	if (c->len == 0 && n > 0)
		c->since_ns = clock_now_ns();  /* a request line starts */
	c->len += (size_t)n;
	process(c);
}

void ctl_resume(struct ctl_client *c)
{
	if (c->closing || !c->deferred)
		return;
	c->deferred = false;
	process(c);
	if (!c->closing && !c->deferred)
		uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
}

/* The peer's credentials, and whether it belongs to the socket's group. */
static void peer_cred(struct ctl_client *c)
{
	gid_t group = c->ctl->group;
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) < 0)
		return;
#ifdef SO_PEERCRED
	struct ucred uc;
	socklen_t len = sizeof(uc);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0) {
		c->uid = uc.uid;
		c->pid = uc.pid;
		c->cred_ok = true;
		c->member = group != (gid_t)-1 && uc.gid == group;
	}
#ifdef SO_PEERGROUPS
	/* Supplementary groups as they were when the peer connected. */
	gid_t groups[64];
	len = sizeof(groups);
	if (c->cred_ok && !c->member && group != (gid_t)-1 &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0)
		for (size_t k = 0; k < len / sizeof(gid_t); k++)
			if (groups[k] == group)
				c->member = true;
#endif
#else
	uid_t uid;
	gid_t gid;
	if (getpeereid(fd, &uid, &gid) == 0) {
		c->uid = uid;
		c->cred_ok = true;
		c->member = group != (gid_t)-1 && gid == group;
	}
#endif
}

/* Nothing in progress for it: no reply pending, no event stream. */
static bool evictable(const struct ctl_client *c)
{
	return !c->closing && !c->deferred && !c->streaming;
}

/*
 * The table is full: make room for `fresh` by dropping the client that has
 * waited longest without finishing a request, so a flood of silent or
 * half-line clients cannot lock out the next real one. False if none can go.
 */
static bool evict_one(struct ctl *ctl, struct ctl_client *fresh)
{
	struct ctl_client *victim = NULL;

	for (struct ctl_client *c = ctl->clients; c != NULL; c = c->next)
		if (c != fresh && evictable(c) && (victim == NULL || c->since_ns < victim->since_ns))
			victim = c;
	if (victim == NULL)
		return false;
	/* Dropped without a reply: composing one costs memory during a flood. */
	client_close(victim);
	return true;
}

static void check_socket(struct ctl *ctl);

static void on_sweep(uv_timer_t *t)
{
	struct ctl *ctl = t->data;
	uint64_t now = clock_now_ns();

	check_socket(ctl);
	for (struct ctl_client *c = ctl->clients, *next; c != NULL; c = next) {
		next = c->next;
		if (!evictable(c) || now < c->since_ns)
			continue;
		uint64_t ms = (now - c->since_ns) / NSEC_PER_MSEC;
		if (c->len > 0 && ms > CTL_LINE_TIMEOUT_MS) {
			ctl_error(c, PERR_TIMEOUT, "request not finished within %u ms", CTL_LINE_TIMEOUT_MS);
			client_close(c);
		} else if (c->len == 0 && ms > CTL_IDLE_TIMEOUT_MS) {
			client_close(c);
		}
	}
}

static void on_connection(uv_stream_t *server, int status)
{
	struct ctl *ctl = server->data;
	struct ctl_client *c;

	if (status < 0) {
		log_warn("control: accept: %s", uv_strerror(status));
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		log_warn("control: out of memory for a client");
		return;
	}
	c->ctl = ctl;
	uv_pipe_init(ctl->loop, &c->pipe, 0);
	c->pipe.data = c;
	c->next = ctl->clients;
	if (ctl->clients != NULL)
		ctl->clients->prev = c;
	ctl->clients = c;
	ctl->nclients++;
	if (uv_accept(server, (uv_stream_t *)&c->pipe) < 0) {
		client_close(c);
		return;
	}
	peer_cred(c);
	c->since_ns = clock_now_ns();
	if (ctl->nclients > CTL_MAX_CLIENTS && !evict_one(ctl, c)) {
		ctl_error(c, PERR_BUSY, "too many clients (limit %u)", CTL_MAX_CLIENTS);
		client_close(c);
		return;
	}
	uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
}

/* True if something accepts connections on `path` (a live daemon). */
static bool socket_alive(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	bool alive;

	if (fd < 0)
		return false;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	alive = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return alive;
}

/*
 * Bind, set the owner and mode, listen: the server handle is open after it,
 * whatever the result (ctl->server_open), and the socket's inode is noted so
 * that the sweep can tell it was removed or replaced.
 */
static int bind_server(struct ctl *ctl)
{
	struct stat st;
	int rc;

	uv_pipe_init(ctl->loop, &ctl->server, 0);
	ctl->server.data = ctl;
	ctl->server_open = true;
	/* No window where the socket exists with looser permissions than asked. */
	mode_t old = umask(0077);
	rc = uv_pipe_bind(&ctl->server, ctl->path);
	umask(old);
	if (rc == 0 && ctl->group != (gid_t)-1 && chown(ctl->path, (uid_t)-1, ctl->group) < 0)
		rc = -errno;
	if (rc == 0 && chmod(ctl->path, ctl->mode) < 0)
		rc = -errno;
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&ctl->server, 128, on_connection);
	if (rc == 0 && lstat(ctl->path, &st) == 0) {
		ctl->dev = st.st_dev;
		ctl->ino = st.st_ino;
	}
	return rc;
}

/* Our socket file is there and is the one we bound (by device and inode). */
static bool socket_ours(const struct ctl *ctl)
{
	struct stat st;

	return lstat(ctl->path, &st) == 0 && st.st_dev == ctl->dev && st.st_ino == ctl->ino;
}

static void on_server_rebind(uv_handle_t *h)
{
	struct ctl *ctl = h->data;
	int rc;

	ctl->server_open = false;
	if (!ctl->listening)
		return;  /* ctl_close() came meanwhile */
	rc = bind_server(ctl);
	if (rc < 0)
		log_error("control socket %s: cannot recreate it: %s", ctl->path, uv_strerror(rc));
	else
		log_warn("control socket %s recreated", ctl->path);
}

/*
 * Called every second by the sweep: a socket file removed (rm, a tmp
 * cleaner) or replaced leaves the daemon unreachable, and let a second
 * daemon bind the same path. Recreate it when the path is free; if another
 * live socket holds it, say so once and leave it alone.
 */
static void check_socket(struct ctl *ctl)
{
	struct stat st;

	if (!ctl->listening || !ctl->server_open || uv_is_closing((uv_handle_t *)&ctl->server) ||
	    socket_ours(ctl))
		return;
	if (lstat(ctl->path, &st) == 0) {
		if (!ctl->lost)
			log_error("control socket %s was replaced by another %s; not listening there",
			          ctl->path, S_ISSOCK(st.st_mode) ? "socket" : "file");
		ctl->lost = true;
		return;
	}
	ctl->lost = false;
	log_warn("control socket %s was removed: recreating it", ctl->path);
	uv_close((uv_handle_t *)&ctl->server, on_server_rebind);
}

int ctl_listen(struct ctl *ctl, uv_loop_t *loop, const char *path, unsigned mode,
               const char *group, char *err, size_t errlen)
{
	struct stat st;
	int rc;

	ctl->loop = loop;
	ctl->uid = getuid();
	ctl->group = (gid_t)-1;
	ctl->mode = mode;
	if (group != NULL && group[0] != '\0') {
		struct group *gr = getgrnam(group);
		if (gr == NULL) {
			snprintf(err, errlen, "socket_group: no such group '%s'", group);
			return -ENOENT;
		}
		ctl->group = gr->gr_gid;
	}
	if (strlen(path) >= sizeof(ctl->path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", path);
			return -EEXIST;
		}
		if (socket_alive(path)) {
			snprintf(err, errlen, "%s: another rtaudiod is listening there", path);
			return -EADDRINUSE;
		}
		unlink(path);
	}
	/* Create the parent (one level, e.g. /run/rtaudiod) if it is missing. */
	char dir[sizeof(ctl->path)];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			rc = -errno;
			snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
			return rc;
		}
	}
	ctl->listening = true;
	rc = bind_server(ctl);
	if (rc == 0) {
		uv_timer_init(loop, &ctl->sweep);
		ctl->sweep.data = ctl;
		uv_timer_start(&ctl->sweep, on_sweep, 1000, 1000);
		ctl->sweeping = true;
	}
	if (rc < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, uv_strerror(rc));
		ctl_close(ctl);
		return rc;
	}
	return 0;
}

void ctl_close(struct ctl *ctl)
{
	if (ctl->sweeping) {
		ctl->sweeping = false;
		uv_close((uv_handle_t *)&ctl->sweep, NULL);
	}
	if (!ctl->listening)
		return;
	ctl->listening = false;
	/* Mid-rebind the handle is already closing; its callback sees !listening. */
	if (ctl->server_open && !uv_is_closing((uv_handle_t *)&ctl->server)) {
		ctl->server_open = false;
		uv_close((uv_handle_t *)&ctl->server, NULL);
	}
	/* Only our own socket: the path may now be another daemon's. */
	if (socket_ours(ctl))
		unlink(ctl->path);
	for (struct ctl_client *c = ctl->clients; c != NULL; c = c->next)
		client_close(c);
}
