/* The credential store and its files: labels, the --password-file and
 * --nt-hashes formats, keytabs written here with MIT krb5's own API, and no
 * secret in any label or message. NT hash of "Password": MS-NLMP 4.2.2.1.2. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <krb5/krb5.h>

#include "credential_files.h"
#include "credentials.h"
#include "keytab.h"

static const uint8_t password_hash[16] = {0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
                                          0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52};
#define PASSWORD_HASH_HEX "a4f49c406510bdcab6824ee7c30fd852"

static char tmpdir[256];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/iiss-cred-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text, size_t len)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    return path;
}

static void test_store_labels(void **state)
{
    (void)state;
    iiss_credentials *c = iiss_credentials_new();
    assert_int_equal(iiss_credentials_add_password(c, "Password"), IISS_CREDENTIAL_OK);
    assert_int_equal(iiss_credentials_add_password(c, "other"), IISS_CREDENTIAL_OK);
    assert_int_equal(iiss_credentials_add_nt_hash_hex(c, PASSWORD_HASH_HEX, 32, NULL), IISS_CREDENTIAL_OK);
    assert_int_equal(iiss_credentials_add_nt_hash_hex(c, PASSWORD_HASH_HEX, 32, "CORP\\iisops"), IISS_CREDENTIAL_OK);
    assert_int_equal(iiss_credentials_count(c), 4);
    assert_string_equal(iiss_credentials_get(c, 0)->label, "password #1");
    assert_memory_equal(iiss_credentials_get(c, 0)->nt_hash, password_hash, 16);
    assert_string_equal(iiss_credentials_get(c, 1)->label, "password #2");
    assert_string_equal(iiss_credentials_get(c, 2)->label, "nt-hash #1");
    assert_memory_equal(iiss_credentials_get(c, 2)->nt_hash, password_hash, 16);
    const iiss_credential *named = iiss_credentials_get(c, 3);
    assert_string_equal(named->label, "nt-hash CORP\\iisops");
    assert_string_equal(named->domain, "CORP");
    assert_string_equal(named->user, "iisops");
    assert_null(iiss_credentials_get(c, 4));
    /* Refusals. */
    assert_int_equal(iiss_credentials_add_nt_hash_hex(c, "a4f49c40", 8, NULL), IISS_CREDENTIAL_BAD_HEX);
    assert_int_equal(iiss_credentials_add_nt_hash_hex(c, "g4f49c406510bdcab6824ee7c30fd852", 32, NULL),
                     IISS_CREDENTIAL_BAD_HEX);
    assert_int_equal(iiss_credentials_add_password(c, "\xc3\x28"), IISS_CREDENTIAL_BAD_TEXT);
    assert_int_equal(iiss_credentials_count(c), 4);
    iiss_credentials_free(c);
}

static void test_password_file(void **state)
{
    (void)state;
    static const char text[] = "Password\r\n\nsecond one\nthird";
    const char *path = write_file("passwords", text, sizeof text - 1);
    iiss_credentials *c = iiss_credentials_new();
    iiss_credential_file_result r;
    assert_int_equal(iiss_credentials_read_password_file(c, path, &r), 0);
    assert_int_equal(r.added, 3);
    assert_memory_equal(iiss_credentials_get(c, 0)->nt_hash, password_hash, 16); /* the \r is no part of it */
    assert_string_equal(iiss_credentials_get(c, 2)->label, "password #3");
    iiss_credentials_free(c);

    /* A line that is not UTF-8: the message names the line, not its text. */
    static const char bad[] = "fine\nsecr\xff\xfet\n";
    path = write_file("bad-passwords", bad, sizeof bad - 1);
    c = iiss_credentials_new();
    assert_int_equal(iiss_credentials_read_password_file(c, path, &r), -1);
    assert_non_null(strstr(r.message, "line 2"));
    assert_null(strstr(r.message, "secr"));
    iiss_credentials_free(c);

    c = iiss_credentials_new();
    assert_int_equal(iiss_credentials_read_password_file(c, "/nonexistent/iiss-passwords", &r), -1);
    assert_non_null(strstr(r.message, "No such file"));
    path = write_file("empty", "\n\n", 2);
    assert_int_equal(iiss_credentials_read_password_file(c, path, &r), -1);
    assert_non_null(strstr(r.message, "no password"));
    iiss_credentials_free(c);
}

static void test_nt_hashes_file(void **state)
{
    (void)state;
    static const char text[] = "# a dump\n"
                               "[*] Dumping domain credentials\n"
                               "CORP\\iisops:1105:aad3b435b51404eeaad3b435b51404ee:" PASSWORD_HASH_HEX ":::\n"
                               "Administrator:500:aad3b435b51404eeaad3b435b51404ee:31d6cfe0d16ae931b73c59d7e0c089c0:::\n"
                               "webadmin:" PASSWORD_HASH_HEX "\r\n"
                               "  " PASSWORD_HASH_HEX "  \n"
                               "broken:1234\n";
    const char *path = write_file("hashes", text, sizeof text - 1);
    iiss_credentials *c = iiss_credentials_new();
    iiss_credential_file_result r;
    assert_int_equal(iiss_credentials_read_nt_hashes_file(c, path, &r), 0);
    assert_int_equal(r.added, 4);
    assert_int_equal(r.ignored, 2);
    assert_int_equal(r.first_ignored_line, 2);
    assert_non_null(strstr(r.message, "2 lines of no known form"));
    assert_null(strstr(r.message, "broken"));
    assert_string_equal(iiss_credentials_get(c, 0)->label, "nt-hash CORP\\iisops");
    assert_memory_equal(iiss_credentials_get(c, 0)->nt_hash, password_hash, 16);
    assert_string_equal(iiss_credentials_get(c, 1)->label, "nt-hash Administrator");
    assert_string_equal(iiss_credentials_get(c, 1)->user, "Administrator");
    assert_string_equal(iiss_credentials_get(c, 2)->label, "nt-hash webadmin");
    assert_string_equal(iiss_credentials_get(c, 3)->label, "nt-hash #1");
    /* No label carries a hash. */
    for (size_t i = 0; i < iiss_credentials_count(c); i++)
        assert_null(strstr(iiss_credentials_get(c, i)->label, "a4f49c40"));
    iiss_credentials_free(c);

    path = write_file("nohashes", "just text\n", 10);
    c = iiss_credentials_new();
    assert_int_equal(iiss_credentials_read_nt_hashes_file(c, path, &r), -1);
    assert_non_null(strstr(r.message, "no NT hash"));
    iiss_credentials_free(c);
}

/* A keytab written with krb5's API: an RC4-HMAC key (the NT hash of
 * "Password"), an AES key that NTLM cannot use, and a second kvno. */
static const char *write_keytab(void)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/test.keytab", tmpdir);
    char name[600];
    snprintf(name, sizeof name, "WRFILE:%s", path);
    krb5_context ctx;
    assert_int_equal(krb5_init_context(&ctx), 0);
    krb5_keytab kt;
    assert_int_equal(krb5_kt_resolve(ctx, name, &kt), 0);
    krb5_principal p;
    assert_int_equal(krb5_parse_name(ctx, "iisops@CORP.LOCAL", &p), 0);
    uint8_t aes[32] = {7};
    struct {
        krb5_enctype type;
        const uint8_t *key;
        unsigned len;
        krb5_kvno kvno;
    } keys[] = {{ENCTYPE_ARCFOUR_HMAC, password_hash, 16, 3},
                {ENCTYPE_AES256_CTS_HMAC_SHA1_96, aes, 32, 3},
                {ENCTYPE_ARCFOUR_HMAC, password_hash, 16, 4}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        krb5_keytab_entry e;
        memset(&e, 0, sizeof e);
        e.principal = p;
        e.vno = keys[i].kvno;
        e.key.enctype = keys[i].type;
        e.key.length = keys[i].len;
        e.key.contents = (krb5_octet *)keys[i].key;
        assert_int_equal(krb5_kt_add_entry(ctx, kt, &e), 0);
    }
    krb5_free_principal(ctx, p);
    krb5_kt_close(ctx, kt);
    krb5_free_context(ctx);
    return path;
}

static void test_keytab(void **state)
{
    (void)state;
    const char *path = write_keytab();
    iiss_credentials *c = iiss_credentials_new();
    iiss_keytab_result r;
    assert_int_equal(iiss_credentials_read_keytab(c, path, &r), 0);
    assert_int_equal(r.rc4_keys, 2);
    assert_int_equal(r.other_keys, 1);
    assert_int_equal(iiss_credentials_count(c), 2);
    const iiss_credential *k = iiss_credentials_get(c, 0);
    char want[700];
    snprintf(want, sizeof want, "keytab %s entry iisops@CORP.LOCAL", path);
    assert_string_equal(k->label, want);
    assert_memory_equal(k->nt_hash, password_hash, 16);
    assert_string_equal(k->user, "iisops");
    assert_string_equal(k->domain, "CORP.LOCAL");
    snprintf(want, sizeof want, "keytab %s entry iisops@CORP.LOCAL kvno 4", path);
    assert_string_equal(iiss_credentials_get(c, 1)->label, want);
    iiss_credentials_free(c);

    c = iiss_credentials_new();
    assert_int_equal(iiss_credentials_read_keytab(c, "/nonexistent/iiss.keytab", &r), -1);
    assert_non_null(strstr(r.message, "/nonexistent/iiss.keytab"));
    path = write_file("not-a-keytab", "hello world\n", 12);
    assert_int_equal(iiss_credentials_read_keytab(c, path, &r), -1);
    assert_int_equal(iiss_credentials_count(c), 0);
    iiss_credentials_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_labels),
        cmocka_unit_test(test_password_file),
        cmocka_unit_test(test_nt_hashes_file),
        cmocka_unit_test(test_keytab),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
