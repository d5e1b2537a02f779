/*
 * check_shm.c - shm_suite: named segments, header validation, modes,
 * read-only mappings, stale clean-up and the group lock.
 *
 * What it proves: foreign, truncated and wrong-version segments are refused
 * with an error, never a crash; modes are exactly as asked whatever the
 * umask; O_EXCL holds; a read-only mapping really cannot be written (a child
 * that tries dies of SIGSEGV); clean-up removes only its own group's
 * segments; the group lock excludes other processes and dies with its holder.
 *
 * What it does not do: test layouts (check_layout.c). Every group name
 * carries the runner's pid, and the last test proves nothing was left in
 * /dev/shm.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "layout.h"
#include "shm.h"
#include "suites.h"

#define SEG_BYTES 8192u

/* The runner's pid (set by an unchecked fixture, before check forks). */
static pid_t run_tag;

static void tag_setup(void)
{
	run_tag = getpid();
}

/* Group name "ckPID-suffix", unique to this run. */
static void group_name(char *buf, size_t len, const char *suffix)
{
	int n = snprintf(buf, len, "ck%ld-%s", (long)run_tag, suffix);

	ck_assert(n > 0 && (size_t)n < len);
	ck_assert(shm_group_valid(buf));
}

static void seg_name(char *buf, const char *group, const char *what)
{
	ck_assert_int_eq(shm_seg_name(buf, SHM_NAME_MAX, group, what), 0);
}

static int create_replica(const char *group, uint32_t index, uint32_t magic,
                          uint32_t version)
{
	char name[SHM_NAME_MAX], what[8];
	struct shm_seg seg;

	snprintf(what, sizeof what, "r%u", (unsigned)index);
	seg_name(name, group, what);
	int rc = shm_seg_create(&seg, name, SEG_BYTES, 0600, magic, version, SHM_KIND_REPLICA,
	                        index, group);
	if (rc == 0)
		shm_seg_close(&seg);
	return rc;
}

static int create_group(const char *group)
{
	char name[SHM_NAME_MAX];
	struct shm_seg seg;

	seg_name(name, group, "group");
	int rc = shm_seg_create(&seg, name, SEG_BYTES, 0600, GROUP_MAGIC, LAYOUT_VERSION,
	                        SHM_KIND_GROUP, 0, group);
	if (rc == 0)
		shm_seg_close(&seg);
	return rc;
}

/* Raw object of `len` bytes with arbitrary content, as a hostile peer makes. */
static void create_raw(const char *name, const void *data, size_t len)
{
	int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)len), 0);
	if (len > 0)
		ck_assert_int_eq((int)pwrite(fd, data, len, 0), (int)len);
	close(fd);
}

static bool seg_exists(const char *name)
{
	int fd = shm_open(name, O_RDONLY, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

START_TEST(names)
{
	char buf[SHM_NAME_MAX];

	ck_assert(shm_group_valid("default"));
	ck_assert(shm_group_valid("a-b_c.9"));
	ck_assert(shm_group_valid("01234567890123456789012345678901")); /* 32 */
	ck_assert(!shm_group_valid("012345678901234567890123456789012")); /* 33 */
	ck_assert(!shm_group_valid(""));
	ck_assert(!shm_group_valid(NULL));
	ck_assert(!shm_group_valid(".hidden"));
	ck_assert(!shm_group_valid("-opt"));
	ck_assert(!shm_group_valid("a/b"));
	ck_assert(!shm_group_valid("a b"));
	ck_assert(!shm_group_valid("caf\xc3\xa9"));

	ck_assert_int_eq(shm_seg_name(buf, sizeof buf, "main", "group"), 0);
	ck_assert_str_eq(buf, "/rtaudio-main-group");
	ck_assert_int_eq(shm_seg_name(buf, sizeof buf, "main", "r7"), 0);
	ck_assert_str_eq(buf, "/rtaudio-main-r7");
	ck_assert_int_eq(shm_seg_name(buf, sizeof buf, "main", "lock"), 0);
	ck_assert_str_eq(buf, "/rtaudio-main-lock");
	ck_assert_int_eq(shm_seg_name(buf, sizeof buf, "main", "r8"), -EINVAL);
	ck_assert_int_eq(shm_seg_name(buf, sizeof buf, "main", "x"), -EINVAL);
	ck_assert_int_eq(shm_seg_name(buf, sizeof buf, "../etc", "group"), -EINVAL);
	ck_assert_int_eq(shm_seg_name(buf, 8, "main", "group"), -ENAMETOOLONG);
#ifdef __APPLE__
	ck_assert_int_eq(shm_seg_name(buf, sizeof buf, "01234567890123456789012345678901", "group"),
	                 0);
	ck_assert_int_le((int)strlen(buf), 31);
#else
	ck_assert_int_eq(shm_seg_name(buf, sizeof buf, "01234567890123456789012345678901", "group"),
	                 0);
	ck_assert_str_eq(buf, "/rtaudio-01234567890123456789012345678901-group");
#endif
}
END_TEST

START_TEST(create_open_roundtrip)
{
	char group[SHM_GROUP_MAX + 1], name[SHM_NAME_MAX];
	struct shm_seg seg, ro;

	group_name(group, sizeof group, "rt");
	seg_name(name, group, "r3");
	ck_assert_int_eq(shm_seg_create(&seg, name, SEG_BYTES, 0600, REPLICA_MAGIC, LAYOUT_VERSION,
	                                SHM_KIND_REPLICA, 3, group),
	                 0);
	ck_assert(seg.writable);
	ck_assert_uint_eq(seg.size, SEG_BYTES);
	const struct shm_hdr *h = seg.base;
	ck_assert_uint_eq(h->magic, REPLICA_MAGIC);
	ck_assert_uint_eq(h->version, LAYOUT_VERSION);
	ck_assert_uint_eq(h->size, SEG_BYTES);
	ck_assert_uint_eq(h->kind, SHM_KIND_REPLICA);
	ck_assert_uint_eq(h->index, 3);
	ck_assert_str_eq(h->group, group);
	unsigned char *p = seg.base;
	size_t nonzero = 0;
	for (size_t i = sizeof *h; i < SEG_BYTES; i++)
		nonzero += p[i] != 0;
	ck_assert_uint_eq(nonzero, 0);
	p[SEG_BYTES - 1] = 0x5a;

	ck_assert_int_eq(shm_seg_open(&ro, name, false, REPLICA_MAGIC, LAYOUT_VERSION,
	                              SHM_KIND_REPLICA, SEG_BYTES),
	                 0);
	ck_assert(!ro.writable);
	ck_assert_uint_eq(ro.size, SEG_BYTES);
	ck_assert_uint_eq(((unsigned char *)ro.base)[SEG_BYTES - 1], 0x5a); /* same memory */
	shm_seg_close(&ro);
	shm_seg_close(&ro); /* idempotent */
	ck_assert_ptr_null(ro.base);

	/* expect_size 0 accepts the recorded size; a different one is refused. */
	ck_assert_int_eq(shm_seg_open(&ro, name, true, REPLICA_MAGIC, LAYOUT_VERSION,
	                              SHM_KIND_REPLICA, 0),
	                 0);
	ck_assert(ro.writable);
	shm_seg_close(&ro);
	ck_assert_int_eq(shm_seg_open(&ro, name, false, REPLICA_MAGIC, LAYOUT_VERSION,
	                              SHM_KIND_REPLICA, SEG_BYTES * 2),
	                 -EINVAL);
	ck_assert_ptr_null(ro.base);

	shm_seg_close(&seg);
	ck_assert_int_eq(shm_seg_unlink(name), 0);
	ck_assert_int_eq(shm_seg_unlink(name), -ENOENT);
	ck_assert_int_eq(shm_seg_open(&ro, name, false, REPLICA_MAGIC, LAYOUT_VERSION,
	                              SHM_KIND_REPLICA, 0),
	                 -ENOENT);
	ck_assert_int_eq(shm_seg_create(&seg, "no-slash", SEG_BYTES, 0600, 1, 1, 1, 0, group),
	                 -EINVAL);
	ck_assert_int_eq(shm_seg_create(&seg, name, 10, 0600, 1, 1, 1, 0, group), -EINVAL);
	ck_assert_int_eq(shm_seg_create(&seg, name, SEG_BYTES, 0600, 1, 1, 1, 0, "bad/group"),
	                 -EINVAL);
	ck_assert(!seg_exists(name));
}
END_TEST

/* Create with `mode` under `mask`; the object's mode must be exactly `mode`. */
static void check_mode(const char *group, const char *what, mode_t mask, mode_t mode)
{
	char name[SHM_NAME_MAX];
	struct shm_seg seg;
	struct stat st;

	seg_name(name, group, what);
	mode_t old = umask(mask);
	int rc = shm_seg_create(&seg, name, SEG_BYTES, mode, GROUP_MAGIC, LAYOUT_VERSION,
	                        SHM_KIND_GROUP, 0, group);
	umask(old);
	ck_assert_int_eq(rc, 0);
	int fd = shm_open(name, O_RDONLY, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	close(fd);
	shm_seg_close(&seg);
	shm_seg_unlink(name);
	ck_assert_msg((st.st_mode & 07777) == mode, "mode %o under umask %o: got %o",
	              (unsigned)mode, (unsigned)mask, (unsigned)(st.st_mode & 07777));
}

START_TEST(modes_as_asked)
{
	char group[SHM_GROUP_MAX + 1];

	group_name(group, sizeof group, "mode");
	check_mode(group, "r0", 022, 0600);  /* the default */
	check_mode(group, "r1", 0, 0600);    /* a lax umask adds nothing */
	check_mode(group, "r2", 077, 0640);  /* a strict umask removes nothing */
	check_mode(group, "r3", 027, 0660);
	check_mode(group, "r4", 0777, 0600);
}
END_TEST

START_TEST(excl_create)
{
	char group[SHM_GROUP_MAX + 1], name[SHM_NAME_MAX];
	struct shm_seg a, b, c;

	group_name(group, sizeof group, "excl");
	seg_name(name, group, "group");
	ck_assert_int_eq(shm_seg_create(&a, name, SEG_BYTES, 0600, GROUP_MAGIC, LAYOUT_VERSION,
	                                SHM_KIND_GROUP, 0, group),
	                 0);
	((unsigned char *)a.base)[100] = 7;
	ck_assert_int_eq(shm_seg_create(&b, name, SEG_BYTES * 2, 0600, GROUP_MAGIC,
	                                LAYOUT_VERSION, SHM_KIND_GROUP, 0, group),
	                 -EEXIST);
	ck_assert_ptr_null(b.base);
	/* The failed create must not have unlinked or resized the existing one. */
	ck_assert_int_eq(shm_seg_open(&c, name, false, GROUP_MAGIC, LAYOUT_VERSION, SHM_KIND_GROUP,
	                              SEG_BYTES),
	                 0);
	ck_assert_uint_eq(((unsigned char *)c.base)[100], 7);
	shm_seg_close(&c);
	shm_seg_close(&a);
	ck_assert_int_eq(shm_seg_unlink(name), 0);
}
END_TEST

static int open_replica(const char *name, size_t expect)
{
	struct shm_seg seg;
	int rc = shm_seg_open(&seg, name, false, REPLICA_MAGIC, LAYOUT_VERSION, SHM_KIND_REPLICA,
	                      expect);

	if (rc == 0)
		shm_seg_close(&seg);
	else
		ck_assert_ptr_null(seg.base);
	return rc;
}

START_TEST(refuse_foreign_truncated_wrong_version)
{
	char group[SHM_GROUP_MAX + 1], name[SHM_NAME_MAX];
	unsigned char junk[SEG_BYTES];
	struct shm_hdr h;

	group_name(group, sizeof group, "bad");
	seg_name(name, group, "r0");

	/* Foreign: a full-size object whose header is not ours. */
	memset(junk, 0xa5, sizeof junk);
	create_raw(name, junk, sizeof junk);
	ck_assert_int_eq(open_replica(name, 0), -EPROTO);
	ck_assert_int_eq(shm_seg_unlink(name), 0);

	/* Empty, and shorter than a header (the header would be read past EOF). */
	create_raw(name, NULL, 0);
	ck_assert_int_eq(open_replica(name, 0), -EINVAL);
	ck_assert_int_eq(shm_seg_unlink(name), 0);
	memset(&h, 0, sizeof h);
	h.magic = REPLICA_MAGIC;
	h.version = LAYOUT_VERSION;
	h.kind = SHM_KIND_REPLICA;
	h.size = SEG_BYTES;
	create_raw(name, &h, sizeof h - 1);
	ck_assert_int_eq(open_replica(name, 0), -EINVAL);
	ck_assert_int_eq(shm_seg_unlink(name), 0);

	/* A good header that claims more than the file has (truncated). */
	create_raw(name, &h, sizeof h);
	ck_assert_int_eq(open_replica(name, 0), -EINVAL);
	ck_assert_int_eq(open_replica(name, SEG_BYTES), -EINVAL);
	ck_assert_int_eq(shm_seg_unlink(name), 0);

	/* A segment truncated after creation, and one grown after it. */
	ck_assert_int_eq(create_replica(group, 0, REPLICA_MAGIC, LAYOUT_VERSION), 0);
	int fd = shm_open(name, O_RDWR, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, SEG_BYTES / 2), 0);
	ck_assert_int_eq(open_replica(name, 0), -EINVAL);
	ck_assert_int_eq(ftruncate(fd, SEG_BYTES * 2), 0);
	ck_assert_int_eq(open_replica(name, 0), -EINVAL);
	ck_assert_int_eq(ftruncate(fd, SEG_BYTES), 0);
	ck_assert_int_eq(open_replica(name, 0), 0);
	close(fd);
	ck_assert_int_eq(shm_seg_unlink(name), 0);

	/* Wrong version, wrong kind, wrong magic. */
	ck_assert_int_eq(create_replica(group, 0, REPLICA_MAGIC, LAYOUT_VERSION + 1), 0);
	ck_assert_int_eq(open_replica(name, 0), -EPROTO);
	ck_assert_int_eq(shm_seg_unlink(name), 0);
	ck_assert_int_eq(create_replica(group, 0, GROUP_MAGIC, LAYOUT_VERSION), 0);
	ck_assert_int_eq(open_replica(name, 0), -EPROTO);
	struct shm_seg seg;
	ck_assert_int_eq(shm_seg_open(&seg, name, false, REPLICA_MAGIC, LAYOUT_VERSION,
	                              SHM_KIND_GROUP, 0),
	                 -EPROTO);
	ck_assert_int_eq(shm_seg_unlink(name), 0);
}
END_TEST

START_TEST(readonly_cannot_write)
{
	char group[SHM_GROUP_MAX + 1], name[SHM_NAME_MAX];
	struct shm_seg ro;
	int status;

	group_name(group, sizeof group, "ro");
	seg_name(name, group, "r1");
	ck_assert_int_eq(create_replica(group, 1, REPLICA_MAGIC, LAYOUT_VERSION), 0);
	ck_assert_int_eq(shm_seg_open(&ro, name, false, REPLICA_MAGIC, LAYOUT_VERSION,
	                              SHM_KIND_REPLICA, SEG_BYTES),
	                 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		((volatile unsigned char *)ro.base)[SEG_BYTES - 1] = 1;
		_exit(0); /* the write went through: the mapping was writable */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status), "child wrote to a read-only mapping (status %d)",
	              status);
	ck_assert_int_eq(WTERMSIG(status), SIGSEGV);
	ck_assert_uint_eq(((unsigned char *)ro.base)[SEG_BYTES - 1], 0);
	shm_seg_close(&ro);
	ck_assert_int_eq(shm_seg_unlink(name), 0);
}
END_TEST

START_TEST(cleanup_only_own_group)
{
	char a[SHM_GROUP_MAX + 1], ab[SHM_GROUP_MAX + 1], name[SHM_NAME_MAX];
	static const char *const whats[] = { "group", "r0", "r1", "r2" };
	int foreign = -1;

	group_name(a, sizeof a, "a");
	group_name(ab, sizeof ab, "a-b"); /* "a" is a prefix of it */
	ck_assert_int_eq(create_group(a), 0);
	ck_assert_int_eq(create_replica(a, 0, REPLICA_MAGIC, LAYOUT_VERSION), 0);
	ck_assert_int_eq(create_replica(a, 2, REPLICA_MAGIC, LAYOUT_VERSION + 7), 0);
	ck_assert_int_eq(create_group(ab), 0);
	ck_assert_int_eq(create_replica(ab, 0, REPLICA_MAGIC, LAYOUT_VERSION), 0);
	ck_assert_int_eq(create_replica(ab, 1, REPLICA_MAGIC, LAYOUT_VERSION), 0);
	/* Someone else's object under the name of a's r1. */
	ck_assert_int_eq(create_replica(a, 1, 0x12345678u, LAYOUT_VERSION), 0);

	ck_assert_int_eq(shm_group_cleanup(a, GROUP_MAGIC, REPLICA_MAGIC, &foreign), 3);
	ck_assert_int_eq(foreign, 1);
	for (size_t i = 0; i < sizeof whats / sizeof whats[0]; i++) {
		seg_name(name, a, whats[i]);
		ck_assert_msg(seg_exists(name) == (strcmp(whats[i], "r1") == 0), "%s", name);
		seg_name(name, ab, whats[i]);
		ck_assert_msg(seg_exists(name) == (strcmp(whats[i], "r2") != 0), "%s", name);
	}
	/* Idempotent: nothing more to remove, the foreign one still counted. */
	ck_assert_int_eq(shm_group_cleanup(a, GROUP_MAGIC, REPLICA_MAGIC, NULL), 0);
	ck_assert_int_eq(shm_group_cleanup(a, GROUP_MAGIC, REPLICA_MAGIC, &foreign), 0);
	ck_assert_int_eq(foreign, 1);
	ck_assert_int_eq(shm_group_cleanup(ab, GROUP_MAGIC, REPLICA_MAGIC, &foreign), 3);
	ck_assert_int_eq(foreign, 0);
	seg_name(name, a, "r1");
	ck_assert_int_eq(shm_seg_unlink(name), 0);
	ck_assert_int_eq(shm_group_cleanup("../x", GROUP_MAGIC, REPLICA_MAGIC, &foreign), -EINVAL);
}
END_TEST

START_TEST(cleanup_checks_group_index_size)
{
	char a[SHM_GROUP_MAX + 1], b[SHM_GROUP_MAX + 1], name[SHM_NAME_MAX];
	struct shm_seg seg;
	int foreign = -1;

	group_name(a, sizeof a, "g1");
	group_name(b, sizeof b, "g2");
	/* Right magic and kind, but another group's name in the header. */
	seg_name(name, a, "r3");
	ck_assert_int_eq(shm_seg_create(&seg, name, SEG_BYTES, 0600, REPLICA_MAGIC, LAYOUT_VERSION,
	                                SHM_KIND_REPLICA, 3, b),
	                 0);
	shm_seg_close(&seg);
	/* Right everything but the index. */
	seg_name(name, a, "r4");
	ck_assert_int_eq(shm_seg_create(&seg, name, SEG_BYTES, 0600, REPLICA_MAGIC, LAYOUT_VERSION,
	                                SHM_KIND_REPLICA, 5, a),
	                 0);
	shm_seg_close(&seg);
	/* Too short to hold a header. */
	seg_name(name, a, "r5");
	create_raw(name, "RTRP", 4);
	/* The group segment stamped as a replica. */
	seg_name(name, a, "group");
	ck_assert_int_eq(shm_seg_create(&seg, name, SEG_BYTES, 0600, GROUP_MAGIC, LAYOUT_VERSION,
	                                SHM_KIND_REPLICA, 0, a),
	                 0);
	shm_seg_close(&seg);

	ck_assert_int_eq(shm_group_cleanup(a, GROUP_MAGIC, REPLICA_MAGIC, &foreign), 0);
	ck_assert_int_eq(foreign, 4);
	static const char *const whats[] = { "r3", "r4", "r5", "group" };
	for (size_t i = 0; i < 4; i++) {
		seg_name(name, a, whats[i]);
		ck_assert_int_eq(shm_seg_unlink(name), 0);
	}
}
END_TEST

/* In a child: try the lock and exit with 0 (taken), 1 (EBUSY) or 2. */
static int lock_in_child(const char *group)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd, rc = shm_group_lock(group, &fd);
		_exit(rc == 0 ? 0 : rc == -EBUSY ? 1 : 2);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(group_lock_exclusive)
{
	char group[SHM_GROUP_MAX + 1], name[SHM_NAME_MAX];
	int fd = -1, fd2 = -1;

	group_name(group, sizeof group, "lk");
	seg_name(name, group, "lock");
	ck_assert_int_eq(shm_group_lock(group, &fd), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(shm_group_lock(group, &fd2), -EBUSY);
	ck_assert_int_eq(fd2, -1);
	ck_assert_int_eq(lock_in_child(group), 1);
	shm_group_unlock(group, fd);
	ck_assert(!seg_exists(name));
	ck_assert_int_eq(lock_in_child(group), 0); /* and the child's died with it */
	ck_assert_int_eq(shm_group_lock(group, &fd), 0);
	shm_group_unlock(group, fd);
	ck_assert(!seg_exists(name));
	ck_assert_int_eq(shm_group_lock("bad group", &fd), -EINVAL);
}
END_TEST

START_TEST(group_lock_released_by_death)
{
	char group[SHM_GROUP_MAX + 1], c;
	int fd, p[2], q[2], status;

	group_name(group, sizeof group, "lkdie");
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(pipe(q), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int lfd;

		close(p[0]);
		close(q[1]);
		c = shm_group_lock(group, &lfd) == 0 ? 'L' : 'E';
		if (write(p[1], &c, 1) != 1)
			_exit(3);
		if (read(q[0], &c, 1) < 0) /* hold it until told to die (EOF) */
			_exit(4);
		_exit(0);                /* no unlock: the kernel must drop it */
	}
	close(p[1]);
	close(q[0]);
	ck_assert_int_eq((int)read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'L');
	ck_assert_int_eq(shm_group_lock(group, &fd), -EBUSY);
	close(q[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(shm_group_lock(group, &fd), 0);
	shm_group_unlock(group, fd);
	close(p[0]);
}
END_TEST

/* Last: nothing this run created may survive it. Removes what it finds. */
START_TEST(no_leftovers)
{
	char prefix[32];
	int found = 0;

	snprintf(prefix, sizeof prefix, "rtaudio-ck%ld-", (long)run_tag);
#ifdef __linux__
	DIR *d = opendir("/dev/shm");
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
			char name[300];

			fprintf(stderr, "leftover: /dev/shm/%s\n", e->d_name);
			snprintf(name, sizeof name, "/%s", e->d_name);
			shm_unlink(name);
			found++;
		}
	}
	closedir(d);
#endif
	ck_assert_int_eq(found, 0);
}
END_TEST

Suite *shm_suite(void)
{
	Suite *s = suite_create("shm");
	TCase *tc = tcase_create("segments");

	tcase_add_unchecked_fixture(tc, tag_setup, NULL);
	tcase_add_test(tc, names);
	tcase_add_test(tc, create_open_roundtrip);
	tcase_add_test(tc, modes_as_asked);
	tcase_add_test(tc, excl_create);
	tcase_add_test(tc, refuse_foreign_truncated_wrong_version);
	tcase_add_test(tc, readonly_cannot_write);
	tcase_add_test(tc, cleanup_only_own_group);
	tcase_add_test(tc, cleanup_checks_group_index_size);
	tcase_add_test(tc, group_lock_exclusive);
	tcase_add_test(tc, group_lock_released_by_death);
	tcase_add_test(tc, no_leftovers);
	suite_add_tcase(s, tc);
	return s;
}
