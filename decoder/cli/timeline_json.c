/* to be written */
typedef int iissdump_placeholder_timeline_json;
