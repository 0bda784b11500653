// The C++ object behind pulsar.Producer.
#pragma once

#include <pybind11/pybind11.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>

#include "client_state.hpp"
#include "libpulsar.hpp"
#include "options.hpp"

namespace fastpulsar {

namespace py = pybind11;

// How content becomes the payload.
enum class SchemaKind { Bytes, String, Other };

class ProducerCore {
   public:
    ProducerCore(pulsar::Producer producer, py::object schema, const ProducerOptions& options,
                 std::shared_ptr<ClientState> client);
    ~ProducerCore();
    ProducerCore(const ProducerCore&) = delete;
    ProducerCore& operator=(const ProducerCore&) = delete;

    // Called with the GIL held by the pulsar.Producer methods.
    void check_open() const;
    bool is_closed() const { return closed_.load() || client_->closed.load(); }
    pulsar::Message build(PyObject* const* args) const;  // args: see kSendParams
    void send_async(PyObject* self, const pulsar::Message& message, PyObject* callback);
    py::object send(const pulsar::Message& message);
    void flush();
    void close();
    // Waits until the callbacks of every send_async made so far have run.
    void wait_for_callbacks();
    // Called with the GIL held once the producer (or its client) is marked closed:
    // waits until no thread is inside libpulsar's sendAsync for it. libpulsar can
    // lose the callback of a send that races with closing the producer; with no
    // send in flight through sendAsync when closeAsync starts, there is no race.
    void wait_for_sends_to_leave() const;

    const pulsar::Producer& producer() const { return producer_; }

    // On the dispatcher thread, with the GIL held.
    // Drops the reference the send took: may destroy this object.
    void on_callback_done();

   private:
    pulsar::Producer producer_;
    py::object schema_;
    SchemaKind schema_kind_;
    bool batching_;
    bool block_if_queue_full_;
    int64_t block_threshold_;  // in-flight sends above which sendAsync may block
    std::shared_ptr<ClientState> client_;
    std::atomic<bool> closed_{false};
    PyObject* self_ = nullptr;  // the pulsar.Producer; a reference is held per send in flight

    uint64_t sent_async_ = 0;               // GIL-protected
    std::atomic<uint64_t> callbacks_done_{0};  // written on the dispatcher thread
    std::atomic<int64_t> in_flight_{0};     // sent and not yet completed by libpulsar
    // Threads inside sendAsync without the GIL (the blocking path and send()).
    mutable std::atomic<int> sends_without_gil_{0};
};

}  // namespace fastpulsar
