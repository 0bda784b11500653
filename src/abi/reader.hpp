// libpulsar's Reader and its configuration.
//
// Neither class is polymorphic: the library exports no vtable for them
// (_ZTVN6pulsar6ReaderE, _ZTVN6pulsar19ReaderConfigurationE are absent from `nm -D`).
// Each holds one shared_ptr to its implementation.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "abi/auth.hpp"
#include "abi/client.hpp"
#include "abi/configuration.hpp"
#include "abi/enums.hpp"
#include "abi/message.hpp"
#include "abi/results.hpp"
#include "abi/schema.hpp"

namespace pulsar {

class ReaderImpl;
class ReaderConfigurationImpl;

using HasMessageAvailableCallback = std::function<void(Result, bool)>;

class Reader {
   public:
    Reader();  // a null handle: only the client hands out usable readers

    const std::string& getTopic() const;  // a reference (the disassembly returns a pointer)
    bool isConnected() const;

    Result readNext(Message& msg, int timeoutMs);
    void readNextAsync(const ReceiveCallback& callback);
    void hasMessageAvailableAsync(const HasMessageAvailableCallback& callback);
    void seekAsync(const MessageId& msgId, const ResultCallback& callback);
    void seekAsync(uint64_t timestamp, const ResultCallback& callback);
    void closeAsync(const ResultCallback& callback);

   private:
    std::shared_ptr<ReaderImpl> impl_;
};

using ReaderListener = std::function<void(Reader, const Message&)>;

class ReaderConfiguration {
   public:
    ReaderConfiguration();
    ~ReaderConfiguration();

    void setSchema(const SchemaInfo& schemaInfo);
    void setReceiverQueueSize(int size);
    void setReaderName(const std::string& readerName);
    void setSubscriptionRolePrefix(const std::string& subscriptionRolePrefix);
    void setReadCompacted(bool compacted);
    void setCryptoKeyReader(CryptoKeyReaderPtr cryptoKeyReader);
    void setCryptoFailureAction(ConsumerCryptoFailureAction action);
    void setStartMessageIdInclusive(bool startMessageIdInclusive);
    // Called on libpulsar's listener thread for each message; readNext then fails with
    // ResultInvalidConfiguration.
    void setReaderListener(ReaderListener listener);

    // Getters (_pulsar.ReaderConfiguration): strings and the schema by reference (the
    // disassembly returns a pointer), the rest by value.
    const SchemaInfo& getSchema() const;
    int getReceiverQueueSize() const;
    const std::string& getReaderName() const;
    const std::string& getSubscriptionRolePrefix() const;
    bool isReadCompacted() const;
    ConsumerCryptoFailureAction getCryptoFailureAction() const;
    bool isStartMessageIdInclusive() const;

   private:
    std::shared_ptr<ReaderConfigurationImpl> impl_;
};

}  // namespace pulsar
