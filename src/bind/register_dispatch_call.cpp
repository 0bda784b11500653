// pulsar._core._dispatch_call: run a Python function on the dispatcher thread
// (_pulsar.Client's *_async callbacks).
#include <pybind11/pybind11.h>

#include <memory>
#include <utility>

#include "bind/register.hpp"
#include "runtime/dispatcher.hpp"

namespace fastpulsar {

namespace {

// Calls `fn()` once, on the dispatcher thread with the GIL held; an exception it raises
// goes to sys.unraisablehook. Holds an owned reference until run() drops it there (with
// the GIL); a task never run leaks it rather than touch Python without the GIL.
class CallTask : public DispatchTask {
   public:
    explicit CallTask(py::object fn) : fn_(fn.release().ptr()) {}
    void run() override {
        py::object fn = py::reinterpret_steal<py::object>(fn_);
        fn_ = nullptr;
        try {
            fn();
        } catch (py::error_already_set& e) {
            e.discard_as_unraisable(fn);
        }
    }

   private:
    PyObject* fn_;
};

}  // namespace

void register_dispatch_call(py::module_& m) {
    m.def(
        "_dispatch_call",
        [](py::object fn) { Dispatcher::instance().push_task(std::make_shared<CallTask>(fn)); },
        py::arg("fn"),
        "Call fn() on the dispatcher thread (GIL held); what it raises goes to "
        "sys.unraisablehook. Any thread.");
}

}  // namespace fastpulsar
