/* IIS ServiceControl (MS-IISS) dissector: registration entry points. */
#ifndef PACKET_IISS_H
#define PACKET_IISS_H

void proto_register_iiss(void);
void proto_reg_handoff_iiss(void);

#endif
