// The dispatcher thread's entry points (the dispatcher is runtime/dispatcher.hpp's).
#include <pybind11/pybind11.h>

#include "bind/register.hpp"
#include "runtime/dispatcher.hpp"
#include "runtime/fork.hpp"
#include "runtime/gil.hpp"

namespace fastpulsar {

void register_dispatcher(py::module_& m) {
    remember_main_thread();
    m.def(
        "_dispatch_run", [] { Dispatcher::instance().run(); },
        "Serve libpulsar's completions and log lines until _dispatch_stop(); the body of the "
        "pulsar dispatcher thread (started by pulsar._dispatch).");
    m.def(
        "_dispatch_stop", [] { Dispatcher::instance().stop(); },
        "Ask the dispatcher thread to serve what is queued and return.");
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
        "On the dispatcher thread (in a callback): take back a _dispatch_stop().");
    m.def(
        "_dispatch_users", [] { return Dispatcher::instance().users(); },
        "How many clients made in this process are not closed yet.");
    m.def(
        "_dispatch_serve_pending", [] { Dispatcher::instance().serve_pending(); },
        "With no dispatcher thread running: serve what is queued on the calling thread.");
    m.def(
        "_dispatch_running", [] { return Dispatcher::instance().is_running(); },
        "Whether the dispatcher thread is serving.");
}

}  // namespace fastpulsar
