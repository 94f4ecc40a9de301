/* Kerberos message walk over the bounded DER reader; see kerberos_message.h.
 * Fields this reader does not need are skipped; an element that does not
 * fit its container fails the whole message. */
#include "kerberos_message.h"

#include <stdio.h>
#include <string.h>

#include "der.h"

/* 1.2.840.113554.1.2.2 (RFC 1964) and Microsoft's 1.2.840.48018.1.2.2. */
static const uint8_t oid_kerberos[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x12, 0x01, 0x02, 0x02};
static const uint8_t oid_ms_kerberos[] = {0x2A, 0x86, 0x48, 0x82, 0xF7, 0x12, 0x01, 0x02, 0x02};

enum { GENERAL_STRING = 27, GENERALIZED_TIME = 24, BIT_STRING = 3, INTEGER = 2 };
enum { APP_TICKET = 1, APP_AUTHENTICATOR = 2, APP_TICKET_PART = 3, APP_AP_REQ = 14, APP_AP_REP = 15,
       APP_AP_REP_PART = 27, APP_KRB_ERROR = 30 };
#define GSS_CHECKSUM_TYPE 0x8003

/* [APPLICATION app] { SEQUENCE { ... } }: a reader over the sequence. */
static bool enter_application(const uint8_t *data, size_t len, uint32_t app, iiss_reader *fields)
{
    iiss_reader rd;
    iiss_rd_init(&rd, data, len, true);
    iiss_der_tlv outer, seq;
    if (!iiss_der_next(&rd, &outer) || !iiss_der_is(&outer, IISS_DER_APPLICATION, true, app))
        return false;
    iiss_reader in;
    iiss_der_enter(&outer, &in);
    if (!iiss_der_next(&in, &seq) || !iiss_der_is(&seq, IISS_DER_UNIVERSAL, true, IISS_DER_SEQUENCE))
        return false;
    iiss_der_enter(&seq, fields);
    return true;
}

/* The one element inside an explicit [n] tag. */
static bool inner_of(const iiss_der_tlv *field, iiss_der_tlv *inner)
{
    iiss_reader rd;
    iiss_der_enter(field, &rd);
    return iiss_der_next(&rd, inner);
}

static bool read_int(const iiss_der_tlv *field, int64_t *out)
{
    iiss_der_tlv v;
    if (!inner_of(field, &v) || !iiss_der_is(&v, IISS_DER_UNIVERSAL, false, INTEGER) || v.len == 0 || v.len > 5)
        return false;
    /* Two's complement, sign from the first octet. */
    int64_t value = (v.value[0] & 0x80) ? -1 : 0;
    for (size_t i = 0; i < v.len; i++)
        value = (int64_t)(((uint64_t)value << 8) | v.value[i]);
    *out = value;
    return true;
}

static bool read_u32(const iiss_der_tlv *field, uint32_t *out)
{
    int64_t v;
    /* UInt32 (RFC 4120 5.2.4); Windows writes sequence numbers as negative
     * Int32 too, so the low 32 bits are what counts. */
    if (!read_int(field, &v) || v < INT32_MIN || v > (int64_t)UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool read_i32(const iiss_der_tlv *field, int32_t *out)
{
    int64_t v;
    if (!read_int(field, &v) || v < INT32_MIN || v > INT32_MAX)
        return false;
    *out = (int32_t)v;
    return true;
}

static bool read_octets(const iiss_der_tlv *field, iiss_krb_bytes *out)
{
    iiss_der_tlv v;
    if (!inner_of(field, &v) || !iiss_der_is(&v, IISS_DER_UNIVERSAL, false, IISS_DER_OCTET_STRING))
        return false;
    out->data = v.value;
    out->len = v.len;
    return true;
}

/* Printable ASCII only: a name from the wire goes to the output. */
static void copy_name_part(char *out, size_t cap, size_t *at, const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len && *at + 1 < cap; i++)
        out[(*at)++] = (s[i] >= 0x20 && s[i] < 0x7F) ? (char)s[i] : '?';
    out[*at] = '\0';
}

static bool read_string(const iiss_der_tlv *field, char *out, size_t cap)
{
    iiss_der_tlv v;
    if (!inner_of(field, &v) || !iiss_der_is(&v, IISS_DER_UNIVERSAL, false, GENERAL_STRING))
        return false;
    size_t at = 0;
    out[0] = '\0';
    copy_name_part(out, cap, &at, v.value, v.len);
    return true;
}

/* PrincipalName ::= SEQUENCE { name-type [0], name-string [1] SEQUENCE OF KerberosString } */
static bool read_principal(const iiss_der_tlv *field, char *out, size_t cap)
{
    iiss_der_tlv seq;
    if (!inner_of(field, &seq) || !iiss_der_is(&seq, IISS_DER_UNIVERSAL, true, IISS_DER_SEQUENCE))
        return false;
    iiss_reader rd;
    iiss_der_enter(&seq, &rd);
    out[0] = '\0';
    bool has_names = false;
    while (iiss_rd_remaining(&rd) > 0) {
        iiss_der_tlv f;
        if (!iiss_der_next(&rd, &f))
            return false;
        if (!iiss_der_is(&f, IISS_DER_CONTEXT, true, 1))
            continue;
        iiss_der_tlv list;
        if (!inner_of(&f, &list) || !iiss_der_is(&list, IISS_DER_UNIVERSAL, true, IISS_DER_SEQUENCE))
            return false;
        iiss_reader names;
        iiss_der_enter(&list, &names);
        size_t at = 0;
        while (iiss_rd_remaining(&names) > 0) {
            iiss_der_tlv name;
            if (!iiss_der_next(&names, &name) || !iiss_der_is(&name, IISS_DER_UNIVERSAL, false, GENERAL_STRING))
                return false;
            if (at > 0)
                copy_name_part(out, cap, &at, (const uint8_t *)"/", 1);
            copy_name_part(out, cap, &at, name.value, name.len);
        }
        has_names = true;
    }
    return has_names;
}

static bool read_encrypted(const iiss_der_tlv *field, iiss_krb_encrypted *out)
{
    iiss_der_tlv seq;
    if (!inner_of(field, &seq) || !iiss_der_is(&seq, IISS_DER_UNIVERSAL, true, IISS_DER_SEQUENCE))
        return false;
    iiss_reader rd;
    iiss_der_enter(&seq, &rd);
    memset(out, 0, sizeof *out);
    bool has_etype = false, has_cipher = false;
    while (iiss_rd_remaining(&rd) > 0) {
        iiss_der_tlv f;
        if (!iiss_der_next(&rd, &f))
            return false;
        if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 0))
            has_etype = read_i32(&f, &out->etype);
        else if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 1))
            out->has_kvno = read_u32(&f, &out->kvno);
        else if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 2))
            has_cipher = read_octets(&f, &out->cipher);
    }
    return has_etype && has_cipher;
}

static bool read_key(const iiss_der_tlv *field, iiss_krb_key_view *out)
{
    iiss_der_tlv seq;
    if (!inner_of(field, &seq) || !iiss_der_is(&seq, IISS_DER_UNIVERSAL, true, IISS_DER_SEQUENCE))
        return false;
    iiss_reader rd;
    iiss_der_enter(&seq, &rd);
    bool has_type = false, has_value = false;
    while (iiss_rd_remaining(&rd) > 0) {
        iiss_der_tlv f;
        if (!iiss_der_next(&rd, &f))
            return false;
        if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 0))
            has_type = read_i32(&f, &out->enctype);
        else if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 1))
            has_value = read_octets(&f, &out->value);
    }
    return has_type && has_value && out->value.len > 0 && out->value.len <= IISS_KRB_KEY_BYTES_MAX;
}

static bool read_bits32(const iiss_der_tlv *field, uint32_t *out)
{
    iiss_der_tlv v;
    if (!inner_of(field, &v) || !iiss_der_is(&v, IISS_DER_UNIVERSAL, false, BIT_STRING) || v.len < 1)
        return false;
    uint32_t bits = 0;
    for (size_t i = 1; i < 5; i++)
        bits = (bits << 8) | (i < v.len ? v.value[i] : 0);
    *out = bits;
    return true;
}

/* Ticket ::= [APPLICATION 1] SEQUENCE { tkt-vno [0], realm [1], sname [2], enc-part [3] } */
static bool read_ticket(const iiss_der_tlv *field, iiss_krb_token *out)
{
    iiss_der_tlv app;
    if (!inner_of(field, &app))
        return false;
    iiss_reader fields;
    if (!enter_application(app.whole, app.whole_len, APP_TICKET, &fields))
        return false;
    bool has_realm = false, has_sname = false, has_enc = false;
    while (iiss_rd_remaining(&fields) > 0) {
        iiss_der_tlv f;
        if (!iiss_der_next(&fields, &f))
            return false;
        if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 1))
            has_realm = read_string(&f, out->realm, sizeof out->realm);
        else if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 2))
            has_sname = read_principal(&f, out->service, sizeof out->service);
        else if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 3))
            has_enc = read_encrypted(&f, &out->ticket);
    }
    return has_realm && has_sname && has_enc;
}

static bool read_ap_req(iiss_reader *fields, iiss_krb_token *out)
{
    bool has_ticket = false, has_auth = false;
    while (iiss_rd_remaining(fields) > 0) {
        iiss_der_tlv f;
        if (!iiss_der_next(fields, &f))
            return false;
        if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 2))
            read_bits32(&f, &out->ap_options);
        else if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 3))
            has_ticket = read_ticket(&f, out);
        else if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 4))
            has_auth = read_encrypted(&f, &out->authenticator);
    }
    return has_ticket && has_auth;
}

static bool read_ap_rep(iiss_reader *fields, iiss_krb_token *out)
{
    bool has_enc = false;
    while (iiss_rd_remaining(fields) > 0) {
        iiss_der_tlv f;
        if (!iiss_der_next(fields, &f))
            return false;
        if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 2))
            has_enc = read_encrypted(&f, &out->ap_rep);
    }
    return has_enc;
}

static bool read_error(iiss_reader *fields, iiss_krb_token *out)
{
    bool has_code = false;
    while (iiss_rd_remaining(fields) > 0) {
        iiss_der_tlv f;
        if (!iiss_der_next(fields, &f))
            return false;
        if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 6))
            has_code = read_u32(&f, &out->error_code);
    }
    return has_code;
}

/* Unwraps the GSS framing when present (RFC 2743 3.1, RFC 4121 4.1):
 * [APPLICATION 0] { OID, TOK_ID (2 bytes), message }. */
static bool unframe(const uint8_t **data, size_t *len, bool *framed)
{
    *framed = false;
    if (*len < 1 || (*data)[0] != 0x60)
        return true;
    iiss_reader rd;
    iiss_rd_init(&rd, *data, *len, true);
    iiss_der_tlv outer, oid;
    if (!iiss_der_next(&rd, &outer) || !iiss_der_is(&outer, IISS_DER_APPLICATION, true, 0))
        return false;
    iiss_reader in;
    iiss_der_enter(&outer, &in);
    if (!iiss_der_next(&in, &oid) || !iiss_der_is(&oid, IISS_DER_UNIVERSAL, false, IISS_DER_OID))
        return false;
    bool kerberos = (oid.len == sizeof oid_kerberos && memcmp(oid.value, oid_kerberos, oid.len) == 0) ||
                    (oid.len == sizeof oid_ms_kerberos && memcmp(oid.value, oid_ms_kerberos, oid.len) == 0);
    if (!kerberos || !iiss_rd_skip(&in, 2)) /* TOK_ID: 01 00 AP-REQ, 02 00 AP-REP, 03 00 KRB-ERROR */
        return false;
    *data = in.data + in.pos;
    *len = iiss_rd_remaining(&in);
    *framed = true;
    return true;
}

iiss_krb_token_kind iiss_krb_parse_token(const uint8_t *data, size_t len, iiss_krb_token *out)
{
    memset(out, 0, sizeof *out);
    bool framed;
    if (!data || !unframe(&data, &len, &framed) || len < 1)
        return IISS_KRB_TOKEN_NONE;
    out->gss_framed = framed;
    iiss_reader fields;
    bool ok = false;
    iiss_krb_token_kind kind = IISS_KRB_TOKEN_NONE;
    if (enter_application(data, len, APP_AP_REQ, &fields)) {
        kind = IISS_KRB_TOKEN_AP_REQ;
        ok = read_ap_req(&fields, out);
    } else if (enter_application(data, len, APP_AP_REP, &fields)) {
        kind = IISS_KRB_TOKEN_AP_REP;
        ok = read_ap_rep(&fields, out);
    } else if (enter_application(data, len, APP_KRB_ERROR, &fields)) {
        kind = IISS_KRB_TOKEN_ERROR;
        ok = read_error(&fields, out);
    }
    if (!ok) {
        memset(out, 0, sizeof *out);
        return IISS_KRB_TOKEN_NONE;
    }
    out->kind = kind;
    return kind;
}

bool iiss_krb_parse_ticket_part(const uint8_t *data, size_t len, iiss_krb_ticket_part *out)
{
    memset(out, 0, sizeof *out);
    iiss_reader fields;
    if (!enter_application(data, len, APP_TICKET_PART, &fields))
        return false;
    bool has_key = false, has_crealm = false, has_cname = false;
    while (iiss_rd_remaining(&fields) > 0) {
        iiss_der_tlv f;
        if (!iiss_der_next(&fields, &f))
            return false;
        if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 1))
            has_key = read_key(&f, &out->key);
        else if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 2))
            has_crealm = read_string(&f, out->crealm, sizeof out->crealm);
        else if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 3))
            has_cname = read_principal(&f, out->cname, sizeof out->cname);
    }
    return has_key && has_crealm && has_cname;
}

/* Checksum ::= SEQUENCE { cksumtype [0], checksum [1] }: the GSS flags of
 * a type 0x8003 checksum (Lgth, Bnd, Flags little-endian, RFC 4121 4.1.1). */
static void read_gss_checksum(const iiss_der_tlv *field, iiss_krb_authenticator *out)
{
    iiss_der_tlv seq;
    if (!inner_of(field, &seq) || !iiss_der_is(&seq, IISS_DER_UNIVERSAL, true, IISS_DER_SEQUENCE))
        return;
    iiss_reader rd;
    iiss_der_enter(&seq, &rd);
    int32_t type = 0;
    iiss_krb_bytes value = {NULL, 0};
    while (iiss_rd_remaining(&rd) > 0) {
        iiss_der_tlv f;
        if (!iiss_der_next(&rd, &f))
            return;
        if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 0))
            read_i32(&f, &type);
        else if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 1))
            read_octets(&f, &value);
    }
    uint32_t flags;
    if (type == GSS_CHECKSUM_TYPE && iiss_peek_u32le(value.data, value.len, 20, &flags)) {
        out->has_gss_flags = true;
        out->gss_flags = flags;
    }
}

bool iiss_krb_parse_authenticator(const uint8_t *data, size_t len, iiss_krb_authenticator *out)
{
    memset(out, 0, sizeof *out);
    iiss_reader fields;
    if (!enter_application(data, len, APP_AUTHENTICATOR, &fields))
        return false;
    bool has_crealm = false, has_cname = false;
    while (iiss_rd_remaining(&fields) > 0) {
        iiss_der_tlv f;
        if (!iiss_der_next(&fields, &f))
            return false;
        if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 1))
            has_crealm = read_string(&f, out->crealm, sizeof out->crealm);
        else if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 2))
            has_cname = read_principal(&f, out->cname, sizeof out->cname);
        else if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 3))
            read_gss_checksum(&f, out);
        else if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 6))
            out->has_subkey = read_key(&f, &out->subkey);
        else if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 7))
            out->has_seq = read_u32(&f, &out->seq);
    }
    return has_crealm && has_cname;
}

bool iiss_krb_parse_ap_rep_part(const uint8_t *data, size_t len, iiss_krb_ap_rep_part *out)
{
    memset(out, 0, sizeof *out);
    iiss_reader fields;
    if (!enter_application(data, len, APP_AP_REP_PART, &fields))
        return false;
    while (iiss_rd_remaining(&fields) > 0) {
        iiss_der_tlv f;
        if (!iiss_der_next(&fields, &f))
            return false;
        if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 2))
            out->has_subkey = read_key(&f, &out->subkey);
        else if (iiss_der_is(&f, IISS_DER_CONTEXT, true, 3))
            out->has_seq = read_u32(&f, &out->seq);
    }
    return true;
}
