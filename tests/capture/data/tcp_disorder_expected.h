/* What tshark says about samples/tcp-disorder.pcap, asserted by
 * test_capture_file.c. Regenerate with tests/capture/data/tshark_stream_bytes.sh
 * when the sample changes. Filled in once the sample exists. */
#define TCP_DISORDER_FRAMES 0
#define TCP_DISORDER_STREAMS 0
static const struct {
    uint64_t stream, client_to_server, server_to_client;
} TCP_DISORDER_BYTES[] = {{0, 0, 0}};
