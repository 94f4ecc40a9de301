/* iissdump: thin front over the sub-commands. */
#include <stdio.h>
#include <string.h>

#include "iissdump.h"

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "blob") == 0)
        return iissdump_blob_main(argc - 1, argv + 1);
    return iissdump_capture_main(argc, argv);
}
