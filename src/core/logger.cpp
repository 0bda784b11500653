// libpulsar's log lines to Python's logging (see logger.hpp).
#include "core/logger.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/bridge.hpp"
#include "runtime/dispatcher.hpp"

namespace fastpulsar {

namespace {

constexpr int kNothingEnabled = 4;
constexpr std::array<int, 4> kPythonLevels = {10, 20, 30, 40};  // DEBUG, INFO, WARNING, ERROR

// libpulsar's logging is global: the loggers it creates are cached per thread and
// source file for good, whichever client's factory made them. So every logger of
// ours sends to the target of the latest client configured, read at each line.
std::atomic<LogTarget*> g_current_target{nullptr};

std::vector<std::unique_ptr<LogTarget>>& targets() {
    static auto* const all = std::make_unique<std::vector<std::unique_ptr<LogTarget>>>().release();
    return *all;
}

void refresh(LogTarget& target) {
    int threshold = kNothingEnabled;
    for (int level = target.floor; level < kNothingEnabled; ++level) {
        py::object enabled = target.logger.attr("isEnabledFor")(kPythonLevels[level]);
        if (enabled.cast<bool>()) {
            threshold = level;
            break;
        }
    }
    target.threshold.store(threshold, std::memory_order_relaxed);
}

LogTarget* target_for(py::handle logger, int floor) {
    for (auto& target : targets()) {
        if (target->logger.is(logger) && target->floor == floor) {
            return target.get();
        }
    }
    auto target = std::make_unique<LogTarget>();
    target->logger = py::reinterpret_borrow<py::object>(logger);
    target->floor = floor;
    target->threshold.store(kNothingEnabled);
    refresh(*target);
    targets().push_back(std::move(target));
    return targets().back().get();
}

double now_seconds() {
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

bool enabled(LogTarget* target, pulsar::Logger::Level level) {
    return target != nullptr &&
           static_cast<int>(level) >= target->threshold.load(std::memory_order_relaxed);
}

class PythonLogger : public pulsar::Logger {
   public:
    explicit PythonLogger(std::string file) : file_(std::move(file)) {}

    bool isEnabled(Level level) override {
        return enabled(g_current_target.load(std::memory_order_acquire), level);
    }

    void log(Level level, int line, const std::string& message) override {
        LogTarget* target = g_current_target.load(std::memory_order_acquire);
        if (!enabled(target, level)) {
            return;
        }
        Dispatcher::instance().push_log(
            LogRecord{target, level, line, file_, message, now_seconds()});
    }

   private:
    std::string file_;
};

class PythonLoggerFactory : public pulsar::LoggerFactory {
   public:
    pulsar::Logger* getLogger(const std::string& fileName) override {
        // Ownership passes to libpulsar, which deletes its loggers.
        return std::make_unique<PythonLogger>(fileName).release();
    }
};

}  // namespace

std::unique_ptr<pulsar::LoggerFactory> make_logger_factory(py::handle logger) {
    LogTarget* target = nullptr;
    if (logger.is_none()) {
        target =
            target_for(installed(bridge().logger, "the pulsar logger"), pulsar::Logger::LEVEL_INFO);
    } else {
        target = target_for(logger, pulsar::Logger::LEVEL_DEBUG);
    }
    g_current_target.store(target, std::memory_order_release);
    return std::make_unique<PythonLoggerFactory>();
}

void deliver_log(LogRecord& record) {
    PyObject* emit = bridge().emit_log;
    if (emit == nullptr) {
        return;  // no pulsar package: nowhere to log to
    }
    LogTarget* target = record.target;
    try {
        // libpulsar's text is not always valid UTF-8: undecodable bytes are replaced.
        auto text = [](const std::string& s) {
            PyObject* str =
                PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
            if (str == nullptr) {
                throw py::error_already_set();
            }
            return py::reinterpret_steal<py::object>(str);
        };
        // pulsar._logging.emit(logger, level, file, line, message, created)
        py::handle function(emit);
        function(target->logger, kPythonLevels[record.level], text(record.file), record.line,
                 text(record.message), record.created);
    } catch (py::error_already_set& e) {
        e.restore();
        PyErr_WriteUnraisable(emit);
    }
}

void refresh_log_levels() {
    for (auto& target : targets()) {
        try {
            refresh(*target);
        } catch (py::error_already_set& e) {
            e.discard_as_unraisable("refreshing the level of a pulsar logger");
        }
    }
}

}  // namespace fastpulsar
