// pulsar.MessageId: its method table, slots and docstrings (the functions are in
// core/message_id.cpp).
#include <pybind11/pybind11.h>

#include "bind/register.hpp"
#include "core/message_id.hpp"

namespace fastpulsar {
namespace {

template <typename Function>
PyCFunction c_function(Function function) {
    return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(function));
}

PyMethodDef g_methods[] = {
    {"ledger_id", message_id_ledger_id, METH_NOARGS, "The ledger the message is stored in."},
    {"entry_id", message_id_entry_id, METH_NOARGS, "The entry within the ledger."},
    {"partition", message_id_partition, METH_NOARGS,
     "The partition index, or -1 for a non-partitioned topic."},
    {"batch_index", message_id_batch_index, METH_NOARGS, "The index within a batch, or -1."},
    {"batch_size", message_id_batch_size, METH_NOARGS,
     "The size of the batch it belongs to, or 0."},
    {"serialize", message_id_serialize, METH_NOARGS,
     "The id as bytes, for MessageId.deserialize()."},
    {"deserialize", c_function(message_id_deserialize), METH_VARARGS | METH_KEYWORDS | METH_STATIC,
     "deserialize(message_id_bytes, topic=None)\n--\n\n"
     "Rebuild a MessageId from serialize()'s bytes; ValueError on bytes that are not one.\n\n"
     "Args:\n"
     "    message_id_bytes: What serialize() returned (any bytes-like object).\n"
     "    topic: The topic the id belongs to, or None."},
    {"topic_name", message_id_topic_name, METH_O,
     "topic_name($self, topic_name, /)\n--\n\n"
     "Set the topic the id belongs to (as pulsar-client's _pulsar.MessageId.topic_name);\n"
     "returns None. Messages and other ids sharing this id are left as they are.\n\n"
     "Args:\n"
     "    topic_name: The topic's name."},
    {"wrap", message_id_wrap, METH_O | METH_CLASS,
     "wrap($cls, msg_id, /)\n--\n\n"
     "pulsar-client's MessageId.wrap(_pulsar.MessageId): here the two are one class.\n\n"
     "Args:\n"
     "    msg_id: A MessageId, returned as it is."},
    {"__reduce__", message_id_reduce, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot g_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(message_id_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(message_id_dealloc)},
    {Py_tp_str, reinterpret_cast<void*>(message_id_str)},
    {Py_tp_repr, reinterpret_cast<void*>(message_id_repr)},
    {Py_tp_hash, reinterpret_cast<void*>(message_id_hash)},
    {Py_tp_richcompare, reinterpret_cast<void*>(message_id_richcompare)},
    {Py_tp_methods, g_methods},
    {Py_tp_doc,
     const_cast<char*>("MessageId(partition=-1, ledger_id=-1, entry_id=-1, batch_index=-1)\n--\n\n"
                       "The position of a message in a topic: ledger, entry, partition and index\n"
                       "within a batch. str() gives (ledger,entry,partition,batch). Ordered,\n"
                       "hashable and picklable. MessageId.earliest and MessageId.latest are the\n"
                       "positions at either end of a topic.")},
    {0, nullptr},
};

PyType_Spec g_spec = {
    "pulsar.MessageId", sizeof(MessageIdObject), 0, Py_TPFLAGS_DEFAULT, g_slots,
};

}  // namespace

void register_message_id(py::module_& m) {
    PyObject* type = PyType_FromSpec(&g_spec);
    if (type == nullptr) {
        throw py::error_already_set();
    }
    set_message_id_type(reinterpret_cast<PyTypeObject*>(type));
    m.attr("MessageId") = py::reinterpret_steal<py::object>(type);
    py::handle cls(type);
    cls.attr("earliest") = wrap_message_id(pulsar::MessageId::earliest());
    cls.attr("latest") = wrap_message_id(pulsar::MessageId::latest());
}

}  // namespace fastpulsar
