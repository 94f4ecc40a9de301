/* `iissdump --html FILE`: a self-contained HTML report of the actions (no
 * script, no style sheet or font fetched: it opens without a network):
 * per server, a timeline of its actions and the actions as a list, each
 * expandable to its calls and its services' states; failures highlighted
 * and open. The actions are kept (copied) until the report is written. */
#ifndef IISSDUMP_REPORT_HTML_H
#define IISSDUMP_REPORT_HTML_H

#include <stdbool.h>
#include <stdio.h>

#include "iiss_actions.h"

/* Actions kept for the report; later ones are counted and said missing. */
#define IISSDUMP_HTML_MAX_ACTIONS 4096u

typedef struct iissdump_html_report iissdump_html_report;

iissdump_html_report *iissdump_html_report_new(void);
void iissdump_html_report_add(iissdump_html_report *report, const iiss_action_record *rec);
/* The whole page; `inputs` are the capture names shown in its heading.
 * false on a write error. */
bool iissdump_html_report_write(const iissdump_html_report *report, FILE *out, const char *const *inputs,
                                size_t input_count);
void iissdump_html_report_free(iissdump_html_report *report);

#endif
