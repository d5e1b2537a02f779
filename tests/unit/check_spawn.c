/*
 * check_spawn.c - spawn_suite: daemon/spawn_clone.c with real processes.
 *
 * What it proves: a child started by spawn_clone gets exactly the plan's
 * descriptors (stdin /dev/null, a source moved off another's target, one
 * already in place though close-on-exec), a session of its own, every
 * signal at its default and none blocked although the parent blocked and
 * ignored some, and a pidfd that turns readable when it exits; an exec
 * that fails is an -errno with no child left behind; as root, the child
 * runs as the plan's user with no groups while the parent and its other
 * threads keep theirs (glibc's setuid would have changed them all). And
 * the reason the module exists: after a spawn, rewriting 8 MiB of the
 * parent's private memory takes no page fault, where after a fork (the
 * peer, in the same test) it takes one per page.
 *
 * What it does not do: test spawn.c's libuv side (every integration test
 * starts replicas through it).
 */
#ifdef __linux__

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn_clone.h"
#include "suites.h"

/* Run `script` under /bin/sh with fds[0..n) as its descriptors (fds[1]
 * is replaced by a pipe whose output is returned in out), wait for it and
 * return its exit status; checks the pidfd on the way. */
static int run_sh(const char *script, int *fds, unsigned n, const struct confine_cred *cred,
                  char *out, size_t outlen)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };
	int p[2], pid, pidfd, st;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	struct spawn_clone_plan pl = { .file = "/bin/sh", .argv = argv, .nfds = n,
	                               .new_session = true, .cred = cred };
	for (unsigned i = 0; i < n; i++)
		pl.fd[i] = fds[i];
	pl.fd[1] = p[1];
	ck_assert_int_eq(spawn_clone(&pl, &pid, &pidfd), 0);
	close(p[1]);
	ck_assert_int_ge(fcntl(pidfd, F_GETFD), 0);
	ck_assert(fcntl(pidfd, F_GETFD) & FD_CLOEXEC);
	size_t got = 0;
	ssize_t r;
	while (got + 1 < outlen && (r = read(p[0], out + got, outlen - 1 - got)) > 0)
		got += (size_t)r;
	out[got] = '\0';
	close(p[0]);
	struct pollfd pf = { .fd = pidfd, .events = POLLIN };
	ck_assert_int_eq(poll(&pf, 1, 10000), 1);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	close(pidfd);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

START_TEST(test_child_setup)
{
	char out[512];
	int data[2];

	if (!spawn_clone_supported()) {
		printf("SKIP (part): spawn_clone: no pidfds on this kernel\n");
		return;
	}
	/* Blocked and ignored here: the child must have neither. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, &set, NULL), 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	/* The data pipe's read end at 3 would be overwritten by the target
	 * 3 <- fd 4 unless moved: put the sources crosswise. */
	ck_assert_int_eq(pipe2(data, O_CLOEXEC), 0);
	ck_assert_int_eq(write(data[1], "seg\n", 4), 4);
	close(data[1]);
	int d3 = fcntl(data[0], F_DUPFD_CLOEXEC, 10);
	close(data[0]);
	int z = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(z, 0);
	int other = fcntl(z, F_DUPFD_CLOEXEC, 10);
	close(z);
	/* check's own descriptors at 3 and 4, if any, kept aside meanwhile. */
	int saved[2], flags[2];
	for (int i = 0; i < 2; i++) {
		flags[i] = fcntl(3 + i, F_GETFD);
		saved[i] = flags[i] < 0 ? -1 : fcntl(3 + i, F_DUPFD_CLOEXEC, 20);
	}
	ck_assert_int_ge(dup3(d3, 4, O_CLOEXEC), 0);  /* target 3 takes our fd 4 */
	ck_assert_int_ge(dup3(other, 3, O_CLOEXEC), 0); /* target 4 takes our fd 3 */
	int fds[5] = { -1, -1, 2, 4, 3 };
	int rc = run_sh("set -e; test \"$(readlink /proc/self/fd/0)\" = /dev/null; "
	                "read l <&3; test -c /proc/self/fd/4; "
	                "sid=$(cut -d' ' -f6 /proc/$$/stat); "
	                "printf '%s %s %s ' \"$l\" $(( sid == $$ )) $(ls /proc/self/fd | wc -l); "
	                "grep -E '^Sig(Blk|Ign)' /proc/self/status | tr -d '\\t\\n'",
	                fds, 5, NULL, out, sizeof out);
	for (int i = 0; i < 2; i++) {
		close(3 + i);
		if (saved[i] >= 0)
			ck_assert_int_eq(dup3(saved[i], 3 + i, flags[i] & FD_CLOEXEC ? O_CLOEXEC : 0),
			                 3 + i);
	}
	ck_assert_msg(rc == 0, "child script failed (%d): %s", rc, out);
	/* fds 0-4, ls's own directory handle, and those of ours (check's)
	 * without close-on-exec: not the moved copies, nor d3. */
	int inherited = 0;
	for (int fd = 5; fd < 1024; fd++) {
		int fl = fcntl(fd, F_GETFD);
		inherited += fl >= 0 && !(fl & FD_CLOEXEC);
	}
	/* glibc's internal signals (32 .. SIGRTMIN - 1) may not be reset from
	 * C: ignored by whoever started us (make's test driver does), they stay
	 * ignored. Every other one is defaulted. */
	unsigned long long ign = 0, reserved = 0;
	char line[128];
	FILE *f = fopen("/proc/self/status", "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f) != NULL)
		(void)sscanf(line, "SigIgn: %llx", &ign);
	fclose(f);
	for (int sig = 32; sig < SIGRTMIN; sig++)
		reserved |= 1ull << (sig - 1);
	char want[128];
	snprintf(want, sizeof want, "seg 1 %d SigBlk:0000000000000000SigIgn:%016llx",
	         6 + inherited, ign & reserved);
	ck_assert_msg(strcmp(out, want) == 0, "child saw: %s, not %s", out, want);
}
END_TEST

START_TEST(test_exec_error)
{
	char *argv[] = { "nothing", NULL };
	struct spawn_clone_plan pl = { .file = "/nonexistent/rtaudio-replica", .argv = argv,
	                               .nfds = 3, .fd = { -1, 1, 2 } };
	int pid = -1, pidfd = -1;

	if (!spawn_clone_supported())
		return;
	ck_assert_int_eq(spawn_clone(&pl, &pid, &pidfd), -ENOENT);
	ck_assert_int_eq(pid, -1);
	/* Reaped already: no child of ours is left. */
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
	pl.fd[2] = 1000; /* not open: the child's dup2 fails, not exec */
	pl.file = "/bin/true";
	ck_assert_int_eq(spawn_clone(&pl, &pid, &pidfd), -EBADF);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	pl.nfds = SPAWN_CLONE_FDS + 1;
	ck_assert_int_eq(spawn_clone(&pl, &pid, &pidfd), -EINVAL);
}
END_TEST

static void *idle_thread(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

START_TEST(test_user_drop)
{
	char out[256];
	pthread_t t;

	if (!spawn_clone_supported() || geteuid() != 0) {
		printf("SKIP (part): spawn_clone's user drop: needs root and pidfds\n");
		return;
	}
	ck_assert_int_eq(pthread_create(&t, NULL, idle_thread, NULL), 0);
	struct confine_cred cr = { .drop = true, .uid = 65534, .gid = 65534 };
	int fds[3] = { -1, -1, 2 };
	int rc = run_sh("printf '%s %s %s' $(id -u) $(id -g) \"$(id -G)\"", fds, 3, &cr, out,
	                sizeof out);
	ck_assert_msg(rc == 0, "child failed (%d): %s", rc, out);
	ck_assert_str_eq(out, "65534 65534 65534");
	/* Every task of ours, the idle thread included. */
	char cmd[64];
	snprintf(cmd, sizeof cmd, "grep -h '^Uid:' /proc/%d/task/*/status", (int)getpid());
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	char line[128];
	int tasks = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned a, b, c, d;
		ck_assert_int_eq(sscanf(line, "Uid: %u %u %u %u", &a, &b, &c, &d), 4);
		ck_assert_msg(a == 0 && b == 0 && c == 0 && d == 0, "a task of ours: %s", line);
		tasks++;
	}
	pclose(f);
	ck_assert_int_ge(tasks, 2);
}
END_TEST

#define COW_BYTES (8u << 20)

/* Rewrite every page of `m`, return the faults this thread took doing it. */
static long rewrite_faults(volatile char *m)
{
	struct rusage a, b;

	getrusage(RUSAGE_THREAD, &a);
	for (size_t o = 0; o < COW_BYTES; o += 4096)
		m[o]++;
	getrusage(RUSAGE_THREAD, &b);
	return b.ru_minflt - a.ru_minflt;
}

START_TEST(test_no_copy_on_write)
{
	char *argv[] = { "sh", "-c", "read x", NULL };
	int hold[2], pid, pidfd;

	if (!spawn_clone_supported())
		return;
	volatile char *m = mmap(NULL, COW_BYTES, PROT_READ | PROT_WRITE,
	                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(m != MAP_FAILED);
	(void)rewrite_faults(m); /* first touch: these faults are the allocation's */
	/* The child lives, holding nothing of ours, while we write. */
	ck_assert_int_eq(pipe2(hold, O_CLOEXEC), 0);
	struct spawn_clone_plan pl = { .file = "/bin/sh", .argv = argv, .nfds = 3,
	                               .fd = { hold[0], 1, 2 } };
	ck_assert_int_eq(spawn_clone(&pl, &pid, &pidfd), 0);
	long ours = rewrite_faults(m);
	close(hold[1]);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	close(pidfd);
	close(hold[0]);
	/* The peer: fork, the child waiting the same way. */
	ck_assert_int_eq(pipe2(hold, O_CLOEXEC), 0);
	pid_t f = fork();
	ck_assert_int_ge(f, 0);
	if (f == 0) {
		char c;
		close(hold[1]);
		_exit(read(hold[0], &c, 1) < 0);
	}
	long peer = rewrite_faults(m);
	close(hold[1]);
	ck_assert_int_eq(waitpid(f, NULL, 0), f);
	printf("spawn_clone: %ld faults rewriting %u pages after a spawn; %ld after a fork\n",
	       ours, COW_BYTES / 4096, peer);
	ck_assert_msg(peer >= (long)(COW_BYTES / 4096) * 9 / 10,
	              "the peer fork took only %ld faults: the measure is broken", peer);
	ck_assert_msg(ours <= 16, "%ld copy-on-write faults after spawn_clone", ours);
}
END_TEST

Suite *spawn_suite(void)
{
	Suite *s = suite_create("spawn");
	TCase *tc = tcase_create("clone");

	tcase_add_test(tc, test_child_setup);
	tcase_add_test(tc, test_exec_error);
	tcase_add_test(tc, test_user_drop);
	tcase_add_test(tc, test_no_copy_on_write);
	suite_add_tcase(s, tc);
	return s;
}

#endif
