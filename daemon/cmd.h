/*
 * cmd.h - execute control requests.
 *
 * What it does: parses one request line with the shared command table
 * (lib/proto.c), checks the peer may run it, runs the handler for its
 * enum proto_cmd_id (a table indexed by id) and replies with one JSON line;
 * builds event lines for streaming clients.
 *
 * What it does not do: socket I/O (ctl.c). Loop thread only.
 */
#ifndef RTAUDIOD_CMD_H
#define RTAUDIOD_CMD_H

#include "ctl.h"
#include "daemon.h"

/* ctl on_line hook: parse, authorise, dispatch, reply. */
void cmd_line(struct ctl_client *c, const char *line, size_t len);

/* ctl on_close hook: forget deferred replies for c. */
void cmd_client_closed(struct ctl_client *c);

/* super on_event hook: broadcast a JSON event line. */
void cmd_event(struct super *s, const char *type, int index, const char *detail);

/*
 * Reload the config file's [params] and [watchdog] (SIGHUP, "reload"): all
 * of it or nothing (-errno, the reason in err, the daemon unchanged). On 0,
 * note says which changed key needs a restart ("" if none); it is logged.
 */
int cmd_reload(struct daemon *d, char *err, size_t errlen, char *note, size_t notelen);

/* cmd_params.c: the parameter verbs, for cmd.c's handler table. */
json_t *cmd_get(struct daemon *d, struct ctl_client *c, const struct proto_req *r);
json_t *cmd_set(struct daemon *d, struct ctl_client *c, const struct proto_req *r);
json_t *cmd_params(struct daemon *d, struct ctl_client *c, const struct proto_req *r);

/* Every parameter's newest value, as status shows them: {"gain":1,...}. */
json_t *cmd_params_json(struct daemon *d);

/*
 * Publish the [params] values of `fresh` (the whole section: a key removed
 * from the file goes back to its default). Returns 1 if something changed,
 * 0 if nothing did, -EINVAL (a name or value the table refuses: err says
 * which, at its line) or -EBUSY (changes too fast; err says so).
 */
int cmd_params_reload(struct daemon *d, const struct config *fresh, char *err, size_t errlen);

#endif
