#include <stdio.h>

#include "iissdump.h"

int iissdump_blob_main(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "%s: not implemented yet\n", argv[0]);
    return IISSDUMP_EXIT_USAGE;
}
