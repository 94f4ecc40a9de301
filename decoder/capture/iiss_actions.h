/* Actions: the IIS calls of one iisreset run, grouped.
 *
 * A remote `iisreset` activates IIsServiceControl on the server (a DCOM
 * activation returning an IPID), then calls methods on that IPID, over
 * connections of their own (port 135 for the activation, another port for
 * the calls). This stage takes the call records of the IIS call stage (and
 * the IIS activations, when a stage gives them) and groups those of one
 * client address against one server address that follow each other within
 * max_gap_ms, on the same IPID, into one action named as iisreset names it
 * (iiss_action_kind). It hands out one action record per action, in the
 * order the actions started, once no later call can join it (the gap passed
 * in the input, or the input ended). It knows nothing of printing. */
#ifndef IISS_ACTIONS_H
#define IISS_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iiss/names.h"
#include "iiss_calls.h"
#include "ntlmssp_identity.h"
#include "tcp_stream.h"

/* What the sequence of methods is, as iisreset's options name it. */
typedef enum iiss_action_kind {
    IISS_ACTION_UNKNOWN = 0, /* a sequence iisreset does not make */
    IISS_ACTION_STATUS,      /* Status calls only */
    IISS_ACTION_STOP,        /* Stop (Kill after a failed Stop too), with the Status polls around it */
    IISS_ACTION_START,       /* Start */
    IISS_ACTION_RESTART,     /* Stop then Start (a Kill between them too) */
    IISS_ACTION_REBOOT,      /* Reboot */
    IISS_ACTION_KILL,        /* Kill */
} iiss_action_kind;

/* "/status", "/stop", "/start", "/restart", "/reboot", "/kill", "unknown". */
const char *iiss_action_kind_name(iiss_action_kind kind);

/* One call of an action: enough to name it, find it and judge its result. */
typedef struct iiss_action_call {
    uint64_t seq;
    uint16_t opnum;
    const char *method; /* "Stop" ... (static), NULL outside 7-11 */
    iiss_packet_meta request_meta;
    bool has_response;
    iiss_packet_meta response_meta;
    iiss_call_result result;
    /* The call failed the action: a failure, other than the answer to
     * iisreset's Status size probe (E_ERROR_INSUFFICIENT_BUFFER). */
    bool failed;
} iiss_action_call;

#define IISS_ACTION_CALLS_MAX 64    /* calls listed per action; more are counted */
#define IISS_ACTION_SERVICES_MAX 8  /* services whose states are followed */
#define IISS_ACTION_STATES_MAX 8    /* states kept per service (the last one always) */
#define IISS_ACTION_SERVICE_NAME_MAX 64
#define IISS_ACTION_TAGS_MAX 3

/* A service's states as the action's Status replies showed them, one entry
 * per change (RUNNING, STOPPED, RUNNING). */
typedef struct iiss_action_service {
    char name[IISS_ACTION_SERVICE_NAME_MAX];
    size_t state_count;
    uint32_t states[IISS_ACTION_STATES_MAX];
    bool states_elided; /* more changes than kept: the middle ones are gone */
} iiss_action_service;

typedef struct iiss_action_record {
    uint64_t seq;       /* action order (start order), from 1 over the run */
    iiss_action_kind kind;
    iiss_packet_meta start; /* the activation's request, else the first call's */
    iiss_packet_meta end;   /* the last response (or request) */
    iiss_endpoint client;   /* the first call's (or the activation's) */
    iiss_endpoint server;
    /* The server's own name: the NTLMSSP CHALLENGE's DNS name, else its
     * NetBIOS name, else the host of the Kerberos ticket's service
     * principal; "" when unknown. */
    char server_name[2 * IISS_NTLM_NAME_MAX];
    bool has_identity; /* the first call (or activation) that named its caller */
    iiss_ntlm_identity identity;
    bool has_ipid;
    uint8_t ipid[16];
    bool has_activation; /* the IIS activation that returned the IPID is in the capture */
    uint64_t activation_frame; /* its response's frame */
    size_t call_count;         /* every call of the action */
    size_t calls_listed;       /* the first of them, in calls[] */
    iiss_action_call calls[IISS_ACTION_CALLS_MAX];
    /* success: every call's HRESULT S_OK (no failure bit); failure: one
     * failed, the first is calls[first_failure] (or, past the listed calls,
     * failure_call); unknown: none failed but some result is unreadable
     * (sealed, no response), or no call at all. */
    iiss_call_outcome outcome;
    bool has_failure;
    iiss_action_call failure_call;
    size_t service_count;
    iiss_action_service services[IISS_ACTION_SERVICES_MAX];
    /* MITRE ATT&CK techniques: every call's (iiss_attack_techniques), once
     * each, most general first: T1021.003, T1489 when it stops services,
     * T1529 for a reboot. */
    size_t tag_count;
    const iiss_attack_technique *tags[IISS_ACTION_TAGS_MAX];
} iiss_action_record;

typedef void (*iiss_action_fn)(void *user, const iiss_action_record *rec);

/* What the stage takes of an IIS activation (the activation stage's record
 * of a CLSID E8FB8621-588F-11D2-9D61-00C04F79C5FE activation). */
typedef struct iiss_action_activation {
    iiss_endpoint client;
    iiss_endpoint server;
    iiss_packet_meta request_meta;
    bool has_response;
    iiss_packet_meta response_meta;
    bool has_ipid;
    uint8_t ipid[16];
    const iiss_ntlm_identity *identity; /* NULL: none */
} iiss_action_activation;

#define IISS_ACTIONS_DEFAULT_MAX_GAP_MS 30000u
#define IISS_ACTIONS_DEFAULT_MAX_OPEN 1024u

/* Zero fields take the defaults. */
typedef struct iiss_actions_config {
    /* Longest quiet time inside one action, between one call's end (its
     * response, else its request) and the next request (default 30 s). */
    uint32_t max_gap_ms;
    /* Actions open at once; past it the oldest is handed out early. */
    size_t max_open;
} iiss_actions_config;

void iiss_actions_config_default(iiss_actions_config *cfg);

typedef struct iiss_actions_stats {
    uint64_t calls;           /* call records taken */
    uint64_t activations;     /* activations taken */
    uint64_t actions;         /* action records handed out */
    uint64_t calls_unlisted;  /* calls counted in an action past IISS_ACTION_CALLS_MAX */
    uint64_t closed_early;    /* handed out early to respect max_open */
    uint64_t records_dropped; /* actions lost for lack of memory (their calls too) */
} iiss_actions_stats;

typedef struct iiss_actions iiss_actions;

/* cfg NULL: defaults. NULL when out of memory. */
iiss_actions *iiss_actions_new(const iiss_actions_config *cfg, iiss_action_fn on_action, void *user);
/* An iiss_call_fn: pass with the iiss_actions as user. Records come in
 * request order. */
void iiss_actions_on_call(void *actions, const iiss_call_record *rec);
/* An IIS activation: it starts the action of its client and server; the
 * calls on the IPID it returned join it. Give it in request order with the
 * calls. */
void iiss_actions_on_activation(iiss_actions *actions, const iiss_action_activation *act);
/* End of input: every open action is handed out. */
void iiss_actions_flush(iiss_actions *actions);
void iiss_actions_get_stats(const iiss_actions *actions, iiss_actions_stats *out);
/* Flushes, then frees. NULL is fine. */
void iiss_actions_free(iiss_actions *actions);

#endif
