// pulsar.Producer: its method table and docstrings (send and send_async are
// core/send_args.hpp's METH_FASTCALL functions; the rest is core/producer.hpp's).
#include <pybind11/native_enum.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <utility>

#include "bind/register.hpp"
#include "core/producer.hpp"
#include "core/send_args.hpp"

namespace fastpulsar {
namespace {

// The docstrings after the text signature line, which send_text_signature derives from
// the parameter list.
constexpr const char* kSendDoc =
    "Publish a message and wait until the broker has persisted it; returns its MessageId.\n\n"
    "Args:\n"
    "    content: The message: bytes-like (bytes, bytearray, memoryview, any C-contiguous\n"
    "        buffer), a str with StringSchema, what the producer's schema encodes, None\n"
    "        for a null value, or a Message built by MessageBuilder (sent as it is: the\n"
    "        other message arguments cannot be given with it).\n";
constexpr const char* kSendAsyncDoc =
    "Publish a message without waiting; callback(result, message_id) runs exactly once, later,\n"
    "on the pulsar dispatcher thread with the GIL held. Callbacks of one producer run in the\n"
    "order libpulsar completes the sends. An exception raised by the callback goes to\n"
    "sys.unraisablehook. callback may be None (failures are then logged to the 'pulsar'\n"
    "logger). Takes the same keyword arguments as send().\n\n"
    "Args:\n"
    "    content: The message, as for send().\n"
    "    callback: callback(result, message_id) (a pulsar.Result and a MessageId), or\n"
    "        None.\n";
// The Args entries of the parameters send() and send_async() share, after those above.
constexpr const char* kSendArgsDoc =
    "    properties: Application properties of the message (dict of str to str).\n"
    "    partition_key: The message's key: it chooses the partition, and is the key of\n"
    "        KeyShared subscriptions and of compaction.\n"
    "    ordering_key: The key that orders the message in a KeyShared subscription\n"
    "        (instead of partition_key).\n"
    "    sequence_id: The message's sequence id (for deduplication); by default the next\n"
    "        one. 0 is sent, not ignored.\n"
    "    replication_clusters: The clusters (list of str) to replicate the message to.\n"
    "    disable_replication: Do not replicate the message to other clusters.\n"
    "    event_timestamp: The event's time, in milliseconds since the epoch (UTC); 0 is\n"
    "        sent, not ignored.\n"
    "    deliver_at: Deliver no sooner than this time, in milliseconds since the epoch\n"
    "        (Shared subscriptions).\n"
    "    deliver_after: Deliver no sooner than this delay, a datetime.timedelta (Shared\n"
    "        subscriptions).\n";
constexpr const char* kSendReturnsDoc =
    "\n"
    "Returns:\n"
    "    The MessageId the broker gave the message.";

PyMethodDef g_send_def = {
    "send", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(producer_send)),
    METH_FASTCALL | METH_KEYWORDS, nullptr};
PyMethodDef g_send_future_def = {
    "_send_future",
    reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(producer_send_future)),
    METH_FASTCALL | METH_KEYWORDS,
    "_send_future(sink, content, ...): send_async resolving a future of the LoopSink's loop\n"
    "(pulsar.asyncio's send); returns the future. Takes send()'s keyword arguments."};
PyMethodDef g_send_async_def = {
    "send_async",
    reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(producer_send_async)),
    METH_FASTCALL | METH_KEYWORDS, nullptr};

// `text` kept for the process's life (the type's method descriptors point into it).
const char* immortal(std::string text) {
    return std::make_unique<std::string>(std::move(text)).release()->c_str();
}

}  // namespace

void register_producer(py::module_& m) {
    init_send_args();

    py::native_enum<SchemaKind>(m, "SchemaKind", "enum.Enum",
                                "How a producer turns content into the payload (see "
                                "Client.create_producer).")
        .value("Bytes", SchemaKind::Bytes, "bytes-like content, sent as is (BytesSchema)")
        .value("String", SchemaKind::String, "str content, sent as UTF-8 (StringSchema)")
        .value("Other", SchemaKind::Other, "content passed to the schema's encode()")
        .value("KeyValue", SchemaKind::KeyValue,
               "a (key, value) pair passed to the schema's _encode_key_value() (KeyValueSchema)")
        .finalize();

    py::class_<ProducerCore, std::shared_ptr<ProducerCore>> cls(
        m, "Producer", "Publishes messages to a topic; made by Client.create_producer().");
    g_send_def.ml_doc =
        immortal(send_text_signature("send", false) + kSendDoc + kSendArgsDoc + kSendReturnsDoc);
    g_send_async_def.ml_doc =
        immortal(send_text_signature("send_async", true) + kSendAsyncDoc + kSendArgsDoc);
    add_c_method(cls, &g_send_def);
    add_c_method(cls, &g_send_async_def);
    add_c_method(cls, &g_send_future_def);
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
        // pulsar.asyncio's (runtime/loop_sink.hpp): the outcome resolves `future` through
        // the LoopSink `sink`.
        .def("_flush_async", &ProducerCore::flush_async, py::arg("sink"), py::arg("future"))
        .def(
            "_close_async",
            [](py::object self, py::handle sink, py::handle future) {
                self.cast<ProducerCore&>().close_async(self, sink, future);
            },
            py::arg("sink"), py::arg("future"))
        // pulsar-client 3.13's _pulsar.Producer methods with a callback, run on the
        // dispatcher thread (runtime/callback_op.hpp).
        .def("flush_async", &ProducerCore::flush_with_callback, py::arg("callback"),
             "flush without waiting: callback(result) runs once, later, on the pulsar\n"
             "dispatcher thread, after the callbacks of the earlier send_async calls.")
        .def(
            "close_async",
            [](py::object self, py::handle callback) {
                self.cast<ProducerCore&>().close_with_callback(self, callback);
            },
            py::arg("callback"),
            "Close the producer without waiting, after sending pending messages:\n"
            "callback(result) runs once, later, on the pulsar dispatcher thread, after their\n"
            "callbacks.")
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
