// pulsar._core.LoopSink: an asyncio event loop's end of the dispatcher (runtime/loop_sink.hpp).
#include <pybind11/pybind11.h>

#include "bind/register.hpp"
#include "runtime/loop_sink.hpp"

namespace fastpulsar {

void register_loop_sink(py::module_& m) {
    init_sink_slot_type();
    py::class_<LoopSink>(m, "LoopSink",
                         "Where the completions for one asyncio event loop gather: libpulsar's\n"
                         "threads queue them and write a byte to the pipe fileno(); the loop\n"
                         "watches it and calls drain(), which settles them with one\n"
                         "resolve(items) call (items flat: future, error, value, ...).\n"
                         "future_type(loop=loop) makes the loop's futures.")
        .def(py::init<py::object, py::object, py::object>(), py::arg("future_type"),
             py::arg("loop"), py::arg("resolve"))
        .def("fileno", &LoopSink::fileno,
             "The wake-up pipe the loop watches for completions (loop.add_reader).")
        .def("drain", &LoopSink::drain,
             "Settle the completions queued since the last drain (on the loop's thread).");
}

}  // namespace fastpulsar
