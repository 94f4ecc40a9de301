/* ISystemActivator::RemoteCreateInstance (MS-DCOM 3.1.2.5.2.3.3) stubs: the
 * activation a DCOM client makes on port 135 before it can call the object.
 * The activation properties are OBJREF_CUSTOM blobs whose properties are
 * each marshaled with NDR Type Serialization 1 (MS-RPCE 2.2.6), little-endian,
 * as MS-DCOM 2.2.22 lays them out. */
#ifndef SAMPLEGEN_ACTIVATION_WRITER_H
#define SAMPLEGEN_ACTIVATION_WRITER_H

#include <stdint.h>

#include "bytebuf.h"

#define ACT_OPNUM_REMOTE_CREATE_INSTANCE 4

extern const guid IID_ISYSTEM_ACTIVATOR; /* 000001A0-0000-0000-C000-000000000046 */

typedef struct act_request {
    guid causality;
    guid clsid;            /* the class to create */
    guid iid;              /* the one interface asked for */
    const char *server;    /* COSERVERINFO name, e.g. "WEB01" */
} act_request;

typedef struct act_reply {
    guid iid;
    uint64_t oxid;
    uint64_t oid;
    guid ipid;             /* the interface pointer's IPID */
    guid rem_unknown_ipid;
    const char *resolver_host;    /* OBJREF resolver bindings (no port) */
    const char *resolver_address;
    const char *oxid_binding;     /* "10.0.0.20[49155]": where the object listens */
    uint32_t hresult;
} act_reply;

/* Little-endian NDR20 stubs (the activation runs on the client's drep). */
void act_write_request_stub(bytebuf *out, const act_request *req);
void act_write_reply_stub(bytebuf *out, const act_reply *rep);
/* A refused activation (3.1.2.5.2.3.3: a failure HRESULT): ORPCTHAT, a NULL
 * ppActProperties, the HRESULT. */
void act_write_refusal_stub(bytebuf *out, uint32_t hresult);

#endif
