/* Who authenticated a DCE/RPC connection, read from the NTLMSSP messages
 * (or, for Kerberos, from the ticket: see service_principal)
 * carried as auth values of bind / bind_ack / alter_context / auth3
 * (MS-NLMP 2.2.1). The CHALLENGE names the server (target info AV pairs),
 * the AUTHENTICATE names the caller. Nothing here is secret: these fields
 * travel in clear even when the calls are sealed. */
#ifndef IISS_NTLMSSP_IDENTITY_H
#define IISS_NTLMSSP_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Names are UTF-8, NUL-terminated, truncated to fit; "" when unknown. */
#define IISS_NTLM_NAME_MAX 96

typedef struct iiss_ntlm_identity {
    char domain[IISS_NTLM_NAME_MAX];
    char user[IISS_NTLM_NAME_MAX];
    char workstation[IISS_NTLM_NAME_MAX];
    char server_netbios[IISS_NTLM_NAME_MAX];
    char server_dns[IISS_NTLM_NAME_MAX];
    /* Kerberos (dce_auth.c fills it): the service principal and realm of
     * the AP-REQ's ticket, in clear ("host/web01.contoso.local@CONTOSO.LOCAL");
     * domain and user are then the ticket's client realm and name, known
     * only when a keytab key opened the ticket. */
    char service_principal[2 * IISS_NTLM_NAME_MAX];
    /* Kerberos, also in clear: the ticket's and the authenticator's
     * encryption types (RFC 3961 numbers, 0 when not Kerberos) and the
     * ticket's key version. */
    int32_t ticket_enctype;
    int32_t authenticator_enctype;
    bool has_ticket_kvno;
    uint32_t ticket_kvno;
} iiss_ntlm_identity;

typedef enum iiss_ntlm_message_type {
    IISS_NTLM_NONE = 0, /* no NTLMSSP message found, or malformed */
    IISS_NTLM_NEGOTIATE = 1,
    IISS_NTLM_CHALLENGE = 2,
    IISS_NTLM_AUTHENTICATE = 3,
} iiss_ntlm_message_type;

/* Looks for an NTLMSSP message in an auth value (raw as with auth type 10,
 * or wrapped in SPNEGO as with auth type 9) and copies the names it carries
 * into *id, leaving the other fields as they were. Returns the message type. */
/* The server's own name: the CHALLENGE's DNS name, else its NetBIOS name,
 * else the host of the Kerberos service principal ("web01.contoso.local"
 * of "host/web01.contoso.local@CONTOSO.LOCAL"); "" when unknown. */
const char *iiss_identity_server_name(const iiss_ntlm_identity *id, char *buf, size_t n);

iiss_ntlm_message_type iiss_ntlmssp_read_identity(const uint8_t *auth_value, size_t len, iiss_ntlm_identity *id);

#endif
