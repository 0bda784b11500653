// The dispatcher (see dispatcher.hpp) and its Python entry points.
#include <chrono>
#include <limits>
#include <memory>
#include <stdexcept>
#include <utility>

#include "common.hpp"
#include "dispatcher.hpp"
#include "register.hpp"

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
            throw std::runtime_error("the pulsar dispatcher is already running");
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
            PyErr_WarnFormat(PyExc_RuntimeWarning, 1, "pulsar: %zu libpulsar log lines were dropped",
                             dropped);
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
    {
        std::lock_guard<std::mutex> lock(progress_mutex_);
    }
    progress_.notify_all();
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
        {
            std::lock_guard<std::mutex> lock(progress_mutex_);
        }
        progress_.notify_all();
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
    for (;;) {
        bool finished = false;
        {
            GilRelease nogil;
            std::unique_lock<std::mutex> lock(progress_mutex_);
            finished = progress_.wait_for(lock, std::chrono::milliseconds(100),
                                          [&] { return done() || !is_running(); });
        }
        if (finished) {
            return;
        }
        if (PyErr_CheckSignals() != 0) {
            throw py::error_already_set();
        }
    }
}

void report_callback_error(PyObject* callback) { PyErr_WriteUnraisable(callback); }

PyRef::~PyRef() { Dispatcher::instance().release_later(obj_); }

bool interpreter_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
    return !Py_IsInitialized() || Py_IsFinalizing() != 0;
#else
    return !Py_IsInitialized() || _Py_IsFinalizing() != 0;
#endif
}

namespace {
// The thread that imported the module: the main thread, which is the one that
// finalizes the interpreter (and may take the GIL back while doing so).
unsigned long g_main_thread = 0;
}  // namespace

GilRelease::~GilRelease() noexcept(false) {
    if (PyThread_get_thread_ident() != g_main_thread) {
        while (interpreter_finalizing()) {
            std::this_thread::sleep_for(std::chrono::hours(1));  // the process is exiting
        }
    }
    PyEval_RestoreThread(state_);
}

GilForCallback::GilForCallback() {
    if (interpreter_finalizing()) {
        return;
    }
    state_ = PyGILState_Ensure();
    ok_ = true;
}

GilForCallback::~GilForCallback() {
    if (ok_) {
        PyGILState_Release(state_);
    }
}

void register_dispatcher(py::module_& m) {
    g_main_thread =
        py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
    m.def(
        "_dispatch_run", [] { Dispatcher::instance().run(); },
        "Serve libpulsar's completions and log lines until _dispatch_stop(); the body of the "
        "pulsar dispatcher thread (started by pulsar._dispatch).");
    m.def(
        "_dispatch_stop", [] { Dispatcher::instance().stop(); },
        "Ask the dispatcher thread to serve what is queued and return.");
    m.def(
        "_dispatch_running", [] { return Dispatcher::instance().is_running(); },
        "Whether the dispatcher thread is serving.");
}

}  // namespace fastpulsar
