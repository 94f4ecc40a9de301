/* The call view every printer shares (text timeline, JSON Lines, --stats):
 * a call's time, its endpoints' names, its result as the timeline names it
 * and its round trip. Layout belongs to the printers. */
#ifndef IISSDUMP_CALL_VIEW_H
#define IISSDUMP_CALL_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "activations.h"
#include "iiss_calls.h"

/* "2024-05-14T09:30:01.250000Z" */
#define IISSDUMP_TIME_MAX 40
const char *iissdump_format_time(int64_t sec, uint32_t nsec, char *buf, size_t n);

/* The result as the timeline names it: the HRESULT's name, "fault NAME",
 * "sealed", "no response", "result unreadable" (stub cut short). */
#define IISSDUMP_RESULT_MAX 128
const char *iissdump_call_result(const iiss_call_record *rec, char *buf, size_t n);
/* The same text for a result kept apart from its record (an action's calls). */
const char *iissdump_result_text(const iiss_call_result *result, char *buf, size_t n);
/* The same for an activation. */
const char *iissdump_activation_result(const iiss_activation_record *rec, char *buf, size_t n);

/* Did the call work: "success" (an HRESULT without the failure bit),
 * "failure" (a failure HRESULT or a fault), "unknown" (no response, sealed,
 * unreadable). ECS's event.outcome values. */
const char *iissdump_call_outcome(const iiss_call_record *rec);

/* The endpoint's address alone: "10.0.0.5", "2001:db8::5". */
#define IISSDUMP_IP_MAX 48
const char *iissdump_endpoint_ip(const iiss_endpoint *ep, char *buf, size_t n);

/* The server's own name, from the NTLMSSP CHALLENGE (DNS, else NetBIOS);
 * NULL when the capture does not say. */
const char *iissdump_server_name(const iiss_call_record *rec);

/* iiss_endpoint_format, remembered: a timeline names the same endpoints
 * over and over, and inet_ntop + snprintf cost more than the rest of a call
 * line. A direct-mapped cache; a collision only means formatting again. */
typedef struct iissdump_endpoint_names {
    struct endpoint_name *slots; /* allocated at the first use */
} iissdump_endpoint_names;

const char *iissdump_endpoint_name(iissdump_endpoint_names *names, const iiss_endpoint *ep);
void iissdump_endpoint_names_free(iissdump_endpoint_names *names);

/* Round trip in nanoseconds; false when there is no response. */
gboolean iissdump_call_rtt_ns(const iiss_call_record *rec, int64_t *out);
/* The same from a request's and a response's packet times (response NULL:
 * none). */
gboolean iissdump_rtt_ns(const iiss_packet_meta *request, const iiss_packet_meta *response, int64_t *out);

#endif
