/*
 * shm.h - named POSIX shared-memory segments with a validated header.
 *
 * What it does: creates a segment exclusively (O_EXCL, explicit mode), sizes
 * and maps it, stamps a header (magic, layout version, total size, kind,
 * group name); opens an existing one (by name, or from a descriptor passed by
 * its owner) read-write or read-only and refuses one whose header does not
 * match; unlinks; removes the stale segments a crashed daemon left behind
 * for one group, and only for that group; takes the per-group lock that
 * keeps two daemons off the same group.
 *
 * What it does not do: define what lies after the header (layout.h does),
 * log, or retry. Names follow shm_seg_name(); on macOS (31-character limit)
 * long group names are hashed there, nowhere else.
 */
#ifndef RTAUDIO_SHM_H
#define RTAUDIO_SHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SHM_GROUP_MAX   32  /* longest group name, without the NUL */
#define SHM_NAME_MAX    64  /* buffer size for a segment name */

/* Header at offset 0 of every segment (one cache line). */
struct shm_hdr {
	uint32_t magic;
	uint32_t version;
	uint64_t size;                  /* total mapped bytes, header included */
	uint32_t kind;                  /* SHM_KIND_* (layout.h) */
	uint32_t index;                 /* replica index, 0 for the group */
	char group[SHM_GROUP_MAX + 8];  /* NUL-terminated group name */
};
_Static_assert(sizeof(struct shm_hdr) == 64, "shm_hdr is one cache line");

/* A mapped segment (process-local). */
struct shm_seg {
	void *base;
	size_t size;
	bool writable;
	char name[SHM_NAME_MAX];
};

/*
 * True if `group` is a valid group name: 1..SHM_GROUP_MAX characters of
 * [A-Za-z0-9_.-], not starting with '.' or '-'. Pure.
 */
bool shm_group_valid(const char *group);

/*
 * Write the segment name for `group` and `what` ("group", "r0".."r7",
 * "lock") into buf: "/rtaudio-GROUP-WHAT" (hashed on macOS when too long).
 * Returns 0, -EINVAL for an invalid group, -ENAMETOOLONG if buf is short.
 */
int shm_seg_name(char *buf, size_t buflen, const char *group, const char *what);

/*
 * Create segment `name` exclusively with `mode`, size it to `size` bytes
 * (>= sizeof(struct shm_hdr)), map it read-write, zero it and stamp the
 * header (magic last). `mode` holds permission bits only (no bit outside
 * 0777) and is set exactly: the umask neither removes nor adds bits. The
 * caller owns `seg` and must shm_seg_close() it. Returns 0, -EEXIST if the
 * name exists (the existing object is not touched), -EINVAL for a bad name,
 * group, size or mode, or another -errno from shm_open/fchmod/ftruncate/mmap
 * (the half-made segment is unlinked on failure).
 */
int shm_seg_create(struct shm_seg *seg, const char *name, size_t size, mode_t mode,
                   uint32_t magic, uint32_t version, uint32_t kind, uint32_t index,
                   const char *group);

/*
 * Open and map an existing segment, read-write if `writable`. Refuses it with
 * -EPROTO if its magic, version or kind differ, and with -EINVAL if its file
 * is smaller than a header, its recorded size differs from the file size, or
 * `expect_size` is non-zero and differs. Never touches memory beyond the
 * file's real size (it maps exactly st_size bytes; read-only opens map
 * PROT_READ, so a write through seg->base faults). Returns 0 or -errno
 * (-ENOENT if absent); on error seg->base is NULL.
 */
int shm_seg_open(struct shm_seg *seg, const char *name, bool writable, uint32_t magic,
                 uint32_t version, uint32_t kind, size_t expect_size);

/*
 * As shm_seg_open(), on a descriptor the caller already holds (for instance
 * one received with SCM_RIGHTS from the daemon that created the segment):
 * maps exactly the object's size, read-only (PROT_READ) unless `writable`
 * (which needs a descriptor opened for writing), and validates the header the
 * same way. Borrows `fd`: the caller closes it (the mapping stays valid).
 * seg->name is left empty. Returns 0, -EBADF for fd < 0, -EPROTO, -EINVAL
 * (see shm_seg_open) or another -errno from fstat/mmap; on error seg->base
 * is NULL.
 */
int shm_seg_map_fd(struct shm_seg *seg, int fd, bool writable, uint32_t magic,
                   uint32_t version, uint32_t kind, size_t expect_size);

/*
 * Create an anonymous segment of `size` bytes: a memfd on Linux (tagged
 * "TAG" in /proc/PID/maps, sealable), elsewhere a POSIX object unlinked
 * the moment it is opened; either way no name leads to it, and only the
 * descriptors returned here (or copies passed on) reach it. Maps it
 * read-write into `seg` and stamps the header as shm_seg_create() does.
 * *rwfd gets a read-write descriptor, *rofd an O_RDONLY one of the same
 * object (for processes that must not write it: mmap(PROT_WRITE,
 * MAP_SHARED) fails on it); both close-on-exec, owned by the caller. The
 * object's mode is 0600 on Linux, so another user cannot reopen it read-write
 * through /proc/PID/fd. Returns 0 or -EINVAL (bad tag, group or size) or
 * another -errno (memfd_create/open/ftruncate/mmap); on error nothing is
 * left open or mapped.
 */
int shm_anon_create(struct shm_seg *seg, const char *tag, size_t size, uint32_t magic,
                    uint32_t version, uint32_t kind, uint32_t index, const char *group,
                    int *rwfd, int *rofd);

/*
 * Seal the memfd `fd` against resizing (F_SEAL_SHRINK | F_SEAL_GROW), further
 * seals, and, if `future_write`, against any new writable mapping or write(2)
 * through any descriptor (F_SEAL_FUTURE_WRITE): mappings made before stay
 * writable, so the creator maps first, then seals. Returns 0, -ENOTSUP where
 * there are no seals (macOS, old headers), or -errno from fcntl.
 */
int shm_anon_seal(int fd, bool future_write);

/* Unmap `seg` (idempotent). Does not unlink. */
void shm_seg_close(struct shm_seg *seg);

/* Unlink segment `name`. Returns 0 or -errno (-ENOENT if absent). */
int shm_seg_unlink(const char *name);

/*
 * Remove the stale segments of `group` (the group segment and r0..r7) whose
 * header says they are ours: `magic_group`/`magic_replica`, the matching
 * SHM_KIND_* and index, and the same group name (any layout version, so an
 * upgrade can clean up after an older daemon). A segment of that name that
 * is not ours (or cannot be read, or is shorter than a header) is left alone
 * and counted. Never touches the lock segment. Call while holding the group
 * lock. Returns the number of segments removed, -EINVAL for an invalid group
 * or another -errno; *foreign (may be NULL) gets the number left alone.
 */
int shm_group_cleanup(const char *group, uint32_t magic_group, uint32_t magic_replica,
                      int *foreign);

/*
 * Take the exclusive lock of `group` (a lock segment, mode 0600, held with
 * flock; on macOS, where flock does not work on shm, a file of the same name
 * in /tmp; the kernel releases it when the holder dies). On success stores the
 * descriptor (close-on-exec, so spawned replicas never hold it) in *fd: keep
 * it open for the daemon's life and pass it to shm_group_unlock() at exit.
 * Returns 0; -EBUSY if another open of the lock holds it (another process,
 * or another call in this one); -EINVAL for an invalid group; another
 * -errno. *fd is -1 on failure.
 */
int shm_group_lock(const char *group, int *fd);

/*
 * Release the lock taken by shm_group_lock(): unlink its segment (while
 * still holding it, so never another daemon's) and close fd. fd < 0: no-op.
 */
void shm_group_unlock(const char *group, int fd);

#endif
