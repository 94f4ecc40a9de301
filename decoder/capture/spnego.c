/* SPNEGO token walk over the bounded DER reader. Unknown fields inside the
 * sequences are skipped (RFC 4178 keeps them extensible). */
#include "spnego.h"

#include <string.h>

#include "der.h"

const uint8_t iiss_spnego_ntlmssp_oid[10] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};
static const uint8_t spnego_oid[6] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};

static bool oid_is(const iiss_der_tlv *tlv, const uint8_t *oid, size_t len)
{
    return iiss_der_is(tlv, IISS_DER_UNIVERSAL, false, IISS_DER_OID) && tlv->len == len &&
           memcmp(tlv->value, oid, len) == 0;
}

/* [n] EXPLICIT OCTET STRING */
static bool octets_in(const iiss_der_tlv *field, iiss_spnego_bytes *out)
{
    iiss_reader rd;
    iiss_der_enter(field, &rd);
    iiss_der_tlv inner;
    if (!iiss_der_next(&rd, &inner) || !iiss_der_is(&inner, IISS_DER_UNIVERSAL, false, IISS_DER_OCTET_STRING))
        return false;
    out->data = inner.value;
    out->len = inner.len;
    return true;
}

static bool read_mech_types(const iiss_der_tlv *field, iiss_spnego_token *out)
{
    iiss_reader rd;
    iiss_der_enter(field, &rd);
    iiss_der_tlv list;
    if (!iiss_der_next(&rd, &list) || !iiss_der_is(&list, IISS_DER_UNIVERSAL, true, IISS_DER_SEQUENCE))
        return false;
    out->mech_types.data = list.whole;
    out->mech_types.len = list.whole_len;
    iiss_reader items;
    iiss_der_enter(&list, &items);
    while (iiss_rd_remaining(&items) > 0) {
        iiss_der_tlv oid;
        if (!iiss_der_next(&items, &oid) || !iiss_der_is(&oid, IISS_DER_UNIVERSAL, false, IISS_DER_OID))
            return false;
        if (oid_is(&oid, iiss_spnego_ntlmssp_oid, sizeof iiss_spnego_ntlmssp_oid)) {
            out->ntlmssp_offered = true;
            if (out->mech_count == 0)
                out->ntlmssp_first = true;
        }
        out->mech_count++;
    }
    return true;
}

/* Both negotiation tokens are a [n] choice holding a SEQUENCE of
 * context-tagged, constructed fields: enter the SEQUENCE. */
static bool enter_token_fields(const iiss_der_tlv *choice, iiss_reader *fields)
{
    iiss_reader rd;
    iiss_der_enter(choice, &rd);
    iiss_der_tlv seq;
    if (!iiss_der_next(&rd, &seq) || !iiss_der_is(&seq, IISS_DER_UNIVERSAL, true, IISS_DER_SEQUENCE))
        return false;
    iiss_der_enter(&seq, fields);
    return true;
}

/* The next field of a token; false at a malformed or non-context field. */
static bool next_token_field(iiss_reader *fields, iiss_der_tlv *f)
{
    return iiss_der_next(fields, f) && f->tag_class == IISS_DER_CONTEXT && f->constructed;
}

static bool read_neg_token_init(const iiss_der_tlv *choice, iiss_spnego_token *out)
{
    iiss_reader fields;
    if (!enter_token_fields(choice, &fields))
        return false;
    bool have_types = false;
    while (iiss_rd_remaining(&fields) > 0) {
        iiss_der_tlv f;
        if (!next_token_field(&fields, &f))
            return false;
        switch (f.tag) {
        case 0:
            if (!read_mech_types(&f, out))
                return false;
            have_types = true;
            break;
        case 2:
            if (!octets_in(&f, &out->mech_token))
                return false;
            break;
        case 3: {
            /* RFC 4178: mechListMIC; MS-SPNG NegTokenInit2: negHints (a
             * SEQUENCE), with the MIC moved to [4]. */
            iiss_spnego_bytes mic;
            if (octets_in(&f, &mic))
                out->mech_list_mic = mic;
            break;
        }
        case 4:
            if (!octets_in(&f, &out->mech_list_mic))
                return false;
            break;
        default: /* reqFlags [1] and extensions */
            break;
        }
    }
    if (!have_types)
        return false;
    out->kind = IISS_SPNEGO_INIT;
    return true;
}

static bool read_neg_token_resp(const iiss_der_tlv *choice, iiss_spnego_token *out)
{
    iiss_reader fields;
    if (!enter_token_fields(choice, &fields))
        return false;
    while (iiss_rd_remaining(&fields) > 0) {
        iiss_der_tlv f;
        if (!next_token_field(&fields, &f))
            return false;
        iiss_reader in;
        iiss_der_enter(&f, &in);
        iiss_der_tlv v;
        switch (f.tag) {
        case 0:
            if (!iiss_der_next(&in, &v) || !iiss_der_is(&v, IISS_DER_UNIVERSAL, false, IISS_DER_ENUMERATED) ||
                !iiss_der_small_uint(&v, &out->neg_state))
                return false;
            out->has_neg_state = true;
            break;
        case 1:
            if (!iiss_der_next(&in, &v) || !iiss_der_is(&v, IISS_DER_UNIVERSAL, false, IISS_DER_OID))
                return false;
            out->has_supported_mech = true;
            out->supported_mech_is_ntlmssp = oid_is(&v, iiss_spnego_ntlmssp_oid, sizeof iiss_spnego_ntlmssp_oid);
            break;
        case 2:
            if (!octets_in(&f, &out->mech_token))
                return false;
            break;
        case 3:
            if (!octets_in(&f, &out->mech_list_mic))
                return false;
            break;
        default:
            break;
        }
    }
    out->kind = IISS_SPNEGO_RESP;
    return true;
}

bool iiss_spnego_parse(const uint8_t *data, size_t len, iiss_spnego_token *out)
{
    memset(out, 0, sizeof *out);
    iiss_reader rd;
    iiss_rd_init(&rd, data, len, true);
    iiss_der_tlv top;
    if (!iiss_der_next(&rd, &top))
        return false;
    bool ok = false;
    if (iiss_der_is(&top, IISS_DER_APPLICATION, true, 0)) {
        /* InitialContextToken: thisMech, then the NegotiationToken. */
        iiss_reader in;
        iiss_der_enter(&top, &in);
        iiss_der_tlv mech, choice;
        if (iiss_der_next(&in, &mech) && oid_is(&mech, spnego_oid, sizeof spnego_oid) &&
            iiss_der_next(&in, &choice) && choice.tag_class == IISS_DER_CONTEXT && choice.constructed) {
            if (choice.tag == 0)
                ok = read_neg_token_init(&choice, out);
            else if (choice.tag == 1)
                ok = read_neg_token_resp(&choice, out);
        }
    } else if (iiss_der_is(&top, IISS_DER_CONTEXT, true, 0)) {
        ok = read_neg_token_init(&top, out);
    } else if (iiss_der_is(&top, IISS_DER_CONTEXT, true, 1)) {
        ok = read_neg_token_resp(&top, out);
    }
    if (!ok)
        memset(out, 0, sizeof *out);
    return ok;
}
