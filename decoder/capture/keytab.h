/* Keytab files (MIT krb5's krb5_kt_* reader). Every key serves Kerberos
 * (service tickets), labelled "keytab FILE entry PRINCIPAL kvno N ENCTYPE".
 * Every RC4-HMAC key (etype 23, RFC 4757) is also the account's NT hash, so
 * it serves NTLM as Wireshark uses it, labelled "keytab FILE entry
 * PRINCIPAL" (with " kvno N" when one principal has several). */
#ifndef IISS_KEYTAB_H
#define IISS_KEYTAB_H

#include <stddef.h>

#include "credentials.h"

#define IISS_KEYTAB_MESSAGE_MAX 512

typedef struct iiss_keytab_result {
    size_t kerberos_keys; /* every key, for Kerberos */
    size_t rc4_keys;      /* RC4-HMAC keys, also added as NT hashes for NTLM */
    size_t other_keys;    /* other encryption types, not used for NTLM */
    char message[IISS_KEYTAB_MESSAGE_MAX]; /* why it failed; "" otherwise */
} iiss_keytab_result;

/* 0 when the keytab was read (even with no key of some kind: see the counts),
 * -1 when it could not be read. */
int iiss_credentials_read_keytab(iiss_credentials *creds, const char *path, iiss_keytab_result *result);

#endif
