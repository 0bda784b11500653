// pulsar.Message: its method table, slots and docstrings (the functions are in
// core/message.cpp).
#include <pybind11/pybind11.h>

#include "bind/register.hpp"
#include "core/encryption.hpp"
#include "core/message.hpp"

namespace fastpulsar {
namespace {

PyMethodDef g_methods[] = {
    {"data", message_data, METH_NOARGS, "The payload, as bytes."},
    {"value", message_value, METH_NOARGS, "The payload decoded by the consumer's schema."},
    {"properties", message_properties, METH_NOARGS, "The properties, a dict of str to str."},
    {"partition_key", message_partition_key, METH_NOARGS,
     "The partition key ('' when none was set)."},
    {"ordering_key", message_ordering_key, METH_NOARGS, "The ordering key ('' when none was set)."},
    {"publish_timestamp", message_publish_timestamp, METH_NOARGS,
     "When the broker received it, in milliseconds since the epoch."},
    {"event_timestamp", message_event_timestamp, METH_NOARGS,
     "The event time set by the producer in milliseconds since the epoch, or 0."},
    {"message_id", message_message_id, METH_NOARGS, "The MessageId, for acknowledge() and seek()."},
    {"topic_name", message_topic_name, METH_NOARGS, "The topic (partition) the message came from."},
    {"redelivery_count", message_redelivery_count, METH_NOARGS,
     "How many times the broker has redelivered it."},
    {"schema_version", message_schema_version, METH_NOARGS,
     "The schema version the producer used, as a str as in pulsar-client ('' when\n"
     "none; libpulsar's bytes decoded as UTF-8, undecodable bytes as surrogates)."},
    {"_int_schema_version", message_int_schema_version, METH_NOARGS,
     "The schema version as an int (its 8 bytes, big-endian); -1 when none."},
    {"int_schema_version", message_int_schema_version, METH_NOARGS,
     "The schema version as an int (its 8 bytes, big-endian); -1 when none."},
    {"length", message_length, METH_NOARGS, "The payload's size in bytes."},
    {"producer_name", message_producer_name, METH_NOARGS, "The name of the producer that sent it."},
    {"has_null_value", message_has_null_value, METH_NOARGS,
     "Whether it was sent with content=None (a null value, e.g. a tombstone)."},
    {"encryption_context", message_encryption_context, METH_NOARGS,
     "None for a message that was not encrypted; else a pulsar.EncryptionContext (a\n"
     "copy: it stays valid after the message is gone), is_decryption_failed() telling\n"
     "whether the payload is still encrypted (crypto_failure_action=CONSUME)."},
    {nullptr, nullptr, 0, nullptr},
};

// Messages come from consumers, readers and MessageBuilder.build() only (the type has no
// Python constructor).
PyObject* message_new(PyTypeObject*, PyObject*, PyObject*) {
    PyErr_SetString(PyExc_TypeError, "cannot create 'pulsar.Message' instances");
    return nullptr;
}

PyType_Slot g_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(message_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(message_dealloc)},
    {Py_tp_repr, reinterpret_cast<void*>(message_repr)},
    {Py_tp_methods, g_methods},
    {Py_tp_doc, const_cast<char*>(
                    "A message received by a Consumer or a Reader, or built by MessageBuilder.")},
    {0, nullptr},
};

PyType_Spec g_spec = {
    "pulsar.Message", sizeof(MessageObject), 0, Py_TPFLAGS_DEFAULT, g_slots,
};

}  // namespace

void register_message(py::module_& m) {
    PyObject* type = PyType_FromSpec(&g_spec);
    if (type == nullptr) {
        throw py::error_already_set();
    }
    set_message_type(reinterpret_cast<PyTypeObject*>(type));
    m.attr("Message") = py::reinterpret_steal<py::object>(type);

    m.def("_install_encryption_context", &install_encryption_context_factory, py::arg("factory"),
          "Called once by pulsar._bridge: the factory of the EncryptionContext objects that\n"
          "Message.encryption_context() returns.");
}

}  // namespace fastpulsar
