/* Plugin entry points for Wireshark's plugin loader.
 *
 * Wireshark 4.0 and 4.2 look for plugin_version, plugin_want_major/minor and
 * plugin_register; 4.4 adds the optional plugin_describe(). */
#include <epan/packet.h>
#include <epan/proto.h>
#include <ws_symbol_export.h>
#include <ws_version.h>

#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 4)
#include <wsutil/plugins.h>
#endif

#include "packet-iiss.h"

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = IISS_PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);
#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 4)
WS_DLL_PUBLIC uint32_t plugin_describe(void);
#endif

void plugin_register(void)
{
    static proto_plugin plug;

    plug.register_protoinfo = proto_register_iiss;
    plug.register_handoff = proto_reg_handoff_iiss;
    proto_register_plugin(&plug);
}

#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 4)
uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif
