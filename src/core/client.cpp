// ClientCore (see client.hpp).
#include "core/client.hpp"

#include <stdexcept>
#include <utility>

#include "core/consumer.hpp"
#include "core/producer.hpp"
#include "runtime/convert.hpp"
#include "runtime/dispatcher.hpp"
#include "runtime/errors.hpp"
#include "runtime/gil.hpp"
#include "runtime/wait.hpp"

namespace fastpulsar {

// ---- ClientState ------------------------------------------------------------------------

ClientState::ClientState(std::unique_ptr<pulsar::Client> client) : client_(std::move(client)) {
    Dispatcher::instance().add_user();
}

ClientState::~ClientState() {
    if (inherited()) {
        // Intentionally leaked: see the declaration. It counts for the parent's dispatcher,
        // not the child's.
        static_cast<void>(client_.release());
        return;
    }
    mark_closed();
    // libpulsar's client joins its threads as it goes.
}

void ClientState::mark_closed() {
    if (!closed.exchange(true, std::memory_order_acq_rel) && !inherited()) {
        Dispatcher::instance().remove_user();
    }
}

void ClientState::check_not_inherited() const {
    if (inherited()) {
        raise_result(pulsar::ResultAlreadyClosed, kInheritedFromParent);
    }
}

void ClientState::check_open() const {
    check_not_inherited();
    if (closing.load(std::memory_order_acquire)) {
        raise_result(pulsar::ResultAlreadyClosed);
    }
}

void ClientState::add_producer(const std::shared_ptr<ProducerCore>& producer) {
    std::lock_guard<std::mutex> lock(mutex_);
    producers_.erase(
        std::remove_if(producers_.begin(), producers_.end(),
                       [](const std::weak_ptr<ProducerCore>& p) { return p.expired(); }),
        producers_.end());
    producers_.push_back(producer);
}

std::vector<std::shared_ptr<ProducerCore>> ClientState::live_producers() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::shared_ptr<ProducerCore>> out;
    for (auto& weak : producers_) {
        if (auto producer = weak.lock()) {
            out.push_back(std::move(producer));
        }
    }
    return out;
}

// ---- ClientCore -------------------------------------------------------------------------

namespace {

std::unique_ptr<pulsar::Client> make_client(const std::string& service_url,
                                            const pulsar::ClientConfiguration& conf) {
    std::unique_ptr<pulsar::Client> client;
    std::string error;
    {
        GilRelease nogil;
        try {
            client = std::make_unique<pulsar::Client>(service_url, conf);
        } catch (const std::invalid_argument& e) {
            error = e.what();
        }
    }
    if (!client) {
        raise_result(pulsar::ResultInvalidUrl,
                     "Invalid service URL '" + service_url + "': " + error);
    }
    return client;
}

}  // namespace

ClientCore::ClientCore(const std::string& service_url, const pulsar::ClientConfiguration& conf)
    : state_(std::make_shared<ClientState>(make_client(service_url, conf))) {}

ClientCore::~ClientCore() {
    // The last owner of the state destroys libpulsar's client, which joins its threads.
    consumers_.clear();  // (each releases the GIL as it goes)
    GilRelease nogil;
    state_.reset();
}

std::shared_ptr<ProducerCore> ClientCore::create_producer(const std::string& topic,
                                                          const ProducerOptions& options,
                                                          py::object schema,
                                                          SchemaKind schema_kind) {
    state_->check_open();
    auto [result, producer] = call_blocking<pulsar::Producer>(
        [&](const std::shared_ptr<Pending<pulsar::Producer>>& pending) {
            state_->client().createProducerAsync(topic, options.conf,
                                                 [pending](pulsar::Result r, pulsar::Producer p) {
                                                     pending->complete(r, std::move(p));
                                                 });
        });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
    auto core = std::make_shared<ProducerCore>(std::move(producer), std::move(schema), schema_kind,
                                               options, state_);
    state_->add_producer(core);
    return core;
}

std::shared_ptr<ConsumerCore> ClientCore::subscribe(py::handle topic,
                                                    const std::string& subscription,
                                                    const ConsumerOptions& options,
                                                    py::object schema, bool is_pattern) {
    state_->check_open();
    std::string single;
    std::vector<std::string> topics;
    bool many = false;
    if (PyList_Check(topic.ptr()) || PyTuple_Check(topic.ptr())) {
        many = true;
        for (py::handle item : topic) {
            topics.push_back(as_string(item.ptr(), "topic"));
        }
    } else {
        single = as_string(topic.ptr(), "topic");
    }
    auto [result, consumer] = call_blocking<pulsar::Consumer>(
        [&](const std::shared_ptr<Pending<pulsar::Consumer>>& pending) {
            pulsar::SubscribeCallback done = [pending](pulsar::Result r, pulsar::Consumer c) {
                pending->complete(r, std::move(c));
            };
            if (many) {
                state_->client().subscribeAsync(topics, subscription, options.conf, done);
            } else if (is_pattern) {
                state_->client().subscribeWithRegexAsync(single, subscription, options.conf, done);
            } else {
                state_->client().subscribeAsync(single, subscription, options.conf, done);
            }
        });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
    auto core = std::make_shared<ConsumerCore>(std::move(consumer), std::move(schema), state_);
    // Like pulsar-client, the client keeps its consumers (and so their subscriptions)
    // until they are closed, even when the caller drops them.
    consumers_.erase(std::remove_if(consumers_.begin(), consumers_.end(),
                                    [](const auto& c) { return c->is_closed(); }),
                     consumers_.end());
    consumers_.push_back(core);
    return core;
}

std::vector<std::string> ClientCore::get_topic_partitions(const std::string& topic) {
    state_->check_open();
    auto [result, partitions] = call_blocking<std::vector<std::string>>(
        [&](const std::shared_ptr<Pending<std::vector<std::string>>>& pending) {
            state_->client().getPartitionsForTopicAsync(
                topic, [pending](pulsar::Result r, const std::vector<std::string>& names) {
                    pending->complete(r, names);
                });
        });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
    return partitions;
}

void ClientCore::close() {
    state_->check_not_inherited();
    if (state_->closed.load(std::memory_order_acquire)) {
        raise_result(pulsar::ResultAlreadyClosed);
    }
    // New operations raise AlreadyClosed from here. Each step below may be interrupted
    // (KeyboardInterrupt) and is safe to run again: a second close() finishes the job.
    state_->closing.store(true, std::memory_order_release);
    auto producers = state_->live_producers();
    for (auto& producer : producers) {
        producer->prepare_close();
    }
    pulsar::Result result = call_blocking_result(
        [&](const pulsar::ResultCallback& cb) { state_->client().closeAsync(cb); });
    consumers_.clear();
    // Closing fails the sends still pending: their callbacks have run on return.
    for (auto& producer : producers) {
        producer->finish_close();
    }
    state_->mark_closed();
    if (result != pulsar::ResultOk && result != pulsar::ResultAlreadyClosed) {
        raise_result(result);
    }
}

void ClientCore::shutdown() {
    state_->check_not_inherited();
    state_->closing.store(true, std::memory_order_release);
    state_->mark_closed();
    GilRelease nogil;
    state_->client().shutdown();
}

}  // namespace fastpulsar
