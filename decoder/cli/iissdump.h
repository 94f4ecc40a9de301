/* Entry points of iissdump's sub-commands; main.c only dispatches. */
#ifndef IISSDUMP_H
#define IISSDUMP_H

/* Exit statuses shared by every sub-command. */
enum {
    IISSDUMP_EXIT_OK = 0,
    IISSDUMP_EXIT_PARTIAL = 1, /* some input could not be read fully */
    IISSDUMP_EXIT_USAGE = 2,   /* usage error or unusable input */
};

int iissdump_blob_main(int argc, char **argv);
int iissdump_capture_main(int argc, char **argv);

#endif
