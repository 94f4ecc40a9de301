/* The authentication stage; see dce_auth.h. */
#include "dce_auth.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntlmssp_session.h"

/* RPC_C_AUTHN_GSS_NEGOTIATE and RPC_C_AUTHN_WINNT (MS-RPCE 2.2.1.1.7). */
#define AUTH_TYPE_SPNEGO 9u
#define AUTH_TYPE_NTLMSSP 10u

struct iiss_dce_auth {
    iiss_dce_auth_config cfg;
    iiss_dce_stats *stats; /* alloc_failures is counted here */
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
    if (iiss_credentials_count(auth->cfg.credentials) == 0)
        auth->cfg.credentials = NULL;
    return auth;
}

void iiss_dce_auth_free(iiss_dce_auth *auth)
{
    if (!auth)
        return;
    if (auth->plain)
        iiss_wipe(auth->plain, auth->plain_cap);
    free(auth->plain);
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

/* An auth token of the security context exchange, from `sender`. */
static void on_token(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, iiss_ntlm_sender sender, const iiss_dce_pdu *v,
                     const iiss_packet_meta *meta)
{
    const uint8_t *value = v->data + v->auth_value_off;
    size_t len = v->len - v->auth_value_off;
    bool ntlm_type = v->auth_type == AUTH_TYPE_SPNEGO || v->auth_type == AUTH_TYPE_NTLMSSP;
    if (!auth->cfg.credentials || !ntlm_type) {
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
static protect_result unprotect(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, const iiss_dce_pdu *v,
                                size_t body_off, bool *privacy)
{
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
    size_t trailer_off = v->frag_length >= (size_t)v->auth_length + IISS_DCE_SEC_TRAILER_LEN
                             ? v->frag_length - v->auth_length - IISS_DCE_SEC_TRAILER_LEN
                             : 0;
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
        note_client_auth(conn, pdu);
        if (has_value)
            on_token(auth, conn, IISS_NTLM_CLIENT, pdu, meta);
        break;
    case IISS_DCE_BIND_ACK:
    case IISS_DCE_ALTER_CONTEXT_RESP:
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
    bool privacy = false;
    protect_result r = unprotect(auth, conn, pdu, stub_off, &privacy);
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
                     "the NTLMSSP signature of this sealed %s does not verify: its stub is not shown", what);
        } else {
            out->stub = pdu->data + stub_off;
            out->stub_len = stub_len;
            iiss_note_set(&n, IISS_NOTE_SIGNATURE_INVALID, 0,
                     "the NTLMSSP signature of this %s does not verify: the stub may have been altered", what);
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
