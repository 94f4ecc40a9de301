/* activation-interleaved: several clients of one IIS server, each with its
 * activation on port 135 and its calls on their own connection, the
 * connections open at once and their calls interleaved, so a call's
 * activation can only be found by its IPID (not by being the last one). */
#include <string.h>

#include "scenario_common.h"
#include "scenarios.h"
#include "services.h"

static const uint8_t SECOND_MAC[6] = {0x00, 0x15, 0x5D, 0x01, 0x02, 0x06};
static const uint8_t THIRD_MAC[6] = {0x00, 0x15, 0x5D, 0x01, 0x02, 0x07};

#define DELAYED_ACK_US 200000u

int write_sample_activation_interleaved(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "activation-interleaved",
        "Three clients of WEB01 (10.0.0.20), interleaved. 10.0.0.5 activates CLSID_IIsServiceControl on port 135 "
        "(from 49711: IPID 0000B001-...), then 10.0.0.6 does (from 52143: IPID 0000B7C2-...); 10.0.0.5 connects "
        "to 49155 (from 49712), binds, runs Status and sends Stop(20000, force); while that Stop runs, 10.0.0.6 "
        "connects (from 52144), binds and runs Status, and 10.0.0.7 asks for an activation that is refused with "
        "E_ACCESSDENIED (no IPID, no binding); the Stop answers, 10.0.0.5 runs Start, 10.0.0.6 runs Kill, both "
        "close. Each IIS call names as activation_frame the reply that returned its own IPID.");
    cfg.client_isn = 0x5E1A7C29u;
    cfg.server_isn = 0x2B64D0F3u;
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    const size_t first = 0;
    session_activate(&s, "WEB01");
    cap_advance_us(&s.cap, 12400);

    net_endpoint second_client = net_endpoint_v4(SECOND_MAC, "10.0.0.6", 52144);
    session_next_connection(&s, &second_client, 0x3A90E4B7u, 0x6D2F0C85u);
    const size_t second = s.conn;
    s.ipid = guid_from_string("0000B7C2-0A1C-FFFF-6F3C-4E21A9D7C5B3");
    session_activate(&s, "WEB01");
    cap_advance_us(&s.cap, 3100);

    session_switch_connection(&s, first);
    session_handshake(&s);
    session_bind(&s);
    blob_service services[SESSION_MAX_SERVICES];
    size_t n = services_iis_running(services, SESSION_MAX_SERVICES);
    size_t required = session_status_call(&s, 2048, services, n, 8400);

    /* Stop: the request now, the reply after the others' traffic. */
    size_t stop = s.n_calls;
    const uint32_t stop_params[2] = {20000, 1};
    session_write_request(&s, session_begin_call(&s, IISS_OPNUM_STOP), stop_params, 2);
    session_send(&s, TCP_CLIENT, NULL, 0);
    cap_advance_us(&s.cap, DELAYED_ACK_US);
    tcp_ack(&s.tcp, TCP_SERVER);
    cap_advance_us(&s.cap, 150000);

    session_switch_connection(&s, second);
    session_handshake(&s);
    session_bind(&s);
    session_status_call(&s, (uint32_t)required, services, n, 9100);
    cap_advance_us(&s.cap, 420000);

    net_endpoint third_client = net_endpoint_v4(THIRD_MAC, "10.0.0.7", 50322);
    session_next_connection(&s, &third_client, 0x0C7B52E1u, 0x71A6F93Du);
    s.ipid = guid_from_string("0000B9E5-0A1C-FFFF-6F3C-4E21A9D7C5B3"); /* never returned */
    session_activate_refused(&s, "WEB01", HR_E_ACCESSDENIED);
    cap_advance_us(&s.cap, 2400000);

    session_switch_connection(&s, first);
    session_write_simple_response(&s, &s.calls[stop], HR_S_OK);
    session_send(&s, TCP_SERVER, NULL, 0);
    cap_advance_us(&s.cap, 1800);
    const uint32_t start[1] = {20000};
    session_simple_call(&s, IISS_OPNUM_START, start, 1, HR_S_OK, 2148250);

    session_switch_connection(&s, second);
    session_simple_call(&s, IISS_OPNUM_KILL, NULL, 0, HR_S_OK, 845300);
    session_close_tcp(&s);

    session_switch_connection(&s, first);
    session_close_tcp(&s);
    /* Two iisreset runs, their calls interleaved: 10.0.0.5's /restart
     * (Status, Stop, Start), 10.0.0.6's /kill (Status, Kill). */
    session_expect_action_on_connection(&s, "/restart", 0, first);
    session_expect_action_on_connection(&s, "/kill", 2, second);
    return session_finish(&s);
}
