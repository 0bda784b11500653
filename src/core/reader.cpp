// ReaderCore: create, read_next, has_message_available, seek, close (see reader.hpp).
#include "core/reader.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "core/message.hpp"
#include "core/message_id.hpp"
#include "core/seek.hpp"
#include "runtime/callback_op.hpp"
#include "runtime/convert.hpp"
#include "runtime/errors.hpp"
#include "runtime/gil.hpp"
#include "runtime/loop_sink.hpp"
#include "runtime/resolve_none.hpp"
#include "runtime/wait.hpp"

namespace fastpulsar {
ReaderCore::ReaderCore(pulsar::Reader reader, py::object schema,
                       std::shared_ptr<ClientState> client)
    : reader_(std::move(reader)), schema_(std::move(schema)), client_(std::move(client)) {}

ReaderCore::~ReaderCore() {
    if (listener_) {
        listener_->close();
    }
    GilRelease nogil;
    release_handle(reader_, *client_);
    client_.reset();  // may be the last owner of libpulsar's client: without the GIL
}

py::object ReaderCore::create(const std::shared_ptr<ClientState>& client, const std::string& topic,
                              py::handle start, const ReaderOptions& options, py::object schema,
                              py::handle sink, py::handle future) {
    const pulsar::MessageId* start_id = unwrap_message_id(start);
    if (start_id == nullptr) {
        raise_type_error("start_message_id", "a MessageId", start.ptr());
    }
    client->check_open();
    // Weakly: an asynchronous creation may end on libpulsar's thread, which must not destroy
    // libpulsar's client.
    std::weak_ptr<ClientState> weak = client;
    return run_op<pulsar::Reader>(
        sink, future,
        [&](auto done) {
            client->client().createReaderAsync(topic, *start_id, options.conf, done);
        },
        [weak, options, schema = PyRef(std::move(schema))](pulsar::Result result,
                                                           pulsar::Reader reader) -> py::object {
            if (result != pulsar::ResultOk) {
                raise_result(result);
            }
            auto state = weak.lock();
            if (!state) {
                raise_result(pulsar::ResultAlreadyClosed);
            }
            auto core = std::make_shared<ReaderCore>(
                std::move(reader), py::reinterpret_borrow<py::object>(schema.get()), state);
            if (options.listener) {
                core->listener_ = options.listener;
                options.listener->attach(core);
            }
            return py::cast(core);
        });
}

void ReaderCore::check_open() const {
    client_->check_open();
    if (closed_.load(std::memory_order_acquire)) {
        raise_result(pulsar::ResultAlreadyClosed);
    }
}

py::object ReaderCore::read(py::handle timeout_millis, bool iterating) {
    if (iterating && is_closing()) {
        throw py::stop_iteration();
    }
    check_open();
    pulsar::Message message;
    pulsar::Result result = wait_in_slices(
        timeout_millis, [&](int slice_ms) { return reader_.readNext(message, slice_ms); },
        [&] { return iterating && is_closing(); });
    if (result == pulsar::ResultOk) {
        return wrap_message(std::move(message), schema_);
    }
    if (iterating && is_closing()) {
        throw py::stop_iteration();
    }
    raise_result(result);  // Timeout included
}

py::object ReaderCore::read_next(py::handle timeout_millis) { return read(timeout_millis, false); }

py::object ReaderCore::next() { return read(py::none(), true); }

bool ReaderCore::has_message_available() {
    check_open();
    auto [result, available] =
        call_blocking<bool>([&](const std::shared_ptr<Pending<bool>>& pending) {
            reader_.hasMessageAvailableAsync(
                [pending](pulsar::Result r, bool has) { pending->complete(r, has); });
        });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
    return available;
}

void ReaderCore::seek(py::handle target) {
    check_open();
    seek_to(reader_, target);
}

bool ReaderCore::closed_with_client() {
    if (!client_->closed_here()) {
        return false;
    }
    // The client's close (or shutdown) closed this reader: closing it again is quiet, as
    // in pulsar-client 3.13.
    closing_.store(true, std::memory_order_release);
    if (listener_) {
        listener_->close();
    }
    closed_.store(true, std::memory_order_release);
    return true;
}

void ReaderCore::close() {
    if (closed_with_client()) {
        return;
    }
    check_open();
    closing_.store(true, std::memory_order_release);
    if (listener_) {
        listener_->close();  // no listener call from now; frees libpulsar's listener thread
    }
    pulsar::Result result =
        call_blocking_result([&](const pulsar::ResultCallback& cb) { reader_.closeAsync(cb); });
    closed_.store(true, std::memory_order_release);
    if (result != pulsar::ResultOk && result != pulsar::ResultAlreadyClosed) {
        raise_result(result);
    }
}

py::object ReaderCore::try_read_next() {
    check_open();
    pulsar::Message message;
    pulsar::Result result = reader_.readNext(message, 0);  // a zero timeout never waits
    if (result == pulsar::ResultOk) {
        return wrap_message(std::move(message), schema_);
    }
    if (result == pulsar::ResultTimeout) {
        return py::none();
    }
    raise_result(result);
}

void ReaderCore::read_next_async(py::handle sink, py::handle future) {
    check_open();
    run_op<pulsar::Message>(
        sink, future, [&](auto done) { reader_.readNextAsync(done); },
        [schema = PyRef(schema_)](pulsar::Result result, pulsar::Message message) -> py::object {
            if (result != pulsar::ResultOk) {
                raise_result(result);
            }
            return wrap_message(std::move(message), schema.get());
        },
        &client_->receives);
}

void ReaderCore::has_message_available_async(py::handle sink, py::handle future) {
    check_open();
    run_op<bool>(
        sink, future, [&](auto done) { reader_.hasMessageAvailableAsync(done); },
        [](pulsar::Result result, bool available) -> py::object {
            if (result != pulsar::ResultOk) {
                raise_result(result);
            }
            return py::bool_(available);
        });
}

void ReaderCore::seek_async(py::handle target, py::handle sink, py::handle future) {
    check_open();
    seek_op(reader_, target, sink, future);
}

void ReaderCore::close_async(py::handle self, py::handle sink, py::handle future) {
    if (closed_with_client()) {
        resolve_none_soon(sink, future);
        return;
    }
    check_open();
    closing_.store(true, std::memory_order_release);
    if (listener_) {
        listener_->close();
    }
    run_op<Nothing>(
        sink, future, [&](auto done) { reader_.closeAsync(done); },
        [self = PyRef(py::reinterpret_borrow<py::object>(self))](pulsar::Result result,
                                                                 Nothing) -> py::object {
            py::handle(self.get())
                .cast<ReaderCore&>()
                .closed_.store(true, std::memory_order_release);
            if (result != pulsar::ResultOk && result != pulsar::ResultAlreadyClosed) {
                raise_result(result);
            }
            return py::none();
        });
}

// ---- pulsar-client 3.13's _pulsar.Reader *_async(..., callback) ----------------------------

bool ReaderCore::client_gone() const {
    client_->check_not_inherited();
    return client_->closed.load(std::memory_order_acquire);
}

void ReaderCore::read_next_with_callback(py::handle callback) {
    run_callback_op<pulsar::Message>(
        callback, client_gone(), [&](auto done) { reader_.readNextAsync(done); },
        [schema = PyRef(schema_)](pulsar::Result result, pulsar::Message message) -> py::object {
            if (result != pulsar::ResultOk) {
                return py::none();
            }
            return wrap_message(std::move(message), schema.get());
        },
        &client_->receives);
}

void ReaderCore::has_message_available_with_callback(py::handle callback) {
    run_callback_op<bool>(
        callback, client_gone(), [&](auto done) { reader_.hasMessageAvailableAsync(done); },
        [](pulsar::Result, bool available) -> py::object { return py::bool_(available); });
}

void ReaderCore::seek_with_callback(py::handle target, py::handle callback) {
    fastpulsar::seek_with_callback(reader_, target, callback, client_gone());
}

void ReaderCore::close_with_callback(py::handle self, py::handle callback) {
    check_callback(callback);
    bool gone = client_gone();
    if (!gone) {
        closing_.store(true, std::memory_order_release);
        if (listener_) {
            listener_->close();
        }
    }
    run_callback_op<Nothing>(
        callback, gone, [&](auto done) { reader_.closeAsync(done); },
        [self = PyRef(py::reinterpret_borrow<py::object>(self))](pulsar::Result,
                                                                 Nothing) -> py::object {
            py::handle(self.get())
                .cast<ReaderCore&>()
                .closed_.store(true, std::memory_order_release);
            return py::none();
        });
}

PyObject* reader_read_next(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                           PyObject* kwnames) {
    return c_api_call([&] {
        PyObject* timeout =
            single_argument("read_next", "timeout_millis", args, nargs, kwnames, Py_None);
        return py::handle(self).cast<ReaderCore&>().read_next(timeout).release().ptr();
    });
}

}  // namespace fastpulsar
