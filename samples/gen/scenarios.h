/* One function per sample capture; each writes <out_dir>/<name>.pcap(ng) and
 * <out_dir>/<name>.expected.json. Return 0 on success.
 *
 * The sealed scenario is written by the NTLMSSP engineer in
 * scenario_sealed.c (with ntlmssp.c/.h): build it on dcerpc_writer.h (the
 * dce_auth hook), ndr_writer.h, session.h and the other helpers here. To wire
 * it in, add the sources in the marked block of samples/CMakeLists.txt, which
 * also defines IISS_HAVE_SEALED_SCENARIO so main.c calls write_sample_sealed().
 */
#ifndef SAMPLEGEN_SCENARIOS_H
#define SAMPLEGEN_SCENARIOS_H

int write_sample_iisreset_remote(const char *out_dir);
int write_sample_fragmented(const char *out_dir);
int write_sample_tcp_disorder(const char *out_dir);
int write_sample_ndr64(const char *out_dir);
int write_sample_big_endian(const char *out_dir);
int write_sample_midstream(const char *out_dir);
int write_sample_midstream_bound_port(const char *out_dir);
int write_sample_malformed(const char *out_dir);
int write_sample_malformed_snaplen(const char *out_dir);
int write_sample_ipv6_vlan(const char *out_dir);
int write_sample_sll(const char *out_dir);
int write_sample_status_blob(const char *out_dir);
int write_sample_decoys(const char *out_dir);
int write_sample_decoys_bound(const char *out_dir);
int write_sample_iisreset_actions(const char *out_dir);
int write_sample_activation_interleaved(const char *out_dir);

#ifdef IISS_HAVE_SEALED_SCENARIO
int write_sample_sealed(const char *out_dir);
int write_sample_sealed_spnego(const char *out_dir);
int write_sample_sealed_packed(const char *out_dir);
int write_sample_sealed_nthash(const char *out_dir);
int write_sample_integrity_tampered(const char *out_dir);
int write_sample_sealed_two_users(const char *out_dir);
int write_sample_sealed_kerberos(const char *out_dir);
int write_sample_sealed_kerberos_rc4(const char *out_dir);
int write_sample_sealed_kerberos_spnego(const char *out_dir);
#endif

#endif
