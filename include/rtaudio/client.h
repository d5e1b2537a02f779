/*
 * client.h - follow a running rtaudiod group's audio, read-only (a "tap").
 *
 * What it does: connects to rtaudiod's control socket, sends `tap`, receives
 * read-only descriptors of the group's shared-memory segments (SCM_RIGHTS),
 * maps them PROT_READ and validates them; then reads audio block by
 * sequence number from whichever replica's ring holds it (the primary's
 * first, as the daemon's sink does), so a reader keeps the same stream across
 * failovers: every replica renders the same blocks, bit for bit. Block s is
 * final as soon as any replica has rendered it, so a tap may read it a little
 * before the sink plays it; it gets exactly the samples the sink plays.
 *
 * What it does not do: write anything to the segments (the mappings are
 * read-only: a tap can neither disturb the sink nor the replicas, and any
 * number of taps can follow one group), change anything in the daemon, log,
 * or allocate after rta_client_open(). Only root and the daemon's user may tap
 * (the daemon checks the peer's credentials); the segments stay mode 0600.
 * It cannot protect its host from a process of the daemon's user that
 * truncates a segment under the mapping (a read would raise SIGBUS: the
 * daemon guards itself against its replicas, but a library cannot take over
 * its host's SIGBUS handler); every other corruption of the shared memory
 * yields an error or a missing block, never an out-of-bounds access.
 *
 * Link with librtaudio (pkg-config rtaudio). All functions return 0 (or a
 * documented non-negative value) or a negative errno value.
 */
#ifndef RTAUDIO_RTA_CLIENT_H
#define RTAUDIO_RTA_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#define RTA_CLIENT_GROUP_MAX  32    /* longest group name, without the NUL */
#define RTA_CLIENT_TIMEOUT_MS 5000  /* rta_client_open's bound on connecting and the reply */

/* An open tap (opaque). */
struct rta_client;

/* The group's stream, as its group segment describes it (fixed while it runs). */
struct rta_client_info {
	char group[RTA_CLIENT_GROUP_MAX + 1]; /* the group's name */
	uint32_t replicas;                /* replicas, hence rings, 1..8 */
	uint32_t sample_rate;             /* frames per second */
	uint32_t channels;                /* samples per frame, 1..8 */
	uint32_t frames;                  /* frames per block */
	uint32_t lead;                    /* blocks rendered ahead of the sink */
	uint32_t ring_capacity;           /* blocks each ring holds */
	uint64_t period_ns;               /* duration of one block */
	size_t block_samples;             /* frames * channels: floats per block */
};

/*
 * Open a tap on the rtaudiod listening on `socket_path`: connect, send
 * "tap", receive the reply line and the descriptors, map and validate every
 * segment and ring, close the socket and the descriptors. Blocks for at most
 * RTA_CLIENT_TIMEOUT_MS per step. On success *cp owns the mappings until
 * rta_client_close(). If `reply` is not NULL, the daemon's reply line (without
 * its newline, truncated to replylen - 1 bytes) is copied there, or "" if
 * none came: on a refusal it holds {"ok":false,"error":"..."} for the caller
 * to show. Returns 0 or: -ENOENT, -ECONNREFUSED, -EACCES (connect: no daemon,
 * or no permission on the socket), -ENAMETOOLONG (path), -ETIMEDOUT (no
 * reply), -ECONNRESET (closed without a reply); -EACCES (the daemon refused:
 * permission denied), -EOPNOTSUPP (the daemon does not know `tap`), -EBUSY
 * (any other refusal, e.g. the daemon is shutting down); -EPROTO or -EINVAL
 * (a reply, a descriptor or a segment that is not what a tap expects);
 * -ENOMEM or another -errno. *cp is NULL on error. Thread-safe (it touches
 * no global state); the descriptors it receives are close-on-exec.
 */
int rta_client_open(struct rta_client **cp, const char *socket_path, char *reply, size_t replylen);

/* Unmap everything and free `c` (NULL: no-op). No other call may use c after. */
void rta_client_close(struct rta_client *c);

/* The group's stream description. Owned by c; valid until rta_client_close(). */
const struct rta_client_info *rta_client_info(const struct rta_client *c);

/*
 * The sink's position: the sequence number of the next block it plays (so
 * block position - 1 was the last one played). Lock-free, any thread.
 */
uint64_t rta_client_position(const struct rta_client *c);

/*
 * Copy block `seq` (info->block_samples interleaved float32 samples) into
 * out (`len` floats, at least block_samples), from the primary's ring if it
 * holds it, else from any other replica's. Returns the index of the replica
 * whose ring held it (>= 0), -EAGAIN if no ring has it yet and the sink has
 * not played it yet (call again later, or use rta_client_follow), -ENODATA if it
 * is gone for good (the sink has passed it and no ring holds it any more: the
 * reader fell more than about ring_capacity - lead blocks behind, or the sink
 * played silence there), -EINVAL (bad arguments). On error `out` may hold
 * garbage. Never returns a torn or stale block, nor one whose CRC-32C check
 * (crc32c.h) fails: that copy counts as missing from that replica, and the
 * next replica's is taken. No system call, no
 * allocation, no lock: safe in a real-time thread; any thread, any number
 * of readers.
 */
int rta_client_read(const struct rta_client *c, uint64_t seq, float *out, size_t len);

/*
 * As rta_client_read(), but while block `seq` is not there yet, sleep on the
 * group's wake word (bumped by the sink once per period; a futex wait on a
 * read-only mapping) for at most timeout_ns in total (< 0: no limit). Returns
 * what rta_client_read() returns, or -ETIMEDOUT (nothing within timeout_ns: the
 * daemon stopped playing), -ESHUTDOWN (the daemon is shutting the group
 * down), -EINTR (a signal arrived; the caller checks its own flags and calls
 * again). Any thread; makes only futex and clock system calls.
 */
int rta_client_follow(const struct rta_client *c, uint64_t seq, float *out, size_t len,
                  int64_t timeout_ns);

#endif
