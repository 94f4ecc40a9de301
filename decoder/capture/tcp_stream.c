/* Text form of a connection endpoint, shared by every output. */
#include "tcp_stream.h"

#include <arpa/inet.h>
#include <stdio.h>

const char *iiss_endpoint_format(const iiss_endpoint *ep, char *buf, size_t n)
{
    if (!buf || n == 0)
        return buf;
    char text[INET6_ADDRSTRLEN];
    int af = ep->family == 6 ? AF_INET6 : AF_INET;
    if (!inet_ntop(af, ep->addr, text, sizeof text))
        snprintf(text, sizeof text, "?");
    if (ep->family == 6)
        snprintf(buf, n, "[%s]:%u", text, (unsigned)ep->port);
    else
        snprintf(buf, n, "%s:%u", text, (unsigned)ep->port);
    return buf;
}
