// One registration function per bound concept; module.cpp calls them in order.
#pragma once

#include <pybind11/pybind11.h>

namespace fastpulsar {

namespace py = pybind11;

// Adds a C API method (a static PyMethodDef, e.g. METH_FASTCALL) to the pybind11 class
// `cls` as a method descriptor: for the hot methods, whose pybind11 dispatch would cost
// more than their work. `def` must live as long as the process. GIL held; throws
// error_already_set.
inline void add_c_method(py::handle cls, PyMethodDef* def) {
    PyObject* descr = PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(cls.ptr()), def);
    if (descr == nullptr) {
        throw py::error_already_set();
    }
    cls.attr(def->ml_name) = py::reinterpret_steal<py::object>(descr);
}

void register_bridge(py::module_& m);
void register_message_id(py::module_& m);
void register_message(py::module_& m);
void register_message_builder(py::module_& m);
void register_message_batch(py::module_& m);
void register_auth(py::module_& m);
void register_logging(py::module_& m);
void register_configuration(py::module_& m);
void register_dispatcher(py::module_& m);
void register_loop_sink(py::module_& m);  // before the cores' asynchronous methods
void register_producer(py::module_& m);
void register_consumer(py::module_& m);
void register_service_info(py::module_& m);  // before register_client (its argument type)
void register_client(py::module_& m);
void register_reader(py::module_& m);      // after register_client: adds Client.create_reader
void register_table_view(py::module_& m);  // after register_client: adds create_table_view
void register_reader_configuration(py::module_& m);  // after register_reader: its getters
void register_dispatch_call(py::module_& m);

}  // namespace fastpulsar
