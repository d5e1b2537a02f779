/*
 * life.c - a replica's life lock (see life.h).
 *
 * Does: glibc's robust mutexes, whose lock word is the kernel's robust
 * futex (TID of the holder, FUTEX_WAITERS, FUTEX_OWNER_DIED: linux/futex.h)
 * and which glibc puts on the thread's robust list for the kernel to
 * release at its death. We set the waiters bit once, after locking, so that
 * the kernel wakes the word (it only wakes a word with waiters) and never
 * unlock.
 * Does not: wait (daemon/watch.c does, with futex_wait_any) or log.
 */
#include <errno.h>
#include <string.h>

#include "life.h"

#if defined(__linux__) && defined(__GLIBC__)

#include <linux/futex.h>
#include <pthread.h>
#include <stddef.h>

_Static_assert(sizeof(pthread_mutex_t) <= sizeof(((struct replica_seg *)0)->life),
               "a pthread mutex fits replica_seg.life");

int life_hold(struct replica_seg *r)
{
	pthread_mutex_t *m = (pthread_mutex_t *)(void *)r->life;
	pthread_mutexattr_t a;
	int rc;

	memset(r->life, 0, sizeof(r->life));
	rc = pthread_mutexattr_init(&a);
	if (rc != 0)
		return -rc;
	rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (rc == 0)
		rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (rc == 0)
		rc = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	if (rc == 0)
		rc = pthread_mutex_lock(m);
	if (rc != 0)
		return -rc;
	atomic_fetch_or_explicit(life_word(r), (uint32_t)FUTEX_WAITERS, memory_order_release);
	return 0;
}

_Atomic uint32_t *life_word(struct replica_seg *r)
{
	return (_Atomic uint32_t *)(void *)(r->life + offsetof(pthread_mutex_t, __data.__lock));
}

uint32_t life_alive(uint32_t tid)
{
	return (tid & FUTEX_TID_MASK) | FUTEX_WAITERS;
}

enum life_look life_look(uint32_t word, uint32_t tid)
{
	/* The kernel's mark: the TID cleared, "owner died", the waiters bit kept. */
	if (word == (FUTEX_WAITERS | FUTEX_OWNER_DIED))
		return LIFE_DEAD;
	return word == life_alive(tid) && tid != 0 ? LIFE_ALIVE : LIFE_OTHER;
}

#else

int life_hold(struct replica_seg *r)
{
	(void)r;
	return -ENOTSUP;
}

_Atomic uint32_t *life_word(struct replica_seg *r)
{
	return (_Atomic uint32_t *)(void *)r->life;
}

uint32_t life_alive(uint32_t tid)
{
	return tid | 0x80000000u;
}

enum life_look life_look(uint32_t word, uint32_t tid)
{
	(void)word, (void)tid;
	return LIFE_OTHER;  /* nobody holds one here */
}

#endif
