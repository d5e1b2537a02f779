/*
 * guard.h - keep the daemon alive when a replica shrinks its segment.
 *
 * The threat: a replica segment is a file (POSIX shm) that the replica can
 * ftruncate() smaller after the daemon mapped it. Every later access by the
 * daemon to a page past the new end raises SIGBUS, and SIGBUS kills - from
 * whichever thread touched it: the sink thread reading a ring, the JACK
 * thread doing the same, the loop thread reading a heartbeat (super.c) or
 * the counters for `status`/`stats` (cmd.c).
 *
 * What it does: one process-wide SIGBUS handler (SA_SIGINFO) and a table of
 * watched mappings. When a bus error hits a watched mapping, the handler
 * maps fresh zero pages (private, anonymous, MAP_FIXED) from the faulting
 * page to the end of that mapping, counts the hit and returns; the faulting
 * load or store is then restarted by the kernel and succeeds. Zero is a value
 * every reader already rejects - a ring stamp of 0 is "block not there", a
 * header of zeros fails layout_replica_sane(), a heartbeat of 0 is "none" -
 * so the block is simply missing from that replica (the sink takes a
 * standby's copy) and the watchdog, seeing guard_hit(), fences the replica.
 * Before the slot is respawned, guard_remap() puts the real segment back at
 * the same address, once its owner restored its size.
 *
 * Why this design rather than sigsetjmp/siglongjmp around each read:
 *   - it covers every access in every thread, including code that is not the
 *     sink's (status, stats, the heartbeat reads, a JACK callback) without
 *     wrapping each one, and costs nothing until a fault happens (no jmp_buf
 *     to save per read on the real-time path);
 *   - it never jumps out of the middle of memcpy() or of a sanitizer's
 *     interceptor, and needs no per-thread state;
 *   - a torn read (a copy that was half done when the pages went away) is
 *     still caught: the block's checksum fails on the zeros.
 * The price: the handler calls mmap(), which POSIX does not list as
 * async-signal-safe; on Linux (and macOS) it is a plain system call wrapper
 * with no lock or user-space state, which is what matters. It runs only when
 * a peer has already broken the rules, once per cut mapping.
 *
 * A bus error outside every watched mapping (or one the handler cannot
 * patch) is not ours: it goes to the handler that was installed before
 * guard_init() (a sanitizer's, say) or gets the default action (core dump),
 * exactly as if there were no guard. Only kernel-reported address and object
 * errors are absorbed (not alignment faults, not a SIGBUS sent by kill()).
 *
 * What it does not do: log (the handler cannot; the watchdog logs), restore
 * the segment's size (group.c does, with the descriptor it keeps), or guard
 * against SIGSEGV (the daemon's mappings never lose their protection: only
 * their backing file can shrink).
 */
#ifndef RTAUDIOD_GUARD_H
#define RTAUDIOD_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUARD_REGIONS 8u  /* one per replica segment (LAYOUT_MAX_REPLICAS) */

/*
 * Install the SIGBUS handler (once; later calls do nothing and return 0).
 * Call from the main thread before any other thread that may touch a
 * watched mapping starts. Returns 0 or -errno from sigaction.
 */
int guard_init(void);

/*
 * Watch [base, base + size) as region `id` (< GUARD_REGIONS): base must be
 * page-aligned (an mmap() result) and the mapping shared, read-write. Any
 * thread may fault in it from now on. Replaces a previous region `id`.
 * Returns 0, or -EINVAL for a bad id, base or size.
 */
int guard_watch(unsigned id, void *base, size_t size);

/* Stop watching region `id` (before unmapping it). Any id: no-op if unknown. */
void guard_unwatch(unsigned id);

/*
 * True if a bus error was absorbed in region `id` since it was watched or
 * last remapped: part of the mapping is now private zero pages, not the
 * segment. Async-signal-safe, lock-free; any thread.
 */
bool guard_hit(unsigned id);

/* Bus errors absorbed since guard_init(), all regions. Any thread. */
uint64_t guard_faults(void);

/*
 * Map `fd` (opened read-write, already at least the region's size again)
 * back over region `id` at the same address (MAP_SHARED | MAP_FIXED, so
 * readers in other threads see either the zero pages or the segment, never
 * a hole), and clear its hit flag. Loop thread, while no peer can shrink the
 * file again (its writer is dead). Returns 0, -EINVAL for an unknown id, or
 * -errno from mmap (the region then stays as it was).
 */
int guard_remap(unsigned id, int fd);

#endif
