/*
 * output_event.c - rtaudioctl's line for one event of `events`: local time,
 * event, replica, state, detail, then whatever else a newer daemon sends as
 * key=value.
 * What it does not do: read the stream (rtaudioctl.c) or trust the event:
 * every field is looked up with its type checked.
 */
#include "output.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CELL 48

/* The string at o.key, or "-". */
static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

/* Strings bare when they are one plain word, else (and all else) as JSON. */
static void print_value(FILE *out, json_t *v)
{
	const char *s = json_string_value(v);

	if (s != NULL && s[0] != '\0' && strpbrk(s, " \t\n\r\"=") == NULL) {
		fputs(s, out);
		return;
	}
	char *j = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (j != NULL) {
		fputs(j, out);
		free(j);
	}
}

/* "14:03:12.345": the local time now, to the millisecond. */
static const char *fmt_now(char buf[CELL])
{
	struct timespec ts;
	struct tm tm;
	time_t secs;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		ts = (struct timespec){ 0 };
	secs = ts.tv_sec;
	if (localtime_r(&secs, &tm) == NULL || strftime(buf, CELL, "%H:%M:%S", &tm) == 0)
		snprintf(buf, CELL, "--:--:--");
	else
		snprintf(buf + strlen(buf), CELL - strlen(buf), ".%03ld", ts.tv_nsec / 1000000);
	return buf;
}

void output_event(FILE *out, json_t *ev)
{
	const char *name_key = json_is_string(json_object_get(ev, "event")) ? "event" : "type";
	const char *name = json_string_value(json_object_get(ev, name_key));
	const char *detail = json_string_value(json_object_get(ev, "detail"));
	json_t *index = json_object_get(ev, "index");
	const char *key;
	json_t *v;
	char when[CELL], who[CELL];

	/* The stream's acknowledgement ({"ok":true,"streaming":true}) is no event. */
	if (!json_is_object(ev) || (name == NULL && json_object_get(ev, "ok") != NULL))
		return;
	if (json_is_integer(index))
		snprintf(who, CELL, "replica %" JSON_INTEGER_FORMAT, json_integer_value(index));
	else
		snprintf(who, CELL, "-");
	const char *state = str(ev, "state");
	int pad = 8 - (int)strlen(state);  /* the longest state, "starting" */

	fprintf(out, "%s %-9s %-10s %s", fmt_now(when), name != NULL ? name : "?", who, state);
	if (detail != NULL)
		fprintf(out, " %*s%s", pad > 0 ? pad : 0, "", detail);
	/* Whatever else a newer daemon sends, as key=value. */
	json_object_foreach(ev, key, v) {
		if (strcmp(key, "ok") == 0 || strcmp(key, name_key) == 0 ||
		    strcmp(key, "mono_ns") == 0 || strcmp(key, "index") == 0 ||
		    strcmp(key, "state") == 0 || (strcmp(key, "detail") == 0 && detail != NULL))
			continue;
		fprintf(out, " %s=", key);
		print_value(out, v);
	}
	fputc('\n', out);
}
