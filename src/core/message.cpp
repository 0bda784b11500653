// pulsar.Message (see message.hpp).
#include "core/message.hpp"

#include <mutex>
#include <new>
#include <string>
#include <utility>

#include "core/encryption.hpp"
#include "core/message_id.hpp"
#include "runtime/errors.hpp"

namespace fastpulsar {
namespace {

PyTypeObject* g_message_type = nullptr;  // immortal

MessageObject& object_of(PyObject* self) { return *reinterpret_cast<MessageObject*>(self); }
const pulsar::Message& message_of(PyObject* self) { return object_of(self).message; }

PyObject* new_str(const std::string& text) {
    return PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
}

}  // namespace

void set_message_type(PyTypeObject* type) {
    Py_INCREF(type);  // kept for the process's life: messages may outlive the module object
    g_message_type = type;
}

py::object wrap_message(pulsar::Message message, py::handle schema) {
    PyObject* self = g_message_type->tp_alloc(g_message_type, 0);
    if (self == nullptr) {
        throw py::error_already_set();
    }
    MessageObject& object = object_of(self);
    ::new (static_cast<void*>(&object.message)) pulsar::Message(std::move(message));
    object.schema = schema.inc_ref().ptr();
    return py::reinterpret_steal<py::object>(self);
}

const pulsar::Message* unwrap_message(py::handle obj) {
    if (obj.ptr() == nullptr || !PyObject_TypeCheck(obj.ptr(), g_message_type)) {
        return nullptr;
    }
    return &message_of(obj.ptr());
}

// ---- slots -------------------------------------------------------------------------------

void message_dealloc(PyObject* self) {
    MessageObject& object = object_of(self);
    object.message.~Message();
    Py_XDECREF(object.schema);
    PyTypeObject* type = Py_TYPE(self);
    type->tp_free(self);
    Py_DECREF(type);  // heap type instances own a reference to their type
}

PyObject* message_repr(PyObject* self) {
    return c_api_call([&] {
        const pulsar::Message& message = message_of(self);
        const pulsar::MessageId& id = message.getMessageId();
        return new_str("<pulsar.Message id=(" + std::to_string(id.ledgerId()) + "," +
                       std::to_string(id.entryId()) + "," + std::to_string(id.partition()) + "," +
                       std::to_string(id.batchIndex()) + ") topic='" + message.getTopicName() +
                       "' size=" + std::to_string(message.getLength()) + ">");
    });
}

// ---- methods -----------------------------------------------------------------------------

PyObject* message_data(PyObject* self, PyObject*) {
    const pulsar::Message& message = message_of(self);
    return PyBytes_FromStringAndSize(static_cast<const char*>(message.getData()),
                                     static_cast<Py_ssize_t>(message.getLength()));
}

PyObject* message_value(PyObject* self, PyObject*) {
    PyObject* schema = object_of(self).schema;
    if (schema == Py_None) {
        return message_data(self, nullptr);
    }
    return PyObject_CallMethod(schema, "decode_message", "O", self);
}

PyObject* message_properties(PyObject* self, PyObject*) {
    return c_api_call([&] {
        // libpulsar fills a message's property map on first use, unguarded: threads reading
        // one message at once (no GIL orders them on free-threaded CPython) copy it under
        // one mutex, shared by all messages as wrappers may share libpulsar's message.
        static std::mutex properties_mutex;
        pulsar::StringMap properties;
        {
            std::lock_guard<std::mutex> lock(properties_mutex);
            properties = message_of(self).getProperties();
        }
        py::dict out;
        for (const auto& [key, value] : properties) {
            out[py::str(key)] = py::str(value);
        }
        return out.release().ptr();
    });
}

PyObject* message_partition_key(PyObject* self, PyObject*) {
    return c_api_call([&] { return new_str(message_of(self).getPartitionKey()); });
}

PyObject* message_ordering_key(PyObject* self, PyObject*) {
    return c_api_call([&] { return new_str(message_of(self).getOrderingKey()); });
}

PyObject* message_publish_timestamp(PyObject* self, PyObject*) {
    return PyLong_FromUnsignedLongLong(message_of(self).getPublishTimestamp());
}

PyObject* message_event_timestamp(PyObject* self, PyObject*) {
    return PyLong_FromUnsignedLongLong(message_of(self).getEventTimestamp());
}

PyObject* message_message_id(PyObject* self, PyObject*) {
    return new_message_id(pulsar::MessageId(message_of(self).getMessageId()));
}

PyObject* message_topic_name(PyObject* self, PyObject*) {
    return c_api_call([&] { return new_str(message_of(self).getTopicName()); });
}

PyObject* message_redelivery_count(PyObject* self, PyObject*) {
    return PyLong_FromLong(message_of(self).getRedeliveryCount());
}

PyObject* message_schema_version(PyObject* self, PyObject*) {
    return c_api_call([&] {
        const std::string& version = message_of(self).getSchemaVersion();
        return PyUnicode_DecodeUTF8(version.data(), static_cast<Py_ssize_t>(version.size()),
                                    "surrogateescape");
    });
}

PyObject* message_int_schema_version(PyObject* self, PyObject*) {
    return PyLong_FromLongLong(message_of(self).getLongSchemaVersion());
}

PyObject* message_producer_name(PyObject* self, PyObject*) {
    return c_api_call([&] { return new_str(message_of(self).getProducerName()); });
}

PyObject* message_length(PyObject* self, PyObject*) {
    return PyLong_FromSize_t(message_of(self).getLength());
}

PyObject* message_has_null_value(PyObject* self, PyObject*) {
    return PyBool_FromLong(message_of(self).hasNullValue() ? 1 : 0);
}

PyObject* message_encryption_context(PyObject* self, PyObject*) {
    return c_api_call([&] { return encryption_context(message_of(self)).release().ptr(); });
}

}  // namespace fastpulsar
