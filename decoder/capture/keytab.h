/* Keytab files (MIT krb5's krb5_kt_* reader): every RC4-HMAC key (etype 23,
 * RFC 4757) is the account's NT hash, so it serves NTLM as Wireshark uses
 * it. Keys of other types are for Kerberos and only counted here. Each key
 * is labelled "keytab FILE entry PRINCIPAL" (with " kvno N" when one
 * principal has several). */
#ifndef IISS_KEYTAB_H
#define IISS_KEYTAB_H

#include <stddef.h>

#include "credentials.h"

#define IISS_KEYTAB_MESSAGE_MAX 512

typedef struct iiss_keytab_result {
    size_t rc4_keys;   /* added to the store */
    size_t other_keys; /* other encryption types, not used for NTLM */
    char message[IISS_KEYTAB_MESSAGE_MAX]; /* why it failed; "" otherwise */
} iiss_keytab_result;

/* 0 when the keytab was read (even with no RC4 key in it: see rc4_keys),
 * -1 when it could not be read. */
int iiss_credentials_read_keytab(iiss_credentials *creds, const char *path, iiss_keytab_result *result);

#endif
