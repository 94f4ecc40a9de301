/* iissdump's credential options (--password, --password-file, --nt-hash,
 * --nt-hashes, -K/--keytab) into one credential store. */
#ifndef IISSDUMP_CREDENTIAL_OPTIONS_H
#define IISSDUMP_CREDENTIAL_OPTIONS_H

#include <stddef.h>

#include "credentials.h"

typedef struct iissdump_credential_options {
    char **passwords; /* NULL-terminated lists, each may be NULL */
    char **password_files;
    char **nt_hashes;
    char **nt_hash_files;
    char **keytabs;
} iissdump_credential_options;

/* The store, in the order: passwords, password files, NT hashes, NT hash
 * files, keytabs (so "password #N" counts command-line passwords first).
 * NULL with *err empty when no credential option was given; NULL with *err
 * set on an unusable option (a usage error). Warnings (lines ignored, a
 * keytab without RC4-HMAC key) go to stderr. Never writes a secret. */
iiss_credentials *iissdump_credentials_load(const iissdump_credential_options *opts, char *err, size_t err_len);

/* Overwrites the secret option strings (passwords, NT hashes) before they
 * are freed. */
void iissdump_credential_options_wipe(iissdump_credential_options *opts);

#endif
