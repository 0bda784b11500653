// The GIL and Python references across threads: who may take the GIL, when, and how a
// reference held by libpulsar is released.
#pragma once

#include <pybind11/pybind11.h>

namespace fastpulsar {

namespace py = pybind11;

// Records the interpreter's main thread (the one that finalizes it). Called once at
// module initialization, GIL held; throws error_already_set.
void remember_main_thread();

// Whether the interpreter is finalizing (it is then unsafe to take the GIL). Any thread,
// GIL or not; never throws.
bool interpreter_finalizing();

// Releases the GIL for the scope, like py::gil_scoped_release, except at exit: a
// (daemon) thread that would take the GIL back once park_threads_at_exit has run, or
// while the interpreter finalizes, is parked for good instead. Python would end it with
// pthread_exit, whose unwinding through C++ frames terminates the process ("terminate
// called without an active exception", or "FATAL: exception not rethrown" through a
// catch (...)). Constructed with the GIL held; never throws.
class GilRelease {
   public:
    GilRelease() : state_(PyEval_SaveThread()) {}
    ~GilRelease() noexcept(false);
    GilRelease(const GilRelease&) = delete;
    GilRelease& operator=(const GilRelease&) = delete;

   private:
    PyThreadState* state_;
};

// Holds the GIL for the scope on any thread, libpulsar's included; `ok()` is false
// (and the GIL not taken) once the process is exiting (see forbid_gil_for_callbacks).
// Constructed without the GIL; never throws.
class GilForCallback {
   public:
    GilForCallback();
    ~GilForCallback();
    GilForCallback(const GilForCallback&) = delete;
    GilForCallback& operator=(const GilForCallback&) = delete;
    bool ok() const { return ok_; }

   private:
    bool ok_ = false;
    PyGILState_STATE state_{};
};

// At interpreter exit, from pulsar's atexit handler (before finalization begins), GIL
// held: from now on GilForCallback refuses the GIL, and this waits, with the GIL
// released and for a few seconds at most, until no thread holds it or waits for it
// through GilForCallback. Without it, a thread could see "not finalizing", then take
// the GIL while the interpreter finalizes, and be ended mid-C++. Never throws.
void forbid_gil_for_callbacks();
// Whether forbid_gil_for_callbacks has run: pulsar's atexit handler, the process is
// exiting. Any thread, GIL or not; never throws.
bool process_exiting();
// At interpreter exit, from pulsar's atexit handler after the dispatcher thread has
// stopped, on the main thread, GIL held: from now on a thread other than the main one
// that leaves a GilRelease scope parks for good; this waits, with the GIL released and for
// a few seconds at most, until no such thread is still on its way to the GIL (checking
// interpreter_finalizing() alone leaves a window: a thread that saw "not finalizing" and
// then waits for the GIL is ended by Python with pthread_exit once finalization begins).
// Never throws.
void park_threads_at_exit();
// In a forked child, GIL held: forgets the parent's threads counted inside GilForCallback
// and GilRelease.
void reset_gil_for_callbacks_after_fork();

// An owned reference that libpulsar may destroy on any thread: the reference is
// released later on the dispatcher thread, with the GIL. Made with the GIL held,
// destroyed on any thread without it; never throws.
class PyRef {
   public:
    explicit PyRef(py::object obj) : obj_(obj.release().ptr()) {}
    PyRef(PyRef&& other) noexcept : obj_(other.obj_) { other.obj_ = nullptr; }
    PyRef(const PyRef&) = delete;
    PyRef& operator=(const PyRef&) = delete;
    ~PyRef();
    // Borrowed; use with the GIL held.
    PyObject* get() const { return obj_; }

   private:
    PyObject* obj_;
};

}  // namespace fastpulsar
