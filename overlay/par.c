/* A minimal work pool: independent jobs (parsing the files a kustomization
 * lists, emitting documents) spread over the machine's CPUs. Jobs take
 * their index from a shared counter; results go to per-index slots the
 * caller owns, so the order of the output never depends on scheduling. */
#include "overlay/kust.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#define KPAR_MAX_THREADS 8

struct pool {
    size_t n;
    atomic_size_t next;
    void (*fn)(size_t i, void *payload);
    void *payload;
};

static void *
worker(void *arg)
{
    struct pool *p = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            break;
        p->fn(i, p->payload);
    }
    return NULL;
}

void
kpar_run(size_t n, void (*fn)(size_t i, void *payload), void *payload)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nt = cpus > 1 ? (size_t)cpus : 1;
    if (nt > KPAR_MAX_THREADS)
        nt = KPAR_MAX_THREADS;
    if (nt > n)
        nt = n;
    struct pool p = {.n = n, .fn = fn, .payload = payload};
    atomic_init(&p.next, 0);
    if (nt <= 1) {
        worker(&p);
        return;
    }
    pthread_t th[KPAR_MAX_THREADS];
    bool started[KPAR_MAX_THREADS] = {0};
    for (size_t t = 1; t < nt; t++)
        started[t] = pthread_create(&th[t], NULL, worker, &p) == 0;
    worker(&p); /* the calling thread works too */
    for (size_t t = 1; t < nt; t++)
        if (started[t])
            pthread_join(th[t], NULL);
}
