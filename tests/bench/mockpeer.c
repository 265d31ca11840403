/*
 * mockpeer: librdkafka's in-memory mock cluster (rdkafka_mock.h) on a fixed
 * loopback port, as the peer that pays no durability in tests/bench.
 *
 *   mockpeer [-P PORT] [-n BROKERS] [-t TOPIC:PARTITIONS]...
 *
 * The mock binds 127.0.0.1:0 and has no API to choose the port; this
 * program defines its own bind(), which wins over libc's, and turns the
 * first BROKERS binds to 127.0.0.1:0 into PORT, PORT+1, ... (other calls go
 * to libc's bind through dlsym(RTLD_NEXT)). Prints the bootstrap servers on
 * stdout and runs until SIGTERM or SIGINT. Unknown topics are auto-created
 * by the mock with 4 partitions; -t creates others first.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static int next_port = 0, ports_left = 0;

int
bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    static int (*real_bind)(int, const struct sockaddr *, socklen_t);
    if (real_bind == NULL)
        real_bind = (int (*)(int, const struct sockaddr *, socklen_t)) dlsym(RTLD_NEXT, "bind");
    if (ports_left > 0 && addr != NULL && addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        struct sockaddr_in sin;
        memcpy(&sin, addr, sizeof(sin));
        if (sin.sin_port == 0 && sin.sin_addr.s_addr == htonl(INADDR_LOOPBACK)) {
            int one = 1;
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            sin.sin_port = htons((uint16_t) next_port++);
            ports_left--;
            return real_bind(fd, (const struct sockaddr *) &sin, sizeof(sin));
        }
    }
    return real_bind(fd, addr, len);
}

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
    (void) sig;
    stop = 1;
}

int
main(int argc, char **argv)
{
    int o, nbrokers = 1, port = 9292;
    char *topics[64];
    int ntopics = 0;
    while ((o = getopt(argc, argv, "P:n:t:")) != -1) {
        if (o == 'P')
            port = atoi(optarg);
        else if (o == 'n')
            nbrokers = atoi(optarg);
        else if (o == 't' && ntopics < 64)
            topics[ntopics++] = optarg;
        else {
            fprintf(stderr, "usage: mockpeer [-P PORT] [-n BROKERS] [-t TOPIC:PARTITIONS]...\n");
            return 2;
        }
    }
    next_port = port;
    ports_left = nbrokers;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (rk == NULL) {
        fprintf(stderr, "mockpeer: rd_kafka_new: %s\n", err);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, nbrokers);
    if (mc == NULL) {
        fprintf(stderr, "mockpeer: could not create the mock cluster (port %d in use?)\n", port);
        return 1;
    }
    for (int i = 0; i < ntopics; i++) {
        char *c = strrchr(topics[i], ':');
        int np = c ? atoi(c + 1) : 4;
        if (c)
            *c = 0;
        rd_kafka_mock_topic_create(mc, topics[i], np, 1);
    }
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    while (!stop)
        pause();
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
