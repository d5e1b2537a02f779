/*
 * notes.c - renderer events and status texts (see notes.h).
 */
#include "clock.h"
#include "layout.h"
#include "log.h"
#include "notes.h"

void notes_reset(struct super *s, uint32_t i)
{
	s->slot[i].event_seen = 0;
}

void notes_poll(struct super *s, uint64_t now)
{
	for (uint32_t i = 0; i < s->n; i++) {
		struct slot *sl = &s->slot[i];
		const struct replica_seg *r = s->gr->r[i];
		uint32_t seq = atomic_load_explicit(&r->event_seq, memory_order_acquire);
		char text[LAYOUT_NOTE_TEXT];

		if (sl->proc.h == NULL || seq == sl->event_seen || (seq & 1u))
			continue;
		uint32_t got = layout_note_read(r, true, text);
		if (got & 1u)
			continue; /* mid-write: next tick */
		sl->event_seen = got;
		if ((int)i != super_primary(s))
			continue;
		if (now - s->note_window_ns > (uint64_t)NOTES_WINDOW_MS * NSEC_PER_MSEC) {
			if (s->note_dropped > 0)
				log_warn("replica %u: %u source event(s) dropped (more than %d a "
				         "second)", i, s->note_dropped, NOTES_BURST);
			s->note_window_ns = now;
			s->note_count = 0;
			s->note_dropped = 0;
		}
		if (s->note_count >= NOTES_BURST) {
			s->note_dropped++;
			continue;
		}
		s->note_count++;
		log_info("replica %u: source: %s", i, text);
		if (s->on_event != NULL)
			s->on_event(s, "source", (int)i, text);
	}
}

const char *notes_state_name(uint32_t state)
{
	switch (state) {
	case RSTATE_BOOT: return "boot";
	case RSTATE_READY: return "ready";
	case RSTATE_CATCHUP: return "catching-up";
	case RSTATE_EXITING: return "exiting";
	default: return "?";
	}
}
