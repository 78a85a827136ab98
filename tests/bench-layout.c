/*
 * bench-layout: how long kp_layout_parse() takes on one receipt, by hand
 * (never a test: timings depend on the machine).
 *     bench-layout [FILE [CPL [ITERATIONS [RUNS]]]]
 * Lays FILE (default: the 80 mm Kaspi receipt of tests/data/receiptline)
 * out ITERATIONS times per run and prints the nanoseconds per layout of
 * each run (CPU time, so other processes count less) and their median.  Run it under `valgrind --tool=callgrind` with
 * a small ITERATIONS to see where the instructions go.
 */
#include "config.h"
#include "kaspipos/layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef KP_BENCH_DOC
#define DEFAULT_DOC KP_BENCH_DOC
#else
#define DEFAULT_DOC "tests/data/receiptline/48-kaspi-receipt-80.receipt"
#endif
#define MAX_RUNS 101

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size;

    if (!f) {
        perror(path);
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)size + 1)) != NULL) {
        *len = fread(buf, 1, (size_t)size, f);
        buf[*len] = '\0';
    }
    fclose(f);
    return buf;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);   /* a busy machine: CPU time, not wall */
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One run: the mean time of `iterations` layouts; negative on failure. */
static double run_once(const char *doc, size_t len, const kp_layout_options *opt, long iterations)
{
    double start = now_ns();
    kp_error err;

    for (long i = 0; i < iterations; i++) {
        kp_layout *lay;
        if (kp_layout_parse(doc, len, opt, &lay, &err) != KP_OK) {
            fprintf(stderr, "bench-layout: %s\n", err.message);
            return -1;
        }
        kp_layout_free(lay);
    }
    return (now_ns() - start) / (double)iterations;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : DEFAULT_DOC;
    kp_layout_options opt = { argc > 2 ? atoi(argv[2]) : 48, path };
    long iterations = argc > 3 ? atol(argv[3]) : 20000;
    int runs = argc > 4 ? atoi(argv[4]) : 9;
    double ns[MAX_RUNS];
    size_t len = 0;
    char *doc;

    if (iterations < 1 || runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "usage: bench-layout [FILE [CPL [ITERATIONS [RUNS<=%d]]]]\n", MAX_RUNS);
        return 2;
    }
    if (!(doc = read_file(path, &len)))
        return 1;
    if (run_once(doc, len, &opt, iterations < 100 ? iterations : 100) < 0)   /* warm up */
        return 1;
    for (int r = 0; r < runs; r++) {
        if ((ns[r] = run_once(doc, len, &opt, iterations)) < 0)
            return 1;
        printf("run %d: %.0f ns per layout\n", r + 1, ns[r]);
    }
    qsort(ns, (size_t)runs, sizeof ns[0], compare_double);
    printf("%s (%zu bytes) at %d cpl: median %.0f ns per layout (%d runs x %ld)\n",
           path, len, opt.cpl, ns[runs / 2], runs, iterations);
    free(doc);
    return 0;
}
