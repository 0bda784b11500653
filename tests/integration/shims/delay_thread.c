/* LD_PRELOAD shim for tests/integration/test_producer_races.py: makes pthread_create
 * sleep after creating a thread, on demand, so that the new thread runs (and may
 * finish) before its creator goes on. Controlled by fp_shim_set_thread_delay_ms(),
 * called with ctypes; 0 (the default) forwards without delay.
 *
 * Thread-safe; called from any thread.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

static create_fn g_real;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_delay_ms;   /* atomic */
static long g_created;   /* atomic: threads created */
static long g_delayed;   /* atomic: creations followed by a delay */

static void resolve(void) {
    g_real = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
    if (g_real == NULL) {
        fprintf(stderr, "fp_delay_thread shim: pthread_create not found\n");
        abort();
    }
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
                   void *arg) {
    pthread_once(&g_once, resolve);
    int rc = g_real(thread, attr, start, arg);
    if (rc == 0) {
        __atomic_add_fetch(&g_created, 1, __ATOMIC_SEQ_CST);
        int ms = __atomic_load_n(&g_delay_ms, __ATOMIC_SEQ_CST);
        if (ms > 0) {
            __atomic_add_fetch(&g_delayed, 1, __ATOMIC_SEQ_CST);
            struct timespec pause = {ms / 1000, (long)(ms % 1000) * 1000000L};
            while (nanosleep(&pause, &pause) != 0) {
            }
        }
    }
    return rc;
}

void fp_shim_set_thread_delay_ms(int ms) { __atomic_store_n(&g_delay_ms, ms, __ATOMIC_SEQ_CST); }

long fp_shim_threads_created(void) { return __atomic_load_n(&g_created, __ATOMIC_SEQ_CST); }

long fp_shim_threads_delayed(void) { return __atomic_load_n(&g_delayed, __ATOMIC_SEQ_CST); }
