// pulsar.Producer: the send path.
//
// send() and send_async() are METH_FASTCALL functions: one crossing into C++ per
// message, all keyword arguments parsed here, the payload taken through the buffer
// protocol (libpulsar copies it once into its own buffer). send_async keeps the
// GIL unless libpulsar may block on a full queue; its callbacks are queued by
// libpulsar's thread and run by the dispatcher thread (dispatcher.hpp).
#include "producer.hpp"

#include <datetime.h>

#include <array>
#include <chrono>
#include <thread>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"
#include "dispatcher.hpp"
#include "register.hpp"
#include "wait.hpp"

namespace fastpulsar {
namespace {

enum SendParam : int {
    kContent,
    kCallback,
    kProperties,
    kPartitionKey,
    kOrderingKey,
    kSequenceId,
    kReplicationClusters,
    kDisableReplication,
    kEventTimestamp,
    kDeliverAt,
    kDeliverAfter,
    kSendParamCount,
};

constexpr std::array<const char*, kSendParamCount> kSendParamNames = {
    "content",      "callback",          "properties",      "partition_key",
    "ordering_key", "sequence_id",       "replication_clusters", "disable_replication",
    "event_timestamp", "deliver_at",     "deliver_after",
};

// Positional order of send() and of send_async().
constexpr std::array<int, kSendParamCount - 1> kSendOrder = {
    kContent,   kProperties,         kPartitionKey,  kOrderingKey, kSequenceId,
    kReplicationClusters, kDisableReplication, kEventTimestamp, kDeliverAt, kDeliverAfter,
};
constexpr std::array<int, kSendParamCount> kSendAsyncOrder = {
    kContent,    kCallback,           kProperties,   kPartitionKey, kOrderingKey, kSequenceId,
    kReplicationClusters, kDisableReplication, kEventTimestamp, kDeliverAt, kDeliverAfter,
};

std::array<PyObject*, kSendParamCount> g_param_names{};  // interned, immortal

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

template <std::size_t N>
void parse_send_args(const char* function, const std::array<int, N>& order, PyObject* const* args,
                     Py_ssize_t nargs, PyObject* kwnames, PyObject** out) {
    if (nargs > static_cast<Py_ssize_t>(N)) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %zu positional arguments (%zd given)",
                     function, N, nargs);
        throw py::error_already_set();
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
                PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'",
                             function, name);
                throw py::error_already_set();
            }
            if (out[found] != nullptr) {
                PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", function,
                             kSendParamNames[found]);
                throw py::error_already_set();
            }
            out[found] = args[nargs + j];
        }
    }
    if (out[kContent] == nullptr) {
        PyErr_Format(PyExc_TypeError, "%s() missing required argument 'content'", function);
        throw py::error_already_set();
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
                raise_value_error(std::string("Argument content must be a C-contiguous buffer; ") +
                                  "this " + Py_TYPE(obj)->tp_name +
                                  " is not (copy it with bytes(content))");
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

// Failures of sends made with send_async(callback=None), by result; reported
// through the "pulsar" logger after each dispatch round. GIL-protected.
std::map<pulsar::Result, uint64_t> g_failed_without_callback;

// The function handed to libpulsar with each send_async: two pointers, so
// std::function stores it without allocating.
struct SendDone {
    ProducerCore* producer;
    PyObject* callback;
    void operator()(pulsar::Result result, const pulsar::MessageId& id) const {
        Dispatcher::instance().push_send(SendCompletion{producer, callback, result, id});
    }
};

void noop_result(pulsar::Result) {}

// Counts a thread inside sendAsync without the GIL.
class SendWithoutGil {
   public:
    explicit SendWithoutGil(std::atomic<int>& count) : count_(count) { count_.fetch_add(1); }
    ~SendWithoutGil() { count_.fetch_sub(1); }
    SendWithoutGil(const SendWithoutGil&) = delete;
    SendWithoutGil& operator=(const SendWithoutGil&) = delete;

   private:
    std::atomic<int>& count_;
};

}  // namespace

// ---- ProducerCore ---------------------------------------------------------------------

ProducerCore::ProducerCore(pulsar::Producer producer, py::object schema,
                           const ProducerOptions& options, std::shared_ptr<ClientState> client)
    : producer_(std::move(producer)),
      schema_(std::move(schema)),
      schema_kind_(SchemaKind::Other),
      batching_(options.batching),
      // As much again as libpulsar itself holds: enough to keep the submitter busy.
      queue_limit_(static_cast<uint64_t>(std::max(1000, options.max_pending))),
      client_(std::move(client)) {
    py::object schema_module = py::module_::import("pulsar.schema");
    if (schema_.is_none() || py::type::of(schema_).is(schema_module.attr("BytesSchema"))) {
        schema_kind_ = SchemaKind::Bytes;
    } else if (py::type::of(schema_).is(schema_module.attr("StringSchema"))) {
        schema_kind_ = SchemaKind::String;
    }
}

ProducerCore::~ProducerCore() {
    // Nothing is queued: every queued message holds a reference to the pulsar.Producer.
    GilRelease nogil;
    stop_submitter();
    // Releasing the handle may release libpulsar's producer, which takes its locks.
    producer_ = pulsar::Producer();
}

void ProducerCore::check_open() const {
    if (closed_.load(std::memory_order_acquire) ||
        client_->closed.load(std::memory_order_acquire)) {
        raise_result(pulsar::ResultAlreadyClosed);
    }
}

pulsar::Message ProducerCore::build(PyObject* const* args) const {
    pulsar::MessageBuilder builder;

    PyObject* content = args[kContent];
    if (content == Py_None) {
        builder.setNullValue();
    } else if (schema_kind_ == SchemaKind::Bytes) {
        Payload payload(content);
        builder.setContent(payload.data(), payload.size());
    } else if (schema_kind_ == SchemaKind::String) {
        if (!PyUnicode_Check(content)) {
            raise_type_error("content", "a str (the producer's schema is StringSchema)", content);
        }
        Py_ssize_t size = 0;
        const char* data = PyUnicode_AsUTF8AndSize(content, &size);
        if (data == nullptr) {
            throw py::error_already_set();
        }
        builder.setContent(data, static_cast<std::size_t>(size));
    } else {
        py::object encoded = schema_.attr("encode")(py::handle(content));
        if (!PyBytes_Check(encoded.ptr())) {
            raise_type_error("content", "encoded by the schema to bytes", encoded.ptr());
        }
        builder.setContent(PyBytes_AS_STRING(encoded.ptr()),
                           static_cast<std::size_t>(PyBytes_GET_SIZE(encoded.ptr())));
    }

    if (PyObject* properties = args[kProperties]; given(properties)) {
        if (!PyDict_Check(properties)) {
            raise_type_error("properties", "a dict of str to str", properties);
        }
        Py_ssize_t pos = 0;
        PyObject* key = nullptr;
        PyObject* value = nullptr;
        while (PyDict_Next(properties, &pos, &key, &value)) {
            if (!PyUnicode_Check(key)) {
                raise_type_error("properties", "a dict of str to str (a key is not a str)", key);
            }
            if (!PyUnicode_Check(value)) {
                raise_type_error("properties", "a dict of str to str (a value is not a str)", value);
            }
            builder.setProperty(as_string(key, "properties"), as_string(value, "properties"));
        }
    }
    if (PyObject* key = args[kPartitionKey]; given(key)) {
        builder.setPartitionKey(as_string(key, "partition_key"));
    }
    if (PyObject* key = args[kOrderingKey]; given(key)) {
        builder.setOrderingKey(as_string(key, "ordering_key"));
    }
    if (PyObject* sequence_id = args[kSequenceId]; given(sequence_id)) {
        builder.setSequenceId(as_int(sequence_id, "sequence_id", 0, kInt64Max));
    }
    if (PyObject* clusters = args[kReplicationClusters]; given(clusters)) {
        if (!PyList_Check(clusters) && !PyTuple_Check(clusters)) {
            raise_type_error("replication_clusters", "a list of str", clusters);
        }
        std::vector<std::string> names;
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
    if (PyObject* disable = args[kDisableReplication]; disable != nullptr) {
        if (as_bool(disable, "disable_replication")) {
            builder.disableReplication(true);
        }
    }
    if (PyObject* timestamp = args[kEventTimestamp]; given(timestamp)) {
        builder.setEventTimestamp(
            static_cast<uint64_t>(as_int(timestamp, "event_timestamp", 0, kInt64Max)));
    }
    if (PyObject* deliver_at = args[kDeliverAt]; given(deliver_at)) {
        builder.setDeliverAt(static_cast<uint64_t>(as_int(deliver_at, "deliver_at", 0, kInt64Max)));
    }
    if (PyObject* delay = args[kDeliverAfter]; given(delay)) {
        if (!PyDelta_Check(delay)) {
            raise_type_error("deliver_after", "a datetime.timedelta", delay);
        }
        int64_t ms = static_cast<int64_t>(PyDateTime_DELTA_GET_DAYS(delay)) * 86400000LL +
                     static_cast<int64_t>(PyDateTime_DELTA_GET_SECONDS(delay)) * 1000LL +
                     static_cast<int64_t>(PyDateTime_DELTA_GET_MICROSECONDS(delay)) / 1000LL;
        if (ms < 0) {
            raise_value_error("Argument deliver_after must not be negative");
        }
        builder.setDeliverAfter(std::chrono::milliseconds(ms));
    }
    return builder.build();
}

// ---- the submitter ---------------------------------------------------------------------

void ProducerCore::queue(Queued&& item) {
    while (queued_ - submitted_.load(std::memory_order_acquire) >= queue_limit_) {
        // Full: wait (without the GIL) until the submitter has handed some on. With
        // block_if_queue_full, it waits for libpulsar's queue in turn.
        wait_until_submitted(queued_ - queue_limit_ + 1);
    }
    if (!submitter_.joinable()) {
        submitter_ = std::thread([this] { submitter_loop(); });
    }
    ++queued_;
    bool wake = false;
    {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        queue_.push_back(std::move(item));
        wake = submitter_idle_;
        submitter_idle_ = false;
    }
    if (wake) {
        queue_wake_.notify_one();
    }
}

void ProducerCore::submitter_loop() {
    // Never touches Python (but for libpulsar calling a message_router, which takes
    // the GIL itself).
    std::vector<Queued> batch;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(queue_mutex_);
            if (queue_.empty() && !submitter_stop_) {
                submitter_idle_ = true;
                queue_wake_.wait(lock, [this] { return !queue_.empty() || submitter_stop_; });
                submitter_idle_ = false;
            }
            if (queue_.empty() && submitter_stop_) {
                return;
            }
            batch.swap(queue_);
        }
        for (Queued& item : batch) {
            submit(item);
        }
        batch.clear();
        {
            std::lock_guard<std::mutex> lock(queue_mutex_);  // no lost wake-up for waiters
        }
        queue_progress_.notify_all();
    }
}

void ProducerCore::submit(Queued& item) {
    if (item.waiter) {
        auto waiter = std::move(item.waiter);
        producer_.sendAsync(item.message, [waiter](pulsar::Result r, const pulsar::MessageId& id) {
            waiter->complete(r, id);
        });
        if (batching_) {
            producer_.flushAsync(&noop_result);
        }
    } else {
        producer_.sendAsync(item.message, pulsar::SendCallback(SendDone{this, item.callback}));
    }
    submitted_.fetch_add(1, std::memory_order_release);
}

void ProducerCore::stop_submitter() {
    if (!submitter_.joinable()) {
        return;
    }
    {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        submitter_stop_ = true;
    }
    queue_wake_.notify_one();
    submitter_.join();
}

void ProducerCore::wait_until_submitted(uint64_t target) {
    if (submitted_.load(std::memory_order_acquire) >= target) {
        return;
    }
    wait_without_gil(queue_mutex_, queue_progress_, [this, target] {
        return submitted_.load(std::memory_order_acquire) >= target;
    });
}

// ---- sending ----------------------------------------------------------------------------

void ProducerCore::send_async(PyObject* self, pulsar::Message&& message, PyObject* callback) {
    // Each send holds a reference to the pulsar.Producer (so this object lives
    // until its callback has run) and one to the callback; the dispatcher drops
    // them after running it.
    Py_INCREF(self);
    Py_XINCREF(callback);
    self_ = self;
    ++sent_async_;
    try {
        queue(Queued{std::move(message), callback, nullptr});
    } catch (...) {
        // Interrupted while waiting for room: the message was not queued.
        --sent_async_;
        Py_XDECREF(callback);
        Py_DECREF(self);
        throw;
    }
}

py::object ProducerCore::send(pulsar::Message&& message) {
    if (submitted_.load(std::memory_order_acquire) < queued_) {
        // Behind queued send_async messages: take its place in the queue.
        auto waiter = std::make_shared<Pending<pulsar::MessageId>>();
        queue(Queued{std::move(message), nullptr, waiter});
        pulsar::Result result = waiter->wait();
        if (result != pulsar::ResultOk) {
            raise_result(result);
        }
        return wrap_message_id(waiter->value());
    }
    // Nothing queued: straight to libpulsar, without the GIL. Counted from here,
    // where the GIL is held, until sendAsync has returned (see close()).
    auto counted = std::make_unique<SendWithoutGil>(sends_without_gil_);
    auto [result, id] = call_blocking<pulsar::MessageId>(
        [&](const std::shared_ptr<Pending<pulsar::MessageId>>& pending) {
            producer_.sendAsync(message, [pending](pulsar::Result r, const pulsar::MessageId& id) {
                pending->complete(r, id);
            });
            if (batching_) {
                // As libpulsar's own send(): do not wait for the batch timer.
                producer_.flushAsync(&noop_result);
            }
            counted.reset();
        });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
    return wrap_message_id(id);
}

void ProducerCore::flush() {
    check_open();
    wait_until_submitted(queued_);
    pulsar::Result result =
        call_blocking_result([&](const pulsar::ResultCallback& cb) { producer_.flushAsync(cb); });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
    wait_for_callbacks();
}

void ProducerCore::wait_for_sends_to_leave() {
    wait_until_submitted(queued_);
    if (sends_without_gil_.load() == 0) {
        return;
    }
    GilRelease nogil;
    while (sends_without_gil_.load() != 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

void ProducerCore::flush_before_close() {
    // libpulsar's closeAsync fails the messages still pending (a batch not yet sent)
    // with AlreadyClosed: send them first. A failure here is the messages' own,
    // reported to their callbacks; the close goes on.
    call_blocking_result([&](const pulsar::ResultCallback& cb) { producer_.flushAsync(cb); });
}

void ProducerCore::close() {
    check_open();
    closed_.store(true, std::memory_order_release);  // new sends raise AlreadyClosed from here
    wait_for_sends_to_leave();
    flush_before_close();
    pulsar::Result result =
        call_blocking_result([&](const pulsar::ResultCallback& cb) { producer_.closeAsync(cb); });
    {
        GilRelease nogil;
        stop_submitter();
    }
    wait_for_callbacks();
    if (result != pulsar::ResultOk && result != pulsar::ResultAlreadyClosed) {
        raise_result(result);
    }
}

void ProducerCore::wait_for_callbacks() {
    uint64_t target = sent_async_;
    Dispatcher::instance().wait_for(
        [this, target] { return callbacks_done_.load(std::memory_order_acquire) >= target; });
}

void ProducerCore::on_callback_done() {
    callbacks_done_.fetch_add(1, std::memory_order_release);
    Py_DECREF(self_);  // may destroy this object: nothing after this line
}

// ---- the dispatcher's side ------------------------------------------------------------

void deliver_send(SendCompletion& completion) {
    if (completion.callback != nullptr) {
        PyObject* id = new_message_id(std::move(completion.id));
        if (id != nullptr) {
            PyObject* argv[2] = {result_object(completion.result), id};
            PyObject* returned = PyObject_Vectorcall(completion.callback, argv, 2, nullptr);
            if (returned == nullptr) {
                report_callback_error(completion.callback);
            } else {
                Py_DECREF(returned);
            }
            Py_DECREF(id);
        } else {
            report_callback_error(completion.callback);
        }
        Py_DECREF(completion.callback);
    } else if (completion.result != pulsar::ResultOk) {
        ++g_failed_without_callback[completion.result];
    }
    completion.producer->on_callback_done();
}

void report_unsent_without_callback() {
    if (g_failed_without_callback.empty()) {
        return;
    }
    std::map<pulsar::Result, uint64_t> failed;
    failed.swap(g_failed_without_callback);
    try {
        py::object logger = py::module_::import("logging").attr("getLogger")("pulsar");
        for (const auto& [result, count] : failed) {
            logger.attr("error")("%d message(s) sent with send_async(callback=None) failed: %s",
                                 count, py::handle(result_object(result)));
        }
    } catch (py::error_already_set& e) {
        e.discard_as_unraisable("reporting failed sends without a callback");
    }
}

// ---- pulsar.Producer --------------------------------------------------------------------

namespace {

ProducerCore& core_of(PyObject* self) { return py::handle(self).cast<ProducerCore&>(); }

PyObject* producer_send_async(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                              PyObject* kwnames) {
    try {
        std::array<PyObject*, kSendParamCount> params{};
        parse_send_args("send_async", kSendAsyncOrder, args, nargs, kwnames, params.data());
        PyObject* callback = params[kCallback];
        if (callback == nullptr) {
            PyErr_SetString(PyExc_TypeError, "send_async() missing required argument 'callback'");
            return nullptr;
        }
        if (callback == Py_None) {
            callback = nullptr;
        } else if (!PyCallable_Check(callback)) {
            raise_type_error("callback", "callable (or None)", callback);
        }
        ProducerCore& core = core_of(self);
        core.check_open();
        core.send_async(self, core.build(params.data()), callback);
        Py_RETURN_NONE;
    } catch (...) {
        set_python_error_from_current_exception();
        return nullptr;
    }
}

PyObject* producer_send(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                        PyObject* kwnames) {
    try {
        std::array<PyObject*, kSendParamCount> params{};
        parse_send_args("send", kSendOrder, args, nargs, kwnames, params.data());
        ProducerCore& core = core_of(self);
        core.check_open();
        return core.send(core.build(params.data())).release().ptr();
    } catch (...) {
        set_python_error_from_current_exception();
        return nullptr;
    }
}

PyMethodDef g_send_def = {
    "send", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(producer_send)),
    METH_FASTCALL | METH_KEYWORDS,
    "send($self, /, content, properties=None, partition_key=None, ordering_key=None, "
    "sequence_id=None, replication_clusters=None, disable_replication=False, "
    "event_timestamp=None, deliver_at=None, deliver_after=None)\n--\n\n"
    "Publish a message and wait until the broker has persisted it; returns its MessageId.\n\n"
    "content: bytes-like (bytes, bytearray, memoryview, any C-contiguous buffer), a str with\n"
    "StringSchema, or None for a null value. properties: dict of str to str. event_timestamp\n"
    "and deliver_at: milliseconds since the epoch (UTC). deliver_after: datetime.timedelta.\n"
    "A value of 0 (sequence_id, event_timestamp) is sent, not ignored."};

PyMethodDef g_send_async_def = {
    "send_async",
    reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(producer_send_async)),
    METH_FASTCALL | METH_KEYWORDS,
    "send_async($self, /, content, callback, properties=None, partition_key=None, "
    "ordering_key=None, sequence_id=None, replication_clusters=None, "
    "disable_replication=False, event_timestamp=None, deliver_at=None, deliver_after=None)\n--\n\n"
    "Publish a message without waiting; callback(result, message_id) runs exactly once, later,\n"
    "on the pulsar dispatcher thread with the GIL held. Callbacks of one producer run in the\n"
    "order libpulsar completes the sends. An exception raised by the callback goes to\n"
    "sys.unraisablehook. callback may be None (failures are then logged to the 'pulsar'\n"
    "logger). Takes the same keyword arguments as send()."};

void add_fastcall_method(py::class_<ProducerCore, std::shared_ptr<ProducerCore>>& cls,
                         PyMethodDef* def) {
    PyObject* descr = PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(cls.ptr()), def);
    if (descr == nullptr) {
        throw py::error_already_set();
    }
    cls.attr(def->ml_name) = py::reinterpret_steal<py::object>(descr);
}

}  // namespace

void register_producer(py::module_& m) {
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == nullptr) {
        throw py::error_already_set();
    }
    for (std::size_t i = 0; i < kSendParamNames.size(); ++i) {
        g_param_names[i] = PyUnicode_InternFromString(kSendParamNames[i]);
        if (g_param_names[i] == nullptr) {
            throw py::error_already_set();
        }
    }

    py::class_<ProducerCore, std::shared_ptr<ProducerCore>> cls(
        m, "Producer", "Publishes messages to a topic; made by Client.create_producer().");
    add_fastcall_method(cls, &g_send_def);
    add_fastcall_method(cls, &g_send_async_def);
    cls.def(
           "topic", [](const ProducerCore& p) { return p.producer().getTopic(); },
           "The topic this producer publishes to.")
        .def(
            "producer_name", [](const ProducerCore& p) { return p.producer().getProducerName(); },
            "The producer's name, given or generated by the broker.")
        .def(
            "last_sequence_id",
            [](const ProducerCore& p) { return p.producer().getLastSequenceId(); },
            "The sequence id of the last message the broker acknowledged (-1 when none).")
        .def(
            "is_connected", [](const ProducerCore& p) { return p.producer().isConnected(); },
            "Whether the producer is connected to its broker now.")
        .def("flush", &ProducerCore::flush,
             "Send every pending message now and wait until the broker has acknowledged them;\n"
             "when it returns, the callbacks of all earlier send_async calls have run.")
        .def("close", &ProducerCore::close,
             "Close the producer, after sending pending messages; their callbacks have run\n"
             "when it returns. Raises AlreadyClosed when already closed.")
        .def("__enter__", [](py::object self) { return self; })
        .def(
            "__exit__",
            [](ProducerCore& p, py::handle, py::handle, py::handle) {
                if (!p.is_closed()) {
                    p.close();
                }
                return false;
            },
            "Close the producer (if still open).")
        .def("__repr__", [](const ProducerCore& p) {
            return "<pulsar.Producer topic='" + p.producer().getTopic() + "' name='" +
                   p.producer().getProducerName() + "'>";
        });
}

}  // namespace fastpulsar
