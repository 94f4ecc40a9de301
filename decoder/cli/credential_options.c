/* Loading the credential options; see credential_options.h. */
#include "credential_options.h"

#include <stdio.h>
#include <string.h>

#include "credential_files.h"
#include "keytab.h"

static size_t count_of(char **list)
{
    size_t n = 0;
    while (list && list[n])
        n++;
    return n;
}

iiss_credentials *iissdump_credentials_load(const iissdump_credential_options *o, char *err, size_t err_len)
{
    err[0] = '\0';
    if (count_of(o->passwords) + count_of(o->password_files) + count_of(o->nt_hashes) +
            count_of(o->nt_hash_files) + count_of(o->keytabs) ==
        0)
        return NULL;
    iiss_credentials *c = iiss_credentials_new();
    if (!c) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < count_of(o->passwords); i++) {
        iiss_credential_status st = iiss_credentials_add_password(c, o->passwords[i]);
        if (st != IISS_CREDENTIAL_OK) {
            snprintf(err, err_len, "--password #%zu: %s", i + 1, iiss_credential_status_message(st));
            goto fail;
        }
    }
    for (size_t i = 0; i < count_of(o->password_files); i++) {
        iiss_credential_file_result r;
        if (iiss_credentials_read_password_file(c, o->password_files[i], &r) != 0) {
            snprintf(err, err_len, "--password-file %s", r.message);
            goto fail;
        }
    }
    for (size_t i = 0; i < count_of(o->nt_hashes); i++) {
        const char *h = o->nt_hashes[i];
        iiss_credential_status st = iiss_credentials_add_nt_hash_hex(c, h, strlen(h), NULL);
        if (st != IISS_CREDENTIAL_OK) {
            snprintf(err, err_len, "--nt-hash #%zu: %s", i + 1, iiss_credential_status_message(st));
            goto fail;
        }
    }
    for (size_t i = 0; i < count_of(o->nt_hash_files); i++) {
        iiss_credential_file_result r;
        if (iiss_credentials_read_nt_hashes_file(c, o->nt_hash_files[i], &r) != 0) {
            snprintf(err, err_len, "--nt-hashes %s", r.message);
            goto fail;
        }
        if (r.message[0])
            fprintf(stderr, "iissdump: --nt-hashes %s\n", r.message);
    }
    for (size_t i = 0; i < count_of(o->keytabs); i++) {
        iiss_keytab_result r;
        if (iiss_credentials_read_keytab(c, o->keytabs[i], &r) != 0) {
            snprintf(err, err_len, "--keytab %s", r.message);
            goto fail;
        }
        if (r.kerberos_keys == 0)
            fprintf(stderr, "iissdump: --keytab %s: no key in it\n", o->keytabs[i]);
    }
    return c;
fail:
    iiss_credentials_free(c);
    return NULL;
}

static void wipe_list(char **list)
{
    for (size_t i = 0; list && list[i]; i++)
        iiss_wipe(list[i], strlen(list[i]));
}

void iissdump_credential_options_wipe(iissdump_credential_options *o)
{
    wipe_list(o->passwords);
    wipe_list(o->nt_hashes);
}
