/* The readable timeline of `iissdump CAPTURE...`: one line per call, a
 * Status call's services as an indented table, anomalies below the call;
 * one line per DCOM activation, marked [activation]. */
#ifndef IISSDUMP_TIMELINE_TEXT_H
#define IISSDUMP_TIMELINE_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "activations.h"
#include "call_view.h"
#include "iiss_calls.h"
#include "output_text.h"
#include "text_buf.h"

/* The call's one line, without its newline (also the message of the
 * formats that carry one: Timesketch, ECS). */
void iissdump_timeline_text_line(iissdump_buf *out, iissdump_endpoint_names *endpoints, const iiss_call_record *rec);

/* The caller as the timeline names it: DOMAIN\user@WORKSTATION (NTLMSSP)
 * or user@REALM (Kerberos). */
void iissdump_text_caller(iissdump_buf *out, const iiss_ntlm_identity *id);

/* Appends the call's line, its services table and its anomalies to out. */
void iissdump_timeline_text_call(iissdump_buf *out, iissdump_table_scratch *table,
                                 iissdump_endpoint_names *endpoints, const iiss_call_record *rec);
/* Appends the activation's line and its anomalies to out. */
void iissdump_timeline_text_activation(iissdump_buf *out, iissdump_endpoint_names *endpoints,
                                       const iiss_activation_record *rec);

#endif
