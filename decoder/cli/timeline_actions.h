/* What every format shows of an action (iiss_actions.h, `--actions`): the
 * text line, the jsonl object and its keys (which Timesketch and ECS wrap),
 * the service state changes as text. Keys listed in README. */
#ifndef IISSDUMP_TIMELINE_ACTIONS_H
#define IISSDUMP_TIMELINE_ACTIONS_H

#include <yajl/yajl_gen.h>

#include "call_view.h"
#include "iiss_actions.h"
#include "text_buf.h"

/* "RUNNING", "STOP_PENDING" ... (the SERVICE_ prefix dropped); buf holds
 * an unnamed state. */
const char *iissdump_action_state_name(uint32_t state, char *buf, size_t n);

/* "W3SVC RUNNING → STOPPED → RUNNING" (" … " where changes were elided). */
void iissdump_action_service_text(iissdump_buf *out, const iiss_action_service *svc, const char *arrow);

/* "S_OK", "Stop E_ACCESSDENIED (frame 23)", "unknown" */
void iissdump_action_outcome_text(iissdump_buf *out, const iiss_action_record *rec);

/* The action's one line, without its newline. */
void iissdump_action_text_line(iissdump_buf *out, const iiss_action_record *rec);

/* The action's keys into a map the caller opened, and the whole object. */
void iissdump_action_json_fields(yajl_gen g, const iiss_action_record *rec);
void iissdump_action_json(yajl_gen g, const iiss_action_record *rec);

/* The duration from start to end in nanoseconds (0 when end is earlier). */
int64_t iissdump_action_duration_ns(const iiss_action_record *rec);

#endif
