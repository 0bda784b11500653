// Cluster failover (see service_info.hpp).
#include "core/service_info.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "core/auth.hpp"
#include "core/client.hpp"
#include "runtime/errors.hpp"
#include "runtime/gil.hpp"
#include "runtime/sync.hpp"

// The layouts abi/service_info.hpp declares, as libpulsar 4.2.0's code reads them.
static_assert(sizeof(pulsar::ServiceInfo) == 96, "libpulsar's ServiceInfo is 96 bytes");
static_assert(sizeof(pulsar::AutoClusterFailover::Config) == 0x88,
              "libpulsar reads checkInterval at 0x78 and the thresholds at 0x80 and 0x84");
static_assert(sizeof(pulsar::AutoClusterFailover) == 24, "a vptr and a shared_ptr");

namespace fastpulsar {

// ---- ServiceInfo ---------------------------------------------------------------------------

ServiceInfoHandle make_service_info(const std::string& service_url, py::handle authentication,
                                    const std::optional<std::string>& tls_trust_certs_file_path) {
    pulsar::AuthenticationPtr auth;
    if (authentication.is_none()) {
        auth = pulsar::AuthFactory::Disabled();  // never null: libpulsar uses it on connect
    } else if (py::isinstance<AuthHandle>(authentication)) {
        auth = unwrap_authentication(authentication);
        check_plugin_loaded_for(service_url, auth);
    } else {
        raise_type_error("authentication", "either None or of type 'Authentication'",
                         authentication.ptr());
    }
    try {
        return ServiceInfoHandle{
            pulsar::ServiceInfo(service_url, std::move(auth), tls_trust_certs_file_path)};
    } catch (const std::invalid_argument& e) {
        raise_value_error(e.what());  // libpulsar's words, as pulsar-client 3.13's ValueError
    }
}

namespace {

// A ServiceInfoHandle, or a pulsar.ServiceInfo holding one. GIL held; throws
// error_already_set (from the attribute lookup).
bool is_service_info(py::handle obj) {
    return py::isinstance<ServiceInfoHandle>(obj) ||
           (py::hasattr(obj, "_info") && py::isinstance<ServiceInfoHandle>(obj.attr("_info")));
}

}  // namespace

pulsar::ServiceInfo unwrap_service_info(py::handle obj, const char* name) {
    if (py::isinstance<ServiceInfoHandle>(obj)) {
        return obj.cast<const ServiceInfoHandle&>().info;
    }
    if (py::hasattr(obj, "_info")) {
        py::object inner = obj.attr("_info");
        if (py::isinstance<ServiceInfoHandle>(inner)) {
            return inner.cast<const ServiceInfoHandle&>().info;
        }
    }
    raise_type_error(name, "of type 'ServiceInfo'", obj.ptr());
}

// ---- updates from a Python provider ------------------------------------------------------

void ServiceInfoUpdates::connect(std::function<void(pulsar::ServiceInfo)> apply) {
    std::function<void(pulsar::ServiceInfo)> previous;
    std::lock_guard<std::mutex> lock(mutex_);
    previous = std::exchange(apply_, std::move(apply));
}

void ServiceInfoUpdates::disconnect() {
    std::function<void(pulsar::ServiceInfo)> released;  // destroyed after the lock
    std::lock_guard<std::mutex> lock(mutex_);
    released = std::exchange(apply_, nullptr);
}

void ServiceInfoUpdates::attach(const std::shared_ptr<ClientState>& client) {
    std::optional<pulsar::ServiceInfo> pending;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        client_ = client;
        attached_ = true;
        pending.swap(pending_);
    }
    if (pending) {
        update(std::move(*pending));
    }
}

void ServiceInfoUpdates::update(pulsar::ServiceInfo info) {
    std::function<void(pulsar::ServiceInfo)> apply;
    std::shared_ptr<ClientState> client;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!attached_) {
            pending_ = std::move(info);  // applied by attach()
            return;
        }
        client = client_.lock();
        if (!client || !apply_ || client->inherited() ||
            client->closing.load(std::memory_order_acquire)) {
            return;  // as pulsar-client: an update for a closed client does nothing
        }
        apply = apply_;
    }
    std::string error;
    {
        GilRelease nogil;
        try {
            apply(std::move(info));
        } catch (const std::exception& e) {
            error = e.what();
        }
        apply = nullptr;
        client.reset();  // without the GIL: it may be the last owner
    }
    if (!error.empty()) {
        raise_value_error(error);
    }
}

py::object update_callback(const std::shared_ptr<ServiceInfoUpdates>& updates) {
    return py::cpp_function(
        [updates](py::handle service_info) {
            if (!is_service_info(service_info)) {
                // A RuntimeError, as pulsar-client 3.13's callback raises.
                raise_python_format(PyExc_RuntimeError,
                                    "Argument service_info is expected to be of type "
                                    "'ServiceInfo', not '%.200s'",
                                    Py_TYPE(service_info.ptr())->tp_name);
            }
            updates->update(unwrap_service_info(service_info, "service_info"));
        },
        py::arg("service_info"));
}

// ---- clients ---------------------------------------------------------------------------------

namespace {

// The Client::create call during which a Python provider may be called.
struct CreateScope {
    PyObject* provider;  // borrowed: the caller keeps it alive while active
    std::thread::id thread = std::this_thread::get_id();
    std::atomic<bool> active{true};

    explicit CreateScope(PyObject* p) : provider(p) {}
    // On the creating thread, inside Client::create: the GIL is held there.
    bool here() const {
        return active.load(std::memory_order_acquire) && thread == std::this_thread::get_id();
    }
};

// libpulsar's view of a Python ServiceInfoProvider. Called by libpulsar inside
// Client::create (on the creating thread, GIL held); destroyed by libpulsar on any thread,
// without touching Python.
class PythonProvider final : public pulsar::ServiceInfoProvider {
   public:
    PythonProvider(std::shared_ptr<CreateScope> scope, std::shared_ptr<ServiceInfoUpdates> updates)
        : scope_(std::move(scope)), updates_(std::move(updates)) {}
    ~PythonProvider() override { updates_->disconnect(); }
    PythonProvider(const PythonProvider&) = delete;
    PythonProvider& operator=(const PythonProvider&) = delete;

    // Throws error_already_set (through libpulsar's frames, back to make_provider_client).
    pulsar::ServiceInfo initialServiceInfo() override {
        if (!scope_->here()) {
            // libpulsar 4.2.0 asks only inside Client::create, on the calling thread. Should
            // another version ask again elsewhere: the answer given there, without Python.
            std::lock_guard<std::mutex> lock(mutex_);
            if (initial_) {
                return *initial_;
            }
            throw std::logic_error("initialServiceInfo() called outside Client::create");
        }
        py::object info = py::handle(scope_->provider).attr("initial_service_info")();
        pulsar::ServiceInfo result = unwrap_service_info(info, "initial_service_info() result");
        std::lock_guard<std::mutex> lock(mutex_);
        initial_ = result;
        return result;
    }

    void initialize(std::function<void(pulsar::ServiceInfo)> onServiceInfoUpdate) override {
        updates_->connect(std::move(onServiceInfoUpdate));
        if (scope_->here()) {
            py::handle(scope_->provider).attr("initialize")(update_callback(updates_));
        }
    }

   private:
    std::shared_ptr<CreateScope> scope_;
    std::shared_ptr<ServiceInfoUpdates> updates_;
    std::mutex mutex_;                            // guards initial_
    std::optional<pulsar::ServiceInfo> initial_;  // what initial_service_info() returned
};

// A plain ValueError with libpulsar's words, as pulsar-client 3.13.
[[noreturn]] void raise_invalid_url(const std::string& error) { raise_value_error(error); }

}  // namespace

std::unique_ptr<pulsar::Client> make_provider_client(
    py::handle provider, const std::shared_ptr<ServiceInfoUpdates>& updates,
    const pulsar::ClientConfiguration& conf) {
    auto scope = std::make_shared<CreateScope>(provider.ptr());
    ScopeExit end_scope(
        [&active = scope->active] { active.store(false, std::memory_order_release); });
    std::string error;
    try {
        return std::make_unique<pulsar::Client>(
            pulsar::Client::create(std::make_unique<PythonProvider>(scope, updates), conf));
    } catch (const std::invalid_argument& e) {
        error = e.what();
    }
    raise_invalid_url(error);
}

namespace {

// libpulsar's AutoClusterFailover, held so that it is not destroyed while its own thread may
// still run the task initialize() posts: that task holds the failover's only other reference
// for the few microseconds it runs, so a client destroyed at that moment (right after it was
// made) destroyed the failover on its own thread, whose destructor joins that very thread
// (std::system_error, so std::terminate: seen as an abort in the unit tests on 3.13t, where
// nothing serialises the test's threads). Later tasks hold it likewise, once per check
// interval, for as short a time; the startup is when a program (or a test) drops a client
// that fast.
class SettledFailover final : public pulsar::ServiceInfoProvider {
   public:
    explicit SettledFailover(pulsar::AutoClusterFailover::Config&& config)
        : failover_(std::make_unique<pulsar::AutoClusterFailover>(std::move(config))) {}
    // On the thread destroying libpulsar's client (a Python thread, without the GIL): waits
    // out what remains of kSettle after initialize(), then destroys the failover. Never throws.
    ~SettledFailover() override {
        if (initialized_) {
            std::this_thread::sleep_until(*initialized_ + kSettle);
        }
    }
    pulsar::ServiceInfo initialServiceInfo() override { return failover_->initialServiceInfo(); }
    void initialize(std::function<void(pulsar::ServiceInfo)> on_update) override {
        failover_->initialize(std::move(on_update));
        initialized_ = std::chrono::steady_clock::now();
    }

   private:
    // Far beyond the microseconds the first task needs once the thread runs, on a busy machine.
    static constexpr std::chrono::milliseconds kSettle{200};
    std::unique_ptr<pulsar::AutoClusterFailover> failover_;
    std::optional<std::chrono::steady_clock::time_point> initialized_;  // by libpulsar, once
};

}  // namespace

std::unique_ptr<pulsar::Client> make_failover_client(
    const pulsar::ServiceInfo& primary, const std::vector<pulsar::ServiceInfo>& secondary,
    int64_t check_interval_ms, uint32_t failover_threshold, uint32_t switch_back_threshold,
    const pulsar::ClientConfiguration& conf) {
    pulsar::AutoClusterFailover::Config config(primary, secondary);
    config.checkInterval = std::chrono::milliseconds(check_interval_ms);
    config.failoverThreshold = failover_threshold;
    config.switchBackThreshold = switch_back_threshold;
    std::unique_ptr<pulsar::Client> client;
    std::string error;
    {
        GilRelease nogil;
        try {
            client = std::make_unique<pulsar::Client>(
                pulsar::Client::create(std::make_unique<SettledFailover>(std::move(config)), conf));
        } catch (const std::invalid_argument& e) {
            error = e.what();
        }
    }
    if (!client) {
        raise_invalid_url(error);
    }
    return client;
}

}  // namespace fastpulsar
