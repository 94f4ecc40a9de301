/* Credential files, so that secrets stay out of `ps` and shell history:
 *
 * --password-file: one password per line (UTF-8; the line ending, "\n" or
 *   "\r\n", is not part of it; empty lines are skipped).
 * --nt-hashes: NT hashes as a domain dump writes them,
 *   `DOMAIN\user:RID:LMHASH:NTHASH:::` (also without DOMAIN\), or
 *   `ACCOUNT:NTHASH`, or a bare `NTHASH`. Empty lines and lines starting with
 *   '#' are skipped; any other line that fits none of these forms is
 *   counted as ignored and its number reported (never its text).
 *
 * Messages name the file and the line number, never a line's content. */
#ifndef IISS_CREDENTIAL_FILES_H
#define IISS_CREDENTIAL_FILES_H

#include <stddef.h>

#include "credentials.h"

#define IISS_CREDENTIAL_FILE_MESSAGE_MAX 512

typedef struct iiss_credential_file_result {
    size_t added;
    size_t ignored;           /* --nt-hashes lines of no known form */
    size_t first_ignored_line; /* 1-based, 0 when none */
    /* Why the file failed, or a warning about ignored lines; "" when none. */
    char message[IISS_CREDENTIAL_FILE_MESSAGE_MAX];
} iiss_credential_file_result;

/* Both return 0 on success, -1 when the file could not be read or a line is
 * unusable (a password that is not UTF-8 or too long; in an --nt-hashes
 * file, a file from which nothing could be taken). */
int iiss_credentials_read_password_file(iiss_credentials *creds, const char *path,
                                        iiss_credential_file_result *result);
int iiss_credentials_read_nt_hashes_file(iiss_credentials *creds, const char *path,
                                         iiss_credential_file_result *result);

/* One --nt-hashes line (no line ending). Returns 1 when a hash was added,
 * 0 for a line of no known form (or empty / comment: *skipped true), -1 when
 * the store refused it (*status says why). */
int iiss_credentials_add_nt_hash_line(iiss_credentials *creds, const char *line, size_t len, bool *skipped,
                                      iiss_credential_status *status);

#endif
