// The C++ object behind pulsar._core.Client, and what it shares with the producers and
// consumers it created.
#pragma once

#include <pybind11/pybind11.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "abi/client.hpp"
#include "core/options.hpp"
#include "core/send_args.hpp"
#include "runtime/fork.hpp"
#include "runtime/in_flight.hpp"

namespace fastpulsar {

namespace py = pybind11;

class ProducerCore;
class ConsumerCore;
class TableViewCore;
struct ServiceInfoHandle;  // core/service_info.hpp
class DispatchLane;        // runtime/dispatcher.hpp

// Shared by a client and its producers and consumers. libpulsar's client lives as long
// as any of them: a pulsar.Client dropped without close() keeps serving the producers
// and consumers it made, as in pulsar-client (destroying libpulsar's client under a live
// producer loses its pending callbacks). When the last of them goes, libpulsar's client
// is destroyed and the dispatcher loses a user (its threads stop with the last one).
// Destroyed without the GIL: every owner releases it first.
class ClientState {
   public:
    // Takes the client made by ClientCore's constructor, and its message_listener_threads
    // (0 means 1). Counts itself as a user of the dispatcher until it is closed
    // (mark_closed) or destroyed.
    ClientState(std::unique_ptr<pulsar::Client> client, int listener_threads);
    // Without the GIL, on a Python thread (never one of libpulsar's: destroying the client
    // joins them). Inherited through a fork, libpulsar's client is leaked instead: its
    // threads do not exist in the child, and destroying it would wait for them.
    ~ClientState();
    ClientState(const ClientState&) = delete;
    ClientState& operator=(const ClientState&) = delete;

    pulsar::Client& client() { return *client_; }

    // close() or shutdown() has begun: new operations raise AlreadyClosed. Written with
    // the GIL held; read anywhere.
    std::atomic<bool> closing{false};
    // close() has completed (or shutdown() was called): set by mark_closed().
    std::atomic<bool> closed{false};
    // Sets `closed` and, the first time, stops counting as a dispatcher user. Any thread;
    // never throws.
    void mark_closed();
    // The dispatcher's listener lane for the next listener queue of this client's objects:
    // round robin over the first `listener_threads` listener lanes (shared by every client
    // of the process: a client with N threads never has its listeners run on more than N
    // threads at once). Any thread; never throws (but std::bad_alloc).
    DispatchLane& next_listener_lane();
    // shutdown() was called and no close() since: the next close() returns quietly, as in
    // pulsar-client 3.13 (a later one raises AlreadyClosed). Any thread.
    std::atomic<bool> shut_down_unclosed{false};
    // Made in an earlier fork generation: unusable here (runtime/fork.hpp).
    bool inherited() const { return inherited_from_parent(generation_); }
    // Closed (close() completed, or shutdown()) in this process. Any thread; never throws.
    bool closed_here() const { return closed.load(std::memory_order_acquire) && !inherited(); }
    // pulsar.asyncio's receives (consumers' and readers') in flight: libpulsar may drop
    // their failure when the client closes, so close() and shutdown() abandon those still
    // pending with AlreadyClosed once libpulsar's close has returned.
    InFlight receives;

    // GIL held. Throws error_already_set: AlreadyClosed once closing, or inherited
    // through a fork (saying so).
    void check_open() const;
    // GIL held. Throws AlreadyClosed (as check_open) when inherited; never otherwise.
    void check_not_inherited() const;

    // Any thread; never throw (but std::bad_alloc).
    void add_producer(const std::shared_ptr<ProducerCore>& producer);
    std::vector<std::shared_ptr<ProducerCore>> live_producers();
    // The table views made on this client, closed before it (libpulsar's client does not
    // know them: closing it under a table view still reading its topic races with the
    // view's reads). Any thread; never throw (but std::bad_alloc).
    void add_table_view(const std::shared_ptr<TableViewCore>& view);
    std::vector<std::shared_ptr<TableViewCore>> live_table_views();

   private:
    std::unique_ptr<pulsar::Client> client_;
    const uint64_t generation_ = fork_generation();
    const std::size_t listener_threads_;
    std::atomic<std::size_t> next_listener_{0};
    std::mutex mutex_;  // guards producers_ and table_views_
    std::vector<std::weak_ptr<ProducerCore>> producers_;
    std::vector<std::weak_ptr<TableViewCore>> table_views_;
};

// Lets go of a libpulsar handle (Producer, Consumer, Reader, TableView) held by one of the
// client's objects, as its destructor does: released as usual, or, when the object was
// inherited through a fork, leaked with its client (runtime/fork.hpp), since releasing it
// could wait for threads the child does not have. Without the GIL; never throws.
template <typename Handle>
void release_handle(Handle& handle, const ClientState& client) {
    if (client.inherited()) {
        static_cast<void>(std::make_unique<Handle>(std::move(handle)).release());
    } else {
        handle = Handle();
    }
}

// Creates producers and consumers; the Python pulsar.Client checks the arguments and
// builds the configurations it passes here. Every method is called with the GIL held
// and throws error_already_set (the operation's failure, AlreadyClosed,
// KeyboardInterrupt, ...).
class ClientCore {
   public:
    ClientCore(const std::string& service_url, const pulsar::ClientConfiguration& conf);
    // A client made by core/service_info.hpp (cluster failover); `provider` is the Python
    // ServiceInfoProvider behind it (or None), closed with the client.
    ClientCore(std::unique_ptr<pulsar::Client> client, py::object provider,
               int listener_threads = 1);
    // With libpulsar's AutoClusterFailover (see make_failover_client).
    static std::unique_ptr<ClientCore> with_failover(py::handle primary, py::handle secondary,
                                                     int64_t check_interval_ms,
                                                     uint32_t failover_threshold,
                                                     uint32_t switch_back_threshold,
                                                     const pulsar::ClientConfiguration& conf);
    // With a Python pulsar.ServiceInfoProvider (see make_provider_client).
    static std::unique_ptr<ClientCore> with_provider(py::object provider,
                                                     const pulsar::ClientConfiguration& conf);
    ~ClientCore();
    ClientCore(const ClientCore&) = delete;
    ClientCore& operator=(const ClientCore&) = delete;

    // These block and return the result when `sink` is None; otherwise they return None at
    // once and resolve `future` through the LoopSink `sink` (pulsar.asyncio). `self` is
    // this client's Python object. GIL held; throw error_already_set.
    py::object create_producer(const std::string& topic, const ProducerOptions& options,
                               py::object schema, SchemaKind schema_kind, py::handle sink,
                               py::handle future);
    py::object subscribe(py::handle self, py::handle topic, const std::string& subscription,
                         const ConsumerOptions& options, py::object schema, bool is_pattern,
                         py::handle sink, py::handle future);
    py::object get_topic_partitions(const std::string& topic, py::handle sink, py::handle future);
    // The schema registered for `topic` at `version` (-1: the latest), from the broker.
    pulsar::SchemaInfo get_schema_info(const std::string& topic, int64_t version);
    // The cluster in use (still answers once closed, as pulsar-client).
    ServiceInfoHandle get_service_info() const;
    // Closes the producers (after their queued messages: see ProducerCore::close), the
    // consumers and the client; the callbacks of every send made before it have run when
    // it returns. Interrupted (Ctrl-C), it may be called again to finish.
    void close();
    // pulsar.asyncio's close: returns at once and resolves `future` through the LoopSink
    // `sink`. The producers are flushed behind their queued messages, then libpulsar's
    // client is closed, then (on the dispatcher thread) the rest of close() runs. `self`
    // is this client's Python object. GIL held; throws error_already_set (AlreadyClosed).
    void close_async(py::handle self, py::handle sink, py::handle future);
    void shutdown();
    // Closed, or unusable because inherited through a fork.
    bool is_closed() const {
        return state_->closed.load(std::memory_order_acquire) || state_->inherited();
    }
    // What the objects it creates share with it (readers and table views keep it).
    const std::shared_ptr<ClientState>& state() const { return state_; }

   private:
    // Calls the Python provider's close() once; what it raises goes to
    // sys.unraisablehook. GIL held; never throws.
    void close_provider() noexcept;

    // Lets go of the consumers kept (close): taken under mutex_, destroyed outside it.
    // GIL held; never throws.
    void drop_consumers() noexcept;

    std::shared_ptr<ClientState> state_;
    // Guards consumers_ and provider_: any Python thread may subscribe or close at once,
    // and without the GIL (free-threaded CPython) nothing else does. Held for a vector or
    // reference update only: never across a Python call or a wait.
    std::mutex mutex_;
    std::vector<std::shared_ptr<ConsumerCore>> consumers_;
    py::object provider_;  // None once closed
};

}  // namespace fastpulsar
