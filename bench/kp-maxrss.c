/*
 * kp-maxrss.c: runs a command and writes its CPU time and peak RSS, for
 * bench/pay-bench.py.
 *
 *   kp-maxrss REPORT_FILE COMMAND [ARG]...
 *
 * Why a launcher of its own: on Linux a process's peak RSS (ru_maxrss)
 * includes the high-water mark of the memory it replaced at exec (the kernel
 * carries the old mm's mark over).  Started straight from Python, which
 * forks or vforks a 14 MB interpreter, any command "peaks" at 14 MB.  This
 * launcher forks from a process of under 1 MB resident, so the figure is
 * the command's own; the launcher's resident size at the fork is written
 * too, as the floor below which a figure would mean nothing.
 *
 * REPORT_FILE gets one line: CPU_MS RSS_KB LAUNCHER_RSS_KB, where CPU_MS is
 * the command's user + system time.  stdin, stdout and stderr pass through;
 * the exit status is the command's (128 + N when killed by signal N).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* This process's resident size now, in KB (its ru_maxrss would include
 * the mark inherited from whoever started it); -1 if unknown. */
static long resident_kb(void)
{
    long size = 0, resident = -1;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f && fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = -1;
    if (f)
        fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static double ms(struct timeval tv)
{
    return (double)tv.tv_sec * 1000.0 + (double)tv.tv_usec / 1000.0;
}

int main(int argc, char **argv)
{
    struct rusage child;
    FILE *report;
    long launcher_kb;
    pid_t pid;
    int status;

    if (argc < 3) {
        fprintf(stderr, "usage: kp-maxrss REPORT_FILE COMMAND [ARG]...\n");
        return 2;
    }
    launcher_kb = resident_kb();
    pid = fork();
    if (pid < 0) {
        perror("kp-maxrss: fork");
        return 2;
    }
    if (pid == 0) {
        execv(argv[2], argv + 2);
        fprintf(stderr, "kp-maxrss: cannot run %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    if (wait4(pid, &status, 0, &child) < 0) {
        perror("kp-maxrss: wait4");
        return 2;
    }
    report = fopen(argv[1], "w");
    if (!report || fprintf(report, "%.3f %ld %ld\n", ms(child.ru_utime) + ms(child.ru_stime),
                           child.ru_maxrss, launcher_kb) < 0 || fclose(report) != 0) {
        perror("kp-maxrss: writing the report");
        return 2;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
