// pulsar._core.MessageBuilder: its methods and docstrings (core/message_builder.hpp).
#include <pybind11/pybind11.h>

#include "bind/register.hpp"
#include "core/message_builder.hpp"

namespace fastpulsar {

void register_message_builder(py::module_& m) {
    init_message_builder();
    using Core = MessageBuilderCore;
    // Each setter returns the builder itself, as pulsar-client's, for chaining.
    auto setter = [](void (Core::*set)(py::handle)) {
        return [set](py::object self, py::handle value) {
            (self.cast<Core&>().*set)(value);
            return self;
        };
    };
    py::class_<Core>(m, "MessageBuilder",
                     "Builds a message for Producer.send(msg) and Producer.send_async(msg,\n"
                     "callback), as pulsar-client's _pulsar.MessageBuilder: each setter returns\n"
                     "the builder; build() gives a new pulsar.Message each time.")
        .def(py::init<>())
        .def("content", setter(&Core::content), py::arg("content"),
             "The payload: bytes-like, or a str (as UTF-8).")
        .def(
            "property",
            [](py::object self, py::handle name, py::handle value) {
                self.cast<Core&>().property(name, value);
                return self;
            },
            py::arg("name"), py::arg("value"), "Add one property (str to str).")
        .def("properties", setter(&Core::properties), py::arg("properties"),
             "Add properties (a dict of str to str).")
        .def("partition_key", setter(&Core::partition_key), py::arg("partition_key"),
             "The partition key (a str).")
        .def("ordering_key", setter(&Core::ordering_key), py::arg("ordering_key"),
             "The ordering key (a str).")
        .def("sequence_id", setter(&Core::sequence_id), py::arg("sequence_id"),
             "The sequence id (an int >= 0).")
        .def("deliver_after", setter(&Core::deliver_after), py::arg("delay"),
             "Deliver no sooner than this delay after build() (a datetime.timedelta).")
        .def("deliver_at", setter(&Core::deliver_at), py::arg("timestamp"),
             "Deliver no sooner than this time, in milliseconds since the epoch.")
        .def("event_timestamp", setter(&Core::event_timestamp), py::arg("timestamp"),
             "The event time, in milliseconds since the epoch.")
        .def("replication_clusters", setter(&Core::replication_clusters), py::arg("clusters"),
             "The clusters to replicate the message to (a list of str).")
        .def("disable_replication", setter(&Core::disable_replication), py::arg("flag"),
             "Do not replicate the message (a bool).")
        .def(
            "set_null_value",
            [](py::object self) {
                self.cast<Core&>().set_null_value();
                return self;
            },
            "Make the message a null value (e.g. a tombstone).")
        .def("build", &Core::build, "A new pulsar.Message holding what was set.");
}

}  // namespace fastpulsar
