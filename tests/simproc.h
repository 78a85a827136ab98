/* simproc.h: starting kaspi-terminal-sim from C tests, on a free loopback
 * port, and asking it over HTTP what it saw. */
#ifndef KP_TESTS_SIMPROC_H
#define KP_TESTS_SIMPROC_H

#include <sys/types.h>
#include <jansson.h>

typedef struct test_sim {
    pid_t pid;
    int port;
    char address[64];     /* 127.0.0.1:PORT */
    char dir[256];        /* its temp dir (port file, log) */
} test_sim;

/* Starts the simulator with extra arguments (NULL-terminated, may be NULL).
 * Returns 0, or -1 when it could not start. */
int test_sim_start(test_sim *sim, const char *const *args);
void test_sim_stop(test_sim *sim);
/* GET http://ADDRESS/PATH_AND_QUERY; the body parsed as JSON (NULL on error). */
json_t *test_sim_get(const test_sim *sim, const char *path_and_query);
/* A field of /_sim/stats, or -1. */
long test_sim_count(const test_sim *sim, const char *field);
/* Sets the scenario for operations started from now on ("name=decline&polls=1"). */
int test_sim_scenario(const test_sim *sim, const char *query);

#endif
