// One registration function per bound concept; module.cpp calls them in order.
#pragma once

#include <pybind11/pybind11.h>

namespace fastpulsar {

namespace py = pybind11;

void register_bridge(py::module_& m);
void register_message_id(py::module_& m);
void register_message(py::module_& m);
void register_message_batch(py::module_& m);
void register_auth(py::module_& m);
void register_logging(py::module_& m);
void register_configuration(py::module_& m);
void register_dispatcher(py::module_& m);
void register_producer(py::module_& m);
void register_consumer(py::module_& m);
void register_service_info(py::module_& m);  // before register_client (its argument type)
void register_client(py::module_& m);
void register_reader(py::module_& m);      // after register_client: adds Client.create_reader
void register_table_view(py::module_& m);  // after register_client: adds create_table_view

}  // namespace fastpulsar
