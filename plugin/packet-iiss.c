/* packet-iiss.c: the IIS ServiceControl protocol (MS-IISS), the DCOM
 * interface IIsServiceControl behind remote `iisreset`.
 *
 * This file is Wireshark glue. Everything it knows about the protocol (the
 * stub layouts in NDR20 and NDR64, the STATUS_BLOB, the names of numbers,
 * the anomalies) comes from the decoder library (the headers in decoder/include/iiss/),
 * the same code iissdump runs. The plugin hands the stub bytes to the
 * decoder, then puts each decoded value on the bytes the decoder says it
 * came from. Wireshark's DCOM helpers show ORPCTHIS/ORPCTHAT where they can
 * (NDR20 layout in an NDR20 context); elsewhere the decoder's parse is shown.
 * Calls without a bind: packet-iiss-midstream.c.
 */
#include <string.h>

#include <glib.h>

#include <epan/packet.h>
#include <epan/exceptions.h>
#include <epan/expert.h>
#include <epan/guid-utils.h>
#include <epan/show_exception.h>
#include <epan/tfs.h>
#include <epan/unit_strings.h>
#include <epan/dissectors/packet-dcerpc.h>
#include <epan/dissectors/packet-dcom.h>
#include <epan/dissectors/packet-dcom-dispatch.h>
#include <ws_version.h>

#include "iiss/anomaly.h"
#include "iiss/names.h"
#include "iiss/status_blob.h"
#include "iiss/stub.h"

#include "packet-iiss.h"

/* Wireshark 4.4+ no longer needs subtree indices initialised to -1, 4.0 and
 * 4.2 do; -1 works for all. */
#define IISS_ETT_INIT (-1)

static int proto_iiss = -1;
/* dcom.hresult, Wireshark's DCOM field (looked up at handoff). */
static int hf_dcom_hresult = -1;

static int hf_iiss_opnum = -1;
static int hf_iiss_timeout = -1;
static int hf_iiss_force = -1;
static int hf_iiss_force_apps_closed = -1;
static int hf_iiss_buffer_size = -1;
static int hf_iiss_buffer_max_count = -1;
static int hf_iiss_buffer = -1;
static int hf_iiss_buffer_service_count = -1;
static int hf_iiss_required_size = -1;
static int hf_iiss_num_services = -1;
static int hf_iiss_hresult = -1;
static int hf_iiss_offset_unit = -1;
static int hf_iiss_service = -1;
static int hf_iiss_service_name = -1;
static int hf_iiss_service_display_name = -1;
static int hf_iiss_service_name_offset = -1;
static int hf_iiss_service_display_name_offset = -1;
static int hf_iiss_service_type = -1;
static int hf_iiss_service_state = -1;
static int hf_iiss_service_controls_accepted = -1;
static int hf_iiss_service_win32_exit_code = -1;
static int hf_iiss_service_specific_exit_code = -1;
static int hf_iiss_service_checkpoint = -1;
static int hf_iiss_service_wait_hint = -1;
static int hf_iiss_orpc_layout = -1;
static int hf_iiss_orpcthis = -1;
static int hf_iiss_orpcthis_version_major = -1;
static int hf_iiss_orpcthis_version_minor = -1;
static int hf_iiss_orpcthis_flags = -1;
static int hf_iiss_orpcthis_reserved1 = -1;
static int hf_iiss_orpcthis_cid = -1;
static int hf_iiss_orpcthat = -1;
static int hf_iiss_orpcthat_flags = -1;
static int hf_iiss_orpc_extensions = -1;
static int hf_iiss_orpc_extensions_size = -1;
static int hf_iiss_orpc_extensions_reserved = -1;
static int hf_iiss_orpc_extensions_count = -1;
static int hf_iiss_orpc_extent = -1;
static int hf_iiss_orpc_extent_id = -1;
static int hf_iiss_orpc_extent_size = -1;

static gint ett_iiss = IISS_ETT_INIT;
static gint ett_iiss_buffer = IISS_ETT_INIT;
static gint ett_iiss_service = IISS_ETT_INIT;
static gint ett_iiss_service_type = IISS_ETT_INIT;
static gint ett_iiss_controls_accepted = IISS_ETT_INIT;
static gint ett_iiss_orpc = IISS_ETT_INIT;
static gint ett_iiss_orpc_extensions = IISS_ETT_INIT;

/* One expert info per decoder anomaly kind, plus the protocol notes. */
static expert_field ei_iiss_anomaly[IISS_AN_KIND_COUNT];
static expert_field ei_iiss_hresult_failure = EI_INIT;
static expert_field ei_iiss_insufficient_buffer = EI_INIT;
static expert_field ei_iiss_terminates_processes = EI_INIT;
static expert_field ei_iiss_reboot = EI_INIT;

/* Bit fields of dwServiceType and dwControlsAccepted, registered from the
 * decoder's bit tables (NULL-terminated lists of hf ids for the bitmask). */
static int **iiss_service_type_bit_fields;
static int **iiss_controls_accepted_bit_fields;

/* DWORD booleans (dwForce, dwForceAppsClosed): the spec's TRUE and FALSE. */
static const value_string iiss_dword_bool_vals[] = {
    {0, "FALSE"},
    {1, "TRUE"},
    {0, NULL},
};

/* ---- value_strings from the decoder's tables ---- */

static const value_string *vs_from_table(const iiss_value_name *table)
{
    size_t n = 0;
    while (table[n].name != NULL) {
        n++;
    }
    value_string *vs = g_new0(value_string, n + 1);
    for (size_t i = 0; i < n; i++) {
        vs[i].value = table[i].value;
        vs[i].strptr = table[i].name;
    }
    return vs;
}

const char *iiss_method_name(guint16 opnum)
{
    const char *name = iiss_lookup(iiss_method_names, opnum);
    return name != NULL ? name : "Unknown";
}

/* ---- small helpers ---- */

/* A GUID the decoder kept as on the wire (fields in the data
 * representation's byte order), read through Wireshark's tvb accessor. */
static void guid_from_wire(const guint8 wire[16], gboolean big_endian, e_guid_t *out)
{
    tvbuff_t *t = tvb_new_real_data(wire, 16, 16);
    tvb_get_guid(t, 0, out, big_endian ? ENC_BIG_ENDIAN : ENC_LITTLE_ENDIAN);
    tvb_free(t);
}

/* Clamp a decoder span (relative to `base`) to the captured bytes, so that a
 * span reaching past a cut capture never throws from proto_tree_add_*. */
static void clamp_span(tvbuff_t *tvb, int base, guint32 off, guint32 len, int *out_off, int *out_len)
{
    guint avail = tvb_captured_length(tvb);
    guint64 start = (guint64)base + off;
    guint64 end = start + len;
    if (start > avail) {
        start = avail;
    }
    if (end > avail) {
        end = avail;
    }
    *out_off = (int)start;
    *out_len = (int)(end - start);
}

/* A fixed-size value the decoder read from `span`: shown from those bytes
 * with the encoding it was read with; from the decoder's value only where
 * the captured bytes end inside it. */
static proto_item *add_value(proto_tree *tree, int hf, tvbuff_t *tvb, int base, iiss_span span, guint encoding,
                             guint32 value)
{
    int o, l;
    clamp_span(tvb, base, span.offset, span.length, &o, &l);
    if (l > 0 && (guint32)l == span.length) {
        return proto_tree_add_item(tree, hf, tvb, o, l, encoding);
    }
    return proto_tree_add_uint(tree, hf, tvb, o, l, value);
}

static proto_item *add_dword_param(proto_tree *tree, int hf, tvbuff_t *tvb, int base, const iiss_dword_param *p,
                                   guint encoding)
{
    if (!p->present) {
        return NULL;
    }
    return add_value(tree, hf, tvb, base, p->span, encoding, p->value);
}

/* The anomaly kinds the plugin can meet: what the STATUS_BLOB and method
 * stub decoders find in the bytes it hands them. Not unknown_opnum (only
 * opnums 7-11 reach the decoder: the DCE/RPC dissector's sub-dissectors, the
 * midstream inference), nor what iissdump's capture stages note about a
 * call's transport or authentication (Wireshark's own dissectors report
 * those), nor the activation decoder's kinds (Wireshark's DCOM dissector
 * shows activations). By name, so that kinds the library's enum adds or
 * moves elsewhere change nothing here; plugin_sample_* fails when a call's
 * expected anomaly has no expert info. */
static gboolean plugin_can_raise(iiss_anomaly_kind kind)
{
    static const char *const raised[] = {
        /* STATUS_BLOB */
        "buffer_too_short", "count_mismatch", "count_not_inferred", "string_out_of_bounds", "string_in_records",
        "string_unterminated", "invalid_utf16", "string_overlap", "string_shared", "unreferenced_gap", "odd_length",
        "byte_offsets", "string_misaligned", "nonzero_error_buffer", "too_many_anomalies",
        /* method stubs */
        "stub_truncated", "stub_trailing_bytes", "orpc_malformed", "conformance_mismatch",
        "required_size_inconsistent", "bool_out_of_range", "null_pointer",
    };
    const char *name = iiss_anomaly_kind_name(kind);
    if (name == NULL) {
        return FALSE;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(raised); i++) {
        if (strcmp(name, raised[i]) == 0) {
            return TRUE;
        }
    }
    return FALSE;
}

static void add_anomalies(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, int base,
                          const iiss_anomaly_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        const iiss_anomaly *an = &list->items[i];
        if ((unsigned)an->kind >= IISS_AN_KIND_COUNT || !plugin_can_raise(an->kind)) {
            continue; /* cannot happen: see plugin_can_raise */
        }
        int o, l;
        clamp_span(tvb, base, an->offset, an->length, &o, &l);
        proto_tree_add_expert_format(tree, pinfo, &ei_iiss_anomaly[an->kind], tvb, o, l, "%s",
                                     an->message[0] ? an->message : iiss_anomaly_kind_summary(an->kind));
    }
}

static gboolean context_is_ndr64(const dcerpc_info *di)
{
    return di != NULL && di->call_data != NULL && (di->call_data->flags & DCERPC_IS_NDR64) != 0;
}

static gboolean drep_big_endian(const guint8 *drep)
{
    return (drep[0] & DREP_LITTLE_ENDIAN) == 0;
}

/* The stub bytes from `offset` on, as captured. */
const guint8 *iiss_stub_bytes(tvbuff_t *tvb, int offset, size_t *len)
{
    gint avail = tvb_captured_length_remaining(tvb, offset);
    if (avail <= 0) {
        *len = 0;
        return NULL;
    }
    *len = (size_t)avail;
    return tvb_get_ptr(tvb, offset, avail);
}

/* Sets the Info column after DCE/RPC's fence: when an earlier PDU of the
 * frame left text there, a separator goes first. */
static void set_info(packet_info *pinfo, const char *text)
{
    col_add_str(pinfo->cinfo, COL_INFO, text);
    const char *now = col_get_text(pinfo->cinfo, COL_INFO);
    if (now != NULL && strcmp(now, text) != 0) {
        col_add_fstr(pinfo->cinfo, COL_INFO, ", %s", text);
    }
}

/* ---- ORPCTHIS / ORPCTHAT ---- */

static void add_orpc_extensions(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, int base, gboolean big_endian,
                                const iiss_orpc_extensions *ext)
{
    if (!ext->present) {
        return;
    }
    int o, l;
    clamp_span(tvb, base, ext->span.offset, ext->span.length, &o, &l);
    proto_item *ti = proto_tree_add_item(tree, hf_iiss_orpc_extensions, tvb, o, l, ENC_NA);
    proto_tree *et = proto_item_add_subtree(ti, ett_iiss_orpc_extensions);
    proto_item_set_generated(proto_tree_add_uint(et, hf_iiss_orpc_extensions_size, tvb, o, l, ext->size));
    proto_item_set_generated(proto_tree_add_uint(et, hf_iiss_orpc_extensions_reserved, tvb, o, l, ext->reserved));
    proto_item_set_generated(proto_tree_add_uint(et, hf_iiss_orpc_extensions_count, tvb, o, l, ext->count));
    guint32 kept = ext->count < IISS_ORPC_EXTENTS_KEPT ? ext->count : IISS_ORPC_EXTENTS_KEPT;
    for (guint32 i = 0; i < kept; i++) {
        const iiss_orpc_extent *x = &ext->kept[i];
        e_guid_t id;
        guid_from_wire(x->id, big_endian, &id);
        clamp_span(tvb, base, x->data.offset, x->data.length, &o, &l);
        proto_item *xi = proto_tree_add_item(et, hf_iiss_orpc_extent, tvb, o, l, ENC_NA);
        proto_item_append_text(xi, ": %s, %u bytes", guids_resolve_guid_to_str(&id, pinfo->pool), x->size);
        proto_tree *xt = proto_item_add_subtree(xi, ett_iiss_orpc_extensions);
        proto_item_set_generated(proto_tree_add_guid(xt, hf_iiss_orpc_extent_id, tvb, o, l, &id));
        proto_item_set_generated(proto_tree_add_uint(xt, hf_iiss_orpc_extent_size, tvb, o, l, x->size));
    }
}

/* ORPCTHIS or ORPCTHAT, described the same way: Wireshark's DCOM helper for
 * it, and what the decoder parsed (layout, each fixed field's position). */
typedef int (*iiss_dcom_orpc_helper)(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree,
                                     dcerpc_info *di, guint8 *drep);

#define IISS_ORPC_FIELDS_MAX 5
typedef struct iiss_orpc_view {
    int hf_header;
    iiss_dcom_orpc_helper helper;
    gboolean parsed;
    iiss_ndr layout;
    iiss_span span;
    const iiss_orpc_extensions *extensions;
    size_t nfields;
    struct {
        int hf;
        iiss_span at;
    } fields[IISS_ORPC_FIELDS_MAX];
} iiss_orpc_view;

static iiss_orpc_view orpcthis_view(const iiss_orpcthis *t)
{
    iiss_orpc_view o = {hf_iiss_orpcthis, dissect_dcom_this, t->parsed, t->layout, t->span, &t->extensions, 5,
                        {{hf_iiss_orpcthis_version_major, t->at.version_major},
                         {hf_iiss_orpcthis_version_minor, t->at.version_minor},
                         {hf_iiss_orpcthis_flags, t->at.flags},
                         {hf_iiss_orpcthis_reserved1, t->at.reserved1},
                         {hf_iiss_orpcthis_cid, t->at.cid}}};
    return o;
}

static iiss_orpc_view orpcthat_view(const iiss_orpcthat *t)
{
    iiss_orpc_view o = {hf_iiss_orpcthat, dissect_dcom_that, t->parsed, t->layout, t->span, &t->extensions, 1,
                        {{hf_iiss_orpcthat_flags, t->at.flags}}};
    return o;
}

/* Through Wireshark's DCOM helper when the decoder found the header in NDR20
 * layout in an NDR20 context (what the helper understands); otherwise from
 * the decoder's parse, each field read from the bytes the decoder read it
 * from. A helper exception (it parses on its own) is shown and does not stop
 * the rest of the call from being shown. */
static void show_orpc(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, const iiss_call_view *v,
                      const iiss_orpc_view *h)
{
    if (!h->parsed) {
        return;
    }
    /* The layout the header was marshaled in is data, either is conforming
     * (MS-DCOM 2.2.13 marshals ORPCTHIS/ORPCTHAT with NDR20 whatever the
     * call's transfer syntax): shown for every call, on the header's bytes. */
    int o, l;
    clamp_span(tvb, offset, h->span.offset, h->span.length, &o, &l);
    proto_item_set_generated(proto_tree_add_uint(tree, hf_iiss_orpc_layout, tvb, o, l, h->layout));
    if (v->di != NULL && !v->ndr64 && h->layout == IISS_NDR20) {
        TRY {
            h->helper(tvb, offset, pinfo, tree, v->di, v->drep);
        }
        CATCH_NONFATAL_ERRORS {
            show_exception(tvb, pinfo, tree, EXCEPT_CODE, GET_MESSAGE);
        }
        ENDTRY;
        return;
    }
    proto_item *ti = proto_tree_add_item(tree, h->hf_header, tvb, o, l, ENC_NA);
    proto_item_append_text(ti, " (%s layout)", iiss_ndr_name(h->layout));
    proto_tree *ot = proto_item_add_subtree(ti, ett_iiss_orpc);
    for (size_t i = 0; i < h->nfields; i++) {
        clamp_span(tvb, offset, h->fields[i].at.offset, h->fields[i].at.length, &o, &l);
        if ((guint32)l == h->fields[i].at.length) { /* parsed, hence whole */
            proto_tree_add_item(ot, h->fields[i].hf, tvb, o, l, v->encoding);
        }
    }
    add_orpc_extensions(ot, pinfo, tvb, offset, v->big_endian, h->extensions);
}

/* ---- requests ---- */

int iiss_show_request(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, const iiss_call_view *v)
{
    guint16 opnum = v->opnum;
    size_t len;
    const guint8 *stub = iiss_stub_bytes(tvb, offset, &len);

    iiss_request *req = wmem_new0(pinfo->pool, iiss_request);
    iiss_decode_request(stub, len, opnum, v->ndr64 ? IISS_NDR64 : IISS_NDR20, v->big_endian, req);

    iiss_orpc_view orpc = orpcthis_view(&req->orpcthis);
    show_orpc(tvb, offset, pinfo, tree, v, &orpc);

    proto_item *ti;
    add_dword_param(tree, hf_iiss_timeout, tvb, offset, &req->timeout_ms, v->encoding);
    ti = add_dword_param(tree, hf_iiss_force, tvb, offset, &req->force, v->encoding);
    if (ti != NULL && opnum == IISS_OPNUM_STOP && req->force.value != 0) {
        expert_add_info(pinfo, ti, &ei_iiss_terminates_processes);
    }
    add_dword_param(tree, hf_iiss_force_apps_closed, tvb, offset, &req->force_apps_closed, v->encoding);
    add_dword_param(tree, hf_iiss_buffer_size, tvb, offset, &req->buffer_size, v->encoding);

    if (opnum == IISS_OPNUM_KILL) {
        proto_tree_add_expert(tree, pinfo, &ei_iiss_terminates_processes, tvb, offset, 0);
    } else if (opnum == IISS_OPNUM_REBOOT) {
        proto_tree_add_expert(tree, pinfo, &ei_iiss_reboot, tvb, offset, 0);
    }
    add_anomalies(tree, pinfo, tvb, offset, &req->anomalies);

    /* Remember dwBufferSize for the reply's conformance check. */
    if (opnum == IISS_OPNUM_STATUS && req->buffer_size.present && v->state != NULL) {
        v->state->have_buffer_size = TRUE;
        v->state->buffer_size = req->buffer_size.value;
    }

    /* Info column: "Stop request: timeout 20000 ms, force". */
    wmem_strbuf_t *info = wmem_strbuf_new(pinfo->pool, "");
    wmem_strbuf_append_printf(info, "%s request", iiss_method_name(opnum));
    const char *sep = ": ";
    if (req->timeout_ms.present) {
        wmem_strbuf_append_printf(info, "%stimeout %u ms", sep, req->timeout_ms.value);
        sep = ", ";
    }
    if (req->force.present && req->force.value != 0) {
        wmem_strbuf_append_printf(info, "%sforce", sep);
        sep = ", ";
    }
    if (req->force_apps_closed.present && req->force_apps_closed.value != 0) {
        wmem_strbuf_append_printf(info, "%sforce apps closed", sep);
        sep = ", ";
    }
    if (req->buffer_size.present) {
        wmem_strbuf_append_printf(info, "%sbuffer %u bytes", sep, req->buffer_size.value);
    }
    if (!req->complete) {
        wmem_strbuf_append(info, " [incomplete]");
    }
    set_info(pinfo, wmem_strbuf_get_str(info));
    return offset + (int)len;
}

/* ---- responses ---- */

/* A service string for an item label: control characters (a hostile blob
 * may hold any) shown as '?', so the label stays one line. */
static const char *label_text(wmem_allocator_t *pool, const char *utf8)
{
    if (utf8 == NULL) {
        return "?";
    }
    char *copy = wmem_strdup(pool, utf8);
    for (char *c = copy; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            *c = '?';
        }
    }
    return copy;
}

static proto_item *add_record_dword(proto_tree *tree, int hf, tvbuff_t *tvb, int buf_base, guint32 off,
                                    guint32 value)
{
    iiss_span span = {off, 4};
    return add_value(tree, hf, tvb, buf_base, span, ENC_LITTLE_ENDIAN, value);
}

static void add_service(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, int buf_base, guint ordinal,
                        const iiss_service_record *r)
{
    int o, l;
    clamp_span(tvb, buf_base, r->record_offset, IISS_RECORD_SIZE, &o, &l);
    proto_item *si = proto_tree_add_item(tree, hf_iiss_service, tvb, o, l, ENC_NA);
    char state[64];
    proto_item_append_text(si, " %u: %s (%s), %s", ordinal + 1, label_text(pinfo->pool, r->name.utf8),
                           label_text(pinfo->pool, r->display_name.utf8),
                           iiss_state_format(r->current_state, state, sizeof state));
    proto_tree *st = proto_item_add_subtree(si, ett_iiss_service);
    guint32 rec = r->record_offset;

    /* The records are little-endian whatever the call's data representation
     * (MS-IISS 2.2.2). */
    add_record_dword(st, hf_iiss_service_name_offset, tvb, buf_base, rec + IISS_REC_OFF_NAME, r->name_offset);
    if (r->name.present && r->name.utf8 != NULL) {
        clamp_span(tvb, buf_base, r->name.offset, r->name.length, &o, &l);
        proto_tree_add_string(st, hf_iiss_service_name, tvb, o, l, r->name.utf8);
    }
    add_record_dword(st, hf_iiss_service_display_name_offset, tvb, buf_base, rec + IISS_REC_OFF_DISPLAY_NAME,
                     r->display_name_offset);
    if (r->display_name.present && r->display_name.utf8 != NULL) {
        clamp_span(tvb, buf_base, r->display_name.offset, r->display_name.length, &o, &l);
        proto_tree_add_string(st, hf_iiss_service_display_name, tvb, o, l, r->display_name.utf8);
    }

    /* A whole service type has a name of its own (the label says it once);
     * other combinations are named by their bits. */
    clamp_span(tvb, buf_base, rec + IISS_REC_OFF_SERVICE_TYPE, 4, &o, &l);
    if (l == 4) {
        int flags = iiss_lookup(iiss_service_type_names, r->service_type) != NULL ? BMT_NO_APPEND
                                                                                  : BMT_NO_INT | BMT_NO_TFS;
        proto_tree_add_bitmask_with_flags(st, tvb, o, hf_iiss_service_type, ett_iiss_service_type,
                                          (int *const *)iiss_service_type_bit_fields, ENC_LITTLE_ENDIAN, flags);
    }
    add_record_dword(st, hf_iiss_service_state, tvb, buf_base, rec + IISS_REC_OFF_CURRENT_STATE, r->current_state);
    clamp_span(tvb, buf_base, rec + IISS_REC_OFF_CONTROLS_ACCEPTED, 4, &o, &l);
    if (l == 4) {
        proto_tree_add_bitmask_with_flags(st, tvb, o, hf_iiss_service_controls_accepted, ett_iiss_controls_accepted,
                                          (int *const *)iiss_controls_accepted_bit_fields, ENC_LITTLE_ENDIAN,
                                          BMT_NO_INT | BMT_NO_TFS);
    }
    add_record_dword(st, hf_iiss_service_win32_exit_code, tvb, buf_base, rec + IISS_REC_OFF_WIN32_EXIT_CODE,
                     r->win32_exit_code);
    add_record_dword(st, hf_iiss_service_specific_exit_code, tvb, buf_base, rec + IISS_REC_OFF_SPECIFIC_EXIT_CODE,
                     r->service_specific_exit_code);
    add_record_dword(st, hf_iiss_service_checkpoint, tvb, buf_base, rec + IISS_REC_OFF_CHECK_POINT, r->check_point);
    add_record_dword(st, hf_iiss_service_wait_hint, tvb, buf_base, rec + IISS_REC_OFF_WAIT_HINT, r->wait_hint);
}

/* pbBuffer: the bytes, then the STATUS_BLOB as the decoder reads it. */
static void add_status_buffer(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, int offset, const guint8 *stub,
                              size_t len, const iiss_response *resp, guint encoding)
{
    int o, l;
    clamp_span(tvb, offset, resp->conformance_span.offset, resp->conformance_span.length, &o, &l);
    if (l > 0 && (guint32)l == resp->conformance_span.length) {
        proto_tree_add_item(tree, hf_iiss_buffer_max_count, tvb, o, l, encoding);
    } else {
        proto_tree_add_uint64(tree, hf_iiss_buffer_max_count, tvb, o, l, resp->conformance);
    }

    clamp_span(tvb, offset, resp->buffer.offset, resp->buffer.length, &o, &l);
    proto_item *bi = proto_tree_add_item(tree, hf_iiss_buffer, tvb, o, l, ENC_NA);
    if (resp->buffer.length == 0) {
        return;
    }
    /* Like iissdump: the STATUS_BLOB is decoded only from a complete reply;
     * a cut one keeps its bytes, with the stub_truncated expert info. */
    if (!resp->complete) {
        return;
    }
    proto_tree *bt = proto_item_add_subtree(bi, ett_iiss_buffer);

    iiss_status_blob blob;
    if (!iiss_response_decode_blob(stub, len, resp, &blob)) {
        iiss_status_blob_free(&blob);
        return;
    }
    int buf_base = offset + (int)resp->buffer.offset;
    if (blob.service_count > 0) {
        proto_item_set_generated(proto_tree_add_uint(bt, hf_iiss_offset_unit, tvb, o, l, blob.offset_unit));
    }
    /* The count is an item of its own: text appended to a bytes item is
     * lost on Wireshark 4.4+, whose bytes labels fill the whole label. */
    proto_item_set_generated(
        proto_tree_add_uint(bt, hf_iiss_buffer_service_count, tvb, o, l, (guint32)blob.service_count));
    for (size_t i = 0; i < blob.service_count; i++) {
        add_service(bt, pinfo, tvb, buf_base, (guint)i, &blob.services[i]);
    }
    add_anomalies(bt, pinfo, tvb, buf_base, &blob.anomalies);
    iiss_status_blob_free(&blob);
}

int iiss_show_response(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, const iiss_call_view *v)
{
    guint16 opnum = v->opnum;
    size_t len;
    const guint8 *stub = iiss_stub_bytes(tvb, offset, &len);

    const guint32 *request_buffer_size = NULL;
    if (v->state != NULL && v->state->have_buffer_size) {
        request_buffer_size = &v->state->buffer_size;
    }

    iiss_response *resp = wmem_new0(pinfo->pool, iiss_response);
    iiss_decode_response(stub, len, opnum, v->ndr64 ? IISS_NDR64 : IISS_NDR20, v->big_endian, request_buffer_size,
                         resp);

    iiss_orpc_view orpc = orpcthat_view(&resp->orpcthat);
    show_orpc(tvb, offset, pinfo, tree, v, &orpc);

    if (resp->has_buffer) {
        add_status_buffer(tree, pinfo, tvb, offset, stub, len, resp, v->encoding);
    }
    proto_item *req_item = add_dword_param(tree, hf_iiss_required_size, tvb, offset, &resp->required_size, v->encoding);
    add_dword_param(tree, hf_iiss_num_services, tvb, offset, &resp->num_services, v->encoding);
    proto_item *hr_item = add_dword_param(tree, hf_iiss_hresult, tvb, offset, &resp->hresult, v->encoding);
    /* Also DCOM's own HRESULT field, as every DCOM interface in Wireshark
     * fills it: -Y dcom.hresult finds IIS replies too. Hidden: iiss.hresult
     * already shows the same bytes. */
    if (hr_item != NULL && hf_dcom_hresult > 0) {
        proto_item_set_hidden(add_dword_param(tree, hf_dcom_hresult, tvb, offset, &resp->hresult, v->encoding));
    }

    char hr_name[128];
    if (resp->hresult.present) {
        iiss_hresult_format(resp->hresult.value, hr_name, sizeof hr_name);
        if (resp->hresult.value != 0) {
            expert_add_info_format(pinfo, hr_item, &ei_iiss_hresult_failure, "%s returned %s", iiss_method_name(opnum),
                                   hr_name);
        }
        if (resp->hresult.value == IISS_E_ERROR_INSUFFICIENT_BUFFER && req_item != NULL) {
            expert_add_info_format(pinfo, req_item, &ei_iiss_insufficient_buffer,
                                   "Buffer too small: the server needs %u bytes", resp->required_size.value);
        }
    }
    add_anomalies(tree, pinfo, tvb, offset, &resp->anomalies);

    /* Info column: "Status response: 5 services, S_OK". */
    wmem_strbuf_t *info = wmem_strbuf_new(pinfo->pool, "");
    wmem_strbuf_append_printf(info, "%s response", iiss_method_name(opnum));
    const char *sep = ": ";
    if (resp->num_services.present) {
        wmem_strbuf_append_printf(info, "%s%u service%s", sep, resp->num_services.value,
                                  resp->num_services.value == 1 ? "" : "s");
        sep = ", ";
    }
    if (resp->hresult.present && resp->hresult.value == IISS_E_ERROR_INSUFFICIENT_BUFFER && resp->required_size.present) {
        wmem_strbuf_append_printf(info, "%srequired %u bytes", sep, resp->required_size.value);
        sep = ", ";
    }
    if (resp->hresult.present) {
        wmem_strbuf_append_printf(info, "%s%s", sep, hr_name);
    }
    if (!resp->complete) {
        wmem_strbuf_append(info, " [incomplete]");
    }
    set_info(pinfo, wmem_strbuf_get_str(info));
    return offset + (int)len;
}

/* ---- bound calls: the DCE/RPC dissector's sub-dissectors ---- */

static void bound_view(iiss_call_view *v, dcerpc_info *di, guint8 *drep, gboolean create_state)
{
    v->opnum = di->call_data != NULL ? di->call_data->opnum : 0;
    v->ndr64 = context_is_ndr64(di);
    v->big_endian = drep_big_endian(drep);
    v->encoding = v->big_endian ? ENC_BIG_ENDIAN : ENC_LITTLE_ENDIAN;
    v->di = di;
    v->drep = drep;
    v->state = NULL;
    /* The request's dwBufferSize travels with the DCE/RPC call. */
    if (di->call_data != NULL) {
        if (di->call_data->private_data == NULL && create_state && v->opnum == IISS_OPNUM_STATUS) {
            di->call_data->private_data = wmem_new0(wmem_file_scope(), iiss_call_state);
        }
        v->state = (iiss_call_state *)di->call_data->private_data;
    }
}

static int dissect_iiss_request(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, dcerpc_info *di,
                                guint8 *drep)
{
    iiss_call_view v;
    bound_view(&v, di, drep, TRUE);
    iiss_midstream_note_bound_call(pinfo, TRUE);
    return iiss_show_request(tvb, offset, pinfo, tree, &v);
}

static int dissect_iiss_response(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, dcerpc_info *di,
                                 guint8 *drep)
{
    iiss_call_view v;
    bound_view(&v, di, drep, FALSE);
    return iiss_show_response(tvb, offset, pinfo, tree, &v);
}

/* IDispatch methods (opnums 3-6) through Wireshark's helpers, which know
 * NDR20 only; in an NDR64 context the stub stays undissected. */
#define IISS_IDISPATCH_WRAPPER(fn)                                                                           \
    static int iiss_##fn(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, dcerpc_info *di, \
                         guint8 *drep)                                                                       \
    {                                                                                                        \
        if (context_is_ndr64(di)) {                                                                          \
            return offset;                                                                                   \
        }                                                                                                    \
        return fn(tvb, offset, pinfo, tree, di, drep);                                                       \
    }
IISS_IDISPATCH_WRAPPER(dissect_dcom_simple_rqst)
IISS_IDISPATCH_WRAPPER(dissect_IDispatch_GetTypeInfoCount_resp)
IISS_IDISPATCH_WRAPPER(dissect_IDispatch_GetTypeInfo_rqst)
IISS_IDISPATCH_WRAPPER(dissect_IDispatch_GetTypeInfo_resp)
IISS_IDISPATCH_WRAPPER(dissect_IDispatch_GetIDsOfNames_rqst)
IISS_IDISPATCH_WRAPPER(dissect_IDispatch_GetIDsOfNames_resp)
IISS_IDISPATCH_WRAPPER(dissect_IDispatch_Invoke_rqst)
IISS_IDISPATCH_WRAPPER(dissect_IDispatch_Invoke_resp)

/* Opnums 0-2 are IUnknown's, 3-6 IDispatch's (MS-IISS 3.1.4, MS-OAUT), 7-11
 * this interface's. The names are filled in from the decoder's table at
 * registration (the DCE/RPC statistics and the opnum field show them). */
static dcerpc_sub_dissector iiss_procs[] = {
    {0, NULL, NULL, NULL},
    {1, NULL, NULL, NULL},
    {2, NULL, NULL, NULL},
    {3, NULL, iiss_dissect_dcom_simple_rqst, iiss_dissect_IDispatch_GetTypeInfoCount_resp},
    {4, NULL, iiss_dissect_IDispatch_GetTypeInfo_rqst, iiss_dissect_IDispatch_GetTypeInfo_resp},
    {5, NULL, iiss_dissect_IDispatch_GetIDsOfNames_rqst, iiss_dissect_IDispatch_GetIDsOfNames_resp},
    {6, NULL, iiss_dissect_IDispatch_Invoke_rqst, iiss_dissect_IDispatch_Invoke_resp},
    {IISS_OPNUM_STOP, NULL, dissect_iiss_request, dissect_iiss_response},
    {IISS_OPNUM_START, NULL, dissect_iiss_request, dissect_iiss_response},
    {IISS_OPNUM_REBOOT, NULL, dissect_iiss_request, dissect_iiss_response},
    {IISS_OPNUM_STATUS, NULL, dissect_iiss_request, dissect_iiss_response},
    {IISS_OPNUM_KILL, NULL, dissect_iiss_request, dissect_iiss_response},
    {0, NULL, NULL, NULL},
};

/* ---- registration ---- */

/* "SERVICE_ACCEPT_STOP" -> "stop": the filter-name part of a bit. */
static char *bit_abbrev_part(const char *name)
{
    static const char *const prefixes[] = {"SERVICE_ACCEPT_", "SERVICE_"};
    for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(name, prefixes[i], n) == 0 && name[n] != '\0') {
            name += n;
            break;
        }
    }
    char *part = g_ascii_strdown(name, -1);
    for (char *c = part; *c; c++) {
        if (!g_ascii_isalnum(*c)) {
            *c = '_';
        }
    }
    return part;
}

/* Registers one FT_BOOLEAN field per bit of `bits` under `parent_abbrev`;
 * returns the NULL-terminated hf id list proto_tree_add_bitmask_value wants. */
static int **register_bit_fields(const iiss_value_name *bits, const char *parent_abbrev)
{
    size_t n = 0;
    while (bits[n].name != NULL) {
        n++;
    }
    /* HFILL fills Wireshark's private members, whatever the version. */
    static const hf_register_info bit_template = {
        NULL, {NULL, NULL, FT_BOOLEAN, 32, NULL, 0x0, NULL, HFILL}};
    int **ids = g_new0(int *, n + 1);
    hf_register_info *hf = g_new0(hf_register_info, n);
    for (size_t i = 0; i < n; i++) {
        ids[i] = g_new(int, 1);
        *ids[i] = -1;
        char *part = bit_abbrev_part(bits[i].name);
        hf[i] = bit_template;
        hf[i].p_id = ids[i];
        hf[i].hfinfo.name = bits[i].name;
        hf[i].hfinfo.abbrev = g_strdup_printf("%s.%s", parent_abbrev, part);
        hf[i].hfinfo.strings = TFS(&tfs_set_notset);
        hf[i].hfinfo.bitmask = bits[i].value;
        g_free(part);
    }
    proto_register_field_array(proto_iiss, hf, (int)n);
    return ids;
}

static void register_anomaly_experts(expert_module_t *module)
{
    /* EXPFILL fills Wireshark's private members, whatever the version. */
    static const ei_register_info ei_template = {NULL, {NULL, PI_PROTOCOL, PI_WARN, NULL, EXPFILL}};
    ei_register_info *ei = g_new0(ei_register_info, IISS_AN_KIND_COUNT);
    int n = 0;
    for (int k = 0; k < IISS_AN_KIND_COUNT; k++) {
        ei_iiss_anomaly[k].ei = EI_INIT_EI;
        ei_iiss_anomaly[k].hf = EI_INIT_HF;
        if (!plugin_can_raise((iiss_anomaly_kind)k)) {
            continue;
        }
        gboolean malformed = iiss_anomaly_kind_is_malformed((iiss_anomaly_kind)k);
        const char *name = iiss_anomaly_kind_name((iiss_anomaly_kind)k);
        const char *summary = iiss_anomaly_kind_summary((iiss_anomaly_kind)k);
        ei[n] = ei_template;
        ei[n].ids = &ei_iiss_anomaly[k];
        ei[n].eiinfo.name = g_strdup_printf("iiss.anomaly.%s", name != NULL ? name : "unknown");
        ei[n].eiinfo.group = malformed ? PI_MALFORMED : PI_PROTOCOL;
        ei[n].eiinfo.severity = malformed ? PI_ERROR : PI_WARN;
        ei[n].eiinfo.summary = summary != NULL ? summary : "IIS ServiceControl anomaly";
        n++;
    }
    expert_register_field_array(module, ei, n);
}

static void set_field_strings(hf_register_info *hf, size_t n, const int *id, const void *strings)
{
    for (size_t i = 0; i < n; i++) {
        if (hf[i].p_id == id) {
            hf[i].hfinfo.strings = strings;
        }
    }
}

void proto_register_iiss(void)
{
    static hf_register_info hf[] = {
        {&hf_iiss_opnum, {"Operation", "iiss.opnum", FT_UINT16, BASE_DEC, NULL, 0x0, NULL, HFILL}},
        {&hf_iiss_timeout,
         {"Timeout", "iiss.timeout", FT_UINT32, BASE_DEC | BASE_UNIT_STRING, &units_milliseconds, 0x0,
          "dwTimeoutMsecs", HFILL}},
        {&hf_iiss_force,
         {"Force", "iiss.force", FT_UINT32, BASE_DEC, VALS(iiss_dword_bool_vals), 0x0,
          "dwForce: terminate the services that do not stop in time", HFILL}},
        {&hf_iiss_force_apps_closed,
         {"Force apps closed", "iiss.force_apps_closed", FT_UINT32, BASE_DEC, VALS(iiss_dword_bool_vals), 0x0,
          "dwForceAppsClosed", HFILL}},
        {&hf_iiss_buffer_size,
         {"Buffer size", "iiss.buffer_size", FT_UINT32, BASE_DEC | BASE_UNIT_STRING, &units_byte_bytes, 0x0,
          "dwBufferSize", HFILL}},
        {&hf_iiss_buffer_max_count,
         {"Buffer max count", "iiss.buffer.max_count", FT_UINT64, BASE_DEC, NULL, 0x0,
          "Conformance of pbBuffer (equals the request's dwBufferSize)", HFILL}},
        {&hf_iiss_buffer, {"Buffer", "iiss.buffer", FT_BYTES, BASE_NONE, NULL, 0x0, "pbBuffer (STATUS_BLOB)", HFILL}},
        {&hf_iiss_buffer_service_count,
         {"Services decoded", "iiss.buffer.service_count", FT_UINT32, BASE_DEC, NULL, 0x0,
          "SERIALIZED_ENUM_SERVICE_STATUS records decoded from the buffer", HFILL}},
        {&hf_iiss_required_size,
         {"Required buffer size", "iiss.required_size", FT_UINT32, BASE_DEC | BASE_UNIT_STRING, &units_byte_bytes,
          0x0, "pdwMDRequiredBufferSize", HFILL}},
        {&hf_iiss_num_services,
         {"Number of services", "iiss.num_services", FT_UINT32, BASE_DEC, NULL, 0x0, "pdwNumServices", HFILL}},
        {&hf_iiss_hresult, {"HRESULT", "iiss.hresult", FT_UINT32, BASE_HEX, NULL, 0x0, NULL, HFILL}},
        {&hf_iiss_offset_unit,
         {"String offset unit", "iiss.buffer.offset_unit", FT_UINT8, BASE_DEC, NULL, 0x0,
          "Unit of iServiceName/iDisplayName: WCHARs (MS-IISS 2.2.1) or bytes (the 4.1 example)", HFILL}},
        {&hf_iiss_service,
         {"Service", "iiss.service", FT_NONE, BASE_NONE, NULL, 0x0, "SERIALIZED_ENUM_SERVICE_STATUS", HFILL}},
        {&hf_iiss_service_name, {"Name", "iiss.service.name", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_iiss_service_display_name,
         {"Display name", "iiss.service.display_name", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_iiss_service_name_offset,
         {"Name offset", "iiss.service.name_offset", FT_UINT32, BASE_DEC, NULL, 0x0, "iServiceName", HFILL}},
        {&hf_iiss_service_display_name_offset,
         {"Display name offset", "iiss.service.display_name_offset", FT_UINT32, BASE_DEC, NULL, 0x0, "iDisplayName",
          HFILL}},
        {&hf_iiss_service_type,
         {"Service type", "iiss.service.type", FT_UINT32, BASE_HEX, NULL, 0x0, "dwServiceType", HFILL}},
        {&hf_iiss_service_state,
         {"Current state", "iiss.service.state", FT_UINT32, BASE_DEC, NULL, 0x0, "dwCurrentState", HFILL}},
        {&hf_iiss_service_controls_accepted,
         {"Controls accepted", "iiss.service.controls_accepted", FT_UINT32, BASE_HEX, NULL, 0x0,
          "dwControlsAccepted", HFILL}},
        {&hf_iiss_service_win32_exit_code,
         {"Win32 exit code", "iiss.service.win32_exit_code", FT_UINT32, BASE_DEC, NULL, 0x0, "dwWin32ExitCode",
          HFILL}},
        {&hf_iiss_service_specific_exit_code,
         {"Service-specific exit code", "iiss.service.specific_exit_code", FT_UINT32, BASE_DEC, NULL, 0x0,
          "dwServiceSpecificExitCode", HFILL}},
        {&hf_iiss_service_checkpoint,
         {"Check point", "iiss.service.checkpoint", FT_UINT32, BASE_DEC, NULL, 0x0, "dwCheckPoint", HFILL}},
        {&hf_iiss_service_wait_hint,
         {"Wait hint", "iiss.service.wait_hint", FT_UINT32, BASE_DEC | BASE_UNIT_STRING, &units_milliseconds, 0x0,
          "dwWaitHint", HFILL}},
        {&hf_iiss_orpc_layout,
         {"ORPC header layout", "iiss.orpc.layout", FT_UINT8, BASE_DEC, NULL, 0x0,
          "Transfer syntax ORPCTHIS/ORPCTHAT is marshaled in (NDR20 is conforming in an NDR64 call too)", HFILL}},
        {&hf_iiss_orpcthis, {"ORPCTHIS", "iiss.orpcthis", FT_NONE, BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_iiss_orpcthis_version_major,
         {"Version major", "iiss.orpcthis.version_major", FT_UINT16, BASE_DEC, NULL, 0x0, NULL, HFILL}},
        {&hf_iiss_orpcthis_version_minor,
         {"Version minor", "iiss.orpcthis.version_minor", FT_UINT16, BASE_DEC, NULL, 0x0, NULL, HFILL}},
        {&hf_iiss_orpcthis_flags, {"Flags", "iiss.orpcthis.flags", FT_UINT32, BASE_HEX, NULL, 0x0, NULL, HFILL}},
        {&hf_iiss_orpcthis_reserved1,
         {"Reserved", "iiss.orpcthis.reserved1", FT_UINT32, BASE_HEX, NULL, 0x0, NULL, HFILL}},
        {&hf_iiss_orpcthis_cid,
         {"Causality ID", "iiss.orpcthis.cid", FT_GUID, BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_iiss_orpcthat, {"ORPCTHAT", "iiss.orpcthat", FT_NONE, BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_iiss_orpcthat_flags, {"Flags", "iiss.orpcthat.flags", FT_UINT32, BASE_HEX, NULL, 0x0, NULL, HFILL}},
        {&hf_iiss_orpc_extensions,
         {"Extensions", "iiss.orpc.extensions", FT_NONE, BASE_NONE, NULL, 0x0, "ORPC_EXTENT_ARRAY", HFILL}},
        {&hf_iiss_orpc_extensions_size,
         {"Size", "iiss.orpc.extensions.size", FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL}},
        {&hf_iiss_orpc_extensions_reserved,
         {"Reserved", "iiss.orpc.extensions.reserved", FT_UINT32, BASE_HEX, NULL, 0x0, NULL, HFILL}},
        {&hf_iiss_orpc_extensions_count,
         {"Extents", "iiss.orpc.extensions.count", FT_UINT32, BASE_DEC, NULL, 0x0, "Non-NULL extents", HFILL}},
        {&hf_iiss_orpc_extent, {"Extent", "iiss.orpc.extent", FT_NONE, BASE_NONE, NULL, 0x0, "ORPC_EXTENT", HFILL}},
        {&hf_iiss_orpc_extent_id, {"ID", "iiss.orpc.extent.id", FT_GUID, BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_iiss_orpc_extent_size,
         {"Size", "iiss.orpc.extent.size", FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL}},
    };

    static gint *ett[] = {
        &ett_iiss,
        &ett_iiss_buffer,
        &ett_iiss_service,
        &ett_iiss_service_type,
        &ett_iiss_controls_accepted,
        &ett_iiss_orpc,
        &ett_iiss_orpc_extensions,
    };

    static ei_register_info ei[] = {
        {&ei_iiss_hresult_failure,
         {"iiss.hresult.failure", PI_RESPONSE_CODE, PI_NOTE, "The call did not return S_OK", EXPFILL}},
        {&ei_iiss_insufficient_buffer,
         {"iiss.insufficient_buffer", PI_RESPONSE_CODE, PI_NOTE,
          "E_ERROR_INSUFFICIENT_BUFFER: the reply tells the required buffer size", EXPFILL}},
        {&ei_iiss_terminates_processes,
         {"iiss.terminates_processes", PI_REQUEST_CODE, PI_NOTE,
          "The server terminates IIS processes (Kill, or Stop with dwForce)", EXPFILL}},
        {&ei_iiss_reboot,
         {"iiss.reboot", PI_REQUEST_CODE, PI_NOTE, "Reboot: the server is asked to restart the computer", EXPFILL}},
    };

    /* Names of numbers: the decoder's tables, converted once. */
    static value_string ndr_vals[3];
    static value_string unit_vals[3];
    ndr_vals[0].value = IISS_NDR20;
    ndr_vals[0].strptr = iiss_ndr_name(IISS_NDR20);
    ndr_vals[1].value = IISS_NDR64;
    ndr_vals[1].strptr = iiss_ndr_name(IISS_NDR64);
    unit_vals[0].value = IISS_OFFSET_WCHAR;
    unit_vals[0].strptr = iiss_offset_unit_name(IISS_OFFSET_WCHAR);
    unit_vals[1].value = IISS_OFFSET_BYTE;
    unit_vals[1].strptr = iiss_offset_unit_name(IISS_OFFSET_BYTE);

    const size_t nprocs = G_N_ELEMENTS(iiss_procs) - 1; /* without the terminator */
    for (size_t i = 0; i < nprocs; i++) {
        iiss_procs[i].name = iiss_method_name(iiss_procs[i].num);
    }
    value_string *opnum_vals = g_new0(value_string, nprocs + 1);
    for (size_t i = 0; i < nprocs; i++) {
        opnum_vals[i].value = iiss_procs[i].num;
        opnum_vals[i].strptr = iiss_procs[i].name;
    }

    const size_t nhf = G_N_ELEMENTS(hf);
    set_field_strings(hf, nhf, &hf_iiss_opnum, VALS(opnum_vals));
    set_field_strings(hf, nhf, &hf_iiss_hresult, VALS(vs_from_table(iiss_hresult_names)));
    set_field_strings(hf, nhf, &hf_iiss_service_type, VALS(vs_from_table(iiss_service_type_names)));
    set_field_strings(hf, nhf, &hf_iiss_service_state, VALS(vs_from_table(iiss_service_state_names)));
    set_field_strings(hf, nhf, &hf_iiss_service_win32_exit_code, VALS(vs_from_table(iiss_win32_error_names)));
    set_field_strings(hf, nhf, &hf_iiss_orpc_layout, VALS(ndr_vals));
    set_field_strings(hf, nhf, &hf_iiss_offset_unit, VALS(unit_vals));

    proto_iiss = proto_register_protocol("IIS ServiceControl", "IISS", "iiss");
    proto_register_field_array(proto_iiss, hf, (int)nhf);
    proto_register_subtree_array(ett, G_N_ELEMENTS(ett));
    iiss_service_type_bit_fields = register_bit_fields(iiss_service_type_bits, "iiss.service.type");
    iiss_controls_accepted_bit_fields = register_bit_fields(iiss_controls_accepted_bits,
                                                            "iiss.service.controls_accepted");

    expert_module_t *expert_iiss = expert_register_protocol(proto_iiss);
    expert_register_field_array(expert_iiss, ei, G_N_ELEMENTS(ei));
    register_anomaly_experts(expert_iiss);

    iiss_midstream_register(proto_iiss, hf_iiss_opnum, ett_iiss, expert_iiss);
}

void proto_reg_handoff_iiss(void)
{
    e_guid_t iid, clsid;
    guid_from_wire(iiss_iid_bytes, FALSE, &iid);
    guid_from_wire(iiss_clsid_bytes, FALSE, &clsid);

    dcerpc_init_uuid(proto_iiss, ett_iiss, &iid, 0, iiss_procs, hf_iiss_opnum);
    /* Binds and OBJREFs then read "IIsServiceControl", activations
     * "IIsServiceControl class". */
    guids_add_uuid(&iid, IISS_INTERFACE_NAME);
    guids_add_uuid(&clsid, IISS_INTERFACE_NAME " class");
    hf_dcom_hresult = proto_registrar_get_id_byname("dcom.hresult");

    iiss_midstream_handoff();
}
