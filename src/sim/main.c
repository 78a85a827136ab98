/*
 * main.c: kaspi-terminal-sim, a Kaspi POS terminal simulator for
 * development, demos and tests.  Parses the command line, starts the HTTP
 * server, announces the port (stderr and --port-file), then waits for
 * SIGTERM or SIGINT and shuts down cleanly.
 */
#include "config.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>
#include "sim/sim.h"

/* Writes "PORT\n" to path through a temporary file and a rename, so a
 * reader never sees a partial number. */
static int write_port_file(const char *path, unsigned port)
{
    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    FILE *f;
    int ok;
    if (tmp == NULL)
        return -1;
    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    f = fopen(tmp, "w");
    ok = f != NULL && fprintf(f, "%u\n", port) > 0;
    if (f != NULL && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "kaspi-terminal-sim: cannot write the port file %s: %s\n",
                path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}

/* Blocks the stop signals in every thread (MHD's threads inherit the mask)
 * so that main can wait for them with sigwait. */
static void block_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void announce(const sim_config *config, unsigned port)
{
    bool ipv6 = strchr(config->listen, ':') != NULL;
    if (!config->quiet)
        fprintf(stderr, "kaspi-terminal-sim listening on %s%s%s:%u\n", ipv6 ? "[" : "",
                config->listen, ipv6 ? "]" : "", port);
}

static int run(const sim_config *config)
{
    sim s;
    sigset_t stop;
    struct MHD_Daemon *daemon;
    unsigned port = 0;
    int sig = 0;

    if (sim_init(&s, config) != 0) {
        if (config->log_file && s.log_file == NULL)
            fprintf(stderr, "kaspi-terminal-sim: cannot open the log %s: %s\n",
                    config->log_file, strerror(errno));
        else
            fprintf(stderr, "kaspi-terminal-sim: out of memory\n");
        sim_destroy(&s);
        return 1;
    }
    block_stop_signals(&stop);
    daemon = sim_server_start(&s, &port);
    if (daemon == NULL) {
        fprintf(stderr, "kaspi-terminal-sim: cannot listen on %s port %u: is the address "
                "valid and the port free?\n", config->listen, config->port);
        sim_destroy(&s);
        return 1;
    }
    if (config->port_file && write_port_file(config->port_file, port) != 0) {
        sim_server_stop(&s, daemon);
        sim_destroy(&s);
        return 1;
    }
    announce(config, port);
    sigwait(&stop, &sig);
    if (!config->quiet)
        fprintf(stderr, "kaspi-terminal-sim: %s, stopping\n", strsignal(sig));
    sim_server_stop(&s, daemon);
    sim_destroy(&s);
    return 0;
}

int main(int argc, char **argv)
{
    sim_config config;
    int code = sim_options_parse(argc, argv, &config);
    if (code >= 0)
        return code;
    code = run(&config);
    free(config.tls_cert_pem);
    free(config.tls_key_pem);
    return code;
}
