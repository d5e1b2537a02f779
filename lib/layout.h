/*
 * layout.h - the two shared-memory layouts of an rtaudio group.
 *
 * What it defines:
 *  - the GROUP segment (daemon writes, replicas map it read-only): stream
 *    configuration, the parameter history behind a seqlock, the leader word
 *    (epoch + primary index), the sink position and the futex word replicas
 *    wait on;
 *  - the REPLICA segment (replica i writes, daemon reads): heartbeat,
 *    progress, RT status, counters, render-time histogram, its life lock,
 *    then the ring of rendered blocks.
 * and the few functions that read and write them consistently: parameter
 * publication and lookup by sequence number, the sanity checks the daemon
 * applies to what a replica wrote, and the check replicas and taps apply to
 * the stream geometry in the group segment.
 *
 * What it does not do: create or map segments (shm.h), move blocks (ring.h).
 *
 * All fields are fixed-width; every atomic is accessed with an explicit order.
 * Anything read from a replica segment is untrusted (see layout_replica_sane).
 */
#ifndef RTAUDIO_LAYOUT_H
#define RTAUDIO_LAYOUT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ring.h"
#include "shm.h"

#define LAYOUT_VERSION       7u  /* 2: named parameters, renderer notes; 3: input ring; 4: pre-roll;
                                    5: pre-roll alignment; 6: the life lock; 7: the
                                    warm standby's bell */
#define GROUP_MAGIC          0x50475452u /* "RTGP" */
#define REPLICA_MAGIC        0x50525452u /* "RTRP" */
#define SHM_KIND_GROUP       1u
#define SHM_KIND_REPLICA     2u

#define LAYOUT_MAX_REPLICAS  8u
#define LAYOUT_MAX_CHANNELS  8u
#define LAYOUT_MIN_FRAMES    16u
#define LAYOUT_MAX_FRAMES    1024u
#define LAYOUT_MAX_RATE      768000u  /* sample rates beyond this are corrupt */
#define LAYOUT_MAX_CPUS      4096u    /* replica_seg.cpu1 is 1..this, or 0 */
#define LAYOUT_PARAM_HIST    16u
#define LAYOUT_MAX_PARAMS    64u   /* gain, pan + RTA_PARAMS_MAX declared */
#define LAYOUT_PARAM_NAME    32u   /* name field, NUL included */
#define LAYOUT_PARAM_UNIT    16u   /* unit field, NUL included */
#define LAYOUT_NOTE_TEXT     192u  /* renderer status/event text, NUL included */
#define LAYOUT_PARAM_GAIN    0u    /* the output stage's two, always first */
#define LAYOUT_PARAM_PAN     1u
#define LAYOUT_HIST_BUCKETS  128u  /* render time in % of the period; last = >= 127% */
#define LAYOUT_NO_PRIMARY    0xffu
#define LAYOUT_MAX_PREROLL   (1u << 22)  /* blocks: 24 h at 48 kHz / 1024 frames */

enum standby_mode { STANDBY_HOT = 0, STANDBY_WARM = 1 };

/* Role of a replica slot as the daemon publishes it. */
enum replica_role {
	ROLE_STARTING = 0,
	ROLE_STANDBY = 1,
	ROLE_PRIMARY = 2,
	ROLE_DEAD = 3,
};

/* Replica-reported life-cycle state. */
enum replica_state {
	RSTATE_BOOT = 0,     /* process started, not yet rendering */
	RSTATE_READY = 1,    /* in its loop, heartbeating; hot: rendered to the horizon */
	RSTATE_EXITING = 2,  /* saw shutdown */
	RSTATE_CATCHUP = 3,  /* pre-rolling (group preroll): not a rescue source yet */
};

/* Group run state. */
enum group_run { GROUP_RUN = 0, GROUP_SHUTDOWN = 1 };

/* One declared parameter: index i of every param_entry's v[]. */
struct param_decl {
	char name[LAYOUT_PARAM_NAME];          /* NUL-terminated, [A-Za-z0-9_.-] */
	char unit[LAYOUT_PARAM_UNIT];          /* NUL-terminated, may be empty */
	double min, max, def;                  /* finite, min < max, def in range */
};
_Static_assert(sizeof(struct param_decl) == 72, "param_decl size");

/* One parameter set and the first sequence number it applies to. */
struct param_entry {
	uint64_t at;
	double v[LAYOUT_MAX_PARAMS];           /* v[i] is group_seg.decl[i]'s value */
};
_Static_assert(sizeof(struct param_entry) == 8 + 8 * LAYOUT_MAX_PARAMS, "param_entry size");

/* Parameter history: entries ordered by `at`, e[0].at == 0 conceptually. */
struct param_hist {
	uint32_t count;                        /* 1..LAYOUT_PARAM_HIST */
	uint32_t reserved;
	struct param_entry e[LAYOUT_PARAM_HIST];
};
_Static_assert(sizeof(struct param_hist) == 8 + sizeof(struct param_entry) * LAYOUT_PARAM_HIST,
               "param_hist size");

struct group_seg {
	struct shm_hdr hdr;                    /* 0 */
	/* Stream configuration: written before any replica starts, then fixed. */
	uint32_t sample_rate;                  /* 64 */
	uint32_t channels;
	uint32_t frames;
	uint32_t lead;
	uint32_t ring_capacity;                /* 80 */
	uint32_t standby;                      /* enum standby_mode */
	uint32_t replicas;
	uint32_t input_channels;               /* 0: no live input */
	uint64_t period_ns;                    /* 96 */
	uint32_t nparams;                      /* 104: decl[] entries, 2..LAYOUT_MAX_PARAMS */
	uint32_t input_capacity;               /* 108: input ring slots (0 iff no input) */
	int32_t rt_priority;                   /* 112 */
	uint32_t preroll_blocks;               /* 116: blocks a new hot standby pre-rolls */
	uint32_t preroll_align;                /* 120: its first block is a multiple of this
	                                          (0, 1: any block; renderer_loop.c says why) */
	uint8_t pad0[4];
	/* Hot words, each on its own cache line. */
	_Atomic uint64_t position;             /* 128: next seq the sink plays */
	uint8_t pad1[56];
	_Atomic uint32_t wake;                 /* 192: futex word, bumped each period */
	_Atomic uint32_t run;                  /* enum group_run */
	uint8_t pad2[56];
	_Atomic uint64_t leader;               /* 256: epoch << 8 | primary index */
	_Atomic uint32_t role[LAYOUT_MAX_REPLICAS]; /* enum replica_role */
	_Atomic uint32_t bell;                 /* 296: futex word, bumped at each leader
	                                          change and at shutdown (not each period):
	                                          what a warm standby sleeps on */
	uint8_t pad3[20];
	/* Parameters behind a seqlock (odd while the daemon writes). */
	_Atomic uint32_t param_seq;            /* 320 */
	uint32_t reserved1;
	struct param_hist params;              /* 328 */
	/* The parameter table, fixed before any replica starts (like the
	 * stream): the output stage's gain and pan, then what the renderer
	 * declared in rtaudiod's --check run. */
	struct param_decl decl[LAYOUT_MAX_PARAMS];
};
_Static_assert(offsetof(struct group_seg, sample_rate) == 64, "group_seg config offset");
_Static_assert(offsetof(struct group_seg, position) == 128, "group_seg.position offset");
_Static_assert(offsetof(struct group_seg, wake) == 192, "group_seg.wake offset");
_Static_assert(offsetof(struct group_seg, leader) == 256, "group_seg.leader offset");
_Static_assert(offsetof(struct group_seg, bell) == 296, "group_seg.bell offset");
_Static_assert(offsetof(struct group_seg, param_seq) == 320, "group_seg.param_seq offset");
_Static_assert(offsetof(struct group_seg, decl) == 328 + sizeof(struct param_hist),
               "group_seg.decl offset");
_Static_assert(sizeof(struct group_seg) ==
               328 + sizeof(struct param_hist) + sizeof(struct param_decl) * LAYOUT_MAX_PARAMS,
               "group_seg size");

#define GROUP_SEG_BYTES 16384u
_Static_assert(sizeof(struct group_seg) <= GROUP_SEG_BYTES, "group_seg fits its size");
/*
 * With live input the group segment goes on past GROUP_SEG_BYTES: the input
 * ring (ring.h), input_capacity slots of one input block (frames x
 * input_channels floats), written by the daemon's sink thread only. Block s
 * of it is the input output block s is rendered from.
 */
#define GROUP_INPUT_OFFSET GROUP_SEG_BYTES
_Static_assert(GROUP_INPUT_OFFSET % RING_ALIGN == 0, "input ring alignment");

struct replica_seg {
	struct shm_hdr hdr;                    /* 0 */
	_Atomic uint64_t heartbeat_ns;         /* 64: CLOCK_MONOTONIC of the last wake */
	_Atomic uint64_t next_seq;             /* 72: 1 + last block rendered */
	_Atomic uint32_t pid;                  /* 80 */
	_Atomic uint32_t state;                /* enum replica_state */
	_Atomic uint64_t boot_ns;              /* 88: when the process started */
	/* RT status as the replica got it (struct rtprio_status, flattened). */
	_Atomic int32_t rt_policy;             /* 96 */
	_Atomic int32_t rt_priority;
	_Atomic int32_t rt_error;
	_Atomic int32_t rt_rlimit;
	_Atomic int32_t rt_mlocked;            /* 112 */
	_Atomic int32_t rt_mlock_error;
	/* 1 + the CPU the replica pinned itself to, 0 if not pinned (so the
	 * zeroes of what was padding read as "not pinned"). */
	_Atomic int32_t cpu1;                  /* 120 */
	uint8_t pad0[4];
	/* Counters (monotonic, reset only by a respawn or "stats reset"). */
	_Atomic uint64_t blocks;               /* 128: blocks rendered */
	_Atomic uint64_t wakeups;              /* futex returns */
	_Atomic uint64_t timeouts;             /* futex waits that timed out */
	_Atomic uint64_t overruns;             /* ring overwrote an unread block */
	_Atomic uint64_t render_ns_last;       /* 160 */
	_Atomic uint64_t render_ns_max;
	_Atomic uint64_t render_ns_total;
	_Atomic uint64_t preroll_ns;           /* how long the start's pre-roll took */
	_Atomic uint32_t render_hist[LAYOUT_HIST_BUCKETS]; /* 192 */
	_Atomic uint64_t late_renders;         /* 704: renders longer than a period */
	_Atomic uint64_t reserved1;
	/* What the renderer says (rta_status, rta_event), each behind its own
	 * seqlock: odd while the replica writes; an event's seq counts events. */
	_Atomic uint32_t status_seq;           /* 720 */
	uint32_t reserved2;
	char status[LAYOUT_NOTE_TEXT];         /* 728 */
	_Atomic uint32_t event_seq;            /* 920 */
	uint32_t reserved3;
	char event[LAYOUT_NOTE_TEXT];          /* 928 */
	/* The process's life lock (lib/life.h): a robust mutex it holds until
	 * it dies, whose word the kernel marks then, before the reap. */
	_Alignas(64) unsigned char life[64];   /* 1152 */
	/* The ring starts at REPLICA_RING_OFFSET. */
};
_Static_assert(offsetof(struct replica_seg, heartbeat_ns) == 64, "replica_seg.heartbeat offset");
_Static_assert(offsetof(struct replica_seg, rt_policy) == 96, "replica_seg.rt offset");
_Static_assert(offsetof(struct replica_seg, cpu1) == 120, "replica_seg.cpu1 offset");
_Static_assert(offsetof(struct replica_seg, blocks) == 128, "replica_seg.blocks offset");
_Static_assert(offsetof(struct replica_seg, render_hist) == 192, "replica_seg.render_hist offset");
_Static_assert(offsetof(struct replica_seg, late_renders) == 704, "replica_seg.late_renders offset");
_Static_assert(offsetof(struct replica_seg, status) == 728, "replica_seg.status offset");
_Static_assert(offsetof(struct replica_seg, event) == 928, "replica_seg.event offset");
_Static_assert(offsetof(struct replica_seg, life) == 1152, "replica_seg.life offset");

#define REPLICA_RING_OFFSET 4096u
_Static_assert(sizeof(struct replica_seg) <= REPLICA_RING_OFFSET, "replica_seg header fits a page");

/* A group's stream geometry, copied out of its segment by layout_group_sane. */
struct layout_geometry {
	uint32_t sample_rate;
	uint32_t channels;
	uint32_t frames;
	uint32_t lead;
	uint32_t ring_capacity;
	uint32_t replicas;
	uint64_t period_ns;
	uint32_t block_bytes;    /* derived: layout_block_bytes(frames, channels) */
	uint32_t input_channels; /* 0..LAYOUT_MAX_CHANNELS */
	uint32_t input_capacity; /* 0 iff input_channels is 0, else a ring capacity */
	uint32_t input_bytes;    /* derived: one input block, 0 without input */
	size_t group_bytes;      /* derived: layout_group_bytes() of the above */
	uint32_t preroll_blocks; /* 0..LAYOUT_MAX_PREROLL */
	uint32_t preroll_align;  /* 0..LAYOUT_MAX_PREROLL blocks (0 and 1: none) */
};

/* Leader word helpers. */
static inline uint64_t layout_leader_make(uint64_t epoch, uint32_t index)
{
	return (epoch << 8) | (index & 0xffu);
}
static inline uint32_t layout_leader_index(uint64_t leader) { return (uint32_t)(leader & 0xffu); }
static inline uint64_t layout_leader_epoch(uint64_t leader) { return leader >> 8; }

/* Payload bytes of one audio block. */
static inline uint32_t layout_block_bytes(uint32_t frames, uint32_t channels)
{
	return frames * channels * (uint32_t)sizeof(float);
}

/*
 * The heartbeat contract: the render loop's cadence and the daemon's stall
 * limit, which must agree. A replica beats at every wake of its loop: the
 * sink's ring, once a period, and a futex time-out. Above LAYOUT_ONE_BEAT_NS
 * the time-out comes half a period after the ring, so a heartbeat ages P/2
 * plus latency at most, and the limit is stall_periods x P. At or below it
 * (64 frames at 44.1 or 48 kHz) that second wake would double the loop's
 * wake-ups, which costs a measurable share of a core (tests/bench/
 * redundancy.sh), so the loop beats at the ring only and the limit grows by
 * half a period instead. Either way a stall is declared only when a beat is
 * stall_periods - 1/2 periods later than expected (1.5 at the default 2),
 * and detection stays within the goal of stall_periods x P + 1 ms. When a
 * ring does not come (the sink is late or not playing) the loop's time-out
 * is 1.5 P, then P/2 until one does.
 *
 * A warm standby renders nothing until promoted, so the sink's ring is not
 * for it: it sleeps on the group's bell (rung at each leader change and at
 * shutdown) and beats every LAYOUT_WARM_BEAT_NS, and its limit is the stall
 * limit plus that beat (layout_warm_limit_ns). Waking each period only to
 * beat cost it about as much CPU as a hot replica's own wake-ups (tests/
 * bench/redundancy.sh, warm2); a warm standby's stall is silent, so a
 * slower verdict on it costs nothing audible. Once promoted it beats as a
 * primary, and its limit is counted from the promotion (daemon/slot.c).
 */
#define LAYOUT_ONE_BEAT_NS 1500000u
#define LAYOUT_WARM_BEAT_NS 10000000u

/* The stall limit for a period: what the daemon's watchdog compares a heartbeat's age with. Pure. */
static inline uint64_t layout_stall_limit_ns(uint32_t stall_periods, uint64_t period_ns)
{
	uint64_t limit = (uint64_t)stall_periods * period_ns;
	return period_ns <= LAYOUT_ONE_BEAT_NS ? limit + period_ns / 2 : limit;
}

/* A warm standby's stall limit, from the group's stall limit. Pure. */
static inline uint64_t layout_warm_limit_ns(uint64_t stall_ns)
{
	return stall_ns + LAYOUT_WARM_BEAT_NS;
}

/*
 * The render loop's futex time-out after a wake; `rang`: that wake was the
 * sink's ring (or the ring came before the wait), not a time-out. Pure.
 */
static inline int64_t layout_beat_timeout_ns(uint64_t period_ns, bool rang)
{
	if (period_ns > LAYOUT_ONE_BEAT_NS || !rang)
		return (int64_t)(period_ns / 2);
	return (int64_t)(period_ns + period_ns / 2);
}

/*
 * Total bytes of a group segment with an input ring of `capacity` slots of
 * `input_bytes` (capacity 0: no input ring, GROUP_SEG_BYTES); 0 if the ring
 * geometry is invalid. Pure.
 */
size_t layout_group_bytes(uint32_t capacity, uint32_t input_bytes);

/*
 * Total bytes of a replica segment whose ring has `capacity` slots of
 * `max_payload` bytes; 0 if the ring geometry is invalid. Pure.
 */
size_t layout_replica_bytes(uint32_t capacity, uint32_t max_payload);

/*
 * Daemon, loop thread only: make the values v[0..n-1] (n <= LAYOUT_MAX_PARAMS;
 * v[i] for decl[i], the rest of the entry zeroed) apply from sequence number
 * `at` on. `at` must be >= the `at` of the newest entry and beyond every
 * replica's render horizon (the caller's job); an `at` equal to the newest
 * entry's replaces that entry. Entries no longer needed by any seq >=
 * `oldest_needed` (those followed by an entry with at <= oldest_needed) are
 * dropped. Returns 0, -EINVAL if `at` is below the newest entry's, -EBUSY if
 * the history is full of entries still needed (the caller retries later),
 * -EPROTO if the stored count is corrupt. On error nothing is written.
 */
int layout_params_publish(struct group_seg *g, uint64_t at, const double *v, uint32_t n,
                          uint64_t oldest_needed);

/*
 * Any process: copy the parameter history consistently (seqlock read) into
 * *out, with out->count clamped to 1..LAYOUT_PARAM_HIST. Spins only while
 * the daemon is mid-write (a few stores), and only for a bounded number of
 * tries: if the writer stays mid-write (preempted, or dead), *out holds
 * whatever it last copied (unusable) and an odd value is returned, which
 * never equals a completed param_seq: a caller keeps the previous snapshot
 * it has elsewhere (copy into a spare buffer, keep it only on an even
 * return) and tries again later. Otherwise returns the (even) seqlock value
 * it read, which callers may compare with param_seq to skip re-reading an
 * unchanged history. Loads only (works on a read-only mapping). Audio-path
 * safe: no stack copy of the history.
 */
uint32_t layout_params_snapshot(const struct group_seg *g, struct param_hist *out);

/*
 * Pure: the entry in force at sequence number `seq` in history *h (the
 * newest entry with at <= seq; the oldest entry if none), a pointer into *h.
 * h->count is clamped to 1..LAYOUT_PARAM_HIST, so a corrupt history gives
 * wrong values, never an out-of-bounds read. Audio-path safe.
 */
const struct param_entry *layout_params_at(const struct param_hist *h, uint64_t seq);

/*
 * Any process: copy the parameter table out of *g (read once, like
 * layout_group_sane) into out[LAYOUT_MAX_PARAMS] and check it: 2..
 * LAYOUT_MAX_PARAMS entries, gain and pan first, every name valid
 * (layout_param_name_ok) and unique, units NUL-terminated, finite ranges
 * min < max with the default inside. Returns the count, or -EPROTO.
 * Loads only; not for the audio path.
 */
int layout_params_table(const struct group_seg *g, struct param_decl *out);

/* Pure: whether `name` is 1..LAYOUT_PARAM_NAME-1 of [A-Za-z0-9_.-]. */
bool layout_param_name_ok(const char *name);

/*
 * Pure: check one declaration (name valid, unit NUL-terminated within its
 * field, finite min < max, min <= def <= max). 0 or -EINVAL.
 */
int layout_param_decl_ok(const struct param_decl *d);

/*
 * Replica: publish `text` (cut to LAYOUT_NOTE_TEXT - 1 bytes) as the status
 * (event = false) or as the next event (event = true) of segment *r, behind
 * that field's seqlock. Audio-path safe (stores only).
 */
void layout_note_write(struct replica_seg *r, bool event, const char *text);

/*
 * Daemon: copy the status or the newest event text of *r (untrusted) into
 * out[LAYOUT_NOTE_TEXT], NUL-terminated, printable ASCII only (others become
 * '?'). Returns the field's seqlock value (an event's count * 2), or an odd
 * value if the replica stayed mid-write (out is then "").
 */
uint32_t layout_note_read(const struct replica_seg *r, bool event, char *out);

/*
 * Daemon: check what it is about to believe from a replica segment it did
 * not write. Returns 0 if the header (magic, version, kind, index, group,
 * size) is intact, -EPROTO otherwise. Cheap; call from the watchdog.
 */
int layout_replica_sane(const struct replica_seg *r, uint32_t index, const char *group,
                        size_t size);

/*
 * Replicas and taps: copy the stream geometry out of a group segment they
 * mapped (read-only is enough), reading each field exactly once, and check
 * the copy: 1..LAYOUT_MAX_REPLICAS replicas, 1..LAYOUT_MAX_CHANNELS
 * channels, LAYOUT_MIN_FRAMES..LAYOUT_MAX_FRAMES frames, a rate in
 * 1..LAYOUT_MAX_RATE, a period in 1 ns..1 s, 1 <= lead < ring_capacity, a
 * pre-roll of at most LAYOUT_MAX_PREROLL blocks aligned on at most as many, and a
 * ring geometry layout_replica_bytes accepts, and with input channels an
 * input ring geometry layout_group_bytes accepts (without, no input ring).
 * out->group_bytes is what the segment's size must be. Callers then use only *out,
 * which cannot change under them as the segment could. Returns 0, or
 * -EPROTO if any field is out of range (*out is then filled but must not be
 * used). Checks nothing the segment does not describe on its own (a replica
 * index, the number of descriptors a tap was sent, the source). Loads only;
 * thread-safe; not for the audio path (it is a setup check).
 */
int layout_group_sane(const struct group_seg *g, struct layout_geometry *out);

#endif
