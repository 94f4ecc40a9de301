/* The credential files the decoder's tests pass for the sealed samples,
 * written next to the captures: test credentials, committed on purpose. */
#ifndef SAMPLEGEN_CREDENTIAL_FILES_H
#define SAMPLEGEN_CREDENTIAL_FILES_H

#include <stddef.h>
#include <stdint.h>

/* <out_dir>/<name>: the lines given, each ended by a newline. 0 on success. */
int credential_write_lines(const char *out_dir, const char *name, const char *const *lines, size_t n_lines);

/* "DOMAIN\user:RID:LMHASH:NTHASH:::", as a domain controller dump writes it
 * (the LM hash of the empty password, as when LM hashes are not stored),
 * into out (at least 128 bytes). */
void credential_nt_hash_line(char *out, size_t out_size, const char *domain, const char *user, unsigned rid,
                             const uint8_t nt_hash[16]);

/* <out_dir>/<name>: an MIT keytab whose entries hold these NT hashes as
 * RC4-HMAC keys (etype 23), one per principal, kvno 1, a fixed timestamp
 * (written and read back with libkrb5's keytab functions). 0 on success. */
int credential_write_keytab(const char *out_dir, const char *name, const char *const *principals,
                            const uint8_t (*nt_hashes)[16], size_t n);

/* One keytab entry: a principal's key of one encryption type (RFC 3961
 * numbers: 18 AES256-CTS-HMAC-SHA1-96, 23 RC4-HMAC). */
typedef struct keytab_key {
    const char *principal;
    unsigned kvno;
    int enctype;
    const uint8_t *key;
    size_t key_len;
} keytab_key;

/* <out_dir>/<name>: an MIT keytab holding these entries, a fixed timestamp. */
int credential_write_keytab_keys(const char *out_dir, const char *name, const keytab_key *keys, size_t n);

#endif
