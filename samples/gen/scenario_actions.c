/* iisreset-actions: the runs a reviewer looks for, one after the other as
 * `iisreset` makes them, each on its own connection with the IPID its own
 * activation returned: /restart (after a DCOM activation on port 135),
 * /status from a second client between two runs of the first, a /stop
 * refused with E_ACCESSDENIED, a /stop, a /start, a forced /restart whose
 * Stop times out (Kill, then Start), and a /reboot. */
#include <string.h>

#include "scenario_common.h"
#include "scenarios.h"
#include "services.h"

static const uint8_t ADMIN_MAC[6] = {0x00, 0x15, 0x5D, 0x01, 0x02, 0x05};
static const uint8_t DEPLOY_MAC[6] = {0x00, 0x15, 0x5D, 0x01, 0x02, 0x06};

/* Seconds between two runs: well inside a reviewer's idea of "at once",
 * so only the IPID and the client keep the runs apart. */
#define BETWEEN_RUNS_US 4000000u

/* What iisreset asks first: Status with a small buffer, then with the size
 * the server said it needs. */
static void status_pair(session *s, blob_service *services, size_t n)
{
    size_t required = session_status_call(s, 512, services, n, 9300);
    session_status_call(s, (uint32_t)required, services, n, 8400);
}

static void status_running(session *s)
{
    blob_service services[SESSION_MAX_SERVICES];
    status_pair(s, services, services_iis_running(services, SESSION_MAX_SERVICES));
}

static void status_stopped(session *s)
{
    blob_service services[SESSION_MAX_SERVICES];
    status_pair(s, services, services_iis_stopped(services, SESSION_MAX_SERVICES));
}

static void status_started(session *s)
{
    blob_service services[SESSION_MAX_SERVICES];
    status_pair(s, services, services_iis_started(services, SESSION_MAX_SERVICES));
}

/* A new run: a new connection from `client` (a port of its own) and the
 * IPID of the run's own activation. */
static void next_run(session *s, const net_endpoint *client, const char *ipid, uint32_t isn)
{
    session_close_tcp(s);
    cap_advance_us(&s->cap, BETWEEN_RUNS_US);
    s->ipid = guid_from_string(ipid);
    session_next_connection(s, client, isn, isn ^ 0x5EEDu);
    session_handshake(s);
    session_bind(s);
}

int write_sample_iisreset_actions(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "iisreset-actions",
        "Eight iisreset runs against 10.0.0.20, each on its own connection with its own IPID, 4 s apart: "
        "10.0.0.5 /restart (activation on port 135, Status, Stop, Status, Start, Status), 10.0.0.6 /status, "
        "10.0.0.5 /stop refused (Status, Stop E_ACCESSDENIED), 10.0.0.5 /stop (Status, Stop, Status), 10.0.0.5 "
        "/start (Start, Status), 10.0.0.6 /status, 10.0.0.5 /restart whose Stop times out "
        "(E_ERROR_SERVICE_REQUEST_TIMEOUT, then Kill and Start), 10.0.0.6 /reboot.");
    net_endpoint admin = net_endpoint_v4(ADMIN_MAC, "10.0.0.5", SAMPLE_CLIENT_PORT);
    net_endpoint deploy = net_endpoint_v4(DEPLOY_MAC, "10.0.0.6", 50211);
    const uint32_t stop[2] = {20000, 1};
    const uint32_t start[1] = {20000};
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;

    /* /restart, the default iisreset */
    session_activate(&s, "WEB01");
    session_handshake(&s);
    session_bind(&s);
    size_t first = s.n_calls;
    status_running(&s);
    session_simple_call(&s, IISS_OPNUM_STOP, stop, 2, HR_S_OK, 3215400);
    status_stopped(&s);
    session_simple_call(&s, IISS_OPNUM_START, start, 1, HR_S_OK, 2148250);
    status_started(&s);
    session_expect_action(&s, "/restart", first);

    /* /status from another client */
    next_run(&s, &deploy, "0000B002-0A1C-FFFF-1D2E-3F405162A7B8", 0x11111111u);
    first = s.n_calls;
    status_started(&s);
    session_expect_action(&s, "/status", first);

    /* /stop, refused */
    admin.port = SAMPLE_CLIENT_PORT + 2;
    next_run(&s, &admin, "0000B003-0A1C-FFFF-2E3F-405162738495", 0x22222222u);
    first = s.n_calls;
    status_started(&s);
    session_simple_call(&s, IISS_OPNUM_STOP, stop, 2, HR_E_ACCESSDENIED, 1200);
    session_expect_action(&s, "/stop", first);

    /* /stop */
    admin.port = SAMPLE_CLIENT_PORT + 4;
    next_run(&s, &admin, "0000B004-0A1C-FFFF-3F40-5162738495A6", 0x33333333u);
    first = s.n_calls;
    status_started(&s);
    session_simple_call(&s, IISS_OPNUM_STOP, stop, 2, HR_S_OK, 3011800);
    status_stopped(&s);
    session_expect_action(&s, "/stop", first);

    /* /start */
    admin.port = SAMPLE_CLIENT_PORT + 6;
    next_run(&s, &admin, "0000B005-0A1C-FFFF-4051-62738495A6B7", 0x44444444u);
    first = s.n_calls;
    session_simple_call(&s, IISS_OPNUM_START, start, 1, HR_S_OK, 2210400);
    status_started(&s);
    session_expect_action(&s, "/start", first);

    /* /status again from the second client */
    deploy.port = 50213;
    next_run(&s, &deploy, "0000B006-0A1C-FFFF-5162-738495A6B7C8", 0x55555555u);
    first = s.n_calls;
    status_started(&s);
    session_expect_action(&s, "/status", first);

    /* /restart whose Stop times out: iisreset kills the services, then starts them */
    admin.port = SAMPLE_CLIENT_PORT + 8;
    next_run(&s, &admin, "0000B007-0A1C-FFFF-6273-8495A6B7C8D9", 0x66666666u);
    first = s.n_calls;
    status_started(&s);
    session_simple_call(&s, IISS_OPNUM_STOP, stop, 2, HR_E_SERVICE_REQUEST_TIMEOUT, 20000800);
    session_simple_call(&s, IISS_OPNUM_KILL, NULL, 0, HR_S_OK, 845300);
    session_simple_call(&s, IISS_OPNUM_START, start, 1, HR_S_OK, 2148250);
    status_started(&s);
    session_expect_action(&s, "/restart", first);

    /* /reboot (Windows Server 2003 still reboots) */
    deploy.port = 50215;
    next_run(&s, &deploy, "0000B008-0A1C-FFFF-7384-95A6B7C8D9EA", 0x77777777u);
    first = s.n_calls;
    const uint32_t reboot[2] = {30000, 0};
    session_simple_call(&s, IISS_OPNUM_REBOOT, reboot, 2, HR_S_OK, 1500);
    session_expect_action(&s, "/reboot", first);

    session_close_tcp(&s);
    return session_finish(&s);
}
