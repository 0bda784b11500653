// pulsar.MessageId: one class for what pulsar-client splits into two
// (pulsar.MessageId and _pulsar.MessageId).
//
// A plain CPython type holding the libpulsar id inline, rather than a pybind11
// class: every send_async callback receives a new one, and this makes it cost one
// small allocation instead of pybind11's instance bookkeeping.
#include <cstdint>
#include <new>
#include <sstream>
#include <string>
#include <utility>

#include "common.hpp"
#include "register.hpp"

namespace fastpulsar {
namespace {

struct MessageIdObject {
    PyObject_HEAD
    pulsar::MessageId id;  // constructed in place by new_message_id / message_id_new
};

PyTypeObject* g_message_id_type = nullptr;  // immortal: the module holds it

std::string to_string(const pulsar::MessageId& id) {
    std::ostringstream out;
    out << id;  // libpulsar's own form, which knows chunked ids
    return out.str();
}

pulsar::MessageId& id_of(PyObject* self) { return reinterpret_cast<MessageIdObject*>(self)->id; }

PyObject* allocate(PyTypeObject* type, pulsar::MessageId&& id) {
    PyObject* self = type->tp_alloc(type, 0);
    if (self == nullptr) {
        return nullptr;
    }
    // Placement construction into the Python object's own storage.
    ::new (static_cast<void*>(&reinterpret_cast<MessageIdObject*>(self)->id))
        pulsar::MessageId(std::move(id));
    return self;
}

pulsar::MessageId deserialize(PyObject* data) {
    if (PyUnicode_Check(data) || !PyObject_CheckBuffer(data)) {
        raise_type_error("message_id_bytes", "bytes", data);
    }
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) != 0) {
        throw py::error_already_set();
    }
    std::string bytes(static_cast<const char*>(view.buf), static_cast<std::size_t>(view.len));
    PyBuffer_Release(&view);
    try {
        return pulsar::MessageId::deserialize(bytes);
    } catch (const std::invalid_argument& e) {
        raise_value_error(std::string("Cannot deserialize a MessageId: ") + e.what());
    }
}

// ---- slots -------------------------------------------------------------------------------

PyObject* message_id_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
    static const char* keywords[] = {"partition", "ledger_id", "entry_id", "batch_index", nullptr};
    int partition = -1;
    long long ledger_id = -1;
    long long entry_id = -1;
    int batch_index = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|iLLi:MessageId", const_cast<char**>(keywords),
                                     &partition, &ledger_id, &entry_id, &batch_index)) {
        return nullptr;
    }
    return allocate(type, pulsar::MessageId(partition, ledger_id, entry_id, batch_index));
}

void message_id_dealloc(PyObject* self) {
    id_of(self).~MessageId();
    PyTypeObject* type = Py_TYPE(self);
    type->tp_free(self);
    Py_DECREF(type);  // heap type instances own a reference to their type
}

PyObject* message_id_str(PyObject* self) {
    std::string text = to_string(id_of(self));
    return PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
}

PyObject* message_id_repr(PyObject* self) {
    const pulsar::MessageId& id = id_of(self);
    return PyUnicode_FromFormat("MessageId(partition=%d, ledger_id=%lld, entry_id=%lld, batch_index=%d)",
                                id.partition(), static_cast<long long>(id.ledgerId()),
                                static_cast<long long>(id.entryId()), id.batchIndex());
}

Py_hash_t message_id_hash(PyObject* self) {
    const pulsar::MessageId& id = id_of(self);
    PyObject* key = Py_BuildValue("(LLii)", static_cast<long long>(id.ledgerId()),
                                  static_cast<long long>(id.entryId()), id.partition(),
                                  id.batchIndex());
    if (key == nullptr) {
        return -1;
    }
    Py_hash_t hash = PyObject_Hash(key);
    Py_DECREF(key);
    return hash;
}

PyObject* message_id_richcompare(PyObject* self, PyObject* other, int op) {
    const pulsar::MessageId* b = unwrap_message_id(other);
    if (b == nullptr) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    const pulsar::MessageId& a = id_of(self);
    bool result = false;
    switch (op) {
        case Py_LT: result = a < *b; break;
        case Py_LE: result = a <= *b; break;
        case Py_EQ: result = a == *b; break;
        case Py_NE: result = a != *b; break;
        case Py_GT: result = a > *b; break;
        case Py_GE: result = a >= *b; break;
        default: Py_RETURN_NOTIMPLEMENTED;
    }
    return PyBool_FromLong(result ? 1 : 0);
}

// ---- methods -------------------------------------------------------------------------------

PyObject* ledger_id(PyObject* self, PyObject*) { return PyLong_FromLongLong(id_of(self).ledgerId()); }
PyObject* entry_id(PyObject* self, PyObject*) { return PyLong_FromLongLong(id_of(self).entryId()); }
PyObject* partition(PyObject* self, PyObject*) { return PyLong_FromLong(id_of(self).partition()); }
PyObject* batch_index(PyObject* self, PyObject*) {
    return PyLong_FromLong(id_of(self).batchIndex());
}
PyObject* batch_size(PyObject* self, PyObject*) { return PyLong_FromLong(id_of(self).batchSize()); }

PyObject* serialize(PyObject* self, PyObject*) {
    std::string out;
    id_of(self).serialize(out);
    return PyBytes_FromStringAndSize(out.data(), static_cast<Py_ssize_t>(out.size()));
}

PyObject* deserialize_method(PyObject*, PyObject* args, PyObject* kwargs) {
    static const char* keywords[] = {"message_id_bytes", "topic", nullptr};
    PyObject* data = nullptr;
    PyObject* topic = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:deserialize", const_cast<char**>(keywords),
                                     &data, &topic)) {
        return nullptr;
    }
    try {
        pulsar::MessageId id = deserialize(data);
        if (topic != Py_None) {
            id.setTopicName(as_string(topic, "topic"));
        }
        return allocate(g_message_id_type, std::move(id));
    } catch (...) {
        set_python_error_from_current_exception();
        return nullptr;
    }
}

PyObject* wrap_method(PyObject*, PyObject* msg_id) {
    if (unwrap_message_id(msg_id) == nullptr) {
        try {
            raise_type_error("msg_id", "a MessageId", msg_id);
        } catch (...) {
            set_python_error_from_current_exception();
            return nullptr;
        }
    }
    Py_INCREF(msg_id);
    return msg_id;
}

PyObject* reduce(PyObject* self, PyObject*) {
    PyObject* data = serialize(self, nullptr);
    if (data == nullptr) {
        return nullptr;
    }
    PyObject* deserializer = PyObject_GetAttrString(reinterpret_cast<PyObject*>(Py_TYPE(self)),
                                                    "deserialize");
    if (deserializer == nullptr) {
        Py_DECREF(data);
        return nullptr;
    }
    return Py_BuildValue("(N(N))", deserializer, data);
}

PyMethodDef g_methods[] = {
    {"ledger_id", ledger_id, METH_NOARGS, "The ledger the message is stored in."},
    {"entry_id", entry_id, METH_NOARGS, "The entry within the ledger."},
    {"partition", partition, METH_NOARGS, "The partition index, or -1 for a non-partitioned topic."},
    {"batch_index", batch_index, METH_NOARGS, "The index within a batch, or -1."},
    {"batch_size", batch_size, METH_NOARGS, "The size of the batch it belongs to, or 0."},
    {"serialize", serialize, METH_NOARGS, "The id as bytes, for MessageId.deserialize()."},
    {"deserialize", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(deserialize_method)),
     METH_VARARGS | METH_KEYWORDS | METH_STATIC,
     "deserialize(message_id_bytes, topic=None)\n--\n\n"
     "Rebuild a MessageId from serialize()'s bytes; ValueError on bytes that are not one."},
    {"wrap", wrap_method, METH_O | METH_CLASS,
     "pulsar-client's MessageId.wrap(_pulsar.MessageId): here the two are one class."},
    {"__reduce__", reduce, METH_NOARGS, nullptr},
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
    {Py_tp_doc, const_cast<char*>(
                    "MessageId(partition=-1, ledger_id=-1, entry_id=-1, batch_index=-1)\n--\n\n"
                    "The position of a message in a topic: ledger, entry, partition and index\n"
                    "within a batch. str() gives (ledger,entry,partition,batch). Ordered,\n"
                    "hashable and picklable. MessageId.earliest and MessageId.latest are the\n"
                    "positions at either end of a topic.")},
    {0, nullptr},
};

PyType_Spec g_spec = {
    "pulsar.MessageId",
    sizeof(MessageIdObject),
    0,
    Py_TPFLAGS_DEFAULT,
    g_slots,
};

}  // namespace

PyObject* new_message_id(pulsar::MessageId&& id) { return allocate(g_message_id_type, std::move(id)); }

py::object wrap_message_id(const pulsar::MessageId& id) {
    PyObject* obj = allocate(g_message_id_type, pulsar::MessageId(id));
    if (obj == nullptr) {
        throw py::error_already_set();
    }
    return py::reinterpret_steal<py::object>(obj);
}

const pulsar::MessageId* unwrap_message_id(py::handle obj) {
    if (obj.ptr() == nullptr || !PyObject_TypeCheck(obj.ptr(), g_message_id_type)) {
        return nullptr;
    }
    return &id_of(obj.ptr());
}

void register_message_id(py::module_& m) {
    PyObject* type = PyType_FromSpec(&g_spec);
    if (type == nullptr) {
        throw py::error_already_set();
    }
    g_message_id_type = reinterpret_cast<PyTypeObject*>(type);
    m.attr("MessageId") = py::reinterpret_steal<py::object>(type);
    py::handle cls(type);
    cls.attr("earliest") = wrap_message_id(pulsar::MessageId::earliest());
    cls.attr("latest") = wrap_message_id(pulsar::MessageId::latest());
    Py_INCREF(type);  // kept for the process's life: ids may outlive the module object
}

}  // namespace fastpulsar
