/* to be written */
typedef int iiss_placeholder_status_blob;
