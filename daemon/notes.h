/*
 * notes.h - what renderers say: the primary's events become `source`
 * events, every replica's status text and state are shown by `status`.
 *
 * Does: read the event seqlock of every live replica from the watchdog
 * tick; a new event of the primary is emitted (rate-limited: at most
 * NOTES_BURST in any NOTES_WINDOW_MS, the rest counted and logged once per
 * window), a standby's are consumed silently (every replica of a group
 * renders the same blocks and says the same things; one copy is enough).
 * Does not: trust the text (layout_note_read keeps printable ASCII only,
 * bounded) or block (a replica mid-write is simply read at the next tick).
 */
#ifndef RTAUDIO_NOTES_H
#define RTAUDIO_NOTES_H

#include <stdint.h>

#include "super.h"

#define NOTES_BURST      5
#define NOTES_WINDOW_MS  1000

/* Watchdog tick, loop thread: poll every slot's events (see above). */
void notes_poll(struct super *s, uint64_t now);

/* A respawn: forget what slot i said (its segment was reset). Loop thread. */
void notes_reset(struct super *s, uint32_t i);

/* The replica-reported state's name: boot, ready, catching-up, exiting. */
const char *notes_state_name(uint32_t state);

#endif
