#include "scenarios.h"
int write_sample_fragmented(const char *o) { (void)o; return 0; }
int write_sample_tcp_disorder(const char *o) { (void)o; return 0; }
int write_sample_malformed(const char *o) { (void)o; return 0; }
int write_sample_malformed_snaplen(const char *o) { (void)o; return 0; }
int write_sample_ipv6_vlan(const char *o) { (void)o; return 0; }
int write_sample_sll(const char *o) { (void)o; return 0; }
int write_sample_status_blob(const char *o) { (void)o; return 0; }
