// pulsar.MessageId (see message_id.hpp).
#include "core/message_id.hpp"

#include <cstdint>
#include <limits>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "runtime/convert.hpp"
#include "runtime/errors.hpp"

namespace fastpulsar {
namespace {

PyTypeObject* g_message_id_type = nullptr;  // immortal

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
        raise_type_error("message_id_bytes", "of type 'bytes'", data);
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

}  // namespace

void set_message_id_type(PyTypeObject* type) {
    Py_INCREF(type);  // kept for the process's life: ids may outlive the module object
    g_message_id_type = type;
}

PyObject* new_message_id(pulsar::MessageId&& id) {
    return allocate(g_message_id_type, std::move(id));
}

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

// ---- slots -------------------------------------------------------------------------------

PyObject* message_id_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
    static const char* keywords[] = {"partition", "ledger_id", "entry_id", "batch_index", nullptr};
    PyObject* values[4] = {nullptr, nullptr, nullptr, nullptr};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OOOO:MessageId", const_cast<char**>(keywords),
                                     &values[0], &values[1], &values[2], &values[3])) {
        return nullptr;
    }
    return c_api_call([&] {
        // Each checked here, naming the argument (PyArg's "i" and "L" raised an OverflowError
        // or a TypeError that named neither the argument nor the range).
        constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
        constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
        constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
        constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
        auto get = [&](int i, int64_t min, int64_t max) -> int64_t {
            return values[i] == nullptr ? -1 : as_index(values[i], keywords[i], min, max);
        };
        auto partition = static_cast<int32_t>(get(0, kInt32Min, kInt32Max));
        int64_t ledger_id = get(1, kInt64Min, kInt64Max);
        int64_t entry_id = get(2, kInt64Min, kInt64Max);
        auto batch_index = static_cast<int32_t>(get(3, kInt32Min, kInt32Max));
        return allocate(type, pulsar::MessageId(partition, ledger_id, entry_id, batch_index));
    });
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
    return PyUnicode_FromFormat(
        "MessageId(partition=%d, ledger_id=%lld, entry_id=%lld, batch_index=%d)", id.partition(),
        static_cast<long long>(id.ledgerId()), static_cast<long long>(id.entryId()),
        id.batchIndex());
}

Py_hash_t message_id_hash(PyObject* self) {
    const pulsar::MessageId& id = id_of(self);
    PyObject* key =
        Py_BuildValue("(LLii)", static_cast<long long>(id.ledgerId()),
                      static_cast<long long>(id.entryId()), id.partition(), id.batchIndex());
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

PyObject* message_id_ledger_id(PyObject* self, PyObject*) {
    return PyLong_FromLongLong(id_of(self).ledgerId());
}
PyObject* message_id_entry_id(PyObject* self, PyObject*) {
    return PyLong_FromLongLong(id_of(self).entryId());
}
PyObject* message_id_partition(PyObject* self, PyObject*) {
    return PyLong_FromLong(id_of(self).partition());
}
PyObject* message_id_batch_index(PyObject* self, PyObject*) {
    return PyLong_FromLong(id_of(self).batchIndex());
}
PyObject* message_id_batch_size(PyObject* self, PyObject*) {
    return PyLong_FromLong(id_of(self).batchSize());
}

PyObject* message_id_serialize(PyObject* self, PyObject*) {
    std::string out;
    id_of(self).serialize(out);
    return PyBytes_FromStringAndSize(out.data(), static_cast<Py_ssize_t>(out.size()));
}

PyObject* message_id_topic_name(PyObject* self, PyObject* name) {
    return c_api_call([&] {
        if (!PyUnicode_Check(name)) {
            raise_type_error("topic_name", "a str", name);
        }
        std::string topic = as_string(name, "topic_name");
        std::string serialized;
        id_of(self).serialize(serialized);
        pulsar::MessageId own = pulsar::MessageId::deserialize(serialized);
        own.setTopicName(topic);
        id_of(self) = own;
        Py_RETURN_NONE;
    });
}

PyObject* message_id_deserialize(PyObject*, PyObject* args, PyObject* kwargs) {
    static const char* keywords[] = {"message_id_bytes", "topic", nullptr};
    PyObject* data = nullptr;
    PyObject* topic = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:deserialize", const_cast<char**>(keywords),
                                     &data, &topic)) {
        return nullptr;
    }
    return c_api_call([&] {
        pulsar::MessageId id = deserialize(data);
        if (topic != Py_None) {
            id.setTopicName(as_string(topic, "topic"));
        }
        return allocate(g_message_id_type, std::move(id));
    });
}

PyObject* message_id_wrap(PyObject*, PyObject* msg_id) {
    return c_api_call([&] {
        if (unwrap_message_id(msg_id) == nullptr) {
            raise_type_error("msg_id", "a MessageId", msg_id);
        }
        Py_INCREF(msg_id);
        return msg_id;
    });
}

PyObject* message_id_reduce(PyObject* self, PyObject*) {
    PyObject* data = message_id_serialize(self, nullptr);
    if (data == nullptr) {
        return nullptr;
    }
    PyObject* deserializer =
        PyObject_GetAttrString(reinterpret_cast<PyObject*>(Py_TYPE(self)), "deserialize");
    if (deserializer == nullptr) {
        Py_DECREF(data);
        return nullptr;
    }
    return Py_BuildValue("(N(N))", deserializer, data);
}

}  // namespace fastpulsar
