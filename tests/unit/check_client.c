/*
 * check_client.c - client_suite: the read-only tap of lib/client.c.
 *
 * What it proves: rta_client_open's error paths give the documented -errno
 * (no socket, nobody listening, a path too long, a refusal, a reply without
 * descriptors, descriptors of the wrong thing, a silent close); against a
 * fake daemon (a forked child on a real Unix socket) passing real segments
 * with SCM_RIGHTS, a tap maps them read-only, reads block s from the
 * primary's ring and falls back to another replica's, tells "not yet"
 * (-EAGAIN) from "gone" (-ENODATA), and rta_client_follow wakes on the group's
 * futex word when another process publishes the block, times out, and sees
 * a shutdown.
 *
 * What it does not do: run rtaudiod (tests/integration/taps.sh does). Every
 * group name carries the runner's pid; each test unlinks what it made.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rtaudio/client.h>
#include "clock.h"
#include "crc32c.h"
#include "futex.h"
#include "layout.h"
#include "ring.h"
#include "shm.h"
#include "suites.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

#define FX_RATE     48000u
#define FX_CH       2u
#define FX_FRAMES   64u
#define FX_CAP      8u
#define FX_REPLICAS 2u

static pid_t run_tag;

static void tag_setup(void)
{
	run_tag = getpid();
}

/* A fake group: the segments a daemon would make, and O_RDONLY fds of them. */
struct fixture {
	char group[SHM_GROUP_MAX + 1];
	char dir[64];
	char sock[128];
	struct shm_seg g;
	struct group_seg *gs;
	struct shm_seg r[FX_REPLICAS];
	struct ring ring[FX_REPLICAS];
	int fds[1 + FX_REPLICAS];
	uint32_t block_bytes;
};

static void fx_make(struct fixture *f, const char *suffix)
{
	char name[SHM_NAME_MAX], what[8];

	memset(f, 0, sizeof(*f));
	snprintf(f->group, sizeof f->group, "ck%ld-%s", (long)run_tag, suffix);
	snprintf(f->dir, sizeof f->dir, "/tmp/ck-client.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(f->sock, sizeof f->sock, "%s/ctl.sock", f->dir);
	f->block_bytes = layout_block_bytes(FX_FRAMES, FX_CH);

	ck_assert_int_eq(shm_seg_name(name, sizeof name, f->group, "group"), 0);
	ck_assert_int_eq(shm_seg_create(&f->g, name, GROUP_SEG_BYTES, 0600, GROUP_MAGIC,
	                                LAYOUT_VERSION, SHM_KIND_GROUP, 0, f->group), 0);
	struct group_seg *g = f->gs = f->g.base;
	g->sample_rate = FX_RATE;
	g->channels = FX_CH;
	g->frames = FX_FRAMES;
	g->lead = 2;
	g->ring_capacity = FX_CAP;
	g->replicas = FX_REPLICAS;
	g->period_ns = clock_period_ns(FX_RATE, FX_FRAMES);
	atomic_store(&g->leader, layout_leader_make(1, 1)); /* replica 1 is the primary */
	f->fds[0] = shm_open(name, O_RDONLY, 0);
	ck_assert_int_ge(f->fds[0], 0);

	size_t size = layout_replica_bytes(FX_CAP, f->block_bytes);
	for (uint32_t i = 0; i < FX_REPLICAS; i++) {
		snprintf(what, sizeof what, "r%u", (unsigned)i);
		ck_assert_int_eq(shm_seg_name(name, sizeof name, f->group, what), 0);
		ck_assert_int_eq(shm_seg_create(&f->r[i], name, size, 0600, REPLICA_MAGIC,
		                                LAYOUT_VERSION, SHM_KIND_REPLICA, i, f->group), 0);
		ck_assert_int_eq(ring_init(&f->ring[i], (char *)f->r[i].base + REPLICA_RING_OFFSET,
		                           size - REPLICA_RING_OFFSET, FX_CAP, f->block_bytes), 0);
		f->fds[1 + i] = shm_open(name, O_RDONLY, 0);
		ck_assert_int_ge(f->fds[1 + i], 0);
	}
}

static void fx_free(struct fixture *f)
{
	char name[SHM_NAME_MAX];

	for (uint32_t i = 0; i < 1 + FX_REPLICAS; i++)
		close(f->fds[i]);
	for (uint32_t i = 0; i < FX_REPLICAS; i++) {
		snprintf(name, sizeof name, "%s", f->r[i].name);
		shm_seg_close(&f->r[i]);
		shm_seg_unlink(name);
	}
	snprintf(name, sizeof name, "%s", f->g.name);
	shm_seg_close(&f->g);
	shm_seg_unlink(name);
	unlink(f->sock);
	rmdir(f->dir);
}

/* Block seq of replica i: every sample = seq (replicas are bit-identical). */
static void fx_write(struct fixture *f, uint32_t i, uint64_t seq)
{
	float *p = ring_write_begin(&f->ring[i], seq);

	ck_assert_ptr_nonnull(p);
	for (uint32_t k = 0; k < FX_FRAMES * FX_CH; k++)
		p[k] = (float)seq;
	ring_write_commit(&f->ring[i], seq, f->block_bytes, crc32c_block(seq, p, f->block_bytes));
}

/*
 * A fake daemon: listens on `path` now, and in a child accepts one
 * connection, reads the request line, sends `reply` (NULL: closes without a
 * word) with the nfds descriptors attached, and exits.
 */
static pid_t fake_daemon(const char *path, const char *reply, const int *fds, int nfds)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(ls, 0);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(ls, 4), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int s = accept(ls, NULL, NULL);
		char c;
		while (s >= 0 && read(s, &c, 1) == 1 && c != '\n')
			;
		if (s >= 0 && reply != NULL) {
			union {
				struct cmsghdr align;
				char buf[CMSG_SPACE(sizeof(int) * 16)];
			} ctrl;
			struct iovec iov = { (void *)reply, strlen(reply) };
			struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
			if (nfds > 0) {
				memset(&ctrl, 0, sizeof ctrl);
				msg.msg_control = ctrl.buf;
				msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
				struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
				cm->cmsg_level = SOL_SOCKET;
				cm->cmsg_type = SCM_RIGHTS;
				cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
				memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
			}
			(void)sendmsg(s, &msg, MSG_NOSIGNAL);
		}
		_exit(0);
	}
	close(ls);
	return pid;
}

static void reap(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Open through a fake daemon giving `reply` and `nfds` of the fixture's fds. */
static int open_via(struct fixture *f, const char *reply, int nfds, struct rta_client **c,
                    char *rbuf, size_t rlen)
{
	pid_t pid = fake_daemon(f->sock, reply, f->fds, nfds);
	int rc = rta_client_open(c, f->sock, rbuf, rlen);

	reap(pid);
	unlink(f->sock);
	return rc;
}

START_TEST(open_errors_without_daemon)
{
	struct rta_client *c = (struct rta_client *)1;
	char path[200], reply[64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	ck_assert_int_eq(rta_client_open(&c, "/nonexistent/rtaudiod.sock", reply, sizeof reply),
	                 -ENOENT);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(reply, "");
	memset(path, 'x', sizeof path - 1);
	path[0] = '/';
	path[sizeof path - 1] = '\0';
	ck_assert_int_eq(rta_client_open(&c, path, NULL, 0), -ENAMETOOLONG);
	ck_assert_int_eq(rta_client_open(NULL, "/x", NULL, 0), -EINVAL);
	ck_assert_int_eq(rta_client_open(&c, NULL, NULL, 0), -EINVAL);

	/* A socket file nobody listens on (a daemon killed with -9). */
	char dir[] = "/tmp/ck-client.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/dead.sock", dir);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	close(s);
	ck_assert_int_eq(rta_client_open(&c, sa.sun_path, NULL, 0), -ECONNREFUSED);
	unlink(sa.sun_path);
	rmdir(dir);
}
END_TEST

START_TEST(open_refusals_and_bad_replies)
{
	struct fixture f;
	struct rta_client *c;
	char reply[256];

	fx_make(&f, "refuse");
	ck_assert_int_eq(open_via(&f, "{\"ok\":false,\"code\":\"denied\",\"error\":\"permission "
	                              "denied: 'tap' needs root or uid 0\"}\n", 0, &c, reply,
	                              sizeof reply), -EACCES);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(reply, "permission denied"));
	ck_assert_int_eq(open_via(&f, "{\"ok\":false,\"code\":\"unknown-verb\",\"error\":\"unknown "
	                          "command 'tap'\"}\n", 0, &c, NULL, 0), -EOPNOTSUPP);
	/* The code decides, not the message: reworded texts keep their meaning. */
	ck_assert_int_eq(open_via(&f, "{\"ok\":false,\"code\":\"denied\",\"error\":\"not you\"}\n",
	                          0, &c, NULL, 0), -EACCES);
	ck_assert_int_eq(open_via(&f, "{\"ok\":false,\"error\":\"permission denied\"}\n", 0, &c,
	                          NULL, 0), -EBUSY);
	ck_assert_int_eq(open_via(&f, "{\"ok\":false,\"error\":\"daemon is shutting down\"}\n", 0,
	                          &c, NULL, 0), -EBUSY);
	ck_assert_int_eq(open_via(&f, "not json\n", 0, &c, NULL, 0), -EPROTO);
	ck_assert_int_eq(open_via(&f, NULL, 0, &c, reply, sizeof reply), -ECONNRESET);
	ck_assert_str_eq(reply, "");
	/* ok, but no descriptors, too few, or the wrong ones. */
	ck_assert_int_eq(open_via(&f, "{\"ok\":true}\n", 0, &c, NULL, 0), -EPROTO);
	ck_assert_int_eq(open_via(&f, "{\"ok\":true}\n", 2, &c, NULL, 0), -EPROTO);
	int save = f.fds[0];
	f.fds[0] = f.fds[1]; /* a replica segment where the group's should be */
	ck_assert_int_eq(open_via(&f, "{\"ok\":true}\n", 3, &c, NULL, 0), -EPROTO);
	f.fds[0] = open("/dev/null", O_RDONLY);
	ck_assert_int_eq(open_via(&f, "{\"ok\":true}\n", 3, &c, NULL, 0), -EINVAL);
	close(f.fds[0]);
	f.fds[0] = save;
	/* A replica segment that says it belongs to another index. */
	int tmp = f.fds[1];
	f.fds[1] = f.fds[2];
	f.fds[2] = tmp;
	ck_assert_int_eq(open_via(&f, "{\"ok\":true}\n", 3, &c, NULL, 0), -EPROTO);
	f.fds[2] = f.fds[1];
	f.fds[1] = tmp;
	/* An impossible stream in the group segment. */
	f.gs->channels = 99;
	ck_assert_int_eq(open_via(&f, "{\"ok\":true}\n", 3, &c, NULL, 0), -EPROTO);
	ck_assert_ptr_null(c);
	fx_free(&f);
}
END_TEST

#ifdef __linux__
/* Every mapping of this fixture's segments is read-only ("r--s"). */
static int maps_readonly(const char *group)
{
	char line[512], needle[64];
	int seen = 0;
	FILE *m = fopen("/proc/self/maps", "r");

	ck_assert_ptr_nonnull(m);
	snprintf(needle, sizeof needle, "/rtaudio-%s-", group);
	while (fgets(line, sizeof line, m) != NULL) {
		char perms[8];
		if (strstr(line, needle) == NULL || sscanf(line, "%*s %7s", perms) != 1)
			continue;
		if (strcmp(perms, "r--s") == 0)
			seen++;
		else if (strcmp(perms, "rw-s") != 0) /* the fixture's own mappings */
			seen = -1000;
	}
	fclose(m);
	return seen;
}
#endif

START_TEST(read_prefers_primary_and_falls_back)
{
	struct fixture f;
	struct rta_client *c;
	char reply[256];
	float out[FX_FRAMES * FX_CH];

	fx_make(&f, "read");
	ck_assert_int_eq(open_via(&f, "{\"ok\":true,\"group\":\"x\"}\n", 3, &c, reply,
	                          sizeof reply), 0);
	ck_assert_str_eq(reply, "{\"ok\":true,\"group\":\"x\"}");
	const struct rta_client_info *in = rta_client_info(c);
	ck_assert_str_eq(in->group, f.group);
	ck_assert_uint_eq(in->replicas, FX_REPLICAS);
	ck_assert_uint_eq(in->sample_rate, FX_RATE);
	ck_assert_uint_eq(in->channels, FX_CH);
	ck_assert_uint_eq(in->frames, FX_FRAMES);
	ck_assert_uint_eq(in->ring_capacity, FX_CAP);
	ck_assert_uint_eq(in->block_samples, FX_FRAMES * FX_CH);
#ifdef __linux__
	ck_assert_int_eq(maps_readonly(f.group), 1 + FX_REPLICAS);
#endif

	fx_write(&f, 0, 0);
	fx_write(&f, 1, 0);
	fx_write(&f, 0, 1); /* only the standby has block 1 (the primary died) */
	ck_assert_int_eq(rta_client_read(c, 0, out, FX_FRAMES * FX_CH), 1); /* primary first */
	ck_assert(out[0] == 0.0f && out[FX_FRAMES * FX_CH - 1] == 0.0f);
	ck_assert_int_eq(rta_client_read(c, 1, out, FX_FRAMES * FX_CH), 0);
	ck_assert(out[5] == 1.0f);
	/* Block 2: rendered nowhere, the sink not there yet -> later; passed -> gone. */
	ck_assert_int_eq(rta_client_read(c, 2, out, FX_FRAMES * FX_CH), -EAGAIN);
	atomic_store(&f.gs->position, 3);
	ck_assert_int_eq(rta_client_read(c, 2, out, FX_FRAMES * FX_CH), -ENODATA);
	/* Overwritten in every ring: gone too. */
	for (uint64_t s = 2; s < 2 + FX_CAP; s++)
		fx_write(&f, 0, s);
	ck_assert_int_eq(rta_client_read(c, 1, out, FX_FRAMES * FX_CH), -ENODATA);
	ck_assert_int_eq(rta_client_read(c, 9, out, FX_FRAMES * FX_CH), 0);
	ck_assert_uint_eq(rta_client_position(c), 3);
	/* A buffer too small, or none. */
	ck_assert_int_eq(rta_client_read(c, 9, out, FX_FRAMES * FX_CH - 1), -EINVAL);
	ck_assert_int_eq(rta_client_read(c, 9, NULL, FX_FRAMES * FX_CH), -EINVAL);
	rta_client_close(c);
	fx_free(&f);
}
END_TEST

START_TEST(follow_wakes_times_out_and_sees_shutdown)
{
	struct fixture f;
	struct rta_client *c;
	float out[FX_FRAMES * FX_CH];

	fx_make(&f, "follow");
	ck_assert_int_eq(open_via(&f, "{\"ok\":true}\n", 3, &c, NULL, 0), 0);

	/* Another process renders block 4 and bumps the wake word 50 ms later. */
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		clock_sleep_until_ns(clock_now_ns() + 50 * NSEC_PER_MSEC);
		fx_write(&f, 1, 4);
		atomic_fetch_add(&f.gs->wake, 1);
		futex_wake(&f.gs->wake, -1);
		_exit(0);
	}
	uint64_t t0 = clock_now_ns();
	ck_assert_int_eq(rta_client_follow(c, 4, out, FX_FRAMES * FX_CH, 5 * (int64_t)NSEC_PER_SEC),
	                 1);
	ck_assert(out[0] == 4.0f);
	ck_assert_uint_lt(clock_now_ns() - t0, 4 * NSEC_PER_SEC);
	reap(pid);

	t0 = clock_now_ns();
	ck_assert_int_eq(rta_client_follow(c, 5, out, FX_FRAMES * FX_CH, 20 * (int64_t)NSEC_PER_MSEC),
	                 -ETIMEDOUT);
	ck_assert_uint_ge(clock_now_ns() - t0, 20 * NSEC_PER_MSEC);
	atomic_store(&f.gs->run, GROUP_SHUTDOWN);
	ck_assert_int_eq(rta_client_follow(c, 5, out, FX_FRAMES * FX_CH, -1), -ESHUTDOWN);
	/* What is there is still read after a shutdown. */
	ck_assert_int_eq(rta_client_follow(c, 4, out, FX_FRAMES * FX_CH, -1), 1);
	rta_client_close(c);
	rta_client_close(NULL);
	fx_free(&f);
}
END_TEST

Suite *client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("tap");

	tcase_add_unchecked_fixture(tc, tag_setup, NULL);
	tcase_add_test(tc, open_errors_without_daemon);
	tcase_add_test(tc, open_refusals_and_bad_replies);
	tcase_add_test(tc, read_prefers_primary_and_falls_back);
	tcase_add_test(tc, follow_wakes_times_out_and_sees_shutdown);
	suite_add_tcase(s, tc);
	return s;
}
