// TableViewCore: create, get, for_each, size, close (see table_view.hpp).
#include "core/table_view.hpp"

#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/dispatcher.hpp"
#include "runtime/errors.hpp"
#include "runtime/gil.hpp"
#include "runtime/wait.hpp"

namespace fastpulsar {
namespace {

// How many updates may wait for a for_each_and_listen callback before libpulsar's thread
// is held back (the existing entries, queued by the calling thread, never wait).
constexpr std::size_t kListenerCapacity = 1000;

}  // namespace

TableViewCore::TableViewCore(pulsar::TableView view, py::object schema, std::string topic,
                             py::object subscription, std::shared_ptr<ClientState> client)
    : view_(std::move(view)),
      schema_(std::move(schema)),
      topic_(std::move(topic)),
      subscription_(std::move(subscription)),
      client_(std::move(client)) {}

TableViewCore::~TableViewCore() {
    close_listeners();
    GilRelease nogil;
    release_handle(view_, *client_);
    client_.reset();  // may be the last owner of libpulsar's client: without the GIL
}

std::shared_ptr<TableViewCore> TableViewCore::create(const std::shared_ptr<ClientState>& client,
                                                     const std::string& topic,
                                                     py::object subscription,
                                                     const pulsar::SchemaInfo& schema_info,
                                                     py::object schema) {
    client->check_open();
    pulsar::TableViewConfiguration conf{
        schema_info, subscription.is_none() ? std::string() : subscription.cast<std::string>()};
    auto [result, view] = call_blocking<pulsar::TableView>(
        [&](const std::shared_ptr<Pending<pulsar::TableView>>& pending) {
            client->client().createTableViewAsync(
                topic, conf, [pending](pulsar::Result r, pulsar::TableView made) {
                    pending->complete(r, std::move(made));
                });
        });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
    auto core = std::make_shared<TableViewCore>(std::move(view), std::move(schema), topic,
                                                std::move(subscription), client);
    client->add_table_view(core);
    return core;
}

py::object TableViewCore::decode(const std::string& value) const {
    return schema_.attr("decode")(py::bytes(value));
}

py::object TableViewCore::get(const std::string& key) const {
    client_->check_not_inherited();
    std::string value;
    bool found = false;
    {
        GilRelease nogil;
        found = view_.getValue(key, value);
    }
    if (!found) {
        return py::none();
    }
    return decode(value);
}

void TableViewCore::for_each(py::handle callback) {
    client_->check_not_inherited();
    std::vector<std::pair<std::string, std::string>> entries;
    {
        GilRelease nogil;
        view_.forEach([&entries](const std::string& key, const std::string& value) {
            entries.emplace_back(key, value);
        });
    }
    for (const auto& [key, value] : entries) {
        callback(py::str(key), decode(value));
    }
}

void TableViewCore::for_each_and_listen(py::object callback) {
    client_->check_not_inherited();
    auto queue = std::make_shared<TableListenerQueue>(std::move(callback), kListenerCapacity);
    std::weak_ptr<TableViewCore> weak = shared_from_this();
    queue->attach(
        [weak] {
            std::shared_ptr<TableViewCore> view = weak.lock();
            return view == nullptr || view->is_closing();
        },
        [weak]() -> TableListenerQueue::Call {
            std::shared_ptr<TableViewCore> view = weak.lock();
            if (view == nullptr) {
                return {};
            }
            return [view](PyObject* listener, TableEntry& entry) {
                try {
                    py::object key = py::str(entry.first);
                    py::object value = view->decode(entry.second);
                    PyObject* args[] = {key.ptr(), value.ptr()};
                    PyObject* result = PyObject_Vectorcall(listener, args, 2, nullptr);
                    Py_XDECREF(result);
                    return result != nullptr;
                } catch (py::error_already_set& e) {
                    e.restore();
                    return false;
                }
            };
        },
        client_->next_listener_lane());
    {
        std::lock_guard<std::mutex> lock(listeners_mutex_);
        listeners_.push_back(queue);
    }
    // libpulsar calls the action for the existing entries on this thread, under its lock:
    // they are queued without waiting for room (only the dispatcher makes room, and a
    // callback may need that lock). Later updates come from libpulsar's thread.
    std::thread::id caller = std::this_thread::get_id();
    auto existing = std::make_shared<std::size_t>(0);  // written on this thread only
    {
        GilRelease nogil;
        view_.forEachAndListen(
            [queue, caller, existing](const std::string& key, const std::string& value) {
                bool initial = std::this_thread::get_id() == caller;
                if (initial) {
                    ++*existing;
                }
                queue->push(TableEntry(key, value), !initial);
            });
    }
    // As in pulsar-client, the existing entries have been handed to the callback when this
    // returns (from a callback on a dispatcher thread, they come after it returns).
    std::size_t wanted = *existing;
    Dispatcher::instance().wait_for(
        [&queue, wanted] { return queue->calls_made() >= wanted || queue->is_closed(); },
        *queue->lane());
}

std::size_t TableViewCore::size() const {
    client_->check_not_inherited();
    return view_.size();
}

void TableViewCore::close() {
    client_->check_open();
    if (closed_.load(std::memory_order_acquire)) {
        raise_result(pulsar::ResultAlreadyClosed);
    }
    close_listeners();  // no callback from now; frees libpulsar's thread
    pulsar::Result result =
        call_blocking_result([&](const pulsar::ResultCallback& cb) { view_.closeAsync(cb); });
    closed_.store(true, std::memory_order_release);
    if (result != pulsar::ResultOk && result != pulsar::ResultAlreadyClosed) {
        raise_result(result);
    }
}

bool TableViewCore::stop_for_client() {
    if (closed_.exchange(true, std::memory_order_acq_rel)) {
        return false;
    }
    close_listeners();
    return true;
}

void TableViewCore::close_listeners() {
    std::lock_guard<std::mutex> lock(listeners_mutex_);
    for (const auto& listener : listeners_) {
        listener->close();  // takes the queue's own mutex only
    }
}

void TableViewCore::close_handle_async(const pulsar::ResultCallback& done) {
    view_.closeAsync(done);
}

std::string TableViewCore::repr() const {
    if (subscription_.is_none()) {
        return "TableView(topic=" + topic_ + ")";
    }
    return "TableView(topic=" + topic_ + ", subscription=" + subscription_.cast<std::string>() +
           ")";
}

}  // namespace fastpulsar
