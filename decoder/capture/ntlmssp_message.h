/* The NTLMSSP messages (MS-NLMP 2.2.1) read field by field, as views into
 * the message bytes: what the crypto needs from the CHALLENGE (flags,
 * server challenge) and the AUTHENTICATE (responses, names, encrypted
 * session key, flags). Every security buffer is checked to lie inside the
 * message. */
#ifndef IISS_NTLMSSP_MESSAGE_H
#define IISS_NTLMSSP_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntlmssp_identity.h"

typedef struct iiss_ntlm_field {
    const uint8_t *data; /* NULL when empty */
    size_t len;
} iiss_ntlm_field;

typedef struct iiss_ntlm_challenge_msg {
    uint32_t flags;
    uint8_t server_challenge[8];
    iiss_ntlm_field target_info;
} iiss_ntlm_challenge_msg;

typedef struct iiss_ntlm_authenticate_msg {
    uint32_t flags;
    iiss_ntlm_field lm_response;
    iiss_ntlm_field nt_response;
    iiss_ntlm_field domain; /* UTF-16LE when flags has UNICODE, else OEM bytes */
    iiss_ntlm_field user;
    iiss_ntlm_field workstation;
    iiss_ntlm_field encrypted_session_key;
} iiss_ntlm_authenticate_msg;

/* The type of a message that starts with the NTLMSSP signature, or NONE. */
iiss_ntlm_message_type iiss_ntlm_message_type_of(const uint8_t *msg, size_t len);

bool iiss_ntlm_parse_negotiate(const uint8_t *msg, size_t len, uint32_t *flags);
/* False when the fixed part is cut short or a field lies outside. */
bool iiss_ntlm_parse_challenge(const uint8_t *msg, size_t len, iiss_ntlm_challenge_msg *out);
bool iiss_ntlm_parse_authenticate(const uint8_t *msg, size_t len, iiss_ntlm_authenticate_msg *out);

#endif
