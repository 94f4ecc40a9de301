/* iiss-samplegen OUT_DIR [SAMPLE...]: writes the sample captures and their
 * expected decode files into OUT_DIR (all of them when no name is given).
 * Deterministic: the same command writes the same bytes. */
#include <stdio.h>
#include <string.h>

#include "scenarios.h"

typedef struct sample_entry {
    const char *name;
    int (*write)(const char *out_dir);
} sample_entry;

static const sample_entry SAMPLES[] = {
    {"iisreset-remote", write_sample_iisreset_remote},
    {"iisreset-actions", write_sample_iisreset_actions},
    {"fragmented", write_sample_fragmented},
    {"tcp-disorder", write_sample_tcp_disorder},
    {"ndr64", write_sample_ndr64},
    {"big-endian", write_sample_big_endian},
    {"midstream", write_sample_midstream},
    {"midstream-bound-port", write_sample_midstream_bound_port},
    {"malformed", write_sample_malformed},
    {"malformed-snaplen", write_sample_malformed_snaplen},
    {"ipv6-vlan", write_sample_ipv6_vlan},
    {"sll", write_sample_sll},
    {"status-blob", write_sample_status_blob},
    {"decoys", write_sample_decoys},
    {"decoys-bound", write_sample_decoys_bound},
    {"activation-interleaved", write_sample_activation_interleaved},
#ifdef IISS_HAVE_SEALED_SCENARIO
    {"sealed", write_sample_sealed},
    {"sealed-spnego", write_sample_sealed_spnego},
    {"sealed-packed", write_sample_sealed_packed},
    {"sealed-nthash", write_sample_sealed_nthash},
    {"integrity-tampered", write_sample_integrity_tampered},
    {"sealed-two-users", write_sample_sealed_two_users},
    {"sealed-kerberos", write_sample_sealed_kerberos},
    {"sealed-kerberos-rc4", write_sample_sealed_kerberos_rc4},
    {"sealed-kerberos-spnego", write_sample_sealed_kerberos_spnego},
#endif
};
#define N_SAMPLES (sizeof SAMPLES / sizeof SAMPLES[0])

static int write_one(const sample_entry *e, const char *out_dir)
{
    if (e->write(out_dir) != 0) {
        fprintf(stderr, "iiss-samplegen: writing %s failed\n", e->name);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: iiss-samplegen OUT_DIR [SAMPLE...]\nsamples:");
        for (size_t i = 0; i < N_SAMPLES; i++)
            fprintf(stderr, " %s", SAMPLES[i].name);
        fprintf(stderr, "\n");
        return 2;
    }
    const char *out_dir = argv[1];
    int failures = 0;
    if (argc == 2) {
        for (size_t i = 0; i < N_SAMPLES; i++)
            failures += write_one(&SAMPLES[i], out_dir);
        return failures ? 1 : 0;
    }
    for (int a = 2; a < argc; a++) {
        const sample_entry *found = NULL;
        for (size_t i = 0; i < N_SAMPLES; i++)
            if (strcmp(SAMPLES[i].name, argv[a]) == 0)
                found = &SAMPLES[i];
        if (!found) {
            fprintf(stderr, "iiss-samplegen: no sample named %s\n", argv[a]);
            return 2;
        }
        failures += write_one(found, out_dir);
    }
    return failures ? 1 : 0;
}
