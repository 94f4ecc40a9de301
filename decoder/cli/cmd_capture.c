#include <stdio.h>

#include "iissdump.h"

int iissdump_capture_main(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "%s: reading captures is not implemented yet; use `iissdump blob FILE`\n", argv[0]);
    return IISSDUMP_EXIT_USAGE;
}
