/* iisreset-remote, ndr64, big-endian, midstream, midstream-bound-port: the
 * remote iisreset conversation in its plain form, in each data
 * representation, and joined after the bind. */
#include <string.h>

#include "scenario_common.h"
#include "scenarios.h"
#include "services.h"

static const uint8_t CLIENT_MAC[6] = {0x00, 0x15, 0x5D, 0x01, 0x02, 0x05};
static const uint8_t SERVER_MAC[6] = {0x00, 0x15, 0x5D, 0x01, 0x02, 0x14};

session_config scenario_default_config(const char *name, const char *description)
{
    session_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.name = name;
    cfg.description = description;
    cfg.linktype = CAP_LINKTYPE_ETHERNET;
    cfg.snaplen = 262144;
    cfg.link.linktype = CAP_LINKTYPE_ETHERNET;
    cfg.client = net_endpoint_v4(CLIENT_MAC, "10.0.0.5", SAMPLE_CLIENT_PORT);
    cfg.server = net_endpoint_v4(SERVER_MAC, "10.0.0.20", SAMPLE_SERVER_PORT);
    cfg.client_isn = 0x6B8B4567u;
    cfg.server_isn = 0x327B23C6u;
    cfg.start_ns = SAMPLE_EPOCH_NS;
    cfg.max_frag = SAMPLE_MAX_FRAG;
    return cfg;
}

/* The calls `iisreset` makes against a remote server, then Reboot and Kill:
 * Status with a small buffer, Status with the required size, Stop, Status,
 * Start, Reboot (E_NOTIMPL), Kill. */
void scenario_iisreset_calls(session *s)
{
    size_t first = s->n_calls;
    blob_service services[SESSION_MAX_SERVICES];
    size_t n = services_iis_running(services, SESSION_MAX_SERVICES);
    size_t required = session_status_call(s, 512, services, n, 9500);
    session_status_call(s, (uint32_t)required, services, n, 8700);

    const uint32_t stop[2] = {20000, 1};
    session_simple_call(s, IISS_OPNUM_STOP, stop, 2, HR_S_OK, 3215400);

    n = services_iis_stopped(services, SESSION_MAX_SERVICES);
    session_status_call(s, (uint32_t)required, services, n, 7900);

    const uint32_t start[1] = {20000};
    session_simple_call(s, IISS_OPNUM_START, start, 1, HR_S_OK, 2148250);

    const uint32_t reboot[2] = {30000, 0};
    session_simple_call(s, IISS_OPNUM_REBOOT, reboot, 2, HR_E_NOTIMPL, 610);

    session_simple_call(s, IISS_OPNUM_KILL, NULL, 0, HR_S_OK, 845300);
    /* Reboot and Kill after a restart: no iisreset run makes that */
    session_expect_action(s, "unknown", first);
}

int write_sample_iisreset_remote(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "iisreset-remote",
        "Remote iisreset against an IIS server: DCOM activation on port 135 (ISystemActivator RemoteCreateInstance "
        "of CLSID E8FB8621-588F-11D2-9D61-00C04F79C5FE, answered with the IPID and the binding 10.0.0.20[49155]), "
        "then a TCP handshake to that port, bind to IIsServiceControl and IRemUnknown2 (NDR20), Status with a "
        "too-small buffer (E_ERROR_INSUFFICIENT_BUFFER), Status with the required size, Stop(20000, force), Status "
        "(stopped), Start(20000), Reboot (E_NOTIMPL), Kill, then IRemUnknown2::RemRelease of the interface (not an "
        "IIS call), FIN.");
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    session_activate(&s, "WEB01");
    session_handshake(&s);
    session_bind(&s);
    scenario_iisreset_calls(&s);
    session_rem_release(&s);
    session_close_tcp(&s);
    return session_finish(&s);
}

int write_sample_ndr64(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "ndr64",
        "The iisreset-remote calls with the bind offering NDR20 and NDR64 and the server accepting NDR64: every "
        "stub, ORPCTHIS (40 bytes) and ORPCTHAT (16 bytes) included, marshaled by NDR64 rules.");
    cfg.ndr64 = true;
    cfg.client_isn = 0x1F2E3D4Cu;
    cfg.server_isn = 0x0A0B0C0Du;
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    session_handshake(&s);
    session_bind(&s);
    scenario_iisreset_calls(&s);
    session_close_tcp(&s);
    return session_finish(&s);
}

int write_sample_big_endian(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "big-endian",
        "The iisreset-remote calls from a client whose data representation is big-endian: header integers, "
        "UUIDs, DWORD parameters, conformance and HRESULTs big-endian; the STATUS_BLOB stays little-endian "
        "(MS-IISS 2.2.1). NDR padding bytes are 0xAA, not zero.");
    cfg.big_endian = true;
    cfg.pad_fill = 0xAA;
    cfg.client_isn = 0x44556677u;
    cfg.server_isn = 0x0BADF00Du;
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    session_handshake(&s);
    session_bind(&s);
    scenario_iisreset_calls(&s);
    session_close_tcp(&s);
    return session_finish(&s);
}

int write_sample_midstream(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "midstream",
        "A capture started after the bind: no handshake, no bind, the first frame is a Status request; the "
        "interface must be inferred from the stubs.");
    cfg.client_isn = 0x7A6B5C4Du;
    cfg.server_isn = 0x13579BDFu;
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    tcp_assume_established(&s.tcp);
    s.interface_inferred = true;
    s.next_call_id = 4; /* earlier calls happened before the capture began */

    blob_service services[SESSION_MAX_SERVICES];
    size_t n = services_iis_running(services, SESSION_MAX_SERVICES);
    session_status_call(&s, 4096, services, n, 8100);
    const uint32_t stop[2] = {20000, 1};
    session_simple_call(&s, IISS_OPNUM_STOP, stop, 2, HR_S_OK, 2987600);
    const uint32_t start[1] = {20000};
    session_simple_call(&s, IISS_OPNUM_START, start, 1, HR_S_OK, 1902300);
    session_simple_call(&s, IISS_OPNUM_KILL, NULL, 0, HR_S_OK, 512000);
    /* Status, Stop, Start, Kill: no iisreset run makes that sequence */
    session_expect_action(&s, "unknown", 0);
    return session_finish(&s);
}

int write_sample_midstream_bound_port(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "midstream-bound-port",
        "A client binds to IIsServiceControl and calls Status; then a second client's connection to the same "
        "server port, joined after its bind: Stop(20000, 0) answered S_OK, then a Kill whose reply is not in the "
        "capture. The second client's calls are inferred; the Kill only because the port was bound to the "
        "interface earlier in the capture.");
    cfg.client_isn = 0x3A4B5C6Du;
    cfg.server_isn = 0x0F1E2D3Cu;
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    session_handshake(&s);
    session_bind(&s);
    blob_service services[SESSION_MAX_SERVICES];
    size_t n = services_iis_running(services, SESSION_MAX_SERVICES);
    session_status_call(&s, 4096, services, n, 7600);
    session_expect_action(&s, "/status", 0);
    session_close_tcp(&s);

    static const uint8_t OTHER_ADMIN_MAC[6] = {0x00, 0x15, 0x5D, 0x01, 0x02, 0x06};
    net_endpoint client = net_endpoint_v4(OTHER_ADMIN_MAC, "10.0.0.6", 52200);
    cap_advance_us(&s.cap, 41000000);
    session_next_connection(&s, &client, 0x62F1A3B5u, 0x1D2C3B4Au);
    tcp_assume_established(&s.tcp);
    s.interface_inferred = true;
    s.port_bound_earlier = true;
    s.next_call_id = 7;
    const uint32_t stop[2] = {20000, 0};
    session_simple_call(&s, IISS_OPNUM_STOP, stop, 2, HR_S_OK, 2871300);
    call_expect *kill = session_begin_call(&s, IISS_OPNUM_KILL);
    session_write_request(&s, kill, NULL, 0);
    session_send(&s, TCP_CLIENT, NULL, 0);
    /* iisreset kills what Stop left running (unless /noforce) */
    session_expect_action(&s, "/stop", 1);
    return session_finish(&s);
}
