// The C++ object behind pulsar.Consumer.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <memory>

#include "abi/client.hpp"
#include "core/client.hpp"

namespace fastpulsar {

namespace py = pybind11;

class ConsumerCore {
   public:
    ConsumerCore(pulsar::Consumer consumer, py::object schema, std::shared_ptr<ClientState> client);
    ~ConsumerCore();
    ConsumerCore(const ConsumerCore&) = delete;
    ConsumerCore& operator=(const ConsumerCore&) = delete;

    // Called with the GIL held; they throw error_already_set (AlreadyClosed, the
    // operation's failure, KeyboardInterrupt, ...).
    py::object receive(py::handle timeout_millis);
    void acknowledge(py::handle message);
    void acknowledge_cumulative(py::handle message);
    void negative_acknowledge(py::handle message);
    void unsubscribe();
    void close();
    bool is_closed() const {
        return closed_.load() || client_->closed.load() || client_->inherited();
    }

    const pulsar::Consumer& consumer() const { return consumer_; }

   private:
    void check_open() const;

    pulsar::Consumer consumer_;
    py::object schema_;
    std::shared_ptr<ClientState> client_;
    std::atomic<bool> closed_{false};
};

}  // namespace fastpulsar
