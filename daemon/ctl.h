/*
 * ctl.h - the control socket: accept clients, frame lines, send replies.
 *
 * What it does: listens on a Unix stream socket (mode set exactly, stale
 * socket replaced only if no daemon answers on it), reads request lines of
 * at most PROTO_LINE_MAX bytes per client, hands each complete line to
 * on_line, writes JSON replies (one line each, optionally carrying
 * descriptors with SCM_RIGHTS), streams event lines to
 * clients that asked for them, and drops clients that are too slow, send
 * over-long lines, or are too many. It records each peer's credentials
 * (SO_PEERCRED) for the mutating-verb check.
 *
 * What it does not do: interpret requests (cmd.c). Loop thread only. Every
 * client is a struct owning its uv_pipe_t and freed in the close callback.
 */
#ifndef RTAUDIOD_CTL_H
#define RTAUDIOD_CTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "proto.h"

#define CTL_MAX_CLIENTS   256u
#define CTL_BUF_SIZE      (PROTO_LINE_MAX + 2)
#define CTL_MAX_QUEUED    (256u * 1024u)  /* unsent reply bytes before a drop */
#define CTL_LINE_TIMEOUT_MS 5000u         /* a started request line must end by then */
#define CTL_IDLE_TIMEOUT_MS 60000u        /* a silent client is closed after this */

struct ctl;

struct ctl_client {
	uv_pipe_t pipe;
	struct ctl *ctl;
	struct ctl_client *prev, *next;
	uid_t uid;
	pid_t pid;
	bool cred_ok;
	bool member;           /* in the socket's group (read-only access) */
	bool closing;
	bool streaming;        /* receives event lines */
	bool deferred;         /* a reply is pending: reading paused */
	uint64_t since_ns;     /* start of the partial line, or of the silence */
	size_t len;
	/* PROTO_LINE_MAX + 2 bytes, allocated at the first read and freed as
	 * soon as the client is closed: a burst of connections accepted in one
	 * loop iteration must not hold a line buffer each until it ends. */
	char *buf;
};

struct ctl {
	uv_loop_t *loop;
	uv_pipe_t server;
	uv_timer_t sweep;      /* closes clients that stall mid-line or stay silent */
	bool listening;
	bool sweeping;
	bool server_open;      /* `server` initialised and not yet closed */
	bool lost;             /* the path holds someone else's file (said once) */
	char path[108];
	unsigned mode;         /* socket_mode, for a recreated socket */
	dev_t dev;             /* the socket file we bound, to notice its removal */
	ino_t ino;
	struct ctl_client *clients;
	unsigned nclients;
	uid_t uid;             /* the daemon's uid */
	gid_t group;           /* socket_group's gid, or (gid_t)-1 */
	void *user;
	/* One request line (no newline, NUL-terminated at buf[len]). */
	void (*on_line)(struct ctl_client *c, const char *line, size_t len);
	/* A client is going away (cancel what waits on it). */
	void (*on_close)(struct ctl_client *c);
};

/*
 * Listen on `path` with `mode`, owned by group `group` unless it is empty.
 * Refuses (-EADDRINUSE) if a daemon answers on an existing socket there;
 * removes a dead one. Returns 0 or -errno with err. Afterwards a removed
 * socket file is recreated (checked every second) and ctl_close() unlinks
 * the path only if it is still the socket bound here.
 */
int ctl_listen(struct ctl *ctl, uv_loop_t *loop, const char *path, unsigned mode,
               const char *group, char *err, size_t errlen);

/* Stop accepting, close every client and unlink the socket. */
void ctl_close(struct ctl *ctl);

/* Send `obj` as one JSON line and take ownership of it (json_decref). */
void ctl_reply(struct ctl_client *c, json_t *obj);

#define CTL_MAX_FDS 9u  /* descriptors one reply may carry: the group + 8 replicas */

/*
 * Send `obj` as one JSON line with `nfds` descriptors attached (SCM_RIGHTS),
 * taking ownership of obj; the descriptors are borrowed (the kernel
 * duplicates them into the peer; the caller closes its own). Done at once
 * with one non-blocking sendmsg, and only when nothing is queued for the
 * client, so the line cannot overtake earlier replies; a partial send queues
 * the rest of the line normally. Returns 0; -EAGAIN if replies are still
 * queued or the socket is full (nothing was sent: the caller may send an
 * ordinary error reply instead); -EINVAL for nfds out of 1..CTL_MAX_FDS;
 * another -errno after which the client is being closed.
 */
int ctl_reply_fds(struct ctl_client *c, json_t *obj, const int *fds, unsigned nfds);

/*
 * A refusal, {"ok":false,"code":CODE,"error":msg}, with `code` an enum
 * proto_err (lib/proto.h's table). New reference (NULL only out of memory).
 */
json_t *ctl_refusal(int code, const char *msg);

/* Send a refusal with code `code` and a formatted message (at most 511 bytes). */
void ctl_error(struct ctl_client *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A deferred reply was sent: resume reading the client's next line. */
void ctl_resume(struct ctl_client *c);

/* Send `line` (newline added) to every streaming client; drops slow ones. */
void ctl_broadcast(struct ctl *ctl, const char *line);

/* Root or the daemon's own uid: every command. */
bool ctl_client_privileged(const struct ctl_client *c);

/* Privileged, or a member of socket_group: the read-only commands. */
bool ctl_client_reader(const struct ctl_client *c);

#endif
