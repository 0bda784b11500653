// pulsar.Reader's methods, its configuration (pulsar._core.ReaderConfiguration), and
// Client.create_reader.
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <utility>

#include "abi/reader.hpp"
#include "bind/register.hpp"
#include "core/auth.hpp"
#include "core/client.hpp"
#include "core/listener.hpp"
#include "core/reader.hpp"

namespace fastpulsar {

namespace {

PyMethodDef g_read_next_def = {
    "read_next", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(reader_read_next)),
    METH_FASTCALL | METH_KEYWORDS,
    "read_next($self, /, timeout_millis=None)\n--\n\n"
    "Wait for the next message and return it; with timeout_millis, raise pulsar.Timeout\n"
    "when none arrives in time. The GIL is released while waiting; Ctrl-C interrupts."};

}  // namespace

void register_reader(py::module_& m) {
    using RO = ReaderOptions;
    // Filled in by pulsar.Client.create_reader, which checks the arguments first.
    py::class_<RO>(m, "ReaderConfiguration")
        .def(py::init<>())
        .def("schema", [](RO& o, const pulsar::SchemaInfo& v) { o.conf.setSchema(v); })
        .def("receiver_queue_size", [](RO& o, int v) { o.conf.setReceiverQueueSize(v); })
        .def("reader_name", [](RO& o, const std::string& v) { o.conf.setReaderName(v); })
        .def("subscription_role_prefix",
             [](RO& o, const std::string& v) { o.conf.setSubscriptionRolePrefix(v); })
        .def("read_compacted", [](RO& o, bool v) { o.conf.setReadCompacted(v); })
        .def("crypto_key_reader",
             [](RO& o, const CryptoKeyReaderHandle& r) { o.conf.setCryptoKeyReader(r.reader); })
        .def("crypto_failure_action",
             [](RO& o, int v) {
                 o.conf.setCryptoFailureAction(static_cast<pulsar::ConsumerCryptoFailureAction>(v));
             })
        .def("start_message_id_inclusive",
             [](RO& o, bool v) { o.conf.setStartMessageIdInclusive(v); })
        .def("reader_listener", [](RO& o, std::shared_ptr<MessageListenerQueue> queue) {
            // On libpulsar's listener thread, without the GIL: only queues.
            o.conf.setReaderListener(
                [queue](pulsar::Reader, const pulsar::Message& m) { queue->push(m); });
            o.listener = std::move(queue);
        });

    py::class_<ReaderCore, std::shared_ptr<ReaderCore>> cls(
        m, "Reader", "Reads a topic from a given position; made by Client.create_reader().");
    add_c_method(cls, &g_read_next_def);
    cls.def("topic", &ReaderCore::topic, "The topic this reader reads.")
        .def("has_message_available", &ReaderCore::has_message_available,
             "Whether a message is available to read after the current position.")
        .def("seek", &ReaderCore::seek, py::arg("messageid"),
             "Move to a message id (MessageId.earliest, MessageId.latest, or a message's id),\n"
             "or to a publish time given as an int in milliseconds since the epoch.\n\n"
             "Args:\n"
             "    messageid: A MessageId, or a publish time in milliseconds since the epoch.")
        .def("is_connected", &ReaderCore::is_connected,
             "Whether the reader is connected to its broker now.")
        .def("close", &ReaderCore::close,
             "Close the reader. Raises AlreadyClosed when already closed.")
        .def("_is_closing", &ReaderCore::is_closing,
             "Whether close() has begun, here or on the client (no listener call starts).")
        // pulsar.asyncio's (runtime/loop_sink.hpp): the outcome resolves `future` through
        // the LoopSink `sink`.
        .def("_try_read_next", &ReaderCore::try_read_next,
             "A message already received from the broker, or None; never waits.")
        .def("_read_next_async", &ReaderCore::read_next_async, py::arg("sink"), py::arg("future"))
        .def("_has_message_available_async", &ReaderCore::has_message_available_async,
             py::arg("sink"), py::arg("future"))
        .def("_seek_async", &ReaderCore::seek_async, py::arg("messageid"), py::arg("sink"),
             py::arg("future"))
        .def(
            "_close_async",
            [](py::object self, py::handle sink, py::handle future) {
                self.cast<ReaderCore&>().close_async(self, sink, future);
            },
            py::arg("sink"), py::arg("future"))
        // pulsar-client 3.13's _pulsar.Reader methods with a callback, run on the
        // dispatcher thread (runtime/callback_op.hpp).
        .def("read_next_async", &ReaderCore::read_next_with_callback, py::arg("callback"),
             "Read the next message without waiting: callback(result, message) runs once,\n"
             "later, on the pulsar dispatcher thread (message None when result is not Ok).")
        .def("has_message_available_async", &ReaderCore::has_message_available_with_callback,
             py::arg("callback"),
             "has_message_available without waiting: callback(result, available) runs once,\n"
             "later, on the pulsar dispatcher thread.")
        .def("seek_async", &ReaderCore::seek_with_callback, py::arg("messageid"),
             py::arg("callback"),
             "seek without waiting: callback(result) runs once, later, on the pulsar\n"
             "dispatcher thread.\n\n"
             "Args:\n"
             "    messageid: A MessageId, or a publish time in milliseconds since the epoch.\n"
             "    callback: callback(result), a pulsar.Result.")
        .def(
            "close_async",
            [](py::object self, py::handle callback) {
                self.cast<ReaderCore&>().close_with_callback(self, callback);
            },
            py::arg("callback"),
            "Close the reader without waiting: callback(result) runs once, later, on the\n"
            "pulsar dispatcher thread.")
        .def("__iter__", [](py::object self) { return self; })
        .def("__next__", &ReaderCore::next,
             "The next message, waiting for it; the iteration ends when the reader is closed.")
        .def("__enter__", [](py::object self) { return self; })
        .def(
            "__exit__",
            [](ReaderCore& r, py::handle, py::handle, py::handle) {
                if (!r.is_closed()) {
                    r.close();
                }
                return false;
            },
            "Close the reader (if still open).")
        .def("__repr__",
             [](const ReaderCore& r) { return "<pulsar.Reader topic='" + r.topic() + "'>"; });

    // Client.create_reader, added to the Client class registered by register_client.
    py::object client_class = m.attr("Client");
    client_class.attr("create_reader") = py::cpp_function(
        [](const ClientCore& client, const std::string& topic, py::handle start_message_id,
           const RO& configuration, py::object schema, py::handle sink, py::handle future) {
            return ReaderCore::create(client.state(), topic, start_message_id, configuration,
                                      std::move(schema), sink, future);
        },
        py::name("create_reader"), py::is_method(client_class), py::arg("topic"),
        py::arg("start_message_id"), py::arg("configuration"), py::arg("schema"),
        py::arg("sink") = py::none(), py::arg("future") = py::none());
}

}  // namespace fastpulsar
