// pulsar.MessageId: one class for what pulsar-client splits into two
// (pulsar.MessageId and _pulsar.MessageId).
#include <cstdint>
#include <string>

#include "common.hpp"
#include "register.hpp"

namespace fastpulsar {
namespace {

std::string to_string(const pulsar::MessageId& id) {
    return "(" + std::to_string(id.ledgerId()) + "," + std::to_string(id.entryId()) + "," +
           std::to_string(id.partition()) + "," + std::to_string(id.batchIndex()) + ")";
}

pulsar::MessageId deserialize(py::handle data) {
    if (!PyObject_CheckBuffer(data.ptr()) || PyUnicode_Check(data.ptr())) {
        raise_type_error("message_id_bytes", "bytes", data.ptr());
    }
    py::buffer_info info = py::reinterpret_borrow<py::buffer>(data).request();
    std::string bytes(static_cast<const char*>(info.ptr),
                      static_cast<std::size_t>(info.size * info.itemsize));
    try {
        return pulsar::MessageId::deserialize(bytes);
    } catch (const std::invalid_argument& e) {
        raise_value_error(std::string("Cannot deserialize a MessageId: ") + e.what());
    }
}

template <typename Compare>
py::object compare(const pulsar::MessageId& self, py::handle other, Compare op) {
    if (!py::isinstance<pulsar::MessageId>(other)) {
        return py::reinterpret_borrow<py::object>(Py_NotImplemented);
    }
    return py::bool_(op(self, other.cast<const pulsar::MessageId&>()));
}

}  // namespace

py::object wrap_message_id(const pulsar::MessageId& id) { return py::cast(id); }

void register_message_id(py::module_& m) {
    py::class_<pulsar::MessageId> cls(m, "MessageId",
                                      "The position of a message in a topic: ledger, entry, "
                                      "partition and index within a batch.");
    cls.def(py::init([](int32_t partition, int64_t ledger_id, int64_t entry_id,
                        int32_t batch_index) {
                return pulsar::MessageId(partition, ledger_id, entry_id, batch_index);
            }),
            py::arg("partition") = -1, py::arg("ledger_id") = -1, py::arg("entry_id") = -1,
            py::arg("batch_index") = -1)
        .def("ledger_id", &pulsar::MessageId::ledgerId)
        .def("entry_id", &pulsar::MessageId::entryId)
        .def("partition", &pulsar::MessageId::partition)
        .def("batch_index", &pulsar::MessageId::batchIndex)
        .def("batch_size", &pulsar::MessageId::batchSize)
        .def(
            "serialize",
            [](const pulsar::MessageId& id) {
                std::string out;
                id.serialize(out);
                return py::bytes(out);
            },
            "The id as bytes, for MessageId.deserialize().")
        .def_static(
            "deserialize",
            [](py::handle data, py::handle topic) {
                pulsar::MessageId id = deserialize(data);
                if (!topic.is_none()) {
                    id.setTopicName(as_string(topic.ptr(), "topic"));
                }
                return id;
            },
            py::arg("message_id_bytes"), py::arg("topic") = py::none(),
            "Rebuild a MessageId from serialize()'s bytes; ValueError on bytes that are not one.")
        .def("__str__", &to_string)
        .def("__repr__",
             [](const pulsar::MessageId& id) {
                 return "MessageId(partition=" + std::to_string(id.partition()) +
                        ", ledger_id=" + std::to_string(id.ledgerId()) +
                        ", entry_id=" + std::to_string(id.entryId()) +
                        ", batch_index=" + std::to_string(id.batchIndex()) + ")";
             })
        .def("__eq__",
             [](const pulsar::MessageId& a, py::handle b) {
                 return compare(a, b, [](auto& x, auto& y) { return x == y; });
             })
        .def("__ne__",
             [](const pulsar::MessageId& a, py::handle b) {
                 return compare(a, b, [](auto& x, auto& y) { return x != y; });
             })
        .def("__lt__",
             [](const pulsar::MessageId& a, py::handle b) {
                 return compare(a, b, [](auto& x, auto& y) { return x < y; });
             })
        .def("__le__",
             [](const pulsar::MessageId& a, py::handle b) {
                 return compare(a, b, [](auto& x, auto& y) { return x <= y; });
             })
        .def("__gt__",
             [](const pulsar::MessageId& a, py::handle b) {
                 return compare(a, b, [](auto& x, auto& y) { return x > y; });
             })
        .def("__ge__",
             [](const pulsar::MessageId& a, py::handle b) {
                 return compare(a, b, [](auto& x, auto& y) { return x >= y; });
             })
        .def("__hash__",
             [](const pulsar::MessageId& id) {
                 return py::hash(py::make_tuple(id.ledgerId(), id.entryId(), id.partition(),
                                                id.batchIndex()));
             })
        .def(py::pickle(
            [](const pulsar::MessageId& id) {
                std::string out;
                id.serialize(out);
                return py::make_tuple(py::bytes(out));
            },
            [](const py::tuple& state) { return deserialize(state[0]); }));

    cls.attr("earliest") = py::cast(pulsar::MessageId::earliest());
    cls.attr("latest") = py::cast(pulsar::MessageId::latest());
    // pulsar-client's MessageId.wrap(_pulsar.MessageId): here the two are one class.
    cls.attr("wrap") = py::module_::import("builtins")
                           .attr("classmethod")(py::cpp_function(
                               [](py::handle /*cls*/, py::handle id) {
                                   if (!py::isinstance<pulsar::MessageId>(id)) {
                                       raise_type_error("msg_id", "a MessageId", id.ptr());
                                   }
                                   return py::reinterpret_borrow<py::object>(id);
                               },
                               py::arg("cls"), py::arg("msg_id")));
}

}  // namespace fastpulsar
