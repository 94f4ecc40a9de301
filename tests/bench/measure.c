/* Runs one command and reports what it cost (tests/bench):
 *
 *   bench_measure [--keep-stdout] COMMAND [ARG...]
 *
 * The command's standard output goes to /dev/null (a reader writing its
 * timeline pays for formatting and write(2), not for a terminal or a pipe's
 * consumer), or is passed through with --keep-stdout. When it ends, one line
 * goes to standard error:
 *
 *   bench_measure: wall=S user=S sys=S maxrss_kib=N status=N
 *
 * wall from a monotonic clock around fork/wait (microseconds, where
 * /usr/bin/time gives hundredths), user/sys/maxrss from wait4(2); the exit
 * status is the command's own. An exec'd chain (setpriv, env) is one process,
 * so maxrss is the reader's. */
#define _DEFAULT_SOURCE /* wait4 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    int first = 1, keep_stdout = 0;
    if (argc > 1 && strcmp(argv[1], "--keep-stdout") == 0) {
        keep_stdout = 1;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [--keep-stdout] COMMAND [ARG...]\n", argv[0]);
        return 2;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t pid = fork();
    if (pid < 0) {
        perror("bench_measure: fork");
        return 2;
    }
    if (pid == 0) {
        if (!keep_stdout) {
            int null = open("/dev/null", O_WRONLY);
            if (null < 0 || dup2(null, STDOUT_FILENO) < 0) {
                perror("bench_measure: /dev/null");
                _exit(127);
            }
            close(null);
        }
        execvp(argv[first], argv + first);
        fprintf(stderr, "bench_measure: %s: %s\n", argv[first], strerror(errno));
        _exit(127);
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            perror("bench_measure: wait4");
            return 2;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double wall = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    fprintf(stderr, "bench_measure: wall=%.6f user=%.6f sys=%.6f maxrss_kib=%ld status=%d\n", wall,
            seconds(ru.ru_utime), seconds(ru.ru_stime), ru.ru_maxrss, code);
    return code;
}
