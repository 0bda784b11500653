// The C++ side of pulsar.MessageId: one class for what pulsar-client splits into two
// (pulsar.MessageId and _pulsar.MessageId).
//
// A plain CPython type holding the libpulsar id inline, rather than a pybind11
// class: every send_async callback receives a new one, and this makes it cost one
// small allocation instead of pybind11's instance bookkeeping. Its type object is
// made from the slots and methods below by bind/register_message_id.cpp.
//
// Everything here is called with the GIL held. The slot and method functions follow
// the C API (nullptr, or -1, with a Python error set); the py:: functions throw
// error_already_set.
#pragma once

#include <pybind11/pybind11.h>

#include "abi/message.hpp"

namespace fastpulsar {

namespace py = pybind11;

struct MessageIdObject {
    PyObject_HEAD
    pulsar::MessageId id;  // constructed in place by allocation, destroyed by dealloc
};

// Sets the type made by the registration (a reference kept for the process's life).
void set_message_id_type(PyTypeObject* type);

// A new pulsar.MessageId: a new reference, or nullptr with a Python error set.
PyObject* new_message_id(pulsar::MessageId&& id);
// The same as a py::object.
py::object wrap_message_id(const pulsar::MessageId& id);
// The libpulsar id inside a pulsar.MessageId, or nullptr for another object; never
// throws.
const pulsar::MessageId* unwrap_message_id(py::handle obj);

// ---- the type's slots ---------------------------------------------------------------------

PyObject* message_id_new(PyTypeObject* type, PyObject* args, PyObject* kwargs);
void message_id_dealloc(PyObject* self);
PyObject* message_id_str(PyObject* self);
PyObject* message_id_repr(PyObject* self);
Py_hash_t message_id_hash(PyObject* self);
PyObject* message_id_richcompare(PyObject* self, PyObject* other, int op);

// ---- its methods ---------------------------------------------------------------------------

PyObject* message_id_ledger_id(PyObject* self, PyObject*);
PyObject* message_id_entry_id(PyObject* self, PyObject*);
PyObject* message_id_partition(PyObject* self, PyObject*);
PyObject* message_id_batch_index(PyObject* self, PyObject*);
PyObject* message_id_batch_size(PyObject* self, PyObject*);
PyObject* message_id_serialize(PyObject* self, PyObject*);
// topic_name(name): sets the topic the id belongs to (pulsar-client 3.13's
// _pulsar.MessageId.topic_name), on a copy of libpulsar's id of its own: the id a message
// or another MessageId shares is left as it is. METH_O.
PyObject* message_id_topic_name(PyObject* self, PyObject* name);
PyObject* message_id_deserialize(PyObject*, PyObject* args, PyObject* kwargs);  // static
PyObject* message_id_wrap(PyObject*, PyObject* msg_id);                         // class
PyObject* message_id_reduce(PyObject* self, PyObject*);

}  // namespace fastpulsar
