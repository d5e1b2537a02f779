/*
 * sandbox.c - a replica's limits, non-dumpability and seccomp filters
 * (sandbox.h says what each gives).
 *
 * What it does: setrlimit, prctl(PR_SET_DUMPABLE), and two filters built
 * with libseccomp: the guard (default allow; signalling, tracing or reading
 * another process kills) and the lock (default kill; the allow-list below).
 * Names a kernel or libseccomp does not know are skipped rather than failing
 * the build or the filter.
 *
 * What it does not do: decide when to apply them (renderer.c: limits and
 * guard before the renderer's open, lock after it, right before the render
 * loop), log, or exit. Without libseccomp, or under AddressSanitizer, the
 * filters are not available and say so (-ENOSYS); the limits always are.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#ifdef __linux__
#include <fcntl.h>
#include <sys/prctl.h>
#endif
#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif

#include "sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN 1
#endif
#endif

bool sandbox_available(const char **why)
{
#if !defined(HAVE_SECCOMP)
	if (why != NULL)
		*why = "built without libseccomp";
	return false;
#elif defined(SANDBOX_ASAN)
	/* LeakSanitizer traces the process at exit (clone, ptrace), and the
	 * runtime opens /proc files: the lock would kill every replica. */
	if (why != NULL)
		*why = "a build under AddressSanitizer";
	return false;
#else
	if (why != NULL)
		*why = NULL;
	return true;
#endif
}

static int set_limit(int res, uint64_t v)
{
	struct rlimit rl = { .rlim_cur = (rlim_t)v, .rlim_max = (rlim_t)v };

	return setrlimit(res, &rl) == 0 ? 0 : -errno;
}

int sandbox_limits(const struct sandbox_limits *l)
{
	int rc = 0, r;

	/* Soft and hard: an unprivileged process can lower a hard limit, never
	 * raise it, so the renderer cannot take them back. */
	if (l->max_memory != 0 && (r = set_limit(RLIMIT_AS, l->max_memory)) < 0 && rc == 0)
		rc = r;
	if (l->max_processes != 0 && (r = set_limit(RLIMIT_NPROC, l->max_processes)) < 0 &&
	    rc == 0)
		rc = r;
	if (!l->core_dumps) {
		if ((r = set_limit(RLIMIT_CORE, 0)) < 0 && rc == 0)
			rc = r;
#if defined(__linux__) && !defined(SANDBOX_ASAN)
		/* Non-dumpable: /proc/PID/{fd,mem,maps} become root's and ptrace
		 * needs CAP_SYS_PTRACE, so a sibling replica of the same user cannot
		 * reach into this one (nor reopen its segment descriptors). Not
		 * under ASan: LeakSanitizer ptraces the process at exit. */
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 && rc == 0)
			rc = -errno;
#endif
	}
	return rc;
}

#if defined(HAVE_SECCOMP) && !defined(SANDBOX_ASAN)

/* What the render loop, the runtime's exit paths and typical plugins (their
 * worker threads, allocators, lazy loaders) call at run time. Nothing here
 * opens, creates or names anything new, or reaches another process. */
static const char *const allowed[] = {
	/* time and waiting: the loop itself */
	"futex", "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday",
	"time", "restart_syscall", "sched_yield",
	/* I/O on descriptors already open (stderr on fatal paths, a plugin's
	 * pipes or files opened in open) */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close", "fstat",
	"dup", "dup2", "dup3", "fcntl", "poll", "ppoll",
	/* memory: malloc, thread stacks, munmap at exit */
	"mmap", "munmap", "mremap", "mprotect", "madvise", "brk", "mlock", "mlock2", "munlock",
	"msync", "membarrier",
	/* threads (clone is below, with its flags checked) and signals to self */
	"set_robust_list", "get_robust_list", "rseq", "set_tid_address", "rt_sigaction",
	"rt_sigprocmask", "rt_sigreturn", "sigaltstack", "exit", "exit_group",
	/* harmless queries */
	"getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getrandom",
	"getrusage", "sched_getaffinity", "sched_getparam", "sched_getscheduler", "getcpu",
};

/* One argument comparison, every field named (SCMP_A0() with two operands
 * leaves datum_b to the compiler's zeroing, which clang warns about). */
static struct scmp_arg_cmp arg_cmp(unsigned arg, enum scmp_compare op, uint64_t a, uint64_t b)
{
	return (struct scmp_arg_cmp){ .arg = arg, .op = op, .datum_a = a, .datum_b = b };
}

static int rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned argc,
                const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0; /* not on this architecture or this libseccomp */
	int rc = seccomp_rule_add_array(ctx, action, nr, argc, cmp);
	/* -EEXIST/-EACCES: the rule is the default or redundant; fine. */
	return rc == -EEXIST || rc == -EACCES ? 0 : rc;
}

static int load(scmp_filter_ctx ctx)
{
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	/* Every thread, those a plugin started in open included. */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc < 0 ? rc : 0;
}

#ifdef __GLIBC__
/*
 * glibc's malloc reads /proc/sys/vm/overcommit_memory once, when a
 * non-main arena's heap first shrinks (arena.c, check_may_shrink_heap),
 * and keeps the answer. Make that happen here: a thread of our own fills
 * its arena with small blocks (under the mmap threshold) and frees them,
 * which leaves a top chunk far over the trim threshold, which shrinks the
 * heap. Found by hostile.sh's alloc case: a worker thread freeing what it
 * allocated was killed for the open. The file is a sysctl anyone may read.
 */
static void *prime_shrink(void *arg)
{
	/* 2 MiB, well over M_TRIM_THRESHOLD's 128 KiB, in blocks too big for
	 * the thread cache (whose blocks next to the top would keep the rest
	 * from merging into it) and far under the 128 KiB mmap threshold. */
	enum { N = 512, SZ = 4096 };
	static void *p[N];

	for (int i = 0; i < N; i++)
		p[i] = malloc(SZ);
	for (int i = 0; i < N; i++)
		free(p[i]);
	return arg;
}

static void prime_libc(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, prime_shrink, NULL) == 0)
		pthread_join(t, NULL);
}
#else
static void prime_libc(void)
{
}
#endif

int sandbox_guard(void)
{
	prime_libc();  /* before the renderer's open: see sandbox.h */

	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	uint64_t self = (uint64_t)getpid();
	struct scmp_arg_cmp other = arg_cmp(0, SCMP_CMP_NE, self, 0);
	static const char *const to_pid[] = { "kill", "tgkill", "rt_sigqueueinfo",
	                                      "rt_tgsigqueueinfo" };
	static const char *const never[] = { "tkill", "ptrace", "process_vm_readv",
	                                     "process_vm_writev", "pidfd_send_signal",
	                                     "pidfd_getfd" };
	int rc = 0;

	if (ctx == NULL)
		return -ENOMEM;
	/* A pid is compared as all 64 bits: one with high bits set to fool a
	 * 32-bit compare differs from ours, and kills. */
	for (size_t i = 0; i < sizeof to_pid / sizeof to_pid[0] && rc == 0; i++)
		rc = rule(ctx, SCMP_ACT_KILL_PROCESS, to_pid[i], 1, &other);
	for (size_t i = 0; i < sizeof never / sizeof never[0] && rc == 0; i++)
		rc = rule(ctx, SCMP_ACT_KILL_PROCESS, never[i], 0, NULL);
	if (rc < 0) {
		seccomp_release(ctx);
		return rc;
	}
	return load(ctx);
}

int sandbox_lock(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	uint64_t self = (uint64_t)getpid();
	struct scmp_arg_cmp mine = arg_cmp(0, SCMP_CMP_EQ, self, 0);
	/* clone's flags are argument 0 on x86-64, arm64 and most others. */
	struct scmp_arg_cmp thread = arg_cmp(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
	/* fstat(2) as the C library does it, on a descriptor: no path. */
	struct scmp_arg_cmp empty3 = arg_cmp(3, SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH);
	struct scmp_arg_cmp empty2 = arg_cmp(2, SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH);
	/* prlimit64(0, resource, NULL, old): reading a limit, not setting one. */
	struct scmp_arg_cmp getlim[2] = { arg_cmp(0, SCMP_CMP_EQ, 0, 0), arg_cmp(2, SCMP_CMP_EQ, 0, 0) };
	int rc = 0;

	if (ctx == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof allowed / sizeof allowed[0] && rc == 0; i++)
		rc = rule(ctx, SCMP_ACT_ALLOW, allowed[i], 0, NULL);
	if (rc == 0)
		rc = rule(ctx, SCMP_ACT_ALLOW, "clone", 1, &thread);
	if (rc == 0) /* its flags live in memory a filter cannot read */
		rc = rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
	if (rc == 0)
		rc = rule(ctx, SCMP_ACT_ALLOW, "kill", 1, &mine);
	if (rc == 0)
		rc = rule(ctx, SCMP_ACT_ALLOW, "tgkill", 1, &mine);
	if (rc == 0)
		rc = rule(ctx, SCMP_ACT_ALLOW, "newfstatat", 1, &empty3);
	if (rc == 0)
		rc = rule(ctx, SCMP_ACT_ALLOW, "statx", 1, &empty2);
	if (rc == 0)
		rc = rule(ctx, SCMP_ACT_ALLOW, "prlimit64", 2, getlim);
	if (rc < 0) {
		seccomp_release(ctx);
		return rc;
	}
	return load(ctx);
}

#else

int sandbox_guard(void)
{
	return -ENOSYS;
}

int sandbox_lock(void)
{
	return -ENOSYS;
}

#endif
