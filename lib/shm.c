/*
 * shm.c - named POSIX shared-memory segments with a validated header.
 *
 * What it does: names segments ("/rtaudio-GROUP-WHAT"), creates them
 * exclusively with an exact mode, opens them read-write or read-only after
 * checking the header against the real file size, unlinks them, removes a
 * crashed daemon's leftovers for one group (only segments whose header says
 * they belong to that group), and holds the per-group lock (flock on a lock
 * segment: the kernel drops it when the holder dies, so a kill -9 never
 * leaves a group locked; on macOS, where flock does not work on shm, a
 * file of the same name in /tmp).
 *
 * Anonymous segments (shm_anon_create): what rtaudiod gives its replicas.
 * A memfd on Linux (sealable), an object unlinked right after shm_open
 * elsewhere: no name anyone could open, only descriptors passed on purpose.
 *
 * What it does not do: interpret anything past the header (layout.c does),
 * log, or protect against a peer that shrinks a segment after it was mapped
 * (that would be SIGBUS on access; the segments are 0600 and owned by the
 * daemon's user, so only that user could do it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layout.h" /* SHM_KIND_*: the kinds cleanup expects */
#include "shm.h"

#define SHM_PREFIX "/rtaudio-"
#define SHM_LOCK_TRIES 8

bool shm_group_valid(const char *group)
{
	size_t n;

	if (group == NULL || group[0] == '\0' || group[0] == '.' || group[0] == '-')
		return false;
	for (n = 0; group[n] != '\0'; n++) {
		char c = group[n];

		if (n >= SHM_GROUP_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* The only suffixes a segment name may carry. */
static bool shm_what_valid(const char *what)
{
	if (what == NULL)
		return false;
	if (strcmp(what, "group") == 0 || strcmp(what, "lock") == 0)
		return true;
	return what[0] == 'r' && what[1] >= '0' &&
	       what[1] < (char)('0' + LAYOUT_MAX_REPLICAS) && what[2] == '\0';
}

int shm_seg_name(char *buf, size_t buflen, const char *group, const char *what)
{
	int n;

	if (!shm_group_valid(group) || !shm_what_valid(what))
		return -EINVAL;
	n = snprintf(buf, buflen, SHM_PREFIX "%s-%s", group, what);
#ifdef __APPLE__
	/*
	 * PSHMNAMLEN is 31 there: replace a long group name by its 64-bit
	 * FNV-1a hash (16 hex digits; 9 + 16 + 1 + 5 = 31 for "group").
	 */
	if (n > 31) {
		uint64_t h = 0xcbf29ce484222325ull;

		for (const unsigned char *p = (const unsigned char *)group; *p != '\0'; p++) {
			h ^= *p;
			h *= 0x100000001b3ull;
		}
		n = snprintf(buf, buflen, SHM_PREFIX "%016llx-%s", (unsigned long long)h, what);
	}
#endif
	if (n < 0 || (size_t)n >= buflen)
		return -ENAMETOOLONG;
	return 0;
}

/* A name shm_open can take and struct shm_seg can hold. */
static bool shm_name_ok(const char *name)
{
	return name != NULL && name[0] == '/' && strlen(name) < SHM_NAME_MAX &&
	       strchr(name + 1, '/') == NULL;
}

/* Stamp a fresh segment's header, magic last (a crash mid-stamp leaves a
 * header that reads as foreign). */
static void shm_stamp(void *base, size_t size, uint32_t magic, uint32_t version, uint32_t kind,
                      uint32_t index, const char *group)
{
	struct shm_hdr *h = base;

	memset(base, 0, size);
	h->version = version;
	h->size = size;
	h->kind = kind;
	h->index = index;
	memcpy(h->group, group, strlen(group) + 1);
	h->magic = magic;
}

int shm_seg_create(struct shm_seg *seg, const char *name, size_t size, mode_t mode,
                   uint32_t magic, uint32_t version, uint32_t kind, uint32_t index,
                   const char *group)
{
	struct stat st;
	void *base;
	int fd, err;

	seg->base = NULL;
	seg->size = 0;
	seg->writable = false;
	seg->name[0] = '\0';
	if (!shm_name_ok(name) || !shm_group_valid(group) || size < sizeof(struct shm_hdr) ||
	    (mode & ~(mode_t)0777) != 0 || (uint64_t)size > (uint64_t)INT64_MAX)
		return -EINVAL;

	fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, mode);
	if (fd < 0)
		return -errno;
	/*
	 * shm_open applied the umask. Set exactly what was asked: the caller
	 * chose the mode (e.g. 0640 for a group-readable tap), so the umask may
	 * neither remove nor add bits. Some systems refuse fchmod on shm; accept
	 * that only if the mode already is the one asked for.
	 */
	if (fchmod(fd, mode) != 0) {
		err = -errno;
		if (fstat(fd, &st) != 0 || (st.st_mode & 0777) != mode)
			goto fail;
	}
	if (ftruncate(fd, (off_t)size) != 0) {
		err = -errno;
		goto fail;
	}
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	close(fd);
	shm_stamp(base, size, magic, version, kind, index, group);

	seg->base = base;
	seg->size = size;
	seg->writable = true;
	memcpy(seg->name, name, strlen(name) + 1);
	return 0;

fail:
	close(fd);
	shm_unlink(name);
	return err;
}

#ifdef __linux__
/* A memfd: sealable, and named only for /proc/PID/maps ("memfd:TAG"). */
static int shm_anon_open(const char *tag, int *rofd)
{
	char path[32];
	int fd = memfd_create(tag, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	*rofd = -1;
	if (fd < 0)
		return -errno;
	/*
	 * The read-only twin: a new open file description of the same object,
	 * O_RDONLY, so whoever is given it (a tap, a replica's group segment)
	 * cannot map it writable. The inode's own mode, 0600 below, keeps
	 * another user from reopening either one read-write through /proc.
	 */
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (fchmod(fd, 0600) != 0 || (*rofd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}
#else
/* No memfd (macOS): a named object, opened twice, unlinked at once. */
static int shm_anon_open(const char *tag, int *rofd)
{
	char name[SHM_NAME_MAX];
	int fd = -1, err = -EEXIST;

	*rofd = -1;
	for (int tries = 0; tries < SHM_LOCK_TRIES && fd < 0 && err == -EEXIST; tries++) {
		/* Short (PSHMNAMLEN is 31) and unguessable enough to not collide. */
		snprintf(name, sizeof name, "/rta-%08lx%04x", (unsigned long)arc4random(),
		         (unsigned)(getpid() & 0xffff));
		fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
		err = fd < 0 ? -errno : 0;
	}
	(void)tag;
	if (fd < 0)
		return err;
	*rofd = shm_open(name, O_RDONLY, 0);
	err = *rofd < 0 ? -errno : 0;
	shm_unlink(name);
	if (err != 0) {
		close(fd);
		return err;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	(void)fcntl(*rofd, F_SETFD, FD_CLOEXEC);
	return fd;
}
#endif

int shm_anon_create(struct shm_seg *seg, const char *tag, size_t size, uint32_t magic,
                    uint32_t version, uint32_t kind, uint32_t index, const char *group,
                    int *rwfd, int *rofd)
{
	void *base;
	int fd, ro, err;

	seg->base = NULL;
	seg->size = 0;
	seg->writable = false;
	seg->name[0] = '\0';
	*rwfd = *rofd = -1;
	if (tag == NULL || !shm_group_valid(group) || size < sizeof(struct shm_hdr) ||
	    (uint64_t)size > (uint64_t)INT64_MAX)
		return -EINVAL;
	fd = shm_anon_open(tag, &ro);
	if (fd < 0)
		return fd;
	if (ftruncate(fd, (off_t)size) != 0) {
		err = -errno;
		goto fail;
	}
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	shm_stamp(base, size, magic, version, kind, index, group);
	seg->base = base;
	seg->size = size;
	seg->writable = true;
	*rwfd = fd;
	*rofd = ro;
	return 0;
fail:
	close(ro);
	close(fd);
	return err;
}

int shm_anon_seal(int fd, bool future_write)
{
#if defined(__linux__) && defined(F_SEAL_FUTURE_WRITE)
	int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

	if (future_write)
		seals |= F_SEAL_FUTURE_WRITE;
	return fcntl(fd, F_ADD_SEALS, seals) == 0 ? 0 : -errno;
#else
	(void)fd;
	(void)future_write;
	return -ENOTSUP;
#endif
}

int shm_seg_map_fd(struct shm_seg *seg, int fd, bool writable, uint32_t magic,
                   uint32_t version, uint32_t kind, size_t expect_size)
{
	struct stat st;
	const struct shm_hdr *h;
	size_t size;
	void *base;
	int err = 0;

	seg->base = NULL;
	seg->size = 0;
	seg->writable = false;
	seg->name[0] = '\0';
	if (fd < 0)
		return -EBADF;
	if (fstat(fd, &st) != 0)
		return -errno;
	/* Map exactly what the file has, so nothing below reads past its end. */
	if (st.st_size < (off_t)sizeof(struct shm_hdr) || (uint64_t)st.st_size > SIZE_MAX)
		return -EINVAL;
	size = (size_t)st.st_size;
	base = mmap(NULL, size, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return -errno;

	h = base;
	if (h->magic != magic || h->version != version || h->kind != kind)
		err = -EPROTO;
	else if (h->size != (uint64_t)size || (expect_size != 0 && expect_size != size))
		err = -EINVAL;
	if (err != 0) {
		munmap(base, size);
		return err;
	}
	seg->base = base;
	seg->size = size;
	seg->writable = writable;
	return 0;
}

int shm_seg_open(struct shm_seg *seg, const char *name, bool writable, uint32_t magic,
                 uint32_t version, uint32_t kind, size_t expect_size)
{
	int fd, rc;

	seg->base = NULL;
	seg->size = 0;
	seg->writable = false;
	seg->name[0] = '\0';
	if (!shm_name_ok(name))
		return -EINVAL;

	fd = shm_open(name, writable ? O_RDWR : O_RDONLY, 0);
	if (fd < 0)
		return -errno;
	rc = shm_seg_map_fd(seg, fd, writable, magic, version, kind, expect_size);
	close(fd);
	if (rc == 0)
		memcpy(seg->name, name, strlen(name) + 1);
	return rc;
}

void shm_seg_close(struct shm_seg *seg)
{
	if (seg->base != NULL)
		munmap(seg->base, seg->size);
	seg->base = NULL;
	seg->size = 0;
	seg->writable = false;
}

int shm_seg_unlink(const char *name)
{
	if (!shm_name_ok(name))
		return -EINVAL;
	return shm_unlink(name) == 0 ? 0 : -errno;
}

/*
 * Is segment `name` one of `group`'s, kind `kind`, with `magic`? Reads only
 * the header, through a read-only mapping of at most the file's size.
 * Returns 1 (ours), 0 (foreign), -ENOENT (absent) or -errno.
 */
static int shm_seg_is_ours(const char *name, const char *group, uint32_t magic, uint32_t kind,
                           uint32_t index)
{
	struct stat st;
	const struct shm_hdr *h;
	void *base;
	int fd, ours;

	fd = shm_open(name, O_RDONLY, 0);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : 0; /* unreadable: cannot be proven ours */
	if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(struct shm_hdr)) {
		close(fd);
		return 0;
	}
	base = mmap(NULL, sizeof(struct shm_hdr), PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		return 0;
	h = base;
	ours = h->magic == magic && h->kind == kind && h->index == index &&
	       memchr(h->group, '\0', sizeof h->group) != NULL && strcmp(h->group, group) == 0;
	munmap(base, sizeof(struct shm_hdr));
	return ours;
}

int shm_group_cleanup(const char *group, uint32_t magic_group, uint32_t magic_replica,
                      int *foreign)
{
	char name[SHM_NAME_MAX], what[8];
	int removed = 0, left = 0, err = 0;

	if (foreign != NULL)
		*foreign = 0;
	if (!shm_group_valid(group))
		return -EINVAL;
	for (uint32_t i = 0; i <= LAYOUT_MAX_REPLICAS; i++) {
		bool is_group = i == LAYOUT_MAX_REPLICAS;
		int rc;

		if (is_group)
			snprintf(what, sizeof what, "group");
		else
			snprintf(what, sizeof what, "r%u", (unsigned)i);
		rc = shm_seg_name(name, sizeof name, group, what);
		if (rc != 0)
			return rc;
		rc = shm_seg_is_ours(name, group, is_group ? magic_group : magic_replica,
		                     is_group ? SHM_KIND_GROUP : SHM_KIND_REPLICA, is_group ? 0 : i);
		if (rc == -ENOENT)
			continue;
		if (rc <= 0) {
			left++;
			continue;
		}
		if (shm_unlink(name) == 0)
			removed++;
		else if (errno != ENOENT && err == 0)
			err = -errno;
	}
	if (foreign != NULL)
		*foreign = left;
	return err != 0 ? err : removed;
}

/*
 * The lock object. Linux: a shm object of its own name, which flock(2)
 * supports (tmpfs). macOS: flock only works on vnodes, not on POSIX shm, so
 * the lock is a file of the same name in /tmp (fixed, not $TMPDIR, which
 * differs between launchd jobs of one user; O_NOFOLLOW against symlinks).
 */
#ifdef __APPLE__
#define SHM_LOCK_DIR "/tmp"

static int shm_lock_path(char *path, size_t len, const char *name)
{
	int n = snprintf(path, len, SHM_LOCK_DIR "%s", name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int shm_lock_open(const char *name, bool create)
{
	char path[SHM_NAME_MAX + sizeof SHM_LOCK_DIR];

	if (shm_lock_path(path, sizeof path, name) != 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(path, (create ? O_CREAT | O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC, 0600);
}

static int shm_lock_unlink(const char *name)
{
	char path[SHM_NAME_MAX + sizeof SHM_LOCK_DIR];

	if (shm_lock_path(path, sizeof path, name) != 0)
		return -1;
	return unlink(path);
}
#else
static int shm_lock_open(const char *name, bool create)
{
	return shm_open(name, create ? O_CREAT | O_RDWR : O_RDONLY, 0600);
}

static int shm_lock_unlink(const char *name)
{
	return shm_unlink(name);
}
#endif

/* Do fd and the name refer to the same object? (1 yes, 0 no, -errno) */
static int shm_lock_same(const char *name, int fd)
{
	struct stat a, b;
	int fd2 = shm_lock_open(name, false);

	if (fd2 < 0)
		return errno == ENOENT ? 0 : -errno;
	int rc = fstat(fd, &a) == 0 && fstat(fd2, &b) == 0 ? (a.st_dev == b.st_dev &&
	                                                      a.st_ino == b.st_ino)
	                                                   : -errno;
	close(fd2);
	return rc;
}

int shm_group_lock(const char *group, int *fd)
{
	char name[SHM_NAME_MAX];
	int rc;

	*fd = -1;
	rc = shm_seg_name(name, sizeof name, group, "lock");
	if (rc != 0)
		return rc;
	/*
	 * A holder that unlocks unlinks the name while it still holds the lock;
	 * if we opened the old object just before, our flock succeeds on an
	 * orphan while a third process locks the new one. So, once locked,
	 * check the name still leads to our object, else start over.
	 */
	for (int tries = 0; tries < SHM_LOCK_TRIES; tries++) {
		int lfd = shm_lock_open(name, true);

		if (lfd < 0)
			return -errno;
		(void)fcntl(lfd, F_SETFD, FD_CLOEXEC); /* children must not hold it */
		if (flock(lfd, LOCK_EX | LOCK_NB) != 0) {
			rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
			close(lfd);
			return rc;
		}
		rc = shm_lock_same(name, lfd);
		if (rc == 1) {
			*fd = lfd;
			return 0;
		}
		close(lfd);
		if (rc < 0)
			return rc;
	}
	return -EBUSY;
}

void shm_group_unlock(const char *group, int fd)
{
	char name[SHM_NAME_MAX];

	if (fd < 0)
		return;
	/* Unlink while still holding the lock, so we never remove another's. */
	if (shm_seg_name(name, sizeof name, group, "lock") == 0)
		(void)shm_lock_unlink(name);
	close(fd);
}
