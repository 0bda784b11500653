// The C++ object behind pulsar._core.Client, and what it shares with the producers and
// consumers it created.
#pragma once

#include <pybind11/pybind11.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "abi/client.hpp"
#include "core/options.hpp"
#include "core/send_args.hpp"

namespace fastpulsar {

namespace py = pybind11;

class ProducerCore;
class ConsumerCore;

// Shared by a client and its producers and consumers. Any thread; never throws (but
// std::bad_alloc).
struct ClientState {
    std::atomic<bool> closed{false};

    void add_producer(const std::shared_ptr<ProducerCore>& producer) {
        std::lock_guard<std::mutex> lock(mutex);
        producers.erase(
            std::remove_if(producers.begin(), producers.end(),
                           [](const std::weak_ptr<ProducerCore>& p) { return p.expired(); }),
            producers.end());
        producers.push_back(producer);
    }

    std::vector<std::shared_ptr<ProducerCore>> live_producers() {
        std::lock_guard<std::mutex> lock(mutex);
        std::vector<std::shared_ptr<ProducerCore>> out;
        for (auto& weak : producers) {
            if (auto producer = weak.lock()) {
                out.push_back(std::move(producer));
            }
        }
        return out;
    }

   private:
    std::mutex mutex;
    std::vector<std::weak_ptr<ProducerCore>> producers;
};

// Creates producers and consumers; the Python pulsar.Client checks the arguments and
// builds the configurations it passes here. Every method is called with the GIL held
// and throws error_already_set (the operation's failure, AlreadyClosed,
// KeyboardInterrupt, ...).
class ClientCore {
   public:
    ClientCore(const std::string& service_url, const pulsar::ClientConfiguration& conf);
    ~ClientCore();
    ClientCore(const ClientCore&) = delete;
    ClientCore& operator=(const ClientCore&) = delete;

    std::shared_ptr<ProducerCore> create_producer(const std::string& topic,
                                                  const ProducerOptions& options, py::object schema,
                                                  SchemaKind schema_kind);
    std::shared_ptr<ConsumerCore> subscribe(py::handle topic, const std::string& subscription,
                                            const ConsumerOptions& options, py::object schema,
                                            bool is_pattern);
    std::vector<std::string> get_topic_partitions(const std::string& topic);
    void close();
    void shutdown();
    bool is_closed() const { return state_->closed.load(std::memory_order_acquire); }

   private:
    void check_open() const;

    std::unique_ptr<pulsar::Client> client_;
    std::shared_ptr<ClientState> state_;
    std::vector<std::shared_ptr<ConsumerCore>> consumers_;  // GIL-protected
};

}  // namespace fastpulsar
