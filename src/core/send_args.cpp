// send() and send_async(): argument parsing and message building (see send_args.hpp).
#include "core/send_args.hpp"

#include <datetime.h>
#include <pybind11/critical_section.h>

#include <chrono>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/message.hpp"
#include "core/message_id.hpp"
#include "core/producer.hpp"
#include "runtime/callback_op.hpp"
#include "runtime/convert.hpp"
#include "runtime/errors.hpp"
#include "runtime/loop_sink.hpp"

namespace fastpulsar {
namespace {

struct SendParamSpec {
    const char* name;
    const char* default_value;  // as the text signature shows it; nullptr: required
};

constexpr std::array<SendParamSpec, send_param::count> kSendParams = {{
#define FASTPULSAR_SEND_PARAM_SPEC(name, default_value) {#name, default_value},
    FASTPULSAR_SEND_PARAMS(FASTPULSAR_SEND_PARAM_SPEC)
#undef FASTPULSAR_SEND_PARAM_SPEC
}};

// Positional order of send_async(): the list's; of send(): the same without callback.
template <std::size_t N>
constexpr std::array<int, N> positional_order(bool with_callback) {
    std::array<int, N> order{};
    std::size_t next = 0;
    for (int param = 0; param < send_param::count; ++param) {
        if (with_callback || param != send_param::callback) {
            order[next++] = param;
        }
    }
    return order;
}
constexpr auto kSendOrder = positional_order<send_param::count - 1>(false);
constexpr auto kSendAsyncOrder = positional_order<send_param::count>(true);

std::array<PyObject*, send_param::count> g_param_names{};  // interned, immortal

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

template <std::size_t N>
void parse_send_args(const char* function, const std::array<int, N>& order, PyObject* const* args,
                     Py_ssize_t nargs, PyObject* kwnames, SendArgs& out) {
    if (nargs > static_cast<Py_ssize_t>(N)) {
        raise_python_format(PyExc_TypeError,
                            "%s() takes at most %zu positional arguments (%zd given)", function, N,
                            nargs);
    }
    for (Py_ssize_t i = 0; i < nargs; ++i) {
        out[order[static_cast<std::size_t>(i)]] = args[i];
    }
    if (kwnames != nullptr) {
        Py_ssize_t nkw = PyTuple_GET_SIZE(kwnames);
        for (Py_ssize_t j = 0; j < nkw; ++j) {
            PyObject* name = PyTuple_GET_ITEM(kwnames, j);
            int found = -1;
            for (int param : order) {  // keyword names are usually interned: compare pointers first
                if (g_param_names[param] == name) {
                    found = param;
                    break;
                }
            }
            if (found < 0) {
                for (int param : order) {
                    if (PyUnicode_Compare(g_param_names[param], name) == 0) {
                        found = param;
                        break;
                    }
                }
                if (PyErr_Occurred()) {
                    throw py::error_already_set();
                }
            }
            if (found < 0) {
                raise_python_format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'",
                                    function, name);
            }
            if (out[found] != nullptr) {
                raise_python_format(PyExc_TypeError, "%s() got multiple values for argument '%s'",
                                    function, kSendParams[found].name);
            }
            out[found] = args[nargs + j];
        }
    }
    for (int param : order) {
        if (out[param] == nullptr && kSendParams[param].default_value == nullptr) {
            raise_python_format(PyExc_TypeError, "%s() missing required argument '%s'", function,
                                kSendParams[param].name);
        }
    }
}

bool given(PyObject* arg) { return arg != nullptr && arg != Py_None; }

// The payload of a bytes-like object, without a copy on the Python side.
class Payload {
   public:
    explicit Payload(PyObject* obj) {
        if (PyBytes_CheckExact(obj)) {
            data_ = PyBytes_AS_STRING(obj);
            size_ = static_cast<std::size_t>(PyBytes_GET_SIZE(obj));
            return;
        }
        if (PyUnicode_Check(obj) || !PyObject_CheckBuffer(obj)) {
            raise_type_error("content",
                             "bytes-like (bytes, bytearray, memoryview or a C-contiguous buffer)",
                             obj);
        }
        if (PyObject_GetBuffer(obj, &view_, PyBUF_SIMPLE) != 0) {
            if (PyErr_ExceptionMatches(PyExc_BufferError)) {
                PyErr_Clear();
                raise_value_error(
                    std::string("Argument content is expected to be a C-contiguous buffer, "
                                "not a non-contiguous '") +
                    Py_TYPE(obj)->tp_name + "' (copy it with bytes(content))");
            }
            throw py::error_already_set();
        }
        has_view_ = true;
        data_ = static_cast<const char*>(view_.buf);
        size_ = static_cast<std::size_t>(view_.len);
    }
    ~Payload() {
        if (has_view_) {
            PyBuffer_Release(&view_);
        }
    }
    Payload(const Payload&) = delete;
    Payload& operator=(const Payload&) = delete;

    const char* data() const { return data_; }
    std::size_t size() const { return size_; }

   private:
    Py_buffer view_{};
    bool has_view_ = false;
    const char* data_ = nullptr;
    std::size_t size_ = 0;
};

// The KeyValue of a KeyValueSchema's content: schema._encode_key_value(content) must give
// (key bytes, value bytes); it raises, naming what is wrong, for anything else.
pulsar::KeyValue key_value_content(PyObject* content, py::handle schema) {
    py::object pair = schema.attr("_encode_key_value")(py::handle(content));
    if (!PyTuple_Check(pair.ptr()) || PyTuple_GET_SIZE(pair.ptr()) != 2 ||
        !PyBytes_Check(PyTuple_GET_ITEM(pair.ptr(), 0)) ||
        !PyBytes_Check(PyTuple_GET_ITEM(pair.ptr(), 1))) {
        raise_type_error("content", "encoded by the schema to a (bytes, bytes) pair", pair.ptr());
    }
    PyObject* key = PyTuple_GET_ITEM(pair.ptr(), 0);
    PyObject* value = PyTuple_GET_ITEM(pair.ptr(), 1);
    return pulsar::KeyValue(
        std::string(PyBytes_AS_STRING(key), static_cast<std::size_t>(PyBytes_GET_SIZE(key))),
        std::string(PyBytes_AS_STRING(value), static_cast<std::size_t>(PyBytes_GET_SIZE(value))));
}

// send(msg) / send_async(msg, callback) with a message MessageBuilder built (pulsar-client
// 3.13's _pulsar.Producer.send): the message as it is, which nothing else may change.
pulsar::Message built_message(const SendArgs& args, const pulsar::Message& built, SchemaKind kind) {
    if (kind == SchemaKind::KeyValue) {
        // libpulsar lays out every message of a KeyValue producer from its KeyValue, which
        // a built message does not have.
        raise_type_error("content", "the (key, value) pair of the KeyValueSchema, not a Message",
                         args[send_param::content]);
    }
    for (int param = send_param::properties; param < send_param::count; ++param) {
        PyObject* arg = args[param];
        bool set = param == send_param::disable_replication ? arg != nullptr && arg != Py_False
                                                            : given(arg);
        if (set) {
            raise_python_format(PyExc_TypeError,
                                "%s cannot be given with a built Message as content (set it "
                                "with the MessageBuilder)",
                                kSendParams[param].name);
        }
    }
    return built;
}

ProducerCore& core_of(PyObject* self) { return py::handle(self).cast<ProducerCore&>(); }

}  // namespace

std::string send_text_signature(const char* function, bool with_callback) {
    std::string out = std::string(function) + "($self, /";
    for (int param = 0; param < send_param::count; ++param) {
        if (!with_callback && param == send_param::callback) {
            continue;
        }
        out += std::string(", ") + kSendParams[param].name;
        if (kSendParams[param].default_value != nullptr) {
            out += std::string("=") + kSendParams[param].default_value;
        }
    }
    return out + ")\n--\n\n";
}

pulsar::Message build_message(const SendArgs& args, SchemaKind kind, py::handle schema) {
    PyObject* content = args[send_param::content];
    if (Py_TYPE(content) != &PyBytes_Type) {  // bytes, the hot path, never is a Message
        if (const pulsar::Message* built = unwrap_message(content)) {
            return built_message(args, *built, kind);
        }
    }

    pulsar::MessageBuilder builder;
    if (kind == SchemaKind::KeyValue) {
        // Never a null value: libpulsar lays out every message of a KeyValue producer from
        // its KeyValue (none would crash it), and a KeyValue consumer parses every payload.
        builder.setContent(key_value_content(content, schema));
    } else if (content == Py_None) {
        builder.setNullValue();
    } else if (kind == SchemaKind::Bytes) {
        Payload payload(content);
        builder.setContent(payload.data(), payload.size());
    } else if (kind == SchemaKind::String) {
        if (!PyUnicode_Check(content)) {
            raise_type_error("content", "a str (the producer's schema is StringSchema)", content);
        }
        Py_ssize_t size = 0;
        const char* data = PyUnicode_AsUTF8AndSize(content, &size);
        if (data == nullptr) {
            PyErr_Clear();
            static_cast<void>(as_string(content, "content"));  // raises, naming content
            throw py::error_already_set();
        }
        builder.setContent(data, static_cast<std::size_t>(size));
    } else {
        py::object encoded = schema.attr("encode")(py::handle(content));
        if (!PyBytes_Check(encoded.ptr())) {
            raise_type_error("content", "encoded by the schema to bytes", encoded.ptr());
        }
        builder.setContent(PyBytes_AS_STRING(encoded.ptr()),
                           static_cast<std::size_t>(PyBytes_GET_SIZE(encoded.ptr())));
    }

    if (PyObject* properties = args[send_param::properties]; given(properties)) {
        if (!PyDict_Check(properties)) {
            raise_type_error("properties", "a dict of str to str", properties);
        }
        // Without the GIL (free-threaded CPython), another thread may change the dict
        // meanwhile: PyDict_Next's borrowed items need the dict's critical section.
        py::scoped_critical_section locked(properties);
        Py_ssize_t pos = 0;
        PyObject* key = nullptr;
        PyObject* value = nullptr;
        while (PyDict_Next(properties, &pos, &key, &value)) {
            if (!PyUnicode_Check(key)) {
                raise_type_error("properties", "a dict of str to str (a key is not a str)", key);
            }
            if (!PyUnicode_Check(value)) {
                raise_type_error("properties", "a dict of str to str (a value is not a str)",
                                 value);
            }
            builder.setProperty(as_string(key, "properties"), as_string(value, "properties"));
        }
    }
    if (PyObject* key = args[send_param::partition_key]; given(key)) {
        builder.setPartitionKey(as_string(key, "partition_key"));
    }
    if (PyObject* key = args[send_param::ordering_key]; given(key)) {
        builder.setOrderingKey(as_string(key, "ordering_key"));
    }
    if (PyObject* sequence_id = args[send_param::sequence_id]; given(sequence_id)) {
        builder.setSequenceId(as_int(sequence_id, "sequence_id", 0, kInt64Max));
    }
    if (PyObject* clusters = args[send_param::replication_clusters]; given(clusters)) {
        if (!PyList_Check(clusters) && !PyTuple_Check(clusters)) {
            raise_type_error("replication_clusters", "a list of str", clusters);
        }
        std::vector<std::string> names;
        // A list's borrowed items likewise need its critical section (a tuple is immutable).
        py::scoped_critical_section locked(clusters);
        Py_ssize_t count = PySequence_Fast_GET_SIZE(clusters);
        names.reserve(static_cast<std::size_t>(count));
        for (Py_ssize_t i = 0; i < count; ++i) {
            PyObject* name = PySequence_Fast_GET_ITEM(clusters, i);
            if (!PyUnicode_Check(name)) {
                raise_type_error("replication_clusters", "a list of str (an item is not a str)",
                                 name);
            }
            names.push_back(as_string(name, "replication_clusters"));
        }
        builder.setReplicationClusters(names);
    }
    if (PyObject* disable = args[send_param::disable_replication]; disable != nullptr) {
        if (as_bool(disable, "disable_replication")) {
            builder.disableReplication(true);
        }
    }
    if (PyObject* timestamp = args[send_param::event_timestamp]; given(timestamp)) {
        builder.setEventTimestamp(
            static_cast<uint64_t>(as_int(timestamp, "event_timestamp", 0, kInt64Max)));
    }
    if (PyObject* deliver_at = args[send_param::deliver_at]; given(deliver_at)) {
        builder.setDeliverAt(static_cast<uint64_t>(as_int(deliver_at, "deliver_at", 0, kInt64Max)));
    }
    if (PyObject* delay = args[send_param::deliver_after]; given(delay)) {
        if (!PyDelta_Check(delay)) {
            raise_type_error("deliver_after", "a datetime.timedelta", delay);
        }
        int64_t ms = static_cast<int64_t>(PyDateTime_DELTA_GET_DAYS(delay)) * 86400000LL +
                     static_cast<int64_t>(PyDateTime_DELTA_GET_SECONDS(delay)) * 1000LL +
                     static_cast<int64_t>(PyDateTime_DELTA_GET_MICROSECONDS(delay)) / 1000LL;
        if (ms < 0) {
            raise_out_of_range("deliver_after", py::str(delay).cast<std::string>(), "0:00:00",
                               "999999999 days, 23:59:59.999999");
        }
        builder.setDeliverAfter(std::chrono::milliseconds(ms));
    }
    return builder.build();
}

namespace {

py::object finish_send_id(pulsar::Result, pulsar::MessageId id) { return wrap_message_id(id); }

// send_async of a closed producer, as pulsar-client 3.13 (libpulsar's sendAsync) does it:
// nothing is raised, callback(AlreadyClosed, MessageId(-1, -1, -1, -1)) runs on the
// dispatcher thread, or on this one when no dispatcher thread runs (the last client is
// closed). GIL held; never throws (but std::bad_alloc).
void call_back_send_already_closed(PyObject* callback) {
    auto op = std::make_shared<CallbackOp<pulsar::MessageId, decltype(&finish_send_id)>>(
        py::handle(callback), &finish_send_id);
    op->complete(pulsar::ResultAlreadyClosed, pulsar::MessageId());
    Dispatcher::instance().serve_pending();
}

}  // namespace

PyObject* producer_send_async(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                              PyObject* kwnames) {
    return c_api_call([&]() -> PyObject* {
        SendArgs params{};
        parse_send_args("send_async", kSendAsyncOrder, args, nargs, kwnames, params);
        PyObject* callback = params[send_param::callback];
        if (callback == Py_None) {
            callback = nullptr;
        } else if (!PyCallable_Check(callback)) {
            raise_type_error("callback", "callable (or None)", callback);
        }
        ProducerCore& core = core_of(self);
        if (callback != nullptr && core.closed_for_callback()) {
            // As pulsar-client 3.13 (libpulsar's sendAsync on a closed producer): nothing is
            // raised, the callback gets AlreadyClosed.
            call_back_send_already_closed(callback);
            Py_RETURN_NONE;
        }
        core.check_open();
        core.send_async(self, build_message(params, core.schema_kind(), core.schema()), callback);
        Py_RETURN_NONE;
    });
}

PyObject* producer_send_future(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                               PyObject* kwnames) {
    return c_api_call([&]() -> PyObject* {
        if (nargs < 1) {
            raise_python(PyExc_TypeError, "_send_future() needs a LoopSink first");
        }
        py::handle sink = args[0];
        LoopSink* cpp_sink = loop_sink_of(sink);
        SendArgs params{};
        parse_send_args("send", kSendOrder, args + 1, nargs - 1, kwnames, params);
        ProducerCore& core = core_of(self);
        core.check_open();
        pulsar::Message message = build_message(params, core.schema_kind(), core.schema());
        py::object future = cpp_sink->new_future();
        py::object slot = new_sink_slot(sink, cpp_sink, future);
        core.send_async(self, std::move(message), slot.ptr());
        return future.release().ptr();
    });
}

PyObject* producer_send(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                        PyObject* kwnames) {
    return c_api_call([&] {
        SendArgs params{};
        parse_send_args("send", kSendOrder, args, nargs, kwnames, params);
        ProducerCore& core = core_of(self);
        core.check_open();
        return core.send(build_message(params, core.schema_kind(), core.schema())).release().ptr();
    });
}

void init_send_args() {
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == nullptr) {
        throw py::error_already_set();
    }
    for (std::size_t i = 0; i < kSendParams.size(); ++i) {
        g_param_names[i] = PyUnicode_InternFromString(kSendParams[i].name);
        if (g_param_names[i] == nullptr) {
            throw py::error_already_set();
        }
    }
}

}  // namespace fastpulsar
