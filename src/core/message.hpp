// The C++ side of pulsar.Message: a received message, with the consumer's schema for
// value().
//
// A plain CPython type holding the libpulsar message inline, as pulsar.MessageId is,
// rather than a pybind11 class: every receive() makes one, and pybind11's instance
// bookkeeping was about a third of receive()'s time. Its type object is made from the
// functions below by bind/register_message.cpp.
//
// Everything here is called with the GIL held. The slot and method functions follow the
// C API (nullptr with a Python error set); the py:: functions throw error_already_set.
#pragma once

#include <pybind11/pybind11.h>

#include "abi/message.hpp"

namespace fastpulsar {

namespace py = pybind11;

struct MessageObject {
    PyObject_HEAD
    pulsar::Message message;  // constructed in place by allocation, destroyed by dealloc
    PyObject* schema;         // owned; None: value() is data()
};

// Sets the type made by the registration (a reference kept for the process's life).
void set_message_type(PyTypeObject* type);

// A new pulsar.Message whose value() decodes with `schema`. Throws error_already_set.
py::object wrap_message(pulsar::Message message, py::handle schema);

// The libpulsar message inside a pulsar.Message, or nullptr for another object. Never
// throws.
const pulsar::Message* unwrap_message(py::handle obj);

// ---- the type's slots ---------------------------------------------------------------------

void message_dealloc(PyObject* self);
PyObject* message_repr(PyObject* self);

// ---- its methods ---------------------------------------------------------------------------

PyObject* message_data(PyObject* self, PyObject*);
PyObject* message_value(PyObject* self, PyObject*);
PyObject* message_properties(PyObject* self, PyObject*);
PyObject* message_partition_key(PyObject* self, PyObject*);
PyObject* message_ordering_key(PyObject* self, PyObject*);
PyObject* message_publish_timestamp(PyObject* self, PyObject*);
PyObject* message_event_timestamp(PyObject* self, PyObject*);
PyObject* message_message_id(PyObject* self, PyObject*);
PyObject* message_topic_name(PyObject* self, PyObject*);
PyObject* message_redelivery_count(PyObject* self, PyObject*);
// The schema version as a str, as pulsar-client returns it: libpulsar's bytes decoded as
// UTF-8, bytes that do not decode kept as lone surrogates (surrogateescape).
PyObject* message_schema_version(PyObject* self, PyObject*);
// The schema version as an int (its 8 bytes, big-endian), -1 when none: as pulsar-client's
// _pulsar.Message.int_schema_version.
PyObject* message_int_schema_version(PyObject* self, PyObject*);
PyObject* message_producer_name(PyObject* self, PyObject*);
// The payload's size in bytes (pulsar-client 3.13's _pulsar.Message.length).
PyObject* message_length(PyObject* self, PyObject*);
PyObject* message_has_null_value(PyObject* self, PyObject*);
PyObject* message_encryption_context(PyObject* self, PyObject*);

}  // namespace fastpulsar
