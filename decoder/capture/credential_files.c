/* Reading --password-file and --nt-hashes files. Lines are read into a
 * fixed buffer: a line longer than it is reported, never allocated for. */
#include "credential_files.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define LINE_MAX_BYTES 4096

typedef enum line_status { LINE_OK, LINE_TOO_LONG, LINE_EOF, LINE_ERROR } line_status;

/* Reads one line without its "\n" / "\r\n" into buf (NUL-terminated, may
 * hold NUL bytes: *len is authoritative). A too-long line is consumed to
 * its end. */
static line_status read_line(FILE *f, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    bool too_long = false;
    int ch;
    bool any = false;
    while ((ch = getc(f)) != EOF) {
        any = true;
        if (ch == '\n')
            break;
        if (n + 1 < cap)
            buf[n++] = (char)ch;
        else
            too_long = true;
    }
    if (ch == EOF && ferror(f))
        return LINE_ERROR;
    if (!any)
        return LINE_EOF;
    if (n > 0 && buf[n - 1] == '\r' && !too_long)
        n--;
    buf[n] = '\0';
    *len = n;
    return too_long ? LINE_TOO_LONG : LINE_OK;
}

static FILE *open_file(const char *path, iiss_credential_file_result *result)
{
    memset(result, 0, sizeof *result);
    FILE *f = fopen(path, "rb");
    if (!f)
        snprintf(result->message, sizeof result->message, "%s: %s", path, strerror(errno));
    return f;
}

int iiss_credentials_read_password_file(iiss_credentials *creds, const char *path,
                                        iiss_credential_file_result *result)
{
    FILE *f = open_file(path, result);
    if (!f)
        return -1;
    char line[LINE_MAX_BYTES];
    size_t len = 0, number = 0;
    int rc = 0;
    line_status ls;
    while ((ls = read_line(f, line, sizeof line, &len)) != LINE_EOF) {
        number++;
        if (ls == LINE_ERROR) {
            snprintf(result->message, sizeof result->message, "%s: read error after line %zu", path, number - 1);
            rc = -1;
            break;
        }
        if (ls == LINE_TOO_LONG) {
            snprintf(result->message, sizeof result->message, "%s: line %zu is too long for a password", path,
                     number);
            rc = -1;
            break;
        }
        if (len == 0)
            continue;
        if (memchr(line, '\0', len)) {
            snprintf(result->message, sizeof result->message, "%s: line %zu holds a NUL byte", path, number);
            rc = -1;
            break;
        }
        iiss_credential_status st = iiss_credentials_add_password(creds, line);
        if (st != IISS_CREDENTIAL_OK) {
            snprintf(result->message, sizeof result->message, "%s: line %zu: %s", path, number,
                     iiss_credential_status_message(st));
            rc = -1;
            break;
        }
        result->added++;
    }
    iiss_wipe(line, sizeof line);
    fclose(f);
    if (rc == 0 && result->added == 0) {
        snprintf(result->message, sizeof result->message, "%s: no password in the file", path);
        rc = -1;
    }
    return rc;
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool only_colons(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != ':')
            return false;
    return true;
}

static bool is_hex32(const char *s, size_t n)
{
    uint8_t scratch[IISS_NT_HASH_LEN];
    bool ok = iiss_parse_nt_hash_hex(s, n, scratch);
    iiss_wipe(scratch, sizeof scratch);
    return ok;
}

int iiss_credentials_add_nt_hash_line(iiss_credentials *creds, const char *line, size_t len, bool *skipped,
                                      iiss_credential_status *status)
{
    *skipped = false;
    *status = IISS_CREDENTIAL_OK;
    /* Surrounding blanks are no part of any field. */
    while (len > 0 && (line[0] == ' ' || line[0] == '\t')) {
        line++;
        len--;
    }
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
        len--;
    if (len == 0 || line[0] == '#') {
        *skipped = true;
        return 0;
    }
    if (memchr(line, '\0', len))
        return 0;
    /* Up to the first 4 ':'-separated fields. */
    const char *field[4];
    size_t field_len[4];
    size_t n_fields = 0;
    const char *p = line, *end = line + len;
    while (n_fields < 4) {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        field[n_fields] = p;
        field_len[n_fields] = colon ? (size_t)(colon - p) : (size_t)(end - p);
        n_fields++;
        if (!colon)
            break;
        p = colon + 1;
    }
    const char *hash = NULL;
    size_t account_len = 0;
    if (n_fields == 4 && all_digits(field[1], field_len[1]) && is_hex32(field[3], field_len[3]) &&
        (field_len[2] == 0 || is_hex32(field[2], field_len[2]))) {
        hash = field[3]; /* pwdump: ACCOUNT:RID:LM:NT::: */
        account_len = field_len[0];
    } else if (n_fields >= 2 && is_hex32(field[1], field_len[1]) && only_colons(field[1] + field_len[1], end)) {
        hash = field[1]; /* ACCOUNT:NT, perhaps followed by colons only */
        account_len = field_len[0];
    } else if (n_fields == 1 && is_hex32(field[0], field_len[0])) {
        hash = field[0];
    }
    if (!hash)
        return 0;
    char account[IISS_CREDENTIAL_NAME_MAX * 2 + 2];
    if (account_len >= sizeof account)
        account_len = sizeof account - 1;
    memcpy(account, line, account_len);
    account[account_len] = '\0';
    *status = iiss_credentials_add_nt_hash_hex(creds, hash, 2 * IISS_NT_HASH_LEN, account_len ? account : NULL);
    return *status == IISS_CREDENTIAL_OK ? 1 : -1;
}

int iiss_credentials_read_nt_hashes_file(iiss_credentials *creds, const char *path,
                                         iiss_credential_file_result *result)
{
    FILE *f = open_file(path, result);
    if (!f)
        return -1;
    char line[LINE_MAX_BYTES];
    size_t len = 0, number = 0;
    int rc = 0;
    line_status ls;
    while ((ls = read_line(f, line, sizeof line, &len)) != LINE_EOF) {
        number++;
        if (ls == LINE_ERROR) {
            snprintf(result->message, sizeof result->message, "%s: read error after line %zu", path, number - 1);
            rc = -1;
            break;
        }
        bool skipped = false;
        iiss_credential_status st = IISS_CREDENTIAL_OK;
        int got = ls == LINE_TOO_LONG ? 0 : iiss_credentials_add_nt_hash_line(creds, line, len, &skipped, &st);
        if (got < 0) {
            snprintf(result->message, sizeof result->message, "%s: line %zu: %s", path, number,
                     iiss_credential_status_message(st));
            rc = -1;
            break;
        }
        if (got > 0) {
            result->added++;
        } else if (!skipped) {
            if (result->ignored++ == 0)
                result->first_ignored_line = number;
        }
    }
    iiss_wipe(line, sizeof line);
    fclose(f);
    if (rc == 0 && result->added == 0) {
        snprintf(result->message, sizeof result->message, "%s: no NT hash in the file (%zu lines of no known form)",
                 path, result->ignored);
        rc = -1;
    } else if (rc == 0 && result->ignored > 0) {
        snprintf(result->message, sizeof result->message,
                 "%s: %zu lines of no known form ignored (the first: line %zu)", path, result->ignored,
                 result->first_ignored_line);
    }
    return rc;
}
