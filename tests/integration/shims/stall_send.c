/* LD_PRELOAD shim for tests/integration/test_producer_races.py: stalls libpulsar's
 * pulsar::Producer::sendAsync(const Message&, const SendCallback&) on demand.
 *
 * The extension (pulsar._core) imports this symbol from the bundled libpulsar; an
 * LD_PRELOAD object comes first in the global lookup scope, so the extension's
 * reference binds here, and we forward to libpulsar's definition. (Calls made inside
 * libpulsar do not come here: it is linked -Bsymbolic.) The test drives the shim
 * through the fp_shim_* functions below, called with ctypes.
 *
 * Thread-safe; every entry point may be called from any thread. Plain C on purpose:
 * no C++ runtime is needed to forward three pointers (this, the message, the
 * callback; a const reference is a pointer in the Itanium C++ ABI).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEND_ASYNC \
    _ZN6pulsar8Producer9sendAsyncERKNS_7MessageERKSt8functionIFvNS_6ResultERKNS_9MessageIdEEE
#define STR2(x) #x
#define STR(x) STR2(x)

typedef void (*send_async_fn)(void *self, const void *message, const void *callback);

static send_async_fn g_real;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static int g_stall;          /* calls block while set */
static long g_calls;         /* calls that entered the shim */
static long g_stalled_now;   /* calls blocked in the shim now */
static long g_forwarded;     /* calls that returned from libpulsar */

static int find_libpulsar(struct dl_phdr_info *info, size_t size, void *out) {
    (void)size;
    if (info->dlpi_name != NULL && strstr(info->dlpi_name, "/libpulsar") != NULL) {
        *(const char **)out = info->dlpi_name;
        return 1;
    }
    return 0;
}

static void resolve(void) {
    /* libpulsar is loaded RTLD_LOCAL (a dependency of the extension, which Python
     * dlopens RTLD_LOCAL), so RTLD_NEXT may not see it: look it up by its path. */
    void *sym = dlsym(RTLD_NEXT, STR(SEND_ASYNC));
    if (sym == NULL) {
        const char *path = NULL;
        dl_iterate_phdr(find_libpulsar, &path);
        if (path != NULL) {
            void *handle = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
            if (handle != NULL) {
                sym = dlsym(handle, STR(SEND_ASYNC));
            }
        }
    }
    if (sym == NULL) {
        fprintf(stderr, "fp_stall_send shim: libpulsar's sendAsync not found\n");
        abort();
    }
    g_real = (send_async_fn)sym;
}

void SEND_ASYNC(void *self, const void *message, const void *callback) {
    pthread_once(&g_once, resolve);
    pthread_mutex_lock(&g_mutex);
    ++g_calls;
    if (g_stall) {
        ++g_stalled_now;
        pthread_cond_broadcast(&g_cond);
        while (g_stall) {
            pthread_cond_wait(&g_cond, &g_mutex);
        }
        --g_stalled_now;
    }
    pthread_mutex_unlock(&g_mutex);
    g_real(self, message, callback);
    pthread_mutex_lock(&g_mutex);
    ++g_forwarded;
    pthread_cond_broadcast(&g_cond);
    pthread_mutex_unlock(&g_mutex);
}

/* 1: later calls (and those blocked now) block until 0 is set. */
void fp_shim_set_stall(int on) {
    pthread_mutex_lock(&g_mutex);
    g_stall = on;
    pthread_cond_broadcast(&g_cond);
    pthread_mutex_unlock(&g_mutex);
}

long fp_shim_send_calls(void) {
    pthread_mutex_lock(&g_mutex);
    long n = g_calls;
    pthread_mutex_unlock(&g_mutex);
    return n;
}

long fp_shim_send_forwarded(void) {
    pthread_mutex_lock(&g_mutex);
    long n = g_forwarded;
    pthread_mutex_unlock(&g_mutex);
    return n;
}

/* Waits (at most timeout_ms) until at least `count` calls are blocked in the shim;
 * returns how many are. */
long fp_shim_wait_stalled(long count, long timeout_ms) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec += 1;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&g_mutex);
    while (g_stalled_now < count) {
        if (pthread_cond_timedwait(&g_cond, &g_mutex, &deadline) == ETIMEDOUT) {
            break;
        }
    }
    long n = g_stalled_now;
    pthread_mutex_unlock(&g_mutex);
    return n;
}
