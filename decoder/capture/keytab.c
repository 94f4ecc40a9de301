/* Keytab reading through MIT krb5: every key for Kerberos, RC4-HMAC keys
 * also as NT hashes. */
#include "keytab.h"

#include <stdio.h>
#include <string.h>

#include <krb5/krb5.h>

#include "iiss/names.h"

static void set_error(iiss_keytab_result *result, krb5_context ctx, krb5_error_code code, const char *path,
                      const char *what)
{
    const char *text = ctx ? krb5_get_error_message(ctx, code) : NULL;
    snprintf(result->message, sizeof result->message, "%s: %s: %s", path, what, text ? text : "error");
    if (text)
        krb5_free_error_message(ctx, text);
}

/* Another key of this principal was already taken from this file. */
static bool label_taken(const iiss_credentials *creds, size_t first, const char *label)
{
    for (size_t i = first; i < iiss_credentials_count(creds); i++)
        if (strcmp(iiss_credentials_get(creds, i)->label, label) == 0)
            return true;
    return false;
}

/* The RC4-HMAC key as an NT hash, labelled "keytab FILE entry PRINC". */
static iiss_credential_status add_nt_hash(iiss_credentials *creds, size_t first, const char *path, const char *shown,
                                          const krb5_keytab_entry *entry)
{
    char label[IISS_CREDENTIAL_LABEL_MAX];
    snprintf(label, sizeof label, "keytab %s entry %s", path, shown);
    if (label_taken(creds, first, label))
        snprintf(label, sizeof label, "keytab %s entry %s kvno %u", path, shown, (unsigned)entry->vno);
    /* The account hint: the first component, and the realm. */
    char user[IISS_CREDENTIAL_NAME_MAX] = "", realm[IISS_CREDENTIAL_NAME_MAX] = "";
    const char *at = strrchr(shown, '@');
    size_t user_len = strcspn(shown, "/@");
    if (user_len >= sizeof user)
        user_len = sizeof user - 1;
    memcpy(user, shown, user_len);
    user[user_len] = '\0';
    if (at)
        snprintf(realm, sizeof realm, "%s", at + 1);
    return iiss_credentials_add_key(creds, IISS_CREDENTIAL_KEYTAB, entry->key.contents, label, realm, user);
}

/* Every key for Kerberos tickets: "keytab FILE entry PRINC kvno N ENCTYPE". */
static iiss_credential_status add_kerberos_key(iiss_credentials *creds, const char *path, const char *shown,
                                               const krb5_keytab_entry *entry)
{
    char enctype[64];
    const char *name = iiss_krb_enctype_name(entry->key.enctype);
    if (name)
        snprintf(enctype, sizeof enctype, "%s", name);
    else
        snprintf(enctype, sizeof enctype, "enctype %d", (int)entry->key.enctype);
    char label[IISS_CREDENTIAL_LABEL_MAX];
    snprintf(label, sizeof label, "keytab %s entry %s kvno %u %s", path, shown, (unsigned)entry->vno, enctype);
    return iiss_credentials_add_krb_key(creds, shown, entry->vno, entry->key.enctype, entry->key.contents,
                                        entry->key.length, label);
}

int iiss_credentials_read_keytab(iiss_credentials *creds, const char *path, iiss_keytab_result *result)
{
    memset(result, 0, sizeof *result);
    krb5_context ctx = NULL;
    krb5_error_code code = krb5_init_context(&ctx);
    if (code) {
        snprintf(result->message, sizeof result->message, "%s: cannot start MIT krb5 (error %ld)", path, (long)code);
        return -1;
    }
    char name[4096];
    snprintf(name, sizeof name, "FILE:%s", path);
    krb5_keytab kt = NULL;
    code = krb5_kt_resolve(ctx, name, &kt);
    if (code) {
        set_error(result, ctx, code, path, "cannot open the keytab");
        krb5_free_context(ctx);
        return -1;
    }
    krb5_kt_cursor cursor;
    code = krb5_kt_start_seq_get(ctx, kt, &cursor);
    if (code) {
        set_error(result, ctx, code, path, "cannot read the keytab");
        krb5_kt_close(ctx, kt);
        krb5_free_context(ctx);
        return -1;
    }
    size_t first = iiss_credentials_count(creds);
    int rc = 0;
    krb5_keytab_entry entry;
    while ((code = krb5_kt_next_entry(ctx, kt, &entry, &cursor)) == 0) {
        char *principal = NULL;
        if (krb5_unparse_name(ctx, entry.principal, &principal) != 0)
            principal = NULL;
        const char *shown = principal ? principal : "?";
        iiss_credential_status st = add_kerberos_key(creds, path, shown, &entry);
        if (st == IISS_CREDENTIAL_OK)
            result->kerberos_keys++;
        if (st == IISS_CREDENTIAL_OK && entry.key.enctype == ENCTYPE_ARCFOUR_HMAC &&
            entry.key.length == IISS_NT_HASH_LEN) {
            st = add_nt_hash(creds, first, path, shown, &entry);
            if (st == IISS_CREDENTIAL_OK)
                result->rc4_keys++;
        } else if (st == IISS_CREDENTIAL_OK) {
            result->other_keys++;
        }
        if (principal)
            krb5_free_unparsed_name(ctx, principal);
        krb5_free_keytab_entry_contents(ctx, &entry);
        if (st != IISS_CREDENTIAL_OK) {
            snprintf(result->message, sizeof result->message, "%s: %s", path, iiss_credential_status_message(st));
            rc = -1;
            break;
        }
    }
    if (rc == 0 && code != KRB5_KT_END) {
        set_error(result, ctx, code, path, "cannot read the keytab");
        rc = -1;
    }
    krb5_kt_end_seq_get(ctx, kt, &cursor);
    krb5_kt_close(ctx, kt);
    krb5_free_context(ctx);
    return rc;
}
