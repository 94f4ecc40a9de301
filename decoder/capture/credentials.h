/* The credentials a reviewer holds, as NT hashes (MD4 of the UTF-16LE
 * password, MS-NLMP 3.3.1 NTOWFv1): passwords are hashed when added, NT
 * hashes are taken as given, keytab RC4-HMAC keys (etype 23) are the same
 * hash. Every entry carries a label that says where it came from and never
 * the secret ("password #2", "nt-hash CORP\iisops", "keytab FILE entry
 * PRINC"); that label is what the output names as the credential that fitted.
 *
 * The store wipes its secrets when freed. It holds at most
 * IISS_CREDENTIALS_MAX entries (a domain dump has tens of thousands). */
#ifndef IISS_CREDENTIALS_H
#define IISS_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IISS_CREDENTIALS_MAX (1u << 20)
#define IISS_CREDENTIAL_LABEL_MAX 192
#define IISS_CREDENTIAL_NAME_MAX 96
#define IISS_NT_HASH_LEN 16

typedef enum iiss_credential_source {
    IISS_CREDENTIAL_PASSWORD = 0,
    IISS_CREDENTIAL_NT_HASH,
    IISS_CREDENTIAL_KEYTAB,
} iiss_credential_source;

typedef struct iiss_credential {
    iiss_credential_source source;
    uint8_t nt_hash[IISS_NT_HASH_LEN];
    char label[IISS_CREDENTIAL_LABEL_MAX];
    /* The account the credential is said to belong to ("" when unknown):
     * tried first for a connection of that user, never required. */
    char domain[IISS_CREDENTIAL_NAME_MAX];
    char user[IISS_CREDENTIAL_NAME_MAX];
} iiss_credential;

typedef struct iiss_credentials iiss_credentials;

iiss_credentials *iiss_credentials_new(void);
/* Wipes every secret, then frees. NULL is fine. */
void iiss_credentials_free(iiss_credentials *creds);

size_t iiss_credentials_count(const iiss_credentials *creds);
/* NULL past the end. */
const iiss_credential *iiss_credentials_get(const iiss_credentials *creds, size_t index);

typedef enum iiss_credential_status {
    IISS_CREDENTIAL_OK = 0,
    IISS_CREDENTIAL_BAD_TEXT,  /* a password that is not UTF-8, or longer than IISS_PASSWORD_MAX */
    IISS_CREDENTIAL_BAD_HEX,   /* not 32 hexadecimal digits */
    IISS_CREDENTIAL_FULL,      /* IISS_CREDENTIALS_MAX reached */
    IISS_CREDENTIAL_NO_MEMORY,
    IISS_CREDENTIAL_CRYPTO,    /* libgcrypt refused MD4 (FIPS mode) */
} iiss_credential_status;

/* Windows accepts passwords of up to 256 characters. */
#define IISS_PASSWORD_MAX 1024

/* A UTF-8 password; labelled "password #N" (N counts the passwords added). */
iiss_credential_status iiss_credentials_add_password(iiss_credentials *creds, const char *password);
/* An NT hash as 32 hex digits (either case). `account` ("DOMAIN\user",
 * "user" or NULL) labels it "nt-hash ACCOUNT", else "nt-hash #N". */
iiss_credential_status iiss_credentials_add_nt_hash_hex(iiss_credentials *creds, const char *hex, size_t hex_len,
                                                        const char *account);
/* A raw NT-hash-equivalent key with a ready label (the keytab reader). */
iiss_credential_status iiss_credentials_add_key(iiss_credentials *creds, iiss_credential_source source,
                                                const uint8_t key[IISS_NT_HASH_LEN], const char *label,
                                                const char *domain, const char *user);

/* A Kerberos long-term key from a keytab (RFC 3961 enctype numbers: 17
 * and 18 AES-CTS-HMAC-SHA1-96, 23 RC4-HMAC ...), for service tickets. Its
 * label names the entry (file, principal, kvno, enctype), never the key. */
#define IISS_KRB_KEY_MAX 64
typedef struct iiss_krb_key {
    char principal[IISS_CREDENTIAL_LABEL_MAX]; /* "host/web01.contoso.local@CONTOSO.LOCAL" */
    uint32_t kvno;
    int32_t enctype;
    size_t key_len;
    uint8_t key[IISS_KRB_KEY_MAX];
    char label[IISS_CREDENTIAL_LABEL_MAX];
} iiss_krb_key;

/* A key of `key_len` (at most IISS_KRB_KEY_MAX) bytes. */
iiss_credential_status iiss_credentials_add_krb_key(iiss_credentials *creds, const char *principal, uint32_t kvno,
                                                    int32_t enctype, const uint8_t *key, size_t key_len,
                                                    const char *label);
size_t iiss_credentials_krb_count(const iiss_credentials *creds);
/* NULL past the end. */
const iiss_krb_key *iiss_credentials_krb_get(const iiss_credentials *creds, size_t index);

/* "password is not valid UTF-8" ...: for messages, never with the secret. */
const char *iiss_credential_status_message(iiss_credential_status status);

/* Parses 32 hex digits into 16 bytes; false otherwise. */
bool iiss_parse_nt_hash_hex(const char *hex, size_t len, uint8_t out[IISS_NT_HASH_LEN]);

/* Overwrites n bytes in a way the compiler keeps. */
void iiss_wipe(void *p, size_t n);

#endif
