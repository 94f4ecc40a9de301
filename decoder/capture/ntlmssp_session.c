/* NTLMSSP security context: credential fitting, keys, SPNEGO mechListMIC.
 * See ntlmssp_session.h for the MIC rule and its sources. */
#include "ntlmssp_session.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "ntlmssp_message.h"
#include "spnego.h"

void iiss_ntlm_session_init(iiss_ntlm_session *s, const iiss_credentials *credentials)
{
    memset(s, 0, sizeof *s);
    s->credentials = credentials && iiss_credentials_count(credentials) ? credentials : NULL;
}

static void drop_keys(iiss_ntlm_session *s)
{
    iiss_ntlm_channel_clear(&s->channel[0]);
    iiss_ntlm_channel_clear(&s->channel[1]);
    s->credential = NULL;
    s->fit = IISS_NTLM_FIT_PENDING;
    s->mic[0] = s->mic[1] = IISS_NTLM_MIC_NONE;
}

void iiss_ntlm_session_clear(iiss_ntlm_session *s)
{
    drop_keys(s);
    iiss_wipe(s, sizeof *s);
}

bool iiss_ntlm_session_has_keys(const iiss_ntlm_session *s)
{
    return s->fit == IISS_NTLM_FIT_OK && iiss_ntlm_channel_ready(&s->channel[0]);
}

iiss_ntlm_channel *iiss_ntlm_session_channel(iiss_ntlm_session *s, iiss_ntlm_sender sender)
{
    if (!iiss_ntlm_session_has_keys(s))
        return NULL;
    if (!(s->flags & IISS_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY))
        return &s->channel[0];
    return &s->channel[sender == IISS_NTLM_SERVER ? 1 : 0];
}

iiss_ntlm_fit iiss_ntlm_session_on_challenge(iiss_ntlm_session *s, const uint8_t *msg, size_t len)
{
    /* A new handshake: whatever keys there were belong to the old one. */
    drop_keys(s);
    iiss_ntlm_challenge_msg ch;
    if (!iiss_ntlm_parse_challenge(msg, len, &ch)) {
        s->have_challenge = false;
        return IISS_NTLM_FIT_MALFORMED;
    }
    s->have_challenge = true;
    s->challenge_flags = ch.flags;
    memcpy(s->server_challenge, ch.server_challenge, sizeof s->server_challenge);
    return IISS_NTLM_FIT_PENDING;
}

/* The names as UTF-16LE: as carried with UNICODE, else OEM bytes taken as
 * Latin-1 (the same reading as ntlmssp_identity). */
static uint8_t *as_utf16(const iiss_ntlm_field *f, bool unicode, size_t *out_len)
{
    size_t n = unicode ? f->len : f->len * 2;
    uint8_t *out = malloc(n ? n : 1);
    if (!out)
        return NULL;
    if (unicode) {
        if (n)
            memcpy(out, f->data, n);
    } else {
        for (size_t i = 0; i < f->len; i++) {
            out[2 * i] = f->data[i];
            out[2 * i + 1] = 0;
        }
    }
    *out_len = n;
    return out;
}

/* Does the credential's user name (UTF-8) equal the AUTHENTICATE's? */
static bool same_user(const iiss_credential *c, const char *user_utf8)
{
    if (!c->user[0] || !user_utf8)
        return false;
    gchar *a = g_utf8_casefold(c->user, -1), *b = g_utf8_casefold(user_utf8, -1);
    bool same = strcmp(a, b) == 0;
    g_free(a);
    g_free(b);
    return same;
}

static bool try_credential(iiss_ntlm_session *s, const iiss_credential *c, const iiss_ntlm_authenticate_msg *am,
                           const uint8_t *user16, size_t user16_len, const uint8_t *dom16, size_t dom16_len,
                           uint32_t flags, uint8_t kxkey[16], iiss_ntlm_fit *why)
{
    if (am->nt_response.len > IISS_NTLMV1_RESPONSE_LEN) {
        uint8_t ntowf[16];
        iiss_ntlm_ntowfv2(c->nt_hash, user16, user16_len, dom16, dom16_len, ntowf);
        bool fits = iiss_ntlmv2_response_fits(ntowf, s->server_challenge, am->nt_response.data, am->nt_response.len,
                                              kxkey);
        iiss_wipe(ntowf, sizeof ntowf);
        s->ntlmv2 = true;
        return fits;
    }
    s->ntlmv2 = false;
    bool fits = iiss_ntlmv1_response_fits(c->nt_hash, flags, s->server_challenge, am->lm_response.data,
                                          am->lm_response.len, am->nt_response.data, am->nt_response.len, kxkey);
    if (!fits && (flags & (IISS_NTLMSSP_NEGOTIATE_LM_KEY | IISS_NTLMSSP_REQUEST_NON_NT_SESSION_KEY)) &&
        !(flags & IISS_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY)) {
        /* The response may fit; the key needs the LM hash all the same. */
        uint8_t scratch[16];
        if (iiss_ntlmv1_response_fits(c->nt_hash, flags & ~(IISS_NTLMSSP_NEGOTIATE_LM_KEY |
                                                            IISS_NTLMSSP_REQUEST_NON_NT_SESSION_KEY),
                                      s->server_challenge, am->lm_response.data, am->lm_response.len,
                                      am->nt_response.data, am->nt_response.len, scratch))
            *why = IISS_NTLM_FIT_UNSUPPORTED;
        iiss_wipe(scratch, sizeof scratch);
    }
    return fits;
}

iiss_ntlm_fit iiss_ntlm_session_on_authenticate(iiss_ntlm_session *s, const uint8_t *msg, size_t len)
{
    drop_keys(s);
    iiss_ntlm_authenticate_msg am;
    if (!iiss_ntlm_parse_authenticate(msg, len, &am))
        return s->fit = IISS_NTLM_FIT_MALFORMED;
    if (!s->have_challenge)
        return s->fit = IISS_NTLM_FIT_NO_CHALLENGE;
    if (am.nt_response.len == 0 && am.user.len == 0)
        return s->fit = IISS_NTLM_FIT_ANONYMOUS;
    if (am.nt_response.len < IISS_NTLMV1_RESPONSE_LEN)
        return s->fit = IISS_NTLM_FIT_MALFORMED;
    if (!s->credentials)
        return s->fit = IISS_NTLM_FIT_NO_CREDENTIALS;

    uint32_t flags = am.flags ? am.flags : s->challenge_flags;
    bool unicode = (flags & IISS_NTLMSSP_NEGOTIATE_UNICODE) != 0;
    size_t user16_len = 0, dom16_len = 0;
    uint8_t *user16 = as_utf16(&am.user, unicode, &user16_len);
    uint8_t *dom16 = as_utf16(&am.domain, unicode, &dom16_len);
    gchar *user_utf8 = NULL;
    if (user16 && user16_len % 2 == 0) {
        gunichar2 *units = g_new(gunichar2, user16_len / 2 + 1);
        for (size_t i = 0; i < user16_len / 2; i++)
            units[i] = (gunichar2)(user16[2 * i] | user16[2 * i + 1] << 8);
        user_utf8 = g_utf16_to_utf8(units, (glong)(user16_len / 2), NULL, NULL, NULL);
        g_free(units);
    }
    iiss_ntlm_fit why = IISS_NTLM_FIT_NONE;
    uint8_t kxkey[16];
    const iiss_credential *found = NULL;
    size_t n = iiss_credentials_count(s->credentials);
    /* Credentials said to be this user's first, then all the others. */
    for (int pass = 0; pass < 2 && !found && user16 && dom16; pass++) {
        for (size_t i = 0; i < n && !found; i++) {
            const iiss_credential *c = iiss_credentials_get(s->credentials, i);
            if (same_user(c, user_utf8) != (pass == 0))
                continue;
            if (try_credential(s, c, &am, user16, user16_len, dom16, dom16_len, flags, kxkey, &why))
                found = c;
        }
    }
    free(user16);
    free(dom16);
    g_free(user_utf8);
    if (!found)
        return s->fit = why;

    uint8_t exported[16];
    if ((flags & IISS_NTLMSSP_NEGOTIATE_KEY_EXCH) && am.encrypted_session_key.len == 16) {
        if (!iiss_ntlm_rc4k(kxkey, am.encrypted_session_key.data, exported)) {
            iiss_wipe(kxkey, sizeof kxkey);
            return s->fit = IISS_NTLM_FIT_MALFORMED;
        }
    } else {
        memcpy(exported, kxkey, sizeof exported);
    }
    iiss_wipe(kxkey, sizeof kxkey);
    s->flags = flags;
    bool ok;
    if (flags & IISS_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY)
        ok = iiss_ntlm_channel_init(&s->channel[0], exported, flags, IISS_NTLM_CLIENT) &&
             iiss_ntlm_channel_init(&s->channel[1], exported, flags, IISS_NTLM_SERVER);
    else
        ok = iiss_ntlm_channel_init(&s->channel[0], exported, flags, IISS_NTLM_CLIENT);
    iiss_wipe(exported, sizeof exported);
    if (!ok) {
        drop_keys(s);
        return s->fit = IISS_NTLM_FIT_MALFORMED;
    }
    s->credential = found;
    return s->fit = IISS_NTLM_FIT_OK;
}

/* The mechListMIC of `sender` (rule and sources in the header). */
static void on_mic(iiss_ntlm_session *s, iiss_ntlm_sender sender, const uint8_t *mic, size_t mic_len)
{
    iiss_ntlm_channel *ch = iiss_ntlm_session_channel(s, sender);
    int side = sender == IISS_NTLM_SERVER ? 1 : 0;
    if (!ch) {
        s->mic[side] = IISS_NTLM_MIC_UNCHECKED;
        return;
    }
    if (s->mech_types_len == 0) {
        /* Not verifiable, but the sequence number moves all the same. */
        ch->seq++;
        s->mic[side] = IISS_NTLM_MIC_UNCHECKED;
    } else {
        iiss_ntlm_span list = {s->mech_types, s->mech_types_len};
        bool ok = iiss_ntlm_channel_verify(ch, &list, 1, &list, mic, mic_len);
        s->mic[side] = ok ? IISS_NTLM_MIC_VERIFIED : IISS_NTLM_MIC_INVALID;
    }
    iiss_ntlm_channel_rekey(ch);
}

static void on_ntlmssp(iiss_ntlm_session *s, const uint8_t *msg, size_t len, iiss_ntlm_token_result *r)
{
    iiss_ntlm_message_type type = iiss_ntlm_message_type_of(msg, len);
    if (type == IISS_NTLM_NONE)
        return;
    r->is_ntlmssp = true;
    r->message_type = type;
    r->message = msg;
    r->message_len = len;
    if (type == IISS_NTLM_CHALLENGE) {
        s->fit = iiss_ntlm_session_on_challenge(s, msg, len);
    } else if (type == IISS_NTLM_AUTHENTICATE) {
        iiss_ntlm_session_on_authenticate(s, msg, len);
    } else if (type == IISS_NTLM_NEGOTIATE) {
        drop_keys(s);
        s->have_challenge = false;
    }
}

void iiss_ntlm_session_on_token(iiss_ntlm_session *s, uint8_t auth_type, iiss_ntlm_sender sender,
                                const uint8_t *token, size_t len, iiss_ntlm_token_result *result)
{
    iiss_ntlm_token_result scratch;
    iiss_ntlm_token_result *r = result ? result : &scratch;
    memset(r, 0, sizeof *r);
    if (!token || len == 0)
        return;
    if (auth_type == 10) {
        on_ntlmssp(s, token, len, r);
        return;
    }
    if (auth_type != 9)
        return;
    iiss_spnego_token t;
    if (!iiss_spnego_parse(token, len, &t)) {
        /* Some peers send raw NTLMSSP under auth_type 9. */
        on_ntlmssp(s, token, len, r);
        return;
    }
    s->spnego = true;
    if (t.kind == IISS_SPNEGO_INIT && t.mech_types.data) {
        if (t.mech_types.len <= sizeof s->mech_types) {
            memcpy(s->mech_types, t.mech_types.data, t.mech_types.len);
            s->mech_types_len = t.mech_types.len;
        } else {
            s->mech_types_len = 0;
        }
    }
    if (t.mech_token.data)
        on_ntlmssp(s, t.mech_token.data, t.mech_token.len, r);
    if (t.mech_list_mic.data) {
        r->had_mic = true;
        on_mic(s, sender, t.mech_list_mic.data, t.mech_list_mic.len);
    }
}

const char *iiss_ntlm_fit_message(iiss_ntlm_fit fit)
{
    switch (fit) {
    case IISS_NTLM_FIT_PENDING: return "no NTLMSSP AUTHENTICATE seen";
    case IISS_NTLM_FIT_NO_CREDENTIALS: return "no credential given";
    case IISS_NTLM_FIT_NO_CHALLENGE: return "the NTLMSSP CHALLENGE was not seen before the AUTHENTICATE";
    case IISS_NTLM_FIT_MALFORMED: return "the NTLMSSP AUTHENTICATE or CHALLENGE is malformed or cut short";
    case IISS_NTLM_FIT_ANONYMOUS: return "anonymous NTLMSSP authentication has no session key";
    case IISS_NTLM_FIT_UNSUPPORTED: return "NTLMv1 with LM_KEY or NON_NT_SESSION_KEY needs the LM hash";
    case IISS_NTLM_FIT_NONE: return "no credential fits";
    case IISS_NTLM_FIT_OK: return "a credential fits";
    }
    return "?";
}
