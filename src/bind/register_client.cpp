// pulsar._core.Client: its methods (the class is core/client.hpp's ClientCore).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <utility>

#include "abi/configuration.hpp"
#include "bind/register.hpp"
#include "core/client.hpp"
#include "core/consumer.hpp"
#include "core/producer.hpp"
#include "core/service_info.hpp"

namespace fastpulsar {

void register_client(py::module_& m) {
    py::class_<ClientCore>(m, "Client")
        .def(py::init<const std::string&, const pulsar::ClientConfiguration&>(),
             py::arg("service_url"), py::arg("configuration"))
        .def_static("with_failover", &ClientCore::with_failover, py::arg("primary"),
                    py::arg("secondary"), py::arg("check_interval_ms"),
                    py::arg("failover_threshold"), py::arg("switch_back_threshold"),
                    py::arg("configuration"))
        .def_static("with_provider", &ClientCore::with_provider, py::arg("provider"),
                    py::arg("configuration"))
        .def("get_service_info", &ClientCore::get_service_info)
        // With a LoopSink and one of its futures (pulsar.asyncio), these return None at once
        // and resolve the future; without, they block and return the result.
        .def("create_producer", &ClientCore::create_producer, py::arg("topic"),
             py::arg("configuration"), py::arg("schema"), py::arg("schema_kind"),
             py::arg("sink") = py::none(), py::arg("future") = py::none())
        .def(
            "subscribe",
            [](py::object self, py::handle topic, const std::string& subscription,
               const ConsumerOptions& options, py::object schema, bool is_pattern, py::handle sink,
               py::handle future) {
                return self.cast<ClientCore&>().subscribe(self, topic, subscription, options,
                                                          std::move(schema), is_pattern, sink,
                                                          future);
            },
            py::arg("topic"), py::arg("subscription_name"), py::arg("configuration"),
            py::arg("schema"), py::arg("is_pattern"), py::arg("sink") = py::none(),
            py::arg("future") = py::none())
        .def("get_topic_partitions", &ClientCore::get_topic_partitions, py::arg("topic"),
             py::arg("sink") = py::none(), py::arg("future") = py::none())
        .def("get_schema_info", &ClientCore::get_schema_info, py::arg("topic"), py::arg("version"))
        .def("close", &ClientCore::close)
        .def(
            "_close_async",
            [](py::object self, py::handle sink, py::handle future) {
                self.cast<ClientCore&>().close_async(self, sink, future);
            },
            py::arg("sink"), py::arg("future"))
        .def("shutdown", &ClientCore::shutdown)
        .def("is_closed", &ClientCore::is_closed);
}

}  // namespace fastpulsar
