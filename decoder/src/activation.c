/* DCOM activation stubs (MS-DCOM 3.1.2.5.2.3): IRemoteSCMActivator's
 * RemoteCreateInstance / RemoteGetClassObject with their activation
 * properties BLOBs (2.2.22), and IActivation::RemoteActivation.
 *
 * Three layers, each read with its own bounded cursor:
 *   - the outer stub: NDR in the call's transfer syntax and drep;
 *   - OBJREFs inside MInterfacePointers: little-endian byte arrays (2.2.18);
 *   - each activation property: a type serialization version 1 stream
 *     (MS-RPCE 2.2.6) with its own byte order, NDR20, aligned relative to
 *     the start of its body.
 * A cursor over a declared span that the stub cuts short reports
 * stub_truncated; one whose own declared size is too small for what it
 * holds reports the structure as inconsistent. Counts from the wire never
 * size anything: loops stop at the bytes present and at the kept limits.
 *
 * Embedded pointers are followed depth-first in field order (a pointee's
 * own pointees right after it), as NDR engines marshal them. */
#include "iiss/activation.h"

#include <stdio.h>
#include <string.h>

#include "iiss/names.h"
#include "iiss/reader.h"
#include "iiss/utf16.h"

const uint8_t iiss_act_iid_remote_scm_activator[16] = {0xA0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                                       0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
const uint8_t iiss_act_iid_activation[16] = {0xB8, 0x4A, 0x9F, 0x4D, 0x1C, 0x7D, 0xCF, 0x11,
                                             0x86, 0x1E, 0x00, 0x20, 0xAF, 0x6E, 0x7C, 0x57};

#define COM_GUID(a) {(a) & 0xFF, ((a) >> 8) & 0xFF, 0, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}
static const uint8_t IID_ACT_PROPERTIES_IN[16] = COM_GUID(0x01A2);
static const uint8_t IID_ACT_PROPERTIES_OUT[16] = COM_GUID(0x01A3);
static const uint8_t CLSID_ACT_PROPERTIES_IN[16] = COM_GUID(0x0338);
static const uint8_t CLSID_ACT_PROPERTIES_OUT[16] = COM_GUID(0x0339); /* also CLSID_PropsOutInfo */
static const uint8_t CLSID_INSTANTIATION_INFO[16] = COM_GUID(0x01AB);
static const uint8_t CLSID_SPECIAL_SYSTEM_PROPERTIES[16] = COM_GUID(0x01B9);
static const uint8_t CLSID_SECURITY_INFO[16] = COM_GUID(0x01A6);
static const uint8_t CLSID_SCM_REQUEST_INFO[16] = COM_GUID(0x01AA);
static const uint8_t CLSID_SCM_REPLY_INFO[16] = COM_GUID(0x01B6);

#define OBJREF_SIGNATURE 0x574F454Du   /* "MEOW" */
#define OBJREF_EXT_SIGNATURE 0x4E535956u
#define MIN_ACTPROP_LIMIT 1u           /* 2.2.28.1 */
#define MAX_ACTPROP_LIMIT 10u
#define MAX_REQUESTED_INTERFACES 0x8000u
#define MAX_REQUESTED_PROTSEQS 0x8000u
#define TOWER_NCACN_IP_TCP 0x0007u
#define TYPE_SERIALIZATION_VERSION 1u  /* MS-RPCE 2.2.6.1 */
#define TYPE_SERIALIZATION_LE 0x10u
#define TYPE_SERIALIZATION_BE 0x00u

bool iiss_act_method_of(const uint8_t interface_uuid[16], uint16_t opnum, iiss_act_method *out)
{
    iiss_act_method m;
    if (memcmp(interface_uuid, iiss_act_iid_remote_scm_activator, 16) == 0 && opnum == 4)
        m = IISS_ACT_REMOTE_CREATE_INSTANCE;
    else if (memcmp(interface_uuid, iiss_act_iid_remote_scm_activator, 16) == 0 && opnum == 3)
        m = IISS_ACT_REMOTE_GET_CLASS_OBJECT;
    else if (memcmp(interface_uuid, iiss_act_iid_activation, 16) == 0 && opnum == 0)
        m = IISS_ACT_REMOTE_ACTIVATION;
    else
        return false;
    if (out)
        *out = m;
    return true;
}

const char *iiss_act_method_name(iiss_act_method method)
{
    switch (method) {
    case IISS_ACT_REMOTE_CREATE_INSTANCE:
        return "RemoteCreateInstance";
    case IISS_ACT_REMOTE_GET_CLASS_OBJECT:
        return "RemoteGetClassObject";
    case IISS_ACT_REMOTE_ACTIVATION:
        return "RemoteActivation";
    }
    return "unknown";
}

/* ---- A cursor over one span ------------------------------------------- */

typedef struct cursor {
    iiss_reader rd;
    uint32_t base;             /* stub offset of rd.data[0] */
    iiss_ndr ndr;              /* width of pointers and conformances */
    bool packed;               /* a byte array (OBJREF): no NDR alignment */
    iiss_anomaly_list *anomalies;
    iiss_anomaly_kind overrun; /* what running past the end means here */
    const char *scope;         /* the span's name, for messages */
    bool quiet;                /* the span was cut short, already reported */
    bool failed;
} cursor;

static void cur_init(cursor *c, const uint8_t *data, size_t len, uint32_t base, bool big_endian, iiss_ndr ndr,
                     iiss_anomaly_list *anomalies, iiss_anomaly_kind overrun, const char *scope)
{
    memset(c, 0, sizeof *c);
    iiss_rd_init(&c->rd, data, len, big_endian);
    c->base = base;
    c->ndr = ndr;
    c->anomalies = anomalies;
    c->overrun = overrun;
    c->scope = scope;
}

static uint32_t cur_pos(const cursor *c)
{
    return c->base + (uint32_t)c->rd.pos;
}

static bool cur_ok(const cursor *c)
{
    return !c->failed;
}

static size_t cur_left(const cursor *c)
{
    return c->failed ? 0 : c->rd.len - c->rd.pos;
}

static void cur_overrun(cursor *c, size_t at, uint64_t needs, const char *what)
{
    if (c->failed)
        return;
    c->failed = true;
    if (!c->quiet) {
        size_t have = at <= c->rd.len ? c->rd.len - at : 0;
        iiss_anomaly_add(c->anomalies, c->overrun, c->base + (uint32_t)at, (uint32_t)have,
                         "%s ends at byte %u: %s at %u needs %llu bytes, %zu present", c->scope,
                         c->base + (uint32_t)c->rd.len, what, c->base + (uint32_t)at, (unsigned long long)needs,
                         have);
    }
    iiss_rd_seek(&c->rd, c->rd.len);
}

/* Aligns (relative to the span start) and checks that n bytes follow. */
static bool cur_need(cursor *c, size_t align, uint64_t n, const char *what)
{
    if (c->failed)
        return false;
    size_t pos = c->rd.pos;
    size_t pad = (!c->packed && align > 1 && pos % align) ? align - pos % align : 0;
    if (pad > c->rd.len - pos) {
        cur_overrun(c, c->rd.len, n, what);
        return false;
    }
    if (n > c->rd.len - pos - pad) {
        cur_overrun(c, pos + pad, n, what);
        return false;
    }
    iiss_rd_seek(&c->rd, pos + pad);
    return true;
}

static uint16_t cur_u16(cursor *c, const char *what)
{
    return cur_need(c, 2, 2, what) ? iiss_rd_u16(&c->rd) : 0;
}

static uint32_t cur_u32(cursor *c, const char *what)
{
    return cur_need(c, 4, 4, what) ? iiss_rd_u32(&c->rd) : 0;
}

static uint64_t cur_u64(cursor *c, const char *what)
{
    return cur_need(c, 8, 8, what) ? iiss_rd_u64(&c->rd) : 0;
}

/* A GUID (u32, u16, u16, u8[8], aligned to 4) into the little-endian-fields form. */
static void cur_guid(cursor *c, const char *what, uint8_t out[16])
{
    memset(out, 0, 16);
    if (!cur_need(c, 4, 16, what))
        return;
    uint32_t d1 = iiss_rd_u32(&c->rd);
    uint16_t d2 = iiss_rd_u16(&c->rd);
    uint16_t d3 = iiss_rd_u16(&c->rd);
    out[0] = (uint8_t)d1;
    out[1] = (uint8_t)(d1 >> 8);
    out[2] = (uint8_t)(d1 >> 16);
    out[3] = (uint8_t)(d1 >> 24);
    out[4] = (uint8_t)d2;
    out[5] = (uint8_t)(d2 >> 8);
    out[6] = (uint8_t)d3;
    out[7] = (uint8_t)(d3 >> 8);
    iiss_rd_copy(&c->rd, out + 8, 8);
}

/* A pointer referent ID or a conformance / variance: 4 bytes in NDR20, 8 in NDR64. */
static uint64_t cur_long(cursor *c, const char *what)
{
    return c->ndr == IISS_NDR64 ? cur_u64(c, what) : cur_u32(c, what);
}

static size_t cur_long_width(const cursor *c)
{
    return c->ndr == IISS_NDR64 ? 8 : 4;
}

/* `count` items of `width` bytes, aligned to `align`: skipped whole or not at all. */
static bool cur_skip_items(cursor *c, size_t align, uint64_t count, size_t width, const char *what)
{
    uint64_t bytes = count > UINT64_MAX / width ? UINT64_MAX : count * width;
    if (!cur_need(c, align, bytes, what))
        return false;
    iiss_rd_skip(&c->rd, (size_t)bytes);
    return true;
}

/* Only padding (to 8, from the span start) left. */
static bool cur_at_end_or_padding(const cursor *c)
{
    size_t left = cur_left(c);
    size_t pad = (8 - c->rd.pos % 8) % 8;
    return left <= pad;
}

/* A sub-span of n bytes at the cursor, read by its own cursor, which the
 * parent skips. When the parent's bytes stop inside the span, the parent
 * reports it (a stub cut short stays stub_truncated) and fails, and the
 * child keeps what is there, quiet about the same missing bytes. */
static void cur_child(cursor *parent, uint64_t n, cursor *child, bool big_endian, iiss_ndr ndr, bool packed,
                      iiss_anomaly_kind overrun, const char *scope)
{
    size_t pos = parent->rd.pos;
    size_t have = cur_left(parent);
    bool clipped = n > have;
    size_t take = clipped ? have : (size_t)n;
    const uint8_t *bytes = take ? iiss_rd_take(&parent->rd, take) : NULL;
    cur_init(child, bytes, take, parent->base + (uint32_t)pos, big_endian, ndr, parent->anomalies, overrun, scope);
    child->packed = packed;
    child->quiet = parent->quiet || clipped;
    if (clipped)
        cur_overrun(parent, pos, n, scope);
}

/* A u16 of a span at an index, without moving a cursor. */
static uint16_t unit_at(const iiss_reader *units, size_t index)
{
    iiss_reader peek = *units;
    peek.ok = true;
    if (!iiss_rd_seek(&peek, index * 2))
        return 0;
    return iiss_rd_u16(&peek);
}

/* ---- Strings ----------------------------------------------------------- */

/* UTF-16 units (the call's byte order) as a bounded text; out NULL: only
 * judged. True when some unit was not valid UTF-16. */
static bool text_from_units(const uint8_t *bytes, size_t len, bool big_endian, iiss_act_text *out)
{
    iiss_act_text scratch;
    iiss_act_text *text = out ? out : &scratch;
    memset(text, 0, sizeof *text);
    iiss_utf16_outcome outcome;
    iiss_utf16_to_utf8(bytes, len, big_endian, text->utf8, sizeof text->utf8, &outcome);
    text->present = true;
    text->truncated = !outcome.whole;
    return outcome.bad > 0;
}

/* A [string] wchar_t* pointee: max count, offset, actual count (each as
 * wide as a conformance), then the units, the NUL counted. */
static void read_ndr_wstring(cursor *c, const char *what, iiss_act_text *out)
{
    uint32_t at = cur_pos(c);
    uint64_t max_count = cur_long(c, what);
    uint64_t offset = cur_long(c, what);
    uint64_t actual = cur_long(c, what);
    if (!cur_ok(c))
        return;
    if (offset != 0 || actual > max_count)
        iiss_anomaly_add(c->anomalies, IISS_AN_NDR_INCONSISTENT, at, 0,
                         "%s: string with max count %llu, offset %llu, actual count %llu", what,
                         (unsigned long long)max_count, (unsigned long long)offset, (unsigned long long)actual);
    if (!cur_need(c, 2, actual > UINT64_MAX / 2 ? UINT64_MAX : actual * 2, what))
        return;
    const uint8_t *units = iiss_rd_take(&c->rd, (size_t)actual * 2);
    uint16_t last = 1;
    bool terminated = actual > 0 && iiss_peek_u16(units, (size_t)actual * 2, (size_t)(actual - 1) * 2,
                                                  c->rd.big_endian, &last) && last == 0;
    bool invalid = text_from_units(units, (size_t)actual * 2, c->rd.big_endian, out);
    if (!terminated)
        iiss_anomaly_add(c->anomalies, IISS_AN_STRING_UNTERMINATED, at, 0, "%s does not end with a NUL", what);
    if (invalid)
        iiss_anomaly_add(c->anomalies, IISS_AN_INVALID_UTF16, at, 0, "%s holds invalid UTF-16 (kept as U+FFFD)",
                         what);
}

/* ---- DUALSTRINGARRAY (2.2.19) ------------------------------------------ */

/* "host[port]" with a decimal port: the port. */
static bool endpoint_port(const char *address, uint16_t *port)
{
    size_t len = strlen(address);
    if (len < 3 || address[len - 1] != ']')
        return false;
    const char *open = strrchr(address, '[');
    if (!open || open == address)
        return false;
    uint32_t value = 0;
    const char *p = open + 1;
    if (p == address + len - 1)
        return false;
    for (; p < address + len - 1; p++) {
        if (*p < '0' || *p > '9')
            return false;
        value = value * 10u + (uint32_t)(*p - '0');
        if (value > 65535u)
            return false;
    }
    *port = (uint16_t)value;
    return true;
}

static void bindings_invalid(cursor *c, uint32_t start, const char *why, size_t index)
{
    iiss_anomaly_add(c->anomalies, IISS_AN_DUALSTRINGARRAY_INVALID, start + (uint32_t)(index * 2), 0,
                     "DUALSTRINGARRAY at %u: %s (entry %zu)", start, why, index);
}

/* A NUL-terminated string of units from `*index`, stopping before `end`.
 * Returns false when no NUL comes before `end`. */
static bool read_units_string(const iiss_reader *units, size_t *index, size_t end, iiss_act_text *out,
                              bool *invalid)
{
    size_t first = *index, nul = first;
    while (nul < end && unit_at(units, nul) != 0)
        nul++;
    bool terminated = nul < end;
    *index = terminated ? nul + 1 : end;
    iiss_reader span = *units;
    span.ok = true;
    const uint8_t *bytes = iiss_rd_seek(&span, first * 2) ? iiss_rd_take(&span, (nul - first) * 2) : NULL;
    if (text_from_units(bytes, bytes ? (nul - first) * 2 : 0, units->big_endian, out))
        *invalid = true; /* any string of the array */
    return terminated;
}

/* wNumEntries units at the cursor, in the cursor's byte order: string
 * bindings up to the NUL at wSecurityOffset-1, security bindings up to the
 * NUL that is the last unit. A tower or authentication service of 0 before
 * those NULs is an empty binding. */
static void read_binding_units(cursor *c, uint64_t units_on_wire, uint16_t num_entries, uint16_t security_offset,
                               iiss_act_bindings *out)
{
    uint32_t start = cur_pos(c);
    out->present = true;
    out->num_entries = num_entries;
    out->security_offset = security_offset;
    if (!cur_need(c, 2, units_on_wire > UINT64_MAX / 2 ? UINT64_MAX : units_on_wire * 2, "DUALSTRINGARRAY entries"))
        return;
    iiss_reader units;
    iiss_rd_init(&units, iiss_rd_take(&c->rd, (size_t)units_on_wire * 2), (size_t)units_on_wire * 2,
                 c->rd.big_endian);
    size_t n = num_entries < units_on_wire ? num_entries : (size_t)units_on_wire;
    if (security_offset == 0 || security_offset >= n) {
        bindings_invalid(c, start, "wSecurityOffset leaves no room for both terminators", security_offset);
        return;
    }

    bool invalid = false;
    size_t i = 0;
    size_t strings_end = (size_t)security_offset - 1;
    while (i < strings_end) {
        uint16_t tower = unit_at(&units, i++);
        if (tower == 0)
            continue;
        iiss_act_string_binding *sb =
            out->string_count < IISS_ACT_STRING_BINDINGS_KEPT ? &out->strings[out->string_count] : NULL;
        if (!read_units_string(&units, &i, strings_end, sb ? &sb->network_address : NULL, &invalid)) {
            bindings_invalid(c, start, "a string binding runs into the security bindings", i);
            return;
        }
        if (sb) {
            sb->tower_id = tower;
            sb->has_port = tower == TOWER_NCACN_IP_TCP && endpoint_port(sb->network_address.utf8, &sb->port);
        }
        out->string_count++;
    }
    if (unit_at(&units, strings_end) != 0)
        bindings_invalid(c, start, "the string bindings do not end with a NUL at wSecurityOffset-1", strings_end);

    i = security_offset;
    size_t security_end = n - 1;
    while (i < security_end) {
        uint16_t authn = unit_at(&units, i++);
        if (authn == 0)
            continue;
        iiss_act_security_binding *sec =
            out->security_count < IISS_ACT_SECURITY_BINDINGS_KEPT ? &out->security[out->security_count] : NULL;
        uint16_t authz = i < security_end ? unit_at(&units, i++) : 0;
        if (!read_units_string(&units, &i, security_end, sec ? &sec->principal : NULL, &invalid)) {
            bindings_invalid(c, start, "a security binding runs past the last entry", i);
            return;
        }
        if (sec) {
            sec->authn_svc = authn;
            sec->authz_svc = authz;
        }
        out->security_count++;
    }
    if (unit_at(&units, security_end) != 0)
        bindings_invalid(c, start, "the security bindings do not end with a NUL at the last entry", security_end);
    if (invalid)
        iiss_anomaly_add(c->anomalies, IISS_AN_INVALID_UTF16, start, 0,
                         "DUALSTRINGARRAY at %u holds invalid UTF-16 (kept as U+FFFD)", start);
}

/* The packet version (2.2.19.1), inside an OBJREF: wNumEntries,
 * wSecurityOffset, the units. */
static void read_packet_bindings(cursor *c, iiss_act_bindings *out)
{
    uint16_t num_entries = cur_u16(c, "DUALSTRINGARRAY wNumEntries");
    uint16_t security_offset = cur_u16(c, "DUALSTRINGARRAY wSecurityOffset");
    if (cur_ok(c))
        read_binding_units(c, num_entries, num_entries, security_offset, out);
}

/* The IDL version (2.2.19.2) as an NDR pointee: the conformance first. */
static void read_ndr_bindings(cursor *c, iiss_act_bindings *out)
{
    uint32_t at = cur_pos(c);
    uint64_t conformance = cur_long(c, "DUALSTRINGARRAY conformance");
    uint16_t num_entries = cur_u16(c, "DUALSTRINGARRAY wNumEntries");
    uint16_t security_offset = cur_u16(c, "DUALSTRINGARRAY wSecurityOffset");
    if (!cur_ok(c))
        return;
    if (conformance != num_entries)
        iiss_anomaly_add(c->anomalies, IISS_AN_NDR_INCONSISTENT, at, 0,
                         "DUALSTRINGARRAY conformance %llu, wNumEntries %u", (unsigned long long)conformance,
                         num_entries);
    read_binding_units(c, conformance, num_entries, security_offset, out);
}

/* ---- OBJREF (2.2.18) and MInterfacePointer (2.2.14) -------------------- */

static bool single_objref_flag(uint32_t flags)
{
    return flags == IISS_OBJREF_STANDARD || flags == IISS_OBJREF_HANDLER || flags == IISS_OBJREF_CUSTOM ||
           flags == IISS_OBJREF_EXTENDED;
}

static void read_stdobjref(cursor *c, iiss_act_objref *out)
{
    out->std_flags = cur_u32(c, "STDOBJREF flags");
    out->public_refs = cur_u32(c, "STDOBJREF cPublicRefs");
    out->oxid = cur_u64(c, "STDOBJREF oxid");
    out->oid = cur_u64(c, "STDOBJREF oid");
    cur_guid(c, "STDOBJREF ipid", out->ipid);
    out->has_std = cur_ok(c);
}

/* An OBJREF filling the cursor (abData). For OBJREF_CUSTOM, *custom gets a
 * cursor over pObjectData (custom may be NULL). */
static void read_objref(cursor *c, iiss_act_objref *out, cursor *custom)
{
    memset(out, 0, sizeof *out);
    uint32_t at = cur_pos(c);
    uint32_t signature = cur_u32(c, "OBJREF signature");
    uint32_t flags = cur_u32(c, "OBJREF flags");
    if (!cur_ok(c))
        return;
    if (signature != OBJREF_SIGNATURE || !single_objref_flag(flags)) {
        iiss_anomaly_add(c->anomalies, IISS_AN_OBJREF_INVALID, at, 8,
                         "OBJREF signature 0x%08X (0x574F454D expected), flags 0x%08X (one of 1, 2, 4, 8 expected)",
                         signature, flags);
        return;
    }
    out->flags = flags;
    cur_guid(c, "OBJREF iid", out->iid);
    out->present = cur_ok(c);
    switch (flags) {
    case IISS_OBJREF_STANDARD:
        read_stdobjref(c, out);
        read_packet_bindings(c, &out->resolver);
        break;
    case IISS_OBJREF_HANDLER:
        read_stdobjref(c, out);
        cur_guid(c, "OBJREF_HANDLER clsid", out->clsid);
        out->has_clsid = cur_ok(c);
        read_packet_bindings(c, &out->resolver);
        break;
    case IISS_OBJREF_EXTENDED: {
        read_stdobjref(c, out);
        uint32_t sig_at = cur_pos(c);
        uint32_t signature1 = cur_u32(c, "OBJREF_EXTENDED Signature1");
        if (cur_ok(c) && signature1 != OBJREF_EXT_SIGNATURE)
            iiss_anomaly_add(c->anomalies, IISS_AN_OBJREF_INVALID, sig_at, 4,
                             "OBJREF_EXTENDED Signature1 0x%08X (0x4E535956 expected)", signature1);
        read_packet_bindings(c, &out->resolver);
        break; /* the envoy context (ElmArray) is not decoded */
    }
    case IISS_OBJREF_CUSTOM:
        cur_guid(c, "OBJREF_CUSTOM clsid", out->clsid);
        out->has_clsid = cur_ok(c);
        cur_u32(c, "OBJREF_CUSTOM cbExtension");
        cur_u32(c, "OBJREF_CUSTOM reserved");
        if (custom)
            cur_child(c, cur_left(c), custom, false, IISS_NDR20, true, IISS_AN_ACTPROPS_INCONSISTENT,
                      "OBJREF_CUSTOM pObjectData");
        break;
    }
}

/* An MInterfacePointer pointee (conformance, ulCntData, abData); *objref
 * gets a cursor over abData (little-endian, unaligned). */
static bool read_interface_pointer(cursor *c, const char *what, cursor *objref)
{
    uint32_t at = cur_pos(c);
    uint64_t conformance = cur_long(c, what);
    uint32_t count = cur_u32(c, what);
    if (!cur_ok(c))
        return false;
    if (conformance != count)
        iiss_anomaly_add(c->anomalies, IISS_AN_NDR_INCONSISTENT, at, 0, "%s: conformance %llu, ulCntData %u", what,
                         (unsigned long long)conformance, count);
    cur_child(c, conformance, objref, false, IISS_NDR20, true, IISS_AN_OBJREF_INVALID, what);
    if (count < objref->rd.len)
        objref->rd.len = count;
    return true;
}

static void expect_guid(cursor *c, uint32_t at, const uint8_t got[16], const uint8_t want[16], const char *what)
{
    if (memcmp(got, want, 16) == 0)
        return;
    char got_text[IISS_UUID_STR_MAX], want_text[IISS_UUID_STR_MAX];
    iiss_uuid_format(got, got_text, sizeof got_text);
    iiss_uuid_format(want, want_text, sizeof want_text);
    iiss_anomaly_add(c->anomalies, IISS_AN_UNEXPECTED_GUID, at, 16, "%s is %s, %s expected", what, got_text,
                     want_text);
}

/* ---- Type serialization version 1 (MS-RPCE 2.2.6) ---------------------- */

/* The common and private headers at the cursor, then *body over the
 * ObjectBufferLength bytes they announce (NDR20 in their byte order). */
static bool read_serialized(cursor *c, cursor *body, const char *what)
{
    uint32_t at = cur_pos(c);
    uint8_t version = cur_need(c, 1, 1, what) ? iiss_rd_u8(&c->rd) : 0;
    uint8_t endianness = cur_need(c, 1, 1, what) ? iiss_rd_u8(&c->rd) : 0;
    if (!cur_ok(c))
        return false;
    if (version != TYPE_SERIALIZATION_VERSION ||
        (endianness != TYPE_SERIALIZATION_LE && endianness != TYPE_SERIALIZATION_BE)) {
        iiss_anomaly_add(c->anomalies, IISS_AN_SERIALIZATION_INVALID, at, 2,
                         "%s: type serialization version %u, endianness 0x%02X (1 and 0x10 or 0x00 expected)", what,
                         version, endianness);
        return false;
    }
    bool big_endian = endianness == TYPE_SERIALIZATION_BE;
    bool saved = c->rd.big_endian;
    c->rd.big_endian = big_endian;
    uint16_t header_length = cur_u16(c, what);
    cur_u32(c, what); /* filler */
    uint32_t length_at = cur_pos(c);
    uint32_t object_length = cur_u32(c, what);
    cur_u32(c, what); /* filler */
    c->rd.big_endian = saved;
    if (!cur_ok(c))
        return false;
    if (header_length != 8) {
        iiss_anomaly_add(c->anomalies, IISS_AN_SERIALIZATION_INVALID, at + 2, 2,
                         "%s: CommonHeaderLength %u (8 expected)", what, header_length);
        return false;
    }
    if (object_length % 8 != 0)
        iiss_anomaly_add(c->anomalies, IISS_AN_SERIALIZATION_INVALID, length_at, 4,
                         "%s: ObjectBufferLength %u is not a multiple of 8", what, object_length);
    cur_child(c, object_length, body, big_endian, IISS_NDR20, false, IISS_AN_ACTPROPS_INCONSISTENT, what);
    return true;
}

/* ---- Activation properties (2.2.22.2) ---------------------------------- */

static void note_null(cursor *c, uint32_t at, const char *what)
{
    iiss_anomaly_add(c->anomalies, IISS_AN_NULL_REF_POINTER, at, (uint32_t)cur_long_width(c), "%s is NULL", what);
}

static void note_range(cursor *c, uint32_t at, const char *what, uint64_t value, uint64_t min, uint64_t max)
{
    if (value < min || value > max)
        iiss_anomaly_add(c->anomalies, IISS_AN_COUNT_OUT_OF_RANGE, at, 4, "%s is %llu, outside %llu..%llu", what,
                         (unsigned long long)value, (unsigned long long)min, (unsigned long long)max);
}

/* A conformance that must equal the count given earlier. */
static uint64_t read_conformance_of(cursor *c, const char *what, uint64_t count)
{
    uint32_t at = cur_pos(c);
    uint64_t conformance = cur_long(c, what);
    if (cur_ok(c) && conformance != count)
        iiss_anomaly_add(c->anomalies, IISS_AN_NDR_INCONSISTENT, at, (uint32_t)cur_long_width(c),
                         "%s %llu, the count says %llu", what, (unsigned long long)conformance,
                         (unsigned long long)count);
    return conformance;
}

/* `count` GUIDs, the first `keep_max` into keep[]; returns how many were kept. */
static uint32_t read_guid_array(cursor *c, uint64_t count, uint8_t (*keep)[16], uint32_t keep_max, const char *what)
{
    uint32_t kept = 0;
    for (uint64_t i = 0; i < count && i < keep_max && cur_ok(c); i++) {
        cur_guid(c, what, keep[i]);
        if (cur_ok(c))
            kept++;
    }
    if (count > keep_max)
        cur_skip_items(c, 4, count - keep_max, 16, what);
    return kept;
}

/* InstantiationInfoData (2.2.22.2.1). */
static bool read_instantiation_info(cursor *c, iiss_act_request *req)
{
    cur_guid(c, "classId", req->clsid);
    req->has_clsid = cur_ok(c);
    req->class_context = cur_u32(c, "classCtx");
    req->has_class_context = cur_ok(c);
    req->activation_flags = cur_u32(c, "actvflags");
    cur_u32(c, "fIsSurrogate");
    uint32_t count_at = cur_pos(c);
    req->iid_count = cur_u32(c, "cIID");
    cur_u32(c, "instFlag");
    uint32_t ptr_at = cur_pos(c);
    uint64_t piid = cur_long(c, "pIID");
    cur_u32(c, "thisSize");
    req->client_version_major = cur_u16(c, "clientCOMVersion");
    req->client_version_minor = cur_u16(c, "clientCOMVersion");
    req->has_client_version = cur_ok(c);
    if (!cur_ok(c))
        return false;
    note_range(c, count_at, "cIID", req->iid_count, 1, MAX_REQUESTED_INTERFACES);
    if (piid == 0) {
        note_null(c, ptr_at, "pIID");
        return true;
    }
    uint64_t conformance = read_conformance_of(c, "pIID conformance", req->iid_count);
    req->iids_kept = read_guid_array(c, conformance, req->iids, IISS_ACT_IIDS_KEPT, "pIID");
    return cur_ok(c);
}

/* SpecialPropertiesData (2.2.22.2.2): only the leading fields are kept. */
static bool read_special_properties(cursor *c, iiss_act_request *req)
{
    req->session_id = cur_u32(c, "dwSessionId");
    req->has_session_id = cur_ok(c);
    return cur_ok(c);
}

/* SecurityInfoData (2.2.22.2.7) and its COSERVERINFO. */
static bool read_security_info(cursor *c, iiss_act_request *req)
{
    cur_u32(c, "dwAuthnFlags");
    uint64_t server_info = cur_long(c, "pServerInfo");
    uint64_t reserved = cur_long(c, "pdwReserved");
    if (server_info != 0) {
        cur_u32(c, "COSERVERINFO dwReserved1");
        uint64_t name = cur_long(c, "COSERVERINFO pwszName");
        uint64_t auth_info = cur_long(c, "COSERVERINFO pAuthInfo");
        cur_u32(c, "COSERVERINFO dwReserved2");
        if (name != 0)
            read_ndr_wstring(c, "COSERVERINFO pwszName", &req->server_name);
        if (auth_info != 0)
            return cur_ok(c); /* COAUTHINFO is not decoded: nothing after it is read */
    }
    if (reserved != 0)
        cur_u32(c, "pdwReserved");
    return cur_ok(c);
}

/* ScmRequestInfoData (2.2.22.2.4) and its customREMOTE_REQUEST_SCM_INFO. */
static bool read_scm_request_info(cursor *c, iiss_act_request *req)
{
    uint64_t reserved = cur_long(c, "pdwReserved");
    uint32_t request_at = cur_pos(c);
    uint64_t request = cur_long(c, "remoteRequest");
    if (reserved != 0)
        cur_u32(c, "pdwReserved");
    if (!cur_ok(c))
        return false;
    if (request == 0) {
        note_null(c, request_at, "remoteRequest");
        return true;
    }
    req->imp_level = cur_u32(c, "ClientImpLevel");
    req->has_imp_level = cur_ok(c);
    req->protseq_count = cur_u16(c, "cRequestedProtseqs");
    uint64_t protseqs = cur_long(c, "pRequestedProtseqs");
    if (protseqs == 0 || !cur_ok(c))
        return cur_ok(c);
    uint64_t conformance = read_conformance_of(c, "pRequestedProtseqs conformance", req->protseq_count);
    for (uint64_t i = 0; i < conformance && i < IISS_ACT_PROTSEQS_KEPT && cur_ok(c); i++) {
        uint16_t value = cur_u16(c, "pRequestedProtseqs");
        if (cur_ok(c) && req->protseqs_kept < IISS_ACT_PROTSEQS_KEPT)
            req->protseqs[req->protseqs_kept++] = value;
    }
    if (conformance > IISS_ACT_PROTSEQS_KEPT)
        cur_skip_items(c, 2, conformance - IISS_ACT_PROTSEQS_KEPT, 2, "pRequestedProtseqs");
    return cur_ok(c);
}

/* The interface pointers of PropsOutInfo or RemoteActivation: `count`
 * pointers, then the MInterfacePointer of each non-NULL one. Those past
 * the kept ones are skipped only when `skip_rest` (something follows). */
static void read_interface_array(cursor *c, uint64_t count, iiss_act_response *resp, bool skip_rest)
{
    size_t width = cur_long_width(c);
    if (!cur_need(c, width, count > UINT64_MAX / width ? UINT64_MAX : count * width, "interface pointer array"))
        return;
    iiss_reader pointers;
    iiss_rd_init(&pointers, iiss_rd_take(&c->rd, (size_t)count * width), (size_t)count * width, c->rd.big_endian);
    for (uint64_t i = 0; i < count && cur_ok(c); i++) {
        if (i >= IISS_ACT_IIDS_KEPT && !skip_rest)
            break;
        iiss_reader peek = pointers;
        iiss_rd_seek(&peek, (size_t)i * width);
        uint64_t referent = width == 8 ? iiss_rd_u64(&peek) : iiss_rd_u32(&peek);
        if (referent == 0)
            continue;
        cursor objref;
        if (!read_interface_pointer(c, "interface MInterfacePointer", &objref))
            return;
        if (i < IISS_ACT_IIDS_KEPT)
            read_objref(&objref, &resp->interfaces[i].objref, NULL);
    }
}

/* PropsOutInfo (2.2.22.2.9). */
static bool read_props_out_info(cursor *c, iiss_act_response *resp)
{
    uint32_t count_at = cur_pos(c);
    uint32_t count = cur_u32(c, "cIfs");
    uint32_t piid_at = cur_pos(c);
    uint64_t piid = cur_long(c, "piid");
    uint64_t phresults = cur_long(c, "phresults");
    uint64_t ppintf = cur_long(c, "ppIntfData");
    if (!cur_ok(c))
        return false;
    note_range(c, count_at, "PropsOutInfo cIfs", count, 1, MAX_REQUESTED_INTERFACES);
    resp->interface_count = count;
    resp->interfaces_kept = count < IISS_ACT_IIDS_KEPT ? count : IISS_ACT_IIDS_KEPT;
    if (piid == 0) {
        note_null(c, piid_at, "piid");
    } else {
        uint64_t conformance = read_conformance_of(c, "piid conformance", count);
        uint8_t iids[IISS_ACT_IIDS_KEPT][16];
        uint32_t kept = read_guid_array(c, conformance, iids, IISS_ACT_IIDS_KEPT, "piid");
        for (uint32_t i = 0; i < kept && i < resp->interfaces_kept; i++)
            memcpy(resp->interfaces[i].iid, iids[i], 16);
    }
    if (phresults != 0) {
        uint64_t conformance = read_conformance_of(c, "phresults conformance", count);
        for (uint64_t i = 0; i < conformance && i < IISS_ACT_IIDS_KEPT && cur_ok(c); i++) {
            uint32_t hr = cur_u32(c, "phresults");
            if (i < resp->interfaces_kept)
                resp->interfaces[i].hresult = hr;
        }
        if (conformance > IISS_ACT_IIDS_KEPT)
            cur_skip_items(c, 4, conformance - IISS_ACT_IIDS_KEPT, 4, "phresults");
    }
    if (ppintf != 0) {
        uint64_t conformance = read_conformance_of(c, "ppIntfData conformance", count);
        read_interface_array(c, conformance, resp, false);
    }
    return cur_ok(c);
}

/* ScmReplyInfoData (2.2.22.2.8) and its customREMOTE_REPLY_SCM_INFO. */
static bool read_scm_reply_info(cursor *c, iiss_act_response *resp)
{
    uint64_t reserved = cur_long(c, "pdwReserved");
    uint32_t reply_at = cur_pos(c);
    uint64_t reply = cur_long(c, "remoteReply");
    if (reserved != 0)
        cur_u32(c, "pdwReserved");
    if (!cur_ok(c))
        return false;
    if (reply == 0) {
        note_null(c, reply_at, "remoteReply");
        return true;
    }
    resp->oxid = cur_u64(c, "Oxid");
    uint32_t bindings_at = cur_pos(c);
    uint64_t bindings = cur_long(c, "pdsaOxidBindings");
    cur_guid(c, "ipidRemUnknown", resp->rem_unknown_ipid);
    resp->authn_hint = cur_u32(c, "authnHint");
    resp->server_version_major = cur_u16(c, "serverVersion");
    resp->server_version_minor = cur_u16(c, "serverVersion");
    resp->has_remote_reply = cur_ok(c);
    if (!cur_ok(c))
        return false;
    if (bindings == 0)
        note_null(c, bindings_at, "pdsaOxidBindings");
    else
        read_ndr_bindings(c, &resp->oxid_bindings);
    return cur_ok(c);
}

typedef enum blob_direction { BLOB_IN, BLOB_OUT } blob_direction;

static bool read_property(cursor *body, const uint8_t clsid[16], blob_direction dir, iiss_act_request *req,
                          iiss_act_response *resp)
{
    if (dir == BLOB_IN) {
        if (memcmp(clsid, CLSID_INSTANTIATION_INFO, 16) == 0)
            return read_instantiation_info(body, req);
        if (memcmp(clsid, CLSID_SPECIAL_SYSTEM_PROPERTIES, 16) == 0)
            return read_special_properties(body, req);
        if (memcmp(clsid, CLSID_SECURITY_INFO, 16) == 0)
            return read_security_info(body, req);
        if (memcmp(clsid, CLSID_SCM_REQUEST_INFO, 16) == 0)
            return read_scm_request_info(body, req);
    } else {
        if (memcmp(clsid, CLSID_ACT_PROPERTIES_OUT, 16) == 0)
            return read_props_out_info(body, resp);
        if (memcmp(clsid, CLSID_SCM_REPLY_INFO, 16) == 0)
            return read_scm_reply_info(body, resp);
    }
    return false; /* a property this library does not read */
}

typedef struct blob_result {
    uint32_t *count;
    uint32_t *kept;
    iiss_act_property *props;
} blob_result;

/* CustomHeader (2.2.22.1): the property CLSIDs and sizes. Returns the
 * number of properties announced. */
static uint32_t read_custom_header(cursor *c, uint32_t blob_size, uint32_t header_serialized, blob_result *out,
                                   uint32_t *total_size, uint32_t *header_size)
{
    uint32_t at = cur_pos(c);
    *total_size = cur_u32(c, "CustomHeader totalSize");
    *header_size = cur_u32(c, "CustomHeader headerSize");
    cur_u32(c, "CustomHeader dwReserved");
    cur_u32(c, "CustomHeader destCtx");
    uint32_t count_at = cur_pos(c);
    uint32_t count = cur_u32(c, "CustomHeader cIfs");
    uint8_t class_info[16];
    cur_guid(c, "CustomHeader classInfoClsid", class_info);
    uint32_t pclsid_at = cur_pos(c);
    uint64_t pclsid = cur_long(c, "CustomHeader pclsid");
    uint32_t psizes_at = cur_pos(c);
    uint64_t psizes = cur_long(c, "CustomHeader pSizes");
    uint64_t preserved = cur_long(c, "CustomHeader pdwReserved");
    if (!cur_ok(c))
        return 0;
    *out->count = count;
    note_range(c, count_at, "CustomHeader cIfs", count, MIN_ACTPROP_LIMIT, MAX_ACTPROP_LIMIT);
    if (*total_size != blob_size)
        iiss_anomaly_add(c->anomalies, IISS_AN_ACTPROPS_INCONSISTENT, at, 4,
                         "CustomHeader totalSize %u, the BLOB's dwSize %u", *total_size, blob_size);
    if (header_serialized != 0 && *header_size != header_serialized)
        iiss_anomaly_add(c->anomalies, IISS_AN_ACTPROPS_INCONSISTENT, at + 4, 4,
                         "CustomHeader headerSize %u, its serialization takes %u bytes", *header_size,
                         header_serialized);
    uint32_t kept = count < IISS_ACT_PROPERTIES_KEPT ? count : IISS_ACT_PROPERTIES_KEPT;
    if (pclsid == 0) {
        note_null(c, pclsid_at, "CustomHeader pclsid");
        kept = 0;
    } else {
        uint64_t conformance = read_conformance_of(c, "pclsid conformance", count);
        uint8_t clsids[IISS_ACT_PROPERTIES_KEPT][16];
        uint32_t got = read_guid_array(c, conformance, clsids, IISS_ACT_PROPERTIES_KEPT, "pclsid");
        if (got < kept)
            kept = got;
        for (uint32_t i = 0; i < kept; i++)
            memcpy(out->props[i].clsid, clsids[i], 16);
    }
    if (psizes == 0) {
        note_null(c, psizes_at, "CustomHeader pSizes");
        kept = 0;
    } else {
        uint64_t conformance = read_conformance_of(c, "pSizes conformance", count);
        uint32_t got = 0;
        for (uint64_t i = 0; i < conformance && i < IISS_ACT_PROPERTIES_KEPT && cur_ok(c); i++) {
            uint32_t size = cur_u32(c, "pSizes");
            if (cur_ok(c) && i < kept) {
                out->props[i].size = size;
                got++;
            }
        }
        if (conformance > IISS_ACT_PROPERTIES_KEPT)
            cur_skip_items(c, 4, conformance - IISS_ACT_PROPERTIES_KEPT, 4, "pSizes");
        if (got < kept)
            kept = got;
    }
    if (preserved != 0)
        cur_u32(c, "CustomHeader pdwReserved");
    *out->kept = cur_ok(c) ? kept : 0;
    return count;
}

static const iiss_act_property *find_property(const iiss_act_property *props, uint32_t kept, const uint8_t clsid[16])
{
    for (uint32_t i = 0; i < kept; i++) {
        if (memcmp(props[i].clsid, clsid, 16) == 0)
            return &props[i];
    }
    return NULL;
}

/* The activation properties BLOB (2.2.22) filling the cursor. */
static void read_properties_blob(cursor *blob, blob_direction dir, iiss_act_request *req, iiss_act_response *resp,
                                 blob_result *out)
{
    uint32_t at = cur_pos(blob);
    uint32_t blob_size = cur_u32(blob, "activation properties dwSize");
    cur_u32(blob, "activation properties dwReserved");
    if (!cur_ok(blob))
        return;
    if ((uint64_t)blob_size > cur_left(blob) && !blob->quiet)
        iiss_anomaly_add(blob->anomalies, IISS_AN_ACTPROPS_INCONSISTENT, at, 4,
                         "activation properties dwSize %u, %zu bytes follow", blob_size, cur_left(blob));

    uint32_t header_start = cur_pos(blob);
    cursor header;
    if (!read_serialized(blob, &header, "CustomHeader"))
        return;
    /* 0 (unknown) when the header claims more than the BLOB holds. */
    uint32_t header_serialized = cur_ok(blob) ? cur_pos(blob) - header_start : 0;
    uint32_t total_size = 0, header_size = 0;
    read_custom_header(&header, blob_size, header_serialized, out, &total_size, &header_size);
    if (!cur_ok(blob)) {
        /* The header claims more than the BLOB holds: where the properties
         * start is unknown. */
        *out->kept = 0;
        return;
    }

    uint64_t sum = header_serialized;
    for (uint32_t i = 0; i < *out->kept; i++) {
        iiss_act_property *prop = &out->props[i];
        sum += prop->size;
        cursor span, body;
        char scope[48];
        snprintf(scope, sizeof scope, "activation property %u", i);
        prop->span.offset = cur_pos(blob);
        cur_child(blob, prop->size, &span, false, IISS_NDR20, true, IISS_AN_ACTPROPS_INCONSISTENT,
                  "activation property");
        prop->span.length = (uint32_t)span.rd.len;
        if (!read_serialized(&span, &body, "activation property"))
            continue;
        if (cur_left(&span) >= 8)
            iiss_anomaly_add(blob->anomalies, IISS_AN_ACTPROPS_INCONSISTENT, prop->span.offset, prop->span.length,
                             "%s: pSizes says %u bytes, its serialization takes %u", scope, prop->size,
                             prop->size - (uint32_t)cur_left(&span));
        if (find_property(out->props, i, prop->clsid)) {
            /* A second copy would overwrite the first one's facts. */
            iiss_anomaly_add(blob->anomalies, IISS_AN_ACTPROPS_INCONSISTENT, prop->span.offset, prop->span.length,
                             "%s repeats an earlier property's CLSID; not decoded", scope);
            continue;
        }
        prop->decoded = read_property(&body, prop->clsid, dir, req, resp);
    }
    if (*out->kept == *out->count && *out->count > 0 && sum != total_size)
        iiss_anomaly_add(blob->anomalies, IISS_AN_ACTPROPS_INCONSISTENT, header_start, 0,
                         "CustomHeader totalSize %u, the header and the property sizes add up to %llu", total_size,
                         (unsigned long long)sum);
}

/* The MInterfacePointer holding an activation properties BLOB, as an
 * OBJREF_CUSTOM of the given IID and unmarshaler CLSID. */
static bool read_activation_properties(cursor *c, blob_direction dir, iiss_act_request *req,
                                       iiss_act_response *resp, blob_result *out)
{
    cursor objref_span, data;
    if (!read_interface_pointer(c, dir == BLOB_IN ? "pActProperties" : "ppActProperties", &objref_span))
        return false;
    iiss_act_objref objref;
    uint32_t at = cur_pos(&objref_span);
    /* Stays failed unless read_objref finds an OBJREF_CUSTOM's data. */
    cur_init(&data, NULL, 0, 0, false, IISS_NDR20, c->anomalies, IISS_AN_OBJREF_INVALID, "");
    data.failed = true;
    read_objref(&objref_span, &objref, &data);
    if (!objref.present)
        return true;
    if (objref.flags != IISS_OBJREF_CUSTOM) {
        iiss_anomaly_add(c->anomalies, IISS_AN_OBJREF_INVALID, at + 4, 4,
                         "activation properties in an OBJREF of flags 0x%X, OBJREF_CUSTOM (4) expected", objref.flags);
        return true;
    }
    expect_guid(c, at + 8, objref.iid, dir == BLOB_IN ? IID_ACT_PROPERTIES_IN : IID_ACT_PROPERTIES_OUT,
                "activation properties OBJREF iid");
    if (objref.has_clsid)
        expect_guid(c, at + 24, objref.clsid, dir == BLOB_IN ? CLSID_ACT_PROPERTIES_IN : CLSID_ACT_PROPERTIES_OUT,
                    "activation properties OBJREF_CUSTOM clsid");
    if (!cur_ok(&data))
        return true;
    read_properties_blob(&data, dir, req, resp, out);
    return true;
}

static void note_missing(iiss_anomaly_list *anomalies, const iiss_act_property *props, uint32_t kept,
                         const uint8_t clsid[16], const char *name, uint32_t at)
{
    if (!find_property(props, kept, clsid))
        iiss_anomaly_add(anomalies, IISS_AN_ACTPROP_MISSING, at, 0, "no %s in the activation properties", name);
}

/* ---- The methods -------------------------------------------------------- */

static void note_trailing(cursor *c)
{
    if (!cur_ok(c) || cur_at_end_or_padding(c))
        return;
    iiss_anomaly_add(c->anomalies, IISS_AN_STUB_TRAILING_BYTES, cur_pos(c), (uint32_t)cur_left(c),
                     "%zu bytes after the last parameter", cur_left(c));
}

static void decode_request_body(cursor *c, iiss_act_request *out)
{
    blob_result blob = {&out->property_count, &out->properties_kept, out->properties};
    if (out->method == IISS_ACT_REMOTE_CREATE_INSTANCE) {
        /* pUnkOuter MUST be NULL (3.1.2.5.2.3.3); one that is not is skipped.
         * The rest is as RemoteGetClassObject's. */
        uint64_t outer = cur_long(c, "pUnkOuter");
        cursor ignored;
        if (outer != 0)
            read_interface_pointer(c, "pUnkOuter", &ignored);
    }
    switch (out->method) {
    case IISS_ACT_REMOTE_CREATE_INSTANCE:
    case IISS_ACT_REMOTE_GET_CLASS_OBJECT: {
        uint32_t at = cur_pos(c);
        uint64_t props = cur_long(c, "pActProperties");
        if (!cur_ok(c))
            return;
        if (props == 0) {
            note_null(c, at, "pActProperties");
            return;
        }
        uint32_t blob_at = cur_pos(c);
        read_activation_properties(c, BLOB_IN, out, NULL, &blob);
        out->has_properties = out->property_count != 0;
        if (out->has_properties)
            note_missing(&out->anomalies, out->properties, out->properties_kept, CLSID_INSTANTIATION_INFO,
                         "InstantiationInfoData", blob_at);
        return;
    }
    case IISS_ACT_REMOTE_ACTIVATION: {
        cur_guid(c, "Clsid", out->clsid);
        out->has_clsid = cur_ok(c);
        if (cur_long(c, "pwszObjectName") != 0)
            read_ndr_wstring(c, "pwszObjectName", &out->object_name);
        if (cur_long(c, "pObjectStorage") != 0) {
            cursor ignored;
            read_interface_pointer(c, "pObjectStorage", &ignored);
        }
        out->imp_level = cur_u32(c, "ClientImpLevel");
        out->has_imp_level = cur_ok(c);
        out->mode = cur_u32(c, "Mode");
        out->has_mode = cur_ok(c);
        uint32_t count_at = cur_pos(c);
        out->iid_count = cur_u32(c, "Interfaces");
        if (cur_ok(c))
            note_range(c, count_at, "Interfaces", out->iid_count, 1, MAX_REQUESTED_INTERFACES);
        uint32_t piids_at = cur_pos(c);
        uint64_t piids = cur_long(c, "pIIDs");
        if (cur_ok(c) && piids == 0)
            note_null(c, piids_at, "pIIDs");
        if (piids != 0) {
            uint64_t conformance = read_conformance_of(c, "pIIDs conformance", out->iid_count);
            out->iids_kept = read_guid_array(c, conformance, out->iids, IISS_ACT_IIDS_KEPT, "pIIDs");
        }
        uint32_t protseq_at = cur_pos(c);
        out->protseq_count = cur_u16(c, "cRequestedProtseqs");
        if (cur_ok(c))
            note_range(c, protseq_at, "cRequestedProtseqs", out->protseq_count, 0, MAX_REQUESTED_PROTSEQS);
        uint64_t conformance = read_conformance_of(c, "aRequestedProtseqs conformance", out->protseq_count);
        for (uint64_t i = 0; i < conformance && i < IISS_ACT_PROTSEQS_KEPT && cur_ok(c); i++) {
            uint16_t value = cur_u16(c, "aRequestedProtseqs");
            if (cur_ok(c) && out->protseqs_kept < IISS_ACT_PROTSEQS_KEPT)
                out->protseqs[out->protseqs_kept++] = value;
        }
        if (conformance > IISS_ACT_PROTSEQS_KEPT)
            cur_skip_items(c, 2, conformance - IISS_ACT_PROTSEQS_KEPT, 2, "aRequestedProtseqs");
        return;
    }
    }
}

#define HRESULT_FAILED(hr) (((hr) & 0x80000000u) != 0)

static void decode_response_body(cursor *c, iiss_act_response *out)
{
    blob_result blob = {&out->property_count, &out->properties_kept, out->properties};
    if (out->method == IISS_ACT_REMOTE_ACTIVATION) {
        out->oxid = cur_u64(c, "pOxid");
        uint64_t bindings = cur_long(c, "ppdsaOxidBindings");
        if (bindings != 0)
            read_ndr_bindings(c, &out->oxid_bindings);
        cur_guid(c, "pipidRemUnknown", out->rem_unknown_ipid);
        out->authn_hint = cur_u32(c, "pAuthnHint");
        out->server_version_major = cur_u16(c, "pServerVersion");
        out->server_version_minor = cur_u16(c, "pServerVersion");
        out->has_remote_reply = cur_ok(c);
        out->activation_hresult = cur_u32(c, "phr");
        out->has_activation_hresult = cur_ok(c);
        uint64_t count = cur_long(c, "ppInterfaceData conformance");
        if (!cur_ok(c))
            return;
        out->interface_count = count > UINT32_MAX ? UINT32_MAX : (uint32_t)count;
        out->interfaces_kept = count < IISS_ACT_IIDS_KEPT ? (uint32_t)count : IISS_ACT_IIDS_KEPT;
        read_interface_array(c, count, out, true);
        uint64_t results = read_conformance_of(c, "pResults conformance", count);
        for (uint64_t i = 0; i < results && i < IISS_ACT_IIDS_KEPT && cur_ok(c); i++) {
            uint32_t hr = cur_u32(c, "pResults");
            if (i < out->interfaces_kept)
                out->interfaces[i].hresult = hr;
        }
        if (results > IISS_ACT_IIDS_KEPT)
            cur_skip_items(c, 4, results - IISS_ACT_IIDS_KEPT, 4, "pResults");
        /* Without PropsOutInfo's piid the OBJREF names each interface. */
        for (uint32_t i = 0; i < out->interfaces_kept; i++) {
            if (out->interfaces[i].objref.present)
                memcpy(out->interfaces[i].iid, out->interfaces[i].objref.iid, 16);
        }
    } else {
        uint32_t at = cur_pos(c);
        uint64_t props = cur_long(c, "ppActProperties");
        if (props != 0)
            read_activation_properties(c, BLOB_OUT, NULL, out, &blob);
        out->has_properties = out->property_count != 0;
        out->hresult = cur_u32(c, "HRESULT");
        out->has_hresult = cur_ok(c);
        if (!cur_ok(c))
            return;
        if (props == 0 && !HRESULT_FAILED(out->hresult))
            note_null(c, at, "ppActProperties");
        if (out->has_properties && !HRESULT_FAILED(out->hresult)) {
            note_missing(&out->anomalies, out->properties, out->properties_kept, CLSID_ACT_PROPERTIES_OUT,
                         "PropsOutInfo", at);
            note_missing(&out->anomalies, out->properties, out->properties_kept, CLSID_SCM_REPLY_INFO,
                         "ScmReplyInfoData", at);
        }
        return;
    }
    out->hresult = cur_u32(c, "error_status_t");
    out->has_hresult = cur_ok(c);
}

/* How far an attempt got (higher wins). */
enum { RANK_MALFORMED = 0, RANK_ORPC_TRUNCATED, RANK_PARTIAL, RANK_COMPLETE };

/* The rank of an attempt whose ORPC header did not parse in full, with the
 * anomaly saying why; -1 when the header parsed and the body comes next. */
static int rank_orpc_failure(iiss_orpc_status status, const char *header, const char *why, size_t len,
                             iiss_anomaly_list *anomalies)
{
    if (status == IISS_ORPC_MALFORMED) {
        iiss_anomaly_add(anomalies, IISS_AN_ORPC_MALFORMED, 0, 0, "%s parses in no known layout: %s", header,
                         why ? why : "?");
        return RANK_MALFORMED;
    }
    if (status == IISS_ORPC_TRUNCATED) {
        iiss_anomaly_add(anomalies, IISS_AN_STUB_TRUNCATED, 0, (uint32_t)len, "stub ends at byte %zu, inside %s (%s)",
                         len, header, why ? why : "?");
        return RANK_ORPC_TRUNCATED;
    }
    return -1;
}

/* One attempt with one ORPC header layout; returns its rank. */
static int attempt_request(const uint8_t *stub, size_t len, iiss_act_method method, iiss_ndr ndr,
                           iiss_ndr orpc_layout, bool big_endian, iiss_act_request *out)
{
    memset(out, 0, sizeof *out);
    out->method = method;
    out->ndr = ndr;
    iiss_anomaly_list_init(&out->anomalies);
    if (len > UINT32_MAX)
        len = UINT32_MAX;
    const char *why = NULL;
    iiss_orpc_status status = iiss_orpcthis_decode(stub, len, orpc_layout, big_endian, &out->orpcthis, &why);
    int failed = rank_orpc_failure(status, "ORPCTHIS", why, len, &out->anomalies);
    if (failed >= 0)
        return failed;
    cursor c;
    cur_init(&c, stub, len, 0, big_endian, ndr, &out->anomalies, IISS_AN_STUB_TRUNCATED, "stub");
    iiss_rd_seek(&c.rd, out->orpcthis.span.length);
    decode_request_body(&c, out);
    out->complete = cur_ok(&c);
    note_trailing(&c);
    return out->complete ? RANK_COMPLETE : RANK_PARTIAL;
}

static int attempt_response(const uint8_t *stub, size_t len, iiss_act_method method, iiss_ndr ndr,
                            iiss_ndr orpc_layout, bool big_endian, iiss_act_response *out)
{
    memset(out, 0, sizeof *out);
    out->method = method;
    out->ndr = ndr;
    iiss_anomaly_list_init(&out->anomalies);
    if (len > UINT32_MAX)
        len = UINT32_MAX;
    const char *why = NULL;
    iiss_orpc_status status = iiss_orpcthat_decode(stub, len, orpc_layout, big_endian, &out->orpcthat, &why);
    int failed = rank_orpc_failure(status, "ORPCTHAT", why, len, &out->anomalies);
    if (failed >= 0)
        return failed;
    cursor c;
    cur_init(&c, stub, len, 0, big_endian, ndr, &out->anomalies, IISS_AN_STUB_TRUNCATED, "stub");
    iiss_rd_seek(&c.rd, out->orpcthat.span.length);
    decode_response_body(&c, out);
    out->complete = cur_ok(&c);
    note_trailing(&c);
    return out->complete ? RANK_COMPLETE : RANK_PARTIAL;
}

/* MS-DCOM 2.2.13 puts ORPCTHIS/ORPCTHAT in NDR20 whatever the transfer
 * syntax; an NDR64 context may still carry them in NDR64 layout, so both
 * are tried there: the more complete decode wins, then the one with fewer
 * anomalies, then NDR20. */
bool iiss_act_decode_request(const uint8_t *stub, size_t len, iiss_act_method method, iiss_ndr ndr,
                             bool big_endian, iiss_act_request *out)
{
    ndr = ndr == IISS_NDR64 ? IISS_NDR64 : IISS_NDR20;
    int rank = attempt_request(stub, len, method, ndr, IISS_NDR20, big_endian, out);
    if (ndr == IISS_NDR64 && !(rank == RANK_COMPLETE && out->anomalies.count == 0)) {
        iiss_act_request other;
        int other_rank = attempt_request(stub, len, method, ndr, IISS_NDR64, big_endian, &other);
        if (other_rank > rank || (other_rank == rank && other.anomalies.count < out->anomalies.count))
            *out = other;
    }
    return out->complete;
}

bool iiss_act_decode_response(const uint8_t *stub, size_t len, iiss_act_method method, iiss_ndr ndr,
                              bool big_endian, iiss_act_response *out)
{
    ndr = ndr == IISS_NDR64 ? IISS_NDR64 : IISS_NDR20;
    int rank = attempt_response(stub, len, method, ndr, IISS_NDR20, big_endian, out);
    if (ndr == IISS_NDR64 && !(rank == RANK_COMPLETE && out->anomalies.count == 0)) {
        iiss_act_response other;
        int other_rank = attempt_response(stub, len, method, ndr, IISS_NDR64, big_endian, &other);
        if (other_rank > rank || (other_rank == rank && other.anomalies.count < out->anomalies.count))
            *out = other;
    }
    return out->complete;
}

int iiss_act_response_find_interface(const iiss_act_response *resp, const uint8_t *iid)
{
    for (uint32_t i = 0; i < resp->interfaces_kept && i < IISS_ACT_IIDS_KEPT; i++) {
        const iiss_act_interface *intf = &resp->interfaces[i];
        if (!intf->objref.present || !intf->objref.has_std)
            continue;
        if (iid && memcmp(intf->iid, iid, 16) != 0 && memcmp(intf->objref.iid, iid, 16) != 0)
            continue;
        return (int)i;
    }
    return -1;
}

bool iiss_act_bindings_tcp_port(const iiss_act_bindings *bindings, uint16_t *port)
{
    uint32_t kept = bindings->string_count < IISS_ACT_STRING_BINDINGS_KEPT ? bindings->string_count
                                                                             : IISS_ACT_STRING_BINDINGS_KEPT;
    for (uint32_t i = 0; i < kept; i++) {
        if (bindings->strings[i].has_port) {
            if (port)
                *port = bindings->strings[i].port;
            return true;
        }
    }
    return false;
}
