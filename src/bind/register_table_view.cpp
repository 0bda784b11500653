// pulsar's TableView methods, and Client.create_table_view.
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <utility>

#include "abi/schema.hpp"
#include "bind/register.hpp"
#include "core/client.hpp"
#include "core/table_view.hpp"

namespace fastpulsar {

void register_table_view(py::module_& m) {
    py::class_<TableViewCore, std::shared_ptr<TableViewCore>>(
        m, "TableView",
        "A key-value view of a topic, by partition key; made by Client.create_table_view().")
        .def("get", &TableViewCore::get, py::arg("key"),
             "The value of `key`, decoded by the schema, or None when the view has no such key.")
        .def("for_each", &TableViewCore::for_each, py::arg("callback"),
             "Call callback(key, value) for every entry, on the calling thread.")
        .def("for_each_and_listen", &TableViewCore::for_each_and_listen, py::arg("callback"),
             "Call callback(key, value) for every entry, then for every update (a deletion's\n"
             "value is empty), on one of the client's listener threads, in order. An\n"
             "exception it raises goes to sys.unraisablehook.")
        .def("close", &TableViewCore::close,
             "Close the table view. Raises AlreadyClosed when already closed.")
        .def("__len__", &TableViewCore::size, "The number of keys.")
        .def("size", &TableViewCore::size, "The number of keys (len(table_view)).")
        .def("__str__", &TableViewCore::repr)
        .def("__repr__", &TableViewCore::repr);

    // Client.create_table_view, added to the Client class registered by register_client.
    py::object client_class = m.attr("Client");
    client_class.attr("create_table_view") = py::cpp_function(
        [](const ClientCore& client, const std::string& topic, py::object subscription_name,
           const pulsar::SchemaInfo& schema_info, py::object schema) {
            return TableViewCore::create(client.state(), topic, std::move(subscription_name),
                                         schema_info, std::move(schema));
        },
        py::name("create_table_view"), py::is_method(client_class), py::arg("topic"),
        py::arg("subscription_name"), py::arg("schema_info"), py::arg("schema"));
}

}  // namespace fastpulsar
