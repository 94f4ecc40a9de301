/* fragmented, tcp-disorder, ipv6-vlan, sll: the same kind of conversation
 * over transports and segmentations a decoder must put back together. */
#include <string.h>

#include "scenario_common.h"
#include "scenarios.h"
#include "services.h"

static const uint8_t CLIENT_MAC[6] = {0x00, 0x15, 0x5D, 0x01, 0x02, 0x05};
static const uint8_t SERVER_MAC[6] = {0x00, 0x15, 0x5D, 0x01, 0x02, 0x14};

int write_sample_fragmented(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "fragmented",
        "A hosting server with 40 IIS services: max_xmit_frag 760, so the Status reply travels in 7 DCE/RPC "
        "fragments; TCP segments split PDUs and carry several; the Stop request's first segment holds only 10 "
        "bytes of the DCE/RPC header (tshark needs -d to dissect it).");
    cfg.max_frag = 760;
    cfg.client_isn = 0x2468ACE0u;
    cfg.server_isn = 0x13572468u;
    cfg.tshark_options[0] = "-d";
    cfg.tshark_options[1] = "tcp.port==49155,dcerpc";
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    session_handshake(&s);
    session_bind(&s);

    static blob_service services[SESSION_MAX_SERVICES];
    size_t n = services_many(services, 40);
    size_t required = session_status_call(&s, 1024, services, n, 21400);
    session_status_call(&s, (uint32_t)required, services, n, 19800);

    /* Stop with its request cut after 10 header bytes. */
    call_expect *c = session_begin_call(&s, IISS_OPNUM_STOP);
    const uint32_t stop[2] = {20000, 0};
    session_write_request(&s, c, stop, 2);
    const size_t split_header[2] = {10, 1460};
    session_send(&s, TCP_CLIENT, split_header, 2);
    cap_advance_us(&s.cap, 200000);
    tcp_ack(&s.tcp, TCP_SERVER);
    cap_advance_us(&s.cap, 4100200);
    session_write_simple_response(&s, c, HR_S_OK);
    session_send(&s, TCP_SERVER, NULL, 0);
    cap_advance_us(&s.cap, 1800);

    const uint32_t start[1] = {20000};
    session_simple_call(&s, IISS_OPNUM_START, start, 1, HR_S_OK, 3650100);
    session_close_tcp(&s);
    session_expect_action(&s, "/restart", 0);
    return session_finish(&s);
}

/* Marks the frame tshark's TCP analysis is meant to flag. */
static uint32_t flagged(session *s, uint32_t frame)
{
    if (s->n_analysis_frames < sizeof s->analysis_frames / sizeof s->analysis_frames[0])
        s->analysis_frames[s->n_analysis_frames++] = frame;
    return frame;
}

int write_sample_tcp_disorder(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "tcp-disorder",
        "iisreset-style calls over a lossy path (MSS 536): a Status reply whose two segments arrive in reverse order, "
        "a duplicated Stop request, a Status reply with an overlapping retransmission, a request split in two "
        "segments sent out of order. Needs tcp.reassemble_out_of_order.");
    cfg.client_isn = 0x0F1E2D3Cu;
    cfg.server_isn = 0x4B5A6978u;
    cfg.tshark_options[0] = "-o";
    cfg.tshark_options[1] = "tcp.reassemble_out_of_order:TRUE";
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    s.tcp.mss = 536;
    session_handshake(&s);
    session_bind(&s);

    blob_service services[SESSION_MAX_SERVICES];
    size_t n = services_iis_running(services, SESSION_MAX_SERVICES);
    bytebuf blob;
    bb_init(&blob);
    size_t required = blob_write(&blob, services, n, false);
    bb_free(&blob);

    /* 1. Status: the reply's two segments arrive last-first. */
    size_t len;
    call_expect *c = session_begin_call(&s, IISS_OPNUM_STATUS);
    uint32_t size = (uint32_t)required;
    session_write_request(&s, c, &size, 1);
    session_send(&s, TCP_CLIENT, NULL, 0);
    cap_advance_us(&s.cap, 8800);
    bytebuf full;
    bb_init(&full);
    blob_write(&full, services, n, false);
    session_write_status_response(&s, c, size, full.data, full.len, (uint32_t)required, (uint32_t)n, HR_S_OK);
    session_expect_services(c, services, n);
    bb_free(&full);
    size_t at = session_queue(&s, TCP_SERVER, &len);
    flagged(&s, tcp_emit(&s.tcp, TCP_SERVER, at + 536, len - 536, true));
    flagged(&s, tcp_emit(&s.tcp, TCP_SERVER, at, 536, false));
    cap_advance_us(&s.cap, 1800);

    /* 2. Stop: the request is sent twice (a spurious retransmission). */
    c = session_begin_call(&s, IISS_OPNUM_STOP);
    const uint32_t stop[2] = {20000, 1};
    session_write_request(&s, c, stop, 2);
    at = session_queue(&s, TCP_CLIENT, &len);
    tcp_emit(&s.tcp, TCP_CLIENT, at, len, true);
    cap_advance_us(&s.cap, 300000);
    flagged(&s, tcp_emit(&s.tcp, TCP_CLIENT, at, len, true));
    cap_advance_us(&s.cap, 2950000);
    session_write_simple_response(&s, c, HR_S_OK);
    session_send(&s, TCP_SERVER, NULL, 0);
    cap_advance_us(&s.cap, 1800);

    /* 3. Status: the second segment is retransmitted overlapping the first. */
    n = services_iis_stopped(services, SESSION_MAX_SERVICES);
    c = session_begin_call(&s, IISS_OPNUM_STATUS);
    session_write_request(&s, c, &size, 1);
    session_send(&s, TCP_CLIENT, NULL, 0);
    cap_advance_us(&s.cap, 7700);
    bb_init(&full);
    blob_write(&full, services, n, false);
    session_write_status_response(&s, c, size, full.data, full.len, (uint32_t)required, (uint32_t)n, HR_S_OK);
    session_expect_services(c, services, n);
    bb_free(&full);
    at = session_queue(&s, TCP_SERVER, &len);
    tcp_emit(&s.tcp, TCP_SERVER, at, 536, false);
    cap_advance_us(&s.cap, 40);
    tcp_emit(&s.tcp, TCP_SERVER, at + 536, 300, false);
    cap_advance_us(&s.cap, 120000);
    flagged(&s, tcp_emit(&s.tcp, TCP_SERVER, at + 400, len - 400, true));
    cap_advance_us(&s.cap, 1800);

    /* 4. Start: the request in two segments, the second one first. */
    c = session_begin_call(&s, IISS_OPNUM_START);
    const uint32_t start[1] = {20000};
    session_write_request(&s, c, start, 1);
    at = session_queue(&s, TCP_CLIENT, &len);
    flagged(&s, tcp_emit(&s.tcp, TCP_CLIENT, at + 40, len - 40, true));
    flagged(&s, tcp_emit(&s.tcp, TCP_CLIENT, at, 40, false));
    cap_advance_us(&s.cap, 1700400);
    session_write_simple_response(&s, c, HR_S_OK);
    session_send(&s, TCP_SERVER, NULL, 0);
    cap_advance_us(&s.cap, 1800);

    session_simple_call(&s, IISS_OPNUM_KILL, NULL, 0, HR_S_OK, 690000);
    session_close_tcp(&s);
    session_expect_action(&s, "unknown", 0);
    return session_finish(&s);
}

int write_sample_ipv6_vlan(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "ipv6-vlan",
        "pcapng with nanosecond timestamps: the calls over IPv6 inside an 802.1Q VLAN (id 120): bind, Status, "
        "Stop, Start, Kill.");
    cfg.pcapng = true;
    cfg.link.vlan = true;
    cfg.link.vlan_id = 120;
    cfg.client = net_endpoint_v6(CLIENT_MAC, "2001:db8:120::5", 50214);
    cfg.server = net_endpoint_v6(SERVER_MAC, "2001:db8:120::20", 49158);
    cfg.client_isn = 0x51B2C3D4u;
    cfg.server_isn = 0x9E8D7C6Bu;
    cfg.start_ns = SAMPLE_EPOCH_NS + 3600ull * 1000000000ull + 123456789ull; /* 10:30:00.123456789 */
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    session_handshake(&s);
    session_bind(&s);
    blob_service services[SESSION_MAX_SERVICES];
    size_t n = services_iis_started(services, SESSION_MAX_SERVICES);
    session_status_call(&s, 2048, services, n, 6100);
    const uint32_t stop[2] = {30000, 1};
    session_simple_call(&s, IISS_OPNUM_STOP, stop, 2, HR_S_OK, 2766301);
    const uint32_t start[1] = {30000};
    session_simple_call(&s, IISS_OPNUM_START, start, 1, HR_S_OK, 1987654);
    session_simple_call(&s, IISS_OPNUM_KILL, NULL, 0, HR_S_OK, 402207);
    session_close_tcp(&s);
    session_expect_action(&s, "unknown", 0); /* Status, Stop, Start, Kill */
    return session_finish(&s);
}

int write_sample_sll(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "sll",
        "Linux cooked capture (SLL) taken on a Linux admin host running a DCOM client: bind to IRemUnknown2, "
        "alter_context adding IIsServiceControl as context 1, Status with the required size, Kill.");
    cfg.linktype = CAP_LINKTYPE_LINUX_SLL;
    cfg.link.linktype = CAP_LINKTYPE_LINUX_SLL;
    cfg.client = net_endpoint_v4(CLIENT_MAC, "10.0.0.7", 41822);
    cfg.client_isn = 0x3C2B1A09u;
    cfg.server_isn = 0x77665544u;
    cfg.start_ns = SAMPLE_EPOCH_NS + 7200ull * 1000000000ull;
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    session_handshake(&s);
    session_bind_then_alter(&s);
    blob_service services[SESSION_MAX_SERVICES];
    size_t n = services_iis_started(services, SESSION_MAX_SERVICES);
    size_t required = blob_size(services, n);
    session_status_call(&s, (uint32_t)required, services, n, 7300);
    session_simple_call(&s, IISS_OPNUM_KILL, NULL, 0, HR_S_OK, 733100);
    session_close_tcp(&s);
    session_expect_action(&s, "/kill", 0);
    return session_finish(&s);
}
