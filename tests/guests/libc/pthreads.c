/* pthreads.c - 8 threads: a mutex-protected counter, a condition variable hand-off, a barrier,
 * thread-local storage, thread return values and detached threads. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 8
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t barrier;
static long counter;
static int turn;
static __thread long tls_value = 7;
static long tls_seen[THREADS];
static int order[THREADS];
static int order_len;

static void *worker(void *arg)
{
    long id = (long)arg;
    tls_value = id * 100;
    for (int i = 0; i < 2000; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    pthread_barrier_wait(&barrier);
    /* Take turns in id order through the condition variable. */
    pthread_mutex_lock(&lock);
    while (turn != id)
        pthread_cond_wait(&cond, &lock);
    order[order_len++] = (int)id;
    turn++;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    tls_seen[id] = tls_value;
    return (void *)(id * id);
}

static void *detached(void *arg)
{
    (void)arg;
    return 0;
}

int main(void)
{
    pthread_t t[THREADS];
    pthread_barrier_init(&barrier, 0, THREADS);
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], 0, worker, (void *)i) != 0)
            return 1;
    long total = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (long)r;
    }
    pthread_t d;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_create(&d, &attr, detached, 0);
    printf("counter=%ld joined=%ld main_tls=%ld\n", counter, total, tls_value);
    printf("order:");
    for (int i = 0; i < order_len; i++)
        printf(" %d", order[i]);
    printf("\ntls:");
    for (int i = 0; i < THREADS; i++)
        printf(" %ld", tls_seen[i]);
    printf("\n");
    return 0;
}
