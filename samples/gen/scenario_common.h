/* Defaults shared by the scenarios: the lab network (fixed MACs, addresses,
 * ports, sequence numbers) and the capture start time. */
#ifndef SAMPLEGEN_SCENARIO_COMMON_H
#define SAMPLEGEN_SCENARIO_COMMON_H

#include "session.h"

/* 2024-05-14T09:30:00Z */
#define SAMPLE_EPOCH_NS (1715679000ull * 1000000000ull)
#define SAMPLE_CLIENT_PORT 49712
#define SAMPLE_SERVER_PORT 49155
#define SAMPLE_MAX_FRAG 5840

/* An Ethernet/IPv4 session between the admin workstation 10.0.0.5 and the
 * IIS server 10.0.0.20, NDR20 little-endian; scenarios adjust from here. */
session_config scenario_default_config(const char *name, const char *description);

/* The calls of a remote iisreset (Status twice, Stop, Status, Start, Reboot,
 * Kill): shared by iisreset-remote and its sealed twin, whose decrypted stubs
 * must equal the plain capture's. */
void scenario_iisreset_calls(session *s);

#endif
