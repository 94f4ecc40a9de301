/* replaced by the capture pipeline stages */
typedef int iiss_capture_placeholder;
