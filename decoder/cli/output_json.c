/* to be written */
typedef int iissdump_placeholder_output_json;
