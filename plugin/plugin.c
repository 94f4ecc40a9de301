/* Plugin entry points for Wireshark's plugin loader.
 *
 * Wireshark 4.0 to 4.6 look for plugin_version, plugin_want_major/minor and
 * plugin_register; 4.4 adds plugin_describe() (what Wireshark's own plugins
 * in 4.4 and 4.6 export; neither release has registration macros: their
 * <wsutil/plugins.h> declares only the typedefs). Wireshark's development
 * branch after 4.6 defines WIRESHARK_PLUGIN_REGISTER in <wsutil/plugins.h>:
 * the plugin then describes itself in a struct ws_module instead. The 4.0,
 * 4.4 and 4.6 paths are built and tested (tests/compat); the ws_module path
 * is not, no Debian release having it yet. */
#include <epan/packet.h>
#include <epan/proto.h>
#include <ws_symbol_export.h>
#include <ws_version.h>

#define IISS_WS_AT_LEAST(major, minor)                                                                     \
    (WIRESHARK_VERSION_MAJOR > (major) || (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

#if IISS_WS_AT_LEAST(4, 4)
#include <wsutil/plugins.h>
#endif

#include "packet-iiss.h"

static void iiss_register_plugin(void)
{
    static proto_plugin plug;

    plug.register_protoinfo = proto_register_iiss;
    plug.register_handoff = proto_reg_handoff_iiss;
    proto_register_plugin(&plug);
}

#ifdef WIRESHARK_PLUGIN_REGISTER

/* A plugin linking libwireshark is distributed under Wireshark's terms. */
static struct ws_module iiss_module = {
    .flags = WS_PLUGIN_DESC_DISSECTOR,
    .version = IISS_PLUGIN_VERSION,
    .spdx_id = "GPL-2.0-or-later",
    .home_url = "",
    .blurb = "IIS ServiceControl (MS-IISS) over DCOM: every call, the STATUS_BLOB, NDR20 and NDR64",
    .register_cb = &iiss_register_plugin,
};

WIRESHARK_PLUGIN_REGISTER_EPAN(&iiss_module, 0)

#else

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = IISS_PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

void plugin_register(void)
{
    iiss_register_plugin();
}

#if IISS_WS_AT_LEAST(4, 4)
WS_DLL_PUBLIC uint32_t plugin_describe(void);

uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif

#endif
