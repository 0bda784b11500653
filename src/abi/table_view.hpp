// libpulsar's TableView (a key-value view of a topic, by partition key) and its
// configuration.
//
// TableView is not polymorphic (the library exports no _ZTVN6pulsar9TableViewE) and holds
// one shared_ptr to its implementation. TableViewConfiguration is a plain struct of the
// library's header, defined inline there (nothing of it is exported): a SchemaInfo, then
// the subscription name (empty: the library makes one up).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "abi/client.hpp"
#include "abi/results.hpp"
#include "abi/schema.hpp"

namespace pulsar {

class TableViewImpl;

using TableViewAction = std::function<void(const std::string& key, const std::string& value)>;

struct TableViewConfiguration {
    SchemaInfo schemaInfo;
    std::string subscriptionName;
};

class TableView {
   public:
    TableView();  // a null handle: only the client hands out usable table views

    // Calls the action for every entry, on the calling thread, under the library's lock
    // (snapshot() would move the entries out of the view: we do not use it).
    void forEach(const TableViewAction& action);
    // The same, then registers the action for every later update (called on libpulsar's
    // thread; a deletion with an empty value).
    void forEachAndListen(const TableViewAction& action);
    bool getValue(const std::string& key, std::string& value) const;
    std::size_t size() const;
    void closeAsync(const ResultCallback& callback);

   private:
    std::shared_ptr<TableViewImpl> impl_;
};

}  // namespace pulsar
