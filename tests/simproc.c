/* simproc.c: runs kaspi-terminal-sim for C tests (see simproc.h). */
#include "simproc.h"

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *sim_program(void)
{
    static char path[1024];
    const char *explicit_path = getenv("KASPI_SIM");
    const char *top = getenv("top_builddir");

    if (explicit_path)
        return explicit_path;
    snprintf(path, sizeof path, "%s/src/kaspi-terminal-sim", top ? top : ".");
    return path;
}

static int read_port(const char *file)
{
    FILE *f = fopen(file, "r");
    int port = 0;

    if (!f)
        return 0;
    if (fscanf(f, "%d", &port) != 1)
        port = 0;
    fclose(f);
    return port;
}

static void pause_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

int test_sim_start(test_sim *sim, const char *const *args)
{
    char port_file[320], log_file[320];
    const char *argv[64];
    int argc = 0, status;

    memset(sim, 0, sizeof *sim);
    snprintf(sim->dir, sizeof sim->dir, "%s/kaspi-sim.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(sim->dir))
        return -1;
    snprintf(port_file, sizeof port_file, "%s/port", sim->dir);
    snprintf(log_file, sizeof log_file, "%s/requests.log", sim->dir);
    argv[argc++] = sim_program();
    argv[argc++] = "--port";
    argv[argc++] = "0";
    argv[argc++] = "--port-file";
    argv[argc++] = port_file;
    argv[argc++] = "--log";
    argv[argc++] = log_file;
    argv[argc++] = "--quiet";
    for (int i = 0; args && args[i] && argc < 62; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    if (posix_spawn(&sim->pid, argv[0], NULL, NULL, (char *const *)argv, environ) != 0)
        return -1;
    for (int tries = 0; tries < 1000; tries++) {   /* up to 10 s */
        sim->port = read_port(port_file);
        if (sim->port > 0)
            break;
        if (waitpid(sim->pid, &status, WNOHANG) == sim->pid) {
            sim->pid = 0;
            return -1;
        }
        pause_ms(10);
    }
    if (sim->port <= 0) {
        test_sim_stop(sim);
        return -1;
    }
    snprintf(sim->address, sizeof sim->address, "127.0.0.1:%d", sim->port);
    return 0;
}

void test_sim_stop(test_sim *sim)
{
    char path[320];

    if (sim->pid > 0) {
        kill(sim->pid, SIGTERM);
        waitpid(sim->pid, NULL, 0);
        sim->pid = 0;
    }
    if (sim->dir[0]) {
        snprintf(path, sizeof path, "%s/port", sim->dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/requests.log", sim->dir);
        unlink(path);
        rmdir(sim->dir);
        sim->dir[0] = '\0';
    }
}

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
    FILE *f = userdata;
    return fwrite(data, size, n, f);
}

json_t *test_sim_get(const test_sim *sim, const char *path_and_query)
{
    char url[1024], *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CURL *curl = curl_easy_init();
    json_t *json = NULL;
    CURLcode rc;

    snprintf(url, sizeof url, "http://%s%s", sim->address, path_and_query);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    rc = curl_easy_perform(curl);
    fclose(f);
    if (rc == CURLE_OK)
        json = json_loadb(text, len, 0, NULL);
    curl_easy_cleanup(curl);
    free(text);
    return json;
}

long test_sim_count(const test_sim *sim, const char *field)
{
    json_t *stats = test_sim_get(sim, "/_sim/stats");
    long value = -1;

    if (stats && json_is_integer(json_object_get(stats, field)))
        value = (long)json_integer_value(json_object_get(stats, field));
    json_decref(stats);
    return value;
}

int test_sim_scenario(const test_sim *sim, const char *query)
{
    char path[512];
    json_t *answer;
    int ok;

    snprintf(path, sizeof path, "/_sim/scenario?%s", query);
    answer = test_sim_get(sim, path);
    ok = answer && json_is_true(json_object_get(answer, "ok"));
    json_decref(answer);
    return ok ? 0 : -1;
}
