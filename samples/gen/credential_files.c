/* Password, NT-hash and keytab files for the sealed samples. */
#include "credential_files.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <krb5.h>

/* 2024-05-14T09:00:00Z: when the keytab entries were "exported". */
#define KEYTAB_TIMESTAMP 1715677200
#define KEYTAB_KVNO 1
/* aad3b435b51404ee aad3b435b51404ee: LMOWF of the empty password. */
static const char LM_HASH_OF_NOTHING[] = "aad3b435b51404eeaad3b435b51404ee";

static void path_of(char *out, size_t n, const char *dir, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

int credential_write_lines(const char *out_dir, const char *name, const char *const *lines, size_t n_lines)
{
    char path[4096];
    path_of(path, sizeof path, out_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return -1;
    }
    for (size_t i = 0; i < n_lines; i++)
        fprintf(f, "%s\n", lines[i]);
    return fclose(f) == 0 ? 0 : -1;
}

void credential_nt_hash_line(char *out, size_t out_size, const char *domain, const char *user, unsigned rid,
                             const uint8_t nt_hash[16])
{
    char hex[33];
    for (size_t i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", nt_hash[i]);
    snprintf(out, out_size, "%s\\%s:%u:%s:%s:::", domain, user, rid, LM_HASH_OF_NOTHING, hex);
}

/* One attempt: the entries into a fresh WRFILE keytab. MIT stamps each
 * entry with krb5_timeofday(), so the context's clock is set to the fixed
 * timestamp first (krb5_set_real_time). */
static krb5_error_code write_keytab_once(krb5_context ctx, const char *path, const keytab_key *keys, size_t n)
{
    char resolved[4200];
    /* A WRFILE keytab appends to an existing file: start from nothing. */
    if (unlink(path) != 0 && access(path, F_OK) == 0)
        return errno;
    snprintf(resolved, sizeof resolved, "WRFILE:%s", path);
    krb5_error_code err = krb5_set_real_time(ctx, KEYTAB_TIMESTAMP, 0);
    krb5_keytab keytab = NULL;
    if (!err)
        err = krb5_kt_resolve(ctx, resolved, &keytab);
    for (size_t i = 0; err == 0 && i < n; i++) {
        krb5_keytab_entry entry;
        memset(&entry, 0, sizeof entry);
        err = krb5_parse_name(ctx, keys[i].principal, &entry.principal);
        if (err)
            break;
        entry.vno = keys[i].kvno;
        entry.key.enctype = keys[i].enctype;
        entry.key.length = (unsigned)keys[i].key_len;
        entry.key.contents = (krb5_octet *)keys[i].key;
        err = krb5_kt_add_entry(ctx, keytab, &entry);
        krb5_free_principal(ctx, entry.principal);
    }
    if (keytab)
        krb5_kt_close(ctx, keytab);
    return err;
}

/* Did every entry get the fixed timestamp (no second passed meanwhile)? */
static bool keytab_stamped(krb5_context ctx, const char *path)
{
    char resolved[4200];
    snprintf(resolved, sizeof resolved, "FILE:%s", path);
    krb5_keytab keytab;
    if (krb5_kt_resolve(ctx, resolved, &keytab))
        return false;
    krb5_kt_cursor cursor;
    bool ok = krb5_kt_start_seq_get(ctx, keytab, &cursor) == 0;
    if (ok) {
        krb5_keytab_entry entry;
        while (krb5_kt_next_entry(ctx, keytab, &entry, &cursor) == 0) {
            ok = ok && entry.timestamp == KEYTAB_TIMESTAMP;
            krb5_free_keytab_entry_contents(ctx, &entry);
        }
        krb5_kt_end_seq_get(ctx, keytab, &cursor);
    }
    krb5_kt_close(ctx, keytab);
    return ok;
}

int credential_write_keytab_keys(const char *out_dir, const char *name, const keytab_key *keys, size_t n)
{
    char path[4096];
    path_of(path, sizeof path, out_dir, name);
    krb5_context ctx;
    if (krb5_init_context(&ctx) != 0) {
        fprintf(stderr, "iiss-samplegen: krb5_init_context failed\n");
        return -1;
    }
    krb5_error_code err = 0;
    bool stamped = false;
    for (int attempt = 0; attempt < 5 && !err && !stamped; attempt++) {
        err = write_keytab_once(ctx, path, keys, n);
        stamped = !err && keytab_stamped(ctx, path);
    }
    if (err)
        fprintf(stderr, "iiss-samplegen: writing %s: %s\n", path, krb5_get_error_message(ctx, err));
    else if (!stamped)
        fprintf(stderr, "iiss-samplegen: %s: the keytab timestamps would not stay fixed\n", path);
    krb5_free_context(ctx);
    return err || !stamped ? -1 : 0;
}

int credential_write_keytab(const char *out_dir, const char *name, const char *const *principals,
                            const uint8_t (*nt_hashes)[16], size_t n)
{
    keytab_key keys[16];
    if (n > sizeof keys / sizeof keys[0])
        return -1;
    for (size_t i = 0; i < n; i++)
        keys[i] = (keytab_key){principals[i], KEYTAB_KVNO, ENCTYPE_ARCFOUR_HMAC, nt_hashes[i], 16};
    return credential_write_keytab_keys(out_dir, name, keys, n);
}
