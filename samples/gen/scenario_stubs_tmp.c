#include "scenarios.h"
int write_sample_malformed(const char *o) { (void)o; return 0; }
int write_sample_malformed_snaplen(const char *o) { (void)o; return 0; }
int write_sample_status_blob(const char *o) { (void)o; return 0; }
