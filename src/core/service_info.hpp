// Cluster failover: pulsar._core.ServiceInfo (libpulsar's ServiceInfo), the clients made
// from libpulsar's AutoClusterFailover or from a Python ServiceInfoProvider, and the path
// by which a Python provider's callback switches its client to another cluster.
//
// Threads: libpulsar calls a provider's initialServiceInfo() and initialize() inside
// Client::create, on the thread creating the client (checked: pulsar-client 3.13 sees
// the same); only there is Python called, with the GIL the creating thread holds. The
// provider is destroyed by libpulsar when the client closes, possibly on one of its own
// threads: its destructor touches no Python object. The provider's close() is called by
// ClientCore (core/client.hpp), with the GIL, when the client is closed or collected.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "abi/service_info.hpp"

namespace fastpulsar {

namespace py = pybind11;

class ClientState;

// pulsar._core.ServiceInfo: one cluster's service URL, authentication and trust store.
struct ServiceInfoHandle {
    pulsar::ServiceInfo info;
};

// GIL held. `authentication` is None or a pulsar._core.AuthenticationHandle. Throws
// error_already_set: InvalidUrl on a malformed URL, InvalidArgumentType on a wrong
// authentication.
ServiceInfoHandle make_service_info(const std::string& service_url, py::handle authentication,
                                    const std::optional<std::string>& tls_trust_certs_file_path);

// The ServiceInfo in `obj`: a pulsar._core.ServiceInfo, or an object whose `_info` is one
// (pulsar.ServiceInfo). GIL held; throws error_already_set (InvalidArgumentType naming
// `name`) for anything else.
pulsar::ServiceInfo unwrap_service_info(py::handle obj, const char* name);

// What a Python provider's update callback reaches: libpulsar's update function (given to
// initialize()) and the client it updates (known once Client::create has returned). Shared
// by libpulsar's provider, the callback and the client. Its methods never call Python.
class ServiceInfoUpdates {
   public:
    // From initialize(), inside Client::create. Any thread; never throws.
    void connect(std::function<void(pulsar::ServiceInfo)> apply);
    // libpulsar destroyed the provider (the client closed): later updates are dropped.
    // Any thread, GIL or not; never throws.
    void disconnect();
    // Once Client::create has returned: updates go to `client` from now on, starting with
    // the last one sent during initialize(). GIL held; throws error_already_set as update.
    void attach(const std::shared_ptr<ClientState>& client);
    // From the Python callback, GIL held (released while libpulsar switches clusters).
    // Dropped once the client is closing. Throws error_already_set (InvalidUrl) when
    // libpulsar rejects the update.
    void update(pulsar::ServiceInfo info);

   private:
    std::mutex mutex_;  // guards the members below
    std::function<void(pulsar::ServiceInfo)> apply_;
    std::weak_ptr<ClientState> client_;
    std::optional<pulsar::ServiceInfo> pending_;  // sent before attach()
    bool attached_ = false;
};

// The callable handed to a Python provider's initialize(): callback(service_info).
py::object update_callback(const std::shared_ptr<ServiceInfoUpdates>& updates);

// A libpulsar client whose cluster the Python object `provider` (a
// pulsar.ServiceInfoProvider) gives. GIL held (Client::create calls the provider's
// initial_service_info() and initialize() on this thread, with it); throws
// error_already_set: what the provider raised, InvalidArgumentType when
// initial_service_info() returns no ServiceInfo, InvalidUrl.
std::unique_ptr<pulsar::Client> make_provider_client(
    py::handle provider, const std::shared_ptr<ServiceInfoUpdates>& updates,
    const pulsar::ClientConfiguration& conf);

// A libpulsar client with libpulsar's AutoClusterFailover between `primary` and
// `secondary`. GIL held (released while the client is made); throws error_already_set.
std::unique_ptr<pulsar::Client> make_failover_client(
    const pulsar::ServiceInfo& primary, const std::vector<pulsar::ServiceInfo>& secondary,
    int64_t check_interval_ms, uint32_t failover_threshold, uint32_t switch_back_threshold,
    const pulsar::ClientConfiguration& conf);

}  // namespace fastpulsar
