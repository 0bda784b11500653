// The C++ object behind pulsar.Reader, and the configuration the Python layer fills in
// before Client.create_reader makes one.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <memory>
#include <string>

#include "abi/reader.hpp"
#include "core/client.hpp"
#include "core/listener.hpp"

namespace fastpulsar {

namespace py = pybind11;

struct ReaderOptions {
    pulsar::ReaderConfiguration conf;
    // create_reader(reader_listener=...): the queue its messages wait in; null without one.
    std::shared_ptr<MessageListenerQueue> listener;
};

class ReaderCore {
   public:
    ReaderCore(pulsar::Reader reader, py::object schema, std::shared_ptr<ClientState> client);
    // Without the GIL for libpulsar's part (it may be the last owner of the client).
    ~ReaderCore();
    ReaderCore(const ReaderCore&) = delete;
    ReaderCore& operator=(const ReaderCore&) = delete;

    // Creates a reader on `client`, positioned after `start` (a pulsar.MessageId); with
    // `options.listener`, serving its messages starts once the reader exists. GIL
    // held; throws error_already_set (InvalidArgumentType, the creation's failure,
    // AlreadyClosed, KeyboardInterrupt).
    // With a LoopSink and one of its futures (pulsar.asyncio), returns None at once and
    // resolves the future with the reader instead (see run_op).
    static py::object create(const std::shared_ptr<ClientState>& client, const std::string& topic,
                             py::handle start, const ReaderOptions& options, py::object schema,
                             py::handle sink, py::handle future);

    // Called with the GIL held; they throw error_already_set (AlreadyClosed, Timeout, the
    // operation's failure, KeyboardInterrupt, ...).
    py::object read_next(py::handle timeout_millis);
    // For `for msg in reader`: the next message, waiting for it; throws
    // py::stop_iteration once the reader (or its client) is closed or closing.
    py::object next();
    bool has_message_available();
    // `target`: a pulsar.MessageId, or an int timestamp in milliseconds since the epoch.
    void seek(py::handle target);
    void close();

    // pulsar.asyncio: a message libpulsar holds already, or None; never waits. GIL held;
    // throws error_already_set (AlreadyClosed, ...).
    py::object try_read_next();
    // pulsar.asyncio: start the operation and return; its outcome resolves `future` through
    // the LoopSink `sink`. GIL held; throw error_already_set for what fails first.
    void read_next_async(py::handle sink, py::handle future);
    void has_message_available_async(py::handle sink, py::handle future);
    void seek_async(py::handle target, py::handle sink, py::handle future);
    // `self` is this reader's Python object (kept until the close completes).
    void close_async(py::handle self, py::handle sink, py::handle future);

    // pulsar-client 3.13's _pulsar.Reader methods *_async(..., callback): start the
    // operation and return; callback(result) or callback(result, value) runs exactly once,
    // on the dispatcher thread (runtime/callback_op.hpp). GIL held; they throw
    // error_already_set (InvalidArgumentType) for a bad argument only: the operation's
    // failure, AlreadyClosed included, goes to the callback.
    void read_next_with_callback(py::handle callback);
    void has_message_available_with_callback(py::handle callback);
    void seek_with_callback(py::handle target, py::handle callback);
    // `self` is this reader's Python object (kept until the close completes).
    void close_with_callback(py::handle self, py::handle callback);

    // Any thread, GIL or not; never throw.
    const std::string& topic() const { return reader_.getTopic(); }
    bool is_connected() const { return reader_.isConnected(); }
    bool is_closed() const {
        return closed_.load() || client_->closed.load() || client_->inherited();
    }
    // The client it was made by (its listener's lane comes from it). Any thread.
    const std::shared_ptr<ClientState>& client_state() const { return client_; }
    // close() begun here or on the client: no reader_listener call starts any more.
    bool is_closing() const { return closing_.load() || client_->closing.load() || is_closed(); }

   private:
    // When the client is closed (or shut down) in this process: marks this object closed,
    // stops its listener, and returns true (its close() is then quiet, as in pulsar-client
    // 3.13). GIL held; never throws.
    bool closed_with_client();
    void check_open() const;
    // For the callback methods: whether the client is closed (libpulsar is not asked then;
    // the callback gets AlreadyClosed). Throws AlreadyClosed when inherited through a fork.
    bool client_gone() const;
    py::object read(py::handle timeout_millis, bool iterating);

    pulsar::Reader reader_;
    py::object schema_;
    std::shared_ptr<ClientState> client_;
    std::atomic<bool> closing_{false};                // close() has begun
    std::atomic<bool> closed_{false};                 // close() has completed
    std::shared_ptr<MessageListenerQueue> listener_;  // set once by create(); null without one
};

// Reader.read_next(timeout_millis=None) as a METH_FASTCALL function (a reader's hot path):
// `self` is a pulsar.Reader. C API entry point: GIL held, returns a new reference or nullptr
// with the Python error set.
PyObject* reader_read_next(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                           PyObject* kwnames);

}  // namespace fastpulsar
