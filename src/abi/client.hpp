// libpulsar's client and the producers and consumers it creates, with the callbacks
// of their asynchronous operations (std::function, taken by const reference).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "abi/configuration.hpp"
#include "abi/message.hpp"
#include "abi/results.hpp"

namespace pulsar {

class ClientImpl;
class ProducerImplBase;
class ConsumerImplBase;
class Reader;               // abi/reader.hpp
class ReaderConfiguration;  // abi/reader.hpp
class TableView;            // abi/table_view.hpp
struct TableViewConfiguration;
class ServiceInfo;          // abi/service_info.hpp
class ServiceInfoProvider;  // abi/service_info.hpp

using ResultCallback = std::function<void(Result)>;
using SendCallback = std::function<void(Result, const MessageId&)>;
using BatchReceiveCallback = std::function<void(Result, const std::vector<Message>&)>;
using GetLastMessageIdCallback = std::function<void(Result, MessageId)>;
using ReceiveCallback = std::function<void(Result, const Message&)>;

class Producer {
   public:
    Producer();  // a null handle: only the client hands out usable producers

    const std::string& getTopic() const;
    const std::string& getProducerName() const;
    int64_t getLastSequenceId() const;
    bool isConnected() const;

    // Runs the callback on a library thread, or synchronously on the caller's
    // thread for immediate failures; blocks when the queue is full and
    // block-if-queue-full is on.
    void sendAsync(const Message& msg, const SendCallback& callback);
    void flushAsync(const ResultCallback& callback);
    void closeAsync(const ResultCallback& callback);

   private:
    std::shared_ptr<ProducerImplBase> impl_;
};

// Polymorphic in the library: a vptr, then the shared_ptr. The vtable
// (_ZTVN6pulsar8ConsumerE) is the library's: the destructor's two slots, then the
// two seekAsync overloads, which are defined out of line there.
class Consumer {
   public:
    Consumer();
    virtual ~Consumer() = default;
    virtual void seekAsync(const MessageId& msgId, const ResultCallback& callback);
    virtual void seekAsync(uint64_t timestamp, const ResultCallback& callback);

    const std::string& getTopic() const;
    const std::string& getSubscriptionName() const;
    const std::string& getConsumerName() const;
    bool isConnected() const;

    Result receive(Message& msg);  // the only receive of a zero-queue consumer
    Result receive(Message& msg, int timeoutMs);
    // Completes with the next message (or the failure: AlreadyClosed once closed); a
    // zero-queue consumer fails it with InvalidConfiguration.
    void receiveAsync(const ReceiveCallback& callback);
    void acknowledgeAsync(const MessageId& messageId, const ResultCallback& callback);
    void acknowledgeCumulativeAsync(const MessageId& messageId, const ResultCallback& callback);
    void negativeAcknowledge(const MessageId& messageId);
    void unsubscribeAsync(const ResultCallback& callback);
    void closeAsync(const ResultCallback& callback);
    void batchReceiveAsync(const BatchReceiveCallback& callback);
    void getLastMessageIdAsync(const GetLastMessageIdCallback& callback);
    void redeliverUnacknowledgedMessages();
    Result pauseMessageListener();
    Result resumeMessageListener();

   private:
    std::shared_ptr<ConsumerImplBase> impl_;
};

using CreateProducerCallback = std::function<void(Result, Producer)>;
using SubscribeCallback = std::function<void(Result, Consumer)>;
using ReaderCallback = std::function<void(Result, Reader)>;
using TableViewCallback = std::function<void(Result, TableView)>;
using GetPartitionsCallback = std::function<void(Result, const std::vector<std::string>&)>;
using GetSchemaInfoCallback = std::function<void(Result, const SchemaInfo&)>;

class Client {
   public:
    // Throws std::invalid_argument on a malformed service URL.
    Client(const std::string& serviceUrl, const ClientConfiguration& clientConfiguration);
    // A client whose service URL `serviceInfoProvider` gives (and may change): calls its
    // initialServiceInfo() and initialize() on this thread before returning. Throws
    // std::invalid_argument on a malformed URL, and lets through what the provider throws.
    static Client create(std::unique_ptr<ServiceInfoProvider> serviceInfoProvider,
                         const ClientConfiguration& clientConfiguration);
    // The cluster it uses now (include abi/service_info.hpp to call it).
    ServiceInfo getServiceInfo() const;

    void createProducerAsync(const std::string& topic, const ProducerConfiguration& conf,
                             const CreateProducerCallback& callback);
    void subscribeAsync(const std::string& topic, const std::string& subscriptionName,
                        const ConsumerConfiguration& conf, const SubscribeCallback& callback);
    void subscribeAsync(const std::vector<std::string>& topics, const std::string& subscriptionName,
                        const ConsumerConfiguration& conf, const SubscribeCallback& callback);
    void subscribeWithRegexAsync(const std::string& regexPattern,
                                 const std::string& subscriptionName,
                                 const ConsumerConfiguration& conf,
                                 const SubscribeCallback& callback);
    // The callbacks take the Reader and the TableView by value: include abi/reader.hpp and
    // abi/table_view.hpp to call these.
    void createReaderAsync(const std::string& topic, const MessageId& startMessageId,
                           const ReaderConfiguration& conf, const ReaderCallback& callback);
    void createTableViewAsync(const std::string& topic, const TableViewConfiguration& conf,
                              const TableViewCallback& callback);
    void getPartitionsForTopicAsync(const std::string& topic,
                                    const GetPartitionsCallback& callback);
    // The schema registered for `topic` at `version` (-1: the latest). The callback is
    // taken by value (the only one here that is).
    void getSchemaInfoAsync(const std::string& topic, int64_t version,
                            GetSchemaInfoCallback callback);
    void closeAsync(const ResultCallback& callback);
    void shutdown();

   private:
    std::shared_ptr<ClientImpl> impl_;
};

}  // namespace pulsar
