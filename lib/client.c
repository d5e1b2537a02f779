/*
 * client.c - a read-only tap on a running rtaudiod group (see client.h).
 *
 * What it does: the `tap` exchange on the control socket (one request line;
 * one reply line carrying the descriptors), the read-only mapping and
 * validation of the segments, and block reads by sequence number that prefer
 * the primary's ring and fall back to the others, like the daemon's sink.
 *
 * What it does not do: parse JSON (librtaudio has no JSON dependency: the
 * reply is only checked for {"ok":true and the stream's numbers are read
 * from the group segment itself, which is what the rings are laid out by),
 * write to shared memory, log, or allocate after rta_client_open().
 *
 * Trust: the segments come from the daemon, but are validated as if they
 * did not: the geometry is read once (volatile reads), checked, and cached;
 * the rings are attached with ring_attach(), which validates their headers;
 * every later read goes through ring_read_seq() with the cached geometry,
 * and a block is used only if its CRC-32C check matches (crc32c_block).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <rtaudio/client.h>
#include "clock.h"
#include "crc32c.h"
#include "futex.h"
#include "layout.h"
#include "ring.h"
#include "shm.h"

_Static_assert(RTA_CLIENT_GROUP_MAX == SHM_GROUP_MAX, "client.h mirrors SHM_GROUP_MAX");

#define CLIENT_FDS_MAX   (1u + LAYOUT_MAX_REPLICAS)
#define CLIENT_LINE_MAX  4096u     /* the tap reply is well under 1 KiB */

struct rta_client {
	struct rta_client_info info;
	uint32_t block_bytes;
	struct shm_seg gseg;
	const struct group_seg *g;
	struct shm_seg rseg[LAYOUT_MAX_REPLICAS];
	struct ring ring[LAYOUT_MAX_REPLICAS];
};

static int client_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = RTA_CLIENT_TIMEOUT_MS / 1000,
	                      .tv_usec = (RTA_CLIENT_TIMEOUT_MS % 1000) * 1000 };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
#ifdef SOCK_CLOEXEC
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
#else
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
	if (fd < 0)
		return -errno;
#ifdef SO_NOSIGPIPE
	int one = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one));
#endif
	/* On Linux SO_SNDTIMEO also bounds connect() to a full listen backlog. */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EINTR)
			continue;
		err = errno == EAGAIN || errno == EINPROGRESS ? -ETIMEDOUT : -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int client_send(int fd, const char *s, size_t len)
{
#ifdef MSG_NOSIGNAL
	const int flags = MSG_NOSIGNAL;  /* a vanished daemon is an error, not a signal */
#else
	const int flags = 0;             /* SO_NOSIGPIPE is set instead */
#endif
	while (len > 0) {
		ssize_t n = send(fd, s, len, flags);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Keep the descriptors of one control message; extras are closed (-EPROTO). */
static int client_take_fds(struct msghdr *msg, int *fds, unsigned *nfds)
{
	int rc = 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0))
			continue;
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
#ifndef MSG_CMSG_CLOEXEC
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
			if (*nfds < CLIENT_FDS_MAX) {
				fds[(*nfds)++] = fd;
			} else {
				close(fd);
				rc = -EPROTO;
			}
		}
	}
	return rc;
}

/*
 * Receive the reply line (NUL-terminated, newline removed) and every
 * descriptor that comes with it. On error the descriptors received so far
 * stay in fds for the caller to close.
 */
static int client_recv(int sock, char *line, size_t cap, int *fds, unsigned *nfds)
{
#ifdef MSG_CMSG_CLOEXEC
	const int flags = MSG_CMSG_CLOEXEC;
#else
	const int flags = 0;
#endif
	size_t len = 0;
	int rc = 0;

	*nfds = 0;
	for (;;) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int) * CLIENT_FDS_MAX)];
		} ctrl;
		struct iovec iov = { line + len, cap - 1 - len };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl.buf,
		                      .msg_controllen = sizeof(ctrl.buf) };

		if (iov.iov_len == 0) {
			rc = -EPROTO; /* a line longer than any tap reply */
			break;
		}
		ssize_t n = recvmsg(sock, &msg, flags);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
			break;
		}
		int frc = client_take_fds(&msg, fds, nfds);
		if (frc < 0 || (msg.msg_flags & MSG_CTRUNC) != 0) {
			rc = -EPROTO;
			break;
		}
		if (n == 0) {
			if (len == 0)
				rc = -ECONNRESET;
			break; /* a last line without its newline is still the line */
		}
		len += (size_t)n;
		if (memchr(line + len - (size_t)n, '\n', (size_t)n) != NULL)
			break;
	}
	line[len] = '\0';
	char *nl = memchr(line, '\n', len);
	if (nl != NULL)
		*nl = '\0';
	return rc;
}

/* What a refusal line means, as an errno value. */
static int client_refusal(const char *line)
{
	if (strncmp(line, "{\"ok\":true", 10) == 0)
		return 0;
	if (strncmp(line, "{\"ok\":false", 11) != 0)
		return -EPROTO;
	/* By the stable code (lib/proto.h), never by the message. */
	if (strstr(line, "\"code\":\"denied\"") != NULL)
		return -EACCES;
	if (strstr(line, "\"code\":\"unknown-verb\"") != NULL)
		return -EOPNOTSUPP;
	return -EBUSY;
}

/* Copy a header's group name (read once, volatile) into out; 0 if valid. */
static int client_hdr_group(const struct shm_seg *seg, char out[SHM_GROUP_MAX + 1])
{
	const volatile char *g = ((const volatile struct shm_hdr *)seg->base)->group;

	for (size_t i = 0; i <= SHM_GROUP_MAX; i++) {
		out[i] = g[i];
		if (out[i] == '\0')
			return shm_group_valid(out) ? 0 : -EPROTO;
	}
	out[SHM_GROUP_MAX] = '\0';
	return -EPROTO;
}

static uint32_t client_hdr_index(const struct shm_seg *seg)
{
	return ((const volatile struct shm_hdr *)seg->base)->index;
}

/* Read and check the stream's geometry from the group segment, once. */
static int client_geometry(struct rta_client *c, unsigned nfds)
{
	struct rta_client_info *in = &c->info;
	struct layout_geometry geo;

	if (client_hdr_index(&c->gseg) != 0 || client_hdr_group(&c->gseg, in->group) < 0)
		return -EPROTO;
	if (layout_group_sane(c->g, &geo) < 0 || nfds != 1 + geo.replicas ||
	    c->gseg.size != geo.group_bytes)
		return -EPROTO;
	in->replicas = geo.replicas;
	in->sample_rate = geo.sample_rate;
	in->channels = geo.channels;
	in->frames = geo.frames;
	in->lead = geo.lead;
	in->ring_capacity = geo.ring_capacity;
	in->period_ns = geo.period_ns;
	in->block_samples = (size_t)geo.frames * geo.channels;
	c->block_bytes = geo.block_bytes;
	return 0;
}

static int client_map(struct rta_client *c, const int *fds, unsigned nfds)
{
	char group[SHM_GROUP_MAX + 1];
	int rc;

	if (nfds < 1)
		return -EPROTO;
	/* Any size here: with live input, the geometry says what it must be. */
	rc = shm_seg_map_fd(&c->gseg, fds[0], false, GROUP_MAGIC, LAYOUT_VERSION, SHM_KIND_GROUP, 0);
	if (rc < 0)
		return rc;
	c->g = c->gseg.base;
	if ((rc = client_geometry(c, nfds)) < 0)
		return rc;

	size_t size = layout_replica_bytes(c->info.ring_capacity, c->block_bytes);
	for (uint32_t i = 0; i < c->info.replicas; i++) {
		struct shm_seg *seg = &c->rseg[i];

		rc = shm_seg_map_fd(seg, fds[1 + i], false, REPLICA_MAGIC, LAYOUT_VERSION,
		                    SHM_KIND_REPLICA, size);
		if (rc < 0)
			return rc;
		if (client_hdr_index(seg) != i || client_hdr_group(seg, group) < 0 ||
		    strcmp(group, c->info.group) != 0)
			return -EPROTO;
		rc = ring_attach(&c->ring[i], (unsigned char *)seg->base + REPLICA_RING_OFFSET,
		                 size - REPLICA_RING_OFFSET);
		if (rc < 0)
			return rc;
		if (c->ring[i].capacity != c->info.ring_capacity ||
		    c->ring[i].max_payload < c->block_bytes)
			return -EPROTO;
	}
	return 0;
}

int rta_client_open(struct rta_client **cp, const char *socket_path, char *reply, size_t replylen)
{
	char line[CLIENT_LINE_MAX];
	int fds[CLIENT_FDS_MAX];
	unsigned nfds = 0;
	int sock, rc;

	if (reply != NULL && replylen > 0)
		reply[0] = '\0';
	if (cp == NULL || socket_path == NULL)
		return -EINVAL;
	*cp = NULL;
	sock = client_connect(socket_path);
	if (sock < 0)
		return sock;
	rc = client_send(sock, "tap\n", 4);
	if (rc == 0)
		rc = client_recv(sock, line, sizeof(line), fds, &nfds);
	else
		line[0] = '\0';
	close(sock);
	if (reply != NULL && replylen > 0) {
		size_t n = strlen(line) < replylen - 1 ? strlen(line) : replylen - 1;
		memcpy(reply, line, n);
		reply[n] = '\0';
	}
	if (rc == 0)
		rc = client_refusal(line);

	struct rta_client *c = NULL;
	if (rc == 0 && (c = calloc(1, sizeof(*c))) == NULL)
		rc = -ENOMEM;
	if (rc == 0)
		rc = client_map(c, fds, nfds);
	/* The mappings keep the objects; the descriptors are no longer needed. */
	for (unsigned i = 0; i < nfds; i++)
		close(fds[i]);
	if (rc < 0) {
		rta_client_close(c);
		return rc;
	}
	*cp = c;
	return 0;
}

void rta_client_close(struct rta_client *c)
{
	if (c == NULL)
		return;
	for (uint32_t i = 0; i < LAYOUT_MAX_REPLICAS; i++)
		shm_seg_close(&c->rseg[i]);
	shm_seg_close(&c->gseg);
	free(c);
}

const struct rta_client_info *rta_client_info(const struct rta_client *c)
{
	return &c->info;
}

uint64_t rta_client_position(const struct rta_client *c)
{
	return atomic_load_explicit(&c->g->position, memory_order_acquire);
}

static int client_try(const struct rta_client *c, uint32_t i, uint64_t seq, float *out)
{
	uint32_t len = 0, check = CRC32C_NONE;
	int rc = ring_read_seq(&c->ring[i], seq, out, c->block_bytes, &len, &check);

	/* As the sink: the length of a block, and its CRC-32C on our copy. */
	if (rc == 0 && (len != c->block_bytes || crc32c_block(seq, out, len) != check))
		return -EBADMSG;
	return rc;
}

int rta_client_read(const struct rta_client *c, uint64_t seq, float *out, size_t len)
{
	if (c == NULL || out == NULL || len < c->info.block_samples)
		return -EINVAL;
	/*
	 * The position first: if the sink had already passed seq before we
	 * looked and no ring holds it, it cannot appear later (replicas never
	 * render behind the sink), so -ENODATA is final; taken after the
	 * rings, it could have moved past a block rendered meanwhile.
	 */
	uint64_t pos = atomic_load_explicit(&c->g->position, memory_order_acquire);
	uint64_t leader = atomic_load_explicit(&c->g->leader, memory_order_acquire);
	uint32_t first = layout_leader_index(leader);
	uint32_t n = c->info.replicas;

	if (first < n && client_try(c, first, seq, out) == 0)
		return (int)first;
	for (uint32_t i = 0; i < n; i++)
		if (i != first && client_try(c, i, seq, out) == 0)
			return (int)i;
	return seq < pos ? -ENODATA : -EAGAIN;
}

int rta_client_follow(const struct rta_client *c, uint64_t seq, float *out, size_t len,
                  int64_t timeout_ns)
{
	if (c == NULL)
		return -EINVAL;
	/* FUTEX_WAIT only reads the word: a read-only mapping is enough. */
	_Atomic uint32_t *wake = (_Atomic uint32_t *)&c->g->wake;
	uint64_t start = clock_now_ns();

	for (;;) {
		uint32_t w = atomic_load_explicit(wake, memory_order_acquire);
		int rc = rta_client_read(c, seq, out, len);

		if (rc != -EAGAIN)
			return rc;
		if (atomic_load_explicit(&c->g->run, memory_order_acquire) == GROUP_SHUTDOWN)
			return -ESHUTDOWN;
		/*
		 * Replicas render just after the sink's wake, so the block may
		 * land without a wake of its own: never sleep more than a period.
		 */
		int64_t wait = (int64_t)c->info.period_ns;
		if (timeout_ns >= 0) {
			uint64_t spent = clock_now_ns() - start;
			if (spent >= (uint64_t)timeout_ns)
				return -ETIMEDOUT;
			if ((uint64_t)wait > (uint64_t)timeout_ns - spent)
				wait = (int64_t)((uint64_t)timeout_ns - spent);
		}
		rc = futex_wait(wake, w, wait);
		if (rc == -EINTR)
			return rc;
	}
}
