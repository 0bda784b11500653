// ClientCore (see client.hpp).
#include "core/client.hpp"

#include <stdexcept>
#include <utility>

#include "core/consumer.hpp"
#include "core/producer.hpp"
#include "runtime/convert.hpp"
#include "runtime/errors.hpp"
#include "runtime/gil.hpp"
#include "runtime/wait.hpp"

namespace fastpulsar {

ClientCore::ClientCore(const std::string& service_url, const pulsar::ClientConfiguration& conf)
    : state_(std::make_shared<ClientState>()) {
    std::string error;
    {
        GilRelease nogil;
        try {
            client_ = std::make_unique<pulsar::Client>(service_url, conf);
        } catch (const std::invalid_argument& e) {
            error = e.what();
        }
    }
    if (!client_) {
        raise_result(pulsar::ResultInvalidUrl,
                     "Invalid service URL '" + service_url + "': " + error);
    }
}

ClientCore::~ClientCore() {
    // libpulsar's client joins its threads when the last handle goes.
    GilRelease nogil;
    client_.reset();
}

void ClientCore::check_open() const {
    if (is_closed()) {
        raise_result(pulsar::ResultAlreadyClosed);
    }
}

std::shared_ptr<ProducerCore> ClientCore::create_producer(const std::string& topic,
                                                          const ProducerOptions& options,
                                                          py::object schema,
                                                          SchemaKind schema_kind) {
    check_open();
    auto [result, producer] = call_blocking<pulsar::Producer>(
        [&](const std::shared_ptr<Pending<pulsar::Producer>>& pending) {
            client_->createProducerAsync(topic, options.conf,
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
    check_open();
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
                client_->subscribeAsync(topics, subscription, options.conf, done);
            } else if (is_pattern) {
                client_->subscribeWithRegexAsync(single, subscription, options.conf, done);
            } else {
                client_->subscribeAsync(single, subscription, options.conf, done);
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
    check_open();
    auto [result, partitions] = call_blocking<std::vector<std::string>>(
        [&](const std::shared_ptr<Pending<std::vector<std::string>>>& pending) {
            client_->getPartitionsForTopicAsync(
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
    check_open();
    state_->closed.store(true, std::memory_order_release);  // new sends raise from here
    auto producers = state_->live_producers();
    for (auto& producer : producers) {
        producer->wait_for_sends_to_leave();
        producer->flush_before_close();
    }
    pulsar::Result result =
        call_blocking_result([&](const pulsar::ResultCallback& cb) { client_->closeAsync(cb); });
    consumers_.clear();
    // Closing fails the sends still pending: their callbacks have run on return.
    for (auto& producer : producers) {
        producer->wait_for_callbacks();
    }
    if (result != pulsar::ResultOk && result != pulsar::ResultAlreadyClosed) {
        raise_result(result);
    }
}

void ClientCore::shutdown() {
    state_->closed.store(true, std::memory_order_release);
    GilRelease nogil;
    client_->shutdown();
}

}  // namespace fastpulsar
