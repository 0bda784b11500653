// pulsar._core.MessageBatch, behind pulsar.MessageBatch (pulsar/_message_batch.py); the
// class is core/message_batch.hpp's.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bind/register.hpp"
#include "core/message_batch.hpp"
#include "core/message_id.hpp"
#include "runtime/errors.hpp"

namespace fastpulsar {

void register_message_batch(py::module_& m) {
    py::class_<MessageBatchHandle>(m, "MessageBatch",
                                   "Splits the payload of a batched entry into its messages.")
        .def(py::init<>())
        .def(
            "with_message_id",
            [](MessageBatchHandle& batch, py::handle id) {
                const pulsar::MessageId* found = unwrap_message_id(id);
                if (found == nullptr) {
                    raise_python(PyExc_TypeError, "with_message_id() takes a pulsar.MessageId");
                }
                batch.with_message_id(*found);
            },
            py::arg("message_id"),
            "Sets the id whose ledger, entry and partition the parsed messages take.")
        .def("parse_from", &MessageBatchHandle::parse_from, py::arg("data"), py::arg("size"),
             "The `size` messages of the batch payload `data` (bytes), as pulsar.Message\n"
             "objects; ValueError when `data` does not hold them.")
        .def("messages", &MessageBatchHandle::messages, "The messages of the last parse_from.");
}

}  // namespace fastpulsar
