/* to be written */
typedef int iiss_placeholder_names;
