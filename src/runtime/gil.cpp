// The GIL helpers (see gil.hpp).
#include "runtime/gil.hpp"

#include <chrono>
#include <thread>

#include "runtime/dispatcher.hpp"

namespace fastpulsar {
namespace {

// The thread that imported the module: the main thread, which is the one that
// finalizes the interpreter (and may take the GIL back while doing so).
unsigned long g_main_thread = 0;

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
    if (PyThread_get_thread_ident() != g_main_thread) {
        while (interpreter_finalizing()) {
            std::this_thread::sleep_for(std::chrono::hours(1));  // the process is exiting
        }
    }
    PyEval_RestoreThread(state_);
}

GilForCallback::GilForCallback() {
    if (interpreter_finalizing()) {
        return;
    }
    state_ = PyGILState_Ensure();
    ok_ = true;
}

GilForCallback::~GilForCallback() {
    if (ok_) {
        PyGILState_Release(state_);
    }
}

PyRef::~PyRef() { Dispatcher::instance().release_later(obj_); }

}  // namespace fastpulsar
