// ClientCore (see client.hpp).
#include "core/client.hpp"

#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/auth.hpp"
#include "core/consumer.hpp"
#include "core/producer.hpp"
#include "core/service_info.hpp"
#include "core/table_view.hpp"
#include "runtime/convert.hpp"
#include "runtime/dispatcher.hpp"
#include "runtime/errors.hpp"
#include "runtime/gil.hpp"
#include "runtime/loop_sink.hpp"
#include "runtime/resolve_none.hpp"
#include "runtime/wait.hpp"

namespace fastpulsar {

// ---- ClientState ------------------------------------------------------------------------

ClientState::ClientState(std::unique_ptr<pulsar::Client> client, int listener_threads)
    : client_(std::move(client)),
      listener_threads_(static_cast<std::size_t>(std::max(listener_threads, 1))) {
    Dispatcher::instance().add_user();
}

ClientState::~ClientState() {
    if (inherited()) {
        // Intentionally leaked: see the declaration. It counts for the parent's dispatcher,
        // not the child's.
        static_cast<void>(client_.release());
        return;
    }
    // libpulsar's client joins its threads as it goes: what they queued for the dispatcher
    // is queued before it may lose its last user (and its threads stop after serving it).
    client_.reset();
    mark_closed();
}

DispatchLane& ClientState::next_listener_lane() {
    std::size_t next = next_listener_.fetch_add(1, std::memory_order_relaxed);
    return Dispatcher::instance().listener_lane(next % listener_threads_);
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

namespace {

// Adds `item` to `items`, dropping the entries whose object is gone. Caller holds the lock.
template <typename T>
void add_live(std::vector<std::weak_ptr<T>>& items, const std::shared_ptr<T>& item) {
    items.erase(std::remove_if(items.begin(), items.end(),
                               [](const std::weak_ptr<T>& p) { return p.expired(); }),
                items.end());
    items.push_back(item);
}

// The objects of `items` still alive. Caller holds the lock.
template <typename T>
std::vector<std::shared_ptr<T>> collect_live(const std::vector<std::weak_ptr<T>>& items) {
    std::vector<std::shared_ptr<T>> out;
    for (const auto& weak : items) {
        if (auto item = weak.lock()) {
            out.push_back(std::move(item));
        }
    }
    return out;
}

}  // namespace

void ClientState::add_producer(const std::shared_ptr<ProducerCore>& producer) {
    std::lock_guard<std::mutex> lock(mutex_);
    add_live(producers_, producer);
}

std::vector<std::shared_ptr<ProducerCore>> ClientState::live_producers() {
    std::lock_guard<std::mutex> lock(mutex_);
    return collect_live(producers_);
}

void ClientState::add_table_view(const std::shared_ptr<TableViewCore>& view) {
    std::lock_guard<std::mutex> lock(mutex_);
    add_live(table_views_, view);
}

std::vector<std::shared_ptr<TableViewCore>> ClientState::live_table_views() {
    std::lock_guard<std::mutex> lock(mutex_);
    return collect_live(table_views_);
}

// ---- ClientCore -------------------------------------------------------------------------

namespace {

std::unique_ptr<pulsar::Client> make_client(const std::string& service_url,
                                            const pulsar::ClientConfiguration& conf) {
    check_plugin_loaded_for(service_url, conf.getAuthPtr());
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
        // A plain ValueError with libpulsar's words ("The scheme part is missing: ..."), as
        // pulsar-client 3.13.
        raise_value_error(error);
    }
    return client;
}

}  // namespace

ClientCore::ClientCore(const std::string& service_url, const pulsar::ClientConfiguration& conf)
    : state_(std::make_shared<ClientState>(make_client(service_url, conf),
                                           conf.getMessageListenerThreads())) {}

ClientCore::ClientCore(std::unique_ptr<pulsar::Client> client, py::object provider,
                       int listener_threads)
    : state_(std::make_shared<ClientState>(std::move(client), listener_threads)),
      provider_(std::move(provider)) {}

std::unique_ptr<ClientCore> ClientCore::with_failover(py::handle primary, py::handle secondary,
                                                      int64_t check_interval_ms,
                                                      uint32_t failover_threshold,
                                                      uint32_t switch_back_threshold,
                                                      const pulsar::ClientConfiguration& conf) {
    pulsar::ServiceInfo primary_info = unwrap_service_info(primary, "primary");
    std::vector<pulsar::ServiceInfo> secondary_infos;
    for (py::handle item : secondary) {
        secondary_infos.push_back(unwrap_service_info(item, "secondary"));
    }
    if (secondary_infos.empty()) {
        raise_value_error("Argument secondary is expected to contain at least one ServiceInfo");
    }
    auto client = make_failover_client(primary_info, secondary_infos, check_interval_ms,
                                       failover_threshold, switch_back_threshold, conf);
    return std::make_unique<ClientCore>(std::move(client), py::none(),
                                        conf.getMessageListenerThreads());
}

std::unique_ptr<ClientCore> ClientCore::with_provider(py::object provider,
                                                      const pulsar::ClientConfiguration& conf) {
    auto updates = std::make_shared<ServiceInfoUpdates>();
    auto client = make_provider_client(provider, updates, conf);
    auto core = std::make_unique<ClientCore>(std::move(client), std::move(provider),
                                             conf.getMessageListenerThreads());
    // An update the provider sent from initialize() goes to the client now.
    updates->attach(core->state_);
    return core;
}

void ClientCore::close_provider() noexcept {
    if (state_->inherited() || interpreter_finalizing()) {
        return;  // (inherited through a fork: the parent's provider, not the child's)
    }
    py::object provider;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!provider_ || provider_.is_none()) {
            return;
        }
        provider = std::exchange(provider_, py::none());
    }
    py::error_scope pending;  // from a destructor, an exception may be on its way
    try {
        provider.attr("close")();
    } catch (py::error_already_set& e) {
        e.restore();
        report_callback_error(provider.ptr());
    } catch (...) {
        // (a C++ exception from a Python call: nothing to report it through)
    }
}

ServiceInfoHandle ClientCore::get_service_info() const {
    state_->check_not_inherited();
    return ServiceInfoHandle{state_->client().getServiceInfo()};
}

ClientCore::~ClientCore() {
    close_provider();
    // The last owner of the state destroys libpulsar's client, which joins its threads.
    drop_consumers();  // (each releases the GIL as it goes)
    GilRelease nogil;
    state_.reset();
}

void ClientCore::drop_consumers() noexcept {
    std::vector<std::shared_ptr<ConsumerCore>> dropped;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        dropped.swap(consumers_);
    }
    dropped.clear();  // outside the mutex: a consumer's destructor releases the GIL
}

namespace {

// The client state an asynchronous operation finishes with: held weakly, since the operation
// may end on libpulsar's thread, which must not destroy libpulsar's client.
std::shared_ptr<ClientState> lock_state(const std::weak_ptr<ClientState>& weak) {
    auto state = weak.lock();
    if (!state) {
        raise_result(pulsar::ResultAlreadyClosed);
    }
    return state;
}

}  // namespace

py::object ClientCore::create_producer(const std::string& topic, const ProducerOptions& options,
                                       py::object schema, SchemaKind schema_kind, py::handle sink,
                                       py::handle future) {
    state_->check_open();
    std::weak_ptr<ClientState> weak = state_;
    return run_op<pulsar::Producer>(
        sink, future,
        [&](auto done) { state_->client().createProducerAsync(topic, options.conf, done); },
        [weak, options, schema = PyRef(std::move(schema)), schema_kind](
            pulsar::Result result, pulsar::Producer producer) -> py::object {
            if (result != pulsar::ResultOk) {
                raise_result(result);
            }
            auto state = lock_state(weak);
            auto core = std::make_shared<ProducerCore>(
                std::move(producer), py::reinterpret_borrow<py::object>(schema.get()), schema_kind,
                options, state);
            state->add_producer(core);
            return py::cast(core);
        });
}

py::object ClientCore::subscribe(py::handle self, py::handle topic, const std::string& subscription,
                                 const ConsumerOptions& options, py::object schema, bool is_pattern,
                                 py::handle sink, py::handle future) {
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
    return run_op<pulsar::Consumer>(
        sink, future,
        [&](auto done) {
            if (many) {
                state_->client().subscribeAsync(topics, subscription, options.conf, done);
            } else if (is_pattern) {
                state_->client().subscribeWithRegexAsync(single, subscription, options.conf, done);
            } else {
                state_->client().subscribeAsync(single, subscription, options.conf, done);
            }
        },
        [client = PyRef(py::reinterpret_borrow<py::object>(self)),
         schema = PyRef(std::move(schema))](pulsar::Result result,
                                            pulsar::Consumer consumer) -> py::object {
            if (result != pulsar::ResultOk) {
                raise_result(result);
            }
            auto& owner = py::handle(client.get()).cast<ClientCore&>();
            auto core = std::make_shared<ConsumerCore>(
                std::move(consumer), py::reinterpret_borrow<py::object>(schema.get()),
                lock_state(owner.state_));
            // Like pulsar-client, the client keeps its consumers (and so their subscriptions)
            // until they are closed, even when the caller drops them.
            std::vector<std::shared_ptr<ConsumerCore>> closed;
            {
                std::lock_guard<std::mutex> lock(owner.mutex_);
                auto& kept = owner.consumers_;
                auto first_closed = std::stable_partition(
                    kept.begin(), kept.end(), [](const auto& c) { return !c->is_closed(); });
                std::move(first_closed, kept.end(), std::back_inserter(closed));
                kept.erase(first_closed, kept.end());
                kept.push_back(core);
            }
            return py::cast(core);  // (the closed ones are released after, outside the mutex)
        });
}

py::object ClientCore::get_topic_partitions(const std::string& topic, py::handle sink,
                                            py::handle future) {
    state_->check_open();
    return run_op<std::vector<std::string>>(
        sink, future, [&](auto done) { state_->client().getPartitionsForTopicAsync(topic, done); },
        [](pulsar::Result result, std::vector<std::string> partitions) -> py::object {
            if (result != pulsar::ResultOk) {
                raise_result(result);
            }
            return py::cast(partitions);
        });
}

pulsar::SchemaInfo ClientCore::get_schema_info(const std::string& topic, int64_t version) {
    state_->check_open();
    auto [result, info] = call_blocking<pulsar::SchemaInfo>(
        [&](const std::shared_ptr<Pending<pulsar::SchemaInfo>>& pending) {
            state_->client().getSchemaInfoAsync(
                topic, version, [pending](pulsar::Result r, const pulsar::SchemaInfo& found) {
                    pending->complete(r, found);
                });
        });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
    return info;
}

void ClientCore::close() {
    state_->check_not_inherited();
    if (state_->shut_down_unclosed.exchange(false)) {
        return;  // after shutdown(): quietly, once (pulsar-client 3.13)
    }
    if (state_->closed.load(std::memory_order_acquire)) {
        raise_result(pulsar::ResultAlreadyClosed);
    }
    // New operations raise AlreadyClosed from here. Each step below may be interrupted
    // (KeyboardInterrupt) and is safe to run again: a second close() finishes the job.
    state_->closing.store(true, std::memory_order_release);
    for (auto& view : state_->live_table_views()) {
        if (view->stop_for_client()) {
            call_blocking_result(
                [&](const pulsar::ResultCallback& cb) { view->close_handle_async(cb); });
        }
    }
    auto producers = state_->live_producers();
    for (auto& producer : producers) {
        producer->prepare_close();
    }
    pulsar::Result result = call_blocking_result(
        [&](const pulsar::ResultCallback& cb) { state_->client().closeAsync(cb); });
    state_->receives.abandon_all(pulsar::ResultAlreadyClosed);
    drop_consumers();
    // Closing fails the sends still pending: their callbacks have run on return.
    for (auto& producer : producers) {
        producer->finish_close();
    }
    state_->mark_closed();
    close_provider();
    if (result != pulsar::ResultOk && result != pulsar::ResultAlreadyClosed) {
        raise_result(result);
    }
}

namespace {

// Runs `then` once arrive() has been called `count` times, on the thread of the last
// arrival. Any thread; never throws (but what `then` throws).
class Countdown {
   public:
    Countdown(std::size_t count, std::function<void()> then)
        : left_(count), then_(std::move(then)) {}
    void arrive() {
        if (left_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            then_();
        }
    }

   private:
    std::atomic<std::size_t> left_;
    std::function<void()> then_;
};

}  // namespace

void ClientCore::close_async(py::handle self, py::handle sink, py::handle future) {
    state_->check_not_inherited();
    if (state_->shut_down_unclosed.exchange(false)) {
        // After shutdown(): resolves quietly, once (pulsar-client 3.13).
        resolve_none_soon(sink, future);
        return;
    }
    if (state_->closed.load(std::memory_order_acquire) ||
        state_->closing.load(std::memory_order_acquire)) {
        raise_result(pulsar::ResultAlreadyClosed);
    }
    auto finish = [self = PyRef(py::reinterpret_borrow<py::object>(self))](pulsar::Result result,
                                                                           Nothing) -> py::object {
        // On the dispatcher thread, after libpulsar's close: the rest of close().
        auto& core = py::handle(self.get()).cast<ClientCore&>();
        core.drop_consumers();
        for (auto& producer : core.state_->live_producers()) {
            producer->finish_close();
        }
        core.state_->mark_closed();
        core.close_provider();
        if (result != pulsar::ResultOk && result != pulsar::ResultAlreadyClosed) {
            raise_result(result);
        }
        return py::none();
    };
    auto op = std::make_shared<AsyncOp<Nothing, decltype(finish)>>(sink, future, std::move(finish));
    // New operations raise AlreadyClosed from here.
    state_->closing.store(true, std::memory_order_release);
    auto producers = state_->live_producers();
    auto views = state_->live_table_views();
    std::weak_ptr<ClientState> weak = state_;
    auto countdown = std::make_shared<Countdown>(producers.size() + views.size() + 1, [weak, op] {
        if (auto state = weak.lock()) {
            state->client().closeAsync([op, weak](pulsar::Result r) {
                if (auto closed = weak.lock()) {
                    closed->receives.abandon_all(pulsar::ResultAlreadyClosed);
                }
                op->complete(r, Nothing{});
            });
        } else {
            op->complete(pulsar::ResultAlreadyClosed, Nothing{});
        }
    });
    for (auto& producer : producers) {
        try {
            producer->prepare_close_async([countdown] { countdown->arrive(); });
        } catch (py::error_already_set&) {
            countdown->arrive();  // closed already: nothing to flush
        }
    }
    for (auto& view : views) {
        if (view->stop_for_client()) {
            GilRelease nogil;
            view->close_handle_async([countdown](pulsar::Result) { countdown->arrive(); });
        } else {
            countdown->arrive();
        }
    }
    countdown->arrive();
}

void ClientCore::shutdown() {
    state_->check_not_inherited();
    state_->closing.store(true, std::memory_order_release);
    if (!state_->closed.load(std::memory_order_acquire)) {
        state_->shut_down_unclosed.store(true, std::memory_order_release);
    }
    state_->mark_closed();
    {
        GilRelease nogil;
        state_->client().shutdown();
        state_->receives.abandon_all(pulsar::ResultAlreadyClosed);
    }
    close_provider();
}

}  // namespace fastpulsar
