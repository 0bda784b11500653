// Where a client connects, and who may change it while it runs: libpulsar 4.2.0's
// ServiceInfo, the ServiceInfoProvider interface, its AutoClusterFailover implementation,
// and the Client made from a provider (cluster failover).
//
// Layouts read from the library's disassembly (AutoClusterFailover's constructor copies
// a Config field by field; AutoClusterFailoverImpl reads the interval and the thresholds
// at fixed offsets: core/service_info.cpp checks the sizes); slot order of the interface
// from the relocations of `_ZTVN6pulsar19AutoClusterFailoverE`: the destructor's two
// slots, initialServiceInfo, initialize.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "abi/auth.hpp"
#include "abi/client.hpp"
#include "abi/configuration.hpp"

namespace pulsar {

class AutoClusterFailoverImpl;

// A cluster's service URL with the authentication and trust store to use there. A value
// class (96 bytes): the URL, whether its scheme asks for TLS, the authentication (never
// null for libpulsar: pass AuthFactory::Disabled() for none), the optional trust store.
class ServiceInfo {
   public:
    // Throws std::invalid_argument on a malformed URL (missing or unknown scheme).
    ServiceInfo(std::string serviceUrl, AuthenticationPtr authentication,
                std::optional<std::string> tlsTrustCertsFilePath);

    const std::string& serviceUrl() const noexcept { return serviceUrl_; }
    bool useTls() const noexcept { return useTls_; }
    const AuthenticationPtr& authentication() const noexcept { return authentication_; }
    const std::optional<std::string>& tlsTrustCertsFilePath() const noexcept {
        return tlsTrustCertsFilePath_;
    }

   private:
    std::string serviceUrl_;
    bool useTls_;
    AuthenticationPtr authentication_;
    std::optional<std::string> tlsTrustCertsFilePath_;
};

// Implemented by us for Python providers (core/service_info.hpp). Client::create calls
// initialServiceInfo() then initialize() on the calling thread; the provider is destroyed
// when the client closes (or with it).
class ServiceInfoProvider {
   public:
    virtual ~ServiceInfoProvider() = default;
    virtual ServiceInfo initialServiceInfo() = 0;
    // `onServiceInfoUpdate` switches the client to another cluster; any thread.
    virtual void initialize(std::function<void(ServiceInfo)> onServiceInfoUpdate) = 0;
};

// libpulsar's failover: probes the current cluster every checkInterval (a TCP connect to
// its host) on a thread of its own, and switches to the first reachable secondary after
// failoverThreshold failed probes, back to the primary after switchBackThreshold good ones.
// (final in libpulsar; not here, where the ABI test derives its probes from it)
class AutoClusterFailover : public ServiceInfoProvider {
   public:
    struct Config {
        const ServiceInfo primary;
        const std::vector<ServiceInfo> secondary;
        std::chrono::milliseconds checkInterval{5000};
        uint32_t failoverThreshold{1};
        uint32_t switchBackThreshold{1};

        Config(ServiceInfo primaryInfo, std::vector<ServiceInfo> secondaryInfos)
            : primary(std::move(primaryInfo)), secondary(std::move(secondaryInfos)) {}
    };

    explicit AutoClusterFailover(Config&& config);
    ~AutoClusterFailover() override;
    ServiceInfo initialServiceInfo() override;
    void initialize(std::function<void(ServiceInfo)> onServiceInfoUpdate) override;

   private:
    std::shared_ptr<AutoClusterFailoverImpl> impl_;
};

}  // namespace pulsar
