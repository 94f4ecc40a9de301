/* The authentication stage; see dce_auth.h. */
#include "dce_auth.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerberos_message.h"
#include "kerberos_session.h"
#include "ntlmssp_session.h"
#include "spnego.h"

/* RPC_C_AUTHN_GSS_NEGOTIATE, RPC_C_AUTHN_WINNT, RPC_C_AUTHN_GSS_KERBEROS
 * (MS-RPCE 2.2.1.1.7). */
#define AUTH_TYPE_SPNEGO 9u
#define AUTH_TYPE_NTLMSSP 10u
#define AUTH_TYPE_KERBEROS 16u
/* PFC_SUPPORT_HEADER_SIGN on bind / alter_context and their acks (MS-RPCE 2.2.2.3). */
#define PFC_SUPPORT_HEADER_SIGN 0x04u

struct iiss_dce_auth {
    iiss_dce_auth_config cfg;
    iiss_dce_stats *stats; /* alloc_failures is counted here */
    /* MIT krb5, with keytab keys only (NULL otherwise, or when it would not start). */
    krb5_context krb_ctx;
    /* The unsealed body of the PDU at hand (at most a frag_length). */
    uint8_t *plain;
    size_t plain_cap;
};

void iiss_dce_auth_config_default(iiss_dce_auth_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
}

iiss_dce_auth *iiss_dce_auth_new(const iiss_dce_auth_config *cfg, iiss_dce_stats *stats)
{
    iiss_dce_auth *auth = calloc(1, sizeof *auth);
    if (!auth)
        return NULL;
    auth->stats = stats;
    if (cfg)
        auth->cfg = *cfg;
    else
        iiss_dce_auth_config_default(&auth->cfg);
    if (iiss_credentials_count(auth->cfg.credentials) == 0 && iiss_credentials_krb_count(auth->cfg.credentials) == 0)
        auth->cfg.credentials = NULL;
    if (iiss_credentials_krb_count(auth->cfg.credentials) > 0 && krb5_init_context(&auth->krb_ctx) != 0)
        auth->krb_ctx = NULL;
    return auth;
}

void iiss_dce_auth_free(iiss_dce_auth *auth)
{
    if (!auth)
        return;
    if (auth->plain)
        iiss_wipe(auth->plain, auth->plain_cap);
    free(auth->plain);
    if (auth->krb_ctx)
        krb5_free_context(auth->krb_ctx);
    free(auth);
}

void iiss_dce_auth_conn_init(iiss_dce_auth_conn *conn)
{
    memset(conn, 0, sizeof *conn);
}

void iiss_dce_auth_conn_clear(iiss_dce_auth_conn *conn)
{
    free(conn->identity);
    conn->identity = NULL;
    if (conn->ntlm) {
        iiss_ntlm_session_clear(conn->ntlm);
        free(conn->ntlm);
        conn->ntlm = NULL;
    }
    if (conn->krb) {
        iiss_krb_session_clear(conn->krb);
        free(conn->krb);
        conn->krb = NULL;
    }
    conn->credential = NULL;
}

/* The connection's note; the first one set stays. */
static iiss_note *conn_note(iiss_dce_auth_conn *conn)
{
    if (conn->has_conn_note)
        return NULL;
    conn->has_conn_note = true;
    return &conn->conn_note;
}

static void count_alloc_failure(iiss_dce_auth *auth)
{
    if (auth->stats)
        auth->stats->alloc_failures++;
}

static void read_identity(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, const uint8_t *value, size_t len)
{
    if (!conn->identity) {
        iiss_ntlm_identity probe;
        memset(&probe, 0, sizeof probe);
        if (iiss_ntlmssp_read_identity(value, len, &probe) == IISS_NTLM_NONE)
            return;
        /* Without memory the connection stays anonymous, as without NTLMSSP. */
        conn->identity = malloc(sizeof *conn->identity);
        if (conn->identity)
            *conn->identity = probe;
        else
            count_alloc_failure(auth);
        return;
    }
    iiss_ntlmssp_read_identity(value, len, conn->identity);
}

static void note_client_auth(iiss_dce_auth_conn *conn, const iiss_dce_pdu *v)
{
    if (!v->has_auth)
        return;
    conn->bind_has_auth = true;
    conn->bind_auth_type = v->auth_type;
    conn->bind_auth_level = v->auth_level;
}

/* "CONTOSO\webadmin", or "an unnamed user". */
static void account_text(const iiss_dce_auth_conn *conn, char *out, size_t cap)
{
    const iiss_ntlm_identity *id = conn->identity;
    if (id && id->user[0])
        snprintf(out, cap, "%s%s%s", id->domain, id->domain[0] ? "\\" : "", id->user);
    else
        snprintf(out, cap, "an unnamed user");
}

/* a, sep, b into dst, truncated to fit (names from the wire may be long). */
static void join_text(char *dst, size_t cap, const char *a, const char *sep, const char *b)
{
    size_t at = 0;
    const char *parts[3] = {a, sep, b};
    for (int i = 0; i < 3; i++)
        for (const char *p = parts[i]; *p && at + 1 < cap; p++)
            dst[at++] = *p;
    dst[at] = '\0';
}

/* The identity record, created on first use; NULL without memory. */
static iiss_ntlm_identity *identity_of(iiss_dce_auth *auth, iiss_dce_auth_conn *conn)
{
    if (!conn->identity) {
        conn->identity = calloc(1, sizeof *conn->identity);
        if (!conn->identity)
            count_alloc_failure(auth); /* the connection stays anonymous */
    }
    return conn->identity;
}

/* The Kerberos token inside an auth value: raw (auth_type 16) or SPNEGO's
 * mechanism token (auth_type 9). False when there is none. */
static bool find_kerberos_token(const iiss_dce_pdu *v, const uint8_t *value, size_t len, iiss_krb_token *tok)
{
    if (v->auth_type == AUTH_TYPE_KERBEROS)
        return iiss_krb_parse_token(value, len, tok) != IISS_KRB_TOKEN_NONE;
    if (v->auth_type != AUTH_TYPE_SPNEGO)
        return false;
    iiss_spnego_token sp;
    if (!iiss_spnego_parse(value, len, &sp) || !sp.mech_token.data)
        return false;
    return iiss_krb_parse_token(sp.mech_token.data, sp.mech_token.len, tok) != IISS_KRB_TOKEN_NONE;
}

/* A Kerberos token of the exchange (kerberos_session.c does the crypto). */
static void on_kerberos_token(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, bool from_server,
                              const iiss_krb_token *tok, uint64_t frame)
{
    bool with_keys = iiss_credentials_krb_count(auth->cfg.credentials) > 0;
    if (tok->kind == IISS_KRB_TOKEN_AP_REQ && !from_server) {
        /* A new context: the service is in clear, the caller is not. */
        iiss_ntlm_identity *id = identity_of(auth, conn);
        if (id) {
            memset(id, 0, sizeof *id);
            join_text(id->service_principal, sizeof id->service_principal, tok->service, "@", tok->realm);
            id->ticket_enctype = tok->ticket.etype;
            id->authenticator_enctype = tok->authenticator.etype;
            id->has_ticket_kvno = tok->ticket.has_kvno;
            id->ticket_kvno = tok->ticket.kvno;
        }
        conn->credential = NULL;
        conn->has_conn_note = false;
    }
    if (tok->kind == IISS_KRB_TOKEN_ERROR) {
        iiss_note *n = conn_note(conn);
        if (n)
            iiss_note_set(n, IISS_NOTE_NOT_DECRYPTED, frame, "the server refused the Kerberos exchange (KRB-ERROR %u)",
                     (unsigned)tok->error_code);
        return;
    }
    if (!with_keys) {
        /* Passwords or NT hashes cannot open a ticket: say what would. */
        iiss_note *n = tok->kind == IISS_KRB_TOKEN_AP_REQ && !from_server &&
                               iiss_credentials_count(auth->cfg.credentials) > 0
                           ? conn_note(conn)
                           : NULL;
        if (n)
            iiss_note_set(n, IISS_NOTE_NOT_DECRYPTED, frame,
                          "Kerberos: only a keytab with the key of %s (-K) opens this connection",
                          conn->identity ? conn->identity->service_principal : "its service");
        return;
    }
    if (!conn->krb) {
        if (tok->kind != IISS_KRB_TOKEN_AP_REQ)
            return;
        conn->krb = malloc(sizeof *conn->krb);
        if (!conn->krb) {
            count_alloc_failure(auth); /* the connection stays sealed */
            return;
        }
        iiss_krb_session_init(conn->krb, auth->cfg.credentials, auth->krb_ctx);
    }
    iiss_krb_session *ks = conn->krb;
    iiss_krb_session_on_token(ks, from_server, tok);
    char enctype[96];
    if (tok->kind == IISS_KRB_TOKEN_AP_REQ && !from_server) {
        iiss_krb_enctype_text(tok->ticket.etype, enctype, sizeof enctype);
        const char *principal = conn->identity ? conn->identity->service_principal : "?";
        iiss_note *n = NULL;
        switch (ks->fit) {
        case IISS_KRB_FIT_OK:
            conn->credential = ks->service_key->label;
            if (conn->identity) {
                join_text(conn->identity->user, sizeof conn->identity->user, ks->client, "", "");
                join_text(conn->identity->domain, sizeof conn->identity->domain, ks->client_realm, "", "");
            }
            break;
        case IISS_KRB_FIT_NONE:
            if ((n = conn_note(conn)) != NULL) {
                if (tok->ticket.has_kvno)
                    iiss_note_set(n, IISS_NOTE_NOT_DECRYPTED, frame,
                                  "no keytab key opens the ticket for %s (%s, kvno %u)",
                             principal, enctype, (unsigned)tok->ticket.kvno);
                else
                    iiss_note_set(n, IISS_NOTE_NOT_DECRYPTED, frame, "no keytab key opens the ticket for %s (%s)",
                             principal, enctype);
            }
            break;
        case IISS_KRB_FIT_BAD_TICKET:
            if ((n = conn_note(conn)) != NULL)
                iiss_note_set(n, IISS_NOTE_NOT_DECRYPTED, frame, "the ticket for %s decrypts but cannot be read",
                              principal);
            break;
        case IISS_KRB_FIT_BAD_AUTHENTICATOR:
            if ((n = conn_note(conn)) != NULL)
                iiss_note_set(n, IISS_NOTE_NOT_DECRYPTED, frame,
                         "the AP-REQ's authenticator does not open with the ticket's session key");
            break;
        default:
            break;
        }
    } else if (tok->kind == IISS_KRB_TOKEN_AP_REP && from_server && ks->ap_rep_bad) {
        iiss_note *n = conn_note(conn);
        if (n)
            iiss_note_set(n, IISS_NOTE_NOT_DECRYPTED, frame,
                          "the AP-REP (frame %llu) does not open with the session key",
                     (unsigned long long)frame);
    }
}

/* An auth token of the security context exchange, from `sender`. */
static void on_token(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, iiss_ntlm_sender sender, const iiss_dce_pdu *v,
                     const iiss_packet_meta *meta)
{
    const uint8_t *value = v->data + v->auth_value_off;
    size_t len = v->len - v->auth_value_off;
    iiss_krb_token krb;
    if (find_kerberos_token(v, value, len, &krb)) {
        on_kerberos_token(auth, conn, sender == IISS_NTLM_SERVER, &krb, meta ? meta->frame : 0);
        return;
    }
    if (v->auth_type == AUTH_TYPE_KERBEROS) {
        /* Unreadable: say so once when a keytab was given to read it. */
        iiss_note *n = iiss_credentials_krb_count(auth->cfg.credentials) > 0 ? conn_note(conn) : NULL;
        if (n)
            iiss_note_set(n, IISS_NOTE_NOT_DECRYPTED, meta ? meta->frame : 0,
                     "the Kerberos token of frame %llu cannot be read (truncated or malformed)",
                     (unsigned long long)(meta ? meta->frame : 0));
        return;
    }
    bool ntlm_type = v->auth_type == AUTH_TYPE_SPNEGO || v->auth_type == AUTH_TYPE_NTLMSSP;
    if (iiss_credentials_count(auth->cfg.credentials) == 0 || !ntlm_type) {
        read_identity(auth, conn, value, len);
        return;
    }
    if (!conn->ntlm) {
        conn->ntlm = malloc(sizeof *conn->ntlm);
        if (!conn->ntlm) {
            count_alloc_failure(auth); /* the connection stays sealed */
            read_identity(auth, conn, value, len);
            return;
        }
        iiss_ntlm_session_init(conn->ntlm, auth->cfg.credentials);
    }
    iiss_ntlm_token_result r;
    iiss_ntlm_session_on_token(conn->ntlm, v->auth_type, sender, value, len, &r);
    /* The names are read from the NTLMSSP message itself when it was found
     * inside (SPNEGO), else by the identity reader's own search. */
    if (r.is_ntlmssp)
        read_identity(auth, conn, r.message, r.message_len);
    else
        read_identity(auth, conn, value, len);
    uint64_t frame = meta ? meta->frame : 0;
    if (r.is_ntlmssp && r.message_type == IISS_NTLM_CHALLENGE) {
        /* A new handshake: what was said of the last one no longer holds. */
        conn->credential = NULL;
        conn->has_conn_note = false;
    } else if (r.is_ntlmssp && r.message_type == IISS_NTLM_AUTHENTICATE) {
        iiss_ntlm_fit fit = conn->ntlm->fit;
        conn->credential = fit == IISS_NTLM_FIT_OK ? conn->ntlm->credential->label : NULL;
        conn->lost[0] = conn->lost[1] = false;
        conn->lost_note_pending[0] = conn->lost_note_pending[1] = false;
        if (fit != IISS_NTLM_FIT_OK) {
            char account[2 * IISS_NTLM_NAME_MAX + 2];
            account_text(conn, account, sizeof account);
            iiss_note *n = conn_note(conn);
            if (n) {
                if (fit == IISS_NTLM_FIT_NONE)
                    iiss_note_set(n, IISS_NOTE_NOT_DECRYPTED, frame, "no credential fits %s", account);
                else
                    iiss_note_set(n, IISS_NOTE_NOT_DECRYPTED, frame, "%s: %s", account, iiss_ntlm_fit_message(fit));
            }
        }
    }
    if (r.had_mic && conn->ntlm->mic[sender] == IISS_NTLM_MIC_INVALID) {
        iiss_note *n = conn_note(conn);
        if (n)
            iiss_note_set(n, IISS_NOTE_SIGNATURE_INVALID, frame, "the %s's SPNEGO mechListMIC (frame %llu) does not verify",
                     sender == IISS_NTLM_CLIENT ? "client" : "server", (unsigned long long)frame);
    }
}

static bool grow_plain(iiss_dce_auth *auth, size_t need)
{
    if (need <= auth->plain_cap)
        return true;
    uint8_t *p = malloc(need);
    if (!p) {
        count_alloc_failure(auth); /* this PDU stays sealed */
        return false;
    }
    if (auth->plain) {
        iiss_wipe(auth->plain, auth->plain_cap);
        free(auth->plain);
    }
    auth->plain = p;
    auth->plain_cap = need;
    return true;
}

/* RC4 keystream passed over for body bytes the capture does not hold. */
static void skip_keystream(iiss_ntlm_channel *ch, size_t n)
{
    uint8_t scratch[512];
    while (n > 0) {
        size_t k = n < sizeof scratch ? n : sizeof scratch;
        memset(scratch, 0, k);
        iiss_ntlm_channel_crypt(ch, scratch, k);
        n -= k;
    }
    iiss_wipe(scratch, sizeof scratch);
}

typedef enum protect_result {
    PROTECT_NONE,       /* not protected with keys we hold */
    PROTECT_LOST,       /* protected, but the direction's state was lost */
    PROTECT_VERIFIED,
    PROTECT_INVALID,
    PROTECT_UNVERIFIABLE, /* cut short by the capture: unsealed as far as present */
} protect_result;

/* Unseals (PKT_PRIVACY) and verifies one protected PDU with the sender's
 * channel. The plaintext body lands in auth->plain. */
/* Where a protected PDU's body ends (the sec_trailer starts), per the
 * header's lengths; 0 when they do not add up. */
static size_t trailer_offset(const iiss_dce_pdu *v)
{
    return v->frag_length >= (size_t)v->auth_length + IISS_DCE_SEC_TRAILER_LEN
               ? v->frag_length - v->auth_length - IISS_DCE_SEC_TRAILER_LEN
               : 0;
}

/* A sealed PDU of a Kerberos context: its CFX token unwrapped on its own.
 * The plaintext body lands in auth->plain; *why says what went wrong. */
static protect_result unprotect_kerberos(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, const iiss_dce_pdu *v,
                                         size_t body_off, bool *privacy, iiss_note *why, bool *has_why)
{
    uint8_t level = v->has_auth ? v->auth_level : conn->bind_auth_level;
    if (level != IISS_DCE_AUTH_LEVEL_PKT_PRIVACY)
        return PROTECT_NONE; /* PKT_INTEGRITY: the stub is in clear, its MIC is not checked here */
    *privacy = true;
    bool from_server = v->ptype != IISS_DCE_REQUEST;
    size_t trailer_off = trailer_offset(v);
    const char *what = v->ptype == IISS_DCE_REQUEST ? "request" : v->ptype == IISS_DCE_FAULT ? "fault" : "response";
    if (v->truncated || !v->has_auth || trailer_off < body_off) {
        *has_why = true;
        iiss_note_set(why, IISS_NOTE_NOT_DECRYPTED, 0,
                      "this sealed %s is cut short: its Kerberos token cannot be checked",
                 what);
        return PROTECT_NONE;
    }
    size_t body_len = trailer_off - body_off;
    if (!grow_plain(auth, body_len ? body_len : 1))
        return PROTECT_NONE;
    iiss_krb_unwrap_result r = iiss_krb_session_unwrap(
        conn->krb, from_server, conn->header_sign_offered && conn->header_sign_accepted, v->data, body_off,
        v->data + body_off, auth->plain, body_len, v->data + trailer_off, IISS_DCE_SEC_TRAILER_LEN,
        v->data + v->auth_value_off, v->len - v->auth_value_off);
    switch (r) {
    case IISS_KRB_UNWRAP_OK:
        return PROTECT_VERIFIED;
    case IISS_KRB_UNWRAP_INVALID:
        return PROTECT_INVALID;
    case IISS_KRB_UNWRAP_NO_KEY:
        *has_why = true;
        iiss_note_set(why, IISS_NOTE_NOT_DECRYPTED, 0,
                 conn->krb->ap_rep_seen ? "the key this %s is sealed with was not in the AP-REP"
                                        : "the AP-REP is not in the capture: the acceptor subkey sealing this %s "
                                          "is unknown",
                 what);
        return PROTECT_NONE;
    default:
        *has_why = true;
        iiss_note_set(why, IISS_NOTE_NOT_DECRYPTED, 0,
                      "the Kerberos token of this %s is not a sealed DCE-style wrap token",
                 what);
        return PROTECT_NONE;
    }
}

static protect_result unprotect(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, const iiss_dce_pdu *v,
                                size_t body_off, bool *privacy, iiss_note *why, bool *has_why)
{
    uint8_t auth_type = v->has_auth ? v->auth_type : conn->bind_auth_type;
    if (conn->krb && conn->krb->fit == IISS_KRB_FIT_OK && v->auth_length > 0 &&
        (auth_type == AUTH_TYPE_KERBEROS || auth_type == AUTH_TYPE_SPNEGO))
        return unprotect_kerberos(auth, conn, v, body_off, privacy, why, has_why);
    iiss_ntlm_session *s = conn->ntlm;
    if (!s || !iiss_ntlm_session_has_keys(s) || v->auth_length == 0)
        return PROTECT_NONE;
    /* The PDU's own sec_trailer says how it is protected; a PDU cut before
     * its trailer is taken to be protected as the client's bind asked. */
    uint8_t type = v->has_auth ? v->auth_type : conn->bind_auth_type;
    uint8_t level = v->has_auth ? v->auth_level : conn->bind_auth_level;
    if ((type != AUTH_TYPE_SPNEGO && type != AUTH_TYPE_NTLMSSP) || level < IISS_DCE_AUTH_LEVEL_PKT_INTEGRITY)
        return PROTECT_NONE;
    *privacy = level == IISS_DCE_AUTH_LEVEL_PKT_PRIVACY;
    /* Requests come from the client, responses and faults from the server,
     * whichever way a midstream join guessed the directions. */
    iiss_ntlm_sender sender = v->ptype == IISS_DCE_REQUEST ? IISS_NTLM_CLIENT : IISS_NTLM_SERVER;
    iiss_ntlm_channel *ch = iiss_ntlm_session_channel(s, sender);
    if (conn->lost[sender])
        return PROTECT_LOST;

    /* Body: from body_off up to the sec_trailer, per the header's lengths. */
    size_t trailer_off = trailer_offset(v);
    if (trailer_off < body_off) {
        /* Inconsistent lengths: nothing to unseal, and the state cannot be
         * kept in step; treat the direction as lost. */
        conn->lost[sender] = true;
        return PROTECT_LOST;
    }
    size_t body_len = trailer_off - body_off;
    size_t present = v->len > body_off ? v->len - body_off : 0;
    if (present > body_len)
        present = body_len;
    if (!grow_plain(auth, body_len ? body_len : 1)) {
        conn->lost[sender] = true;
        return PROTECT_LOST;
    }
    if (present)
        memcpy(auth->plain, v->data + body_off, present);
    if (*privacy)
        iiss_ntlm_channel_crypt(ch, auth->plain, present);

    iiss_ntlm_span body = {auth->plain, present};
    if (v->truncated || !v->has_auth) {
        /* The rest of the body and the signature are not in the capture:
         * move the state past them as the sender did. */
        if (*privacy)
            skip_keystream(ch, body_len - present);
        uint8_t scratch[IISS_NTLM_SIGNATURE_LEN];
        iiss_ntlm_channel_sign(ch, &body, 1, &body, scratch);
        return PROTECT_UNVERIFIABLE;
    }
    /* Signed: the header (up to the body), the plaintext body and the
     * sec_trailer; the verifier follows (MS-RPCE 3.3.1.5.2.2). */
    iiss_ntlm_span parts[3] = {
        {v->data, body_off},
        body,
        {v->data + trailer_off, IISS_DCE_SEC_TRAILER_LEN},
    };
    const uint8_t *sig = v->data + v->auth_value_off;
    size_t sig_len = v->len - v->auth_value_off;
    bool ok = iiss_ntlm_channel_verify(ch, parts, 3, &body, sig, sig_len);
    return ok ? PROTECT_VERIFIED : PROTECT_INVALID;
}

void iiss_dce_auth_on_pdu(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, iiss_direction dir,
                          const iiss_dce_pdu *pdu, const iiss_packet_meta *meta)
{
    (void)dir;
    bool has_value = pdu->has_auth && pdu->auth_value_off <= pdu->len;
    switch (pdu->ptype) {
    case IISS_DCE_BIND:
    case IISS_DCE_ALTER_CONTEXT:
    case IISS_DCE_AUTH3:
        if (pdu->ptype != IISS_DCE_AUTH3 && pdu->has_auth)
            conn->header_sign_offered = (pdu->flags & PFC_SUPPORT_HEADER_SIGN) != 0;
        note_client_auth(conn, pdu);
        if (has_value)
            on_token(auth, conn, IISS_NTLM_CLIENT, pdu, meta);
        break;
    case IISS_DCE_BIND_ACK:
    case IISS_DCE_ALTER_CONTEXT_RESP:
        if (pdu->has_auth)
            conn->header_sign_accepted = (pdu->flags & PFC_SUPPORT_HEADER_SIGN) != 0;
        if (has_value)
            on_token(auth, conn, IISS_NTLM_SERVER, pdu, meta);
        break;
    default:
        break;
    }
}

static void add_note(iiss_dce_auth_stub *out, const iiss_note *n)
{
    if (out->note_count < IISS_DCE_AUTH_STUB_NOTES)
        out->notes[out->note_count++] = *n;
}

void iiss_dce_auth_stub_of(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, iiss_direction dir,
                           const iiss_dce_pdu *pdu, size_t stub_off, size_t stub_len, iiss_dce_auth_stub *out)
{
    (void)dir;
    memset(out, 0, sizeof *out);
    out->sealed = iiss_dce_pdu_sealed(pdu);
    bool privacy = false, has_why = false;
    iiss_note why;
    protect_result r = unprotect(auth, conn, pdu, stub_off, &privacy, &why, &has_why);
    if (has_why)
        add_note(out, &why);
    if (r == PROTECT_NONE || r == PROTECT_LOST) {
        /* A PDU cut before its sec_trailer on a connection whose bind asked
         * for PKT_PRIVACY is ciphertext all the same. */
        if (!pdu->has_auth && pdu->auth_length > 0 && conn->bind_auth_level == IISS_DCE_AUTH_LEVEL_PKT_PRIVACY)
            out->sealed = true;
        if (r == PROTECT_LOST && privacy)
            out->sealed = true;
        int side = pdu->ptype == IISS_DCE_REQUEST ? IISS_NTLM_CLIENT : IISS_NTLM_SERVER;
        if (r == PROTECT_LOST && conn->lost_note_pending[side]) {
            add_note(out, &conn->lost_note[side]);
            conn->lost_note_pending[side] = false;
        }
        if (!out->sealed && stub_off <= pdu->len) {
            out->stub = pdu->data + stub_off;
            out->stub_len = stub_len;
        }
        return; /* no keys: ciphertext is no stub */
    }
    out->sealed = privacy;
    const char *what = pdu->ptype == IISS_DCE_REQUEST ? "request" : pdu->ptype == IISS_DCE_FAULT ? "fault" : "response";
    const char *check = conn->krb && conn->krb->fit == IISS_KRB_FIT_OK ? "Kerberos checksum" : "NTLMSSP signature";
    switch (r) {
    case PROTECT_VERIFIED:
    case PROTECT_UNVERIFIABLE:
        out->verified = r == PROTECT_VERIFIED ? IISS_DCE_VERIFIED_TRUE : IISS_DCE_VERIFIED_UNKNOWN;
        out->decrypted = privacy;
        out->stub = privacy ? auth->plain : pdu->data + stub_off;
        out->stub_len = stub_len;
        break;
    case PROTECT_INVALID: {
        out->verified = IISS_DCE_VERIFIED_FALSE;
        iiss_note n;
        if (privacy) {
            /* Never show values read from a body that failed its check. */
            iiss_note_set(&n, IISS_NOTE_SIGNATURE_INVALID, 0,
                     "the %s of this sealed %s does not verify: its stub is not shown", check, what);
        } else {
            out->stub = pdu->data + stub_off;
            out->stub_len = stub_len;
            iiss_note_set(&n, IISS_NOTE_SIGNATURE_INVALID, 0,
                     "the %s of this %s does not verify: the stub may have been altered", check, what);
        }
        add_note(out, &n);
        break;
    }
    default:
        break;
    }
}

void iiss_dce_auth_on_gap(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, iiss_direction dir,
                          const iiss_packet_meta *meta)
{
    (void)auth;
    if (!conn->ntlm || !iiss_ntlm_session_has_keys(conn->ntlm))
        return;
    /* The requests' direction is the client's; without extended session
     * security one RC4 state serves both directions. */
    int side = dir == IISS_DIR_CLIENT_TO_SERVER ? IISS_NTLM_CLIENT : IISS_NTLM_SERVER;
    bool shared = !(conn->ntlm->flags & IISS_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY);
    for (int s = 0; s < 2; s++) {
        if ((s != side && !shared) || conn->lost[s])
            continue;
        conn->lost[s] = true;
        conn->lost_note_pending[s] = true;
        iiss_note_set(&conn->lost_note[s], IISS_NOTE_NOT_DECRYPTED, meta ? meta->frame : 0,
                 "bytes lost before frame %llu: the RC4 state of the %s cannot be followed, later PDUs are not "
                 "decrypted",
                 (unsigned long long)(meta ? meta->frame : 0), side == IISS_NTLM_CLIENT ? "client" : "server");
    }
}
