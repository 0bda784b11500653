// MessageBuilderCore (see message_builder.hpp) and its registration.
#include "core/message_builder.hpp"

#include <datetime.h>

#include <limits>
#include <utility>

#include "core/message.hpp"
#include "runtime/convert.hpp"
#include "runtime/errors.hpp"

namespace fastpulsar {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

std::string str_argument(py::handle obj, const char* name) {
    if (!PyUnicode_Check(obj.ptr())) {
        raise_type_error(name, "a str", obj.ptr());
    }
    return as_string(obj.ptr(), name);
}

}  // namespace

void MessageBuilderCore::content(py::handle data) {
    PyObject* obj = data.ptr();
    if (PyUnicode_Check(obj)) {
        content_ = as_string(obj, "content");
        return;
    }
    if (!PyObject_CheckBuffer(obj)) {
        raise_type_error("content", "bytes-like or a str", obj);
    }
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) != 0) {
        if (PyErr_ExceptionMatches(PyExc_BufferError)) {
            PyErr_Clear();
            raise_value_error(std::string("Argument content is expected to be a C-contiguous "
                                          "buffer, not a non-contiguous '") +
                              Py_TYPE(obj)->tp_name + "' (copy it with bytes(content))");
        }
        throw py::error_already_set();
    }
    try {
        content_.assign(static_cast<const char*>(view.buf), static_cast<std::size_t>(view.len));
    } catch (...) {
        PyBuffer_Release(&view);
        throw;
    }
    PyBuffer_Release(&view);
}

void MessageBuilderCore::property(py::handle name, py::handle value) {
    std::string key = str_argument(name, "name");
    properties_[std::move(key)] = str_argument(value, "value");
}

void MessageBuilderCore::properties(py::handle properties) {
    if (!PyDict_Check(properties.ptr())) {
        raise_type_error("properties", "a dict of str to str", properties.ptr());
    }
    std::map<std::string, std::string> added;
    for (auto item : py::reinterpret_borrow<py::dict>(properties)) {
        if (!PyUnicode_Check(item.first.ptr()) || !PyUnicode_Check(item.second.ptr())) {
            raise_type_error(
                "properties", "a dict of str to str",
                PyUnicode_Check(item.first.ptr()) ? item.second.ptr() : item.first.ptr());
        }
        added[as_string(item.first.ptr(), "properties")] =
            as_string(item.second.ptr(), "properties");
    }
    for (auto& [key, value] : added) {
        properties_[key] = std::move(value);
    }
}

void MessageBuilderCore::partition_key(py::handle key) {
    partition_key_ = str_argument(key, "partition_key");
}

void MessageBuilderCore::ordering_key(py::handle key) {
    ordering_key_ = str_argument(key, "ordering_key");
}

void MessageBuilderCore::sequence_id(py::handle sequence_id) {
    sequence_id_ = as_int(sequence_id.ptr(), "sequence_id", 0, kInt64Max);
}

void MessageBuilderCore::deliver_after(py::handle delay) {
    if (!PyDelta_Check(delay.ptr())) {
        raise_type_error("deliver_after", "a datetime.timedelta", delay.ptr());
    }
    PyObject* d = delay.ptr();
    int64_t ms = static_cast<int64_t>(PyDateTime_DELTA_GET_DAYS(d)) * 86400000LL +
                 static_cast<int64_t>(PyDateTime_DELTA_GET_SECONDS(d)) * 1000LL +
                 static_cast<int64_t>(PyDateTime_DELTA_GET_MICROSECONDS(d)) / 1000LL;
    if (ms < 0) {
        raise_out_of_range("deliver_after", py::str(delay).cast<std::string>(), "0:00:00",
                           "999999999 days, 23:59:59.999999");
    }
    deliver_after_ = std::chrono::milliseconds(ms);
    deliver_at_.reset();
}

void MessageBuilderCore::deliver_at(py::handle timestamp_ms) {
    deliver_at_ = static_cast<uint64_t>(as_int(timestamp_ms.ptr(), "deliver_at", 0, kInt64Max));
    deliver_after_.reset();
}

void MessageBuilderCore::event_timestamp(py::handle timestamp_ms) {
    event_timestamp_ =
        static_cast<uint64_t>(as_int(timestamp_ms.ptr(), "event_timestamp", 0, kInt64Max));
}

void MessageBuilderCore::replication_clusters(py::handle clusters) {
    if (!PyList_Check(clusters.ptr()) && !PyTuple_Check(clusters.ptr())) {
        raise_type_error("replication_clusters", "a list of str", clusters.ptr());
    }
    std::vector<std::string> names;
    for (py::handle name : py::reinterpret_borrow<py::sequence>(clusters)) {
        if (!PyUnicode_Check(name.ptr())) {
            raise_type_error("replication_clusters", "a list of str (an item is not a str)",
                             name.ptr());
        }
        names.push_back(as_string(name.ptr(), "replication_clusters"));
    }
    replication_clusters_ = std::move(names);
}

void MessageBuilderCore::disable_replication(py::handle flag) {
    disable_replication_ = as_bool(flag.ptr(), "disable_replication");
}

void MessageBuilderCore::set_null_value() { null_value_ = true; }

void init_message_builder() {
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == nullptr) {
        throw py::error_already_set();
    }
}

py::object MessageBuilderCore::build() const {
    pulsar::MessageBuilder builder;
    builder.setContent(content_.data(), content_.size());
    if (null_value_) {
        builder.setNullValue();
    }
    for (const auto& [key, value] : properties_) {
        builder.setProperty(key, value);
    }
    if (partition_key_) {
        builder.setPartitionKey(*partition_key_);
    }
    if (ordering_key_) {
        builder.setOrderingKey(*ordering_key_);
    }
    if (sequence_id_) {
        builder.setSequenceId(*sequence_id_);
    }
    if (event_timestamp_) {
        builder.setEventTimestamp(*event_timestamp_);
    }
    if (deliver_at_) {
        builder.setDeliverAt(*deliver_at_);
    }
    if (deliver_after_) {
        builder.setDeliverAfter(*deliver_after_);
    }
    if (replication_clusters_) {
        builder.setReplicationClusters(*replication_clusters_);
    }
    if (disable_replication_) {
        builder.disableReplication(true);
    }
    return wrap_message(builder.build(), py::none());
}

}  // namespace fastpulsar
