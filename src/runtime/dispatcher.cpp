// The dispatcher (see dispatcher.hpp).
#include "runtime/dispatcher.hpp"

#include <chrono>
#include <limits>
#include <memory>
#include <utility>

#include "runtime/errors.hpp"
#include "runtime/gil.hpp"
#include "runtime/sync.hpp"
#include "runtime/wait.hpp"

namespace fastpulsar {
namespace {

// Log lines queued and not yet served beyond this are counted and dropped, so a
// stalled dispatcher cannot make libpulsar's logging grow memory without bound.
constexpr std::size_t kMaxQueuedLogs = 100000;

constexpr auto kLevelRefreshInterval = std::chrono::seconds(1);

}  // namespace

Dispatcher& Dispatcher::instance() {
    // Intentionally immortal (see the header): allocated once, never freed.
    static Dispatcher* const dispatcher = std::make_unique<Dispatcher>().release();
    return *dispatcher;
}

template <typename Item>
void Dispatcher::push(std::vector<Item>& queue, Item&& item, std::size_t limit) {
    bool notify = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (queue.size() >= limit) {
            ++dropped_logs_;
            return;
        }
        queue.push_back(std::move(item));
        notify = idle_;  // wake the dispatcher once, not for every item
        idle_ = false;
    }
    if (notify) {
        wake_.notify_one();
    }
}

void Dispatcher::push_send(SendCompletion&& completion) {
    push(sends_, std::move(completion), std::numeric_limits<std::size_t>::max());
}

void Dispatcher::push_log(LogRecord&& record) { push(logs_, std::move(record), kMaxQueuedLogs); }

void Dispatcher::release_later(PyObject* owned) {
    if (owned != nullptr) {
        push(releases_, std::move(owned), std::numeric_limits<std::size_t>::max());
    }
}

bool Dispatcher::is_dispatcher_thread() const {
    return is_running() && std::this_thread::get_id() == thread_id_;
}

void Dispatcher::run() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (running_.load()) {
            raise_python(PyExc_RuntimeError, "the pulsar dispatcher is already running");
        }
        stop_ = false;
        thread_id_ = std::this_thread::get_id();
        running_.store(true, std::memory_order_release);
    }
    std::vector<SendCompletion> sends;
    std::vector<LogRecord> logs;
    std::vector<PyObject*> releases;
    auto last_refresh = std::chrono::steady_clock::now();
    for (;;) {
        bool stopping = false;
        std::size_t dropped = 0;
        {
            GilRelease nogil;
            std::unique_lock<std::mutex> lock(mutex_);
            auto has_work = [this] {
                return stop_ || !sends_.empty() || !logs_.empty() || !releases_.empty();
            };
            if (!has_work()) {
                idle_ = true;
                wake_.wait_for(lock, kLevelRefreshInterval, has_work);
                idle_ = false;
            }
            sends.swap(sends_);
            logs.swap(logs_);
            releases.swap(releases_);
            stopping = stop_;
            dropped = dropped_logs_;
            dropped_logs_ = 0;
        }
        serve(sends, logs, releases);
        if (dropped > 0) {
            PyErr_WarnFormat(PyExc_RuntimeWarning, 1,
                             "pulsar: %zu libpulsar log lines were dropped", dropped);
            if (PyErr_Occurred()) {
                PyErr_WriteUnraisable(nullptr);
            }
        }
        auto now = std::chrono::steady_clock::now();
        if (now - last_refresh >= kLevelRefreshInterval) {
            last_refresh = now;
            refresh_log_levels();
        }
        if (stopping) {
            break;
        }
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        running_.store(false, std::memory_order_release);
    }
    notify_all_after_lock(progress_mutex_, progress_);
}

void Dispatcher::serve(std::vector<SendCompletion>& sends, std::vector<LogRecord>& logs,
                       std::vector<PyObject*>& releases) {
    // GIL held.
    for (auto& completion : sends) {
        deliver_send(completion);
    }
    if (!sends.empty()) {
        report_unsent_without_callback();
    }
    for (auto& record : logs) {
        deliver_log(record);
    }
    for (PyObject* owned : releases) {
        Py_DECREF(owned);
    }
    sends.clear();
    logs.clear();
    releases.clear();
    if (waiters_.load(std::memory_order_acquire) > 0) {
        notify_all_after_lock(progress_mutex_, progress_);
    }
}

void Dispatcher::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
}

void Dispatcher::wait_for(const std::function<bool()>& done) {
    if (is_dispatcher_thread()) {
        // Called from a callback: the callbacks waited for would run on this very
        // thread, after the current one returns.
        return;
    }
    waiters_.fetch_add(1, std::memory_order_acq_rel);
    struct Leave {
        std::atomic<int>& waiters;
        ~Leave() { waiters.fetch_sub(1, std::memory_order_acq_rel); }
    } leave{waiters_};
    wait_without_gil(progress_mutex_, progress_, [&] { return done() || !is_running(); });
}

}  // namespace fastpulsar
