/*
 * life.h - a replica's life lock: the kernel's own word that it died.
 *
 * What it does: the replica's process holds a robust, process-shared mutex
 * in its own segment (replica_seg.life) from its start until it exits, with
 * the waiters bit set. When the thread holding it dies (a crash, a kill,
 * the sandbox's SIGSYS), the kernel walks that thread's robust list at the
 * very start of its exit, before it frees the process's memory, marks the
 * word "owner died" and wakes it. Freeing a replica's locked memory is what
 * makes its death slow to reap (README, "Figures": the kill->exit peer), so
 * a daemon sleeping on this word (daemon/watch.c) hears of a crash a few
 * hundred microseconds before the reap would tell it.
 *
 * Trust: the word is in memory the replica writes. A replica that marks it
 * "owner died" itself, or wakes it, is not believed without the kernel's
 * word that its process is exiting (daemon/watch.c reads PF_EXITING and
 * the exit code in /proc/PID/stat);
 * one that writes anything else over it is no longer watched this way, and
 * its death is seen at the reap, as without a life lock. The daemon reads
 * the word (guard.c keeps a shrunk segment from killing it) and sleeps on
 * it, and never writes it.
 *
 * What it does not do: decide anything (slot.c), or exist outside Linux
 * with glibc (life_hold says -ENOTSUP and nobody watches).
 */
#ifndef RTAUDIO_LIFE_H
#define RTAUDIO_LIFE_H

#include <stdatomic.h>
#include <stdint.h>

#include "layout.h"

enum life_look {
	LIFE_ALIVE = 0,  /* held by the thread we were told of */
	LIFE_DEAD,       /* marked by the kernel: its holder died */
	LIFE_OTHER,      /* anything else: not (or no longer) a life lock */
};

/*
 * Replica side: take the life lock in r->life from the calling thread,
 * which must be the one that renders (the main thread: its TID is the pid
 * the daemon knows), and keep it until exit. 0, or -errno from pthread,
 * or -ENOTSUP where robust mutexes are not the kernel's (not Linux/glibc).
 * Not RT: call once at start-up.
 */
int life_hold(struct replica_seg *r);

/*
 * Daemon side: the futex word of r's life lock, and what a value of it
 * says for a holder `tid`. *life_alive(tid) is the value to sleep on.
 * Pure; the word's address is inside *r, so reading it is as safe as
 * reading the rest of the segment.
 */
_Atomic uint32_t *life_word(struct replica_seg *r);
uint32_t life_alive(uint32_t tid);
enum life_look life_look(uint32_t word, uint32_t tid);

#endif
