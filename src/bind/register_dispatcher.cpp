// The dispatcher thread's entry points (the dispatcher is runtime/dispatcher.hpp's).
#include <pybind11/pybind11.h>

#include <cstddef>

#include "bind/register.hpp"
#include "runtime/dispatcher.hpp"
#include "runtime/fork.hpp"
#include "runtime/gil.hpp"

namespace fastpulsar {

void register_dispatcher(py::module_& m) {
    remember_main_thread();
    m.def(
        "_dispatch_run", [](std::size_t lane) { Dispatcher::instance().run(lane); },
        py::arg("lane") = 0,
        "Serve a lane of the dispatcher until it is stopped: lane 0 (libpulsar's completions "
        "and log lines), the body of the pulsar-dispatcher thread, or listener lane i "
        "(listeners' messages) for lane 1 + i, the body of the pulsar-listener-i thread "
        "(started by pulsar._dispatch).");
    m.def(
        "_dispatch_stop", [] { Dispatcher::instance().stop(); },
        "Ask every dispatcher thread to serve what is queued and return.");
    m.def(
        "_forbid_gil_for_callbacks", [] { forbid_gil_for_callbacks(); },
        "At interpreter exit: from now on, libpulsar's threads never take the GIL (a Python "
        "message_router or token supplier is then not called); waits a few seconds at most "
        "for those that hold it.");
    m.def(
        "_park_threads_at_exit", [] { park_threads_at_exit(); },
        "At interpreter exit, after the dispatcher thread stopped: from now on, a thread "
        "coming back from a blocking call parks for good instead of taking the GIL; waits "
        "a few seconds at most for those already on their way to it.");
    m.def(
        "_after_fork_in_child", [] { after_fork_in_child(); },
        "In a child process after os.fork(): a fresh dispatcher; objects inherited from the "
        "parent raise AlreadyClosed.");
    m.def(
        "_dispatch_cancel_stop", [] { Dispatcher::instance().cancel_stop(); },
        "Take back a _dispatch_stop() the dispatcher threads have not acted on yet.");
    m.def(
        "_dispatch_users", [] { return Dispatcher::instance().users(); },
        "How many clients made in this process are not closed yet (or being made).");
    m.def(
        "_dispatch_add_user", [] { Dispatcher::instance().add_user(); },
        "A client is being made: the dispatcher threads keep serving (a stop asked for "
        "when the last client went is taken back).");
    m.def(
        "_dispatch_remove_user", [] { Dispatcher::instance().remove_user(); },
        "The client being made counts by itself now, or failed: when no user is left, the "
        "dispatcher threads serve what is queued and return.");
    m.def(
        "_dispatch_serve_pending", [] { Dispatcher::instance().serve_pending(); },
        "Serve on the calling thread what is queued in the lanes no thread serves.");
    m.def(
        "_dispatch_running",
        [](std::size_t lane) { return Dispatcher::instance().is_running(lane); },
        py::arg("lane") = 0, "Whether a thread serves the lane (0: the main one).");
}

}  // namespace fastpulsar
