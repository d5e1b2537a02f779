/*
 * futex.h - wait on / wake a 32-bit word, across processes.
 *
 * What it does: the one blocking primitive of the audio path. A waiter sleeps
 * while *word == expected, for at most a timeout; a waker changes the word and
 * wakes the waiters. Works on shared (not process-private) mappings: Linux
 * futex(2) without FUTEX_PRIVATE_FLAG; on macOS os_sync_wait_on_address /
 * __ulock_wait with the shared flag.
 *
 * What it does not do: change the word (the caller does, with C11 atomics,
 * before waking), or guarantee fairness. Spurious wake-ups are possible:
 * callers re-check their condition in a loop.
 */
#ifndef RTAUDIO_FUTEX_H
#define RTAUDIO_FUTEX_H

#include <stdatomic.h>
#include <stdint.h>

/*
 * Sleep while *word == expected, for at most timeout_ns (relative; < 0 means
 * forever). Returns 0 when woken (or spuriously), -EAGAIN if *word already
 * differed, -ETIMEDOUT on time-out, -EINTR on a signal. Audio-path safe.
 */
int futex_wait(_Atomic uint32_t *word, uint32_t expected, int64_t timeout_ns);

/*
 * Sleep while every words[i] == expected[i] (n of them, 1..FUTEX_ANY_MAX),
 * for at most timeout_ns (relative; < 0: forever): Linux futex_waitv(2),
 * 5.16 and later, keyed as futex_wait is, so futex_wake (or the kernel's
 * robust-futex release of a dead owner) wakes it. Returns the index of a
 * word that was woken (or spuriously 0), -EAGAIN if a word already
 * differed, -ETIMEDOUT, -EINTR, -EFAULT (a word's page is gone), -ENOSYS
 * where there is no such call (older kernels, macOS: use futex_wait).
 * Audio-path safe, but meant for helper threads.
 */
#define FUTEX_ANY_MAX 16u
int futex_wait_any(_Atomic uint32_t *const words[], const uint32_t expected[], unsigned n,
                   int64_t timeout_ns);

/*
 * Wake up to `n` waiters on word (n < 0: all). Returns the number woken
 * (0 where the platform cannot tell) or -errno. Audio-path safe.
 */
int futex_wake(_Atomic uint32_t *word, int n);

#endif
