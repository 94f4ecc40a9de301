/* NTLMSSP identity (MS-NLMP 2.2.1.2 CHALLENGE, 2.2.1.3 AUTHENTICATE, 2.2.2.1
 * AV_PAIR). Every field sits behind a security buffer (length, max length,
 * offset from the message start); all reads go through iiss_reader, so a
 * hostile length or offset only yields an empty name. */
#include "ntlmssp_identity.h"

#include <stdbool.h>
#include <string.h>

#include <glib.h>

#include "iiss/reader.h"
#include "iiss/utf16.h"

static const uint8_t ntlmssp_signature[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

#define NTLM_NEGOTIATE_UNICODE 0x00000001u

/* AV_PAIR ids that name the server. */
enum { AV_EOL = 0, AV_NB_COMPUTER_NAME = 1, AV_DNS_COMPUTER_NAME = 3 };

/* UTF-16LE (lone surrogates become U+FFFD) or, without the UNICODE flag,
 * 8-bit OEM text taken as Latin-1. Stops at a NUL; truncated to fit whole
 * characters. */
static void copy_name(const uint8_t *bytes, size_t len, bool unicode, char *out, size_t cap)
{
    if (unicode) {
        iiss_utf16le_to_utf8(bytes, len, out, cap, NULL);
        return;
    }
    size_t used = 0;
    iiss_reader rd;
    iiss_rd_init(&rd, bytes, len, false);
    while (iiss_rd_has(&rd, 1)) {
        uint8_t c = iiss_rd_u8(&rd);
        if (c == 0)
            break;
        char tmp[6];
        size_t n = (size_t)g_unichar_to_utf8(c, tmp); /* Latin-1 is U+0000..U+00FF */
        if (used + n >= cap)
            break;
        memcpy(out + used, tmp, n);
        used += n;
    }
    out[used] = '\0';
}

/* Reads a security buffer descriptor at the reader's position and returns
 * the payload it points at inside the message, or NULL (len 0) if it lies
 * outside. */
static const uint8_t *security_buffer(iiss_reader *rd, size_t *len_out)
{
    uint16_t len = iiss_rd_u16le(rd);
    (void)iiss_rd_u16le(rd); /* MaxLen: informational */
    uint32_t offset = iiss_rd_u32le(rd);
    *len_out = 0;
    if (!rd->ok || len == 0 || offset > rd->len || len > rd->len - offset)
        return NULL;
    *len_out = len;
    return rd->data + offset;
}

static void store_name(const uint8_t *bytes, size_t len, bool unicode, char *out)
{
    if (bytes && len > 0)
        copy_name(bytes, len, unicode, out, IISS_NTLM_NAME_MAX);
}

static void read_target_info(const uint8_t *info, size_t len, iiss_ntlm_identity *id)
{
    iiss_reader rd;
    iiss_rd_init(&rd, info, len, false);
    while (iiss_rd_has(&rd, 4)) {
        uint16_t av_id = iiss_rd_u16le(&rd);
        uint16_t av_len = iiss_rd_u16le(&rd);
        const uint8_t *value = iiss_rd_take(&rd, av_len);
        if (av_id == AV_EOL || !value)
            break;
        if (av_id == AV_NB_COMPUTER_NAME)
            store_name(value, av_len, true, id->server_netbios);
        else if (av_id == AV_DNS_COMPUTER_NAME)
            store_name(value, av_len, true, id->server_dns);
    }
}

/* Offset of the NTLMSSP signature: at the start for a raw token, somewhere
 * inside for a SPNEGO wrapping (whose ASN.1 we need not parse). */
static bool find_signature(const uint8_t *data, size_t len, size_t *at)
{
    for (size_t i = 0; len >= sizeof ntlmssp_signature && i <= len - sizeof ntlmssp_signature; i++) {
        if (data[i] == 'N' && memcmp(data + i, ntlmssp_signature, sizeof ntlmssp_signature) == 0) {
            *at = i;
            return true;
        }
    }
    return false;
}

iiss_ntlm_message_type iiss_ntlmssp_read_identity(const uint8_t *auth_value, size_t len, iiss_ntlm_identity *id)
{
    size_t start;
    if (!auth_value || !find_signature(auth_value, len, &start))
        return IISS_NTLM_NONE;
    iiss_reader rd;
    /* Security buffer offsets count from the signature. */
    iiss_rd_init(&rd, auth_value + start, len - start, false);
    iiss_rd_skip(&rd, sizeof ntlmssp_signature);
    uint32_t type = iiss_rd_u32le(&rd);
    if (!rd.ok)
        return IISS_NTLM_NONE;

    if (type == IISS_NTLM_NEGOTIATE)
        return IISS_NTLM_NEGOTIATE;

    if (type == IISS_NTLM_CHALLENGE) {
        size_t name_len, info_len;
        (void)security_buffer(&rd, &name_len); /* TargetName: the domain, not the server */
        (void)iiss_rd_u32le(&rd);              /* NegotiateFlags */
        iiss_rd_skip(&rd, 8 + 8);              /* ServerChallenge, Reserved */
        const uint8_t *info = security_buffer(&rd, &info_len);
        if (!rd.ok)
            return IISS_NTLM_NONE;
        if (info)
            read_target_info(info, info_len, id);
        return IISS_NTLM_CHALLENGE;
    }

    if (type == IISS_NTLM_AUTHENTICATE) {
        size_t lm_len, nt_len, dom_len, user_len, ws_len, key_len;
        (void)security_buffer(&rd, &lm_len);
        (void)security_buffer(&rd, &nt_len);
        const uint8_t *dom = security_buffer(&rd, &dom_len);
        const uint8_t *user = security_buffer(&rd, &user_len);
        const uint8_t *ws = security_buffer(&rd, &ws_len);
        (void)security_buffer(&rd, &key_len);
        uint32_t flags = iiss_rd_u32le(&rd);
        if (!rd.ok)
            return IISS_NTLM_NONE;
        bool unicode = (flags & NTLM_NEGOTIATE_UNICODE) != 0;
        store_name(dom, dom_len, unicode, id->domain);
        store_name(user, user_len, unicode, id->user);
        store_name(ws, ws_len, unicode, id->workstation);
        return IISS_NTLM_AUTHENTICATE;
    }
    return IISS_NTLM_NONE;
}

const char *iiss_identity_server_name(const iiss_ntlm_identity *id, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    buf[0] = '\0';
    const char *name = id->server_dns[0] ? id->server_dns : id->server_netbios[0] ? id->server_netbios : NULL;
    size_t len = name ? strlen(name) : 0;
    if (!name && id->service_principal[0]) {
        /* service/host[:port]@REALM (RFC 4120 6.2): the host part */
        const char *sp = id->service_principal;
        const char *slash = strchr(sp, '/');
        if (slash) {
            name = slash + 1;
            len = strcspn(name, "/:@");
        }
    }
    if (!name)
        return buf;
    if (len >= n)
        len = n - 1;
    memcpy(buf, name, len);
    buf[len] = '\0';
    return buf;
}
