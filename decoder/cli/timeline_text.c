/* Text timeline (see timeline_text.h): the layout of a call's lines. The
 * values come from the call view (call_view.h) and the decoder's name
 * tables; services and anomalies print through output_text.h, the same
 * rows as `iissdump blob`. */
#include "timeline_text.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "iiss/infer.h"
#include "iiss/names.h"
#include "output_text.h"

/* ---- one call ---- */

/* ", " between parameters once one has been written. */
static void add_param_sep(iissdump_buf *out, bool *first)
{
    if (!*first)
        iissdump_buf_add(out, ", ", 2);
    *first = false;
}

/* A flag parameter: left out when 0, its bare name when 1, name=value
 * otherwise; "name=?" when the stub did not hold it but the method has it. */
static void add_flag_param(iissdump_buf *out, bool *first, const char *name, const iiss_dword_param *p, bool wanted)
{
    if (p->present && p->value != 0) {
        add_param_sep(out, first);
        iissdump_buf_str(out, name);
        if (p->value != 1) {
            iissdump_buf_char(out, '=');
            iissdump_buf_u64(out, p->value);
        }
    } else if (!p->present && wanted) {
        add_param_sep(out, first);
        iissdump_buf_str(out, name);
        iissdump_buf_add(out, "=?", 2);
    }
}

static void add_params(iissdump_buf *out, const iiss_call_record *rec)
{
    const iiss_request *rq = &rec->request;
    if (rec->sealed) {
        iissdump_buf_str(out, "(sealed)");
        return;
    }
    if (!rec->request_decoded) {
        iissdump_buf_str(out, "(?)");
        return;
    }
    /* A parameter the stub did not hold (cut short) prints as "?". */
    bool first = true;
    bool want_timeout = rec->opnum >= IISS_OPNUM_STOP && rec->opnum <= IISS_OPNUM_REBOOT;
    iissdump_buf_char(out, '(');
    if (rq->timeout_ms.present) {
        add_param_sep(out, &first);
        iissdump_buf_str(out, "timeout=");
        iissdump_buf_u64(out, rq->timeout_ms.value);
        iissdump_buf_str(out, " ms");
    } else if (want_timeout) {
        add_param_sep(out, &first);
        iissdump_buf_str(out, "timeout=?");
    }
    add_flag_param(out, &first, "force", &rq->force, rec->opnum == IISS_OPNUM_STOP);
    add_flag_param(out, &first, "force_apps_closed", &rq->force_apps_closed, rec->opnum == IISS_OPNUM_REBOOT);
    if (rq->buffer_size.present) {
        add_param_sep(out, &first);
        iissdump_buf_str(out, "buffer=");
        iissdump_buf_u64(out, rq->buffer_size.value);
        iissdump_buf_str(out, " bytes");
    } else if (rec->opnum == IISS_OPNUM_STATUS) {
        add_param_sep(out, &first);
        iissdump_buf_str(out, "buffer=?");
    }
    iissdump_buf_char(out, ')');
}

void iissdump_text_caller(iissdump_buf *out, const iiss_ntlm_identity *id)
{
    if (id->service_principal[0]) {
        /* Kerberos: the ticket's client principal, user@REALM. */
        iissdump_buf_str(out, id->user[0] ? id->user : "?");
        iissdump_buf_char(out, '@');
        iissdump_buf_str(out, id->domain);
        return;
    }
    if (id->domain[0]) {
        iissdump_buf_str(out, id->domain);
        iissdump_buf_char(out, '\\');
    }
    iissdump_buf_str(out, id->user[0] ? id->user : "?");
    if (id->workstation[0]) {
        iissdump_buf_char(out, '@');
        iissdump_buf_str(out, id->workstation);
    }
}

static void add_caller(iissdump_buf *out, const iiss_ntlm_identity *id)
{
    if (!id || (!id->user[0] && !id->domain[0]))
        return;
    iissdump_buf_add(out, "  ", 2);
    iissdump_text_caller(out, id);
}

static void add_notes(iissdump_buf *out, const iiss_note *notes, size_t count, const char *indent)
{
    for (size_t i = 0; i < count; i++) {
        const iiss_note *n = &notes[i];
        iissdump_buf_str(out, indent);
        const char *kind = iiss_note_kind_name(n->kind);
        iissdump_buf_str(out, kind ? kind : "(null)");
        if (n->frame) {
            iissdump_buf_str(out, " at frame ");
            iissdump_buf_u64(out, n->frame);
        }
        iissdump_buf_add(out, ": ", 2);
        iissdump_buf_str(out, n->message);
        iissdump_buf_char(out, '\n');
    }
}

/* "  rtt 1.234 ms". printf rounds the double; when the round trip is whole
 * microseconds (pcap's own resolution) and small enough for the double to
 * be exact to far below that, the digits are written directly. */
#define RTT_DIRECT_MAX_NS INT64_C(1000000000000000)

static void add_rtt(iissdump_buf *out, int64_t rtt_ns)
{
    if (rtt_ns % 1000 != 0 || rtt_ns > RTT_DIRECT_MAX_NS || rtt_ns < -RTT_DIRECT_MAX_NS) {
        iissdump_buf_printf(out, "  rtt %.3f ms", (double)rtt_ns / 1e6);
        return;
    }
    int64_t us = rtt_ns / 1000;
    uint64_t magnitude = (uint64_t)(us < 0 ? -us : us);
    iissdump_buf_str(out, us < 0 ? "  rtt -" : "  rtt ");
    iissdump_buf_u64(out, magnitude / 1000);
    char fraction[4] = {'.', (char)('0' + magnitude / 100 % 10), (char)('0' + magnitude / 10 % 10),
                        (char)('0' + magnitude % 10)};
    iissdump_buf_add(out, fraction, sizeof fraction);
    iissdump_buf_str(out, " ms");
}

/* " [NTLMSSP PKT_PRIVACY]" */
static void add_auth(iissdump_buf *out, bool has_auth, uint8_t auth_type, uint8_t auth_level)
{
    if (!has_auth || auth_type == 0)
        return;
    const char *type = iiss_dce_auth_type_name(auth_type);
    const char *level = iiss_dce_auth_level_name(auth_level);
    iissdump_buf_str(out, " [");
    iissdump_buf_str(out, type ? type : "auth");
    if (level) {
        iissdump_buf_char(out, ' ');
        iissdump_buf_str(out, level);
    } else {
        iissdump_buf_str(out, " level ");
        iissdump_buf_u64(out, auth_level);
    }
    iissdump_buf_char(out, ']');
}

static void add_frames(iissdump_buf *out, const iiss_packet_meta *request, const iiss_packet_meta *response)
{
    iissdump_buf_str(out, "  [frame ");
    iissdump_buf_u64(out, request->frame);
    if (response) {
        iissdump_buf_str(out, "→");
        iissdump_buf_u64(out, response->frame);
    }
    iissdump_buf_char(out, ']');
}

void iissdump_timeline_text_call(iissdump_buf *out, iissdump_table_scratch *table,
                                 iissdump_endpoint_names *endpoints, const iiss_call_record *rec)
{
    iissdump_timeline_text_line(out, endpoints, rec);
    iissdump_buf_char(out, '\n');

    if (rec->has_blob && rec->blob.service_count > 0)
        iissdump_text_services(out, table, &rec->blob, "    ");
    add_notes(out, rec->notes, rec->note_count, "    ! ");
    if (rec->request_decoded)
        iissdump_text_anomalies(out, &rec->request.anomalies, 0, "    ! request ");
    if (rec->response_decoded)
        iissdump_text_anomalies(out, &rec->response.anomalies, 0, "    ! response ");
    if (rec->has_blob)
        iissdump_text_anomalies(out, &rec->blob.anomalies, 0, "    ! buffer ");
}

void iissdump_timeline_text_line(iissdump_buf *out, iissdump_endpoint_names *endpoints, const iiss_call_record *rec)
{
    char text[IISSDUMP_RESULT_MAX > IISSDUMP_TIME_MAX ? IISSDUMP_RESULT_MAX : IISSDUMP_TIME_MAX];
    static const char arrow[] = " → ";
    iissdump_buf_str(out, iissdump_format_time(rec->request_meta.ts_sec, rec->request_meta.ts_nsec, text, sizeof text));
    iissdump_buf_add(out, "  ", 2);
    iissdump_buf_str(out, iissdump_endpoint_name(endpoints, &rec->client));
    iissdump_buf_add(out, arrow, sizeof arrow - 1);
    iissdump_buf_str(out, iissdump_endpoint_name(endpoints, &rec->server));
    /* the server's own names, from the NTLMSSP CHALLENGE */
    if (rec->has_identity && (rec->identity.server_dns[0] || rec->identity.server_netbios[0])) {
        iissdump_buf_add(out, " (", 2);
        iissdump_buf_str(out, rec->identity.server_dns[0] ? rec->identity.server_dns : rec->identity.server_netbios);
        iissdump_buf_char(out, ')');
    }
    add_caller(out, rec->has_identity ? &rec->identity : NULL);
    iissdump_buf_add(out, "  ", 2);
    if (rec->method) {
        iissdump_buf_str(out, rec->method);
    } else {
        iissdump_buf_str(out, "opnum ");
        iissdump_buf_u64(out, rec->opnum);
    }
    add_params(out, rec);
    iissdump_buf_add(out, arrow, sizeof arrow - 1);
    const char *result = iissdump_call_result(rec, text, sizeof text);
    iissdump_buf_str(out, result);
    if (rec->response_decoded && rec->response.hresult.present && !rec->is_fault && strcmp(result, "S_OK") != 0)
        iissdump_buf_printf(out, " (0x%08" PRIX32 ")", rec->response.hresult.value);
    if (rec->response_decoded && rec->response.required_size.present && rec->opnum == IISS_OPNUM_STATUS) {
        iissdump_buf_str(out, ", required ");
        iissdump_buf_u64(out, rec->response.required_size.value);
        iissdump_buf_str(out, " bytes");
    }
    if (rec->response_decoded && rec->response.num_services.present) {
        iissdump_buf_add(out, ", ", 2);
        iissdump_buf_u64(out, rec->response.num_services.value);
        iissdump_buf_str(out, rec->response.num_services.value == 1 ? " service" : " services");
    }
    int64_t rtt;
    if (iissdump_call_rtt_ns(rec, &rtt))
        add_rtt(out, rtt);
    add_frames(out, &rec->request_meta, rec->has_response ? &rec->response_meta : NULL);
    if (rec->inferred) {
        /* the evidence, as JSON's "inference" names it */
        const char *sep = " [inferred: ";
        for (unsigned i = 0; i < IISS_INFER_EVIDENCE_KINDS; i++)
            if (rec->inference & (1u << i)) {
                iissdump_buf_str(out, sep);
                iissdump_buf_str(out, iiss_infer_evidence_name(i));
                sep = ", ";
            }
        iissdump_buf_char(out, ']');
    }
    if (rec->ndr == IISS_NDR64)
        iissdump_buf_str(out, " [NDR64]");
    add_auth(out, rec->has_auth, rec->auth_type, rec->auth_level);
    /* Read with a credential: the parameters above were sealed on the wire. */
    if (rec->decrypted)
        iissdump_buf_str(out, " [decrypted]");
    if (rec->verified == IISS_DCE_VERIFIED_FALSE)
        iissdump_buf_str(out, " [signature invalid]");
}

/* ---- one activation ---- */

/* A GUID by its name in the decoder's table, else as text. */
static void add_guid_name(iissdump_buf *out, const uint8_t guid[16])
{
    const char *name = iiss_guid_lookup(guid);
    char text[IISS_UUID_STR_MAX];
    iissdump_buf_str(out, name ? name : iiss_uuid_format(guid, text, sizeof text));
}

void iissdump_timeline_text_activation(iissdump_buf *out, iissdump_endpoint_names *endpoints,
                                       const iiss_activation_record *rec)
{
    char text[IISSDUMP_RESULT_MAX > IISSDUMP_TIME_MAX ? IISSDUMP_RESULT_MAX : IISSDUMP_TIME_MAX];
    static const char arrow[] = " → ";
    iissdump_buf_str(out, iissdump_format_time(rec->request_meta.ts_sec, rec->request_meta.ts_nsec, text, sizeof text));
    iissdump_buf_add(out, "  ", 2);
    iissdump_buf_str(out, iissdump_endpoint_name(endpoints, &rec->client));
    iissdump_buf_add(out, arrow, sizeof arrow - 1);
    iissdump_buf_str(out, iissdump_endpoint_name(endpoints, &rec->server));
    add_caller(out, rec->has_identity ? &rec->identity : NULL);
    iissdump_buf_add(out, "  ", 2);
    iissdump_buf_str(out, iiss_act_method_name(rec->method));
    /* (class, interface asked for) */
    if (rec->sealed) {
        iissdump_buf_str(out, "(sealed)");
    } else if (!rec->request_decoded) {
        iissdump_buf_str(out, "(?)");
    } else {
        iissdump_buf_char(out, '(');
        if (rec->has_clsid)
            add_guid_name(out, rec->clsid);
        else
            iissdump_buf_char(out, '?');
        iissdump_buf_add(out, ", ", 2);
        if (rec->has_iid)
            add_guid_name(out, rec->iid);
        else
            iissdump_buf_char(out, '?');
        iissdump_buf_char(out, ')');
    }
    iissdump_buf_add(out, arrow, sizeof arrow - 1);
    const char *result = iissdump_activation_result(rec, text, sizeof text);
    iissdump_buf_str(out, result);
    if (rec->has_hresult && !rec->is_fault && strcmp(result, "S_OK") != 0)
        iissdump_buf_printf(out, " (0x%08" PRIX32 ")", rec->hresult);
    /* Where the object exporter listens, and the IPID later calls carry. */
    if (rec->has_port) {
        iissdump_buf_str(out, ", port ");
        iissdump_buf_u64(out, rec->port);
    }
    if (rec->has_ipid) {
        iissdump_buf_str(out, ", IPID ");
        iissdump_buf_str(out, iiss_uuid_format(rec->ipid, text, sizeof text));
    }
    int64_t rtt;
    if (iissdump_rtt_ns(&rec->request_meta, rec->has_response ? &rec->response_meta : NULL, &rtt))
        add_rtt(out, rtt);
    add_frames(out, &rec->request_meta, rec->has_response ? &rec->response_meta : NULL);
    iissdump_buf_str(out, " [activation]");
    if (rec->ndr == IISS_NDR64)
        iissdump_buf_str(out, " [NDR64]");
    add_auth(out, rec->has_auth, rec->auth_type, rec->auth_level);
    if (rec->decrypted)
        iissdump_buf_str(out, " [decrypted]");
    if (rec->verified == IISS_DCE_VERIFIED_FALSE)
        iissdump_buf_str(out, " [signature invalid]");
    iissdump_buf_char(out, '\n');

    add_notes(out, rec->notes, rec->note_count, "    ! ");
    if (rec->request_decoded)
        iissdump_text_anomalies(out, &rec->request.anomalies, 0, "    ! request ");
    if (rec->response_decoded)
        iissdump_text_anomalies(out, &rec->response.anomalies, 0, "    ! response ");
}
