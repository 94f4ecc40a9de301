/* The names --format accepts (see timeline_formats.h). */
#include "timeline_formats.h"

#include <string.h>

bool iissdump_format_parse(const char *name, iissdump_format *out)
{
    static const struct {
        const char *name;
        iissdump_format format;
    } names[] = {
        {"text", IISSDUMP_FORMAT_TEXT},   {"jsonl", IISSDUMP_FORMAT_JSONL}, {"json", IISSDUMP_FORMAT_JSONL},
        {"timesketch", IISSDUMP_FORMAT_TIMESKETCH}, {"ecs", IISSDUMP_FORMAT_ECS},   {"csv", IISSDUMP_FORMAT_CSV},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].format;
            return true;
        }
    return false;
}
