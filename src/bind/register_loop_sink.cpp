// pulsar._core.LoopSink: an asyncio event loop's end of the dispatcher (runtime/loop_sink.hpp).
#include <pybind11/pybind11.h>

#include "bind/register.hpp"
#include "runtime/loop_sink.hpp"

namespace fastpulsar {

void register_loop_sink(py::module_& m) {
    init_sink_slot_type();
    py::class_<LoopSink>(m, "LoopSink",
                         "Where completions for one asyncio event loop gather: at the end of each\n"
                         "dispatch round, post(items) runs once on the dispatcher thread with the\n"
                         "round's outcomes, flat: future, error, value, future, ... (error: None\n"
                         "or an exception). create_future() makes the loop's futures.")
        .def(py::init<py::object, py::object, py::object>(), py::arg("post"),
             py::arg("create_future"), py::arg("resolve"))
        .def("fileno", &LoopSink::fileno,
             "The wake-up pipe the loop watches for sends' completions (loop.add_reader).")
        .def("drain", &LoopSink::drain,
             "Settle the sends' completions queued since the last drain (on the loop's "
             "thread).");
}

}  // namespace fastpulsar
