// TableViewCore: create, get, for_each, size, close (see table_view.hpp).
#include "core/table_view.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/gil.hpp"
#include "runtime/wait.hpp"

namespace fastpulsar {

TableViewCore::TableViewCore(pulsar::TableView view, py::object schema, std::string topic,
                             py::object subscription, std::shared_ptr<ClientState> client)
    : view_(std::move(view)),
      schema_(std::move(schema)),
      topic_(std::move(topic)),
      subscription_(std::move(subscription)),
      client_(std::move(client)) {}

TableViewCore::~TableViewCore() {
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
    return std::make_shared<TableViewCore>(std::move(view), std::move(schema), topic,
                                           std::move(subscription), client);
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

void TableViewCore::for_each_and_listen(py::handle) const {
    PyErr_SetString(PyExc_NotImplementedError,
                    "TableView.for_each_and_listen is not implemented by fastpulsar yet (it "
                    "comes with the message listeners, served on the dispatcher thread)");
    throw py::error_already_set();
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
    pulsar::Result result =
        call_blocking_result([&](const pulsar::ResultCallback& cb) { view_.closeAsync(cb); });
    closed_.store(true, std::memory_order_release);
    if (result != pulsar::ResultOk && result != pulsar::ResultAlreadyClosed) {
        raise_result(result);
    }
}

std::string TableViewCore::repr() const {
    if (subscription_.is_none()) {
        return "TableView(topic=" + topic_ + ")";
    }
    return "TableView(topic=" + topic_ + ", subscription=" + subscription_.cast<std::string>() +
           ")";
}

}  // namespace fastpulsar
