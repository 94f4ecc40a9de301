/* The credential store: a growable array of NT hashes with their labels. */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include "credentials.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntlmssp_crypto.h"

struct iiss_credentials {
    iiss_credential *items;
    size_t count;
    size_t cap;
    size_t passwords; /* numbering of "password #N" */
    size_t bare_hashes; /* numbering of "nt-hash #N" */
    iiss_krb_key *krb;  /* Kerberos keys from keytabs */
    size_t krb_count;
    size_t krb_cap;
};

void iiss_wipe(void *p, size_t n)
{
    /* A memset the compiler may not drop as a dead store (glibc 2.25),
     * at memset's speed: session state is wiped once per connection. */
    if (p && n)
        explicit_bzero(p, n);
}

iiss_credentials *iiss_credentials_new(void)
{
    return calloc(1, sizeof(iiss_credentials));
}

void iiss_credentials_free(iiss_credentials *creds)
{
    if (!creds)
        return;
    if (creds->items)
        iiss_wipe(creds->items, creds->cap * sizeof *creds->items);
    free(creds->items);
    if (creds->krb)
        iiss_wipe(creds->krb, creds->krb_cap * sizeof *creds->krb);
    free(creds->krb);
    free(creds);
}

size_t iiss_credentials_count(const iiss_credentials *creds)
{
    return creds ? creds->count : 0;
}

const iiss_credential *iiss_credentials_get(const iiss_credentials *creds, size_t index)
{
    return creds && index < creds->count ? &creds->items[index] : NULL;
}

/* A fresh zeroed slot, or NULL (*status says why). Growing copies the
 * secrets: the old block is wiped before it is freed. */
static iiss_credential *new_slot(iiss_credentials *creds, iiss_credential_status *status)
{
    if (creds->count >= IISS_CREDENTIALS_MAX) {
        *status = IISS_CREDENTIAL_FULL;
        return NULL;
    }
    if (creds->count == creds->cap) {
        size_t cap = creds->cap ? creds->cap * 2 : 8;
        if (cap > IISS_CREDENTIALS_MAX)
            cap = IISS_CREDENTIALS_MAX;
        iiss_credential *items = calloc(cap, sizeof *items);
        if (!items) {
            *status = IISS_CREDENTIAL_NO_MEMORY;
            return NULL;
        }
        if (creds->items) {
            memcpy(items, creds->items, creds->count * sizeof *items);
            iiss_wipe(creds->items, creds->cap * sizeof *creds->items);
            free(creds->items);
        }
        creds->items = items;
        creds->cap = cap;
    }
    iiss_credential *c = &creds->items[creds->count];
    memset(c, 0, sizeof *c);
    *status = IISS_CREDENTIAL_OK;
    return c;
}

static void copy_text(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* "DOMAIN\user" -> domain, user; "user" -> "", user. */
static void split_account(const char *account, char domain[IISS_CREDENTIAL_NAME_MAX],
                          char user[IISS_CREDENTIAL_NAME_MAX])
{
    domain[0] = user[0] = '\0';
    if (!account)
        return;
    const char *slash = strchr(account, '\\');
    if (slash) {
        size_t n = (size_t)(slash - account);
        if (n >= IISS_CREDENTIAL_NAME_MAX)
            n = IISS_CREDENTIAL_NAME_MAX - 1;
        memcpy(domain, account, n);
        domain[n] = '\0';
        copy_text(user, IISS_CREDENTIAL_NAME_MAX, slash + 1);
    } else {
        copy_text(user, IISS_CREDENTIAL_NAME_MAX, account);
    }
}

iiss_credential_status iiss_credentials_add_password(iiss_credentials *creds, const char *password)
{
    size_t len = strlen(password);
    if (len > IISS_PASSWORD_MAX)
        return IISS_CREDENTIAL_BAD_TEXT;
    if (!iiss_ntlm_crypto_ready())
        return IISS_CREDENTIAL_CRYPTO;
    iiss_credential_status status;
    iiss_credential *c = new_slot(creds, &status);
    if (!c)
        return status;
    if (!iiss_ntlm_nt_hash(password, len, c->nt_hash)) {
        iiss_wipe(c, sizeof *c);
        return IISS_CREDENTIAL_BAD_TEXT;
    }
    c->source = IISS_CREDENTIAL_PASSWORD;
    snprintf(c->label, sizeof c->label, "password #%zu", ++creds->passwords);
    creds->count++;
    return IISS_CREDENTIAL_OK;
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

bool iiss_parse_nt_hash_hex(const char *hex, size_t len, uint8_t out[IISS_NT_HASH_LEN])
{
    if (!hex || len != 2 * IISS_NT_HASH_LEN)
        return false;
    for (size_t i = 0; i < IISS_NT_HASH_LEN; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            iiss_wipe(out, IISS_NT_HASH_LEN);
            return false;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

iiss_credential_status iiss_credentials_add_nt_hash_hex(iiss_credentials *creds, const char *hex, size_t hex_len,
                                                        const char *account)
{
    uint8_t key[IISS_NT_HASH_LEN];
    if (!iiss_parse_nt_hash_hex(hex, hex_len, key))
        return IISS_CREDENTIAL_BAD_HEX;
    char label[IISS_CREDENTIAL_LABEL_MAX];
    if (account && account[0])
        snprintf(label, sizeof label, "nt-hash %s", account);
    else
        snprintf(label, sizeof label, "nt-hash #%zu", creds->bare_hashes + 1);
    char domain[IISS_CREDENTIAL_NAME_MAX], user[IISS_CREDENTIAL_NAME_MAX];
    split_account(account, domain, user);
    iiss_credential_status status = iiss_credentials_add_key(creds, IISS_CREDENTIAL_NT_HASH, key, label, domain, user);
    if (status == IISS_CREDENTIAL_OK && !(account && account[0]))
        creds->bare_hashes++;
    iiss_wipe(key, sizeof key);
    return status;
}

iiss_credential_status iiss_credentials_add_key(iiss_credentials *creds, iiss_credential_source source,
                                                const uint8_t key[IISS_NT_HASH_LEN], const char *label,
                                                const char *domain, const char *user)
{
    iiss_credential_status status;
    iiss_credential *c = new_slot(creds, &status);
    if (!c)
        return status;
    c->source = source;
    memcpy(c->nt_hash, key, IISS_NT_HASH_LEN);
    copy_text(c->label, sizeof c->label, label);
    copy_text(c->domain, sizeof c->domain, domain);
    copy_text(c->user, sizeof c->user, user);
    creds->count++;
    return IISS_CREDENTIAL_OK;
}

iiss_credential_status iiss_credentials_add_krb_key(iiss_credentials *creds, const char *principal, uint32_t kvno,
                                                    int32_t enctype, const uint8_t *key, size_t key_len,
                                                    const char *label)
{
    if (key_len > IISS_KRB_KEY_MAX)
        return IISS_CREDENTIAL_BAD_HEX;
    if (creds->krb_count >= IISS_CREDENTIALS_MAX)
        return IISS_CREDENTIAL_FULL;
    if (creds->krb_count == creds->krb_cap) {
        /* As new_slot: the old block is wiped before it is freed. */
        size_t cap = creds->krb_cap ? creds->krb_cap * 2 : 4;
        iiss_krb_key *items = calloc(cap, sizeof *items);
        if (!items)
            return IISS_CREDENTIAL_NO_MEMORY;
        if (creds->krb) {
            memcpy(items, creds->krb, creds->krb_count * sizeof *items);
            iiss_wipe(creds->krb, creds->krb_cap * sizeof *creds->krb);
            free(creds->krb);
        }
        creds->krb = items;
        creds->krb_cap = cap;
    }
    iiss_krb_key *k = &creds->krb[creds->krb_count];
    memset(k, 0, sizeof *k);
    copy_text(k->principal, sizeof k->principal, principal);
    k->kvno = kvno;
    k->enctype = enctype;
    k->key_len = key_len;
    memcpy(k->key, key, key_len);
    copy_text(k->label, sizeof k->label, label);
    creds->krb_count++;
    return IISS_CREDENTIAL_OK;
}

size_t iiss_credentials_krb_count(const iiss_credentials *creds)
{
    return creds ? creds->krb_count : 0;
}

const iiss_krb_key *iiss_credentials_krb_get(const iiss_credentials *creds, size_t index)
{
    return creds && index < creds->krb_count ? &creds->krb[index] : NULL;
}

const char *iiss_credential_status_message(iiss_credential_status status)
{
    switch (status) {
    case IISS_CREDENTIAL_OK: return "ok";
    case IISS_CREDENTIAL_BAD_TEXT: return "password is not valid UTF-8 or is longer than 1024 bytes";
    case IISS_CREDENTIAL_BAD_HEX: return "NT hash is not 32 hexadecimal digits";
    case IISS_CREDENTIAL_FULL: return "too many credentials (at most 1048576)";
    case IISS_CREDENTIAL_NO_MEMORY: return "out of memory";
    case IISS_CREDENTIAL_CRYPTO: return "libgcrypt offers no MD4 here (FIPS mode?)";
    }
    return "unknown error";
}
