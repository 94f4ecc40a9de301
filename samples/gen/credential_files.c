/* Password, NT-hash and keytab files for the sealed samples. */
#include "credential_files.h"

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

int credential_write_keytab(const char *out_dir, const char *name, const char *const *principals,
                            const uint8_t (*nt_hashes)[16], size_t n)
{
    char path[4096], resolved[4200];
    path_of(path, sizeof path, out_dir, name);
    /* A WRFILE keytab appends to an existing file: start from nothing. */
    if (unlink(path) != 0 && access(path, F_OK) == 0) {
        perror(path);
        return -1;
    }
    snprintf(resolved, sizeof resolved, "WRFILE:%s", path);
    krb5_context ctx;
    if (krb5_init_context(&ctx) != 0) {
        fprintf(stderr, "iiss-samplegen: krb5_init_context failed\n");
        return -1;
    }
    krb5_keytab keytab = NULL;
    krb5_error_code err = krb5_kt_resolve(ctx, resolved, &keytab);
    for (size_t i = 0; err == 0 && i < n; i++) {
        krb5_keytab_entry entry;
        memset(&entry, 0, sizeof entry);
        err = krb5_parse_name(ctx, principals[i], &entry.principal);
        if (err)
            break;
        entry.timestamp = KEYTAB_TIMESTAMP;
        entry.vno = KEYTAB_KVNO;
        entry.key.enctype = ENCTYPE_ARCFOUR_HMAC;
        entry.key.length = 16;
        entry.key.contents = (krb5_octet *)nt_hashes[i];
        err = krb5_kt_add_entry(ctx, keytab, &entry);
        krb5_free_principal(ctx, entry.principal);
    }
    if (err)
        fprintf(stderr, "iiss-samplegen: writing %s: %s\n", path, krb5_get_error_message(ctx, err));
    if (keytab)
        krb5_kt_close(ctx, keytab);
    krb5_free_context(ctx);
    return err ? -1 : 0;
}
