/*
 * guard.c - absorb SIGBUS from watched shared mappings (see guard.h).
 *
 * Does: the SIGBUS handler, the table of watched regions it consults, and
 * the remap that puts a segment back. The table is a fixed array of atomics
 * written by the loop thread and read by the handler in any thread: base is
 * stored last (release) when watching and cleared first when unwatching, so
 * the handler never pairs a base with a stale size.
 * Does not: log, allocate, or take locks (the handler runs in any thread, on
 * the real-time ones too).
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guard.h"

struct guard_region {
	_Atomic uintptr_t base;  /* 0: free */
	_Atomic size_t size;
	_Atomic uint32_t hit;
};

static struct guard_region guard_tab[GUARD_REGIONS];
static _Atomic uint64_t guard_count;
static uintptr_t guard_page = 4096;
static struct sigaction guard_prev;   /* the SIGBUS disposition before ours */
static _Atomic int guard_ready;

_Static_assert(ATOMIC_POINTER_LOCK_FREE == 2, "the handler needs lock-free atomics");

/* Kernel-reported errors that a vanished or broken page explains. */
static bool guard_code_ours(int code)
{
	switch (code) {
	case BUS_ADRERR: /* past the end of the file: it was truncated */
	case BUS_OBJERR:
#ifdef BUS_MCEERR_AR
	case BUS_MCEERR_AR: /* a poisoned page: zeros beat a machine-check death */
#endif
		return true;
	default:
		return false;
	}
}

/* Patch the watched region holding `a` with zero pages; false if none does. */
static bool guard_patch(uintptr_t a)
{
	for (unsigned i = 0; i < GUARD_REGIONS; i++) {
		struct guard_region *r = &guard_tab[i];
		uintptr_t base = atomic_load_explicit(&r->base, memory_order_acquire);
		size_t size = atomic_load_explicit(&r->size, memory_order_relaxed);

		if (base == 0 || a < base || a - base >= size)
			continue;
		uintptr_t from = a & ~(guard_page - 1);
		void *p = mmap((void *)from, base + size - from, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p == MAP_FAILED)
			return false;
		atomic_store_explicit(&r->hit, 1, memory_order_release);
		atomic_fetch_add_explicit(&guard_count, 1, memory_order_relaxed);
		return true;
	}
	return false;
}

static void guard_on_sigbus(int sig, siginfo_t *si, void *uc)
{
	int saved = errno; /* mmap may set it; the interrupted code must not see that */

	if (si != NULL && guard_code_ours(si->si_code) && guard_patch((uintptr_t)si->si_addr)) {
		errno = saved;
		return; /* the kernel restarts the access, which now reads zeros */
	}
	errno = saved;
	/* Not ours: whoever handled SIGBUS before us, or the default action. */
	if ((guard_prev.sa_flags & SA_SIGINFO) != 0 && guard_prev.sa_sigaction != NULL) {
		guard_prev.sa_sigaction(sig, si, uc);
		return;
	}
	if ((guard_prev.sa_flags & SA_SIGINFO) == 0 && guard_prev.sa_handler != SIG_DFL &&
	    guard_prev.sa_handler != SIG_IGN) {
		guard_prev.sa_handler(sig);
		return;
	}
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGBUS, &dfl, NULL);
	/*
	 * A fault re-executes the access on return and dies then; a SIGBUS sent
	 * with kill() would not, so raise it again (it stays pending while this
	 * handler runs, and kills on return).
	 */
	raise(SIGBUS);
}

int guard_init(void)
{
	int expected = 0;

	if (!atomic_compare_exchange_strong(&guard_ready, &expected, 1))
		return 0;
	long pg = sysconf(_SC_PAGESIZE);
	if (pg > 0)
		guard_page = (uintptr_t)pg;

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = guard_on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &guard_prev) != 0) {
		int e = errno;
		atomic_store(&guard_ready, 0);
		return -e;
	}
	return 0;
}

int guard_watch(unsigned id, void *base, size_t size)
{
	if (id >= GUARD_REGIONS || base == NULL || size == 0 ||
	    (uintptr_t)base % guard_page != 0 || (uintptr_t)base + size < (uintptr_t)base)
		return -EINVAL;
	struct guard_region *r = &guard_tab[id];

	atomic_store_explicit(&r->base, 0, memory_order_release);
	atomic_store_explicit(&r->size, size, memory_order_relaxed);
	atomic_store_explicit(&r->hit, 0, memory_order_relaxed);
	atomic_store_explicit(&r->base, (uintptr_t)base, memory_order_release);
	return 0;
}

void guard_unwatch(unsigned id)
{
	if (id < GUARD_REGIONS)
		atomic_store_explicit(&guard_tab[id].base, 0, memory_order_release);
}

bool guard_hit(unsigned id)
{
	return id < GUARD_REGIONS &&
	       atomic_load_explicit(&guard_tab[id].hit, memory_order_acquire) != 0;
}

uint64_t guard_faults(void)
{
	return atomic_load_explicit(&guard_count, memory_order_relaxed);
}

int guard_remap(unsigned id, int fd)
{
	if (id >= GUARD_REGIONS)
		return -EINVAL;
	struct guard_region *r = &guard_tab[id];
	uintptr_t base = atomic_load_explicit(&r->base, memory_order_acquire);
	size_t size = atomic_load_explicit(&r->size, memory_order_relaxed);

	if (base == 0)
		return -EINVAL;
	/* Clear first: a fault between here and the mmap sets it again, rightly. */
	uint32_t was = atomic_exchange_explicit(&r->hit, 0, memory_order_acq_rel);
	void *p = mmap((void *)base, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED) {
		int e = errno;
		atomic_fetch_or_explicit(&r->hit, was, memory_order_release);
		return -e;
	}
	return 0;
}
