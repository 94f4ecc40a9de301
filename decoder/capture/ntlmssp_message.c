/* NTLMSSP message fields (MS-NLMP 2.2.1.1-2.2.1.3), all through iiss_reader. */
#include "ntlmssp_message.h"

#include <string.h>

#include "iiss/reader.h"

static const uint8_t signature[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

iiss_ntlm_message_type iiss_ntlm_message_type_of(const uint8_t *msg, size_t len)
{
    uint32_t type;
    if (!msg || len < 12 || memcmp(msg, signature, sizeof signature) != 0 || !iiss_peek_u32le(msg, len, 8, &type))
        return IISS_NTLM_NONE;
    return type >= IISS_NTLM_NEGOTIATE && type <= IISS_NTLM_AUTHENTICATE ? (iiss_ntlm_message_type)type
                                                                        : IISS_NTLM_NONE;
}

/* A security buffer (Len, MaxLen, Offset from the message start). False
 * when it points outside the message; an empty one is a NULL view. */
static bool read_field(iiss_reader *rd, iiss_ntlm_field *out)
{
    uint16_t len = iiss_rd_u16le(rd);
    (void)iiss_rd_u16le(rd); /* MaxLen */
    uint32_t offset = iiss_rd_u32le(rd);
    out->data = NULL;
    out->len = 0;
    if (!rd->ok)
        return false;
    if (len == 0)
        return true;
    if (offset > rd->len || len > rd->len - offset)
        return false;
    out->data = rd->data + offset;
    out->len = len;
    return true;
}

static bool start(iiss_reader *rd, const uint8_t *msg, size_t len, iiss_ntlm_message_type want)
{
    if (iiss_ntlm_message_type_of(msg, len) != want)
        return false;
    iiss_rd_init(rd, msg, len, false);
    iiss_rd_skip(rd, 12);
    return rd->ok;
}

bool iiss_ntlm_parse_negotiate(const uint8_t *msg, size_t len, uint32_t *flags)
{
    iiss_reader rd;
    if (!start(&rd, msg, len, IISS_NTLM_NEGOTIATE))
        return false;
    *flags = iiss_rd_u32le(&rd);
    return rd.ok;
}

bool iiss_ntlm_parse_challenge(const uint8_t *msg, size_t len, iiss_ntlm_challenge_msg *out)
{
    memset(out, 0, sizeof *out);
    iiss_reader rd;
    if (!start(&rd, msg, len, IISS_NTLM_CHALLENGE))
        return false;
    iiss_ntlm_field target_name;
    bool ok = read_field(&rd, &target_name);
    out->flags = iiss_rd_u32le(&rd);
    iiss_rd_copy(&rd, out->server_challenge, sizeof out->server_challenge);
    iiss_rd_skip(&rd, 8); /* Reserved */
    /* TargetInfo is absent from the oldest CHALLENGE layout (32 bytes). */
    if (iiss_rd_has(&rd, 8))
        ok = read_field(&rd, &out->target_info) && ok;
    return ok && rd.ok;
}

bool iiss_ntlm_parse_authenticate(const uint8_t *msg, size_t len, iiss_ntlm_authenticate_msg *out)
{
    memset(out, 0, sizeof *out);
    iiss_reader rd;
    if (!start(&rd, msg, len, IISS_NTLM_AUTHENTICATE))
        return false;
    bool ok = read_field(&rd, &out->lm_response);
    ok = read_field(&rd, &out->nt_response) && ok;
    ok = read_field(&rd, &out->domain) && ok;
    ok = read_field(&rd, &out->user) && ok;
    ok = read_field(&rd, &out->workstation) && ok;
    ok = read_field(&rd, &out->encrypted_session_key) && ok;
    out->flags = iiss_rd_u32le(&rd);
    return ok && rd.ok;
}
