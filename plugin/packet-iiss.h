/* IIS ServiceControl (MS-IISS) dissector: what its files share.
 *
 * packet-iiss.c            registration, the bound calls (the DCE/RPC
 *                          dissector's sub-dissectors), how any call is shown;
 * packet-iiss-midstream.c  the postdissector for calls whose bind was not
 *                          captured;
 * plugin.c                 the entry points of Wireshark's plugin loader. */
#ifndef PACKET_IISS_H
#define PACKET_IISS_H

#include <stddef.h>

#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/dissectors/packet-dcerpc.h>

void proto_register_iiss(void);
void proto_reg_handoff_iiss(void);

/* Per-call state kept from the request to the response: the request's
 * dwBufferSize, to check the reply's conformance. */
typedef struct iiss_call_state {
    gboolean have_buffer_size;
    guint32 buffer_size;
} iiss_call_state;

/* One call as the plugin shows it: bound (the DCE/RPC dissector found the
 * interface through a bind; Wireshark's DCOM helpers are usable) or inferred
 * (midstream; the decoder's parse only). */
typedef struct iiss_call_view {
    guint16 opnum;
    gboolean ndr64;           /* the context's transfer syntax */
    gboolean big_endian;      /* the DCE/RPC data representation */
    guint encoding;           /* ENC_BIG_ENDIAN or ENC_LITTLE_ENDIAN, as big_endian says */
    dcerpc_info *di;          /* NULL when inferred */
    guint8 *drep;             /* NULL when inferred */
    iiss_call_state *state;   /* where dwBufferSize is kept, or NULL */
} iiss_call_view;

/* Shows the request or response stub at `offset` (through its end) under
 * `tree` and sets the Info column; returns the offset after the stub. */
int iiss_show_request(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, const iiss_call_view *v);
int iiss_show_response(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, const iiss_call_view *v);

/* "Stop" ... "Kill", "Unknown" for other opnums. */
const char *iiss_method_name(guint16 opnum);
/* The bytes from `offset` on, as captured (NULL and 0 when none). */
const guint8 *iiss_stub_bytes(tvbuff_t *tvb, int offset, size_t *len);

/* packet-iiss-midstream.c: the iiss.midstream_ports preference, the iiss.inferred
 * expert info and the postdissector. `proto`, `hf_opnum` and `ett` are the
 * protocol's, registered before. */
void iiss_midstream_register(int proto, int hf_opnum, gint ett, expert_module_t *experts);
void iiss_midstream_handoff(void);
/* A call on a context bound to IIsServiceControl was dissected (`request`:
 * its request, else its response): its server's address and port count
 * as bound to the interface for the midstream calls that come later. */
void iiss_midstream_note_bound_call(packet_info *pinfo, gboolean request);

#endif
