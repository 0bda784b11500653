// PythonRouter (see router.hpp).
#include "core/router.hpp"

#include <utility>

#include "core/message.hpp"
#include "runtime/errors.hpp"

namespace fastpulsar {

PythonRouter::PythonRouter(py::object router)
    : router_(std::make_shared<PyRef>(std::move(router))) {}

int PythonRouter::getPartition(const pulsar::Message& msg) { return 0; }

int PythonRouter::getPartition(const pulsar::Message& msg, const pulsar::TopicMetadata& metadata) {
    int partitions = metadata.getNumPartitions();
    GilForCallback gil;
    if (!gil.ok()) {
        return 0;
    }
    try {
        py::object message = wrap_message(msg, py::none());
        py::object chosen = py::reinterpret_borrow<py::object>(router_->get())(message, partitions);
        if (!PyLong_Check(chosen.ptr())) {
            raise_python_format(PyExc_TypeError,
                                "message_router returned %.200s, not an int partition index",
                                Py_TYPE(chosen.ptr())->tp_name);
        }
        long partition = PyLong_AsLong(chosen.ptr());
        if (partition == -1 && PyErr_Occurred()) {
            throw py::error_already_set();
        }
        if (partition < 0 || partition >= partitions) {
            raise_python_format(
                PyExc_ValueError,
                "message_router returned partition %ld of a topic with %d partitions", partition,
                partitions);
        }
        return static_cast<int>(partition);
    } catch (py::error_already_set& e) {
        // The message still goes out (to partition 0) and the error is reported.
        e.restore();
        report_callback_error(router_->get());
        return 0;
    }
}

}  // namespace fastpulsar
