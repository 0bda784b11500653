// libpulsar's client, producer and consumer configurations. The library's copies are
// shallow (they share the settings): the compiler's, which copy the shared_ptr, are the
// same.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "abi/auth.hpp"
#include "abi/enums.hpp"
#include "abi/interfaces.hpp"
#include "abi/schema.hpp"

namespace pulsar {

class ClientConfigurationImpl;
class ProducerConfigurationImpl;
class ConsumerConfigurationImpl;

class ClientConfiguration {
   public:
    ClientConfiguration();
    ~ClientConfiguration();

    void setAuth(const AuthenticationPtr& authentication);
    // A reference into the configuration (the library returns the member's address).
    const AuthenticationPtr& getAuthPtr() const;
    void setOperationTimeoutSeconds(int timeout);
    void setConnectionTimeout(int timeoutMs);
    void setIOThreads(int threads);
    void setMessageListenerThreads(int threads);
    int getMessageListenerThreads() const;
    void setConcurrentLookupRequest(int concurrentLookupRequest);
    void setStatsIntervalInSeconds(const unsigned int& statsIntervalInSeconds);
    void setLogger(LoggerFactory* loggerFactory);  // takes ownership
    void setTlsTrustCertsFilePath(const std::string& path);
    void setTlsAllowInsecureConnection(bool allowInsecure);
    void setValidateHostName(bool validateHostName);
    void setTlsPrivateKeyFilePath(const std::string& path);
    void setTlsCertificateFilePath(const std::string& path);
    void setListenerName(const std::string& listenerName);

    // Getters (_pulsar.ClientConfiguration). Strings and the stats interval come back by
    // reference (the disassembly returns a pointer into the implementation).
    int getOperationTimeoutSeconds() const;
    int getConnectionTimeout() const;
    int getIOThreads() const;
    int getConcurrentLookupRequest() const;
    const unsigned int& getStatsIntervalInSeconds() const;
    bool isTlsAllowInsecureConnection() const;
    const std::string& getTlsPrivateKeyFilePath() const;
    const std::string& getTlsCertificateFilePath() const;

   private:
    std::shared_ptr<ClientConfigurationImpl> impl_;
};

class ProducerConfiguration {
   public:
    enum PartitionsRoutingMode : uint8_t {
        UseSinglePartition = 0,
        RoundRobinDistribution = 1,
        CustomPartition = 2,
    };
    enum BatchingType : uint8_t { DefaultBatching = 0, KeyBasedBatching = 1 };
    enum ProducerAccessMode : uint8_t {
        Shared = 0,
        Exclusive = 1,
        WaitForExclusive = 2,
        ExclusiveWithFencing = 3,
    };

    ProducerConfiguration();
    ~ProducerConfiguration();

    void setProducerName(const std::string& producerName);
    void setSchema(const SchemaInfo& schemaInfo);
    void setSendTimeout(int sendTimeoutMs);
    void setInitialSequenceId(int64_t initialSequenceId);
    void setCompressionType(CompressionType compressionType);
    void setMaxPendingMessages(int maxPendingMessages);
    void setMaxPendingMessagesAcrossPartitions(int maxPendingMessagesAcrossPartitions);
    void setBlockIfQueueFull(bool block);
    void setPartitionsRoutingMode(const PartitionsRoutingMode& mode);
    void setMessageRouter(const std::shared_ptr<MessageRoutingPolicy>& router);
    void setLazyStartPartitionedProducers(bool lazy);
    void setBatchingEnabled(const bool& batchingEnabled);
    void setBatchingMaxMessages(const unsigned int& batchingMaxMessages);
    void setBatchingMaxAllowedSizeInBytes(const unsigned long& batchingMaxAllowedSizeInBytes);
    void setBatchingMaxPublishDelayMs(const unsigned long& batchingMaxPublishDelayMs);
    void setBatchingType(BatchingType batchingType);
    void setChunkingEnabled(bool chunkingEnabled);
    void setAccessMode(const ProducerAccessMode& accessMode);
    void setProperty(const std::string& name, const std::string& value);
    void addEncryptionKey(const std::string& key);
    void setCryptoKeyReader(CryptoKeyReaderPtr cryptoKeyReader);

    // Getters (_pulsar.ProducerConfiguration). Strings, the schema and the batching
    // settings come back by reference (the disassembly returns a pointer), enums and the
    // other scalars by value.
    const std::string& getProducerName() const;
    const SchemaInfo& getSchema() const;
    int getSendTimeout() const;
    int64_t getInitialSequenceId() const;
    CompressionType getCompressionType() const;
    int getMaxPendingMessages() const;
    int getMaxPendingMessagesAcrossPartitions() const;
    bool getBlockIfQueueFull() const;
    PartitionsRoutingMode getPartitionsRoutingMode() const;
    bool getLazyStartPartitionedProducers() const;
    const bool& getBatchingEnabled() const;
    const unsigned int& getBatchingMaxMessages() const;
    const unsigned long& getBatchingMaxAllowedSizeInBytes() const;
    const unsigned long& getBatchingMaxPublishDelayMs() const;
    BatchingType getBatchingType() const;
    bool isChunkingEnabled() const;
    ProducerAccessMode getAccessMode() const;

   private:
    std::shared_ptr<ProducerConfigurationImpl> impl_;
};

class Consumer;  // abi/client.hpp
class Message;   // abi/message.hpp
class BatchReceivePolicyImpl;
class DeadLetterPolicyImpl;
class KeySharedPolicyImpl;

// Each policy is one shared_ptr to its implementation, no vtable.
class BatchReceivePolicy {
   public:
    // Throws std::invalid_argument when none of the three limits is positive.
    BatchReceivePolicy(int maxNumMessages, long maxNumBytes, long timeoutMs);
    int getMaxNumMessages() const;
    long getMaxNumBytes() const;
    long getTimeoutMs() const;

   private:
    std::shared_ptr<BatchReceivePolicyImpl> impl_;
};

class DeadLetterPolicy {
   public:
    const std::string& getDeadLetterTopic() const;  // by reference (the disassembly)
    int getMaxRedeliverCount() const;
    const std::string& getInitialSubscriptionName() const;

   private:
    std::shared_ptr<DeadLetterPolicyImpl> impl_;
};

class DeadLetterPolicyBuilder {
   public:
    DeadLetterPolicyBuilder();
    DeadLetterPolicyBuilder& deadLetterTopic(const std::string& deadLetterTopic);
    DeadLetterPolicyBuilder& maxRedeliverCount(int maxRedeliverCount);
    DeadLetterPolicyBuilder& initialSubscriptionName(const std::string& initialSubscriptionName);
    DeadLetterPolicy build();

   private:
    std::shared_ptr<DeadLetterPolicyImpl> impl_;
};

enum KeySharedMode { AUTO_SPLIT = 0, STICKY = 1 };
using StickyRanges = std::vector<std::pair<int, int>>;

class KeySharedPolicy {
   public:
    KeySharedPolicy();
    ~KeySharedPolicy();
    KeySharedPolicy(const KeySharedPolicy&) = delete;  // not needed: never copied
    KeySharedPolicy& operator=(const KeySharedPolicy&) = delete;
    KeySharedPolicy& setKeySharedMode(KeySharedMode keySharedMode);
    KeySharedPolicy& setAllowOutOfOrderDelivery(bool allowOutOfOrderDelivery);
    // Throws std::invalid_argument on empty, out-of-range or overlapping ranges.
    KeySharedPolicy& setStickyRanges(const StickyRanges& ranges);
    KeySharedMode getKeySharedMode() const;
    bool isAllowOutOfOrderDelivery() const;
    StickyRanges getStickyRanges() const;  // by value

   private:
    std::shared_ptr<KeySharedPolicyImpl> impl_;
};

// Called on a listener thread of libpulsar's (message_listener_threads of them).
using MessageListener = std::function<void(Consumer&, const Message&)>;

class ConsumerConfiguration {
   public:
    ConsumerConfiguration();
    ~ConsumerConfiguration();

    void setSchema(const SchemaInfo& schemaInfo);
    void setConsumerType(ConsumerType consumerType);
    void setReceiverQueueSize(int size);
    void setMaxTotalReceiverQueueSizeAcrossPartitions(
        int maxTotalReceiverQueueSizeAcrossPartitions);
    void setConsumerName(const std::string& consumerName);
    void setUnAckedMessagesTimeoutMs(const uint64_t milliSeconds);
    void setNegativeAckRedeliveryDelayMs(long redeliveryDelayMillis);
    void setBrokerConsumerStatsCacheTimeInMs(const long cacheTimeInMs);
    void setReadCompacted(bool compacted);
    void setPatternAutoDiscoveryPeriod(int periodInSeconds);
    void setRegexSubscriptionMode(RegexSubscriptionMode regexSubscriptionMode);
    void setSubscriptionInitialPosition(InitialPosition subscriptionInitialPosition);
    void setProperty(const std::string& name, const std::string& value);
    void setCryptoKeyReader(CryptoKeyReaderPtr cryptoKeyReader);
    void setCryptoFailureAction(ConsumerCryptoFailureAction action);
    void setReplicateSubscriptionStateEnabled(bool enabled);
    void setMaxPendingChunkedMessage(std::size_t maxPendingChunkedMessage);
    void setAutoAckOldestChunkedMessageOnQueueFull(bool autoAckOldestChunkedMessageOnQueueFull);
    void setStartMessageIdInclusive(bool startMessageIdInclusive);
    void setBatchIndexAckEnabled(bool enabled);
    void setMessageListener(MessageListener messageListener);
    void setBatchReceivePolicy(const BatchReceivePolicy& batchReceivePolicy);
    void setDeadLetterPolicy(const DeadLetterPolicy& deadLetterPolicy);
    void setKeySharedPolicy(const KeySharedPolicy& keySharedPolicy);

    // Getters (_pulsar.ConsumerConfiguration): strings, the schema and the batch-receive
    // and dead-letter policies by reference (the disassembly returns a pointer), the
    // key-shared policy by value (a copy), enums and scalars by value.
    const SchemaInfo& getSchema() const;
    ConsumerType getConsumerType() const;
    int getReceiverQueueSize() const;
    int getMaxTotalReceiverQueueSizeAcrossPartitions() const;
    const std::string& getConsumerName() const;
    uint64_t getUnAckedMessagesTimeoutMs() const;
    long getNegativeAckRedeliveryDelayMs() const;
    long getBrokerConsumerStatsCacheTimeInMs() const;
    bool isReadCompacted() const;
    int getPatternAutoDiscoveryPeriod() const;
    RegexSubscriptionMode getRegexSubscriptionMode() const;
    InitialPosition getSubscriptionInitialPosition() const;
    ConsumerCryptoFailureAction getCryptoFailureAction() const;
    bool isReplicateSubscriptionStateEnabled() const;
    std::size_t getMaxPendingChunkedMessage() const;
    bool isAutoAckOldestChunkedMessageOnQueueFull() const;
    bool isStartMessageIdInclusive() const;
    bool isBatchIndexAckEnabled() const;
    const BatchReceivePolicy& getBatchReceivePolicy() const;
    const DeadLetterPolicy& getDeadLetterPolicy() const;
    KeySharedPolicy getKeySharedPolicy() const;  // a copy made by the library

   private:
    std::shared_ptr<ConsumerConfigurationImpl> impl_;
};

}  // namespace pulsar
