// The GIL helpers (see gil.hpp).
#include "runtime/gil.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "runtime/dispatcher.hpp"
#include "runtime/sync.hpp"

namespace fastpulsar {
namespace {

// The thread that imported the module: the main thread, which is the one that
// finalizes the interpreter (and may take the GIL back while doing so).
unsigned long g_main_thread = 0;

// GilForCallback's guard against finalization: a thread counts itself in, then looks at
// the flag (both sequentially consistent), so forbid_gil_for_callbacks, which sets the
// flag and then waits for the count to drop, never misses one.
std::atomic<bool> g_callbacks_forbidden{false};
std::atomic<int> g_callbacks_inside{0};
std::mutex g_callbacks_mutex;
std::condition_variable g_callbacks_left;  // notified when the last one leaves, once forbidden
constexpr auto kForbidWaitLimit = std::chrono::seconds(5);

// GilRelease's guard against finalization, the same pattern: a thread other than the main
// one counts itself in, then looks at the flag, before it takes the GIL back; once
// park_threads_at_exit has set the flag and seen the count drop to zero, no such thread can
// be waiting for the GIL when finalization begins.
std::atomic<bool> g_threads_parked{false};
std::atomic<int> g_restoring{0};
std::mutex g_restoring_mutex;
std::condition_variable g_restoring_left;  // notified when the last one leaves, once parked

void leave_restoring() {
    if (g_restoring.fetch_sub(1) == 1 && g_threads_parked.load()) {
        notify_all_after_lock(g_restoring_mutex, g_restoring_left);
    }
}

[[noreturn]] void park_forever() {
    for (;;) {
        std::this_thread::sleep_for(std::chrono::hours(1));  // the process is exiting
    }
}

void leave_callback() {
    if (g_callbacks_inside.fetch_sub(1) == 1 && g_callbacks_forbidden.load()) {
        notify_all_after_lock(g_callbacks_mutex, g_callbacks_left);
    }
}

}  // namespace

void remember_main_thread() {
    g_main_thread =
        py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
}

bool interpreter_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
    return !Py_IsInitialized() || Py_IsFinalizing() != 0;
#else
    return !Py_IsInitialized() || _Py_IsFinalizing() != 0;
#endif
}

GilRelease::~GilRelease() noexcept(false) {
    if (PyThread_get_thread_ident() == g_main_thread) {
        PyEval_RestoreThread(state_);
        return;
    }
    g_restoring.fetch_add(1);
    if (g_threads_parked.load() || interpreter_finalizing()) {
        leave_restoring();
        park_forever();
    }
    PyEval_RestoreThread(state_);
    leave_restoring();
}

GilForCallback::GilForCallback() {
    g_callbacks_inside.fetch_add(1);
    if (g_callbacks_forbidden.load() || interpreter_finalizing()) {
        leave_callback();
        return;
    }
    state_ = PyGILState_Ensure();
    ok_ = true;
}

GilForCallback::~GilForCallback() {
    if (ok_) {
        PyGILState_Release(state_);
        leave_callback();
    }
}

void forbid_gil_for_callbacks() {
    g_callbacks_forbidden.store(true);
    if (g_callbacks_inside.load() == 0) {
        return;
    }
    GilRelease nogil;  // let them finish
    std::unique_lock<std::mutex> lock(g_callbacks_mutex);
    g_callbacks_left.wait_for(lock, kForbidWaitLimit,
                              [] { return g_callbacks_inside.load() == 0; });
}

bool process_exiting() { return g_callbacks_forbidden.load(); }

void park_threads_at_exit() {
    g_threads_parked.store(true);
    if (g_restoring.load() == 0) {
        return;
    }
    PyThreadState* state = PyEval_SaveThread();  // let them take the GIL and count out
    {
        std::unique_lock<std::mutex> lock(g_restoring_mutex);
        g_restoring_left.wait_for(lock, kForbidWaitLimit, [] { return g_restoring.load() == 0; });
    }
    PyEval_RestoreThread(state);
}

void reset_gil_for_callbacks_after_fork() {
    g_callbacks_inside.store(0);
    g_restoring.store(0);
}

PyRef::~PyRef() { Dispatcher::instance().release_later(obj_); }

}  // namespace fastpulsar
